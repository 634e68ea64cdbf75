"""Spatial index of station points: a thin wrapper over two rtree indexes.

Nearest and radius queries run on 3-D unit-sphere vectors, where straight
chord distance ranks points exactly as great-circle distance does, at any
latitude and across the antimeridian. Bounding-box queries run on a 2-D
lon/lat index. Items are integer keys (the registry's row ids); the index
never knows station ids or attributes.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import numpy.typing as npt
from numpy.typing import ArrayLike
from rtree import index as rtree_index

__all__ = ["EARTH_RADIUS_M", "SpatialIndex", "chord_to_metres", "metres_to_chord", "unit_vectors"]

EARTH_RADIUS_M = 6_371_008.8
"""Mean Earth radius (IUGG), used only to turn metres into chord lengths for candidate search."""

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


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


def _props(dim: int) -> rtree_index.Property:
    p = rtree_index.Property()
    p.dimension = dim
    return p


class SpatialIndex:
    """Points keyed by integers, queryable by nearest, ball and bounding box.

    Parameters
    ----------
    keys, lon, lat
        Initial points, bulk-loaded (much faster than inserting one by one).

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
        self._count = int(k.size)
        if k.size:
            v = unit_vectors(x, y)
            self._sphere = rtree_index.Index(
                ((int(i), (*p, *p), None) for i, p in zip(k, v, strict=True)),
                properties=_props(3),
            )
            self._plane = rtree_index.Index(
                ((int(i), (a, b, a, b), None) for i, a, b in zip(k, x, y, strict=True)),
                properties=_props(2),
            )
        else:
            self._sphere = rtree_index.Index(properties=_props(3))
            self._plane = rtree_index.Index(properties=_props(2))

    def __len__(self) -> int:
        return self._count

    def insert(self, key: int, lon: float, lat: float) -> None:
        """Add one point."""
        v = unit_vectors(lon, lat)[0]
        self._sphere.insert(int(key), (*v, *v))
        self._plane.insert(int(key), (lon, lat, lon, lat))
        self._count += 1

    def delete(self, key: int, lon: float, lat: float) -> None:
        """Remove one point; ``lon``/``lat`` must be the ones it was inserted with."""
        v = unit_vectors(lon, lat)[0]
        self._sphere.delete(int(key), (*v, *v))
        self._plane.delete(int(key), (lon, lat, lon, lat))
        self._count -= 1

    def nearest(
        self, lon: ArrayLike, lat: ArrayLike, *, n: int
    ) -> tuple[list[IntArray], FloatArray]:
        """The ``n`` nearest keys of each query point, by chord (great-circle) order.

        Returns
        -------
        keys : list of numpy.ndarray
            One array of keys per query point (ties at the n-th may add more).
        reach_m : numpy.ndarray
            Mean-sphere distance of the farthest returned key of each point,
            ``inf`` when the index holds no more than ``n`` points.
        """
        q = unit_vectors(lon, lat)
        if self._count == 0 or q.shape[0] == 0:
            return [np.empty(0, np.int64) for _ in range(q.shape[0])], np.full(q.shape[0], np.inf)
        ids, counts, dists = self._sphere.nearest_v(q, q, num_results=int(n), return_max_dists=True)
        rows = np.split(np.asarray(ids, dtype=np.int64), np.cumsum(counts)[:-1])
        reach = chord_to_metres(dists)
        reach[np.asarray(counts) >= self._count] = np.inf
        return rows, reach

    def ball(self, lon: float, lat: float, radius_m: float) -> IntArray:
        """Keys whose mean-sphere distance from the point may be within ``radius_m``.

        A superset: the cube around the chord ball; callers refine with exact distances.
        """
        v = unit_vectors(lon, lat)[0]
        c = float(metres_to_chord(radius_m))
        return np.fromiter(self._sphere.intersection((*(v - c), *(v + c))), dtype=np.int64)

    def bbox(self, west: float, south: float, east: float, north: float) -> IntArray:
        """Keys inside a lon/lat box; ``west > east`` means the box crosses the antimeridian."""
        if west <= east:
            parts = [(west, south, east, north)]
        else:
            parts = [(west, south, 180.0, north), (-180.0, south, east, north)]
        found: list[int] = []
        for p in parts:
            found.extend(self._plane.intersection(p))
        return np.unique(np.asarray(found, dtype=np.int64))

    def items(self) -> Iterator[tuple[int, float, float]]:
        """Every ``(key, lon, lat)`` held, in no set order (for consistency checks)."""
        for item in self._plane.intersection((-1e9, -1e9, 1e9, 1e9), objects=True):
            b = item.bbox
            yield int(item.id), float(b[0]), float(b[1])
