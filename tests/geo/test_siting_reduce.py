"""Exact maximal covering by reduction (``solver="reduce"``) against independent truth.

Truth: ``itertools.combinations`` over every candidate set with a direct
recount (``cost <= limit`` plus existing stations), and HiGHS / CBC on the
whole integer programme for medium instances. Each candidate's bound is also
checked against the best set that contains it, found by exhaustive search:
that is the lemma the proof rests on.
"""

from __future__ import annotations

import itertools

import numpy as np
import numpy.typing as npt
import pytest

import geo.siting.reduce as reduce_mod
from geo.siting import available_solvers, max_coverage, min_sites
from geo.siting.cover import read_cover
from geo.siting.model import merged_rows
from geo.siting.reduce import cheap_bounds, local_bound, reduce_max_coverage

LIMIT = 1000.0
Arr = npt.NDArray[np.float64]
IntArr = npt.NDArray[np.int64]


def planar(
    seed: int, n_d: int, n_c: int, *, whole: bool = True, ties: bool = False, side: float = 4000
) -> tuple[Arr, Arr, IntArr]:
    """Demand and candidates in a square (metres, straight lines); some existing cover."""
    rng = np.random.default_rng(seed)
    d = rng.uniform(0, side, (n_d, 2))
    c = rng.uniform(0, side, (n_c, 2))
    if ties:  # repeated candidates and repeated demand points: ties everywhere
        c[n_c // 2 :] = c[: n_c - n_c // 2]
        d[n_d // 2 :] = d[: n_d - n_d // 2]
    cost = np.hypot(d[:, None, 0] - c[None, :, 0], d[:, None, 1] - c[None, :, 1])
    w = rng.integers(1, 4, n_d).astype(float) if whole else rng.uniform(0.1, 3.0, n_d)
    if ties:
        w[:] = 1.0
    existing = (rng.random(n_d) < 0.15).astype(np.int64)
    return cost, w, existing


def recount(cost: Arr, w: Arr, existing: IntArr, chosen: tuple[int, ...]) -> float:
    counts = existing + (cost[:, list(chosen)] <= LIMIT).sum(axis=1)
    return float(w[counts >= 1].sum())


def best_by_search(cost: Arr, w: Arr, existing: IntArr, k: int) -> float:
    return max(
        recount(cost, w, existing, c) for c in itertools.combinations(range(cost.shape[1]), k)
    )


CASES = [(seed, whole, ties) for seed in range(40) for whole, ties in ((True, False),)]
CASES += [(100 + s, False, False) for s in range(15)] + [(200 + s, True, True) for s in range(15)]


@pytest.mark.parametrize("shortlist", [3, 0])
@pytest.mark.parametrize(("seed", "whole", "ties"), CASES)
def test_reduce_equals_exhaustive_search(
    seed: int, whole: bool, ties: bool, shortlist: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Also with no short list (incumbent = greedy), so that the bounds do the work."""
    monkeypatch.setattr(reduce_mod, "_SHORTLIST", shortlist)
    rng = np.random.default_rng(seed)
    n_d, n_c, k = int(rng.integers(40, 90)), int(rng.integers(10, 15)), int(rng.integers(2, 5))
    cost, w, existing = planar(seed, n_d, n_c, whole=whole, ties=ties)
    ex_arg = existing if seed % 2 else None
    ex = existing if ex_arg is not None else np.zeros_like(existing)
    truth = best_by_search(cost, w, ex, k)
    r = max_coverage(cost, w, LIMIT, k, existing=ex_arg, solver="reduce")
    assert r.covered_after == pytest.approx(truth)
    assert r.covered_after == pytest.approx(recount(cost, w, ex, r.chosen))
    assert r.optimal and r.gap == 0.0 and r.bound == pytest.approx(truth)
    assert r.solver in ("reduce", "none") and len(set(r.chosen)) == len(r.chosen) <= k
    assert sum(r.gains) == pytest.approx(r.covered_after - r.covered_before)


def test_reduction_is_exercised_and_proves_candidates_out(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """From greedy's incumbent, the bounds exclude candidates, and every exclusion is right."""
    monkeypatch.setattr(reduce_mod, "_SHORTLIST", 0)
    reduced = 0
    for seed in range(30):
        cost, w, _ = planar(seed, 150, 14)
        k = 3
        cv = read_cover(cost, w, LIMIT, None)
        red = reduce_max_coverage(cv, k, 30.0)
        assert red.optimal
        assert red.value == pytest.approx(best_by_search(cost, w, np.zeros(150, np.int64), k))
        reduced += 0 < red.kept < red.candidates
    assert reduced >= 5  # many go through the bounds, drop candidates and solve the rest


@pytest.mark.parametrize("seed", range(12))
def test_bounds_bound_every_set_containing_the_candidate(seed: int) -> None:
    """U_j (cheap and local) ≥ the best set of ≤ k sites that contains j (exhaustive)."""
    whole = seed % 3 != 0
    cost, w, _ = planar(seed, 120, 12, whole=whole, ties=seed % 4 == 1)
    k = 2 + seed % 3
    cv = read_cover(cost, w, LIMIT, None)
    a, ww, _ = merged_rows(cv, 1)
    a = a.tocsr()
    useful = np.flatnonzero(np.diff(a.tocsc().indptr) > 0)
    a = a[:, useful].tocsr()
    n = a.shape[1]
    rng = np.random.default_rng(seed)
    # Any multipliers ≥ 0 give valid bounds: random ones, and the extremes.
    for lam in (rng.uniform(0, 1, a.shape[0]) * ww, np.zeros(a.shape[0]), ww.copy()):
        cheap = cheap_bounds(a, ww, lam, k)
        at = a.T.tocsr()
        for j in range(n):
            best = 0.0
            others = [i for i in range(n) if i != j]
            for size in range(0, min(k - 1, len(others)) + 1):
                for c in itertools.combinations(others, size):
                    cols = [j, *c]
                    best = max(
                        best, float(ww[np.asarray(a[:, cols].sum(axis=1)).ravel() > 0].sum())
                    )
            loc = local_bound(a, at, ww, lam, k, j)
            assert cheap[j] >= best - 1e-6
            assert loc >= best - 1e-6
            assert loc <= cheap[j] + 1e-6  # the local bound minimises over the near multipliers


@pytest.mark.parametrize("seed", range(4))
def test_reduce_equals_whole_programme_on_medium_instances(seed: int) -> None:
    cost, w, existing = planar(seed, 400, 45, whole=seed % 2 == 0)
    k = 5 + seed
    solvers = ["highs"] + (["cbc"] if "cbc" in available_solvers() else [])
    r = max_coverage(cost, w, LIMIT, k, existing=existing, solver="reduce", time_limit_s=120)
    assert r.optimal
    for name in solvers:
        ref = max_coverage(cost, w, LIMIT, k, existing=existing, solver=name, time_limit_s=120)
        assert ref.optimal
        assert r.covered_after == pytest.approx(ref.covered_after)


def test_reduce_falls_back_to_highs_where_it_does_not_apply() -> None:
    cost, w, existing = planar(3, 60, 10)
    for solver in ("reduce", "highs"):
        dbl = max_coverage(cost, w, LIMIT, 3, existing=existing, double=True, solver=solver)
        assert dbl.optimal and dbl.solver == "highs"
    dbl_ref = max_coverage(cost, w, LIMIT, 3, existing=existing, double=True, solver="highs")
    assert dbl.covered_after == pytest.approx(dbl_ref.covered_after)
    few = min_sites(cost, w, LIMIT, 0.6, solver="reduce")
    assert few.optimal and few.solver == "highs"
    assert len(few.chosen) == len(min_sites(cost, w, LIMIT, 0.6, solver="highs").chosen)


def test_k_at_least_candidates_and_nothing_to_cover() -> None:
    cost, w, _ = planar(5, 50, 6)
    every = max_coverage(cost, w, LIMIT, 6, solver="reduce")
    assert every.covered_after == pytest.approx(
        recount(cost, w, np.zeros(50, np.int64), tuple(range(6)))
    )
    assert every.optimal
    none = max_coverage(np.full((3, 4), 5000.0), [1, 1, 1], LIMIT, 2, solver="reduce")
    assert none.covered_after == 0.0 and none.optimal
