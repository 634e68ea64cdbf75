"""The station impact layer and the gap pieces' popup, from the library's results."""

from __future__ import annotations

import re

import folium
import numpy as np
import pandas as pd
import pytest

from geo.coverage import StationSet, coverage_report
from geo.gaps import gap_pieces
from geo.impact import station_impact
from geo.network import StreetNetwork
from maps.coverage import coverage_map, gap_layer
from maps.impact import IMPACT_COLORS, impact_frame, impact_layer
from tests.maps.test_coverage import geojson


@pytest.fixture(scope="module")
def case(helsinki: StreetNetwork, demo_demand: pd.DataFrame):  # type: ignore[no-untyped-def]
    k = np.array([300, 1500, 3000, 3010, 4500])
    s = StationSet.build(helsinki, list("abcde"), helsinki.lon[k], helsinki.lat[k])
    return s, station_impact(helsinki, s, minutes=6, demand=demo_demand)


def test_impact_layer_sizes_and_greys(case) -> None:  # type: ignore[no-untyped-def]
    _, result = case
    table = result.table
    group = impact_layer(impact_frame(result), lang="zh")
    assert group.layer_name == "站点贡献（关闭后的损失）"
    feats = geojson(group)["features"]
    assert [f["id"] for f in feats] == [f"impact-{s}" for s in table["station_id"]]
    props = {f["properties"]["station_id"]: f["properties"] for f in feats}
    for row in table.itertuples():
        p = props[row.station_id]
        want = IMPACT_COLORS["nothing" if row.loses_nothing else "loses"]
        assert p["color"] == want and p["verdict"].startswith("关闭")
        assert p["loss"] == f"{row.loss_demand_share:.1%}"
    # The station that loses most is the largest circle; the radius grows with the loss.
    radii = np.array([props[sid]["radius"] for sid in table["station_id"]])
    losses = table["loss_demand_share"].to_numpy(float)
    assert radii[0] == radii.max() == 24.0
    order = np.argsort(losses)
    assert (np.diff(radii[order]) >= 0).all() and len(set(radii)) > 2
    with pytest.raises(ValueError, match="loses_nothing"):
        impact_layer(impact_frame(result).drop(columns="loses_nothing"))


def test_coverage_map_adds_impact_layer_and_legend(case) -> None:  # type: ignore[no-untyped-def]
    _, result = case
    m = coverage_map(impact=impact_frame(result), lang="en")
    html = m.get_root().render()
    assert "Station impact (loss if closed)" in html
    assert "Closing it loses no coverage" in html and "Closing it loses coverage" in html
    ids = set(re.findall(r'"id": "(impact-[^"]+)"', html))
    assert ids == {f"impact-{x}" for x in result.table["station_id"]}
    assert isinstance(m, folium.Map)


def test_gap_popup_shows_the_pieces_figures_and_why(
    helsinki: StreetNetwork,
    case,  # type: ignore[no-untyped-def]
) -> None:
    s, _ = case
    r = coverage_report(helsinki, s, minutes=3, keep_cells=True)
    pieces = gap_pieces(r, helsinki, s)  # no demand: no site, a note says why
    group = gap_layer(pieces, lang="en")
    feats = geojson(group)["features"]
    assert len(feats) == len(pieces)
    first = feats[0]["properties"]
    top = pieces.iloc[0]
    assert first["best_site"] == "—" and first["site_gain"] == "—"
    assert "no demand given" in first["note"]
    assert first["walk_to_nearest"] == f"{top.nearest_walk_s / 60:.1f} min"
    assert first["across"] == f"{top.diameter_m:.0f} m"
    html = coverage_map(gaps=pieces, lang="en").get_root().render()
    assert "Best site inside" in html and "Walk to nearest station" in html
    assert "NaN" not in html


def test_impact_tooltip_escapes_station_ids(case) -> None:  # type: ignore[no-untyped-def]
    """The impact layer's tooltip is the coverage layers' escaped one: a station id with
    markup is shown as text, never run (folium's own tooltip writes it as HTML)."""
    _, result = case
    frame = impact_frame(result)
    frame["station_id"] = ["<img src=x onerror=alert(1)>", *frame["station_id"][1:]]
    page = folium.Map()
    impact_layer(frame, lang="en").add_to(page)
    html = page.get_root().render()
    assert "function esc(s)" in html  # maps.safe_text.SafeGeoJsonTooltip's template
    assert html.count("bindTooltip") == 1
