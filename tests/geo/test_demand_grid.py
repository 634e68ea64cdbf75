"""Demand per hexagon and quantile classes, against brute force."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.demand_grid import demand_per_cell, quantile_breaks, quantile_class


def test_demand_per_cell_matches_point_in_polygon() -> None:
    rng = np.random.default_rng(3)
    boxes = [shapely.box(x, y, x + 0.01, y + 0.01) for x in (24.90, 24.91) for y in (60.16, 60.17)]
    cells = gpd.GeoDataFrame({"cell_id": list("abcd")}, geometry=boxes, crs=4326)
    pts = pd.DataFrame(
        {
            "lon": rng.uniform(24.895, 24.925, 400),
            "lat": rng.uniform(60.155, 60.185, 400),
            "weight": rng.lognormal(0, 2, 400),
        }
    )
    got = demand_per_cell(cells, pts)
    want = np.zeros(4)
    for lon, lat, w in pts.itertuples(index=False):
        for j, box in enumerate(boxes):
            if box.intersects(shapely.Point(lon, lat)):
                want[j] += w
                break
    np.testing.assert_allclose(got, want)
    assert got.sum() < pts["weight"].sum()  # some points fall outside every cell
    unweighted = demand_per_cell(cells, pts[["lon", "lat"]])
    inside = [shapely.Point(x, y) for x, y in zip(pts.lon, pts.lat, strict=True)]
    assert unweighted.sum() == sum(any(b.intersects(p) for b in boxes) for p in inside)


def test_quantile_classes_hold_equal_shares_of_skewed_values() -> None:
    values = np.random.default_rng(0).lognormal(0, 3, 5000)  # a few huge, most tiny
    breaks = quantile_breaks(values, classes=5)
    classes = quantile_class(values, breaks)
    counts = np.bincount(classes, minlength=5)
    assert counts.tolist() == [1000] * 5
    # Scaled by the largest value, as a heat map is, nearly everything falls in the lowest fifth.
    assert (values / values.max() < 0.2).mean() > 0.99


def test_ties_and_empty_values() -> None:
    assert quantile_breaks([0, -1, np.nan]).size == 0
    breaks = quantile_breaks([1, 1, 1, 1, 2], classes=5)
    assert breaks.tolist() == [1.0, 2.0]
    assert quantile_class([0, 1, 2], breaks).tolist() == [-1, 0, 1]
