"""Siting: which candidate sites close the most coverage gaps.

Every problem starts from a demand × candidate cost matrix (metres or seconds;
``inf`` where a candidate cannot reach a demand point) and demand weights, as
spopt's ``from_cost_matrix`` does; :func:`cost_matrix` builds one from a
street network or straight lines. Existing stations count as covering already.

- :func:`max_coverage`: choose ``k`` sites that maximise covered demand (or,
  with ``double=True``, demand covered by two or more stations, existing and new);
- :func:`min_sites`: the fewest sites that bring covered demand to a target share.

``method="exact"`` solves an integer programme under a time limit, with CBC
through PuLP (``solver="cbc"``; ``"auto"`` prefers it) or HiGHS through
:func:`scipy.optimize.milp` (``solver="highs"``, and ``"auto"`` when no CBC
binary is found), and says whether the answer is proven optimal, with the gap
to the solver's bound if not. ``method="greedy"`` adds the best site at a
time (vectorised, with gains updated only where a pick changes them) and
states its coverage beside the tightest bound known: the linear-programming
relaxation (HiGHS) or, for single coverage, the submodular bounds.

The integer programme (for ``level`` = 1, or 2 with ``double``)::

    x_j ∈ {0, 1}                    candidate j is opened
    y_i ∈ [0, 1]                    demand point i reaches the level
    (level − e_i) y_i ≤ Σ_j a_ij x_j  for every point with e_i < level
    max Σ_i w_i y_i  s.t.  Σ_j x_j ≤ k                     (max_coverage)
    min Σ_j x_j      s.t.  Σ_i w_i y_i ≥ target·W − covered (min_sites)

where ``a_ij = 1`` when ``cost[i, j] <= max_cost`` and ``e_i`` is the number of
existing stations covering point i. ``y_i`` is binary only where
``level − e_i = 2``; elsewhere the constraint makes it integral. Demand points
that are already at the level, weigh nothing or cannot reach it are left out,
and points with the same candidates and existing count are merged (weights
summed) before solving; every reported coverage is recounted from the chosen
indices.
"""

from __future__ import annotations

import logging
import math
import os
import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, cast

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyproj
import scipy.sparse as sp
from numpy.typing import ArrayLike
from scipy.optimize import Bounds, LinearConstraint, milp

from geo.errors import GeoError, InvalidInputError, SolverError

__all__ = [
    "METHODS",
    "SOLVERS",
    "InfeasibleTargetError",
    "SitingResult",
    "available_solvers",
    "cost_matrix",
    "max_coverage",
    "min_sites",
    "osm_candidates",
    "site_gains",
    "suggest_sites",
]

log = logging.getLogger(__name__)
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
Method = Literal["exact", "greedy"]
Solver = Literal["auto", "cbc", "highs"]
METHODS: tuple[str, ...] = ("exact", "greedy")
"""Valid values of ``method``."""
SOLVERS: tuple[str, ...] = ("auto", "cbc", "highs")
"""Valid values of ``solver``."""

_ONCE_CREDIT = 0.5  # greedy double coverage: credit for covering a point once (halfway to twice)
_REL_TOL = 1e-9  # relative to the total weight: covered ≥ need − tol counts as reaching it


class InfeasibleTargetError(GeoError, ValueError):
    """No set of candidates reaches the target share.

    Attributes
    ----------
    target
        The share asked for.
    best_share
        The share reached with every candidate opened (the best any set reaches).
    """

    def __init__(self, target: float, best_share: float, *, double: bool = False) -> None:
        self.target = target
        self.best_share = best_share
        what = "covered twice or more" if double else "covered"
        super().__init__(
            f"no set of candidates reaches a {what} share of {target:.1%}: "
            f"the best reachable share, with every candidate opened, is {best_share:.1%}"
        )


@dataclass(frozen=True, slots=True)
class SitingResult:
    """Chosen sites, in the order they add most, and what they achieve.

    Attributes
    ----------
    chosen
        Candidate indices (columns of the cost matrix), in the order chosen:
        greedy's order, or for exact answers the greedy order within the
        optimal set (each adds the most to those before it). Sites that add
        nothing at the end of that order are left out, so there may be
        fewer than ``k``.
    gains
        Demand weight each chosen site adds at the margin, in that order;
        they sum to ``covered_after - covered_before``.
    covered_before, covered_after
        Demand weight covered (covered twice or more with ``double``) by the
        existing stations alone, and with the chosen sites too.
    total
        All demand weight.
    optimal
        Whether the answer is proven optimal (greedy: only when it meets the bound).
    gap
        Relative distance to ``bound`` on what the problem optimises, 0 when
        proven optimal: ``(bound - covered_after) / (bound - covered_before)``
        for maximal covering, ``(len(chosen) - bound) / len(chosen)`` for
        :func:`min_sites`.
    bound
        Best bound known: the most weight any choice of ``k`` covers (an upper
        bound, maximal covering) or the fewest sites any choice needs (a lower
        bound, :func:`min_sites`).
    bound_kind
        Where ``bound`` comes from: ``optimal`` (the proven optimum),
        ``mip_dual`` (the solver's dual bound at its limit), ``lp_relaxation``
        (linear relaxation solved with HiGHS), ``submodular`` (greedy's online
        bound ``f(S) + top-k marginal gains``, or ``f/(1-1/e)``; for
        :func:`min_sites` the fewest sites whose top gains reach the target;
        single coverage only), ``coverable`` (all demand any candidate
        reaches) or ``trivial`` (one site, :func:`min_sites`).
    problem
        ``max_coverage``, ``max_double_coverage``, ``min_sites`` or ``min_sites_double``.
    method, solver, status
        ``exact`` or ``greedy``; ``cbc``, ``highs`` or ``greedy``; the
        solver's status (``optimal``, ``time limit`` …, or ``heuristic``).
    seconds
        Wall time of the whole call.
    """

    chosen: tuple[int, ...]
    gains: tuple[float, ...]
    covered_before: float
    covered_after: float
    total: float
    optimal: bool
    gap: float
    bound: float
    method: str
    solver: str
    status: str
    seconds: float
    bound_kind: str = "optimal"
    problem: str = "max_coverage"

    @property
    def share_before(self) -> float:
        """Covered share of all demand weight before the new sites (nan without weight)."""
        return self.covered_before / self.total if self.total else float("nan")

    @property
    def share_after(self) -> float:
        """Covered share of all demand weight with the new sites (nan without weight)."""
        return self.covered_after / self.total if self.total else float("nan")


# ---------------------------------------------------------------------------
# Validation at the boundary


@dataclass(frozen=True, slots=True)
class _Cover:
    """Validated input: coverage matrix (demand × candidate, 0/1 floats), its transpose, weights."""

    a: sp.csr_matrix
    at: sp.csr_matrix
    w: FloatArray
    ex: IntArray
    total: float
    tol: float


def _check_options(method: str, solver: str, time_limit_s: float) -> None:
    if method not in METHODS:
        raise InvalidInputError(
            f"method={method!r} is not a method; use one of {', '.join(map(repr, METHODS))}"
        )
    if solver not in SOLVERS:
        raise InvalidInputError(
            f"solver={solver!r} is not a solver; use one of {', '.join(map(repr, SOLVERS))}"
        )
    if not isinstance(time_limit_s, int | float) or not time_limit_s > 0:
        raise InvalidInputError(f"time_limit_s={time_limit_s!r} must be a number of seconds > 0")


def _inputs(
    cost: ArrayLike | sp.spmatrix | sp.sparray,
    weights: ArrayLike,
    max_cost: float,
    existing: ArrayLike | None,
) -> _Cover:
    """Validate the data arguments; return the 0/1 coverage matrix, weights and existing counts."""
    try:
        mc = float(max_cost)
    except (TypeError, ValueError):
        raise InvalidInputError(f"max_cost={max_cost!r} is not a number") from None
    if not mc > 0:  # also rejects NaN; inf means "every reachable pair covers"
        raise InvalidInputError(f"max_cost={max_cost!r} must be > 0")
    if sp.issparse(cost):
        c = sp.csr_matrix(cost, dtype=np.float64)  # duplicates of a pair are summed by scipy
        if c.ndim != 2:
            raise InvalidInputError(f"cost must be a 2-D demand × candidate matrix, got {c.ndim}-D")
        if np.isnan(c.data).any():
            raise InvalidInputError("cost has NaN entries; store only reachable pairs, or inf")
        if (c.data < 0).any():
            raise InvalidInputError(f"cost has negative entries (min {c.data.min()!r})")
        a = sp.csr_matrix(((c.data <= mc).astype(np.float64), c.indices, c.indptr), shape=c.shape)
        a.eliminate_zeros()
    else:
        arr = np.asarray(cost, dtype=np.float64)
        if arr.ndim != 2:
            raise InvalidInputError(
                f"cost must be a 2-D demand × candidate matrix, got {arr.ndim}-D"
            )
        if np.isnan(arr).any():
            raise InvalidInputError("cost has NaN entries; use inf for unreachable")
        if (arr < 0).any():
            raise InvalidInputError(f"cost has negative entries (min {arr.min()!r})")
        a = sp.csr_matrix((arr <= mc).astype(np.float64))
    m, _ = a.shape
    w = np.asarray(weights, dtype=np.float64)
    if w.ndim != 1 or w.size != m:
        raise InvalidInputError(
            f"weights has shape {w.shape} for {m} demand points (rows of cost); "
            "give one weight per row"
        )
    if np.isnan(w).any():
        raise InvalidInputError(
            f"weights has NaN at position {int(np.flatnonzero(np.isnan(w))[0])}"
        )
    if not np.isfinite(w).all() or (w < 0).any():
        raise InvalidInputError("weights must be finite and ≥ 0")
    if existing is None:
        ex = np.zeros(m, dtype=np.int64)
    else:
        e = np.asarray(existing)
        if e.ndim != 1 or e.size != m:
            raise InvalidInputError(
                f"existing has shape {e.shape} for {m} demand points; give a boolean mask "
                "or a count of covering stations per row"
            )
        if e.dtype == np.bool_:
            ex = e.astype(np.int64)
        else:
            ef = e.astype(np.float64)
            if not np.isfinite(ef).all() or (ef < 0).any() or (ef != np.round(ef)).any():
                raise InvalidInputError("existing must be booleans or whole counts ≥ 0")
            ex = ef.astype(np.int64)
    total = float(w.sum())
    tol = _REL_TOL * total if total > 0 else 0.0
    return _Cover(a, a.T.tocsr(), w, np.minimum(ex, 2), total, tol)


# ---------------------------------------------------------------------------
# Greedy


def _value(counts: IntArray, w: FloatArray, level: int) -> float:
    return float(w[counts >= level].sum())


@dataclass(slots=True)
class _Greedy:
    chosen: list[int]
    gains: list[float]
    values: list[float]  # covered weight after each pick
    online_bound: float  # min over steps of f(S) + top-k gains (single coverage), else inf
    online_sites: int  # fewest further sites any set needs to reach `need` (single), else 0


def _greedy(
    cv: _Cover,
    level: int,
    *,
    allowed: BoolArray | None = None,
    k: int,
    need: float | None = None,
    stop_at_zero: bool = True,
    once_credit: float = 0.0,
) -> _Greedy:
    """Add the site with the largest gain, up to ``k`` sites or until ``need`` is covered.

    Gains are kept for every candidate and updated, after each pick, only by the
    demand points whose count changed (one sparse product over their rows).
    With ``level == 2`` a site scores its gain plus ``once_credit`` times the
    weight it brings from uncovered to covered once (which a later site can
    complete; 0.5 covered 1,739 against 1,421 for 0 on the São Paulo benchmark's
    k = 20), ties going to the larger such weight; reported gains are true gains.
    """
    w, a = cv.w, cv.a
    counts = cv.ex.copy()
    value = _value(counts, w, level)
    gain = cv.at @ (w * (counts == level - 1))
    second = cv.at @ (w * (counts == level - 2)) if level == 2 else np.zeros(a.shape[1])
    avail = np.ones(a.shape[1], dtype=bool) if allowed is None else allowed.copy()
    tol_g = max(1e-12 * cv.total, 1e-300)
    out = _Greedy([], [], [], math.inf, 0)

    def online(value: float) -> None:
        # Submodular bounds (single coverage), for any set S met on the way: OPT_k ≤ f(S) +
        # the k largest gains now; and any set O reaching `need` has at least m sites, where
        # f(S) + the m largest gains first reach it (f(S ∪ O) ≤ f(S) + Σ_O gains).
        if level != 1 or allowed is not None:
            return
        g = np.sort(gain[gain > tol_g])[::-1]
        out.online_bound = min(out.online_bound, value + float(g[:k].sum()))
        if need is not None and value < need - cv.tol:
            reach = value + np.cumsum(g)
            more = int(np.searchsorted(reach, need - cv.tol))
            if more < reach.size:
                out.online_sites = max(out.online_sites, more + 1)

    online(value)
    while len(out.chosen) < k and avail.any():
        if need is not None and value >= need - cv.tol:
            break
        score = gain + once_credit * second if once_credit else gain
        g = np.where(avail, score, -np.inf)
        best = float(g.max())
        ties = g >= best - tol_g
        # single: the lowest index among ties; double: the most newly-once-covered weight
        j = int(np.argmax(np.where(ties, second, -np.inf) if level == 2 else ties))
        if stop_at_zero and best <= tol_g and (level == 1 or second[j] <= tol_g):
            break
        rows = cv.at.indices[cv.at.indptr[j] : cv.at.indptr[j + 1]]
        old = counts[rows]
        counts[rows] = old + 1
        wr = w[rows]
        reached = old == level - 1
        added = float(wr[reached].sum())
        if level == 1:
            newly = rows[reached]
            gain -= a[newly].T @ w[newly]
        else:
            dg = np.where(old == 0, wr, np.where(old == 1, -wr, 0.0))
            gain += a[rows].T @ dg
            once = rows[old == 0]
            second -= a[once].T @ w[once]
        value += added
        avail[j] = False
        out.chosen.append(j)
        out.gains.append(added)
        out.values.append(value)
        online(value)
    return out


def _ordered(
    cv: _Cover, level: int, chosen: list[int], stop: float
) -> tuple[tuple[int, ...], tuple[float, ...]]:
    """Order a set of sites greedily by marginal gain; drop the tail once ``stop`` is covered."""
    if not chosen:
        return (), ()
    allowed = np.zeros(cv.a.shape[1], dtype=bool)
    allowed[chosen] = True
    g = _greedy(cv, level, allowed=allowed, k=len(chosen), stop_at_zero=False)
    keep = len(g.chosen)
    for t, v in enumerate(g.values):
        if v >= stop - cv.tol:
            keep = t + 1
            break
    if stop <= _value(cv.ex, cv.w, level) + cv.tol:
        keep = 0
    return tuple(g.chosen[:keep]), tuple(g.gains[:keep])


# ---------------------------------------------------------------------------
# The integer programme


@dataclass(frozen=True, slots=True)
class _Model:
    """min c·v, 0 ≤ v ≤ ub, integrality, lo ≤ A v ≤ hi; v = [x (useful candidates) | y (rows)]."""

    c: FloatArray
    integrality: IntArray
    ub: FloatArray
    a: sp.csr_matrix
    lo: FloatArray
    hi: FloatArray
    cols: IntArray  # candidate index of each x
    n_x: int


def _rows(cv: _Cover, level: int) -> tuple[sp.csr_matrix, FloatArray, IntArray]:
    """Rows the programme needs, identical ones merged: (coverage rows, weights, existing)."""
    reach = np.diff(cv.a.indptr)
    rows = np.flatnonzero((cv.ex < level) & (cv.w > 0) & (cv.ex + reach >= level))
    sub = cv.a[rows]
    w, ex = cv.w[rows], cv.ex[rows]
    if rows.size < 2:
        return sub, w, ex
    # Merge rows with the same candidate set and existing count: hash by two random
    # projections, then check the merge exactly (a hash collision keeps rows apart).
    rng = np.random.default_rng(0)
    keys = np.column_stack([sub @ rng.random(sub.shape[1]), sub @ rng.random(sub.shape[1]), ex])
    _, first, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    inverse = inverse.reshape(-1)
    if first.size == rows.size:
        return sub, w, ex
    diff = sub - sub[first[inverse]]
    diff.eliminate_zeros()
    if diff.nnz:
        log.debug("row merge skipped: hash collision")
        return sub, w, ex
    return sub[first], np.asarray(np.bincount(inverse, weights=w), dtype=float), ex[first]


def _model(cv: _Cover, level: int, *, k: int | None, need_new: float | None) -> _Model:
    a, w, ex = _rows(cv, level)
    useful = np.flatnonzero(np.diff(a.tocsc().indptr) > 0)
    a = a[:, useful].tocsr()
    r, n = a.shape
    coef = (level - ex).astype(np.float64)  # 1, or 2 where no existing station covers
    link = sp.hstack([-a, sp.diags(coef, format="csr")], format="csr")
    ones_x = np.concatenate([np.ones(n), np.zeros(r)])
    if k is not None:  # max coverage
        c = np.concatenate([np.zeros(n), -w])
        extra = sp.csr_matrix(ones_x.reshape(1, -1))
        lo_e, hi_e = -np.inf, float(k)
    else:  # min sites
        c = ones_x
        extra = sp.csr_matrix(np.concatenate([np.zeros(n), w]).reshape(1, -1))
        lo_e, hi_e = float(need_new if need_new is not None else 0.0), np.inf
    integrality = np.concatenate([np.ones(n, dtype=np.int64), (coef > 1).astype(np.int64)])
    return _Model(
        c=c,
        integrality=integrality,
        ub=np.ones(n + r),
        a=sp.vstack([link, extra], format="csr"),
        lo=np.concatenate([np.full(r, -np.inf), [lo_e]]),
        hi=np.concatenate([np.zeros(r), [hi_e]]),
        cols=useful.astype(np.int64),
        n_x=n,
    )


@dataclass(frozen=True, slots=True)
class _Answer:
    x: FloatArray
    optimal: bool
    bound: float | None  # lower bound on the minimised objective, when known
    solver: str
    status: str


def _highs(model: _Model, time_limit_s: float, *, relax: bool = False) -> _Answer:
    integrality = np.zeros_like(model.integrality) if relax else model.integrality
    res = milp(
        model.c,
        integrality=integrality,
        bounds=Bounds(0, model.ub),
        constraints=LinearConstraint(model.a, model.lo, model.hi),
        options={"time_limit": float(time_limit_s), "disp": False, "mip_rel_gap": 0.0},
    )
    names = {0: "optimal", 1: "time limit", 2: "infeasible", 3: "unbounded"}
    status = names.get(int(res.status), f"error {res.status}")
    if res.x is None:
        raise SolverError(
            f"HiGHS ended without a feasible solution: status {status} ({res.message})"
        )
    optimal = res.status == 0
    if not optimal:
        status += " (feasible solution)"
    bound: float | None = float(res.fun) if optimal else None
    dual = getattr(res, "mip_dual_bound", None)
    if not optimal and dual is not None and np.isfinite(dual):
        bound = float(dual)
    return _Answer(np.asarray(res.x, dtype=np.float64), optimal, bound, "highs", status)


def _cbc_command(time_limit_s: float, log_path: str | None = None) -> tuple[Any, str] | None:
    """A PuLP ``COIN_CMD`` for a CBC binary, or None: CBC on PATH (``pulp[cbc]``) first,
    else the binary bundled with PuLP (run through ``COIN_CMD``, as PuLP 3.3 deprecates
    ``PULP_CBC_CMD``)."""
    try:
        import pulp
        from pulp.apis import coin_api
    except ImportError:
        return None
    opts: dict[str, Any] = {"msg": False, "timeLimit": float(time_limit_s), "logPath": log_path}
    cmd = pulp.COIN_CMD(**opts)
    if cmd.available():
        return cmd, f"CBC on PATH ({cmd.path})"
    bundled = os.path.normpath(
        str(
            getattr(getattr(coin_api, "PULP_CBC_CMD", None), "pulp_cbc_path", "")
            or getattr(coin_api, "pulp_cbc_path", "")
        )
    )
    if bundled and os.path.isfile(bundled) and os.access(bundled, os.X_OK):
        return pulp.COIN_CMD(path=bundled, **opts), f"CBC bundled with PuLP {pulp.__version__}"
    return None


def available_solvers() -> dict[str, str]:
    """Exact solvers found here, each with a description (binary, version).

    Returns
    -------
    dict
        ``{"cbc": ..., "highs": ...}``; ``cbc`` is absent when no CBC binary is found.

    Examples
    --------
    >>> "highs" in available_solvers()
    True
    """
    import scipy

    out: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as tmp:
        log_path = os.path.join(tmp, "cbc.log")
        found = _cbc_command(5.0, log_path)
        if found is not None:
            cmd, label = found
            version = ""
            try:
                model = _model(_inputs(np.zeros((1, 1)), [1.0], 1.0, None), 1, k=1, need_new=None)
                _cbc(model, cmd)
                text = Path(log_path).read_text(errors="replace")
                found_v = re.search(r"Version:\s*(\S+)", text)
                version = f" {found_v.group(1)}" if found_v else ""
            except (SolverError, OSError) as exc:  # pragma: no cover - broken binary
                log.warning("CBC found but failed a trivial solve: %s", exc)
            else:
                out["cbc"] = f"CBC{version}: {label}"
    out["highs"] = f"HiGHS via scipy {scipy.__version__} (scipy.optimize.milp)"
    return out


def _cbc(model: _Model, cmd: Any) -> _Answer:
    import pulp

    prob = pulp.LpProblem("siting", pulp.LpMinimize)
    if hasattr(prob, "add_variable"):
        add = prob.add_variable
    else:  # pragma: no cover - PuLP < 3.3

        def add(name: str, lo: float, hi: float, cat: str) -> Any:
            return pulp.LpVariable(name, lo, hi, cat=cat)

    v = [
        add(f"v{i}", 0.0, float(model.ub[i]), "Integer" if model.integrality[i] else "Continuous")
        for i in range(model.c.size)
    ]
    prob += pulp.LpAffineExpression([(v[i], float(model.c[i])) for i in np.flatnonzero(model.c)])
    a = model.a
    for r in range(a.shape[0]):
        s, e = a.indptr[r], a.indptr[r + 1]
        expr = pulp.LpAffineExpression(
            [(v[int(j)], float(x)) for j, x in zip(a.indices[s:e], a.data[s:e], strict=True)]
        )
        if np.isfinite(model.lo[r]):
            prob += expr >= float(model.lo[r])
        if np.isfinite(model.hi[r]):
            prob += expr <= float(model.hi[r])
    try:
        prob.solve(cmd)
    except pulp.PulpSolverError as exc:
        raise SolverError(f"CBC failed: {exc}") from exc
    sol = int(prob.sol_status)
    status = pulp.LpSolution.get(sol, str(sol)).lower()
    if sol == pulp.LpSolutionOptimal:
        status = "optimal"
    if sol not in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible):
        raise SolverError(
            f"CBC ended without a feasible solution: status {status} "
            f"({pulp.LpStatus.get(prob.status, prob.status)})"
        )
    optimal = sol == pulp.LpSolutionOptimal
    x = np.array([vv.value() or 0.0 for vv in v], dtype=np.float64)
    bound: float | None = float(model.c @ x) if optimal else None
    if not optimal and cmd.optionsDict.get("logPath"):
        text = Path(cmd.optionsDict["logPath"]).read_text(errors="replace")
        found = re.search(r"Lower bound:\s*(\S+)", text)
        if found:
            try:
                bound = float(found.group(1))
            except ValueError:
                bound = None
        status = "time limit (feasible solution)"
    return _Answer(x, optimal, bound, "cbc", status)


def _solve_exact(model: _Model, solver: Solver, time_limit_s: float) -> _Answer:
    if solver == "highs":
        return _highs(model, time_limit_s)
    with tempfile.TemporaryDirectory() as tmp:
        found = _cbc_command(time_limit_s, os.path.join(tmp, "cbc.log"))
        if found is None:
            if solver == "cbc":
                raise SolverError(
                    "solver='cbc' but no CBC binary was found: install pulp (bundled CBC) or "
                    "pulp[cbc], or use solver='highs'"
                )
            log.info("no CBC binary found; solving with HiGHS")
            return _highs(model, time_limit_s)
        cmd, label = found
        log.debug("solving with %s: %d variables, %d rows", label, model.c.size, model.a.shape[0])
        return _cbc(model, cmd)


def _lp_bound(model: _Model, time_limit_s: float) -> float | None:
    """Optimum of the linear relaxation (HiGHS), a bound on the minimised objective."""
    try:
        ans = _highs(model, time_limit_s, relax=True)
    except SolverError:
        return None
    return ans.bound if ans.optimal else None


# ---------------------------------------------------------------------------
# Public problems


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
        ``"cbc"`` or ``"highs"``. Greedy bounds always use HiGHS.
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
    _check_options(method, solver, time_limit_s)
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 0:
        raise InvalidInputError(f"k={k!r} must be a whole number ≥ 0")
    start = time.perf_counter()
    cv = _inputs(cost, weights, max_cost, existing)
    level = 2 if double else 1
    k = min(int(k), cv.a.shape[1])
    before = _value(cv.ex, cv.w, level)
    coverable = _value(cv.ex + np.diff(cv.a.indptr), cv.w, level)
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
        after = _value(counts, cv.w, level)
        bound = max(bound, after)
        gap = 0.0 if optimal or bound - before <= cv.tol else (bound - after) / (bound - before)
        if gap <= _REL_TOL:
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
        g = _greedy(cv, level, k=k, once_credit=_ONCE_CREDIT)
        order, gains = _ordered(cv, level, g.chosen, g.values[-1] if g.values else before)
        after = g.values[-1] if g.values else before
        bounds = {"coverable": coverable}
        if level == 1:
            bounds["submodular"] = min(g.online_bound, before + (after - before) / (1 - 1 / math.e))
        if lp_bound:
            lp = _lp_bound(_model(cv, level, k=k, need_new=None), time_limit_s)
            if lp is not None:
                bounds["lp_relaxation"] = before - lp
        kind = min(bounds, key=lambda b: bounds[b])
        return result(order, gains, False, bounds[kind], kind, "greedy", "heuristic")
    model = _model(cv, level, k=k, need_new=None)
    ans = _solve_exact(model, solver, time_limit_s)
    chosen = [int(j) for j in model.cols[np.flatnonzero(ans.x[: model.n_x] > 0.5)]]
    counts = cv.ex.copy()
    if chosen:
        counts += np.asarray(cv.a[:, chosen].sum(axis=1), dtype=np.int64).reshape(-1)
    order, gains = _ordered(cv, level, chosen, _value(counts, cv.w, level))
    if ans.optimal:
        return result(order, gains, True, 0.0, "optimal", ans.solver, ans.status)
    if ans.bound is not None:
        bound, kind = before - ans.bound, "mip_dual"
    else:
        lp = _lp_bound(model, time_limit_s)
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
    _check_options(method, solver, time_limit_s)
    if (
        isinstance(target_share, bool)
        or not isinstance(target_share, int | float | np.floating | np.integer)
        or not 0 < float(target_share) <= 1
    ):
        raise InvalidInputError(f"target_share={target_share!r} must be a number in (0, 1]")
    start = time.perf_counter()
    cv = _inputs(cost, weights, max_cost, existing)
    level = 2 if double else 1
    total = cv.total
    before = _value(cv.ex, cv.w, level)
    need = float(target_share) * total
    best = _value(cv.ex + np.diff(cv.a.indptr), cv.w, level)
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
        after = _value(counts, cv.w, level)
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
        g = _greedy(cv, level, k=cv.a.shape[1], need=need, once_credit=_ONCE_CREDIT)
        if not g.values or g.values[-1] < need - cv.tol:  # pragma: no cover - see docstring
            raise SolverError("greedy stalled below a reachable target")
        order, gains = _ordered(cv, level, g.chosen, need)
        bounds = {"trivial": 1.0}
        if level == 1:
            bounds["submodular"] = float(g.online_sites)
        if lp_bound:
            lp = _lp_bound(_model(cv, level, k=None, need_new=need - before - cv.tol), time_limit_s)
            if lp is not None:
                bounds["lp_relaxation"] = float(math.ceil(lp - 1e-6))
        kind = max(bounds, key=lambda b: bounds[b])
        return result(order, gains, False, bounds[kind], kind, "greedy", "heuristic")
    model = _model(cv, level, k=None, need_new=need - before - cv.tol)
    ans = _solve_exact(model, solver, time_limit_s)
    chosen = [int(j) for j in model.cols[np.flatnonzero(ans.x[: model.n_x] > 0.5)]]
    order, gains = _ordered(cv, level, chosen, need)
    if ans.optimal:
        return result(order, gains, True, float(len(order)), "optimal", ans.solver, ans.status)
    if ans.bound is not None:
        bound, kind = float(math.ceil(ans.bound - 1e-6)), "mip_dual"
    else:
        lp = _lp_bound(model, time_limit_s)
        bound, kind = (
            (float(math.ceil(lp - 1e-6)), "lp_relaxation")
            if lp is not None
            else (
                1.0,
                "trivial",
            )
        )
    return result(order, gains, False, max(bound, 1.0), kind, ans.solver, ans.status)


def cost_matrix(
    demand_lon: ArrayLike,
    demand_lat: ArrayLike,
    cand_lon: ArrayLike,
    cand_lat: ArrayLike,
    *,
    network: object | None = None,
    max_cost: float = np.inf,
    walk_speed_kmh: float = 4.8,
) -> FloatArray:
    """Demand × candidate distances in metres: geodesic, or walking along ``network``.

    Walking costs include both legs to the street; pairs beyond ``max_cost``
    (and unreachable pairs) are ``inf``.
    """
    from geo._validate import check_lonlat

    dx, dy = check_lonlat(demand_lon, demand_lat, names=("demand lon", "demand lat"))
    cx, cy = check_lonlat(cand_lon, cand_lat, names=("candidate lon", "candidate lat"))
    if network is None:
        geod = pyproj.Geod(ellps="WGS84")
        _, _, d = geod.inv(
            np.repeat(dx, cx.size),
            np.repeat(dy, cx.size),
            np.tile(cx, dx.size),
            np.tile(cy, dx.size),
        )
        out = np.asarray(d, dtype=float).reshape(dx.size, cx.size)
        return np.where(out <= max_cost, out, np.inf)
    from geo.coverage import StationSet, point_labels, station_labels
    from geo.network import StreetNetwork

    if not isinstance(network, StreetNetwork):
        raise InvalidInputError("network must be a geo.network.StreetNetwork")
    out = np.full((dx.size, cx.size), np.inf)
    snap = network.snap(dx, dy)
    # One small Dijkstra per candidate, limited to max_cost: the nearest-station
    # labels of a one-station set are exactly that candidate's costs.
    for j in range(cx.size):
        s = StationSet.build(network, [str(j)], [cx[j]], [cy[j]])
        lab = station_labels(network, s, limit=max_cost, walk_speed_kmh=walk_speed_kmh)
        d1, _, _, _ = point_labels(network, s, lab, snap, walk_speed_kmh=walk_speed_kmh)
        out[:, j] = np.where(d1 <= max_cost, d1, np.inf)
    return out


OSM_CANDIDATE_TAGS: dict[str, list[str]] = {
    "amenity": [
        "community_centre",
        "townhall",
        "social_facility",
        "library",
        "marketplace",
        "fuel",
        "post_office",
        "police",
    ],
    "shop": ["supermarket", "convenience", "mall"],
    "office": ["government"],
}
"""OpenStreetMap places that may host a station: union and government premises,
community centres, logistics-adjacent places, shops that join as rider stations."""


def osm_candidates(pbf: str | Path) -> pd.DataFrame:
    """Candidate sites from the OSM file's places (:data:`OSM_CANDIDATE_TAGS`).

    Columns ``id``, ``name``, ``lon``, ``lat``, ``source`` (the tag, as ``amenity=townhall``).
    """
    from geo._osm import read_pois

    pois = read_pois(pbf, OSM_CANDIDATE_TAGS)
    return pd.DataFrame(
        {
            "id": "osm-" + pois["osm_id"].astype(str),
            "name": pois["name"].where(pois["name"] != "", pois["value"]),
            "lon": pois["lon"],
            "lat": pois["lat"],
            "source": pois["key"] + "=" + pois["value"],
        }
    )


def suggest_sites(
    candidates: pd.DataFrame,
    demand: pd.DataFrame,
    station_lon: ArrayLike,
    station_lat: ArrayLike,
    *,
    network: object | None = None,
    standard: Literal["walk", "radius"] = "walk",
    minutes: float = 15.0,
    radius_m: float = 1000.0,
    walk_speed_kmh: float = 4.8,
    k: int | None = None,
    target_share: float | None = None,
    double: bool = False,
    method: Method = "exact",
    time_limit_s: float = 60.0,
    solver: Solver = "auto",
) -> tuple[SitingResult, pd.DataFrame]:
    """Where the next stations go: candidates scored against demand, existing stations fixed.

    Parameters
    ----------
    candidates
        ``lon``, ``lat`` (WGS-84) and any other columns (``id``, ``name`` …), kept.
    demand
        ``lon``, ``lat`` and ``weight``.
    station_lon, station_lat
        Existing open stations, which cover already.
    network
        Walking network; needed for ``standard="walk"``.
    k, target_share
        Exactly one: choose ``k`` sites (:func:`max_coverage`), or the fewest
        reaching ``target_share`` (:func:`min_sites`).

    Returns
    -------
    tuple
        The :class:`SitingResult` and the candidates with ``order`` (1… for
        chosen sites, 0 otherwise) and ``gain`` (marginal demand weight).
    """
    if (k is None) == (target_share is None):
        raise InvalidInputError("give exactly one of k and target_share")
    if double and target_share is not None:
        raise InvalidInputError("double coverage is solved for k sites; give k, not target_share")
    if standard not in ("walk", "radius"):
        raise InvalidInputError(f"standard={standard!r} must be walk or radius")
    for col in ("lon", "lat"):
        for name, frame in (("candidates", candidates), ("demand", demand)):
            if col not in frame:
                raise InvalidInputError(f"{name} has no {col!r} column")
    if len(candidates) == 0:
        raise InvalidInputError("there are no candidate sites")
    w = demand["weight"].to_numpy(float) if "weight" in demand else np.ones(len(demand))
    existing, cost, limit = _existing_and_cost(
        candidates,
        demand,
        station_lon,
        station_lat,
        network=network,
        standard=standard,
        minutes=minutes,
        radius_m=radius_m,
        walk_speed_kmh=walk_speed_kmh,
    )
    if k is not None:
        result = max_coverage(
            cost,
            w,
            limit,
            k,
            existing=existing,
            method=method,
            double=double,
            time_limit_s=time_limit_s,
            solver=solver,
        )
    else:
        result = min_sites(
            cost,
            w,
            limit,
            float(cast(float, target_share)),  # set: k is None here
            existing=existing,
            method=method,
            time_limit_s=time_limit_s,
            solver=solver,
        )
    out = candidates.reset_index(drop=True).copy()
    out["order"] = 0
    out["gain"] = 0.0
    for rank, (j, g) in enumerate(zip(result.chosen, result.gains, strict=True), start=1):
        out.loc[j, "order"] = rank
        out.loc[j, "gain"] = g
    return result, out


def _existing_and_cost(
    candidates: pd.DataFrame,
    demand: pd.DataFrame,
    station_lon: ArrayLike,
    station_lat: ArrayLike,
    *,
    network: object | None,
    standard: str,
    minutes: float,
    radius_m: float,
    walk_speed_kmh: float,
) -> tuple[IntArray, FloatArray, float]:
    """Existing stations covering each demand point (0, 1, 2+), the cost matrix and its limit."""
    from geo.coverage import StationSet, point_labels, station_labels, straight_counts

    dlon, dlat = demand["lon"].to_numpy(float), demand["lat"].to_numpy(float)
    slon = np.asarray(station_lon, dtype=float).reshape(-1)
    slat = np.asarray(station_lat, dtype=float).reshape(-1)
    if standard == "walk":
        from geo.network import StreetNetwork, walk_limit_m

        if not isinstance(network, StreetNetwork):
            raise InvalidInputError("the walk standard needs a street network")
        limit = walk_limit_m(minutes, walk_speed_kmh)
        s = StationSet.build(network, [str(i) for i in range(slon.size)], slon, slat)
        lab = station_labels(network, s, limit=limit, walk_speed_kmh=walk_speed_kmh)
        d1, _, d2, _ = point_labels(
            network, s, lab, network.snap(dlon, dlat), walk_speed_kmh=walk_speed_kmh
        )
        existing = (d1 <= limit).astype(np.int64) + (d2 <= limit).astype(np.int64)
        cost = cost_matrix(
            dlon,
            dlat,
            candidates["lon"],
            candidates["lat"],
            network=network,
            max_cost=limit,
            walk_speed_kmh=walk_speed_kmh,
        )
    else:
        limit = radius_m
        counts, _, _ = straight_counts(slon, slat, dlon, dlat, radius_m)
        existing = np.asarray(counts, dtype=np.int64)
        cost = cost_matrix(dlon, dlat, candidates["lon"], candidates["lat"], max_cost=limit)
    return existing, cost, float(limit)


def site_gains(
    candidates: pd.DataFrame,
    demand: pd.DataFrame,
    station_lon: ArrayLike,
    station_lat: ArrayLike,
    *,
    network: object | None = None,
    standard: Literal["walk", "radius"] = "walk",
    minutes: float = 15.0,
    radius_m: float = 1000.0,
    walk_speed_kmh: float = 4.8,
) -> FloatArray:
    """Demand weight each candidate site, opened alone, would newly cover.

    Existing stations are fixed: a demand point counts for a candidate when
    the candidate reaches it within the standard and no existing station
    does. This is the first greedy step of :func:`max_coverage` for every
    candidate at once (one cost matrix, one product), so ranking many
    proposals costs one :func:`cost_matrix`.

    Parameters
    ----------
    candidates
        ``lon``, ``lat`` (WGS-84) of each candidate site.
    demand
        ``lon``, ``lat`` and optionally ``weight`` (default 1).
    station_lon, station_lat
        Existing open stations, WGS-84.
    network
        Walking network; needed for ``standard="walk"``.
    standard
        ``"walk"``: ``minutes`` on foot along streets; ``"radius"``:
        ``radius_m`` metres in a straight (geodesic) line.
    minutes, radius_m, walk_speed_kmh
        The limits of the standard.

    Returns
    -------
    numpy.ndarray
        One gain per candidate row, in demand weight.

    Examples
    --------
    >>> import pandas as pd
    >>> demand = pd.DataFrame({"lon": [24.94, 24.96], "lat": [60.17, 60.17], "weight": [2, 5]})
    >>> cands = pd.DataFrame({"lon": [24.9401, 24.9601], "lat": [60.17, 60.17]})
    >>> site_gains(cands, demand, [24.94], [60.1701], standard="radius").tolist()
    [0.0, 5.0]
    """
    if standard not in ("walk", "radius"):
        raise InvalidInputError(f"standard={standard!r} must be walk or radius")
    for col in ("lon", "lat"):
        for name, frame in (("candidates", candidates), ("demand", demand)):
            if col not in frame:
                raise InvalidInputError(f"{name} has no {col!r} column")
    if len(candidates) == 0:
        return np.zeros(0)
    w = demand["weight"].to_numpy(float) if "weight" in demand else np.ones(len(demand))
    if len(demand) == 0:
        return np.zeros(len(candidates))
    existing, cost, limit = _existing_and_cost(
        candidates,
        demand,
        station_lon,
        station_lat,
        network=network,
        standard=standard,
        minutes=minutes,
        radius_m=radius_m,
        walk_speed_kmh=walk_speed_kmh,
    )
    reach = (cost <= limit) & (existing == 0)[:, None]
    return np.asarray(w @ reach, dtype=np.float64)
