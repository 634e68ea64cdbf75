"""Spatial index of station points: a k-d tree snapshot plus a small write buffer.

Points are held as Earth-centred coordinates on the WGS-84 ellipsoid, where
the straight chord between two points never exceeds their geodesic distance:
a k-d tree (scipy ``cKDTree``) ranks candidates by chord, and
:meth:`SpatialIndex.nearest_geodesic` solves exact ellipsoidal distances
(compiled Vincenty, pyproj for long or near-tie lines) only for the
candidates that could change the order. Items are integer keys (the
registry's row ids); the index never knows station ids or attributes.

Writes do not rebuild the tree: inserts go to a write buffer searched beside
it (in a second small tree) and deletes mark the tree's entry dead; the tree
is rebuilt when the buffer and the dead entries outgrow a share of it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
import numpy.typing as npt
import pyproj
from numpy.typing import ArrayLike
from scipy.spatial import cKDTree

from geo._geodesic import DONE, MARGIN_M, MORE, PARALLEL_FROM, REFERENCE, ecef, inverse, refine

__all__ = [
    "EARTH_RADIUS_M",
    "SpatialIndex",
    "chord_to_metres",
    "geodesic_inverse",
    "metres_to_chord",
    "unit_vectors",
]

geodesic_inverse = inverse
"""Geodesic distance (m) and forward azimuth (degrees) on WGS-84, equal to ``pyproj.Geod``'s:
the one distance function behind every answer (nearest, radius, and the PostGIS store's)."""

EARTH_RADIUS_M = 6_371_008.8
"""Mean Earth radius (IUGG), used only to turn metres into unit-sphere chords."""

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
KeyFilter = Callable[[IntArray], BoolArray]

_GEOD = pyproj.Geod(ellps="WGS84")
# The tree is rebuilt when buffered inserts plus dead entries exceed this share of it
# (or _MIN_REBUILD): a 150,000-point build is about 0.04 s, the buffer search stays small.
_REBUILD_SHARE = 1 / 32
_MIN_REBUILD = 256
# Candidates asked beyond k in the first round: one more suffices to prove most answers
# (its chord beats the k-th distance); with a filter, two, as some candidates are rejected.
# Queries not proven ask 4 times as many again. (Measured in alternation at 10k and 150k
# stations: k + 1 was 1.15-1.3x faster than k + 3 without a filter, k + 2 with 10 % rejected.)
_EXTRA, _EXTRA_FILTERED = 1, 2


def unit_vectors(lon: ArrayLike, lat: ArrayLike) -> FloatArray:
    """Points on the unit sphere, shape ``(n, 3)``, for lon/lat in degrees."""
    lam = np.radians(np.asarray(lon, dtype=float)).reshape(-1)
    phi = np.radians(np.asarray(lat, dtype=float)).reshape(-1)
    cphi = np.cos(phi)
    return np.column_stack([cphi * np.cos(lam), cphi * np.sin(lam), np.sin(phi)])


def metres_to_chord(d_m: ArrayLike) -> FloatArray:
    """Chord length on the unit sphere of a great-circle arc of ``d_m`` metres."""
    ang = np.minimum(np.asarray(d_m, dtype=float) / EARTH_RADIUS_M, np.pi)
    return np.asarray(2.0 * np.sin(ang / 2.0), dtype=float)


def chord_to_metres(chord: ArrayLike) -> FloatArray:
    """Great-circle arc in metres (mean sphere) of a unit-sphere chord."""
    c = np.clip(np.asarray(chord, dtype=float), 0.0, 2.0)
    return np.asarray(2.0 * EARTH_RADIUS_M * np.arcsin(c / 2.0), dtype=float)


def _reference(
    qx: FloatArray,
    qy: FloatArray,
    keys: IntArray,
    clon: FloatArray,
    clat: FloatArray,
    ok: BoolArray,
    reach: FloatArray,
    limit: float,
    k: int,
) -> tuple[npt.NDArray[np.int8], IntArray, FloatArray, FloatArray]:
    """The refinement of :func:`geo._geodesic.refine` ordered by ``pyproj.Geod`` on every candidate.

    For the rare queries with lines Vincenty is not trusted on, or near ties.
    The order is pyproj's; the metres reported are :func:`geo._geodesic.inverse`'s
    (pyproj's own on the lines Vincenty is not trusted on), as on every other query, so
    all answers, and the PostGIS backend's, come from one distance function.
    """
    nq = qx.size
    row, col = np.nonzero(ok)
    _, _, exact = _GEOD.inv(qx[row], qy[row], clon[row, col], clat[row, col])
    exact = np.asarray(exact, dtype=float)
    dist, az = inverse(qx[row], qy[row], clon[row, col], clat[row, col])
    keep = exact <= limit
    row, col, exact, dist, az = row[keep], col[keep], exact[keep], dist[keep], az[keep]
    key = keys[row, col]
    order = np.lexsort((key, exact, row))
    row, key, dist, az = row[order], key[order], dist[order], az[order]
    rank = np.arange(row.size) - np.searchsorted(row, row)
    top = rank < k
    out_key = np.full((nq, k), -1, np.int64)
    out_d = np.full((nq, k), np.inf)
    out_az = np.full((nq, k), np.nan)
    out_key[row[top], rank[top]] = key[top]
    out_d[row[top], rank[top]] = dist[top]
    out_az[row[top], rank[top]] = az[top]
    done = np.isinf(reach) | (reach > limit) | (reach > out_d[:, k - 1] + MARGIN_M)
    status = np.where(done, DONE, MORE).astype(np.int8)
    return status, out_key, out_d, out_az


class _Snapshot:
    """Points in one immutable k-d tree, with a live mask for deletes."""

    def __init__(self, keys: IntArray, lon: FloatArray, lat: FloatArray) -> None:
        order = np.argsort(keys, kind="stable")
        self.keys, self.lon, self.lat = keys[order], lon[order], lat[order]
        self.live = np.ones(self.keys.size, dtype=bool)
        self.tree = cKDTree(ecef(self.lon, self.lat)) if self.keys.size else None

    def position(self, key: int) -> int:
        """Row of a live ``key``, or -1."""
        i = int(np.searchsorted(self.keys, key))
        return i if i < self.keys.size and self.keys[i] == key and self.live[i] else -1

    def query(
        self, q: FloatArray, m: int, bound: float
    ) -> tuple[IntArray, FloatArray, FloatArray, FloatArray, BoolArray, FloatArray]:
        """``m`` nearest rows by chord: keys, lon, lat, chord, live, and the chord of any unseen."""
        n = self.keys.size
        if self.tree is None or m == 0:
            e = np.empty((q.shape[0], 0))
            return (e.astype(np.int64), e, e, e, e.astype(bool), np.full(q.shape[0], np.inf))
        m = min(m, n)
        workers = -1 if q.shape[0] >= PARALLEL_FROM else 1
        if np.isfinite(bound):
            chord, row = self.tree.query(q, k=m, distance_upper_bound=bound, workers=workers)
        else:
            chord, row = self.tree.query(q, k=m, workers=workers)
        chord = np.reshape(chord, (q.shape[0], m))
        row = np.reshape(row, (q.shape[0], m))
        missing = row >= n
        row = np.where(missing, 0, row)
        # a row that ran out of points within the bound has seen every point that could count
        reach = np.where(missing[:, -1] | (m >= n), np.inf, chord[:, -1])
        ok = self.live[row] & ~missing
        return self.keys[row], self.lon[row], self.lat[row], chord, ok, reach


class SpatialIndex:
    """Points keyed by integers, queryable by nearest, ball and bounding box.

    Parameters
    ----------
    keys, lon, lat
        Initial points, bulk-loaded.

    Examples
    --------
    >>> ix = SpatialIndex([1, 2], [0.0, 10.0], [0.0, 0.0])
    >>> ix.bbox(-1, -1, 1, 1).tolist()
    [1]
    >>> len(ix)
    2
    """

    def __init__(
        self,
        keys: ArrayLike = (),
        lon: ArrayLike = (),
        lat: ArrayLike = (),
    ) -> None:
        k = np.asarray(keys, dtype=np.int64).reshape(-1)
        x = np.asarray(lon, dtype=float).reshape(-1)
        y = np.asarray(lat, dtype=float).reshape(-1)
        self._main = _Snapshot(k, x, y)
        self._dead = 0
        self._buffer: dict[int, tuple[float, float]] = {}
        self._buffered: _Snapshot | None = None
        self.rebuilds = 0
        """How many times writes rebuilt the tree (it is not rebuilt on every write)."""

    def __len__(self) -> int:
        return self._main.keys.size - self._dead + len(self._buffer)

    # -- writes ----------------------------------------------------------
    def insert(self, key: int, lon: float, lat: float) -> None:
        """Add one point (to the write buffer)."""
        self._buffer[int(key)] = (float(lon), float(lat))
        self._buffered = None
        self._maybe_rebuild()

    def delete(self, key: int, lon: float, lat: float) -> None:
        """Remove one point; ``lon``/``lat`` must be the ones it was inserted with."""
        key = int(key)
        if self._buffer.get(key) == (float(lon), float(lat)):
            del self._buffer[key]
            self._buffered = None
            return
        i = self._main.position(key)
        if i < 0 or (self._main.lon[i], self._main.lat[i]) != (float(lon), float(lat)):
            raise KeyError(f"no point {key} at ({lon}, {lat}) in the index")
        self._main.live[i] = False
        self._dead += 1
        self._maybe_rebuild()

    def _maybe_rebuild(self) -> None:
        if len(self._buffer) + self._dead > max(
            _MIN_REBUILD, _REBUILD_SHARE * self._main.keys.size
        ):
            self._main = _Snapshot(*self._arrays())
            self._dead = 0
            self._buffer.clear()
            self._buffered = None
            self.rebuilds += 1

    def _arrays(self) -> tuple[IntArray, FloatArray, FloatArray]:
        live = self._main.live
        bk = np.fromiter(self._buffer, dtype=np.int64, count=len(self._buffer))
        bxy = np.array(list(self._buffer.values()), dtype=float).reshape(-1, 2)
        return (
            np.concatenate([self._main.keys[live], bk]),
            np.concatenate([self._main.lon[live], bxy[:, 0]]),
            np.concatenate([self._main.lat[live], bxy[:, 1]]),
        )

    def _parts(self) -> list[_Snapshot]:
        if not self._buffer:
            return [self._main]
        if self._buffered is None:
            k, xy = np.fromiter(self._buffer, dtype=np.int64), np.array(list(self._buffer.values()))
            self._buffered = _Snapshot(k, xy[:, 0], xy[:, 1])
        return [self._main, self._buffered]

    def _candidates(
        self, q: FloatArray, m: int, bound: float
    ) -> tuple[IntArray, FloatArray, FloatArray, FloatArray, BoolArray, FloatArray]:
        """The ``m`` nearest of the tree and of the buffer, merged in chord order."""
        found = [p.query(q, m, bound) for p in self._parts()]
        if len(found) == 1:
            return found[0]
        cols = [np.concatenate(c, axis=1) for c in zip(*(f[:5] for f in found), strict=True)]
        order = np.argsort(cols[3], axis=1, kind="stable")
        keys, lon, lat, chord, ok = (np.take_along_axis(c, order, axis=1) for c in cols)
        return keys, lon, lat, chord, ok, np.minimum(found[0][5], found[1][5])

    # -- queries ---------------------------------------------------------
    def nearest(
        self, lon: ArrayLike, lat: ArrayLike, *, n: int
    ) -> tuple[list[IntArray], FloatArray]:
        """The ``n`` nearest keys of each query point, by ellipsoid chord order.

        Returns
        -------
        keys : list of numpy.ndarray
            One array of keys per query point, nearest chord first.
        reach_m : numpy.ndarray
            A lower bound, in metres, of the geodesic distance of every key not
            returned (the chord of the farthest returned), ``inf`` when none is left.
        """
        q = ecef(lon, lat)
        keys, _, _, _chord, ok, reach = self._candidates(q, int(n) + self._dead, np.inf)
        rows = [keys[i][ok[i]][: int(n)] for i in range(q.shape[0])]
        return rows, reach

    def nearest_geodesic(
        self,
        lon: ArrayLike,
        lat: ArrayLike,
        *,
        k: int,
        accept: KeyFilter | None = None,
        max_dist_m: float | None = None,
    ) -> tuple[IntArray, FloatArray, FloatArray]:
        """The ``k`` nearest keys of each query point by geodesic distance on WGS-84, exactly.

        Parameters
        ----------
        lon, lat
            Query points, degrees WGS-84.
        k
            Keys per point.
        accept
            Which keys count: called with an array of keys, returns a mask.
        max_dist_m
            Leave out keys farther than this.

        Returns
        -------
        keys, distance_m, azimuth_deg : numpy.ndarray
            Shape ``(n, k)``, nearest first, ties by key; ``-1``, ``inf`` and
            ``nan`` where fewer than ``k`` keys qualify. Azimuths are forward,
            -180 to 180 degrees. Equal to a brute force with ``pyproj.Geod``.
        """
        qx = np.ascontiguousarray(lon, dtype=float).reshape(-1)
        qy = np.ascontiguousarray(lat, dtype=float).reshape(-1)
        q = ecef(qx, qy)
        nq = qx.size
        out_key = np.full((nq, k), -1, dtype=np.int64)
        out_d = np.full((nq, k), np.inf)
        out_az = np.full((nq, k), np.nan)
        limit = np.inf if max_dist_m is None else float(max_dist_m)
        todo = np.arange(nq)
        m = k + (_EXTRA if accept is None else _EXTRA_FILTERED)
        while todo.size:
            keys, clon, clat, chord, ok, reach = self._candidates(q[todo], m, limit)
            if accept is not None and ok.any():
                ok[ok] = accept(keys[ok])
            part = (
                np.empty((todo.size, k), np.int64),
                np.empty((todo.size, k)),
                np.empty((todo.size, k)),
            )
            status = np.empty(todo.size, np.int8)
            refine(qx[todo], qy[todo], keys, clon, clat, chord, ok, reach, limit, *part, status)
            ref = np.flatnonzero(status == REFERENCE)
            if ref.size:
                got = _reference(
                    qx[todo[ref]],
                    qy[todo[ref]],
                    keys[ref],
                    clon[ref],
                    clat[ref],
                    ok[ref],
                    reach[ref],
                    limit,
                    k,
                )
                status[ref] = got[0]
                for p, r in zip(part, got[1:], strict=True):
                    p[ref] = r
            done = status == DONE
            for out, p in zip((out_key, out_d, out_az), part, strict=True):
                out[todo[done]] = p[done]
            todo = todo[~done]
            m *= 4
        return out_key, out_d, out_az

    def ball(self, lon: float, lat: float, radius_m: float) -> IntArray:
        """Keys whose geodesic distance from the point may be within ``radius_m``.

        A superset (every key whose ellipsoid chord is within ``radius_m``);
        callers refine with exact distances.
        """
        q = ecef(lon, lat)[0]
        found = []
        for p in self._parts():
            if p.tree is not None:
                rows = np.asarray(p.tree.query_ball_point(q, float(radius_m)), dtype=np.int64)
                found.append(p.keys[rows[p.live[rows]]])
        return np.concatenate(found) if found else np.empty(0, np.int64)

    def bbox(self, west: float, south: float, east: float, north: float) -> IntArray:
        """Keys inside a lon/lat box; ``west > east`` means the box crosses the antimeridian."""
        keys, x, y = self._arrays()
        inside_x = (x >= west) & (x <= east) if west <= east else (x >= west) | (x <= east)
        return np.unique(keys[inside_x & (y >= south) & (y <= north)])

    def items(self) -> Iterator[tuple[int, float, float]]:
        """Every ``(key, lon, lat)`` held, in no set order (for consistency checks)."""
        keys, x, y = self._arrays()
        yield from zip(keys.tolist(), x.tolist(), y.tolist(), strict=True)
