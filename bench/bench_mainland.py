"""Where GCJ-02 applies: the mainland polygon test against plain shapely (a peer).

``geo.crs.in_china`` reads the polygon once, prepares it, and sends only the
points inside China's lon/lat box to ``shapely.contains_xy``. The peers, in the
same run: ``contains_xy`` on the same polygon unprepared, and the old box test
(which is wrong for Seoul, Hanoi, Hong Kong …). Points: 100,000 uniform over a
box around East Asia (seed 0), 18 % of them in mainland China. Each
benchmark checks its answer against the prepared one (the box test: that it
disagrees, on the points in neighbouring countries).
"""

from __future__ import annotations

import gzip
import json

import numpy as np
import pytest
import shapely
import shapely.geometry

from geo.crs import MAINLAND_FILE, in_china

N = 100_000


@pytest.fixture(scope="module")
def points() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return rng.uniform(60, 150, N), rng.uniform(0, 60, N)


@pytest.fixture(scope="module")
def truth(points: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    return in_china(*points)  # also loads and prepares the polygon, outside the timings


def test_in_china_prepared(benchmark, points, truth) -> None:  # type: ignore[no-untyped-def]
    benchmark.group = "mainland test, 100,000 points"
    got = benchmark(in_china, *points)
    assert np.array_equal(got, truth) and 0.1 < truth.mean() < 0.3


def test_contains_xy_unprepared(benchmark, points, truth) -> None:  # type: ignore[no-untyped-def]
    benchmark.group = "mainland test, 100,000 points"
    with gzip.open(MAINLAND_FILE, "rt", encoding="utf-8") as fh:
        raw = shapely.geometry.shape(json.load(fh)["geometry"])  # not prepared
    got = benchmark.pedantic(shapely.contains_xy, args=(raw, *points), rounds=1, iterations=1)
    assert np.array_equal(got, truth)


def test_lonlat_box(benchmark, points, truth) -> None:  # type: ignore[no-untyped-def]
    benchmark.group = "mainland test, 100,000 points"
    x, y = points

    def box() -> np.ndarray:
        return (x >= 72.004) & (x <= 137.8347) & (y >= 0.8293) & (y <= 55.8271)

    got = benchmark(box)
    assert (got & ~truth).sum() > 0.1 * N  # the box says "China" for Korea, Vietnam, the sea
