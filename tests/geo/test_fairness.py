"""Fairness figures against numpy on the same vectors, and a hand-checked case."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo.access import StepDecay, e2sfca, walk_time_matrix
from geo.fairness import (
    fairness_report,
    gini,
    nearest_walk_time_s,
    palma,
    summarize,
    weighted_quantile,
    worst_share_mean,
)
from geo.network import StreetNetwork


def expanded(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Each value repeated by its (whole) weight: unweighted numpy on it is the truth."""
    return np.repeat(values, weights.astype(int))


@pytest.mark.parametrize("seed", range(5))
def test_statistics_equal_numpy(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 200
    t = rng.gamma(2.0, 300.0, n).round(0)
    w = rng.integers(0, 9, n).astype(float)
    w[: n // 2] += 1  # some zero weights remain
    # numpy's weighted inverted-CDF quantile, and the same on the expanded sample.
    for q in (0.5, 0.9, 0.95):
        want = np.quantile(t, q, weights=w, method="inverted_cdf")
        assert weighted_quantile(t, w, q) == want
        assert weighted_quantile(t, w, q) == np.quantile(expanded(t, w), q, method="inverted_cdf")
    # Worst 5 %: make the total weight a multiple of 20 so 5 % is whole units.
    w20 = w.copy()
    w20[0] += (-w20.sum()) % 20
    full = np.sort(expanded(t, w20))[::-1]
    assert worst_share_mean(t, w20, 0.05) == pytest.approx(
        full[: len(full) // 20].mean(), rel=1e-12
    )
    # Gini: the O(n²) pair sum with numpy broadcasting.
    a = rng.uniform(0, 3, n)
    pair = np.sum(w[:, None] * w[None, :] * np.abs(a[:, None] - a[None, :]))
    want_gini = pair / (2 * w.sum() ** 2 * (w @ a / w.sum()))
    assert gini(a, w) == pytest.approx(want_gini, rel=1e-12)
    # Palma on the expanded sample whose size is a multiple of 10.
    w10 = w.copy()
    w10[0] += (-w10.sum()) % 10
    e = np.sort(expanded(a, w10))
    k = len(e) // 10
    assert palma(a, w10) == pytest.approx(e[-k:].sum() / e[: 4 * k].sum(), rel=1e-12)


def test_hand_checked_case() -> None:
    # Ten riders' walks in minutes and their accessibility (seats per rider), weight 1 each.
    minutes = np.array([1, 2, 3, 4, 5, 6, 7, 8, 9, 30], dtype=float)
    seats = np.array([0, 0, 0, 0, 1, 1, 1, 1, 1, 5], dtype=float)
    s = summarize(minutes * 60, seats, np.ones(10))
    assert s.median_s == 5 * 60  # the 5th of 10 reaches half the demand
    assert (s.p90_s, s.p95_s) == (9 * 60, 30 * 60)
    assert s.worst5_mean_s == 30 * 60  # half a rider, the 30-minute one
    assert s.unreachable_share == 0.0
    # Gini: 10 riders, total 10; pairs |x_i - x_j| summed over ordered pairs:
    # zeros vs ones 4·5·1, zeros vs five 4·5, ones vs five 5·4 → 20 + 20 + 20 = 60, twice = 120;
    # G = 120 / (2 · 10² · 1) = 0.6.
    assert s.gini == pytest.approx(0.6)
    # Palma: top 10 % hold 5 of 10, bottom 40 % hold 0 → inf.
    assert s.palma == math.inf
    unreachable = summarize([60.0, math.inf], [1.0, 0.0], [1.0, 3.0])
    assert unreachable.unreachable_share == 0.75 and unreachable.median_s == math.inf
    assert unreachable.to_dict()["median_s"] is None


def test_report_on_helsinki(
    helsinki: StreetNetwork, demo_stations: pd.DataFrame, demo_demand: pd.DataFrame
) -> None:
    st = demo_stations[demo_stations["status"] == "open"].head(6)
    demand = demo_demand.head(80)
    w = demand["weight"].to_numpy(float) if "weight" in demand else np.ones(len(demand))
    cap = [10.0, None, 4.0, 20.0, None, 6.0][: len(st)]
    b = shapely.box(*demand[["lon", "lat"]].agg(["min", "max"]).to_numpy().T.reshape(-1))
    west = shapely.box(b.bounds[0], b.bounds[1], (b.bounds[0] + b.bounds[2]) / 2, b.bounds[3])
    districts = gpd.GeoDataFrame({"name": ["west"]}, geometry=[west], crs=4326)
    rep = fairness_report(helsinki, st["lon"], st["lat"], cap, demand, districts=districts)
    # The nearest walking time is the row minimum of the full time matrix.
    times = nearest_walk_time_s(helsinki, st["lon"], st["lat"], demand["lon"], demand["lat"])
    full = walk_time_matrix(
        helsinki, demand["lon"], demand["lat"], st["lon"], st["lat"], max_time_s=1e7
    )
    np.testing.assert_allclose(times, full.min(axis=1), rtol=1e-9)
    capacity = np.array([np.nan if c is None else c for c in cap])
    score = e2sfca(full, w, capacity, decay=StepDecay.luo_qi(15)).score
    assert rep.accessibility_basis == "capacity"
    assert rep.region.median_s == np.quantile(times, 0.5, weights=w, method="inverted_cdf")
    assert rep.region.gini == pytest.approx(gini(score, w), rel=1e-12)
    inside = shapely.contains_xy(west, demand["lon"], demand["lat"])
    assert rep.districts["west"].demand == pytest.approx(w[inside].sum())
    assert rep.districts["west"].p90_s == weighted_quantile(times[inside], w[inside], 0.9)
    none_known = fairness_report(helsinki, st["lon"], st["lat"], [None] * len(st), demand)
    assert none_known.accessibility_basis == "station_count"
