"""The base map: tiles and attribution, GCJ-02 display, fitting to bounds.

Tiles come from a URL template; by default there is none (:data:`NO_TILES`),
and the service passes its own street tiles (:mod:`maps.tiles`). A GCJ-02 tile
source (Amap-style) is declared with ``crs="gcj02"``; every overlay is then
shifted from WGS-84 into GCJ-02 (:func:`to_display`, :func:`frame_to_display`)
so that it lines up with the streets on the tiles. Tiles that fail to load
leave an empty square; nothing on the page depends on them.

The page's offline assets are :mod:`maps.assets`, legends :mod:`maps.legend`,
escaped text :mod:`maps.safe_text`; their public names are importable from here too.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Literal

import branca.element
import folium
import geopandas as gpd
import numpy as np
import numpy.typing as npt
import shapely
from numpy.typing import ArrayLike

from geo.crs import convert
from maps.assets import (
    ASSETS,
    DROPPED,
    STATIC_DIR,
    STATIC_URL,
    UnknownAssetError,
    localize,
    render_html,
    write_standalone,
)
from maps.i18n import Lang, text
from maps.legend import Legend
from maps.safe_text import SafeGeoJsonTooltip, escape_html, js_literal, safe_tooltip
from maps.style import NARROW_PX, marker_css

__all__ = [
    "AMAP_TILES",
    "ASSETS",
    "DROPPED",
    "NO_TILES",
    "OSM_TILES",
    "STATIC_DIR",
    "STATIC_URL",
    "Legend",
    "OfflineMap",
    "SafeGeoJsonTooltip",
    "TileConfig",
    "UnknownAssetError",
    "base_map",
    "escape_html",
    "fit_to",
    "frame_to_display",
    "js_literal",
    "localize",
    "render_html",
    "safe_tooltip",
    "to_display",
    "write_standalone",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class TileConfig:
    """Where the base map's tiles come from.

    Parameters
    ----------
    url
        Leaflet URL template with ``{z}``, ``{x}``, ``{y}`` (and ``{s}``).
    attribution
        HTML shown in the corner, as the tile licence requires.
    crs
        Datum of the tiles: ``wgs84`` (OpenStreetMap and most others) or
        ``gcj02`` (Amap, Tencent); overlays are shifted to match.
    subdomains
        Values of ``{s}``.
    max_zoom
        Deepest zoom level the source has.
    """

    url: str
    attribution: str
    crs: Literal["wgs84", "gcj02"] = "wgs84"
    subdomains: str = "abc"
    max_zoom: int = 19

    def __post_init__(self) -> None:
        if self.crs not in ("wgs84", "gcj02"):
            raise ValueError(f"tile crs={self.crs!r} is not supported; use one of wgs84, gcj02")
        if not self.url:  # NO_TILES
            return
        missing = [p for p in ("{z}", "{x}", "{y}") if p not in self.url]
        if missing:
            raise ValueError(f"tile url={self.url!r} lacks {', '.join(missing)}")


NO_TILES = TileConfig("", "")
"""No tile layer: the default, as a page must not need a tile server. The service
serves its own street tiles (:mod:`maps.tiles`); standalone files carry the streets
as a vector layer (:func:`maps.tiles.street_layer`)."""

OSM_TILES = TileConfig(
    "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
)
"""OpenStreetMap's standard tiles (WGS-84), for deployments that may reach them."""

AMAP_TILES = TileConfig(
    "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}",
    "&copy; 高德地图 AutoNavi",
    crs="gcj02",
    subdomains="1234",
    max_zoom=18,
)
"""Amap road tiles (GCJ-02): overlays are shifted into GCJ-02 to line up."""


# -- coordinates -----------------------------------------------------------
def to_display(
    lon: ArrayLike, lat: ArrayLike, tiles: TileConfig
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """WGS-84 points in the datum of the tiles (shifted into GCJ-02 for GCJ-02 tiles).

    Parameters
    ----------
    lon, lat
        WGS-84 degrees.
    tiles
        The tile source the points will be drawn on.

    Returns
    -------
    tuple of numpy.ndarray
        ``(lon, lat)`` to draw.

    Examples
    --------
    >>> x, y = to_display([116.397], [39.909], AMAP_TILES)
    >>> round(float(x[0]), 4), round(float(y[0]), 4)
    (116.4032, 39.9104)
    """
    x = np.atleast_1d(np.asarray(lon, dtype=float))
    y = np.atleast_1d(np.asarray(lat, dtype=float))
    if tiles.crs == "gcj02" and x.size:
        return convert(x, y, src="wgs84", dst="gcj02")
    return x, y


def frame_to_display(frame: gpd.GeoDataFrame, tiles: TileConfig) -> gpd.GeoDataFrame:
    """A copy of ``frame`` in lon/lat degrees, shifted into the datum of the tiles.

    Parameters
    ----------
    frame
        Geometries in any CRS; the CRS must be set.
    tiles
        The tile source the geometries will be drawn on.

    Returns
    -------
    geopandas.GeoDataFrame
        In EPSG:4326 (GCJ-02-shifted when ``tiles.crs == "gcj02"``).

    Raises
    ------
    ValueError
        When ``frame`` has no CRS.
    """
    if frame.crs is None:
        raise ValueError("the GeoDataFrame has no CRS; set one (e.g. EPSG:4326) before mapping")
    out = frame.to_crs(4326) if not frame.crs.equals("EPSG:4326") else frame.copy()
    if tiles.crs == "gcj02" and len(out):

        def shift(x: npt.NDArray[np.float64], y: npt.NDArray[np.float64]) -> Any:
            return convert(x, y, src="wgs84", dst="gcj02")

        geoms = shapely.transform(out.geometry.to_numpy(), shift, interleaved=False)
        out = out.set_geometry(gpd.GeoSeries(geoms, index=out.index, crs=4326))
    return out


# -- the map -------------------------------------------------------------------
class OfflineMap(folium.Map):
    """A folium ``Map`` whose page links only vendored assets.

    Rendering it (``m.get_root().render()``, a notebook, :func:`render_html`)
    first rewrites every element's assets to files under ``asset_base``.

    Parameters
    ----------
    *args, **kwargs
        Passed to :class:`folium.Map`.
    asset_base
        URL prefix of the vendored files (:data:`STATIC_URL` when served).
    lang
        Language of the page, written into ``<html lang>``.
    """

    def __init__(
        self, *args: Any, asset_base: str = STATIC_URL, lang: Lang = "en", **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.asset_base = asset_base
        self.lang: Lang = lang

    def render(self, **kwargs: Any) -> None:
        """Localize the assets of every element, then render as folium does."""
        localize(self, asset_base=self.asset_base)
        super().render(**kwargs)


def base_map(
    *,
    tiles: TileConfig = NO_TILES,
    lang: Lang = "en",
    title: str | None = None,
    location: tuple[float, float] | None = None,
    zoom: int = 12,
) -> OfflineMap:
    """An empty map with the tile layer, a scale bar, the page title and our CSS.

    Parameters
    ----------
    tiles
        Tile source.
    lang
        Language of labels.
    title
        Page title.
    location
        Initial centre as WGS-84 ``(lon, lat)``; shifted for GCJ-02 tiles.
    zoom
        Initial zoom (ignored once the map is fitted to bounds).

    Returns
    -------
    OfflineMap
        The map, with one base layer named in ``lang``.
    """
    center: list[float] | None = None
    if location is not None:
        x, y = to_display([location[0]], [location[1]], tiles)
        center = [float(y[0]), float(x[0])]
    m = OfflineMap(
        location=center,
        zoom_start=zoom if center is not None else 2,
        tiles=None,
        control_scale=False,  # folium's scale shows feet too: MetricScale below
        prefer_canvas=True,
        lang=lang,
    )
    # Leaflet takes its zoom range from the tile layers; with none (a written file, whose
    # streets are vectors) the map has no maxZoom and the station layer cannot cluster.
    m.options["min_zoom"] = 0
    m.options["max_zoom"] = tiles.max_zoom
    if tiles.url:
        folium.TileLayer(
            tiles=tiles.url,
            attr=tiles.attribution,
            name=text("base_map", lang),
            max_zoom=tiles.max_zoom,
            subdomains=tiles.subdomains,
            overlay=False,
            control=True,
        ).add_to(m)
    root = m.get_root()
    root.title = title or text("stations_title", lang)
    # An empty icon: the browser does not ask the server for /favicon.ico.
    root.header.add_child(branca.element.Element('<link rel="icon" href="data:,">'), name="sf_icon")
    root.header.add_child(branca.element.Element(f"<style>{marker_css()}</style>"), name="sf_style")
    NarrowScreen().add_to(m)
    MetricScale().add_to(m)
    return m


class MetricScale(branca.element.MacroElement):
    """Leaflet's scale bar in metres only: the readers of these maps measure in metres and
    kilometres (folium's ``control_scale`` adds a second bar in feet)."""

    _template = branca.element.Template(
        """
        {% macro script(this, kwargs) %}
        L.control.scale({imperial: false}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )


class NarrowScreen(branca.element.MacroElement):
    """On screens up to :data:`NARROW_PX` wide, layer controls start folded behind their button
    and fold again when the map is tapped, so they never cover the map or the nearest list."""

    _template = branca.element.Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }};
            var narrow = window.matchMedia("(max-width: {{ this.narrow_px }}px)");
            function fold() {
                if (!narrow.matches) { return; }
                document.querySelectorAll(".leaflet-control-layers-expanded").forEach(function (c) {
                    c.classList.remove("leaflet-control-layers-expanded");
                });
            }
            setTimeout(fold, 0);  // the layer control is added after this script
            map.on("click", fold);
        })();
        {% endmacro %}
        """
    )

    narrow_px = NARROW_PX

    def __init__(self) -> None:
        super().__init__()
        self._name = "NarrowScreen"


def fit_to(
    m: folium.Map, lon: ArrayLike, lat: ArrayLike, *, tiles: TileConfig, max_zoom: int = 16
) -> None:
    """Fit the map's view to WGS-84 points (shifted like the overlays); no points: no change.

    Parameters
    ----------
    m
        The map.
    lon, lat
        WGS-84 degrees.
    tiles
        The map's tile source.
    max_zoom
        Zoom no closer than this (a single point would zoom all the way in).
    """
    x, y = to_display(lon, lat, tiles)
    ok = np.isfinite(x) & np.isfinite(y)
    if not ok.any():
        return
    x, y = x[ok], y[ok]
    bounds = [[float(y.min()), float(x.min())], [float(y.max()), float(x.max())]]
    m.fit_bounds(bounds, max_zoom=max_zoom, padding=(20, 20))
