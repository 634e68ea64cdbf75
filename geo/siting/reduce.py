"""Exact maximal covering (single coverage) by reduction: bound every candidate, solve the rest.

The integer programme of :mod:`geo.siting.model` is slow to *prove* on some
instances (2,000 × 300 at k = 10: 10-20 s with CBC or HiGHS, nearly all in the
root's cut rounds), yet the optimum involves few candidates. This solver
proves the same optimum by excluding candidates first:

1. the linear relaxation (HiGHS) over the merged demand rows; its duals
   ``λ_i`` of ``y_i ≤ Σ_j a_ij x_j`` (clipped to ``[0, w_i]``) are the
   multipliers below;
2. an incumbent ``z``: the exact optimum over a short list (the ``3k``
   candidates with the largest relaxation values, and greedy's ``k``);
3. for each candidate ``j`` an upper bound ``U_j`` on the coverage of every
   set of at most ``k`` sites that contains ``j``. With ``j`` open, the rows
   ``R_j`` it covers count fully; the rest is maximal covering with ``k - 1``
   sites on the other rows, bounded by a relaxation of that residual problem:

   - *cheap* (all candidates, one matrix product): the Lagrangian bound
     ``W(R_j) + Σ_{i∉R_j} (w_i − λ_i)⁺ + (the k − 1 largest c_l, l ≠ j)``,
     ``c_l = Σ_{i∉R_j} a_il λ_i``;
   - *local* (candidates the cheap bound keeps): the rows ``N_j`` covered by
     any candidate that shares a row with ``j`` keep their constraints in a
     linear programme, and the rows outside ``N_j ∪ R_j`` are relaxed with
     the fixed ``λ`` (they add ``(w_i − λ_i)⁺`` and pay ``λ_i`` to each
     candidate covering them). Its optimum is the Lagrangian bound minimised
     over ``λ`` on ``N_j``, so never above the cheap one and never below the
     linear relaxation with ``j`` forced open.

   Both are valid for any ``λ ≥ 0``: each relaxes a relaxation of the
   problem with ``x_j = 1`` (the cheap one is the local one with ``N_j``
   empty). Local bounds are computed only where a threshold needs them, on
   every core (HiGHS releases the GIL);
4. thresholds ``t`` from the relaxation's optimum down to the incumbent
   (whole numbers when every weight is whole, so coverage is whole too; at
   most 12 of them): keep ``K(t) = {j : U_j ≥ t − margin}`` and solve the
   integer programme over ``K(t)`` exactly (HiGHS), which is fast while
   ``K(t)`` is small; the incumbent ``z`` takes its answer when better.
   Stop at the first ``t`` where ``z ≥ t − 1`` (whole weights) or ``z ≥ t``.

Why the answer is optimal: take any set ``S`` of at most ``k`` sites with
``value(S) ≥ t``. Every ``j`` in ``S`` has ``U_j ≥ value(S) ≥ t``, so ``S``
lies in ``K(t)`` and the programme over ``K(t)`` covers at least
``value(S)``; ``z`` is at least that. Every other set covers less than ``t``
(whole weights: at most ``t − 1``). So when ``z ≥ t − 1`` (whole weights) or
``z ≥ t``, no set covers more than ``z``: ``z`` is the optimum. The last
threshold is ``z + 1`` (whole weights) or ``z`` itself, where this always
holds. The margin (``1e-6`` of the total weight, or of 1) absorbs HiGHS's
tolerances in the bounds. If HiGHS stops at its time limit on ``K(t)``, the
answer is ``z`` with the bound ``max(t, HiGHS's dual bound)``, not proven.
Double coverage and :func:`~geo.siting.min_sites` keep the full programme.
"""

from __future__ import annotations

import logging
import math
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from geo._parallel import cores
from geo.siting.cover import Cover
from geo.siting.model import build_model, merged_rows
from geo.siting.solvers import highs

__all__ = ["Reduced", "cheap_bounds", "local_bound", "reduce_max_coverage"]

log = logging.getLogger(__name__)
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

_SHORTLIST = 3  # the incumbent's short list: SHORTLIST·k candidates
_MARGIN = 1e-6  # numerical margin of LP bounds, relative to max(1, total weight)
_STEPS = 12  # thresholds tried, at most, between the relaxation and the incumbent


@dataclass(frozen=True, slots=True)
class Reduced:
    """The answer of :func:`reduce_max_coverage`.

    Attributes
    ----------
    chosen
        Chosen candidates (columns of the cost matrix).
    value
        New demand weight they cover (rows not covered before).
    optimal
        Whether ``value`` is proven optimal.
    bound
        Upper bound on the new weight any ``k`` sites cover (``value`` when optimal).
    status
        ``optimal``, or the final programme's status.
    candidates, kept
        Candidates that reach uncovered demand, and how many the bounds kept.
    root_bound
        Optimum of the linear relaxation.
    """

    chosen: IntArray
    value: float
    optimal: bool
    bound: float
    status: str
    candidates: int
    kept: int
    root_bound: float


def _relaxation(a: sp.csr_matrix, w: FloatArray, k: int) -> tuple[float, FloatArray, FloatArray]:
    """Linear relaxation: (optimum, x, multipliers λ of the coverage rows clipped to [0, w])."""
    r, n = a.shape
    link = sp.hstack([-a, sp.identity(r, format="csr")], format="csr")
    card = sp.csr_matrix(np.concatenate([np.ones(n), np.zeros(r)]).reshape(1, -1))
    res = linprog(
        np.concatenate([np.zeros(n), -w]),
        A_ub=sp.vstack([link, card], format="csr"),
        b_ub=np.concatenate([np.zeros(r), [float(k)]]),
        bounds=(0, 1),
        method="highs",
    )
    if res.status != 0 or res.x is None or res.fun is None:  # pragma: no cover - never
        return float(w.sum()), np.zeros(n), np.asarray(w, dtype=np.float64)
    lam = np.clip(-np.asarray(res.ineqlin.marginals[:r], dtype=np.float64), 0.0, w)
    return float(-res.fun), np.asarray(res.x[:n], dtype=np.float64), lam


def cheap_bounds(a: sp.csr_matrix, w: FloatArray, lam: FloatArray, k: int) -> FloatArray:
    """Lagrangian bound of every set of ``≤ k`` sites containing each candidate (see module).

    Parameters
    ----------
    a
        Demand × candidate 0/1 coverage (rows still to cover).
    w
        Row weights.
    lam
        Multipliers, ``≥ 0``.
    k
        Sites, ``≥ 1``.

    Returns
    -------
    numpy.ndarray
        ``U_j`` for each column.
    """
    at = a.T.tocsr()
    n = a.shape[1]
    p = np.maximum(w - lam, 0.0)
    c = at @ lam
    shared = (at @ sp.diags(lam) @ a).toarray()  # shared[l, j] = Σ_{i ∈ R_j} a_il λ_i
    rest = c[:, None] - shared  # column j: every c_l once j's rows are covered
    np.fill_diagonal(rest, -np.inf)
    m = min(k - 1, n - 1)
    top = (
        -np.partition(-rest, m - 1, axis=0)[:m].sum(axis=0) if m > 0 else np.zeros(n)
    )  # the m largest of each column (all ≥ 0, so taking m is best)
    return np.asarray(at @ w + p.sum() - at @ p + top, dtype=np.float64)


def local_bound(
    a: sp.csr_matrix, at: sp.csr_matrix, w: FloatArray, lam: FloatArray, k: int, j: int
) -> float:
    """The local bound of candidate ``j`` (see module): a small linear programme.

    Parameters
    ----------
    a, at
        Coverage (rows × candidates) and its transpose, CSR.
    w, lam
        Row weights and multipliers ``≥ 0``.
    k
        Sites, ``≥ 1``.
    j
        The candidate forced open.

    Returns
    -------
    float
        An upper bound on the coverage of every set of ``≤ k`` sites containing ``j``.
    """
    r, n = a.shape
    rows_j = at.indices[at.indptr[j] : at.indptr[j + 1]]
    near = np.unique(a[rows_j].indices)
    in_n = np.zeros(r, dtype=bool)
    in_n[at[near].indices] = True
    in_n[rows_j] = False
    outside = ~in_n
    outside[rows_j] = False
    rows_n = np.flatnonzero(in_n)
    const = float(w[rows_j].sum() + np.maximum(w - lam, 0.0)[outside].sum())
    profit = at @ (lam * outside)
    sub = a[rows_n].tocsc()
    others = np.arange(n) != j
    touch = (np.diff(sub.indptr) > 0) & others
    # Candidates touching no kept row only bring their profit: the k - 1 best are enough.
    alone = np.flatnonzero(~touch & others)
    alone = alone[np.argsort(-profit[alone], kind="stable")[: k - 1]]
    cols = np.sort(np.concatenate([np.flatnonzero(touch), alone]))
    if cols.size == 0 or k == 1:
        return const
    sub = sub[:, cols]
    rr, nn = rows_n.size, cols.size
    mat = sp.vstack(
        [
            sp.hstack([-sub, sp.identity(rr, format="csc")]),
            sp.csr_matrix(np.concatenate([np.ones(nn), np.zeros(rr)]).reshape(1, -1)),
        ],
        format="csr",
    )
    res = milp(
        -np.concatenate([profit[cols], w[rows_n]]),
        bounds=Bounds(0, 1),
        constraints=LinearConstraint(mat, -np.inf, np.concatenate([np.zeros(rr), [k - 1.0]])),
        options={"presolve": False},  # twice as fast on these small programmes
    )
    if res.status != 0 or res.fun is None:  # pragma: no cover - always feasible and bounded
        return float(w.sum())
    return const - float(res.fun)


def _best_of(
    a: sp.csr_matrix, w: FloatArray, cols: IntArray, k: int, time_limit_s: float
) -> tuple[IntArray, float, float, bool, str]:
    """Best ``≤ k`` of ``cols`` (HiGHS): (chosen columns, value, upper bound, optimal, status)."""
    sub = a[:, cols].tocsr()
    rows = np.flatnonzero(np.diff(sub.indptr) > 0)
    sub, sw = sub[rows], w[rows]
    cover = Cover(sub, sub.T.tocsr(), sw, np.zeros(rows.size, dtype=np.int64), 0.0, 0.0)
    model = build_model(cover, 1, k=k, need_new=None)
    ans = highs(model, time_limit_s)
    chosen = cols[model.cols[ans.x[: model.n_x] > 0.5]]
    value = _value(a, w, chosen)
    bound = -ans.bound if ans.bound is not None else float(sw.sum())
    return chosen, value, max(bound, value), ans.optimal, ans.status


def _value(a: sp.csr_matrix, w: FloatArray, chosen: IntArray) -> float:
    if chosen.size == 0:
        return 0.0
    return float(w[np.asarray(a[:, chosen].sum(axis=1)).reshape(-1) > 0].sum())


def _greedy(a: sp.csr_matrix, w: FloatArray, k: int) -> IntArray:
    at = a.T.tocsr()
    gain = np.asarray(at @ w, dtype=np.float64)
    covered = np.zeros(a.shape[0], dtype=bool)
    out: list[int] = []
    for _ in range(k):
        j = int(np.argmax(gain))
        if gain[j] <= 0:
            break
        out.append(j)
        rows = at.indices[at.indptr[j] : at.indptr[j + 1]]
        new = rows[~covered[rows]]
        covered[new] = True
        gain -= at[:, new] @ w[new] if new.size else 0.0
        gain[out] = -np.inf
    return np.asarray(out, dtype=np.int64)


def _workers() -> int:
    return min(cores(), 4)


def _thresholds(root: float, z: float, step: float) -> list[float]:
    """Descending thresholds from the relaxation's optimum to the incumbent (see module)."""
    if step:  # whole weights: whole thresholds, at most _STEPS of them
        hi, lo = math.floor(root + 1e-9), round(z) + 1
        stride = max(1, math.ceil((hi - lo + 1) / _STEPS))
        out = [float(t) for t in range(hi, lo - 1, -stride)]
        return out if out and out[-1] == lo else [*out, float(lo)]
    return [z + (root - z) * (_STEPS - i) / _STEPS for i in range(_STEPS + 1)]


def reduce_max_coverage(cv: Cover, k: int, time_limit_s: float) -> Reduced:
    """The ``≤ k`` sites covering the most new demand (single coverage), proven as the module says.

    Parameters
    ----------
    cv
        Validated input; rows with ``cv.ex >= 1`` are covered already.
    k
        Sites to open, ``≥ 1``.
    time_limit_s
        Time limit of the integer programmes, seconds.

    Returns
    -------
    Reduced
        Chosen candidates, their new coverage, whether proven, bound and counts.
    """
    start = time.perf_counter()
    a, w, _ = merged_rows(cv, 1)
    useful = np.flatnonzero(np.diff(a.tocsc().indptr) > 0).astype(np.int64)
    a = a[:, useful].tocsr()
    n, total = useful.size, float(w.sum())
    if n <= k:
        return Reduced(useful, total, True, total, "optimal", n, n, total)
    margin = _MARGIN * max(1.0, total)
    step = 1.0 if np.array_equal(w, np.round(w)) else 0.0

    def left() -> float:
        return max(time_limit_s - (time.perf_counter() - start), 1e-3)

    root, x, lam = _relaxation(a, w, k)
    order = np.argsort(-x, kind="stable")[: _SHORTLIST * k]
    short = np.unique(np.concatenate([order, _greedy(a, w, k)])).astype(np.int64)
    best, z, _, _, _ = _best_of(a, w, short, k, left())

    def done(chosen: IntArray, value: float, bound: float, kept: int, ok: bool, st: str) -> Reduced:
        log.debug(
            "reduce: %d candidates, %d kept, relaxation %.6g, optimum %.6g, %.3f s",
            n,
            kept,
            root,
            value,
            time.perf_counter() - start,
        )
        return Reduced(useful[chosen], value, ok, bound, st, n, kept, root)

    if root < z + step - margin:
        return done(best, z, z, 0, True, "optimal")
    bounds = cheap_bounds(a, w, lam, k)
    local = np.zeros(n, dtype=bool)
    at = a.T.tocsr()
    for t in _thresholds(root, z, step):
        todo = np.flatnonzero((bounds >= t - margin) & ~local)
        # HiGHS releases the GIL: the small programmes run on every core.
        with ThreadPoolExecutor(_workers()) as pool:
            sharper = list(pool.map(lambda j: local_bound(a, at, w, lam, k, int(j)), todo))
        bounds[todo] = np.minimum(bounds[todo], np.asarray(sharper, dtype=np.float64))
        local[todo] = True
        keep = np.flatnonzero(bounds >= t - margin).astype(np.int64)
        if keep.size == 0:
            v, chosen, optimal, status, mip_bound = 0.0, best, True, "optimal", 0.0
        else:
            chosen, v, mip_bound, optimal, status = _best_of(a, w, keep, k, left())
        if v > z:
            best, z = chosen, v
        # Sets outside `keep` cover less than t (whole weights: at most t - 1).
        if not optimal:
            return done(best, z, max(mip_bound, t), int(keep.size), False, status)
        if z >= t - step - margin:
            return done(best, z, z, int(keep.size), True, "optimal")
    return done(best, z, z, 0, True, "optimal")  # pragma: no cover - the last threshold succeeds
