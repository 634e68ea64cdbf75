"""Nearest and second-nearest source of every node: compiled graph searches.

:func:`two_nearest` is the engine under :func:`geo.coverage.station_labels`.
It replaces two ``scipy.sparse.csgraph.dijkstra`` calls over an augmented
graph (measured on the 1M-node grid of ``bench/bench_coverage.py``: 0.56 s
against 0.2 s for this module), because the coverage target is set against
the per-station networkx way and scipy's Fibonacci-heap search could not meet
it. The two passes:

1. All sources at once in a bucket queue (sequential delta-stepping): every
   node gets the cost of its nearest source and which source it is. Exact for
   any bucket width: a node improved into the bucket being worked is worked
   again, and a bucket is left only when it is empty.
2. The second-nearest *distinct* source. The shortest path from any other
   source enters a node's Voronoi cell for the last time over a cell-boundary
   edge (or starts at a source connector inside the cell), so seeding each
   cell from its boundary edges and searching inside the cell only is exact.
   Cells are independent, so all of them are searched at once, in the same
   bucket queue, along edges that stay inside a cell; under a limit the ring
   of buckets usually holds every cost, so the seeds go in unsorted.

The bucket width is the shortest edge, but at least 1/16 of the mean edge
(on the São Paulo walking network nodes are then worked again now and then,
and both passes are faster: 1.95 ms to 1.3 ms for 300 stations, with the
other changes: integer widths, a power-of-two ring, one pass over the edge
costs for the checks and the width, entries set in the kernels).

Numba compiles these once and keeps them in its on-disk cache; ``nogil`` lets
service threads run searches side by side.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from numba import njit

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

__all__ = ["two_nearest"]

# Bucket width: the shortest edge (no node is worked twice unless an edge is
# shorter), but at least 1/4096 of the longest, so the ring of buckets stays small.
_MAX_SLOTS = 4096


@njit(cache=True, nogil=True)
def _bucket_search(indptr, indices, data, dist, lab, delta, pool, cell, limit, maxw):  # type: ignore[no-untyped-def]
    """Multi-source search from the finite entries of ``dist`` (labels in ``lab``), in place.

    With a non-empty ``cell``, a search only moves along edges whose two ends
    share ``cell`` (the second pass: each Voronoi cell on its own, all cells
    in one queue) and keeps costs ``<= limit``. Returns False when ``pool``
    entries ran out (only possible when nodes are worked more than once); the
    caller retries with a larger pool. ``maxw`` is the longest edge.
    """
    restrict = cell.size > 0
    inv = 1.0 / delta
    seeds = np.flatnonzero(dist < np.inf)
    if seeds.size == 0:
        return True
    base = np.inf
    for i in range(seeds.size):
        base = min(base, dist[seeds[i]])
    # Under a limit the ring can often hold every cost at once: then all seeds go
    # in unsorted. Otherwise it spans one edge, and seeds join in cost order.
    whole = limit < np.inf and (limit - base + maxw) * inv < 65536.0
    span = limit - base + maxw if whole else maxw
    nslot = 1
    while nslot < int(span * inv) + 2:
        nslot *= 2
    mask = nslot - 1
    head = np.full(nslot, -1, np.int32)
    nxt = np.empty(pool, np.int32)
    node = np.empty(pool, np.int32)
    top = 0
    live = 0
    k = 0
    cur = 0
    if whole:
        if seeds.size > pool:
            return False
        for i in range(seeds.size):
            v = seeds[i]
            t = int((dist[v] - base) * inv) & mask
            node[top] = v
            nxt[top] = head[t]
            head[t] = top
            top += 1
        live = seeds.size
        k = seeds.size
    else:
        seeds = seeds[np.argsort(dist[seeds], kind="mergesort")]
    while live > 0 or k < seeds.size:
        if live == 0:  # jump over empty buckets to the next seed
            cur = max(cur, int((dist[seeds[k]] - base) * inv))
        s = cur & mask
        # Seeds join when their bucket comes up: the ring spans one edge only.
        while k < seeds.size and int((dist[seeds[k]] - base) * inv) <= cur:
            if top == pool:
                return False
            node[top] = seeds[k]
            nxt[top] = head[s]
            head[s] = top
            top += 1
            live += 1
            k += 1
        while head[s] >= 0:
            e = head[s]
            head[s] = nxt[e]
            live -= 1
            u = node[e]
            du = dist[u]
            if int((du - base) * inv) != cur:
                continue  # improved since: worked in its lower bucket
            lu = lab[u]
            cu = cell[u] if restrict else 0
            for j in range(indptr[u], indptr[u + 1]):
                v = indices[j]
                nd = du + data[j]
                if nd < dist[v]:
                    if restrict and (cell[v] != cu or nd > limit):
                        continue
                    dist[v] = nd
                    lab[v] = lu
                    if top == pool:
                        return False
                    t = int((nd - base) * inv) & mask
                    node[top] = v
                    nxt[top] = head[t]
                    head[t] = top
                    top += 1
                    live += 1
        cur += 1
    return True


@njit(cache=True, nogil=True)
def _nearest(indptr, indices, data, dist, lab, delta, pool):  # type: ignore[no-untyped-def]
    """Pass 1: the nearest source of every node (see :func:`_bucket_search`)."""
    maxw = 0.0
    for j in range(data.size):
        maxw = max(maxw, data[j])
    return _bucket_search(
        indptr, indices, data, dist, lab, delta, pool, np.empty(0, np.int64), np.inf, maxw
    )


@njit(cache=True, nogil=True)
def _second_seeds(indptr, indices, data, d1, l1, seed_node, seed_cost, seed_lab, limit):  # type: ignore[no-untyped-def]
    """Where pass 2 starts: each cell's entries, cheapest per node.

    Other sources' connectors inside a cell, and every boundary edge into it
    (the far end's nearest source and cost, plus the edge).
    """
    n = d1.size
    d2 = np.full(n, np.inf)
    l2 = np.full(n, -1, np.int64)
    for i in range(seed_node.size):
        u = seed_node[i]
        c = seed_cost[i]
        if seed_lab[i] != l1[u] and c <= limit and c < d2[u]:
            d2[u] = c
            l2[u] = seed_lab[i]
    for a in range(n):
        la = l1[a]
        if la < 0:
            continue
        da = d1[a]
        for j in range(indptr[a], indptr[a + 1]):
            b = indices[j]
            if l1[b] != la:
                c = da + data[j]
                if c <= limit and c < d2[b]:
                    d2[b] = c
                    l2[b] = la
    return d2, l2


@njit(cache=True, nogil=True)
def _edge_stats(data):  # type: ignore[no-untyped-def]
    """(all finite and >= 0, bucket width, longest edge) of the edge costs, in one pass."""
    ok = True
    lo = np.inf
    hi = 0.0
    total = 0.0
    for j in range(data.size):
        x = data[j]
        if not (x >= 0.0 and x < np.inf):
            ok = False
        elif x > 0.0:
            lo = min(lo, x)
            hi = max(hi, x)
            total += x
    if hi == 0.0:
        return ok, 1.0, 0.0
    # The shortest edge (no node is worked twice unless an edge is shorter), but at
    # least 1/16 of the mean edge (fewer, fuller buckets; measured best on streets)
    # and 1/4096 of the longest, so the ring of buckets stays small.
    return ok, max(lo, total / data.size / 16.0, hi / _MAX_SLOTS), hi


@njit(cache=True, nogil=True)
def _start(n, seed_node, seed_cost, seed_label):  # type: ignore[no-untyped-def]
    """Each node's cheapest entry (ties: the first given); inf and -1 elsewhere."""
    dist = np.full(n, np.inf)
    lab = np.full(n, -1, np.int64)
    for i in range(seed_node.size):
        u = seed_node[i]
        if seed_cost[i] < dist[u]:
            dist[u] = seed_cost[i]
            lab[u] = seed_label[i]
    return dist, lab


def two_nearest(
    indptr: npt.NDArray[np.integer],
    indices: npt.NDArray[np.integer],
    data: FloatArray,
    seed_node: IntArray,
    seed_cost: FloatArray,
    seed_label: IntArray,
    limit: float = np.inf,
) -> tuple[FloatArray, IntArray, FloatArray, IntArray]:
    """Nearest and second-nearest distinct source of every node of a CSR graph.

    Parameters
    ----------
    indptr, indices, data
        The graph as CSR arrays; ``data`` holds edge costs (finite, >= 0) in
        the direction of the search: from the sources outwards.
    seed_node, seed_cost, seed_label
        Where each source enters the graph: at node ``seed_node[i]`` with
        cost ``seed_cost[i]`` (its connector), as source ``seed_label[i]`` (>= 0).
        A source may enter at several nodes.
    limit
        The second-nearest is computed up to this cost (inf beyond); the
        nearest always in full.

    Returns
    -------
    d1, l1, d2, l2
        Per node: cost and label of the nearest source, then of the nearest
        *other* source; inf and -1 where none.
    """
    n = indptr.size - 1
    indptr = np.ascontiguousarray(indptr)
    indices = np.ascontiguousarray(indices)
    data = np.ascontiguousarray(data, dtype=np.float64)
    seed_node = np.ascontiguousarray(seed_node, dtype=np.int64)
    seed_cost = np.ascontiguousarray(seed_cost, dtype=np.float64)
    seed_label = np.ascontiguousarray(seed_label, dtype=np.int64)
    ok, delta, maxw = _edge_stats(data)
    if not ok:
        raise ValueError("edge costs must be finite and >= 0")
    lim = float(limit)
    none = np.empty(0, np.int64)
    pool = indices.size + seed_node.size + 1
    while True:
        dist, lab = _start(n, seed_node, seed_cost, seed_label)
        if _bucket_search(indptr, indices, data, dist, lab, delta, pool, none, np.inf, maxw):
            break
        pool *= 2  # nodes were worked more than once (edges shorter than delta)
    pool = indices.size + n + 1
    while True:
        d2, l2 = _second_seeds(
            indptr, indices, data, dist, lab, seed_node, seed_cost, seed_label, lim
        )
        if _bucket_search(indptr, indices, data, d2, l2, delta, pool, lab, lim, maxw):
            break
        pool *= 2
    return dist, lab.astype(np.intp, copy=False), d2, l2.astype(np.intp, copy=False)
