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
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from numpy.typing import ArrayLike

from geo._validate import check_page
from geo.errors import InvalidInputError
from geo.hours import DEFAULT_TZ
from geo.spatial_index import SpatialIndex
from geo.stations.base import META, CursorTransaction, StoreBase
from geo.stations.columns import StationColumns
from geo.stations.model import (
    ADDED_COLUMNS,
    GEOD,
    SCHEMA_VERSION,
    SPHERE_SLACK,
    STATION_COLUMNS,
    Change,
    Clock,
    StationFilter,
    check_nearest_args,
    check_tz,
    row_to_station,
    stamp,
    utc_now,
    wgs84_points,
)
from geo.stations.store import Transaction
from geo.stations.tables import SQLITE, Table
from geo.types import (
    STATION_FIELDS,
    CoordSystem,
    NearestHits,
    Station,
    StationHit,
    Status,
)

__all__ = ["SqliteStore"]

log = logging.getLogger(__name__)

_BULK_REBUILD = 5_000

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

    def _load(self, rows: list[tuple[Any, ...]]) -> None:
        cols = StationColumns()
        pks = np.array([r[0] for r in rows], dtype=np.int64)
        for r in rows:
            cols.set(int(r[0]), row_to_station(r[1:]))
        self._cols = cols
        self._index = SpatialIndex(pks, cols.lon[pks], cols.lat[pks])
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
        return len(self._index)

    # -- reads -----------------------------------------------------------------
    def _by_pk(self, pks: Sequence[int]) -> dict[int, Station]:
        rows = self._rows(
            f"SELECT pk, {STATION_COLUMNS} FROM stations "
            "WHERE pk IN (SELECT value FROM json_each(?))",
            (json.dumps([int(p) for p in pks]),),
        )
        return {int(r[0]): row_to_station(r[1:]) for r in rows}

    def _live(self, where: StationFilter | None) -> npt.NDArray[np.int64]:
        """Row keys of the stations passing ``where``, from a fresh index."""
        self._fresh()
        with self._lock:
            pks = np.flatnonzero(self._cols.live).astype(np.int64)
            return pks if where is None else pks[self._cols.passes(pks, where, self.tz)]

    def stations(self, where: StationFilter | None = None) -> list[Station]:
        """All stations passing ``where`` (every station when None), ordered by id."""
        if where is None:
            return list(self)
        found = self._by_pk(self._live(where).tolist())
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
        self._fresh()
        with self._lock:
            pks = (
                self._index.bbox(*bbox)
                if bbox is not None
                else np.flatnonzero(self._cols.live).astype(np.int64)
            )
            if where is not None:
                pks = pks[self._cols.passes(pks, where, self.tz)]
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
        pks = self._live(where)
        with self._lock:
            ids = self._cols.ids[pks]
            pks = pks[np.argsort(ids.astype(str), kind="stable")]
            return self._cols.ids[pks], self._cols.lon[pks].copy(), self._cols.lat[pks].copy()

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
        """After a commit: the same changes in the columns and the index."""
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

    # -- spatial queries ---------------------------------------------------------
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
        f = where or StationFilter()
        nq = qx.size
        out_pk = np.full((nq, k), -1, dtype=np.int64)
        out_d = np.full((nq, k), np.inf)
        out_b = np.full((nq, k), np.nan)
        self._fresh()
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
                az, _, dist = GEOD.inv(
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
                bound = reach * SPHERE_SLACK
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
        return self._hits(list(hits.ids[0]), list(hits.distance_m[0]), list(hits.bearing_deg[0]))

    def _hits(
        self, ids: Sequence[str], dist: Sequence[float], bearing: Sequence[float]
    ) -> list[StationHit]:
        live = [(i, d, b) for i, d, b in zip(ids, dist, bearing, strict=True) if i]
        rows = self._rows(
            f"SELECT {STATION_COLUMNS} FROM stations WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps([i for i, _, _ in live]),),
        )
        by_id = {r[0]: row_to_station(r) for r in rows}
        return [StationHit(by_id[i], float(d), float(b)) for i, d, b in live if i in by_id]

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
        qx, qy = wgs84_points(lon, lat, crs)
        f = where or StationFilter()
        self._fresh()
        with self._lock:
            cand = self._index.ball(float(qx[0]), float(qy[0]), radius_m / SPHERE_SLACK)
            cand = cand[self._cols.passes(cand, f, self.tz)]
            az, _, dist = GEOD.inv(
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
        (w, e), (s, n) = wgs84_points([west, east], [south, north], crs)
        self._fresh()
        with self._lock:
            cand = self._index.bbox(float(w), float(s), float(e), float(n))
            cand = cand[
                self._cols.passes(cand, where or StationFilter(statuses=frozenset(Status)), self.tz)
            ]
        found = self._by_pk(cand.tolist())
        return sorted(found.values(), key=lambda st: st.id)

    def verify_index(self) -> None:
        """Raise ``RuntimeError`` unless the index holds exactly the table's points."""
        self._fresh()
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
