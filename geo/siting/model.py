"""The integer programme of maximal covering and fewest sites, in matrix form."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from geo.siting.cover import Cover

__all__ = ["Model", "build_model", "merged_rows"]

log = logging.getLogger(__name__)
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Model:
    """min c·v, 0 ≤ v ≤ ub, integrality, lo ≤ A v ≤ hi; v = [x (useful candidates) | y (rows)]."""

    c: FloatArray
    integrality: IntArray
    ub: FloatArray
    a: sp.csr_matrix
    lo: FloatArray
    hi: FloatArray
    cols: IntArray  # candidate index of each x
    n_x: int


def merged_rows(cv: Cover, level: int) -> tuple[sp.csr_matrix, FloatArray, IntArray]:
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


def build_model(cv: Cover, level: int, *, k: int | None, need_new: float | None) -> Model:
    a, w, ex = merged_rows(cv, level)
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
    return Model(
        c=c,
        integrality=integrality,
        ub=np.ones(n + r),
        a=sp.vstack([link, extra], format="csr"),
        lo=np.concatenate([np.full(r, -np.inf), [lo_e]]),
        hi=np.concatenate([np.zeros(r), [hi_e]]),
        cols=useful.astype(np.int64),
        n_x=n,
    )
