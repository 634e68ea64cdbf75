"""Siting: exact answers equal exhaustive search; greedy never beats exact; recounts agree.

The truth here is independent of :mod:`geo.siting`: a direct recount of the
demand weight that a set of candidates covers (``cost <= limit``, plus the
existing stations), and ``itertools.combinations`` over every candidate set.
"""

from __future__ import annotations

import itertools
from types import SimpleNamespace
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import geo.siting.solvers as solvers
from geo.errors import GeoError, InvalidInputError, SolverError
from geo.siting import (
    InfeasibleTargetError,
    SitingResult,
    available_solvers,
    cost_matrix,
    max_coverage,
    min_sites,
)

LIMIT = 1000.0
HAVE_CBC = "cbc" in available_solvers()
EXACT_SOLVERS = ["highs", "cbc"] if HAVE_CBC else ["highs"]
Arr = npt.NDArray[np.float64]


def instance(seed: int) -> tuple[Arr, Arr, npt.NDArray[np.int64]]:
    """A small random instance: 6-12 candidates, 5-30 demand points, some unreachable pairs."""
    rng = np.random.default_rng(seed)
    n_d, n_c = int(rng.integers(5, 31)), int(rng.integers(6, 13))
    cost = rng.uniform(0, 3000, (n_d, n_c))
    cost[rng.random((n_d, n_c)) < 0.2] = np.inf
    w = rng.integers(1, 10, n_d).astype(float)
    if seed % 5 == 0:
        w = rng.uniform(0, 5, n_d)  # real-valued weights
        w[rng.random(n_d) < 0.2] = 0.0
    existing = (rng.random(n_d) < 0.3).astype(np.int64) * rng.integers(1, 3, n_d)
    return cost, w, existing


def recount(cost: Arr, w: Arr, existing: npt.NDArray[np.int64], chosen: Any, double: bool) -> float:
    counts = existing + (cost[:, list(chosen)] <= LIMIT).sum(axis=1)
    return float(w[counts >= (2 if double else 1)].sum())


def best_by_search(
    cost: Arr, w: Arr, existing: npt.NDArray[np.int64], k: int, double: bool
) -> float:
    return max(
        recount(cost, w, existing, c, double)
        for c in itertools.combinations(range(cost.shape[1]), k)
    )


def check_result(
    r: SitingResult, cost: Arr, w: Arr, ex: npt.NDArray[np.int64], double: bool
) -> None:
    """Invariants of every result, against a direct recount."""
    assert len(set(r.chosen)) == len(r.chosen)
    assert all(0 <= j < cost.shape[1] for j in r.chosen)
    assert r.covered_before == pytest.approx(recount(cost, w, ex, (), double))
    assert r.covered_after == pytest.approx(recount(cost, w, ex, r.chosen, double))
    assert r.total == pytest.approx(w.sum())
    # Gains are the marginal recounts, in the order given.
    steps = [recount(cost, w, ex, r.chosen[:t], double) for t in range(len(r.chosen) + 1)]
    assert r.gains == pytest.approx(np.diff(steps).tolist())
    assert sum(r.gains) == pytest.approx(r.covered_after - r.covered_before)


@pytest.mark.parametrize("seed", range(200))
def test_max_coverage_equals_exhaustive_search(seed: int) -> None:
    cost, w, existing = instance(seed)
    k = 1 + seed % 4
    double = seed % 3 == 0
    ex_arg = existing if seed % 2 else None
    ex = existing if ex_arg is not None else np.zeros_like(existing)
    truth = best_by_search(cost, w, ex, k, double)
    for solver in EXACT_SOLVERS:
        exact = max_coverage(cost, w, LIMIT, k, existing=ex_arg, double=double, solver=solver)
        check_result(exact, cost, w, ex, double)
        assert exact.optimal and exact.gap == 0.0
        assert exact.covered_after == pytest.approx(truth)
        assert exact.bound == pytest.approx(truth)
        assert exact.status == "optimal" and exact.solver in (solver, "none")
        assert len(exact.chosen) <= k
        assert exact.problem == ("max_double_coverage" if double else "max_coverage")
    # Exact sites come in greedy order within the chosen set.
    for t, j in enumerate(exact.chosen):
        rest = exact.chosen[t:]
        base = exact.chosen[:t]
        best = max(recount(cost, w, ex, (*base, i), double) for i in rest)
        assert recount(cost, w, ex, (*base, j), double) == pytest.approx(best)
    greedy = max_coverage(cost, w, LIMIT, k, existing=ex_arg, double=double, method="greedy")
    check_result(greedy, cost, w, ex, double)
    assert greedy.covered_after <= truth + 1e-9
    assert greedy.bound >= truth - 1e-6  # the bound is a bound
    assert greedy.gap == pytest.approx(
        0.0
        if greedy.bound - greedy.covered_before <= 1e-9
        else (greedy.bound - greedy.covered_after) / (greedy.bound - greedy.covered_before)
    )
    assert greedy.optimal == (greedy.gap == 0.0)
    if not double:  # submodular: greedy gains never increase, and (1 - 1/e) holds
        assert list(greedy.gains) == sorted(greedy.gains, reverse=True)
        base = greedy.covered_before
        assert greedy.covered_after - base >= (1 - 1 / np.e) * (truth - base) - 1e-9


@pytest.mark.parametrize("seed", range(120))
def test_min_sites_equals_exhaustive_search(seed: int) -> None:
    cost, w, existing = instance(1000 + seed)
    target = [0.5, 0.7, 0.9, 1.0][seed % 4]
    double = seed % 5 == 0
    ex_arg = existing if seed % 2 else None
    ex = existing if ex_arg is not None else np.zeros_like(existing)
    need = target * w.sum()
    n_c = cost.shape[1]
    fewest = next(
        (
            k
            for k in range(n_c + 1)
            if any(
                recount(cost, w, ex, c, double) >= need - 1e-9
                for c in itertools.combinations(range(n_c), k)
            )
        ),
        None,
    )
    if fewest is None:
        best = recount(cost, w, ex, range(n_c), double) / w.sum()
        with pytest.raises(InfeasibleTargetError, match="no set of candidates reaches") as info:
            min_sites(cost, w, LIMIT, target, existing=ex_arg, double=double)
        assert info.value.best_share == pytest.approx(best)
        assert f"{best:.1%}" in str(info.value)
        return
    for solver in EXACT_SOLVERS:
        exact = min_sites(cost, w, LIMIT, target, existing=ex_arg, double=double, solver=solver)
        check_result(exact, cost, w, ex, double)
        assert exact.optimal and exact.status == "optimal" and exact.gap == 0.0
        assert len(exact.chosen) == fewest and exact.bound == fewest
        assert exact.covered_after >= need - 1e-9
    greedy = min_sites(cost, w, LIMIT, target, existing=ex_arg, double=double, method="greedy")
    check_result(greedy, cost, w, ex, double)
    assert greedy.covered_after >= need - 1e-9
    assert len(greedy.chosen) >= fewest
    assert greedy.bound <= fewest  # a lower bound on the fewest sites
    assert greedy.optimal == (len(greedy.chosen) == greedy.bound)


def test_hand_checked_instance() -> None:
    # Demand A (1), B (2), C (4). Site 0 covers A and B; site 1 covers A and C; site 2 covers C.
    cost = np.array([[100, 200, np.inf], [300, np.inf, np.inf], [np.inf, 400, 50]])
    w = np.array([1.0, 2.0, 4.0])
    for solver in EXACT_SOLVERS:
        r = max_coverage(cost, w, 500, 1, solver=solver)
        assert (r.chosen, r.gains, r.covered_after, r.total) == ((1,), (5.0,), 5.0, 7.0)
        assert (r.optimal, r.gap, r.bound, r.status, r.solver) == (
            True,
            0.0,
            5.0,
            "optimal",
            solver,
        )
        r = max_coverage(cost, w, 500, 2, solver=solver)
        assert (r.chosen, r.gains, r.covered_after, r.share_after) == ((1, 0), (5.0, 2.0), 7.0, 1.0)
        # k = 3: the third site adds nothing and is left out.
        assert max_coverage(cost, w, 500, 3, solver=solver).chosen == (1, 0)
        # C is covered by an existing station: the best new site is 0 (A + B = 3).
        r = max_coverage(cost, w, 500, 1, existing=[False, False, True], solver=solver)
        assert (r.chosen, r.covered_before, r.covered_after) == ((0,), 4.0, 7.0)
        # Double coverage: only C can be covered twice, by sites 1 and 2 together.
        r = max_coverage(cost, w, 500, 2, double=True, solver=solver)
        assert (set(r.chosen), r.covered_after, r.problem) == ({1, 2}, 4.0, "max_double_coverage")
        # ... or by one new site (1 or 2) when an existing station covers C already.
        r = max_coverage(cost, w, 500, 1, double=True, existing=[0, 0, 1], solver=solver)
        assert r.chosen in ((1,), (2,)) and (r.covered_before, r.covered_after) == (0.0, 4.0)
        # 90% of 7 = 6.3 needs two sites (0 and 1, or 0 and 2); 5/7 needs one.
        r = min_sites(cost, w, 500, 0.9, solver=solver)
        assert len(r.chosen) == 2 and r.covered_after == 7.0 and r.optimal
        assert min_sites(cost, w, 500, 5 / 7, solver=solver).chosen == (1,)
    g = max_coverage(cost, w, 500, 1, method="greedy")
    assert (g.chosen, g.covered_after, g.solver, g.status) == ((1,), 5.0, "greedy", "heuristic")


def test_infeasible_target_says_the_best_share() -> None:
    cost = np.array([[100.0, np.inf], [np.inf, 200.0], [np.inf, np.inf]])
    w = np.array([1.0, 1.0, 2.0])  # the third point is out of reach: 50% at best
    with pytest.raises(InfeasibleTargetError, match=r"reaches a covered share of 90\.0%.*50\.0%"):
        min_sites(cost, w, LIMIT, 0.9)
    with pytest.raises(ValueError, match="best reachable share"):  # also a ValueError
        min_sites(cost, w, LIMIT, 0.9, method="greedy")
    with pytest.raises(GeoError, match="covered twice or more"):
        min_sites(cost, w, LIMIT, 0.5, double=True)
    assert min_sites(cost, w, LIMIT, 0.5).chosen in ((0, 1), (1, 0))


def test_greedy_bounds_and_stop_rules() -> None:
    # Single coverage with every point coverable: greedy meets the coverable bound.
    cost = np.array([[0.0, np.inf], [np.inf, 10.0], [5.0, 5.0]])
    r = max_coverage(cost, [1, 1, 1], LIMIT, 5, method="greedy")
    assert r.covered_after == 3.0 and r.optimal and r.gap == 0.0 and len(r.chosen) == 2
    # A target already met by existing stations needs no site.
    r = min_sites(cost, [1, 1, 1], LIMIT, 0.6, existing=[1, 1, 0])
    assert (r.chosen, r.optimal, r.bound) == ((), True, 0.0)
    # k = 0 chooses nothing.
    assert max_coverage(cost, [1, 1, 1], LIMIT, 0).chosen == ()


def test_greedy_can_be_beaten_and_says_so() -> None:
    # Site 0 is the best single site (4.0), but sites 1 and 2 together cover 7.0.
    cost2 = np.where(
        np.array([[1, 1, 0], [1, 0, 1], [0, 1, 0], [0, 0, 1]], dtype=bool), 1.0, np.inf
    )
    w2 = np.array([2.0, 2.0, 1.5, 1.5])  # 0 alone = 4 (best single); 1 + 2 = 7 (best pair)
    g = max_coverage(cost2, w2, LIMIT, 2, method="greedy")
    e = max_coverage(cost2, w2, LIMIT, 2)
    assert g.chosen[0] == 0 and g.covered_after == 5.5
    assert set(e.chosen) == {1, 2} and e.covered_after == 7.0
    assert not g.optimal and g.bound >= 7.0 and g.gap > 0
    assert g.bound_kind in ("lp_relaxation", "submodular", "coverable")


def test_sparse_cost_equals_dense() -> None:
    for seed in range(20):
        cost, w, existing = instance(seed)
        reach = np.isfinite(cost)
        cost[0, 0] = 0.0  # a stored zero is a cost of 0, not "unreachable"
        reach[0, 0] = True
        rows, cols = np.nonzero(reach)
        coo = sp.coo_matrix((cost[rows, cols], (rows, cols)), shape=cost.shape)
        for k, double in ((2, False), (3, True)):
            dense = max_coverage(cost, w, LIMIT, k, existing=existing, double=double)
            for m in (coo, coo.tocsr(), sp.csc_array(coo)):
                s = max_coverage(m, w, LIMIT, k, existing=existing, double=double)
                assert s.covered_after == pytest.approx(dense.covered_after)
                assert s.chosen == dense.chosen
        d = min_sites(cost, w, LIMIT, 0.5)
        assert min_sites(coo, w, LIMIT, 0.5).chosen == d.chosen


def test_solver_choice_and_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    cost, w, existing = instance(7)
    if HAVE_CBC:
        assert max_coverage(cost, w, LIMIT, 2).solver == "cbc"  # auto prefers CBC
    monkeypatch.setattr(solvers, "_cbc_command", lambda *a, **k: None)
    auto = max_coverage(cost, w, LIMIT, 2, existing=existing)
    assert auto.solver == "highs" and auto.optimal
    with pytest.raises(SolverError, match="no CBC binary"):
        max_coverage(cost, w, LIMIT, 2, solver="cbc")


def test_time_limit_without_solution_raises_naming_the_status(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cost, w, _ = instance(3)

    def no_solution(*args: Any, **kwargs: Any) -> SimpleNamespace:
        return SimpleNamespace(x=None, status=1, message="Time limit reached.", fun=None)

    monkeypatch.setattr(solvers, "milp", no_solution)
    with pytest.raises(SolverError, match=r"status time limit .*Time limit reached"):
        max_coverage(cost, w, LIMIT, 2, solver="highs")


def test_time_limit_with_a_solution_reports_gap_and_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cost = np.where(np.array([[1, 1, 0], [1, 0, 1], [0, 1, 0], [0, 0, 1]], dtype=bool), 1.0, np.inf)
    w = np.array([2.0, 2.0, 1.5, 1.5])
    real = solvers.milp

    def stopped(c: Any, **kwargs: Any) -> Any:
        res = real(c, **kwargs)
        if not kwargs["integrality"].any():  # the LP relaxation: leave it
            return res
        # Pretend the solver stopped at site 0 alone (4.0) with dual bound -8.0 (8.0 covered).
        x = np.zeros_like(res.x)
        x[0] = 1.0
        return SimpleNamespace(
            x=x, status=1, message="Time limit reached.", fun=-4.0, mip_dual_bound=-8.0, mip_gap=0.5
        )

    monkeypatch.setattr(solvers, "milp", stopped)
    r = max_coverage(cost, w, LIMIT, 2, solver="highs")
    assert not r.optimal and r.status.startswith("time limit")
    assert (r.chosen, r.covered_after, r.bound, r.bound_kind) == ((0,), 4.0, 7.0, "coverable")
    assert r.gap == pytest.approx((7.0 - 4.0) / 7.0)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.booleans())
def test_objective_monotone_in_k(seed: int, double: bool) -> None:
    cost, w, existing = instance(seed)
    exact = [
        max_coverage(cost, w, LIMIT, k, existing=existing, double=double, solver="highs")
        for k in range(cost.shape[1] + 1)
    ]
    values = [r.covered_after for r in exact]
    assert (np.diff(values) >= -1e-9).all()
    for k, r in enumerate(exact):
        g = max_coverage(cost, w, LIMIT, k, existing=existing, double=double, method="greedy")
        assert g.covered_after <= r.covered_after + 1e-9 <= g.bound + 2e-9


def test_bad_arguments() -> None:
    cost = np.ones((2, 2))
    cases: list[tuple[str, Any]] = [
        (
            r"method='best' .*'exact', 'greedy'",
            lambda: max_coverage(cost, [1, 1], 10, 1, method="best"),
        ),  # type: ignore[arg-type]
        (
            r"solver='glpk' .*'auto', 'cbc', 'highs'",
            lambda: min_sites(cost, [1, 1], 10, 0.5, solver="glpk"),
        ),  # type: ignore[arg-type]
        ("weights has shape", lambda: max_coverage(cost, [1, 1, 1], 10, 1)),
        ("weights has NaN", lambda: max_coverage(cost, [1, np.nan], 10, 1)),
        ("weights must be finite", lambda: max_coverage(cost, [1, -1], 10, 1)),
        ("k=-1", lambda: max_coverage(cost, [1, 1], 10, -1)),
        ("k=1.5", lambda: max_coverage(cost, [1, 1], 10, 1.5)),  # type: ignore[arg-type]
        ("k=True", lambda: max_coverage(cost, [1, 1], 10, True)),
        ("target_share=1.5", lambda: min_sites(cost, [1, 1], 10, 1.5)),
        ("target_share=0", lambda: min_sites(cost, [1, 1], 10, 0)),
        ("cost has NaN", lambda: max_coverage(np.array([[np.nan, 1.0]]), [1], 10, 1)),
        ("cost has negative", lambda: max_coverage(-cost, [1, 1], 10, 1)),
        ("cost must be a 2-D", lambda: max_coverage(np.ones(3), [1, 1, 1], 10, 1)),
        ("max_cost=0", lambda: max_coverage(cost, [1, 1], 0, 1)),
        ("existing has shape", lambda: max_coverage(cost, [1, 1], 10, 1, existing=[1])),
        ("existing must be", lambda: max_coverage(cost, [1, 1], 10, 1, existing=[0.5, 1])),
        ("time_limit_s=0", lambda: max_coverage(cost, [1, 1], 10, 1, time_limit_s=0)),
    ]
    for pattern, call in cases:
        with pytest.raises(InvalidInputError, match=pattern):
            call()


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
