"""The embedded store's stations in memory: full records, attribute columns and the spatial index.

:class:`MemoryStations` is built from the table's rows in one pass and then
kept in step by every committed write (:meth:`MemoryStations.apply`); the
SQLite store rebuilds it when another process commits a station write. Every
answer of a spatial query (nearest, within, bounding box) then comes from
memory: no table is read on the request path.

Distances are geodesic on the WGS-84 ellipsoid, equal to ``pyproj.Geod``'s,
from one function (:func:`geo.spatial_index.geodesic_inverse`) for nearest
and radius answers alike; see :mod:`geo.spatial_index` for the exact search.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from geo.spatial_index import SpatialIndex, geodesic_inverse
from geo.stations.columns import StationColumns
from geo.stations.model import Change, StationFilter, row_to_station
from geo.types import Station

__all__ = ["MemoryStations"]

log = logging.getLogger(__name__)

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

# A write larger than this (and than the index) rebuilds the index in one bulk load.
_BULK_REBUILD = 5_000


class MemoryStations:
    """Every station of a table, held by row key, queryable without the database.

    Parameters
    ----------
    rows
        ``(pk, *STATION_FIELDS)`` rows, as ``SELECT pk, {STATION_COLUMNS}`` gives them.
    tz
        Time zone in which opening hours are read for ``open_at`` filters.
    """

    def __init__(self, rows: Sequence[tuple[Any, ...]], *, tz: str) -> None:
        self.tz = tz
        self.cols = StationColumns()
        self.records: dict[int, Station] = {}
        for r in rows:
            st = row_to_station(r[1:])
            self.cols.set(int(r[0]), st)
            self.records[int(r[0])] = st
        pks = np.array([int(r[0]) for r in rows], dtype=np.int64)
        self.index = SpatialIndex(pks, self.cols.lon[pks], self.cols.lat[pks])
        log.debug("%d stations in memory", len(rows))

    def __len__(self) -> int:
        return len(self.index)

    def apply(self, changes: Sequence[Change]) -> None:
        """After a commit: the same changes in the records, the columns and the index."""
        for op, pk, st in changes:
            if op == "del":
                self.cols.unset(pk)
                self.records.pop(pk, None)
            else:
                self.cols.set(pk, st)
                self.records[pk] = st
        if len(changes) > max(_BULK_REBUILD, len(self.index)):
            # A write as large as the store: one bulk load beats many buffered inserts.
            keys = self.live()
            self.index = SpatialIndex(keys, self.cols.lon[keys], self.cols.lat[keys])
            return
        for op, pk, st in changes:
            if op == "del":
                self.index.delete(pk, st.lon, st.lat)
            else:
                self.index.insert(pk, st.lon, st.lat)

    # -- reads ------------------------------------------------------------------
    def live(self, where: StationFilter | None = None) -> IntArray:
        """Row keys of the stations passing ``where`` (every station when None), ascending."""
        pks = np.flatnonzero(self.cols.live).astype(np.int64)
        return pks if where is None else pks[self.cols.passes(pks, where, self.tz)]

    def stations(self, pks: Sequence[int] | IntArray) -> list[Station]:
        """The records at row keys ``pks``, ordered by station id."""
        return sorted((self.records[int(p)] for p in pks), key=lambda s: s.id)

    def arrays(self, pks: IntArray) -> tuple[npt.NDArray[np.object_], FloatArray, FloatArray]:
        """Ids, lon and lat of the stations at ``pks``, ordered by id."""
        pks = pks[np.argsort(self.cols.ids[pks].astype(str), kind="stable")]
        return self.cols.ids[pks], self.cols.lon[pks].copy(), self.cols.lat[pks].copy()

    def items(self) -> Iterator[tuple[int, float, float]]:
        """Every ``(pk, lon, lat)`` the index holds (for consistency checks)."""
        return self.index.items()

    # -- spatial queries ----------------------------------------------------------
    def nearest(
        self,
        qx: FloatArray,
        qy: FloatArray,
        *,
        k: int,
        where: StationFilter,
        max_dist_m: float | None,
    ) -> tuple[npt.NDArray[np.object_], IntArray, FloatArray, FloatArray]:
        """The ``k`` nearest stations passing ``where`` of each WGS-84 point, exactly.

        Returns
        -------
        ids, pks, distance_m, bearing_deg : numpy.ndarray
            Shape ``(n, k)``, nearest first (ties by row key); ``""``, ``-1``,
            ``inf`` and ``nan`` where fewer than ``k`` stations qualify.
            Bearings are 0-360 degrees clockwise from north.
        """
        pks, dist, az = self.index.nearest_geodesic(
            qx,
            qy,
            k=k,
            accept=lambda keys: self.cols.passes(keys, where, self.tz),
            max_dist_m=max_dist_m,
        )
        ids = self.cols.ids[np.maximum(pks, 0)]  # an object array: no strings are made
        ids[pks < 0] = ""
        return ids, pks, dist, az + 360.0 * (az < 0)  # 0-360 (np.mod costs 5x as much)

    def within(
        self, x: float, y: float, radius_m: float, *, where: StationFilter
    ) -> tuple[IntArray, FloatArray, FloatArray]:
        """Row keys, distances (m) and bearings (0-360°) of the stations passing ``where``
        within ``radius_m`` of a WGS-84 point, nearest first (ties by row key)."""
        cand = self.index.ball(x, y, radius_m)
        cand = cand[self.cols.passes(cand, where, self.tz)]
        dist, az = geodesic_inverse(
            np.full(cand.size, x), np.full(cand.size, y), self.cols.lon[cand], self.cols.lat[cand]
        )
        keep = dist <= radius_m
        cand, dist, az = cand[keep], dist[keep], az[keep]
        order = np.lexsort((cand, dist))
        return cand[order], dist[order], np.mod(az[order], 360.0)

    def bbox(self, w: float, s: float, e: float, n: float, *, where: StationFilter) -> IntArray:
        """Row keys of the stations passing ``where`` inside a WGS-84 box (``w > e`` crosses
        the antimeridian)."""
        cand = self.index.bbox(w, s, e, n)
        return cand[self.cols.passes(cand, where, self.tz)]
