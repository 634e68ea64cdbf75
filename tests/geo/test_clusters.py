"""Grid clusters against a brute force on pyproj's Web Mercator (EPSG:3857)."""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np
import pyproj
import pytest

from geo.clusters import CLUSTER_UNTIL_ZOOM, grid_clusters, web_mercator_unit

HALF_WORLD_M = 20037508.342789244  # pi * 6378137


def brute_force(
    lon: np.ndarray, lat: np.ndarray, zoom: int, cell_px: int
) -> dict[tuple[int, int], list[int]]:
    x_m, y_m = pyproj.Transformer.from_crs(4326, 3857, always_xy=True).transform(lon, lat)
    size = 256 * 2**zoom
    cells: dict[tuple[int, int], list[int]] = defaultdict(list)
    for i, (x, y) in enumerate(zip(x_m, y_m, strict=True)):
        px = (x + HALF_WORLD_M) / (2 * HALF_WORLD_M) * size
        py = (HALF_WORLD_M - y) / (2 * HALF_WORLD_M) * size
        cells[(math.floor(px / cell_px), math.floor(py / cell_px))].append(i)
    return cells


@pytest.mark.parametrize("zoom", [3, 8, 12, 15])
def test_cells_match_pyproj_web_mercator(zoom: int) -> None:
    rng = np.random.default_rng(zoom)
    lon = rng.uniform(113.8, 114.6, 3000)
    lat = rng.uniform(22.4, 22.9, 3000)
    got = grid_clusters(lon, lat, zoom=zoom)
    want = brute_force(lon, lat, zoom, 64)
    assert len(got) == len(want)
    assert int(got.count.sum()) == lon.size  # every point in exactly one cell
    members: dict[int, list[int]] = defaultdict(list)
    for i, c in enumerate(got.member_cell.tolist()):
        members[c].append(i)
    assert sorted(map(sorted, members.values())) == sorted(map(sorted, want.values()))
    for c, idx in members.items():
        assert got.count[c] == len(idx) and got.first[c] == min(idx)
        assert got.lon[c] == pytest.approx(lon[idx].mean(), abs=1e-9)
        assert got.lat[c] == pytest.approx(lat[idx].mean(), abs=1e-9)
        assert got.west[c] == lon[idx].min() and got.north[c] == lat[idx].max()


def test_bounds_leave_points_out_and_deep_zooms_do_not_cluster() -> None:
    lon = np.array([114.0, 114.0, 114.5, np.nan])
    lat = np.array([22.5, 22.5, 22.6, 22.5])
    inside = grid_clusters(lon, lat, zoom=10, bounds=(113.9, 22.4, 114.1, 22.55))
    assert inside.count.tolist() == [2] and inside.member_cell.tolist() == [0, 0, -1, -1]
    deep = grid_clusters(lon, lat, zoom=CLUSTER_UNTIL_ZOOM + 1)
    assert deep.count.tolist() == [1, 1, 1]  # the same place twice: still two markers


def test_unit_coordinates_and_errors() -> None:
    x, y = web_mercator_unit([-180.0, 0.0], [85.0511287798, -85.0511287798])
    assert x.tolist() == [0.0, 0.5] and y[0] == pytest.approx(0.0, abs=1e-9)
    assert y[1] == pytest.approx(1.0, abs=1e-9)
    with pytest.raises(ValueError, match="zoom"):
        grid_clusters([0.0], [0.0], zoom=31)
    with pytest.raises(ValueError, match="differ"):
        grid_clusters([0.0, 1.0], [0.0], zoom=3)
