"""Street-graph plumbing shared by the coverage searches: entries of snapped points, checks."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from numpy.typing import ArrayLike

from geo.errors import InvalidInputError
from geo.network import Snapped, StreetNetwork

__all__ = ["augmented", "check_active", "check_positive", "connector_cost", "segment_entries"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]


def connector_cost(net: StreetNetwork, offset_m: FloatArray, speed_kmh: float) -> FloatArray:
    # The leg from a point to the street is walked, in the network's cost unit.
    return offset_m if net.mode == "walk" else offset_m / (speed_kmh / 3.6)


def check_positive(**values: float) -> None:
    """Raise naming the argument when a limit or speed is not a positive number."""
    for name, value in values.items():
        if not (isinstance(value, int | float | np.number) and float(value) > 0):
            raise InvalidInputError(f"{name}={value!r} must be a number > 0")


def check_active(active: ArrayLike | None, n: int) -> npt.NDArray[np.bool_]:
    if active is None:
        return np.ones(n, dtype=bool)
    a = np.asarray(active)
    if a.dtype != np.bool_ or a.shape != (n,):
        raise InvalidInputError(
            f"active must be a boolean mask with one entry per station ({n}); "
            f"got dtype {a.dtype} and shape {a.shape}"
        )
    return a


def _stack_rows(
    data: FloatArray,
    indices: npt.NDArray[np.integer[Any]],
    indptr: npt.NDArray[np.integer[Any]],
    rows: IntArray,
    cols: IntArray,
    vals: FloatArray,
    size: int,
) -> sp.csr_matrix:
    """A square ``size`` CSR: the given CSR rows on top, then rows built from (rows, cols, vals).

    Built from the arrays directly: no re-sorting of the big matrix and no
    per-call overhead of ``scipy.sparse.vstack`` (which dominates on small graphs).
    """
    n_bottom = size - (indptr.size - 1)
    order = np.argsort(rows, kind="stable")
    counts = np.bincount(rows, minlength=n_bottom)
    nnz = int(indptr[-1]) + rows.size
    idx = np.int32 if max(size, nnz) < np.iinfo(np.int32).max else np.int64
    new_indptr = np.concatenate(
        [indptr.astype(idx), int(indptr[-1]) + np.cumsum(counts, dtype=idx)]
    )
    return sp.csr_matrix(
        (
            np.concatenate([data, vals[order]]),
            np.concatenate([indices.astype(idx, copy=False), cols[order].astype(idx)]),
            new_indptr,
        ),
        shape=(size, size),
    )


def segment_entries(
    net: StreetNetwork, snapped: Snapped, extra_cost: FloatArray, *, outward: bool
) -> tuple[IntArray, IntArray, FloatArray, sp.csr_matrix]:
    """Where each on-network point enters the street graph: both ends of its segment.

    Costs always run in travel direction: the point's ``extra_cost`` plus the
    part of the segment walked. ``outward=True``: the points are where travel
    starts (a walk from a query point), so a point on a one-way segment leaves
    it only towards ``v``. ``outward=False``: the points are destinations
    (stations that travellers go to) and the search runs on the reversed
    graph, so a station on a one-way segment is reached only from ``u``. On
    walking networks both are the same.

    Returns
    -------
    point, node, cost, graph
        One row per usable entry (point index, street node, cost), and the
        street graph in the direction of the search.
    """
    on = np.flatnonzero(snapped.on_network)
    e = snapped.edge[on]
    t = snapped.t[on]
    c = net.edge_cost[e]
    ow = net.edge_oneway[e]
    to_u = extra_cost[on] + t * c
    to_v = extra_cost[on] + (1 - t) * c
    if outward:
        # Against a one-way segment, unless the point sits on the end itself.
        to_u = np.where(ow & (t > 0), np.inf, to_u)  # walking back to u
    else:
        to_v = np.where(ow & (t < 1), np.inf, to_v)  # arriving from v
    point = np.concatenate([on, on])
    node = np.concatenate([net.edge_u[e], net.edge_v[e]])
    cost = np.concatenate([to_u, to_v])
    keep = np.isfinite(cost)
    graph = net.reversed_csr() if not outward and net.edge_oneway.any() else net.csr
    return point[keep], node[keep], cost[keep], graph


def augmented(
    net: StreetNetwork, snapped: Snapped, extra_cost: FloatArray, *, outward: bool
) -> tuple[sp.csr_matrix, IntArray]:
    """The graph plus one virtual node per on-network point, with edges to its segment's ends.

    Entries and directions as in :func:`segment_entries`.
    """
    point, node, cost, base = segment_entries(net, snapped, extra_cost, outward=outward)
    n = net.n_nodes
    on = np.flatnonzero(snapped.on_network)
    nodes = np.full(snapped.edge.size, -1, dtype=np.intp)
    nodes[on] = n + np.arange(on.size)
    # The street rows are the network's CSR as it is, widened; the virtual rows are
    # stacked below. No re-sorting of the big matrix.
    g = _stack_rows(base.data, base.indices, base.indptr, nodes[point] - n, node, cost, n + on.size)
    return g, nodes
