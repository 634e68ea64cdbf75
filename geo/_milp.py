"""Mixed-integer programmes for siting, solved with HiGHS, and the result they report.

Shared by :mod:`geo.objectives` and :mod:`geo.capacitated`: a programme in
matrix form, one call to :func:`scipy.optimize.milp` under a time limit (or its
linear relaxation), the checks of the common arguments, and the
:class:`~geo.siting.SitingResult` with its gap to the bound.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from numpy.typing import ArrayLike
from scipy.optimize import Bounds, LinearConstraint, milp

from geo.errors import InvalidInputError, SolverError
from geo.siting.result import SitingResult

__all__ = ["REL_TOL", "Program", "Solved", "check_siting_args", "siting_result", "solve_program"]

FloatArray = npt.NDArray[np.float64]
REL_TOL = 1e-9


@dataclass(frozen=True, slots=True)
class Program:
    """``min c·v`` subject to ``lo ≤ A v ≤ hi``, ``lb ≤ v ≤ ub``, integral where asked."""

    c: FloatArray
    a: sp.csr_matrix
    lo: FloatArray
    hi: FloatArray
    lb: FloatArray
    ub: FloatArray
    integral: npt.NDArray[np.int8]


@dataclass(frozen=True, slots=True)
class Solved:
    x: FloatArray | None  # None: no feasible solution within the limit
    optimal: bool
    bound: float | None  # lower bound on c·v
    status: str


def solve_program(prog: Program, time_limit_s: float, *, relax: bool = False) -> Solved:
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
    return Solved(x, optimal, bound, status if optimal else f"{status} (feasible solution)")


def check_siting_args(
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


def siting_result(
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
    keep = [i for i, g in enumerate(gains) if g > REL_TOL * max(total, 1.0)]
    chosen, gains = [chosen[i] for i in keep], [gains[i] for i in keep]
    slack = (bound - after) if maximise else (after - bound)
    scale = abs(after) if not maximise else abs(bound)
    gap = 0.0 if optimal or not math.isfinite(slack) else max(slack, 0.0) / max(scale, 1e-300)
    if gap <= REL_TOL:
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
