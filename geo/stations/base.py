"""What both stores do the same way, written once over a DB-API cursor and a :class:`Dialect`.

:class:`CursorTransaction` implements :class:`~geo.stations.store.Transaction`
on an open database transaction; :class:`StoreBase` gives a store its record
reads, one-shot writes and context-manager methods. The backends subclass
them and add only what differs: connections, locking and spatial queries.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt
from numpy.typing import ArrayLike

from geo.errors import ConflictError, InvalidInputError, NotFoundError
from geo.stations.model import (
    STATION_COLUMNS,
    Change,
    Clock,
    HistoryEntry,
    StationFilter,
    check_nearest_args,
    check_station_write,
    checked_station,
    history_rows,
    row_to_station,
    station_params,
    update_args,
    utc_now,
    wgs84_points,
)
from geo.stations.store import Transaction, Where
from geo.stations.tables import Dialect, Table
from geo.types import STATION_FIELDS, CoordSystem, NearestHits, Station, StationHit, Status

__all__ = ["META", "CursorTransaction", "RecordReads", "StoreBase"]

META = "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
"""The key-value table of counters and settings (``version``, ``tz``, ``schema``)."""

InsertMany = Callable[[Any, list[tuple[Any, ...]]], list[int]]
"""Inserts station rows on a cursor and returns their row keys, in order."""


class RecordReads:
    """Reads of library tables over :meth:`_rows`, for a store and for a transaction."""

    dialect: Dialect

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        raise NotImplementedError

    def select(
        self,
        table: Table,
        where: Where = None,
        *,
        order_by: Sequence[str] = (),
        limit: int | None = None,
        offset: int = 0,
        lock: bool = False,
    ) -> list[dict[str, Any]]:
        """Rows as dicts; ``order_by`` names columns, ``-column`` for descending; ``lock``
        locks them until the transaction ends (PostGIS; SQLite's transactions lock the file)."""
        sql, params = self.dialect.select(
            table, where, order_by=order_by, limit=limit, offset=offset, lock=lock
        )
        return [dict(zip(table.names, r, strict=True)) for r in self._rows(sql, params)]

    def count(self, table: Table, where: Where = None) -> int:
        """How many rows ``where`` selects."""
        cond, params = self.dialect.where(table, where)
        return int(self._rows(f"SELECT count(*) FROM {table.name}{cond}", params)[0][0])

    def count_by(self, table: Table, column: str, where: Where = None) -> dict[Any, int]:
        """Value of ``column`` → how many of the selected rows have it."""
        table.check([column])
        cond, params = self.dialect.where(table, where)
        rows = self._rows(
            f"SELECT {column}, count(*) FROM {table.name}{cond} GROUP BY {column}", params
        )
        return {r[0]: int(r[1]) for r in rows}

    def counter(self, name: str) -> int:
        """A named counter (0 until first bumped)."""
        rows = self._rows(f"SELECT value FROM meta WHERE key={self.dialect.mark}", (name,))
        return int(rows[0][0]) if rows else 0


class CursorTransaction(RecordReads):
    """A :class:`~geo.stations.store.Transaction` on a cursor inside an open transaction.

    Station changes are collected in :attr:`changes`; the store writes their
    history and bumps its version (:meth:`finish`) before it commits.
    """

    def __init__(
        self,
        cursor: Any,
        dialect: Dialect,
        *,
        actor: str,
        note: str,
        at: str,
        insert_many: InsertMany,
    ) -> None:
        self.cursor = cursor
        self.dialect = dialect
        self.actor = actor
        self.note = note
        self.at = at
        self.changes: list[Change] = []
        self._insert_many = insert_many

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        self.cursor.execute(sql, tuple(params))
        return list(self.cursor.fetchall())

    def _lock_suffix(self) -> str:
        return " FOR UPDATE" if self.dialect.mark == "%s" else ""

    # -- stations --------------------------------------------------------------
    def _station_row(self, station_id: str) -> tuple[Any, ...]:
        m = self.dialect.mark
        rows = self._rows(
            f"SELECT pk, {STATION_COLUMNS} FROM stations WHERE id={m}{self._lock_suffix()}",
            (station_id,),
        )
        if not rows:
            raise NotFoundError(f"no station with id {station_id!r}")
        return rows[0]

    def get(self, station_id: str) -> Station:
        return row_to_station(self._station_row(station_id)[1:])

    def add(self, stations: Station | Iterable[Station], *, replace: bool = False) -> list[Station]:
        checked = check_station_write(stations, at=self.at)
        d = self.dialect
        cond = d.in_list.replace("{col}", "id")
        old = {
            r[1]: r
            for r in self._rows(
                # In id order: two writers of overlapping batches lock rows in one order.
                f"SELECT pk, {STATION_COLUMNS} FROM stations WHERE {cond} "
                f"ORDER BY id{self._lock_suffix()}",
                (d.list_param([st.id for st in checked]),),
            )
        }
        if old and not replace:
            raise ConflictError(f"a station with id {next(iter(old))!r} exists already")
        marks = ", ".join([d.mark] * len(STATION_FIELDS))
        for st in checked:
            if st.id in old:
                pk = int(old[st.id][0])
                self.cursor.execute(
                    f"UPDATE stations SET ({STATION_COLUMNS}) = ({marks}) WHERE pk={d.mark}",
                    (*station_params(st), pk),
                )
                self.changes += [("del", pk, row_to_station(old[st.id][1:])), ("ins", pk, st)]
        new = [st for st in checked if st.id not in old]
        if new:
            pks = self._insert_many(self.cursor, [station_params(st) for st in new])
            self.changes += [("ins", pk, st) for pk, st in zip(pks, new, strict=True)]
        return checked

    def update(self, station_id: str, **changes: Any) -> Station:
        fields = update_args(station_id, changes)
        row = self._station_row(station_id)
        before = row_to_station(row[1:])
        # An update keeps a stored id even from before the id rule (new_id=False).
        new = checked_station(before.replace(**fields).replace(updated_at=self.at), new_id=False)
        d = self.dialect
        marks = ", ".join([d.mark] * len(STATION_FIELDS))
        self.cursor.execute(
            f"UPDATE stations SET ({STATION_COLUMNS}) = ({marks}) WHERE pk={d.mark}",
            (*station_params(new), row[0]),
        )
        self.changes += [("del", int(row[0]), before), ("ins", int(row[0]), new)]
        return new

    def delete(self, station_id: str) -> None:
        row = self._station_row(station_id)
        self.cursor.execute(f"DELETE FROM stations WHERE pk={self.dialect.mark}", (row[0],))
        self.changes.append(("del", int(row[0]), row_to_station(row[1:])))

    # -- library tables -------------------------------------------------------
    def insert(self, table: Table, values: Mapping[str, Any], *, if_absent: bool = False) -> Any:
        rows = self._rows(
            self.dialect.insert(table, values, if_absent=if_absent), [*values.values()]
        )
        return rows[0][0] if rows else None

    def upsert(self, table: Table, values: Mapping[str, Any]) -> None:
        self.cursor.execute(self.dialect.upsert(table, values), tuple(values.values()))

    def change(self, table: Table, values: Mapping[str, Any], where: Where = None) -> int:
        sql, params = self.dialect.update(table, values, where)
        self.cursor.execute(sql, tuple(params))
        return int(self.cursor.rowcount)

    def remove(
        self,
        table: Table,
        where: Where = None,
        *,
        order_by: Sequence[str] = (),
        limit: int | None = None,
    ) -> int:
        sql, params = self.dialect.delete(table, where, order_by=order_by, limit=limit)
        self.cursor.execute(sql, tuple(params))
        return int(self.cursor.rowcount)

    def bump(self, name: str) -> None:
        m, integer = self.dialect.mark, self.dialect.types["int"]
        self.cursor.execute(
            f"INSERT INTO meta VALUES ({m}, '0') ON CONFLICT (key) DO NOTHING", (name,)
        )
        self.cursor.execute(
            f"UPDATE meta SET value = CAST(CAST(value AS {integer}) + 1 AS TEXT) WHERE key={m}",
            (name,),
        )

    # -- commit ---------------------------------------------------------------
    def finish(self) -> None:
        """Before the commit: the history of the station changes, and the version bump."""
        if not self.changes:
            return
        m = self.dialect.mark
        self.cursor.executemany(
            "INSERT INTO history (station_id, at, actor, action, changes, note) "
            f"VALUES ({m}, {m}, {m}, {m}, {m}, {m})",
            history_rows(self.changes, actor=self.actor, note=self.note, at=self.at),
        )
        self.bump("version")


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
