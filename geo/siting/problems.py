"""The public siting problems: :func:`max_coverage` and :func:`min_sites`."""

from __future__ import annotations

import math
import time

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike

from geo.errors import InvalidInputError, SolverError
from geo.siting.cover import REL_TOL, check_options, covered_weight, read_cover
from geo.siting.greedy import ONCE_CREDIT, greedy, ordered
from geo.siting.model import build_model
from geo.siting.reduce import reduce_max_coverage
from geo.siting.result import InfeasibleTargetError, Method, SitingResult, Solver
from geo.siting.solvers import lp_relaxation_bound, solve_exact

__all__ = ["max_coverage", "min_sites"]


def _problem_name(kind: str, double: bool) -> str:
    if kind == "max":
        return "max_double_coverage" if double else "max_coverage"
    return "min_sites_double" if double else "min_sites"


def max_coverage(
    cost: ArrayLike | sp.spmatrix | sp.sparray,
    weights: ArrayLike,
    max_cost: float,
    k: int,
    *,
    existing: ArrayLike | None = None,
    method: Method = "exact",
    double: bool = False,
    solver: Solver = "auto",
    time_limit_s: float = 60.0,
    lp_bound: bool = True,
) -> SitingResult:
    """Choose ``k`` new sites that maximise covered demand, existing stations fixed.

    Parameters
    ----------
    cost
        Demand × candidate matrix of distances (m) or times (s); ``inf`` =
        unreachable. Dense, or scipy sparse whose stored entries are the
        reachable pairs (missing entries are unreachable; a stored 0 is cost 0).
    weights
        Demand weight of each row (≥ 0, no NaN).
    max_cost
        A candidate covers a demand point when ``cost <= max_cost`` (same unit).
    k
        How many new sites, ≥ 0 (capped at the number of candidates).
    existing
        A boolean mask of demand points covered by existing stations, or the
        number of existing stations covering each point; ``None`` = none.
    method
        ``"exact"`` (integer programme) or ``"greedy"`` (with ``double``, a
        site scores its double-coverage gain plus half the weight it covers
        for the first time).
    double
        Maximise the demand covered by two or more stations (existing and new)
        instead: the overlapping-circles goal.
    solver
        Exact solver: ``"auto"`` (CBC when a binary is found, else HiGHS),
        ``"cbc"``, ``"highs"`` or ``"reduce"`` (single coverage: candidates
        that no better set can contain are proven out first, then HiGHS solves
        the rest, :mod:`geo.siting.reduce`; with ``double``, HiGHS on the whole
        programme). Greedy bounds always use HiGHS.
    time_limit_s
        Time limit of the solver (and of greedy's LP bound), seconds.
    lp_bound
        Greedy only: also solve the linear relaxation for a bound (off for very
        large cases, which then get the submodular or coverable bound).

    Returns
    -------
    SitingResult
        Chosen sites in order with their marginal gains, coverage before and
        after, whether proven optimal, gap and bound.

    Raises
    ------
    InvalidInputError
        On a wrong argument; the message names it.
    SolverError
        When the exact solver stops (time limit) without any feasible solution.

    Examples
    --------
    >>> import numpy as np
    >>> cost = np.array([[100, 900], [100, 2000], [2000, 500]], dtype=float)
    >>> r = max_coverage(cost, [1, 1, 5], 1000, 1)
    >>> r.chosen, r.covered_after, r.optimal, r.share_after
    ((1,), 6.0, True, 0.857...)
    >>> max_coverage(cost, [1, 1, 5], 1000, 2, double=True).covered_after
    1.0
    """
    check_options(method, solver, time_limit_s)
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 0:
        raise InvalidInputError(f"k={k!r} must be a whole number ≥ 0")
    start = time.perf_counter()
    cv = read_cover(cost, weights, max_cost, existing)
    level = 2 if double else 1
    k = min(int(k), cv.a.shape[1])
    before = covered_weight(cv.ex, cv.w, level)
    coverable = covered_weight(cv.ex + np.diff(cv.a.indptr), cv.w, level)
    problem = _problem_name("max", double)

    def result(
        chosen: tuple[int, ...],
        gains: tuple[float, ...],
        optimal: bool,
        bound: float,
        kind: str,
        solver_name: str,
        status: str,
    ) -> SitingResult:
        counts = cv.ex.copy()
        if chosen:
            counts += np.asarray(cv.a[:, list(chosen)].sum(axis=1), dtype=np.int64).reshape(-1)
        after = covered_weight(counts, cv.w, level)
        bound = max(bound, after)
        gap = 0.0 if optimal or bound - before <= cv.tol else (bound - after) / (bound - before)
        if gap <= REL_TOL:
            gap = 0.0
        return SitingResult(
            chosen=chosen,
            gains=gains,
            covered_before=before,
            covered_after=after,
            total=cv.total,
            optimal=optimal or gap == 0.0,
            gap=gap,
            bound=after if optimal else bound,
            method=method,
            solver=solver_name,
            status=status,
            seconds=time.perf_counter() - start,
            bound_kind="optimal" if optimal else kind,
            problem=problem,
        )

    if k == 0 or coverable <= before + cv.tol:
        return result((), (), True, before, "optimal", "none", "optimal")
    if method == "greedy":
        g = greedy(cv, level, k=k, once_credit=ONCE_CREDIT)
        order, gains = ordered(cv, level, g.chosen, g.values[-1] if g.values else before)
        after = g.values[-1] if g.values else before
        bounds = {"coverable": coverable}
        if level == 1:
            bounds["submodular"] = min(g.online_bound, before + (after - before) / (1 - 1 / math.e))
        if lp_bound:
            lp = lp_relaxation_bound(build_model(cv, level, k=k, need_new=None), time_limit_s)
            if lp is not None:
                bounds["lp_relaxation"] = before - lp
        kind = min(bounds, key=lambda b: bounds[b])
        return result(order, gains, False, bounds[kind], kind, "greedy", "heuristic")
    if solver == "reduce" and level == 1:
        red = reduce_max_coverage(cv, k, time_limit_s)
        chosen = [int(j) for j in red.chosen]
        order, gains = ordered(cv, level, chosen, before + red.value)
        bound = before + red.bound
        return result(order, gains, red.optimal, bound, "mip_dual", "reduce", red.status)
    model = build_model(cv, level, k=k, need_new=None)
    ans = solve_exact(model, solver, time_limit_s)
    chosen = [int(j) for j in model.cols[np.flatnonzero(ans.x[: model.n_x] > 0.5)]]
    counts = cv.ex.copy()
    if chosen:
        counts += np.asarray(cv.a[:, chosen].sum(axis=1), dtype=np.int64).reshape(-1)
    order, gains = ordered(cv, level, chosen, covered_weight(counts, cv.w, level))
    if ans.optimal:
        return result(order, gains, True, 0.0, "optimal", ans.solver, ans.status)
    if ans.bound is not None:
        bound, kind = before - ans.bound, "mip_dual"
    else:
        lp = lp_relaxation_bound(model, time_limit_s)
        bound, kind = (before - lp, "lp_relaxation") if lp is not None else (coverable, "coverable")
    if coverable < bound:
        bound, kind = coverable, "coverable"
    return result(order, gains, False, bound, kind, ans.solver, ans.status)


def min_sites(
    cost: ArrayLike | sp.spmatrix | sp.sparray,
    weights: ArrayLike,
    max_cost: float,
    target_share: float,
    *,
    existing: ArrayLike | None = None,
    method: Method = "exact",
    double: bool = False,
    solver: Solver = "auto",
    time_limit_s: float = 60.0,
    lp_bound: bool = True,
) -> SitingResult:
    """The fewest new sites that bring covered demand to ``target_share`` of all demand.

    Parameters
    ----------
    cost, weights, max_cost, existing
        As in :func:`max_coverage`.
    target_share
        Share of all demand weight to cover, in (0, 1]; existing coverage counts.
    method, solver, time_limit_s, lp_bound
        As in :func:`max_coverage`.
    double
        Count demand covered by two or more stations instead.

    Returns
    -------
    SitingResult
        ``bound`` is a lower bound on the number of sites any choice needs.

    Raises
    ------
    InfeasibleTargetError
        When even every candidate together falls short; it says the best share reachable.
    InvalidInputError
        On a wrong argument; the message names it.
    SolverError
        When the exact solver stops without any feasible solution.

    Examples
    --------
    >>> import numpy as np
    >>> cost = np.array([[100, 900], [100, 2000], [2000, 500]], dtype=float)
    >>> r = min_sites(cost, [1, 1, 5], 1000, 0.7)
    >>> r.chosen, r.optimal
    ((1,), True)
    >>> min_sites(cost, [1, 1, 5], 1000, 1.0).chosen
    (1, 0)
    """
    check_options(method, solver, time_limit_s)
    if (
        isinstance(target_share, bool)
        or not isinstance(target_share, int | float | np.floating | np.integer)
        or not 0 < float(target_share) <= 1
    ):
        raise InvalidInputError(f"target_share={target_share!r} must be a number in (0, 1]")
    start = time.perf_counter()
    cv = read_cover(cost, weights, max_cost, existing)
    level = 2 if double else 1
    total = cv.total
    before = covered_weight(cv.ex, cv.w, level)
    need = float(target_share) * total
    best = covered_weight(cv.ex + np.diff(cv.a.indptr), cv.w, level)
    problem = _problem_name("min", double)
    if best < need - cv.tol:
        raise InfeasibleTargetError(
            float(target_share), best / total if total else 0.0, double=double
        )

    def result(
        chosen: tuple[int, ...],
        gains: tuple[float, ...],
        optimal: bool,
        bound: float,
        kind: str,
        solver_name: str,
        status: str,
    ) -> SitingResult:
        counts = cv.ex.copy()
        if chosen:
            counts += np.asarray(cv.a[:, list(chosen)].sum(axis=1), dtype=np.int64).reshape(-1)
        after = covered_weight(counts, cv.w, level)
        if after < need - cv.tol:  # pragma: no cover - guarded by the model and greedy
            raise SolverError(f"{solver_name} returned sites that miss the target ({status})")
        n = len(chosen)
        bound = min(float(bound), float(n))
        gap = 0.0 if optimal or n == 0 else (n - bound) / n
        return SitingResult(
            chosen=chosen,
            gains=gains,
            covered_before=before,
            covered_after=after,
            total=total,
            optimal=optimal or gap == 0.0,
            gap=gap,
            bound=float(n) if optimal else bound,
            method=method,
            solver=solver_name,
            status=status,
            seconds=time.perf_counter() - start,
            bound_kind="optimal" if optimal or gap == 0.0 else kind,
            problem=problem,
        )

    if before >= need - cv.tol:
        return result((), (), True, 0.0, "optimal", "none", "optimal")
    if method == "greedy":
        g = greedy(cv, level, k=cv.a.shape[1], need=need, once_credit=ONCE_CREDIT)
        if not g.values or g.values[-1] < need - cv.tol:  # pragma: no cover - see docstring
            raise SolverError("greedy stalled below a reachable target")
        order, gains = ordered(cv, level, g.chosen, need)
        bounds = {"trivial": 1.0}
        if level == 1:
            bounds["submodular"] = float(g.online_sites)
        if lp_bound:
            lp = lp_relaxation_bound(
                build_model(cv, level, k=None, need_new=need - before - cv.tol), time_limit_s
            )
            if lp is not None:
                bounds["lp_relaxation"] = float(math.ceil(lp - 1e-6))
        kind = max(bounds, key=lambda b: bounds[b])
        return result(order, gains, False, bounds[kind], kind, "greedy", "heuristic")
    model = build_model(cv, level, k=None, need_new=need - before - cv.tol)
    ans = solve_exact(model, solver, time_limit_s)
    chosen = [int(j) for j in model.cols[np.flatnonzero(ans.x[: model.n_x] > 0.5)]]
    order, gains = ordered(cv, level, chosen, need)
    if ans.optimal:
        return result(order, gains, True, float(len(order)), "optimal", ans.solver, ans.status)
    if ans.bound is not None:
        bound, kind = float(math.ceil(ans.bound - 1e-6)), "mip_dual"
    else:
        lp = lp_relaxation_bound(model, time_limit_s)
        bound, kind = (
            (float(math.ceil(lp - 1e-6)), "lp_relaxation")
            if lp is not None
            else (
                1.0,
                "trivial",
            )
        )
    return result(order, gains, False, max(bound, 1.0), kind, ans.solver, ans.status)
