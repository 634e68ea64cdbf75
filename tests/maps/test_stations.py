"""The stations layer, its legend and the embed's locate control."""

from __future__ import annotations

import json
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from geo.crs import convert
from geo.types import Kind, Station
from maps import (
    AMAP_TILES,
    LocateControl,
    StationCluster,
    embed_map,
    kind_legend,
    render_html,
    station_layer,
    stations_map,
)
from maps.base import Legend
from maps.style import KIND_STYLES

SUNDAY_NOON = datetime(2026, 11, 22, 12, 0, tzinfo=ZoneInfo("Europe/Helsinki"))


def children(m: object, cls: type) -> list:
    return [c for c in m._children.values() if isinstance(c, cls)]  # type: ignore[attr-defined]


def test_layer_holds_every_station_with_its_kind(stations: list[Station]) -> None:
    layer = station_layer(stations, now=SUNDAY_NOON, tz="Europe/Helsinki")
    assert len(layer) == 4
    assert layer.station_ids == ["lib", "smart", "fuel", "bj"]
    kinds = list(Kind)
    assert [kinds[k] for k in layer.data["k"]] == [s.kind for s in stations]
    assert layer.data["x"][0] == 24.95 and layer.data["y"][0] == 60.184


def test_open_now_is_evaluated_at_build_time_in_the_registry_tz(
    stations: list[Station],
) -> None:
    layer = station_layer(stations, now=SUNDAY_NOON, tz="Europe/Helsinki")
    # Mo-Fr closed on Sunday; 24/7 open; no hours: unknown.
    assert layer.open_now == [0, 1, -1, 1]
    monday_9 = datetime(2026, 11, 23, 9, 0, tzinfo=ZoneInfo("Europe/Helsinki"))
    assert station_layer(stations, now=monday_9, tz="Europe/Helsinki").open_now[0] == 1
    # The same instant is 03:00 on Monday in Los Angeles' view of local hours: closed.
    assert station_layer(stations, now=monday_9, tz="America/Los_Angeles").open_now[0] == 0


def test_popup_fields_are_in_the_page(stations: list[Station]) -> None:
    page = render_html(stations_map(stations, lang="en", now=SUNDAY_NOON, tz="Europe/Helsinki"))
    data = json.loads(re.search(r"var D = (\{.*?\}), K = ", page).group(1))  # type: ignore[union-attr]
    assert data["id"] == ["lib", "smart", "fuel", "bj"]
    assert data["p"][1] == "+358 9 123"
    assert data["a"][0] == "Viides 11"
    amenity_labels = json.loads(re.search(r"A = (\[.*?\]);", page).group(1))  # type: ignore[union-attr]
    bits = data["m"][0]
    assert {amenity_labels[b] for b in range(len(amenity_labels)) if bits >> b & 1} == {
        "Toilet",
        "Drinking water",
    }
    assert '"Mo-Fr 08:00-20:00"' in page and '"open_now":"Open now"' in page


def test_chinese_labels(stations: list[Station]) -> None:
    m = stations_map(stations, lang="zh")
    (layer,) = children(m, StationCluster)
    assert layer.layer_name == "站点"
    page = render_html(m)
    assert '"open_now":"正在开放"' in page and "司机之家" in page
    assert "<title>户外劳动者服务站点</title>" in page


def test_names_cannot_close_the_script(stations: list[Station]) -> None:
    bad = stations[0].replace(name="x</script><script>alert(1)</script>")
    page = render_html(stations_map([bad]))
    assert "</script><script>alert(1)" not in page
    assert "x<\\/script>" in page


def test_gcj02_tiles_shift_markers(stations: list[Station]) -> None:
    layer = station_layer(stations, tiles=AMAP_TILES)
    gx, gy = convert(116.397, 39.909, src="wgs84", dst="gcj02")
    assert layer.data["x"][3] == pytest.approx(float(gx), abs=1e-7)
    assert layer.data["y"][3] == pytest.approx(float(gy), abs=1e-7)
    assert layer.data["x"][0] == 24.95  # Helsinki: not shifted


def test_each_kind_has_its_own_colour_and_glyph() -> None:
    styles = list(KIND_STYLES.values())
    assert set(KIND_STYLES) == set(Kind)
    assert len({s.color for s in styles}) == len(Kind)
    assert len({s.icon for s in styles}) == len(Kind)
    legend = kind_legend(lang="en")
    assert [e[2] for e in legend.entries][:3] == ["Worker station", "Smart station", "Driver home"]
    assert [e[0] for e in legend.entries] == [s.color for s in styles]


def test_map_legend_lists_the_kinds_present(stations: list[Station]) -> None:
    m = stations_map(stations[:3], lang="en")
    (legend,) = children(m, Legend)
    assert [e[2] for e in legend.entries] == ["Worker station", "Smart station", "Driver home"]
    assert any(c.__class__.__name__ == "LayerControl" for c in m._children.values())
    assert any(c.__class__.__name__ == "FitBounds" for c in m._children.values())


def test_empty_map_still_renders() -> None:
    page = render_html(stations_map([], lang="en"))
    assert '"id":[]' in page
    assert "window.sfReady = true" in page


def test_embed_has_locate_control_with_filters(stations: list[Station]) -> None:
    m = embed_map(
        stations,
        lat=60.17,
        lon=24.94,
        zoom=14,
        lang="zh",
        api="/sf/nearest",
        query={"kind": ["driver_home"], "amenity": ["water", "toilet"]},
    )
    (control,) = children(m, LocateControl)
    assert control.mode == "straight"
    assert json.loads(control.query_js) == "&kind=driver_home&amenity=water&amenity=toilet"
    page = render_html(m)
    assert 'id = "sf-locate"' in page and '"/sf/nearest"' in page
    assert '"locate_me":"定位我"' in page
    assert m.location == [60.17, 24.94]


def test_locate_control_validates_its_options() -> None:
    with pytest.raises(ValueError, match="straight, walk"):
        LocateControl(mode="drive")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="between 1 and 100"):
        LocateControl(k=0)
    assert LocateControl(tiles=AMAP_TILES).gcj_js == "true"
