"""More siting objectives: p-median and p-center (capacitated coverage: :mod:`geo.capacitated`).

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
from typing import Literal

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from numpy.typing import ArrayLike

from geo._milp import Program, check_siting_args, siting_result, solve_program
from geo.errors import InvalidInputError, SolverError
from geo.siting import SitingResult

__all__ = ["OBJECTIVES", "p_center", "p_median"]

log = logging.getLogger(__name__)
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
Method = Literal["exact", "greedy"]

OBJECTIVES: tuple[str, ...] = ("coverage", "fewest", "p-median", "p-center", "capacitated")
"""Objectives ``suggest`` offers: the two of :mod:`geo.siting` and the three here."""


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
) -> tuple[Program, IntArray, IntArray]:
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
    prog = Program(
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
    c, w, k = check_siting_args(cost, weights, k, method, time_limit_s)
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
    solved = solve_program(prog, time_limit_s) if method == "exact" else None
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
        relaxed = solve_program(prog, time_limit_s, relax=True)
        lp = relaxed.bound if relaxed.optimal and relaxed.bound is not None else -math.inf
        bound, kind = (lp, kind) if lp >= all_open else (all_open, "all_open")
    _, site = _assignment(c, e, chosen)
    gains = [float(w[site == j].sum()) for j in chosen]
    values = (before, after, float(w.sum()), float(bound))
    return siting_result(
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
