"""A k-d tree over Earth-centred points, compiled: build, k nearest and ball search.

scipy's ``cKDTree`` was the index before; this one is written by hand because
the nearest search needs what it cannot give: (1) the tree order as the
index's own row order, so the exact refinement after the search
(:func:`geo._geodesic.refine`) reads neighbouring stations from neighbouring
memory; (2) dead rows (deleted stations waiting for a rebuild) skipped inside
the search rather than returned and asked for again; (3) a search that runs
in the caller's thread without the GIL, so a batch runs on the one thread
pool of :mod:`geo._parallel` (cKDTree's own threads and numba's OpenMP pool
slowed each other 2-3x when used one after the other). Measured against
cKDTree on the same points in ``bench/bench_nearest_growth.py``.

The tree is balanced: each node splits its points at the median of its
widest axis (Wirth's selection), down to leaves of at most :data:`LEAF_SIZE`
points; every node keeps its bounding box, and a search visits the nearer
child first and skips a node whose box is farther than the current k-th
candidate (or the distance bound).
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from numba import njit

__all__ = ["LEAF_SIZE", "KDTree"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

LEAF_SIZE = 12
"""Most points in a leaf (8-16 measured within 5 % of each other at 150,000 points)."""
_STACK = 128  # deeper than any balanced tree of 2**60 points needs


@njit(cache=True, nogil=True)
def _select(perm, lo, hi, kth, xyz, dim):  # type: ignore[no-untyped-def]
    """Reorder ``perm[lo:hi]`` so that ``perm[kth]`` holds the point whose ``dim`` coordinate
    would be there if sorted, with none larger before it and none smaller after it."""
    left, right = lo, hi - 1
    while right > left:
        a, b, c = xyz[perm[left], dim], xyz[perm[(left + right) // 2], dim], xyz[perm[right], dim]
        pivot = max(min(a, b), min(max(a, b), c))
        i, j = left, right
        while i <= j:
            while xyz[perm[i], dim] < pivot:
                i += 1
            while xyz[perm[j], dim] > pivot:
                j -= 1
            if i <= j:
                perm[i], perm[j] = perm[j], perm[i]
                i += 1
                j -= 1
        if kth <= j:
            right = j
        elif kth >= i:
            left = i
        else:
            break


@njit(cache=True, nogil=True)
def _build(xyz, leaf):  # type: ignore[no-untyped-def]
    n = xyz.shape[0]
    perm = np.arange(n)
    cap = 2 * (n // max(1, leaf // 2) + 1) + 1
    lo = np.empty(cap, np.int64)
    hi = np.empty(cap, np.int64)
    child = np.full(cap, -1, np.int64)  # left child; the right one is child + 1
    box = np.empty((cap, 6))
    lo[0], hi[0] = 0, n
    count = 1
    todo = np.empty(cap, np.int64)
    top = 0
    todo[0] = 0
    top = 1
    while top > 0:
        top -= 1
        node = todo[top]
        a, b = lo[node], hi[node]
        for d in range(3):
            box[node, d] = np.inf
            box[node, 3 + d] = -np.inf
        for r in range(a, b):
            for d in range(3):
                v = xyz[perm[r], d]
                box[node, d] = min(box[node, d], v)
                box[node, 3 + d] = max(box[node, 3 + d], v)
        if b - a <= leaf:
            continue
        dim = 0
        for d in range(1, 3):
            if box[node, 3 + d] - box[node, d] > box[node, 3 + dim] - box[node, dim]:
                dim = d
        mid = (a + b) // 2
        _select(perm, a, b, mid, xyz, dim)
        child[node] = count
        lo[count], hi[count] = a, mid
        lo[count + 1], hi[count + 1] = mid, b
        todo[top] = count
        todo[top + 1] = count + 1
        top += 2
        count += 2
    return perm, lo[:count].copy(), hi[:count].copy(), child[:count].copy(), box[:count].copy()


@njit(cache=True, nogil=True, inline="always")
def _box_d2(box, node, x, y, z):  # type: ignore[no-untyped-def]
    """Squared distance from a point to a node's bounding box (0 inside)."""
    dx = max(box[node, 0] - x, 0.0, x - box[node, 3])
    dy = max(box[node, 1] - y, 0.0, y - box[node, 4])
    dz = max(box[node, 2] - z, 0.0, z - box[node, 5])
    return dx * dx + dy * dy + dz * dz


@njit(cache=True, nogil=True, error_model="numpy")
def _knn(lo, hi, child, box, pts, live, q, m, bound, out_pos, out_d, out_xyz, keep, reach):  # type: ignore[no-untyped-def]
    stack_node = np.empty(_STACK, np.int64)
    stack_d2 = np.empty(_STACK)
    bound2 = bound * bound
    screened = live.size > 0  # an empty mask: every point counts (no read per point)
    # with keep, the candidates' coordinates too (for the exact refinement after the
    # search); else out_xyz is never written
    for i in range(q.shape[0]):
        x, y, z = q[i, 0], q[i, 1], q[i, 2]
        pos = out_pos[i]
        d2s = out_d[i]
        cnt = 0
        worst = bound2
        top = 0
        root = _box_d2(box, 0, x, y, z)
        if root <= worst:
            stack_node[0], stack_d2[0] = 0, root
            top = 1
        while top > 0:
            top -= 1
            node = stack_node[top]
            if stack_d2[top] > worst:
                continue
            c = child[node]
            if c < 0:
                for r in range(lo[node], hi[node]):
                    if screened and not live[r]:
                        continue
                    dx, dy, dz = pts[r, 0] - x, pts[r, 1] - y, pts[r, 2] - z
                    d2 = dx * dx + dy * dy + dz * dz
                    if d2 > worst:
                        continue
                    j = cnt if cnt < m else m - 1
                    while j > 0 and d2s[j - 1] > d2:
                        d2s[j], pos[j] = d2s[j - 1], pos[j - 1]
                        j -= 1
                    d2s[j], pos[j] = d2, r
                    if cnt < m:
                        cnt += 1
                    if cnt == m:
                        worst = min(bound2, d2s[m - 1])
                continue
            d_left = _box_d2(box, c, x, y, z)
            d_right = _box_d2(box, c + 1, x, y, z)
            near, far, d_near, d_far = c, c + 1, d_left, d_right
            if d_right < d_left:
                near, far, d_near, d_far = c + 1, c, d_right, d_left
            if d_far <= worst:
                stack_node[top], stack_d2[top] = far, d_far
                top += 1
            if d_near <= worst:
                stack_node[top], stack_d2[top] = near, d_near
                top += 1
        reach[i] = math.sqrt(d2s[m - 1]) if cnt == m else np.inf
        if keep:  # copied now, while the search has them in cache
            for j in range(cnt):
                r = pos[j]
                out_xyz[i, j, 0], out_xyz[i, j, 1], out_xyz[i, j, 2] = (
                    pts[r, 0],
                    pts[r, 1],
                    pts[r, 2],
                )
        for j in range(cnt):
            d2s[j] = math.sqrt(d2s[j])
        for j in range(cnt, m):
            pos[j] = -1
            d2s[j] = np.inf


@njit(cache=True, nogil=True, error_model="numpy")
def _ball(lo, hi, child, box, pts, live, x, y, z, radius, out):  # type: ignore[no-untyped-def]
    """Positions of the live points within ``radius`` of (x, y, z) into ``out``; their count
    (``out`` may be too small: the count is then larger than its size)."""
    stack = np.empty(_STACK, np.int64)
    every = live.size == 0
    r2 = radius * radius
    found = 0
    top = 0
    if _box_d2(box, 0, x, y, z) <= r2:
        stack[0] = 0
        top = 1
    while top > 0:
        top -= 1
        node = stack[top]
        c = child[node]
        if c < 0:
            for r in range(lo[node], hi[node]):
                dx, dy, dz = pts[r, 0] - x, pts[r, 1] - y, pts[r, 2] - z
                if (every or live[r]) and dx * dx + dy * dy + dz * dz <= r2:
                    if found < out.size:
                        out[found] = r
                    found += 1
            continue
        for nxt in (c, c + 1):
            if _box_d2(box, nxt, x, y, z) <= r2:
                stack[top] = nxt
                top += 1
    return found


@njit(cache=True, nogil=True, inline="always")
def _spread3(v):  # type: ignore[no-untyped-def]
    """The low 21 bits of ``v`` spread to every third bit of a 63-bit code."""
    v &= 0x1FFFFF
    v = (v | (v << 32)) & 0x1F00000000FFFF
    v = (v | (v << 16)) & 0x1F0000FF0000FF
    v = (v | (v << 8)) & 0x100F00F00F00F00F
    v = (v | (v << 4)) & 0x10C30C30C30C30C3
    return (v | (v << 2)) & 0x1249249249249249


@njit(cache=True, nogil=True, error_model="numpy")
def _morton(q, out):  # type: ignore[no-untyped-def]
    """Z-order codes of the rows of ``q`` on a 2**21 grid over their bounding cube."""
    lo = np.full(3, np.inf)
    hi = np.full(3, -np.inf)
    for i in range(q.shape[0]):
        for d in range(3):
            lo[d] = min(lo[d], q[i, d])
            hi[d] = max(hi[d], q[i, d])
    span = max(hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2])
    scale = (2**21 - 1) / span if span > 0 else 0.0
    for i in range(q.shape[0]):
        code = 0
        for d in range(3):
            code |= _spread3(np.int64((q[i, d] - lo[d]) * scale)) << d
        out[i] = code


class KDTree:
    """Points in a balanced k-d tree, searched in tree order.

    Parameters
    ----------
    xyz
        Points, shape ``(n, 3)``.

    Attributes
    ----------
    perm : numpy.ndarray
        Tree order: position ``p`` of every search answer is the input row
        ``perm[p]``. An owner that reorders its own rows by ``perm`` gets
        positions that are its rows.
    """

    def __init__(self, xyz: FloatArray) -> None:
        xyz = np.ascontiguousarray(xyz, dtype=float).reshape(-1, 3)
        if xyz.shape[0] == 0:
            self.perm = np.empty(0, np.int64)
            self.pts = np.empty((0, 3))
            self._nodes: tuple[IntArray, IntArray, IntArray, FloatArray] | None = None
            return
        perm, lo, hi, child, box = _build(xyz, LEAF_SIZE)
        self.perm = perm
        self.pts = np.ascontiguousarray(xyz[perm])
        self._nodes = (lo, hi, child, box)

    def __len__(self) -> int:
        return int(self.perm.size)

    def query(
        self, q: FloatArray, m: int, bound: float, live: BoolArray, *, coords: bool = False
    ) -> tuple[IntArray, FloatArray, FloatArray, FloatArray]:
        """The ``m`` nearest live points of each query row, nearest first.

        Parameters
        ----------
        q
            Query points, shape ``(nq, 3)``.
        m
            Points per query.
        bound
            Leave out points farther than this (``inf``: no limit).
        live
            Which positions count, in tree order.
        coords
            Also give the points' coordinates (read while the search has them in cache).

        Returns
        -------
        pos, dist, reach, xyz : numpy.ndarray
            Positions (``-1`` none) and distances (``inf``) of shape ``(nq, m)``;
            per query a distance no other live point within ``bound`` is closer
            than (``inf`` when fewer than ``m`` were found); with ``coords``, the
            points, shape ``(nq, m, 3)`` (unset where no point), else empty.
        """
        q = np.ascontiguousarray(q, dtype=float).reshape(-1, 3)
        nq = q.shape[0]
        pos = np.full((nq, m), -1, np.int64)
        dist = np.full((nq, m), np.inf)
        reach = np.full(nq, np.inf)
        xyz = np.empty((nq, m, 3) if coords else (0, m, 3))
        if self._nodes is not None and m > 0:
            _knn(*self._nodes, self.pts, live, q, m, float(bound), pos, dist, xyz, coords, reach)
        return pos, dist, reach, xyz

    def order(self, q: FloatArray) -> IntArray:
        """An order of the query rows ``q`` (shape ``(nq, 3)``) along a Z-order curve, so
        that a batch searched in it reads nearby nodes and points one after another."""
        q = np.ascontiguousarray(q, dtype=float).reshape(-1, 3)
        codes = np.empty(q.shape[0], np.int64)
        _morton(q, codes)
        return np.argsort(codes)

    def ball(self, point: FloatArray, radius: float, live: BoolArray) -> IntArray:
        """Positions of the live points within ``radius`` of ``point`` (shape ``(3,)``)."""
        if self._nodes is None:
            return np.empty(0, np.int64)
        x, y, z = (float(v) for v in point)
        out = np.empty(64, np.int64)
        found = _ball(*self._nodes, self.pts, live, x, y, z, float(radius), out)
        if found > out.size:
            out = np.empty(found, np.int64)
            _ball(*self._nodes, self.pts, live, x, y, z, float(radius), out)
        return out[:found]
