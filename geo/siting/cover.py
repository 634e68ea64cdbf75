"""Validated siting input: the 0/1 coverage matrix, weights and existing counts."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from numpy.typing import ArrayLike

from geo.errors import InvalidInputError
from geo.siting.result import METHODS, SOLVERS

__all__ = ["REL_TOL", "Cover", "check_options", "covered_weight", "read_cover"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

REL_TOL = 1e-9  # relative to the total weight: covered ≥ need − tol counts as reaching it



@dataclass(frozen=True, slots=True)
class Cover:
    """Validated input: coverage matrix (demand × candidate, 0/1 floats), its transpose, weights."""

    a: sp.csr_matrix
    at: sp.csr_matrix
    w: FloatArray
    ex: IntArray
    total: float
    tol: float


def check_options(method: str, solver: str, time_limit_s: float) -> None:
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


def read_cover(
    cost: ArrayLike | sp.spmatrix | sp.sparray,
    weights: ArrayLike,
    max_cost: float,
    existing: ArrayLike | None,
) -> Cover:
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
    tol = REL_TOL * total if total > 0 else 0.0
    return Cover(a, a.T.tocsr(), w, np.minimum(ex, 2), total, tol)


def covered_weight(counts: IntArray, w: FloatArray, level: int) -> float:
    return float(w[counts >= level].sum())
