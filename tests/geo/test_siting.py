"""Siting: exact answers equal exhaustive search; greedy never beats exact; recounts agree."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.errors import InvalidInputError
from geo.siting import InfeasibleTargetError, cost_matrix, max_coverage, min_sites


def instance(seed: int):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed)
    n_d, n_c = int(rng.integers(5, 25)), int(rng.integers(4, 11))
    cost = rng.uniform(0, 3000, (n_d, n_c))
    cost[rng.random((n_d, n_c)) < 0.2] = np.inf
    w = rng.integers(1, 10, n_d).astype(float)
    existing = (rng.random(n_d) < 0.3).astype(int) * rng.integers(1, 3, n_d)
    return cost, w, existing


def recount(cost, w, existing, chosen, limit, double):  # type: ignore[no-untyped-def]
    counts = existing + (cost[:, list(chosen)] <= limit).sum(axis=1) if chosen else existing.copy()
    return float(w[counts >= (2 if double else 1)].sum())


def best_by_search(cost, w, existing, k, limit, double):  # type: ignore[no-untyped-def]
    return max(
        recount(cost, w, existing, c, limit, double)
        for c in itertools.combinations(range(cost.shape[1]), k)
    )


@pytest.mark.parametrize("seed", range(150))
def test_max_coverage_equals_exhaustive_search(seed: int) -> None:
    cost, w, existing = instance(seed)
    k = 1 + seed % 4
    double = seed % 3 == 0
    ex = existing if seed % 2 else None
    exv = existing if ex is not None else np.zeros_like(existing)
    exact = max_coverage(cost, w, 1000.0, k, existing=ex, double=double)
    greedy = max_coverage(cost, w, 1000.0, k, existing=ex, double=double, method="greedy")
    truth = best_by_search(cost, w, exv, min(k, cost.shape[1]), 1000.0, double)
    assert exact.optimal and exact.status == "optimal"
    assert exact.covered_after == pytest.approx(truth)
    assert exact.covered_after == pytest.approx(recount(cost, w, exv, exact.chosen, 1000.0, double))
    assert greedy.covered_after == pytest.approx(
        recount(cost, w, exv, greedy.chosen, 1000.0, double)
    )
    assert greedy.covered_after <= exact.covered_after + 1e-9
    assert greedy.bound >= exact.covered_after - 1e-6  # the LP bound is a bound
    assert sum(exact.gains) == pytest.approx(exact.covered_after - exact.covered_before)
    assert list(exact.gains) == sorted(exact.gains, reverse=True) or k == 1 or double


@pytest.mark.parametrize("seed", range(100))
def test_min_sites_equals_exhaustive_search(seed: int) -> None:
    cost, w, existing = instance(1000 + seed)
    target = [0.5, 0.7, 0.9][seed % 3]
    ex = existing if seed % 2 else None
    exv = existing if ex is not None else np.zeros_like(existing)
    need = target * w.sum()
    fewest = next(
        (
            k
            for k in range(cost.shape[1] + 1)
            if any(
                recount(cost, w, exv, c, 1000.0, False) >= need - 1e-9
                for c in itertools.combinations(range(cost.shape[1]), k)
            )
        ),
        None,
    )
    if fewest is None:
        with pytest.raises(InfeasibleTargetError, match="no set of candidates reaches"):
            min_sites(cost, w, 1000.0, target, existing=ex)
        return
    exact = min_sites(cost, w, 1000.0, target, existing=ex)
    greedy = min_sites(cost, w, 1000.0, target, existing=ex, method="greedy")
    assert exact.optimal and len(exact.chosen) == fewest
    assert exact.covered_after >= need - 1e-9
    assert greedy.covered_after >= need - 1e-9 and len(greedy.chosen) >= fewest
    assert greedy.bound <= fewest


def test_hand_checked_instance() -> None:
    # Three demand points; site 0 covers A and B, site 1 covers A and C, site 2 covers C.
    cost = np.array([[100, 200, np.inf], [300, np.inf, np.inf], [np.inf, 400, 50]])
    w = np.array([1.0, 2.0, 4.0])
    r = max_coverage(cost, w, 500, 1)
    assert (r.chosen, r.covered_after, r.optimal, r.gap) == ((1,), 5.0, True, 0.0)
    r = max_coverage(cost, w, 500, 2)
    assert set(r.chosen) == {0, 1} and r.covered_after == 7.0 and r.chosen[0] == 1
    assert r.gains == (5.0, 2.0)
    # With C covered by an existing station, the best single new site is 0.
    r = max_coverage(cost, w, 500, 1, existing=[0, 0, 1])
    assert r.chosen == (0,) and r.covered_before == 4.0 and r.covered_after == 7.0
    # Double coverage: C is covered by sites 1 and 2.
    r = max_coverage(cost, w, 500, 2, double=True)
    assert set(r.chosen) == {1, 2} and r.covered_after == 4.0
    assert min_sites(cost, w, 500, 1.0).chosen in ((1, 0), (0, 1), (0, 2), (2, 0))


def test_cbc_agrees_with_highs() -> None:
    for seed in range(10):
        cost, w, existing = instance(seed)
        a = max_coverage(cost, w, 1000.0, 2, existing=existing)
        b = max_coverage(cost, w, 1000.0, 2, existing=existing, solver="cbc")
        assert b.solver == "cbc" and b.optimal
        assert a.covered_after == pytest.approx(b.covered_after)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000))
def test_objective_monotone_in_k(seed: int) -> None:
    cost, w, existing = instance(seed)
    values = [
        max_coverage(cost, w, 1000.0, k, existing=existing).covered_after
        for k in range(cost.shape[1] + 1)
    ]
    assert values == sorted(values)


def test_bad_arguments() -> None:
    cost = np.ones((2, 2))
    with pytest.raises(InvalidInputError, match="method='best'"):
        max_coverage(cost, [1, 1], 10, 1, method="best")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="weights has 3"):
        max_coverage(cost, [1, 1, 1], 10, 1)
    with pytest.raises(InvalidInputError, match="target_share"):
        min_sites(cost, [1, 1], 10, 1.5)
    with pytest.raises(InvalidInputError, match="NaN"):
        max_coverage(np.array([[np.nan, 1.0]]), [1], 10, 1)


def test_sparse_cost_equals_dense() -> None:
    import scipy.sparse as sp

    cost, w, _ = instance(5)
    dense = max_coverage(cost, w, 1000.0, 3)
    reach = np.where(cost <= 1000.0, cost, 0.0)
    sparse = max_coverage(sp.csr_matrix(reach + (reach > 0) * 0), w, 1000.0, 3)
    assert sparse.covered_after == pytest.approx(dense.covered_after)


def test_cost_matrix_straight_and_walk(helsinki) -> None:  # type: ignore[no-untyped-def]
    import pyproj

    d = cost_matrix([24.94, 24.95], [60.17, 60.17], [24.94, 24.945], [60.175, 60.17])
    g = pyproj.Geod(ellps="WGS84")
    assert d[1, 0] == pytest.approx(g.inv(24.95, 60.17, 24.94, 60.175)[2])
    walk = cost_matrix(
        [24.94, 24.95],
        [60.17, 60.17],
        [24.94, 24.945],
        [60.175, 60.17],
        network=helsinki,
        max_cost=3000,
    )
    assert np.all(walk >= d - 1.0)  # a walk is never shorter than the straight line
    assert np.isfinite(walk).all()
