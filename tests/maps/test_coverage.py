"""The coverage map's layers: names, features, ids and classes."""

from __future__ import annotations

import folium
import geopandas as gpd
import pytest
import shapely
from folium.plugins import HeatMap

from maps import (
    TileConfig,
    cell_layer,
    circle_layer,
    coverage_map,
    demand_layer,
    gap_layer,
    render_html,
    walk_area_layer,
)
from maps.style import COVERAGE_COLORS
from maps.tiles import LOCAL_TILE_URL

LOCAL = TileConfig(LOCAL_TILE_URL, "OpenStreetMap contributors")


def geojson(group: folium.FeatureGroup) -> dict:
    (gj,) = [c for c in group._children.values() if isinstance(c, folium.GeoJson)]
    return gj.data  # type: ignore[no-any-return]


def test_cells_are_classed_by_count(cells: gpd.GeoDataFrame) -> None:
    group = cell_layer(cells, lang="en")
    assert group.layer_name == "Coverage cells"
    feats = geojson(group)["features"]
    assert [f["id"] for f in feats] == ["cell-h0", "cell-h1", "cell-h2", "cell-h3"]
    assert [f["properties"]["coverage"] for f in feats] == [
        "not_covered",
        "covered_once",
        "covered_twice",
        "covered_twice",
    ]
    assert feats[0]["properties"]["label"] == "Not covered"
    gj = next(c for c in group._children.values() if isinstance(c, folium.GeoJson))
    assert gj.style_function(feats[0])["fillColor"] == COVERAGE_COLORS["not_covered"]
    assert gj.style_function(feats[2])["fillColor"] == COVERAGE_COLORS["covered_twice"]


def test_cells_reject_negative_counts(cells: gpd.GeoDataFrame) -> None:
    bad = cells.assign(count=[0, -1, 2, 3])
    with pytest.raises(ValueError, match="count"):
        cell_layer(bad)


def test_circles_and_walk_areas_keep_station_ids(points: gpd.GeoDataFrame) -> None:
    circles = circle_layer(points, radius_m=1000, lang="zh")
    assert circles.layer_name == "1公里服务半径"
    assert [f["id"] for f in geojson(circles)["features"]] == ["circle-a", "circle-b"]
    utm = points.to_crs(points.estimate_utm_crs())
    walk = gpd.GeoDataFrame({"station_id": ["a", "b"]}, geometry=utm.buffer(500), crs=utm.crs)
    group = walk_area_layer(walk, lang="en")
    feats = geojson(group)["features"]
    assert [f["id"] for f in feats] == ["walk-a", "walk-b"]
    # Drawn in lon/lat degrees, whatever CRS came in.
    lon, lat = feats[0]["geometry"]["coordinates"][0][0]
    assert 24.9 < lon < 25.0 and 60.1 < lat < 60.2


def test_gaps_are_ordered_by_rank_with_demand_and_area() -> None:
    gaps = gpd.GeoDataFrame(
        {"rank": [2, 1], "demand": [10.0, 42.5], "area_m2": [20_000, 1_250_000]},
        geometry=[
            shapely.box(24.93, 60.16, 24.935, 60.163),
            shapely.box(24.96, 60.18, 24.97, 60.19),
        ],
        crs=4326,
    )
    feats = geojson(gap_layer(gaps, lang="en"))["features"]
    assert [f["id"] for f in feats] == ["gap-1", "gap-2"]
    assert feats[0]["properties"]["demand"] == 42.5
    assert feats[0]["properties"]["area"] == "1.25 km²"
    with pytest.raises(ValueError, match="area_m2"):
        gap_layer(gaps.drop(columns="area_m2"))


def test_demand_heat_layer_drops_zero_weights() -> None:
    demand = gpd.GeoDataFrame(
        {"weight": [2.0, 0.0, 4.0]},
        geometry=gpd.points_from_xy([24.94, 24.95, 24.96], [60.17, 60.18, 60.19]),
        crs=4326,
    )
    heat = demand_layer(demand, lang="zh")
    assert isinstance(heat, HeatMap) and heat.layer_name == "劳动者需求热力"
    assert heat.data == [[60.17, 24.94, 0.5], [60.19, 24.96, 1.0]]


def test_coverage_map_layer_control_lists_every_layer(
    points: gpd.GeoDataFrame, cells: gpd.GeoDataFrame
) -> None:
    demand = points.assign(weight=[1.0, 2.0])
    m = coverage_map(circles=points, cells=cells, demand=demand, lang="en", tiles=LOCAL)
    names = [
        c.layer_name for c in m._children.values() if isinstance(c, folium.map.Layer) and c.control
    ]
    assert names == ["Base map", "Coverage cells", "1 km service circles", "Worker demand"]
    assert any(isinstance(c, folium.LayerControl) for c in m._children.values())


def test_a_layer_without_features_still_renders() -> None:
    """Walking areas of stations off the streets are empty: the page renders without them."""
    empty = gpd.GeoDataFrame({"station_id": ["a"]}, geometry=[shapely.Polygon()], crs=4326)
    page = render_html(coverage_map(walk_areas=empty, lang="en"))
    assert "bindTooltip" in page
