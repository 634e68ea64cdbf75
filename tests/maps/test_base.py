"""Offline assets, tiles, coordinate shifts and standalone files."""

from __future__ import annotations

import re
from pathlib import Path

import folium
import folium.plugins
import geopandas as gpd
import pytest

from geo.crs import convert
from geo.navigation import NAV_TEMPLATES
from geo.types import Station
from maps import (
    AMAP_TILES,
    OSM_TILES,
    STATIC_DIR,
    STATIC_URL,
    TileConfig,
    UnknownAssetError,
    base_map,
    coverage_map,
    frame_to_display,
    render_html,
    stations_map,
    to_display,
    write_standalone,
)
from maps.base import ASSETS

OSM_ATTRIBUTION_LINK = "https://www.openstreetmap.org/copyright"
# Links a rider taps to open a map app (never loaded by the page), like the attribution link.
NAV_LINKS = tuple(NAV_TEMPLATES.values())


def remote_urls(page: str, *allowed: str) -> list[str]:
    """Every http(s) URL in the page that is not one of ``allowed``."""
    page = page.replace("\\u0026", "&").replace("&amp;", "&")  # JSON and HTML escapes
    urls = re.findall(r"""https?://[^\s"'<>)\\]+""", page)
    return [u for u in urls if u not in allowed]


def linked_assets(page: str) -> list[str]:
    return re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', page)


def test_served_page_links_only_vendored_files(stations: list[Station]) -> None:
    page = render_html(stations_map(stations, lang="en"))
    assert remote_urls(page, OSM_TILES.url, OSM_ATTRIBUTION_LINK, *NAV_LINKS) == []
    links = [u for u in linked_assets(page) if u != "data:,"]
    assert f"{STATIC_URL}/leaflet/leaflet.js" in links
    for url in links:
        assert url.startswith(STATIC_URL + "/"), url
        assert (STATIC_DIR / url.removeprefix(STATIC_URL + "/")).is_file(), url
    # folium's Bootstrap and glyphicons are left off; awesome-markers only with a folium.Icon.
    assert "bootstrap" not in page
    assert "awesome-markers" not in page


def test_folium_icon_brings_awesome_markers_back(stations: list[Station]) -> None:
    m = stations_map(stations)
    render_html(m)
    folium.Marker([60.17, 24.94], icon=folium.Icon(color="red", icon="truck", prefix="fa")).add_to(
        m
    )
    page = render_html(m)
    assert f"{STATIC_URL}/awesome-markers/leaflet.awesome-markers.min.js" in page
    assert remote_urls(page, OSM_TILES.url, OSM_ATTRIBUTION_LINK, *NAV_LINKS) == []


def test_every_vendored_asset_exists_with_a_licence() -> None:
    for rel in ASSETS.values():
        assert (STATIC_DIR / rel).is_file(), rel
    for folder in {rel.split("/")[0] for rel in ASSETS.values()}:
        assert list((STATIC_DIR / folder).glob("LICENSE*")), folder
    readme = (STATIC_DIR / "README.md").read_text(encoding="utf-8")
    for pkg in ("leaflet", "leaflet.markercluster", "leaflet.heat", "jquery", "fontawesome-free"):
        assert pkg in readme


def test_unknown_plugin_asset_is_refused(stations: list[Station]) -> None:
    m = stations_map(stations)
    folium.plugins.Fullscreen().add_to(m)  # its assets are not vendored
    with pytest.raises(UnknownAssetError, match="not vendored"):
        render_html(m)


def test_asset_base_follows_the_mount_point(stations: list[Station]) -> None:
    page = render_html(stations_map(stations), asset_base="/sf/static/maps")
    assert '<script src="/sf/static/maps/leaflet/leaflet.js"></script>' in page


def test_standalone_file_inlines_every_asset(tmp_path: Path, stations: list[Station]) -> None:
    out = tmp_path / "map.html"
    write_standalone(stations_map(stations, lang="zh"), out)
    page = out.read_text(encoding="utf-8")
    assert linked_assets(page) == ["data:,"]  # only the empty favicon
    leaflet = (STATIC_DIR / "leaflet" / "leaflet.js").read_text(encoding="utf-8")
    assert leaflet[:300] in page and "var L" not in page[:200]
    assert "font/woff2;base64," in page  # Font Awesome's glyphs travel inside
    assert re.search(r"url\((?!data:|#)", page) is None  # no relative url() left
    assert '<html lang="zh-CN">' in page
    # Leaflet itself must be present (not only referenced).
    assert "Leaflet" in page and len(page) > 200_000


def test_tile_layer_uses_the_configured_template() -> None:
    tiles = TileConfig("http://tiles.local/{z}/{x}/{y}.png", "Local tiles", max_zoom=17)
    page = render_html(base_map(tiles=tiles, lang="en"))
    assert '"http://tiles.local/{z}/{x}/{y}.png"' in page
    assert remote_urls(page, tiles.url) == []
    assert "Local tiles" in page


@pytest.mark.parametrize(
    ("url", "crs", "message"),
    [
        ("https://t/{z}/{x}.png", "wgs84", "lacks {y}"),
        ("https://t/{z}/{x}/{y}.png", "bd09", "not supported"),
    ],
)
def test_tile_config_is_validated(url: str, crs: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        TileConfig(url, "x", crs=crs)  # type: ignore[arg-type]


def test_gcj02_tiles_shift_points_inside_china_only() -> None:
    x, y = to_display([116.397, 24.94], [39.909, 60.17], AMAP_TILES)
    gx, gy = convert(116.397, 39.909, src="wgs84", dst="gcj02")
    assert (x[0], y[0]) == (pytest.approx(float(gx)), pytest.approx(float(gy)))
    assert abs(x[0] - 116.397) > 1e-3  # several hundred metres
    assert (x[1], y[1]) == (24.94, 60.17)
    ox, oy = to_display([116.397], [39.909], OSM_TILES)
    assert (ox[0], oy[0]) == (116.397, 39.909)


def test_frame_to_display_reprojects_shifts_and_needs_a_crs() -> None:
    frame = gpd.GeoDataFrame(geometry=gpd.points_from_xy([116.397], [39.909]), crs=4326)
    local = frame.to_crs(32650)
    shifted = frame_to_display(local, AMAP_TILES)
    gx, gy = convert(116.397, 39.909, src="wgs84", dst="gcj02")
    assert shifted.crs.to_epsg() == 4326
    assert shifted.geometry.x.iloc[0] == pytest.approx(float(gx), abs=1e-7)
    assert shifted.geometry.y.iloc[0] == pytest.approx(float(gy), abs=1e-7)
    with pytest.raises(ValueError, match="no CRS"):
        frame_to_display(
            gpd.GeoDataFrame(geometry=frame.geometry.set_crs(None, allow_override=True)), OSM_TILES
        )


def test_coverage_map_with_gcj02_tiles_has_no_cdn(cells: gpd.GeoDataFrame) -> None:
    demand = gpd.GeoDataFrame(
        {"weight": [1.0, 3.0]},
        geometry=gpd.points_from_xy([24.94, 24.95], [60.17, 60.16]),
        crs=4326,
    )
    page = render_html(coverage_map(cells=cells, demand=demand, tiles=AMAP_TILES, lang="zh"))
    assert remote_urls(page, AMAP_TILES.url) == []
    assert f"{STATIC_URL}/heat/leaflet-heat.js" in page
    assert page.count('"type": "Feature"') + page.count('"type":"Feature"') >= 4
