"""The station registry: one SQLite file, with a spatial index kept in step.

Every write is one SQLite transaction; the in-memory index and attribute
columns change only after the transaction commits, so a failed write leaves
both as they were. Reopening a file rebuilds the index from the table in one
bulk load, so the two cannot drift across restarts.

Distances are geodesic on the WGS-84 ellipsoid (``pyproj.Geod``). Candidates
come from the index in great-circle order on the unit sphere; a bound on how
far the sphere and the ellipsoid can disagree (under 0.6 %, margin 1 %)
decides when enough candidates have been seen, so results are exact.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import numpy.typing as npt
import pyproj
from numpy.typing import ArrayLike

from geo._validate import check_lonlat, check_page, check_station, parse_amenities, parse_kinds
from geo.crs import convert, parse_coord_system
from geo.errors import ConflictError, InvalidInputError, NotFoundError
from geo.hours import DEFAULT_TZ, is_open
from geo.spatial_index import SpatialIndex
from geo.types import (
    AMENITIES,
    STATION_FIELDS,
    CoordSystem,
    Kind,
    NearestHits,
    Station,
    StationHit,
    Status,
)

__all__ = [
    "HistoryEntry",
    "StationFilter",
    "StationRegistry",
    "check_station_write",
    "open_registry",
    "wgs84_points",
]

log = logging.getLogger(__name__)

_GEOD = pyproj.Geod(ellps="WGS84")
# Geodesic length on WGS-84 is at least 0.9944 × the great-circle length on the
# mean sphere (the smallest radius of curvature, at the equator); 1 % is a margin.
_SPHERE_SLACK = 0.99
_KINDS = list(Kind)
_BULK_REBUILD = 5_000
_JSON_LIST = "(SELECT value FROM json_each(?))"
_STATUSES = list(Status)
_AMENITY_BIT = {a: 1 << i for i, a in enumerate(AMENITIES)}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS stations (
    pk INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    lon REAL NOT NULL CHECK (lon BETWEEN -180 AND 180),
    lat REAL NOT NULL CHECK (lat BETWEEN -90 AND 90),
    address TEXT NOT NULL DEFAULT '',
    district TEXT NOT NULL DEFAULT '',
    operator TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    amenities TEXT NOT NULL DEFAULT '',
    opening_hours TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'open',
    source TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL,
    last_verified TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS history (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    station_id TEXT NOT NULL,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    changes TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS history_station ON history (station_id, seq);
INSERT OR IGNORE INTO meta VALUES ('schema', '1'), ('version', '0');
"""
_COLS = ", ".join(STATION_FIELDS)
_MARKS = ", ".join("?" * len(STATION_FIELDS))
_UPDATE = f"UPDATE stations SET ({_COLS}) = ({_MARKS}) WHERE pk=?"
_INSERT = f"INSERT INTO stations ({_COLS}) VALUES ({_MARKS})"


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _row_to_station(row: Sequence[Any]) -> Station:
    rec = dict(zip(STATION_FIELDS, row, strict=True))
    rec["kind"] = Kind(rec["kind"])
    rec["status"] = Status(rec["status"])
    rec["amenities"] = tuple(a for a in rec["amenities"].split(";") if a)
    return Station(**rec)


def _station_params(st: Station) -> tuple[Any, ...]:
    rec = st.to_record()
    return tuple(rec[f] for f in STATION_FIELDS)


def _history_rows(
    changes: list[tuple[str, int, Station]], *, actor: str, note: str, at: str
) -> list[tuple[str, str, str, str, str, str]]:
    rows = []
    i = 0
    while i < len(changes):
        op, pk, st = changes[i]
        nxt = changes[i + 1] if i + 1 < len(changes) else None
        if op == "del" and nxt is not None and nxt[0] == "ins" and nxt[1] == pk:
            old, new = st.to_record(), nxt[2].to_record()
            diff = {
                f: [old[f], new[f]]
                for f in STATION_FIELDS
                if f != "updated_at" and old[f] != new[f]
            }
            rows.append((st.id, at, actor, "update", json.dumps(diff, ensure_ascii=False), note))
            i += 2
            continue
        rows.append((st.id, at, actor, "delete" if op == "del" else "add", "{}", note))
        i += 1
    return rows


def wgs84_points(
    lon: ArrayLike, lat: ArrayLike, crs: CoordSystem | str
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Query points checked and converted from ``crs`` to WGS-84."""
    x, y = check_lonlat(lon, lat)
    if parse_coord_system(str(crs)) != "wgs84":
        x, y = convert(x, y, src=crs, dst="wgs84")
    return x, y


def check_station_write(stations: Station | Iterable[Station]) -> list[Station]:
    """Stations about to be written: validated, stamped, and no id twice in one write."""
    batch = [stations] if isinstance(stations, Station) else list(stations)
    stamp = _now()
    checked = [StationRegistry._checked(s).replace(updated_at=stamp) for s in batch]
    seen: set[str] = set()
    for s in checked:
        if s.id in seen:
            raise ConflictError(f"station id {s.id!r} appears twice in one write")
        seen.add(s.id)
    return checked


def open_registry(target: str | Path, *, tz: str | None = None) -> Any:
    """The registry at ``target``: PostGIS for a ``postgresql://`` URL, else a SQLite file.

    Returns
    -------
    StationRegistry or geo.postgis.PostgisRegistry
        Both have the same methods.
    """
    if isinstance(target, str) and target.startswith(("postgresql://", "postgres://")):
        from geo.postgis import PostgisRegistry

        return PostgisRegistry(target, tz=tz)
    return StationRegistry(target, tz=tz)


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One committed write to a station: who, when, what, and each changed field's old and new."""

    station_id: str
    at: str
    actor: str
    action: str
    changes: dict[str, list[Any]]
    note: str


@dataclass(frozen=True, slots=True)
class StationFilter:
    """Which stations a query may return.

    Parameters
    ----------
    kinds
        Allowed kinds; empty means all.
    amenities
        Amenities a station must all have.
    open_at
        Only stations whose opening hours say open at this time; naive times
        are in the registry's time zone. ``None`` ignores opening hours.
    statuses
        Allowed statuses; by default only ``open`` stations.
    exclude_ids
        Stations never to return (for example those with an unresolved
        "closed for good" report).
    """

    kinds: frozenset[Kind] = frozenset()
    amenities: tuple[str, ...] = ()
    open_at: datetime | None = None
    statuses: frozenset[Status] = frozenset({Status.OPEN})
    exclude_ids: frozenset[str] = frozenset()

    @classmethod
    def build(
        cls,
        *,
        kinds: Iterable[str] | str | None = None,
        amenities: Iterable[str] | str | None = None,
        open_at: datetime | None = None,
        statuses: Iterable[str] | str | None = ("open",),
        exclude_ids: Iterable[str] = (),
    ) -> StationFilter:
        """Validate loose arguments (strings, lists) into a filter."""
        st: set[Status] = set()
        for s in [statuses] if isinstance(statuses, str) else list(statuses or Status):
            try:
                st.add(Status(str(s).strip()))
            except ValueError:
                raise InvalidInputError(
                    f"status={s!r} is not a station status; use one of {', '.join(Status)}"
                ) from None
        return cls(
            parse_kinds(kinds),
            parse_amenities(amenities),
            open_at,
            frozenset(st),
            frozenset(str(i) for i in exclude_ids),
        )


class _Columns:
    """Attributes of every station, indexed by row key, for vectorised filtering."""

    def __init__(self) -> None:
        self.size = 0
        self._grow(1024)

    def _grow(self, cap: int) -> None:
        def extend(old: npt.NDArray[Any] | None, fill: Any, dtype: Any) -> npt.NDArray[Any]:
            new = np.full(cap, fill, dtype=dtype)
            if old is not None:
                new[: old.size] = old
            return new

        g = self.__dict__.get
        self.live = extend(g("live"), False, bool)
        self.lon = extend(g("lon"), np.nan, float)
        self.lat = extend(g("lat"), np.nan, float)
        self.kind = extend(g("kind"), -1, np.int8)
        self.status = extend(g("status"), -1, np.int8)
        self.amen = extend(g("amen"), 0, np.int64)
        self.hours = extend(g("hours"), "", object)
        self.ids = extend(g("ids"), "", object)

    def set(self, pk: int, st: Station) -> None:
        if pk >= self.live.size:
            self._grow(max(pk + 1, 2 * self.live.size))
        self.live[pk] = True
        self.lon[pk], self.lat[pk] = st.lon, st.lat
        self.kind[pk] = _KINDS.index(Kind(st.kind))
        self.status[pk] = _STATUSES.index(Status(st.status))
        self.amen[pk] = sum(_AMENITY_BIT[a] for a in st.amenities)
        self.hours[pk] = st.opening_hours
        self.ids[pk] = st.id

    def unset(self, pk: int) -> None:
        self.live[pk] = False
        self.ids[pk] = ""

    def passes(
        self, pks: npt.NDArray[np.int64], f: StationFilter, tz: str
    ) -> npt.NDArray[np.bool_]:
        ok = self.live[pks].copy()
        if f.statuses != frozenset(Status):
            codes = [_STATUSES.index(s) for s in f.statuses]
            ok &= np.isin(self.status[pks], codes)
        if f.kinds:
            ok &= np.isin(self.kind[pks], [_KINDS.index(k) for k in f.kinds])
        if f.amenities:
            need = sum(_AMENITY_BIT[a] for a in f.amenities)
            ok &= (self.amen[pks] & need) == need
        if f.exclude_ids and ok.any():
            ok &= ~np.isin(self.ids[pks].astype(str), np.array(sorted(f.exclude_ids), dtype=str))
        if f.open_at is not None and ok.any():
            idx = np.flatnonzero(ok)
            exprs = self.hours[pks[idx]]
            state = {e: is_open(e, f.open_at, tz=tz) for e in set(exprs)}
            ok[idx] = [state[e] for e in exprs]
        return ok


class StationRegistry:
    """Stations in one SQLite file, with nearest, radius and bounding-box queries.

    Parameters
    ----------
    path
        SQLite file; created when missing. ``":memory:"`` keeps it in memory.
    tz
        IANA time zone in which opening hours are read. A new file stores it;
        ``None`` uses the stored one (Asia/Shanghai for a file that has none).

    Examples
    --------
    >>> reg = StationRegistry(":memory:")
    >>> _ = reg.add([Station("a", "Library", Kind.WORKER_STATION, 24.94, 60.17),
    ...              Station("b", "Depot", Kind.DRIVER_HOME, 24.95, 60.18)])
    >>> [(h.station.id, round(h.distance_m)) for h in reg.nearest(24.94, 60.17, k=2)]
    [('a', 0), ('b', 1245)]
    """

    def __init__(self, path: str | Path, *, tz: str | None = None) -> None:
        self.path = str(path)
        self._lock = threading.RLock()
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._db.execute(
            "PRAGMA journal_mode=WAL" if self.path != ":memory:" else "PRAGMA foreign_keys=ON"
        )
        self._db.executescript(_SCHEMA)
        self._migrate()
        stored = self._db.execute("SELECT value FROM meta WHERE key='tz'").fetchone()
        if tz is not None:
            try:
                ZoneInfo(tz)
            except (ZoneInfoNotFoundError, ValueError):
                raise InvalidInputError(f"tz={tz!r} is not an IANA time zone name") from None
        self.tz: str = tz or (stored[0] if stored else DEFAULT_TZ)
        if stored is None:
            self._db.execute("INSERT INTO meta VALUES ('tz', ?)", (self.tz,))
        self._load()

    # -- lifecycle -------------------------------------------------------
    def _migrate(self) -> None:
        """Bring a file written by an older version up to the current columns."""
        have = {r[1] for r in self._db.execute("PRAGMA table_info(stations)")}
        if "last_verified" not in have:
            try:
                self._db.execute(
                    "ALTER TABLE stations ADD COLUMN last_verified TEXT NOT NULL DEFAULT ''"
                )
                log.info("%s: added the last_verified column", self.path)
            except sqlite3.OperationalError as exc:  # another process migrated it first
                if "duplicate column" not in str(exc):
                    raise
        self._db.execute("UPDATE meta SET value='2' WHERE key='schema' AND value < '2'")

    def _load(self) -> None:
        rows = self._db.execute(f"SELECT pk, {_COLS} FROM stations ORDER BY pk").fetchall()
        self._cols = _Columns()
        pks = np.array([r[0] for r in rows], dtype=np.int64)
        for r in rows:
            self._cols.set(int(r[0]), _row_to_station(r[1:]))
        self._index = SpatialIndex(pks, self._cols.lon[pks], self._cols.lat[pks])
        log.debug("opened %s with %d stations", self.path, len(rows))

    def close(self) -> None:
        """Close the database file."""
        with self._lock:
            self._db.close()

    def __enter__(self) -> StationRegistry:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __len__(self) -> int:
        return len(self._index)

    def __contains__(self, station_id: object) -> bool:
        with self._lock:
            return (
                self._db.execute("SELECT 1 FROM stations WHERE id=?", (station_id,)).fetchone()
                is not None
            )

    @property
    def version(self) -> int:
        """A counter that grows with every committed write (for cache invalidation)."""
        with self._lock:
            return int(self._db.execute("SELECT value FROM meta WHERE key='version'").fetchone()[0])

    # -- reads -----------------------------------------------------------
    def get(self, station_id: str) -> Station:
        """The station with this id; raises :class:`NotFoundError` when absent."""
        with self._lock:
            row = self._db.execute(
                f"SELECT {_COLS} FROM stations WHERE id=?", (station_id,)
            ).fetchone()
        if row is None:
            raise NotFoundError(f"no station with id {station_id!r}")
        return _row_to_station(row)

    def _by_pk(self, pks: Sequence[int]) -> dict[int, Station]:
        with self._lock:
            rows = self._db.execute(
                f"SELECT pk, {_COLS} FROM stations WHERE pk IN (SELECT value FROM json_each(?))",
                (json.dumps([int(p) for p in pks]),),
            ).fetchall()
        return {int(r[0]): _row_to_station(r[1:]) for r in rows}

    def __iter__(self) -> Iterator[Station]:
        with self._lock:
            rows = self._db.execute(f"SELECT {_COLS} FROM stations ORDER BY id").fetchall()
        return (_row_to_station(r) for r in rows)

    def stations(self, where: StationFilter | None = None) -> list[Station]:
        """All stations passing ``where`` (every station when None), ordered by id."""
        if where is None:
            return list(self)
        pks = np.flatnonzero(self._cols.live).astype(np.int64)
        keep = pks[self._cols.passes(pks, where, self.tz)]
        found = self._by_pk(keep.tolist())
        return sorted(found.values(), key=lambda s: s.id)

    def query(
        self,
        *,
        where: StationFilter | None = None,
        bbox: tuple[float, float, float, float] | None = None,
        text: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> tuple[int, list[Station]]:
        """A page of stations matching filters, a WGS-84 box and a text search.

        Returns
        -------
        tuple
            The number of matches in all, and the page of stations (ordered by id).
        """
        check_page(limit, offset)
        pks = (
            self._index.bbox(*bbox)
            if bbox is not None
            else np.flatnonzero(self._cols.live).astype(np.int64)
        )
        if where is not None:
            pks = pks[self._cols.passes(pks, where, self.tz)]
        sql = f"SELECT {_COLS} FROM stations WHERE pk IN (SELECT value FROM json_each(?))"
        params: list[Any] = [json.dumps(pks.tolist())]
        if text:
            sql += " AND (instr(lower(name), lower(?)) > 0 OR instr(lower(address), lower(?)) > 0)"
            params += [text, text]
        with self._lock:
            total = self._db.execute(f"SELECT count(*) FROM ({sql})", params).fetchone()[0]
            rows = self._db.execute(
                f"{sql} ORDER BY id LIMIT ? OFFSET ?", [*params, limit, offset]
            ).fetchall()
        return int(total), [_row_to_station(r) for r in rows]

    def arrays(
        self, where: StationFilter | None = None
    ) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Ids, lon and lat of the stations passing ``where``, as arrays ordered by id."""
        pks = np.flatnonzero(self._cols.live).astype(np.int64)
        if where is not None:
            pks = pks[self._cols.passes(pks, where, self.tz)]
        ids = self._cols.ids[pks]
        order = np.argsort(ids.astype(str), kind="stable")
        pks = pks[order]
        return self._cols.ids[pks], self._cols.lon[pks].copy(), self._cols.lat[pks].copy()

    # -- writes ----------------------------------------------------------
    def _write(
        self,
        body: Callable[[sqlite3.Cursor], list[tuple[str, int, Station]]],
        *,
        actor: str = "system",
        note: str = "",
    ) -> None:
        """Run ``body`` in one transaction with its history rows; update the index after commit.

        ``body`` returns its station changes as ``("del", pk, old)`` and
        ``("ins", pk, new)``; a del and ins of one key in a row is an update.
        Library modules that keep their own tables in this file (reports,
        proposals) compose their writes through this method.
        """
        with self._lock:
            cur = self._db.cursor()
            cur.execute("BEGIN IMMEDIATE")
            try:
                changes = body(cur)
                cur.executemany(
                    "INSERT INTO history (station_id, at, actor, action, changes, note) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    _history_rows(changes, actor=actor, note=note, at=_now()),
                )
                cur.execute(
                    "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key='version'"
                )
                cur.execute("COMMIT")
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            for op, pk, st in changes:
                if op == "del":
                    self._cols.unset(pk)
                else:
                    self._cols.set(pk, st)
            if len(changes) > max(_BULK_REBUILD, len(self._index)):
                # A write as large as the registry: one bulk load beats many inserts.
                keys = np.flatnonzero(self._cols.live).astype(np.int64)
                self._index = SpatialIndex(keys, self._cols.lon[keys], self._cols.lat[keys])
                return
            for op, pk, st in changes:
                if op == "del":
                    self._index.delete(pk, st.lon, st.lat)
                else:
                    self._index.insert(pk, st.lon, st.lat)

    @staticmethod
    def _checked(st: Station, *, new_id: bool = True) -> Station:
        st = st.replace(
            kind=Kind(st.kind) if st.kind in set(Kind) else st.kind,
            status=Status(st.status) if st.status in set(Status) else st.status,
            amenities=tuple(sorted(set(st.amenities))),
            lon=float(st.lon),
            lat=float(st.lat),
        )
        problems = check_station(st, new_id=new_id)
        if problems:
            raise InvalidInputError(f"station {st.id!r}: " + "; ".join(str(p) for p in problems))
        return st

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
            :class:`ConflictError`.
        actor, note
            Who writes, and why, for the history.

        Returns
        -------
        list of Station
            The stored records, with ``updated_at`` set.
        """
        checked = check_station_write(stations)

        def body(cur: sqlite3.Cursor) -> list[tuple[str, int, Station]]:
            ids = json.dumps([st.id for st in checked])
            old = {
                r[1]: r
                for r in cur.execute(
                    f"SELECT pk, {_COLS} FROM stations WHERE id IN {_JSON_LIST}", (ids,)
                )
            }
            if old and not replace:
                raise ConflictError(f"a station with id {next(iter(old))!r} exists already")
            changes: list[tuple[str, int, Station]] = []
            for st in checked:
                if st.id in old:
                    pk = int(old[st.id][0])
                    cur.execute(_UPDATE, (*_station_params(st), pk))
                    changes += [("del", pk, _row_to_station(old[st.id][1:])), ("ins", pk, st)]
            new = [st for st in checked if st.id not in old]
            cur.executemany(_INSERT, [_station_params(st) for st in new])
            pks = dict(
                cur.execute(
                    f"SELECT id, pk FROM stations WHERE id IN {_JSON_LIST}",
                    (json.dumps([st.id for st in new]),),
                ).fetchall()
            )
            changes += [("ins", int(pks[st.id]), st) for st in new]
            return changes

        self._write(body, actor=actor, note=note)
        return checked

    def update(
        self, station_id: str, *, actor: str = "system", note: str = "", **changes: Any
    ) -> Station:
        """Change fields of one station (not its id) and return the new record.

        The new record is computed from the stored one inside the write
        transaction, so concurrent updates never lose each other's changes.
        """
        changes = self._update_args(station_id, changes)
        result: list[Station] = []

        def body(cur: sqlite3.Cursor) -> list[tuple[str, int, Station]]:
            out = self._update_in(cur, station_id, changes)
            result.append(out[1][2])
            return out

        self._write(body, actor=actor, note=note)
        return result[0]

    @staticmethod
    def _update_args(station_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        """The fields of an update, checked: known names, no new id, amenities parsed."""
        unknown = set(changes) - set(STATION_FIELDS)
        if unknown:
            raise InvalidInputError(f"unknown station field(s): {', '.join(sorted(unknown))}")
        if "id" in changes and changes["id"] != station_id:
            raise InvalidInputError("a station's id cannot change; delete and add it instead")
        empty = sorted(f for f, v in changes.items() if v is None)
        if empty:
            raise InvalidInputError(
                f"{', '.join(empty)}: null is not a value; leave a field out to keep it"
            )
        if "amenities" in changes:
            changes = {
                **changes,
                "amenities": parse_amenities(changes["amenities"], argument="amenities"),
            }
        return changes

    def _update_in(
        self, cur: sqlite3.Cursor, station_id: str, changes: dict[str, Any]
    ) -> list[tuple[str, int, Station]]:
        """Inside a write transaction: apply ``changes`` to one station, return the change pair."""
        old = cur.execute(f"SELECT pk, {_COLS} FROM stations WHERE id=?", (station_id,)).fetchone()
        if old is None:
            raise NotFoundError(f"no station with id {station_id!r}")
        before = _row_to_station(old[1:])
        new = self._checked(before.replace(**changes).replace(updated_at=_now()), new_id=False)
        cur.execute(_UPDATE, (*_station_params(new), old[0]))
        return [("del", int(old[0]), before), ("ins", int(old[0]), new)]

    def _add_in(self, cur: sqlite3.Cursor, station: Station) -> list[tuple[str, int, Station]]:
        """Inside a write transaction: insert one new station, return its change."""
        st = self._checked(station).replace(updated_at=_now())
        if cur.execute("SELECT 1 FROM stations WHERE id=?", (st.id,)).fetchone() is not None:
            raise ConflictError(f"a station with id {st.id!r} exists already")
        cur.execute(_INSERT, _station_params(st))
        return [("ins", int(cur.lastrowid or 0), st)]

    def delete(self, station_id: str, *, actor: str = "system", note: str = "") -> None:
        """Remove one station; raises :class:`NotFoundError` when absent."""

        def body(cur: sqlite3.Cursor) -> list[tuple[str, int, Station]]:
            old = cur.execute(
                f"SELECT pk, {_COLS} FROM stations WHERE id=?", (station_id,)
            ).fetchone()
            if old is None:
                raise NotFoundError(f"no station with id {station_id!r}")
            cur.execute("DELETE FROM stations WHERE pk=?", (old[0],))
            return [("del", int(old[0]), _row_to_station(old[1:]))]

        self._write(body, actor=actor, note=note)

    def history(self, station_id: str) -> list[HistoryEntry]:
        """Every committed write to a station, oldest first (also after it was deleted)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT station_id, at, actor, action, changes, note FROM history "
                "WHERE station_id=? ORDER BY seq",
                (station_id,),
            ).fetchall()
        if not rows and station_id not in self:
            raise NotFoundError(f"no station with id {station_id!r}")
        return [HistoryEntry(r[0], r[1], r[2], r[3], json.loads(r[4]), r[5]) for r in rows]

    # -- spatial queries -------------------------------------------------
    _to_wgs84 = staticmethod(wgs84_points)

    @staticmethod
    def _nearest_args(k: object, max_dist_m: float | None) -> None:
        if not isinstance(k, int | np.integer) or k < 1:
            raise InvalidInputError(f"k={k!r} must be a whole number ≥ 1")
        if max_dist_m is not None and not max_dist_m > 0:
            raise InvalidInputError(f"max_dist_m={max_dist_m!r} must be > 0")

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
        self._nearest_args(k, max_dist_m)
        qx, qy = self._to_wgs84(lon, lat, crs)
        f = where or StationFilter()
        nq = qx.size
        out_pk = np.full((nq, k), -1, dtype=np.int64)
        out_d = np.full((nq, k), np.inf)
        out_b = np.full((nq, k), np.nan)
        with self._lock:
            todo = np.arange(nq)
            n = max(4 * k, 16)
            while todo.size:
                rows, reach = self._index.nearest(qx[todo], qy[todo], n=n)
                counts = np.array([r.size for r in rows])
                cand = np.concatenate(rows) if rows else np.empty(0, np.int64)
                qi = np.repeat(np.arange(todo.size), counts)
                ok = self._cols.passes(cand, f, self.tz)
                cand, qi = cand[ok], qi[ok]
                az, _, dist = _GEOD.inv(
                    qx[todo][qi], qy[todo][qi], self._cols.lon[cand], self._cols.lat[cand]
                )
                dist = np.asarray(dist, dtype=float)
                if max_dist_m is not None:
                    keep = dist <= max_dist_m
                    cand, qi, dist, az = cand[keep], qi[keep], dist[keep], np.asarray(az)[keep]
                order = np.lexsort((cand, dist, qi))
                cand, qi, dist, az = cand[order], qi[order], dist[order], np.asarray(az)[order]
                first = np.searchsorted(qi, np.arange(todo.size))
                rank = np.arange(qi.size) - first[qi]
                top = rank < k
                kth = np.full(todo.size, np.inf)
                full = rank == k - 1
                kth[qi[full]] = dist[full]
                bound = reach * _SPHERE_SLACK
                done = (kth <= bound) | np.isinf(reach)
                if max_dist_m is not None:
                    done |= bound >= max_dist_m
                sel = top & done[qi]
                rows_out = todo[qi[sel]]
                out_pk[rows_out, rank[sel]] = cand[sel]
                out_d[rows_out, rank[sel]] = dist[sel]
                out_b[rows_out, rank[sel]] = np.mod(az[sel], 360.0)
                todo = todo[~done]
                n *= 4
            ids = np.where(out_pk >= 0, self._cols.ids[np.maximum(out_pk, 0)], "")
        return NearestHits(ids=ids.astype(object), distance_m=out_d, bearing_deg=out_b)

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
        hits = self.nearest_many([lon], [lat], k=k, crs=crs, where=where, max_dist_m=max_dist_m)
        return self._hits(hits.ids[0], hits.distance_m[0], hits.bearing_deg[0])

    def _hits(
        self, ids: Sequence[str], dist: Sequence[float], bearing: Sequence[float]
    ) -> list[StationHit]:
        live = [(i, d, b) for i, d, b in zip(ids, dist, bearing, strict=True) if i]
        with self._lock:
            rows = self._db.execute(
                f"SELECT {_COLS} FROM stations WHERE id IN (SELECT value FROM json_each(?))",
                (json.dumps([i for i, _, _ in live]),),
            ).fetchall()
        by_id = {r[0]: _row_to_station(r) for r in rows}
        return [StationHit(by_id[i], float(d), float(b)) for i, d, b in live]

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
        qx, qy = self._to_wgs84(lon, lat, crs)
        f = where or StationFilter()
        with self._lock:
            cand = self._index.ball(float(qx[0]), float(qy[0]), radius_m / _SPHERE_SLACK)
            cand = cand[self._cols.passes(cand, f, self.tz)]
            az, _, dist = _GEOD.inv(
                np.full(cand.size, qx[0]),
                np.full(cand.size, qy[0]),
                self._cols.lon[cand],
                self._cols.lat[cand],
            )
            dist = np.asarray(dist, dtype=float)
            keep = dist <= radius_m
            cand, dist, az = cand[keep], dist[keep], np.mod(np.asarray(az)[keep], 360.0)
            order = np.lexsort((cand, dist))
            ids = self._cols.ids[cand[order]]
        return self._hits(list(ids), list(dist[order]), list(az[order]))

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
        """Every station inside a lon/lat box (``west > east`` crosses the antimeridian), by id."""
        if south > north:
            raise InvalidInputError(f"bbox south={south} is north of north={north}")
        (w, e), (s, n) = self._to_wgs84([west, east], [south, north], crs)
        with self._lock:
            cand = self._index.bbox(float(w), float(s), float(e), float(n))
            cand = cand[
                self._cols.passes(cand, where or StationFilter(statuses=frozenset(Status)), self.tz)
            ]
            found = self._by_pk(cand.tolist())
        return sorted(found.values(), key=lambda st: st.id)

    def verify_index(self) -> None:
        """Raise ``RuntimeError`` unless the index holds exactly the table's points."""
        with self._lock:
            table = {
                (int(pk), float(x), float(y))
                for pk, x, y in self._db.execute("SELECT pk, lon, lat FROM stations")
            }
            indexed = set(self._index.items())
        if table != indexed or len(self._index) != len(table):
            raise RuntimeError(
                f"spatial index drifted from table: {len(table - indexed)} missing, "
                f"{len(indexed - table)} stale"
            )
