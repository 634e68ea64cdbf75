"""p-median and p-center against spopt and brute force; capacitated coverage against
exhaustive search with networkx max flow."""

from __future__ import annotations

import itertools
import warnings

import networkx as nx
import numpy as np
import pytest

from geo.capacitated import capacitated_coverage
from geo.errors import InvalidInputError
from geo.objectives import p_center, p_median


def instance(seed: int, m: int = 30, n: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """Demand and candidates on a plane; costs are rounded distances."""
    rng = np.random.default_rng(seed)
    demand, sites = rng.uniform(0, 1000, (m, 2)), rng.uniform(0, 1000, (n, 2))
    cost = np.hypot(*(demand[:, None, :] - sites[None, :, :]).transpose(2, 0, 1)).round(1)
    return cost, rng.integers(1, 20, m).astype(float)


def brute(cost: np.ndarray, w: np.ndarray, k: int, *, center: bool) -> float:
    best = np.inf
    for s in itertools.combinations(range(cost.shape[1]), k):
        d = cost[:, list(s)].min(axis=1)
        best = min(best, d.max() if center else float(w @ d))
    return float(best)


def spopt_optimum(cost: np.ndarray, w: np.ndarray, k: int, *, center: bool) -> float:
    import pulp
    from spopt.locate import PCenter, PMedian

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PuLP 3.3 deprecates its bundled CBC command
        solver = pulp.PULP_CBC_CMD(msg=False)
        if center:
            model = PCenter.from_cost_matrix(cost, p_facilities=k).solve(solver)
        else:
            model = PMedian.from_cost_matrix(cost, w, p_facilities=k).solve(solver)
    return float(pulp.value(model.problem.objective))


@pytest.mark.parametrize(("seed", "k"), [(0, 2), (1, 3), (2, 4), (3, 3)])
def test_p_median_equals_spopt_and_brute_force(seed: int, k: int) -> None:
    cost, w = instance(seed)
    r = p_median(cost, w, k)
    assert r.optimal and r.problem == "p_median" and r.gap == 0.0
    assert r.covered_after == pytest.approx(brute(cost, w, k, center=False), rel=1e-9)
    assert r.covered_after == pytest.approx(spopt_optimum(cost, w, k, center=False), rel=1e-6)
    d = cost[:, list(r.chosen)].min(axis=1)
    assert float(w @ d) == pytest.approx(r.covered_after)
    assert sum(r.gains) == pytest.approx(w.sum())  # every point is assigned to a chosen site


@pytest.mark.parametrize(("seed", "k"), [(0, 2), (1, 3), (4, 4)])
def test_p_center_equals_spopt_and_brute_force(seed: int, k: int) -> None:
    cost, w = instance(seed, m=25, n=9)
    r = p_center(cost, w, k)
    assert r.optimal and r.problem == "p_center"
    assert r.covered_after == pytest.approx(brute(cost, w, k, center=True), rel=1e-9)
    assert r.covered_after == pytest.approx(spopt_optimum(cost, w, k, center=True), rel=1e-6)


def test_existing_stations_and_unreachable_pairs() -> None:
    cost, w = instance(5, m=20, n=8)
    cost[cost > 600] = np.inf
    existing = cost[:, 0].copy()  # column 0 is an existing station
    cands = cost[:, 1:]
    existing[~np.isfinite(existing)] = 900.0  # everyone reaches it, some far away
    for center in (False, True):
        best = np.inf
        for s in itertools.combinations(range(cands.shape[1]), 2):
            d = np.minimum(existing, cands[:, list(s)].min(axis=1))
            best = min(best, d.max() if center else float(w @ d))
        fn = p_center if center else p_median
        r = fn(cands, w, 2, existing_cost=existing)
        assert r.covered_after == pytest.approx(best, rel=1e-9)
        before = existing.max() if center else float(w @ existing)
        assert r.covered_before == pytest.approx(before)
    with pytest.raises(InvalidInputError, match="demand point 3 reaches no candidate"):
        lonely = cands.copy()
        lonely[3] = np.inf
        p_median(lonely, w, 2)


@pytest.mark.parametrize("fn", [p_median, p_center])
def test_greedy_and_time_limit_report_a_true_bound(fn: object) -> None:
    cost, w = instance(7, m=40, n=12)
    center = fn is p_center
    opt = brute(cost, w, 3, center=center)
    for kwargs in ({"method": "greedy"}, {"time_limit_s": 1e-9}):
        r = fn(cost, w, 3, **kwargs)  # type: ignore[operator]
        assert r.bound <= opt + 1e-6 <= r.covered_after + 2e-6
        assert r.gap == pytest.approx(
            0.0 if r.optimal else (r.covered_after - r.bound) / r.covered_after
        )
        if kwargs.get("method") == "greedy":
            assert r.solver == "greedy" and r.bound_kind in ("lp_relaxation", "all_open", "optimal")
        else:
            assert r.optimal or r.status.startswith("time limit")


def max_served(
    cost: np.ndarray, w: np.ndarray, cap: np.ndarray, open_: list[int], limit: float
) -> float:
    """Max flow source → demand (w) → open sites in reach → sink (capacity), with networkx."""
    g = nx.DiGraph()
    for i, wi in enumerate(w):
        g.add_edge("s", ("d", i), capacity=float(wi))
        for j in open_:
            if cost[i, j] <= limit:
                g.add_edge(("d", i), ("f", j), capacity=float("inf"))
    for j in open_:
        g.add_edge(("f", j), "t", capacity=float(cap[j]))
    if "t" not in g:
        return 0.0
    return float(nx.maximum_flow_value(g, "s", "t"))


@pytest.mark.parametrize("seed", range(4))
def test_capacitated_coverage_equals_exhaustive_search(seed: int) -> None:
    cost, w = instance(seed + 10, m=15, n=7)
    rng = np.random.default_rng(seed)
    cap = rng.integers(5, 40, 7).astype(float)
    fixed = np.zeros(7, dtype=bool)
    fixed[0] = seed % 2 == 1  # half the cases have an existing station
    limit = 350.0
    for k in (1, 2, 3):
        free = [j for j in range(7) if not fixed[j]]
        base = [j for j in range(7) if fixed[j]]
        best = max(
            max_served(cost, w, cap, base + list(s), limit) for s in itertools.combinations(free, k)
        )
        r = capacitated_coverage(cost, w, limit, k, cap, fixed=fixed)
        assert r.optimal and r.problem == "capacitated_coverage"
        assert r.covered_after == pytest.approx(best, rel=1e-9)
        assert r.covered_before == pytest.approx(max_served(cost, w, cap, base, limit), rel=1e-9)
        assert max_served(cost, w, cap, base + list(r.chosen), limit) == pytest.approx(best)
        assert sum(r.gains) <= r.covered_after + 1e-9
        g = capacitated_coverage(cost, w, limit, k, cap, fixed=fixed, method="greedy")
        assert g.bound >= best - 1e-6 and g.covered_after <= best + 1e-6


def test_capacity_binds_where_plain_coverage_would_not() -> None:
    # Site 0 reaches all 30 people but seats 10; sites 1 and 2 reach 15 each with 15 seats.
    cost = np.array([[1.0, 1.0, np.inf], [1.0, np.inf, 1.0]])
    r = capacitated_coverage(cost, [15, 15], 5.0, 1, [10, 15, 15])
    assert r.covered_after == 15.0 and r.chosen in ((1,), (2,))
    r2 = capacitated_coverage(cost, [15, 15], 5.0, 2, [10, 15, 15])
    assert r2.covered_after == 30.0 and sorted(r2.chosen) == [1, 2]
    with pytest.raises(InvalidInputError, match="capacity"):
        capacitated_coverage(cost, [15, 15], 5.0, 1, [10, np.nan, 15])
