"""What both stores do the same way: :class:`StoreBase`.

It gives a store its record reads, one-shot writes, the context-manager
methods, and the spatial queries' argument checks and coordinate conversion
(a template: the backend searches on checked WGS-84 input). Reads and writes
on a cursor are in :mod:`geo.stations.cursor`. The backends subclass it and
add only what differs: connections, locking and the spatial searches.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt
from numpy.typing import ArrayLike

from geo.errors import InvalidInputError, NotFoundError
from geo.stations.cursor import RecordReads
from geo.stations.model import (
    STATION_COLUMNS,
    Clock,
    HistoryEntry,
    StationFilter,
    check_nearest_args,
    row_to_station,
    utc_now,
    wgs84_points,
)
from geo.stations.store import Transaction
from geo.stations.tables import Dialect
from geo.types import CoordSystem, NearestHits, Station, StationHit, Status

__all__ = ["META", "StoreBase"]

META = "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
"""The key-value table of counters and settings (``version``, ``tz``, ``schema``)."""


class StoreBase(RecordReads):
    """Record reads, one-shot writes, spatial queries and the context manager, for both backends.

    Subclasses set :attr:`dialect`, and implement :meth:`_rows` (rows of one
    query outside a transaction), :meth:`transaction`, and the searches behind
    the spatial queries on checked WGS-84 input: :meth:`_nearest_many`,
    :meth:`_nearest`, :meth:`_within` and :meth:`_in_bbox`.
    """

    dialect: Dialect
    clock: Clock = staticmethod(utc_now)
    _closed: bool = False

    def transaction(
        self, *, actor: str = "system", note: str = ""
    ) -> AbstractContextManager[Transaction]:
        raise NotImplementedError

    @contextmanager
    def read_now(self) -> Iterator[bool]:
        """Hold the store for reads that must not wait; this backend's reads may always
        wait (on a database server), so ``False``: read in a thread."""
        yield False

    def now(self) -> datetime:
        """The store's clock (UTC), used for every stamp it writes."""
        return self.clock()

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._closed

    def __exit__(self, *exc: object) -> None:
        self.close()  # type: ignore[attr-defined]

    @property
    def version(self) -> int:
        """A counter that grows with every committed station write, in every process."""
        return self.counter("version")

    # -- station reads ----------------------------------------------------------
    def get(self, station_id: str) -> Station:
        """The station with this id; raises :class:`~geo.errors.NotFoundError` when absent."""
        m = self.dialect.mark
        rows = self._rows(f"SELECT {STATION_COLUMNS} FROM stations WHERE id={m}", (station_id,))
        if not rows:
            raise NotFoundError(f"no station with id {station_id!r}")
        return row_to_station(rows[0])

    def __contains__(self, station_id: object) -> bool:
        m = self.dialect.mark
        return bool(self._rows(f"SELECT 1 FROM stations WHERE id={m}", (str(station_id),)))

    def __iter__(self) -> Iterator[Station]:
        rows = self._rows(f"SELECT {STATION_COLUMNS} FROM stations ORDER BY id")
        return (row_to_station(r) for r in rows)

    def history(self, station_id: str) -> list[HistoryEntry]:
        """Every committed write to a station, oldest first (also after it was deleted)."""
        rows = self._rows(
            "SELECT station_id, at, actor, action, changes, note FROM history "
            f"WHERE station_id={self.dialect.mark} ORDER BY seq",
            (station_id,),
        )
        if not rows and station_id not in self:
            raise NotFoundError(f"no station with id {station_id!r}")
        return [HistoryEntry(r[0], r[1], r[2], r[3], json.loads(r[4]), r[5]) for r in rows]

    # -- one-shot writes ------------------------------------------------------
    def add(
        self,
        stations: Station | Iterable[Station],
        *,
        replace: bool = False,
        actor: str = "system",
        note: str = "",
    ) -> list[Station]:
        """Insert stations in one transaction.

        Parameters
        ----------
        stations
            One station or many.
        replace
            Update stations whose id exists already, instead of raising
            :class:`~geo.errors.ConflictError`.
        actor, note
            Who writes, and why, for the history.

        Returns
        -------
        list of Station
            The stored records, with ``updated_at`` set.
        """
        with self.transaction(actor=actor, note=note) as tx:
            return tx.add(stations, replace=replace)

    def update(
        self, station_id: str, *, actor: str = "system", note: str = "", **changes: Any
    ) -> Station:
        """Change fields of one station (not its id) and return the new record.

        The new record is computed from the stored one inside the write
        transaction, so concurrent updates never lose each other's changes.
        """
        with self.transaction(actor=actor, note=note) as tx:
            return tx.update(station_id, **changes)

    def delete(self, station_id: str, *, actor: str = "system", note: str = "") -> None:
        """Remove one station; raises :class:`~geo.errors.NotFoundError` when absent."""
        with self.transaction(actor=actor, note=note) as tx:
            tx.delete(station_id)

    # -- spatial queries: arguments checked and converted here, searched by the backend -----
    def nearest_many(
        self,
        lon: ArrayLike,
        lat: ArrayLike,
        *,
        k: int = 5,
        crs: CoordSystem | str = "wgs84",
        where: StationFilter | None = None,
        max_dist_m: float | None = None,
    ) -> NearestHits:
        """The ``k`` nearest stations of many points by geodesic distance.

        Parameters
        ----------
        lon, lat
            Query points, in ``crs``.
        k
            How many stations per point.
        crs
            Coordinate system of the query points.
        where
            Which stations count; default: status ``open`` only.
        max_dist_m
            Ignore stations farther than this, in metres.

        Returns
        -------
        NearestHits
            Arrays of shape ``(n, k)``: ids (``""`` where fewer than k
            stations qualify), distances in metres and bearings in degrees
            clockwise from north.
        """
        check_nearest_args(k, max_dist_m)
        qx, qy = wgs84_points(lon, lat, crs)
        return self._nearest_many(qx, qy, k, where or StationFilter(), max_dist_m)

    def nearest(
        self,
        lon: float,
        lat: float,
        *,
        k: int = 5,
        crs: CoordSystem | str = "wgs84",
        where: StationFilter | None = None,
        max_dist_m: float | None = None,
    ) -> list[StationHit]:
        """The ``k`` nearest stations to one point, nearest first, with full records.

        Parameters are those of :meth:`nearest_many` for a single point.
        """
        check_nearest_args(k, max_dist_m)
        qx, qy = wgs84_points([lon], [lat], crs)
        return self._nearest(float(qx[0]), float(qy[0]), k, where or StationFilter(), max_dist_m)

    def within(
        self,
        lon: float,
        lat: float,
        radius_m: float,
        *,
        crs: CoordSystem | str = "wgs84",
        where: StationFilter | None = None,
    ) -> list[StationHit]:
        """Every station within ``radius_m`` metres (geodesic) of a point, nearest first."""
        if not radius_m > 0:
            raise InvalidInputError(f"radius_m={radius_m!r} must be > 0")
        qx, qy = wgs84_points([lon], [lat], crs)
        return self._within(float(qx[0]), float(qy[0]), radius_m, where or StationFilter())

    def in_bbox(
        self,
        west: float,
        south: float,
        east: float,
        north: float,
        *,
        crs: CoordSystem | str = "wgs84",
        where: StationFilter | None = None,
    ) -> list[Station]:
        """Every station inside a lon/lat box (``west > east`` crosses the antimeridian), by id.

        ``where`` defaults to every status (a box lists what is there).
        """
        if south > north:
            raise InvalidInputError(f"bbox south={south} is north of north={north}")
        (w, e), (s, n) = wgs84_points([west, east], [south, north], crs)
        f = where or StationFilter(statuses=frozenset(Status))
        return self._in_bbox(float(w), float(s), float(e), float(n), f)

    def _nearest_many(
        self,
        x: npt.NDArray[np.float64],
        y: npt.NDArray[np.float64],
        k: int,
        where: StationFilter,
        max_dist_m: float | None,
    ) -> NearestHits:
        raise NotImplementedError

    def _nearest(
        self, x: float, y: float, k: int, where: StationFilter, max_dist_m: float | None
    ) -> list[StationHit]:
        raise NotImplementedError

    def _within(
        self, x: float, y: float, radius_m: float, where: StationFilter
    ) -> list[StationHit]:
        raise NotImplementedError

    def _in_bbox(
        self, w: float, s: float, e: float, n: float, where: StationFilter
    ) -> list[Station]:
        raise NotImplementedError
