"""The embedded store: one SQLite file, with a spatial index and attribute columns in memory.

Every write is one SQLite transaction (``BEGIN IMMEDIATE``, so writers of one
file, in any process, queue); the in-memory index and attribute columns change
only after the transaction commits, so a failed write leaves both as they were.

Several processes may open one file (API workers, ``stationfinder import``
while the service runs). Before every read and write the store asks SQLite's
``PRAGMA data_version``, which changes when another connection has committed;
then it compares the file's station version counter with the one it loaded,
and reloads its index when they differ. A station written by another process
is therefore answered at once, never after a restart.

Every station's full record, its attribute columns and the spatial index
are held in memory (:class:`~geo.stations.memory.MemoryStations`), kept in
step by every write of this process and rebuilt when another process's
commit is noticed: nearest, radius and box queries read no table. Distances
are geodesic on the WGS-84 ellipsoid, equal to ``pyproj.Geod``'s (see
:mod:`geo.spatial_index` for the exact k-d tree search).
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from geo._validate import check_page
from geo.hours import DEFAULT_TZ
from geo.stations.base import META, StoreBase
from geo.stations.cursor import CursorTransaction
from geo.stations.memory import MemoryStations
from geo.stations.model import (
    ADDED_COLUMNS,
    SCHEMA_VERSION,
    STATION_COLUMNS,
    Change,
    Clock,
    StationFilter,
    check_tz,
    row_to_station,
    stamp,
    utc_now,
)
from geo.stations.store import Transaction
from geo.stations.tables import SQLITE, Table
from geo.types import STATION_FIELDS, NearestHits, Station, StationHit, Status

__all__ = ["SqliteStore"]

log = logging.getLogger(__name__)

_SCHEMA = f"""
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
    updated_at TEXT NOT NULL{"".join(f", {name} {decl}" for name, decl, _ in ADDED_COLUMNS)}
);
{META};
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
INSERT OR IGNORE INTO meta VALUES ('schema', '{SCHEMA_VERSION}'), ('version', '0');
"""
_INSERT = (
    f"INSERT INTO stations ({STATION_COLUMNS}) "
    f"VALUES ({', '.join('?' * len(STATION_FIELDS))}) RETURNING pk"
)


def _insert_many(cur: sqlite3.Cursor, rows: list[tuple[Any, ...]]) -> list[int]:
    return [int(cur.execute(_INSERT, row).fetchone()[0]) for row in rows]


class SqliteStore(StoreBase):
    """Stations in one SQLite file, with nearest, radius and bounding-box queries.

    Parameters
    ----------
    path
        SQLite file; created when missing. ``":memory:"`` keeps it in memory.
    tz
        IANA time zone in which opening hours are read. A new file stores it;
        ``None`` uses the stored one (``default_tz`` for a file that has none).
    default_tz
        The time zone a new file gets when ``tz`` is None.
    clock
        The current time (UTC) for every stamp written; tests pass a fixed one.

    Examples
    --------
    >>> from geo.types import Kind
    >>> store = SqliteStore(":memory:")
    >>> _ = store.add([Station("a", "Library", Kind.WORKER_STATION, 24.94, 60.17),
    ...                Station("b", "Depot", Kind.DRIVER_HOME, 24.95, 60.18)])
    >>> [(h.station.id, round(h.distance_m)) for h in store.nearest(24.94, 60.17, k=2)]
    [('a', 0), ('b', 1245)]
    """

    dialect = SQLITE
    backend = "sqlite"

    def __init__(
        self,
        path: str | Path,
        *,
        tz: str | None = None,
        default_tz: str = DEFAULT_TZ,
        clock: Clock = utc_now,
    ) -> None:
        self.path = self.location = str(path)
        self.clock = clock
        self._lock = threading.RLock()
        check_tz(tz)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA busy_timeout = 30000")
        if self.path != ":memory:":
            self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)
        self._migrate()
        stored = self._db.execute("SELECT value FROM meta WHERE key='tz'").fetchone()
        self.tz: str = tz or (stored[0] if stored else check_tz(default_tz) or DEFAULT_TZ)
        if stored is None:
            self._db.execute("INSERT OR IGNORE INTO meta VALUES ('tz', ?)", (self.tz,))
        self._data_version = -1
        self._loaded_version = -1
        self._fresh()

    # -- lifecycle -------------------------------------------------------------
    def _migrate(self) -> None:
        """Bring a file written by an older version up to the current columns."""
        have = {r[1] for r in self._db.execute("PRAGMA table_info(stations)")}
        for column, decl, _ in ADDED_COLUMNS:
            if column in have:
                continue
            try:
                self._db.execute(f"ALTER TABLE stations ADD COLUMN {column} {decl}")
                log.info("%s: added the %s column", self.path, column)
            except sqlite3.OperationalError as exc:  # another process migrated it first
                if "duplicate column" not in str(exc):
                    raise
        self._db.execute(
            "UPDATE meta SET value=? WHERE key='schema' AND CAST(value AS INTEGER) < ?",
            (str(SCHEMA_VERSION), SCHEMA_VERSION),
        )

    def _fresh(self) -> None:
        """Reload the index and columns when another connection committed a station write.

        ``PRAGMA data_version`` changes only when another connection commits,
        so the common case costs one pragma; the version counter then tells a
        station write from a write to another table.
        """
        with self._lock:
            dv = int(self._db.execute("PRAGMA data_version").fetchone()[0])
            if dv == self._data_version or self._db.in_transaction:
                return
            self._data_version = dv
            cur = self._db.cursor()
            cur.execute("BEGIN")  # one snapshot: the counter and the rows agree
            try:
                version = int(
                    cur.execute("SELECT value FROM meta WHERE key='version'").fetchone()[0]
                )
                if version != self._loaded_version:
                    rows = cur.execute(
                        f"SELECT pk, {STATION_COLUMNS} FROM stations ORDER BY pk"
                    ).fetchall()
                    self._load(rows)
                    self._loaded_version = version
            finally:
                cur.execute("COMMIT")

    @contextmanager
    def read_now(self) -> Iterator[bool]:
        """Hold the store for reads that must not wait (an answer on a server's event loop).

        ``True``, holding the store's lock for the block, when the lock was free and the
        records in memory are current; ``False`` (nothing held) when a write in this process
        holds the store or another process committed since the last load (the reload, about
        2 s at 150,000 stations, belongs in a thread).
        """
        held = self._lock.acquire(blocking=False)
        try:
            current = held and not self._closed
            if current:
                dv = int(self._db.execute("PRAGMA data_version").fetchone()[0])
                current = dv == self._data_version and not self._db.in_transaction
            yield current
        finally:
            if held:
                self._lock.release()

    def _load(self, rows: list[tuple[Any, ...]]) -> None:
        self._mem = MemoryStations(rows, tz=self.tz)
        log.debug("loaded %d stations from %s", len(rows), self.path)

    def close(self) -> None:
        """Close the database file."""
        with self._lock:
            if not self._closed:
                self._db.close()
                self._closed = True

    def __enter__(self) -> SqliteStore:
        return self

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._db.execute(sql, tuple(params)).fetchall()

    def ensure_tables(self, tables: Iterable[Table]) -> None:
        """Create library tables (and their indexes) that do not exist yet, and add the
        columns declared since; one transaction, so processes starting together agree."""
        with self._lock:
            cur = self._db.cursor()
            cur.execute("BEGIN IMMEDIATE")
            try:
                for table in tables:
                    for sql in SQLITE.create(table):
                        cur.execute(sql)
                    have = [r[0] for r in cur.execute(SQLITE.columns_of, (table.name,))]
                    for sql in SQLITE.add_missing(table, have):
                        cur.execute(sql)
                cur.execute("COMMIT")
            except BaseException:
                cur.execute("ROLLBACK")
                raise

    def __len__(self) -> int:
        self._fresh()
        return len(self._mem)

    # -- reads -----------------------------------------------------------------
    def stations(self, where: StationFilter | None = None) -> list[Station]:
        """All stations passing ``where`` (every station when None), ordered by id."""
        if where is None:
            return list(self)
        self._fresh()
        with self._lock:  # one lock: a reload between the two steps cannot mix snapshots
            return self._mem.stations(self._mem.live(where))

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
        self._fresh()
        with self._lock:
            pks = (
                self._mem.live(where)
                if bbox is None
                else self._mem.bbox(*bbox, where=where or StationFilter(statuses=frozenset(Status)))
            )
            sql = (
                f"SELECT {STATION_COLUMNS} FROM stations "
                "WHERE pk IN (SELECT value FROM json_each(?))"
            )
            params: list[Any] = [json.dumps(pks.tolist())]
            if text:
                sql += (
                    " AND (instr(lower(name), lower(?)) > 0 OR instr(lower(address), lower(?)) > 0)"
                )
                params += [text, text]
            total = self._db.execute(f"SELECT count(*) FROM ({sql})", params).fetchone()[0]
            rows = self._db.execute(
                f"{sql} ORDER BY id LIMIT ? OFFSET ?", [*params, limit, offset]
            ).fetchall()
        return int(total), [row_to_station(r) for r in rows]

    def arrays(
        self, where: StationFilter | None = None
    ) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Ids, lon and lat of the stations passing ``where``, as arrays ordered by id."""
        self._fresh()
        with self._lock:
            return self._mem.arrays(self._mem.live(where))

    # -- writes ----------------------------------------------------------------
    @contextmanager
    def transaction(self, *, actor: str = "system", note: str = "") -> Iterator[Transaction]:
        """Writes that commit together at the end of the block, or not at all.

        The file's write lock is taken at the start (``BEGIN IMMEDIATE``), so
        transactions of every process on the file run one after another; the
        index and columns change after the commit.
        """
        self._fresh()
        with self._lock:
            cur = self._db.cursor()
            cur.execute("BEGIN IMMEDIATE")
            try:
                # Another process may have committed between the check above and BEGIN.
                version = int(
                    cur.execute("SELECT value FROM meta WHERE key='version'").fetchone()[0]
                )
                if version != self._loaded_version:
                    self._load(
                        cur.execute(
                            f"SELECT pk, {STATION_COLUMNS} FROM stations ORDER BY pk"
                        ).fetchall()
                    )
                    self._loaded_version = version
                tx = CursorTransaction(
                    cur, SQLITE, actor=actor, note=note, at=stamp(self.clock()),
                    insert_many=_insert_many,
                )  # fmt: skip
                yield tx
                tx.finish()
                cur.execute("COMMIT")
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            if tx.changes:
                self._loaded_version = version + 1
                self._apply(tx.changes)

    def _apply(self, changes: list[Change]) -> None:
        """After a commit: the same changes in memory."""
        self._mem.apply(changes)

    # -- spatial queries (StoreBase checks and converts the arguments) --------------
    def _nearest_many(
        self,
        x: npt.NDArray[np.float64],
        y: npt.NDArray[np.float64],
        k: int,
        where: StationFilter,
        max_dist_m: float | None,
    ) -> NearestHits:
        self._fresh()
        with self._lock:
            ids, _, dist, bearing = self._mem.nearest(x, y, k=k, where=where, max_dist_m=max_dist_m)
        return NearestHits(ids=ids, distance_m=dist, bearing_deg=bearing)

    def _nearest(
        self, x: float, y: float, k: int, where: StationFilter, max_dist_m: float | None
    ) -> list[StationHit]:
        self._fresh()
        with self._lock:
            _, pks, dist, bearing = self._mem.nearest(
                np.array([x]), np.array([y]), k=k, where=where, max_dist_m=max_dist_m
            )
            return self._hits(pks[0], dist[0], bearing[0])

    def _hits(
        self,
        pks: npt.NDArray[np.int64],
        dist: npt.NDArray[np.float64],
        bearing: npt.NDArray[np.float64],
    ) -> list[StationHit]:
        records = self._mem.records
        return [
            StationHit(records[pk], d, b)
            for pk, d, b in zip(pks.tolist(), dist.tolist(), bearing.tolist(), strict=True)
            if pk >= 0
        ]

    def _within(
        self, x: float, y: float, radius_m: float, where: StationFilter
    ) -> list[StationHit]:
        self._fresh()
        with self._lock:
            return self._hits(*self._mem.within(x, y, radius_m, where=where))

    def _in_bbox(
        self, w: float, s: float, e: float, n: float, where: StationFilter
    ) -> list[Station]:
        self._fresh()
        with self._lock:
            return self._mem.stations(self._mem.bbox(w, s, e, n, where=where))

    def verify_index(self) -> None:
        """Raise ``RuntimeError`` unless the index and the records in memory hold exactly the
        table's stations."""
        self._fresh()
        with self._lock:
            rows = self._db.execute(f"SELECT pk, {STATION_COLUMNS} FROM stations").fetchall()
            table = {int(r[0]): row_to_station(r[1:]) for r in rows}
            points = {(pk, st.lon, st.lat) for pk, st in table.items()}
            indexed = set(self._mem.items())
            same_records = self._mem.records == table
        if points != indexed or len(self._mem) != len(table):
            raise RuntimeError(
                f"spatial index drifted from table: {len(points - indexed)} missing, "
                f"{len(indexed - points)} stale"
            )
        if not same_records:
            raise RuntimeError("station records in memory drifted from the table")
