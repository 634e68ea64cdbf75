"""The suggestions map: chosen sites numbered in order with their gains."""

from __future__ import annotations

import folium
import geopandas as gpd
import pytest

from maps import suggestion_layers, suggestions_map
from maps.base import Legend


@pytest.fixture
def candidates() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "candidate_id": ["c1", "c2", "c3", "c4"],
            "order": [2, 0, 1, None],
            "gain": [12.0, 0.0, 40.5, 0.0],
        },
        geometry=gpd.points_from_xy([24.93, 24.94, 24.95, 24.96], [60.165, 60.17, 60.175, 60.18]),
        crs=4326,
    )


def test_chosen_sites_are_numbered_in_order(candidates: gpd.GeoDataFrame) -> None:
    rest, picked = suggestion_layers(candidates, lang="en")
    assert rest.layer_name == "Candidate sites" and picked.layer_name == "Chosen sites"
    assert len(rest._children) == 2
    markers = list(picked._children.values())
    assert all(isinstance(mk, folium.Marker) for mk in markers)
    tips = [
        next(c for c in mk._children.values() if isinstance(c, folium.Tooltip)).text
        for mk in markers
    ]
    assert tips == ["#1 c3 · Marginal gain: +40", "#2 c1 · Marginal gain: +12"]
    icons = [next(iter(mk._children.values())) for mk in markers]
    assert 'data-order="1"' in icons[0].options["html"]
    assert ">1</div>" in icons[0].options["html"]


def test_order_must_run_from_one(candidates: gpd.GeoDataFrame) -> None:
    with pytest.raises(ValueError, match="1 … n"):
        suggestion_layers(candidates.assign(order=[3, 0, 1, 0]))
    with pytest.raises(ValueError, match="order"):
        suggestion_layers(candidates.drop(columns="order"))


def test_suggestions_legend_lists_gains_in_chinese(candidates: gpd.GeoDataFrame) -> None:
    m = suggestions_map(candidates, lang="zh")
    (legend,) = [c for c in m._children.values() if isinstance(c, Legend)]
    assert [e[2] for e in legend.entries] == ["候选站点", "1. c3  +40", "2. c1  +12"]
    assert "边际增益" in legend.title
