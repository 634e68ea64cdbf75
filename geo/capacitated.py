"""Capacitated maximal coverage: each site serves at most its capacity.

Coverage counts a demand point as served when a station is within the
standard; a station with 10 seats cannot serve 300 riders. Here each site
(existing stations fixed open, candidates chosen) serves at most its capacity,
and a point's demand may split among the open sites within ``max_cost``::

    max Σ_ij y_ij,  Σ_j y_ij ≤ w_i,  Σ_i y_ij ≤ s_j x_j,  y_ij ≤ w_i x_j,  c_ij ≤ max_cost,
    Σ_(j not fixed) x_j ≤ k,  x_j = 1 for fixed sites

Solved exactly with HiGHS under a time limit; past it, the incumbent with its
dual bound, or the greedy answer with the linear relaxation's (or every site
open's) bound, as :mod:`geo.objectives` does.
"""

from __future__ import annotations

import math
import time
from typing import Literal

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from numpy.typing import ArrayLike
from scipy.optimize import linprog

from geo._milp import Program, check_siting_args, siting_result, solve_program
from geo.errors import InvalidInputError, SolverError
from geo.siting import SitingResult

__all__ = ["capacitated_coverage"]

FloatArray = npt.NDArray[np.float64]
Method = Literal["exact", "greedy"]


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
    c, w, _ = check_siting_args(cost, weights, 0, method, time_limit_s)
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
    prog = Program(
        np.concatenate([np.zeros(n), -np.ones(n_y)]),
        sp.vstack(blocks, format="csr"),
        np.full(m + n + n_y + 1, -np.inf),
        np.concatenate([w, np.zeros(n + n_y), [float(k)]]),
        np.concatenate([fx.astype(float), np.zeros(n_y)]),
        np.concatenate([np.ones(n), w[rows]]),
        np.concatenate([np.ones(n, dtype=np.int8), np.zeros(n_y, dtype=np.int8)]),
    )
    solved = solve_program(prog, time_limit_s) if method == "exact" and k > 0 else None
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
        relaxed = solve_program(prog, time_limit_s, relax=True)
        lp = -relaxed.bound if relaxed.optimal and relaxed.bound is not None else math.inf
        all_open = float(_served(a, w, cap, list(range(n))).sum())
        bound, kind = (lp, kind) if lp <= all_open else (all_open, "all_open")
    gains = [float(g) for g in served[len(fixed_cols) :]]
    values = (before, after, float(w.sum()), float(bound))
    return siting_result(
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
