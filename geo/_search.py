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
   Cells are independent, so each is searched on its own, with a small binary
   heap over memory that stays in cache.

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
def _nearest(indptr, indices, data, dist, lab, delta, pool):  # type: ignore[no-untyped-def]
    """Multi-source search from the finite entries of ``dist`` (labels in ``lab``), in place.

    Returns False when ``pool`` entries ran out (only possible when nodes are
    worked more than once); the caller retries with a larger pool.
    """
    maxw = 0.0
    for j in range(data.size):
        if data[j] > maxw:
            maxw = data[j]
    nslot = int(maxw / delta) + 2
    head = np.full(nslot, -1, np.int64)
    seeds = np.flatnonzero(dist < np.inf)
    if seeds.size == 0:
        return True
    seeds = seeds[np.argsort(dist[seeds], kind="mergesort")]
    base = dist[seeds[0]]
    nxt = np.empty(pool, np.int64)
    node = np.empty(pool, np.int32)
    top = 0
    live = 0
    k = 0
    cur = 0
    while live > 0 or k < seeds.size:
        if live == 0:  # jump over empty buckets to the next seed
            cur = max(cur, int((dist[seeds[k]] - base) / delta))
        s = cur % nslot
        # Seeds join when their bucket comes up: the ring spans one edge only.
        while k < seeds.size and int((dist[seeds[k]] - base) / delta) <= cur:
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
            if int((du - base) / delta) != cur:
                continue  # improved since: worked in its lower bucket
            lu = lab[u]
            for j in range(indptr[u], indptr[u + 1]):
                v = indices[j]
                nd = du + data[j]
                if nd < dist[v]:
                    dist[v] = nd
                    lab[v] = lu
                    if top == pool:
                        return False
                    t = int((nd - base) / delta) % nslot
                    node[top] = v
                    nxt[top] = head[t]
                    head[t] = top
                    top += 1
                    live += 1
        cur += 1
    return True


@njit(cache=True, inline="always")
def _push(keys, vals, size, key, val):  # type: ignore[no-untyped-def]
    i = size
    while i > 0:
        p = (i - 1) >> 1
        if keys[p] <= key:
            break
        keys[i] = keys[p]
        vals[i] = vals[p]
        i = p
    keys[i] = key
    vals[i] = val
    return size + 1


@njit(cache=True, inline="always")
def _pop(keys, vals, size):  # type: ignore[no-untyped-def]
    size -= 1
    key = keys[size]
    val = vals[size]
    i = 0
    while True:
        c = 2 * i + 1
        if c >= size:
            break
        if c + 1 < size and keys[c + 1] < keys[c]:
            c += 1
        if keys[c] >= key:
            break
        keys[i] = keys[c]
        vals[i] = vals[c]
        i = c
    keys[i] = key
    vals[i] = val
    return size


@njit(cache=True, nogil=True)
def _second(indptr, indices, data, d1, l1, seed_node, seed_cost, seed_lab, limit):  # type: ignore[no-untyped-def]
    """Cost (<= limit, else inf) and label of the second-nearest distinct source."""
    n = d1.size
    # Seeds of each cell: other sources' connectors inside it, and boundary edges into it.
    bound = seed_node.size + indices.size
    tgt = np.empty(bound, np.int32)
    cost = np.empty(bound)
    src = np.empty(bound, np.int64)
    m = 0
    for i in range(seed_node.size):
        u = seed_node[i]
        if seed_lab[i] != l1[u] and seed_cost[i] <= limit:
            tgt[m] = u
            cost[m] = seed_cost[i]
            src[m] = seed_lab[i]
            m += 1
    for a in range(n):
        la = l1[a]
        if la < 0:
            continue
        da = d1[a]
        for j in range(indptr[a], indptr[a + 1]):
            b = indices[j]
            if l1[b] != la:
                c = da + data[j]
                if c <= limit:
                    tgt[m] = b
                    cost[m] = c
                    src[m] = la
                    m += 1
    # Group the seeds by cell (a counting sort over the labels).
    n_cells = 0
    for i in range(n):
        if l1[i] >= n_cells:
            n_cells = l1[i] + 1
    start = np.zeros(n_cells + 1, np.int64)
    for i in range(m):
        start[l1[tgt[i]] + 1] += 1
    for c in range(n_cells):
        start[c + 1] += start[c]
    fill = start[:-1].copy()
    order = np.empty(m, np.int64)
    for i in range(m):
        c = l1[tgt[i]]
        order[fill[c]] = i
        fill[c] += 1
    d2 = np.full(n, np.inf)
    l2 = np.full(n, -1, np.int64)
    # Lazy-deletion heap: each node leaves it once at its final cost, so seeds
    # plus one push per edge bound it.
    keys = np.empty(m + indices.size + 1)
    vals = np.empty(m + indices.size + 1, np.int32)
    for c in range(n_cells):
        size = 0
        for i in range(start[c], start[c + 1]):
            k = order[i]
            v = tgt[k]
            if cost[k] < d2[v]:
                d2[v] = cost[k]
                l2[v] = src[k]
                size = _push(keys, vals, size, cost[k], v)
        while size > 0:
            du = keys[0]
            u = vals[0]
            size = _pop(keys, vals, size)
            if du > d2[u]:
                continue
            lu = l2[u]
            for j in range(indptr[u], indptr[u + 1]):
                v = indices[j]
                if l1[v] != c:
                    continue  # the search stays inside the cell
                nd = du + data[j]
                if nd < d2[v] and nd <= limit:
                    d2[v] = nd
                    l2[v] = lu
                    size = _push(keys, vals, size, nd, v)
    return d2, l2


def _bucket_width(data: FloatArray) -> float:
    positive = data[data > 0]
    if positive.size == 0:
        return 1.0
    return float(max(positive.min(), positive.max() / _MAX_SLOTS))


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
    d1 = np.full(n, np.inf)
    l1 = np.full(n, -1, dtype=np.int64)
    if not np.isfinite(data).all() or (data < 0).any():
        raise ValueError("edge costs must be finite and >= 0")
    keep = np.isfinite(seed_cost)
    seed_node, seed_cost, seed_label = seed_node[keep], seed_cost[keep], seed_label[keep]
    # Each node starts at its cheapest entry (ties: the first given).
    order = np.lexsort((seed_cost, seed_node))
    first = np.ones(order.size, dtype=bool)
    first[1:] = seed_node[order[1:]] != seed_node[order[:-1]]
    pick = order[first]
    d1[seed_node[pick]] = seed_cost[pick]
    l1[seed_node[pick]] = seed_label[pick]
    delta = _bucket_width(data)
    pool = indices.size + seed_node.size + 1
    while True:
        dist, lab = d1.copy(), l1.copy()
        if _nearest(indptr, indices, data, dist, lab, delta, pool):
            break
        pool *= 2  # nodes were worked more than once (edges shorter than delta)
    d2, l2 = _second(indptr, indices, data, dist, lab, seed_node, seed_cost, seed_label, limit)
    return dist, lab.astype(np.intp), d2, l2.astype(np.intp)
