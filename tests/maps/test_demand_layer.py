"""The demand layer: hexagons by quantile class, with its scale in the legend."""

from __future__ import annotations

import json
from collections import Counter

import folium
import geopandas as gpd
import numpy as np
import shapely

from maps import coverage_map, render_html
from maps.coverage import demand_cell_layer
from maps.style import DEMAND_COLORS


def skewed_cells(n: int = 500) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(1)
    x, y = 24.9 + np.arange(n) % 25 * 0.002, 60.1 + np.arange(n) // 25 * 0.002
    boxes = shapely.box(x, y, x + 0.002, y + 0.002)
    demand = rng.lognormal(0, 3, n)  # one district of towers, a city of few
    demand[:50] = 0.0  # and cells with nobody
    return gpd.GeoDataFrame({"cell_id": range(n), "demand": demand}, geometry=boxes, crs=4326)


def test_no_colour_covers_the_city() -> None:
    cells = skewed_cells()
    layer, entries = demand_cell_layer(cells, lang="en")
    (gj,) = [c for c in layer._children.values() if isinstance(c, folium.GeoJson)]
    colours = Counter(f["properties"]["color"] for f in gj.data["features"])
    assert len(gj.data["features"]) == 450  # cells with no demand are not drawn
    assert set(colours) == set(DEMAND_COLORS)
    assert max(colours.values()) <= 0.2 * 450 + 1
    # The legend lists each class with its range, lowest first, ending at the largest cell.
    assert [e[0] for e in entries] == list(DEMAND_COLORS)
    top = cells["demand"].max()
    assert entries[-1][2].endswith(f"{top:,.0f}")


def test_coverage_map_legend_has_the_demand_scale() -> None:
    page = render_html(coverage_map(demand_cells=skewed_cells(), lang="zh"))
    assert json.dumps("劳动者需求（六边形，分位数）")[1:-1] in page  # in the legend's JSON
    assert page.count("sf-swatch") >= len(DEMAND_COLORS)
