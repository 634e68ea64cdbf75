"""More siting objectives: p-median, p-center and capacitated maximal coverage.

:mod:`geo.siting` answers "how much demand gets a station within the
standard"; planners also ask "how far do people walk on average" (p-median),
"how far does the worst-off walk" (p-center) and "how many can the stations
actually take" (capacitated coverage: each site serves at most its capacity).
Each takes a demand × candidate cost matrix (``inf`` = unreachable) and
weights, as :func:`geo.siting.max_coverage` does, and returns the same
:class:`~geo.siting.SitingResult`.

``method="exact"`` solves a mixed-integer programme with HiGHS
(:func:`scipy.optimize.milp`) under a time limit. If the limit passes with a
feasible solution, that solution is reported with the solver's dual bound; if
it passes without one, the greedy answer is reported with the linear
relaxation's bound. ``method="greedy"`` adds the best site at a time and
reports the relaxation's bound. ``gap`` is always relative to the bound.

Formulations (``x_j`` opens candidate j; ``y_ij`` assigns point i to j;
``z_i`` leaves point i with its nearest existing station, cost ``e_i``)::

    p-median   min Σ_i w_i (Σ_j c_ij y_ij + e_i z_i)
    p-center   min D,  Σ_j c_ij y_ij + e_i z_i ≤ D   for every point with w_i > 0
               both:  Σ_j y_ij + z_i = 1,  y_ij ≤ x_j,  Σ_j x_j ≤ k
    capacitated  max Σ_ij y_ij,  Σ_j y_ij ≤ w_i,  Σ_i y_ij ≤ s_j x_j,  y_ij ≤ w_i x_j,
                 c_ij ≤ max_cost,  Σ_(j not fixed) x_j ≤ k,  x_j = 1 for fixed sites

Meaning of the result's fields per ``problem``: for ``p_median`` and
``p_center``, ``covered_before``/``covered_after`` are the objective (total
weighted cost, or the worst cost) with the existing stations alone (``inf``
when they leave some demand without a station) and with the chosen sites;
``bound`` is a lower bound on that objective (``bound_kind``: ``mip_dual``,
``lp_relaxation``, or ``all_open``: every candidate opened); ``gains`` is the
demand weight assigned to each chosen site. For ``capacitated_coverage`` they are demand
served (as in maximal coverage), ``bound`` is an upper bound and ``gains``
the demand each site serves.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from numpy.typing import ArrayLike
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from geo.errors import InvalidInputError, SolverError
from geo.siting import SitingResult

__all__ = ["OBJECTIVES", "capacitated_coverage", "p_center", "p_median"]

log = logging.getLogger(__name__)
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
Method = Literal["exact", "greedy"]

OBJECTIVES: tuple[str, ...] = ("coverage", "fewest", "p-median", "p-center", "capacitated")
"""Objectives ``suggest`` offers: the two of :mod:`geo.siting` and the three here."""

_REL_TOL = 1e-9


@dataclass(frozen=True, slots=True)
class _Program:
    """``min c·v`` subject to ``lo ≤ A v ≤ hi``, ``lb ≤ v ≤ ub``, integral where asked."""

    c: FloatArray
    a: sp.csr_matrix
    lo: FloatArray
    hi: FloatArray
    lb: FloatArray
    ub: FloatArray
    integral: npt.NDArray[np.int8]


@dataclass(frozen=True, slots=True)
class _Solved:
    x: FloatArray | None  # None: no feasible solution within the limit
    optimal: bool
    bound: float | None  # lower bound on c·v
    status: str


def _solve(prog: _Program, time_limit_s: float, *, relax: bool = False) -> _Solved:
    res = milp(
        prog.c,
        integrality=np.zeros_like(prog.integral) if relax else prog.integral,
        bounds=Bounds(prog.lb, prog.ub),
        constraints=LinearConstraint(prog.a, prog.lo, prog.hi),
        options={"time_limit": float(time_limit_s), "disp": False, "mip_rel_gap": 0.0},
    )
    names = {0: "optimal", 1: "time limit", 2: "infeasible", 3: "unbounded"}
    status = names.get(int(res.status), f"error {res.status}")
    if res.status in (2, 3):
        raise SolverError(f"HiGHS: the programme is {status} ({res.message})")
    optimal = res.status == 0
    bound = float(res.fun) if optimal and res.fun is not None else None
    dual = getattr(res, "mip_dual_bound", None)
    if not optimal and dual is not None and np.isfinite(dual):
        bound = float(dual)
    x = None if res.x is None else np.asarray(res.x, dtype=np.float64)
    return _Solved(x, optimal, bound, status if optimal else f"{status} (feasible solution)")


def _check(
    cost: ArrayLike, weights: ArrayLike, k: int, method: str, time_limit_s: float
) -> tuple[FloatArray, FloatArray, int]:
    c = np.asarray(cost, dtype=np.float64)
    if c.ndim != 2:
        raise InvalidInputError(f"cost must be a 2-D demand × candidate matrix, got {c.ndim}-D")
    if np.isnan(c).any() or (c < 0).any():
        raise InvalidInputError("cost must be ≥ 0 with inf for unreachable, no NaN")
    w = np.asarray(weights, dtype=np.float64).reshape(-1)
    if w.size != c.shape[0]:
        raise InvalidInputError(f"weights has {w.size} values for {c.shape[0]} demand points")
    if not np.isfinite(w).all() or (w < 0).any():
        raise InvalidInputError("weights must be finite and ≥ 0")
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 0:
        raise InvalidInputError(f"k={k!r} must be a whole number ≥ 0")
    if method not in ("exact", "greedy"):
        raise InvalidInputError(f"method={method!r} is not a method; use 'exact' or 'greedy'")
    if not (isinstance(time_limit_s, int | float) and time_limit_s > 0):
        raise InvalidInputError(f"time_limit_s={time_limit_s!r} must be a number of seconds > 0")
    return c, w, min(int(k), c.shape[1])


def _existing(existing_cost: ArrayLike | None, m: int) -> FloatArray:
    if existing_cost is None:
        return np.full(m, np.inf)
    e = np.asarray(existing_cost, dtype=np.float64).reshape(-1)
    if e.size != m or np.isnan(e).any() or (e < 0).any():
        raise InvalidInputError(
            f"existing_cost needs one cost ≥ 0 (inf: none) per demand point, got {e.size} for {m}"
        )
    return e


# ---------------------------------------------------------------------------
# p-median and p-center


def _assignment(c: FloatArray, e: FloatArray, chosen: list[int]) -> tuple[FloatArray, IntArray]:
    """Each point's cost with existing stations and ``chosen``, and its site (-1: existing)."""
    if not chosen:
        return e.copy(), np.full(e.size, -1, dtype=np.intp)
    sub = c[:, chosen]
    best = np.argmin(sub, axis=1)
    d = sub[np.arange(e.size), best]
    use_new = d < e  # ties stay with the existing station
    return np.where(use_new, d, e), np.where(use_new, np.asarray(chosen)[best], -1)


def _assign_program(
    c: FloatArray, w: FloatArray, e: FloatArray, k: int, *, center: bool
) -> tuple[_Program, IntArray, IntArray]:
    """The p-median (or p-center) programme over the reachable pairs of points with weight."""
    m, n = c.shape
    rows, cols = np.nonzero(np.isfinite(c) & (w > 0)[:, None])
    pts = np.flatnonzero(w > 0)
    has_e = np.isfinite(e[pts])
    ez = pts[has_e]  # points that may stay with an existing station
    n_y, n_z = rows.size, ez.size
    n_v = n + n_y + n_z + (1 if center else 0)
    y0, z0 = n, n + n_y
    # Assignment: Σ_j y_ij + z_i = 1 for each point with weight.
    row_of = np.full(m, -1, dtype=np.intp)
    row_of[pts] = np.arange(pts.size)
    assign = sp.csr_matrix(
        (
            np.ones(n_y + n_z),
            (np.concatenate([row_of[rows], row_of[ez]]), np.arange(y0, y0 + n_y + n_z)),
        ),
        shape=(pts.size, n_v),
    )
    # Linking: y_ij − x_j ≤ 0.
    link = sp.csr_matrix(
        (
            np.concatenate([np.ones(n_y), -np.ones(n_y)]),
            (np.tile(np.arange(n_y), 2), np.concatenate([y0 + np.arange(n_y), cols])),
        ),
        shape=(n_y, n_v),
    )
    count = sp.csr_matrix((np.ones(n), (np.zeros(n, dtype=np.intp), np.arange(n))), shape=(1, n_v))
    blocks = [assign, link, count]
    lo: list[FloatArray] = [np.ones(pts.size), np.full(n_y, -np.inf), np.array([-np.inf])]
    hi: list[FloatArray] = [np.ones(pts.size), np.zeros(n_y), np.array([float(k)])]
    obj = np.zeros(n_v)
    if center:
        # Σ_j c_ij y_ij + e_i z_i − D ≤ 0 for each point with weight.
        worst = sp.csr_matrix(
            (
                np.concatenate([c[rows, cols], e[ez], -np.ones(pts.size)]),
                (
                    np.concatenate([row_of[rows], row_of[ez], np.arange(pts.size)]),
                    np.concatenate(
                        [y0 + np.arange(n_y), z0 + np.arange(n_z), np.full(pts.size, n_v - 1)]
                    ),
                ),
            ),
            shape=(pts.size, n_v),
        )
        blocks.append(worst)
        lo.append(np.full(pts.size, -np.inf))
        hi.append(np.zeros(pts.size))
        obj[-1] = 1.0
    else:
        obj[y0 : y0 + n_y] = w[rows] * c[rows, cols]
        obj[z0 : z0 + n_z] = w[ez] * e[ez]
    integral = np.zeros(n_v, dtype=np.int8)
    integral[:n] = 1
    prog = _Program(
        obj,
        sp.vstack(blocks, format="csr"),
        np.concatenate(lo),
        np.concatenate(hi),
        np.zeros(n_v),
        np.concatenate([np.ones(n + n_y + n_z), [np.inf] if center else []]),
        integral,
    )
    return prog, rows, cols


def _assign_value(
    c: FloatArray, w: FloatArray, e: FloatArray, chosen: list[int], center: bool
) -> float:
    d, _ = _assignment(c, e, chosen)
    served = w > 0
    if not served.any():
        return 0.0
    if center:
        return float(d[served].max())
    return float(w[served] @ d[served]) if np.isfinite(d[served]).all() else math.inf


def _assign_greedy(c: FloatArray, w: FloatArray, e: FloatArray, k: int, center: bool) -> list[int]:
    """Add the site that lowers the objective most (unreached points first), k times."""
    chosen: list[int] = []
    served = w > 0
    cs, ws = c[served], w[served]
    d = e[served].copy()
    for _ in range(k):
        gain_reach = ws @ (np.isinf(d)[:, None] & np.isfinite(cs))
        if center:
            after = np.maximum(np.minimum(d[:, None], cs).max(axis=0), 0.0)
            score = -np.where(np.isfinite(after), after, np.inf)
        else:
            drop = np.where(np.isfinite(d)[:, None], np.maximum(d[:, None] - cs, 0.0), 0.0)
            score = ws @ np.nan_to_num(drop, posinf=0.0)
        score = score.astype(float)
        score[chosen] = -np.inf
        key = np.lexsort((-np.arange(score.size), score, gain_reach))
        j = int(key[-1])
        if not np.isfinite(score[j]) and gain_reach[j] == 0:
            break
        chosen.append(j)
        d = np.minimum(d, cs[:, j])
    return chosen


def _result(
    problem: str,
    chosen: list[int],
    gains: list[float],
    values: tuple[float, float, float, float],
    bound_kind: str,
    optimal: bool,
    method: str,
    status: str,
    start: float,
    *,
    maximise: bool,
) -> SitingResult:
    """A SitingResult with its gap relative to the bound (lower; upper when maximising).

    ``values`` is (before, after, total, bound). Chosen sites that serve nobody are
    left out; the rest are ordered by the demand they serve.
    """
    before, after, total, bound = values
    bound = max(bound, after) if maximise else min(bound, after)
    keep = [i for i, g in enumerate(gains) if g > _REL_TOL * max(total, 1.0)]
    chosen, gains = [chosen[i] for i in keep], [gains[i] for i in keep]
    slack = (bound - after) if maximise else (after - bound)
    scale = abs(after) if not maximise else abs(bound)
    gap = 0.0 if optimal or not math.isfinite(slack) else max(slack, 0.0) / max(scale, 1e-300)
    if gap <= _REL_TOL:
        gap = 0.0
    order = np.argsort(-np.asarray(gains, dtype=float), kind="stable")
    return SitingResult(
        chosen=tuple(int(chosen[i]) for i in order),
        gains=tuple(float(gains[i]) for i in order),
        covered_before=before,
        covered_after=after,
        total=total,
        optimal=optimal or gap == 0.0,
        gap=gap,
        bound=after if optimal else bound,
        method=method,
        solver="highs" if method == "exact" else "greedy",
        status=status,
        seconds=time.perf_counter() - start,
        bound_kind="optimal" if optimal or gap == 0.0 else bound_kind,
        problem=problem,
    )


def _assign_problem(
    cost: ArrayLike,
    weights: ArrayLike,
    k: int,
    existing_cost: ArrayLike | None,
    method: Method,
    time_limit_s: float,
    *,
    center: bool,
) -> SitingResult:
    start = time.perf_counter()
    c, w, k = _check(cost, weights, k, method, time_limit_s)
    e = _existing(existing_cost, c.shape[0])
    lonely = (w > 0) & ~np.isfinite(e) & ~np.isfinite(c).any(axis=1)
    if lonely.any():
        i = int(np.flatnonzero(lonely)[0])
        raise InvalidInputError(
            f"demand point {i} reaches no candidate and no existing station; leave it out"
        )
    problem = "p_center" if center else "p_median"
    before = _assign_value(c, w, e, [], center)
    if center:
        # The greedy answer bounds the optimum: pairs costing more are never needed, and
        # leaving them out makes the programme much smaller and its relaxation tighter.
        ub = _assign_value(c, w, e, _assign_greedy(c, w, e, k, center), center)
        if math.isfinite(ub):
            prog, _, _ = _assign_program(
                np.where(c <= ub, c, np.inf), w, np.where(e <= ub, e, np.inf), k, center=True
            )
        else:
            prog, _, _ = _assign_program(c, w, e, k, center=True)
    else:
        prog, _, _ = _assign_program(c, w, e, k, center=False)
    solved = _solve(prog, time_limit_s) if method == "exact" else None
    if solved is not None and solved.x is not None:
        chosen = [int(j) for j in np.flatnonzero(solved.x[: c.shape[1]] > 0.5)]
        bound, kind, status = solved.bound, "mip_dual", solved.status
    else:
        chosen = _assign_greedy(c, w, e, k, center)
        status = "heuristic" if solved is None else "time limit (greedy answer)"
        bound, kind = None, "lp_relaxation"
    after = _assign_value(c, w, e, chosen, center)
    if not math.isfinite(after):
        raise SolverError(f"{problem}: {k} site(s) cannot give every demand point a station")
    optimal = solved is not None and solved.optimal and solved.x is not None
    # Every candidate opened is a bound too (the one kept when the relaxation times out).
    all_open = _assign_value(c, w, e, list(range(c.shape[1])), center)
    if bound is None:
        relaxed = _solve(prog, time_limit_s, relax=True)
        lp = relaxed.bound if relaxed.optimal and relaxed.bound is not None else -math.inf
        bound, kind = (lp, kind) if lp >= all_open else (all_open, "all_open")
    _, site = _assignment(c, e, chosen)
    gains = [float(w[site == j].sum()) for j in chosen]
    values = (before, after, float(w.sum()), float(bound))
    return _result(
        problem, chosen, gains, values, kind, optimal, method, status, start, maximise=False
    )


def p_median(
    cost: ArrayLike,
    weights: ArrayLike,
    k: int,
    *,
    existing_cost: ArrayLike | None = None,
    method: Method = "exact",
    time_limit_s: float = 60.0,
) -> SitingResult:
    """Choose ``k`` sites minimising the total demand-weighted cost to the nearest station.

    Parameters
    ----------
    cost
        Demand × candidate costs (seconds or metres); ``inf`` = unreachable.
    weights
        Demand weight of each row (≥ 0); rows weighing 0 are ignored.
    k
        How many sites (at most; sites that would serve nobody are left out).
    existing_cost
        Cost from each demand point to its nearest existing station (``inf``: none).
    method
        ``"exact"`` (HiGHS, greedy past the time limit) or ``"greedy"``.
    time_limit_s
        Solver time limit, seconds.

    Returns
    -------
    SitingResult
        ``problem="p_median"``; the objective before and after in
        ``covered_before``/``covered_after`` (see the module docstring).

    Raises
    ------
    InvalidInputError
        On a wrong argument, or a demand point that can reach nothing.

    Examples
    --------
    >>> cost = np.array([[1.0, 9.0], [2.0, 8.0], [9.0, 1.0]])
    >>> r = p_median(cost, [1, 1, 5], 1)
    >>> r.chosen, r.covered_after, r.optimal
    ((1,), 22.0, True)
    """
    return _assign_problem(cost, weights, k, existing_cost, method, time_limit_s, center=False)


def p_center(
    cost: ArrayLike,
    weights: ArrayLike,
    k: int,
    *,
    existing_cost: ArrayLike | None = None,
    method: Method = "exact",
    time_limit_s: float = 60.0,
) -> SitingResult:
    """Choose ``k`` sites minimising the worst cost of any demand point to its nearest station.

    Weights only say which points count (those > 0); the worst case is unweighted,
    as in the classic p-center (and spopt's ``PCenter``). Parameters as :func:`p_median`.

    Examples
    --------
    >>> cost = np.array([[1.0, 9.0], [2.0, 8.0], [6.0, 1.0]])
    >>> p_center(cost, [1, 1, 5], 1).covered_after
    6.0
    """
    return _assign_problem(cost, weights, k, existing_cost, method, time_limit_s, center=True)


# ---------------------------------------------------------------------------
# Capacitated maximal coverage


def _served(a: sp.csr_matrix, w: FloatArray, cap: FloatArray, open_: list[int]) -> FloatArray:
    """Most demand the open sites serve (a transportation LP); demand served per open site."""
    if not open_:
        return np.zeros(0)
    sub = a[:, open_].tocoo()
    rows, cols = sub.row, sub.col
    n_y = rows.size
    if n_y == 0:
        return np.zeros(len(open_))
    res = linprog(  # type: ignore[call-overload]
        -np.ones(n_y),
        A_ub=sp.vstack(
            [
                sp.csr_matrix((np.ones(n_y), (rows, np.arange(n_y))), shape=(a.shape[0], n_y)),
                sp.csr_matrix((np.ones(n_y), (cols, np.arange(n_y))), shape=(len(open_), n_y)),
            ]
        ),
        b_ub=np.concatenate([w, cap[open_]]),
        bounds=(0, None),
        method="highs",
    )
    if res.status != 0:  # pragma: no cover - a bounded feasible LP
        raise SolverError(f"HiGHS: the assignment LP ended with {res.message}")
    return np.bincount(cols, weights=res.x, minlength=len(open_)).astype(np.float64)


def capacitated_coverage(
    cost: ArrayLike,
    weights: ArrayLike,
    max_cost: float,
    k: int,
    capacity: ArrayLike,
    *,
    fixed: ArrayLike | None = None,
    method: Method = "exact",
    time_limit_s: float = 60.0,
) -> SitingResult:
    """Choose ``k`` sites maximising the demand served when each site serves at most its capacity.

    A demand point's weight may be split among the open sites within ``max_cost``
    of it; each site serves at most its capacity in all.

    Parameters
    ----------
    cost
        Demand × site costs; ``inf`` = unreachable.
    weights
        Demand weight of each row (people), ≥ 0.
    max_cost
        A site may serve a point when ``cost <= max_cost``.
    k
        How many new sites (columns not ``fixed``).
    capacity
        Capacity of each column (people), finite and ≥ 0.
    fixed
        Boolean mask of columns already open (existing stations); they serve
        first and do not count towards ``k``.
    method, time_limit_s
        As :func:`p_median`.

    Returns
    -------
    SitingResult
        ``problem="capacitated_coverage"``: demand served before and after,
        ``gains`` the demand each chosen site serves, ``bound`` an upper bound.

    Examples
    --------
    Two points of 6 people; site 0 reaches both with 5 seats, site 1 one with 6:

    >>> cost = np.array([[1.0, 1.0], [1.0, np.inf]])
    >>> capacitated_coverage(cost, [6, 6], 10, 1, [5, 6]).covered_after
    6.0
    """
    start = time.perf_counter()
    c, w, _ = _check(cost, weights, 0, method, time_limit_s)
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 0:
        raise InvalidInputError(f"k={k!r} must be a whole number ≥ 0")
    if not (isinstance(max_cost, int | float) and max_cost > 0):
        raise InvalidInputError(f"max_cost={max_cost!r} must be a number > 0")
    m, n = c.shape
    cap = np.asarray(capacity, dtype=np.float64).reshape(-1)
    if cap.size != n or not np.isfinite(cap).all() or (cap < 0).any():
        raise InvalidInputError(f"capacity needs a finite number ≥ 0 for each of the {n} sites")
    fx = np.zeros(n, dtype=bool) if fixed is None else np.asarray(fixed, dtype=bool).reshape(-1)
    if fx.size != n:
        raise InvalidInputError(f"fixed has {fx.size} values for {n} sites")
    k = min(int(k), int((~fx).sum()))
    a = sp.csr_matrix(c <= max_cost, dtype=np.float64)
    fixed_cols = [int(j) for j in np.flatnonzero(fx)]
    before = float(_served(a, w, cap, fixed_cols).sum())
    coo = a.tocoo()
    rows, cols = coo.row.astype(np.intp), coo.col.astype(np.intp)
    n_y = rows.size
    n_v = n + n_y
    eye_y = np.arange(n_y)
    blocks = [
        sp.csr_matrix((np.ones(n_y), (rows, n + eye_y)), shape=(m, n_v)),  # Σ_j y_ij ≤ w_i
        sp.csr_matrix(  # Σ_i y_ij − s_j x_j ≤ 0
            (
                np.concatenate([np.ones(n_y), -cap]),
                (np.concatenate([cols, np.arange(n)]), np.concatenate([n + eye_y, np.arange(n)])),
            ),
            shape=(n, n_v),
        ),
        sp.csr_matrix(  # y_ij − w_i x_j ≤ 0: a tighter relaxation
            (
                np.concatenate([np.ones(n_y), -w[rows]]),
                (np.tile(eye_y, 2), np.concatenate([n + eye_y, cols])),
            ),
            shape=(n_y, n_v),
        ),
        sp.csr_matrix(  # Σ new x_j ≤ k
            (
                np.ones(int((~fx).sum())),
                (np.zeros(int((~fx).sum()), dtype=np.intp), np.flatnonzero(~fx)),
            ),
            shape=(1, n_v),
        ),
    ]
    prog = _Program(
        np.concatenate([np.zeros(n), -np.ones(n_y)]),
        sp.vstack(blocks, format="csr"),
        np.full(m + n + n_y + 1, -np.inf),
        np.concatenate([w, np.zeros(n + n_y), [float(k)]]),
        np.concatenate([fx.astype(float), np.zeros(n_y)]),
        np.concatenate([np.ones(n), w[rows]]),
        np.concatenate([np.ones(n, dtype=np.int8), np.zeros(n_y, dtype=np.int8)]),
    )
    solved = _solve(prog, time_limit_s) if method == "exact" and k > 0 else None
    bound: float | None
    if k == 0:
        chosen: list[int] = []
        bound, kind, status, optimal = before, "optimal", "optimal", True
    elif solved is not None and solved.x is not None:
        chosen = [int(j) for j in np.flatnonzero((solved.x[:n] > 0.5) & ~fx)]
        bound = -solved.bound if solved.bound is not None else None
        kind, status, optimal = "mip_dual", solved.status, solved.optimal
    else:
        chosen = _capacitated_greedy(a, w, cap, fixed_cols, k)
        bound, kind = None, "lp_relaxation"
        status = "heuristic" if solved is None else "time limit (greedy answer)"
        optimal = False
    served = _served(a, w, cap, fixed_cols + chosen)
    after = float(served.sum())
    if bound is None:
        relaxed = _solve(prog, time_limit_s, relax=True)
        lp = -relaxed.bound if relaxed.optimal and relaxed.bound is not None else math.inf
        all_open = float(_served(a, w, cap, list(range(n))).sum())
        bound, kind = (lp, kind) if lp <= all_open else (all_open, "all_open")
    gains = [float(g) for g in served[len(fixed_cols) :]]
    values = (before, after, float(w.sum()), float(bound))
    return _result(
        "capacitated_coverage",
        chosen,
        gains,
        values,
        kind,
        optimal,
        method,
        status,
        start,
        maximise=True,
    )


def _capacitated_greedy(
    a: sp.csr_matrix, w: FloatArray, cap: FloatArray, fixed_cols: list[int], k: int
) -> list[int]:
    """Add the site whose served demand (recomputed exactly with those open) grows most."""
    chosen: list[int] = []
    open_ = list(fixed_cols)
    current = float(_served(a, w, cap, open_).sum())
    reach = np.asarray(a.T @ w).reshape(-1)
    for _ in range(k):
        # Bound each candidate's gain by min(capacity, demand it reaches), and try the best first.
        order = np.argsort(-np.minimum(cap, reach), kind="stable")
        best, best_gain = -1, 0.0
        for j in order:
            j = int(j)
            if j in open_ or min(cap[j], reach[j]) <= best_gain:
                continue
            gain = float(_served(a, w, cap, [*open_, j]).sum()) - current
            if gain > best_gain:
                best, best_gain = j, gain
        if best < 0:
            break
        chosen.append(best)
        open_.append(best)
        current += best_gain
    return chosen
