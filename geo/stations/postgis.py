"""The station store on PostgreSQL + PostGIS, for many API workers on one database.

No state in the process: every read asks the database, so a write through one
worker is seen by every other at once. The station version counter
(``meta.version``) is bumped in the same transaction as each write, so caches
keyed on :attr:`PostgisStore.version` are invalidated through the database.

Spatial queries run in the database on a ``geography(Point, 4326)`` column
with a GiST index: nearest by KNN ordering (``<->``), radius by ``ST_DWithin``
and boxes by ``&&`` on a GiST index of the geometry. ``<->`` and the sphere
``ST_DWithin`` measure on the sphere; final distances and bearings come from
the WGS-84 geodesic (:func:`geo.spatial_index.geodesic_inverse`, the one distance
function of the embedded store, equal to ``pyproj.Geod``'s), and the
sphere-to-ellipsoid bound (under 0.6 %, margin 1 %) widens each search so
the answers are exact and equal to the embedded store's. Opening hours are
read in Python (:func:`geo.hours.is_open`), like everywhere else.

Transactions run at PostgreSQL's default READ COMMITTED level; the rows a
transaction changes are locked (``SELECT … FOR UPDATE``, or the ``UPDATE``
itself), so of two transactions guarded by ``UPDATE … WHERE status='open'``
the second sees the first's commit and changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
import numpy.typing as npt
import psycopg
from psycopg_pool import ConnectionPool

from geo._validate import check_page
from geo.errors import ConflictError, InvalidInputError
from geo.hours import DEFAULT_TZ, is_open
from geo.spatial_index import geodesic_inverse
from geo.stations.base import META, StoreBase
from geo.stations.cursor import CursorTransaction
from geo.stations.model import (
    ADDED_COLUMNS,
    SCHEMA_VERSION,
    SPHERE_SLACK,
    STATION_COLUMNS,
    Clock,
    StationFilter,
    check_tz,
    is_database_url,
    redacted_url,
    row_to_station,
    stamp,
    utc_now,
)
from geo.stations.store import Transaction
from geo.stations.tables import POSTGRES, Table
from geo.types import STATION_FIELDS, NearestHits, Station, StationHit, Status

__all__ = ["PostgisStore"]

_SCHEMA_LOCK = 7_240_611  # pg_advisory_xact_lock key: workers starting together make it once
_INSERT = (
    f"INSERT INTO stations ({STATION_COLUMNS}) "
    f"VALUES ({', '.join(['%s'] * len(STATION_FIELDS))}) RETURNING pk"
)

ADD_COLUMNS = "\n".join(
    f"ALTER TABLE stations ADD COLUMN IF NOT EXISTS {name} {pg};" for name, _, pg in ADDED_COLUMNS
)
_SCHEMA = f"""
CREATE EXTENSION IF NOT EXISTS postgis;
CREATE TABLE IF NOT EXISTS stations (
    pk BIGSERIAL PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    lon DOUBLE PRECISION NOT NULL CHECK (lon BETWEEN -180 AND 180),
    lat DOUBLE PRECISION NOT NULL CHECK (lat BETWEEN -90 AND 90),
    address TEXT NOT NULL DEFAULT '',
    district TEXT NOT NULL DEFAULT '',
    operator TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    amenities TEXT NOT NULL DEFAULT '',
    opening_hours TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'open',
    source TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL,
    geog geography(Point, 4326)
        GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint(lon, lat), 4326)::geography) STORED
);
CREATE INDEX IF NOT EXISTS stations_geog ON stations USING gist (geog);
CREATE INDEX IF NOT EXISTS stations_geom ON stations USING gist ((geog::geometry));
{META};
CREATE TABLE IF NOT EXISTS history (
    seq BIGSERIAL PRIMARY KEY,
    station_id TEXT NOT NULL,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    changes TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS history_station ON history (station_id, seq);
{ADD_COLUMNS}
INSERT INTO meta VALUES ('schema', '{SCHEMA_VERSION}'), ('version', '0') ON CONFLICT DO NOTHING;
UPDATE meta SET value = '{SCHEMA_VERSION}' WHERE key = 'schema' AND value::int < {SCHEMA_VERSION};
"""


def _insert_many(cur: psycopg.Cursor[Any], rows: list[tuple[Any, ...]]) -> list[int]:
    try:
        cur.executemany(_INSERT, rows, returning=True)
    except psycopg.errors.UniqueViolation:
        raise ConflictError("a station with one of these ids was added meanwhile") from None
    pks = []
    while True:
        row = cur.fetchone()
        assert row is not None
        pks.append(int(row[0]))
        if not cur.nextset():
            break
    return pks


def _filter_sql(f: StationFilter) -> tuple[str, list[Any]]:
    """SQL conditions for every part of ``f`` but the opening hours."""
    conds, params = ["TRUE"], []
    if f.statuses != frozenset(Status):
        conds.append("status = ANY(%s)")
        params.append([str(s) for s in f.statuses])
    if f.kinds:
        conds.append("kind = ANY(%s)")
        params.append([str(k) for k in f.kinds])
    if f.amenities:
        conds.append("string_to_array(amenities, ';') @> %s::text[]")
        params.append(list(f.amenities))
    if f.exclude_ids:
        conds.append("NOT (id = ANY(%s))")
        params.append(sorted(f.exclude_ids))
    return " AND ".join(conds), params


def _bbox_sql(w: float, s: float, e: float, n: float) -> tuple[str, list[Any]]:
    """A box test on the geometry's GiST index; two boxes across the antimeridian."""
    env = "geog::geometry && ST_MakeEnvelope(%s, %s, %s, %s, 4326)"
    if w <= e:
        return env, [w, s, e, n]
    return f"({env} OR {env})", [w, s, 180.0, n, -180.0, s, e, n]


class PostgisStore(StoreBase):
    """Stations in a PostGIS database, with nearest, radius and bounding-box queries.

    Parameters
    ----------
    url
        ``postgresql://user:password@host:port/database``; the PostGIS
        extension is created when missing (the role needs that right once).
    tz
        IANA time zone of opening hours. A new database stores it; ``None``
        uses the stored one (``default_tz`` for a database that has none).
    pool_size
        Most connections this process keeps open (API threads share them).
    default_tz
        The time zone a database that has none stored yet gets, when ``tz`` is None.
    clock
        The current time (UTC) for every stamp written; tests pass a fixed one.
    """

    dialect = POSTGRES
    backend = "postgis"

    def __init__(
        self,
        url: str,
        *,
        tz: str | None = None,
        pool_size: int = 8,
        default_tz: str = DEFAULT_TZ,
        clock: Clock = utc_now,
    ) -> None:
        if not is_database_url(url):
            raise InvalidInputError(f"{url!r} is not a postgresql:// URL")
        self.url = url
        self.path = self.location = redacted_url(url)
        self.clock = clock
        check_tz(tz)
        check_tz(default_tz)
        try:  # one plain connection first: a refused one fails now, not after a pool timeout
            psycopg.connect(url, connect_timeout=10).close()
        except psycopg.Error as exc:
            reason = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
            raise InvalidInputError(f"cannot connect to {self.path}: {reason}") from None
        self._pool = ConnectionPool(
            url, min_size=1, max_size=pool_size, open=True, kwargs={"autocommit": True}
        )
        with self._pool.connection() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
            conn.execute(_SCHEMA)
            row = conn.execute("SELECT value FROM meta WHERE key='tz'").fetchone()
            self.tz: str = tz or (row[0] if row else default_tz)
            if row is None:
                conn.execute("INSERT INTO meta VALUES ('tz', %s)", (self.tz,))

    # -- lifecycle -------------------------------------------------------------
    def close(self) -> None:
        """Close every connection of the pool."""
        if not self._closed:
            self._pool.close()
            self._closed = True

    def __enter__(self) -> PostgisStore:
        return self

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._pool.connection() as conn:
            return conn.execute(sql, tuple(params)).fetchall()

    def ensure_tables(self, tables: Iterable[Table]) -> None:
        """Create library tables (and their indexes) that do not exist yet, and add the
        columns declared since; under a lock, so workers starting together agree."""
        with self._pool.connection() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
            for table in tables:
                for sql in POSTGRES.create(table):
                    conn.execute(sql)
                have = [r[0] for r in conn.execute(POSTGRES.columns_of, (table.name,))]
                for sql in POSTGRES.add_missing(table, have):
                    conn.execute(sql)

    def __len__(self) -> int:
        return int(self._rows("SELECT count(*) FROM stations")[0][0])

    # -- reads -----------------------------------------------------------------
    def _open_now(self, stations: list[Station], f: StationFilter) -> list[Station]:
        """Those of ``stations`` whose hours say open at ``f.open_at`` (all when unset)."""
        if f.open_at is None:
            return stations
        state = {e: is_open(e, f.open_at, tz=self.tz) for e in {s.opening_hours for s in stations}}
        return [s for s in stations if state[s.opening_hours]]

    def _select(
        self, where: StationFilter, extra: str = "TRUE", params: Sequence[Any] = ()
    ) -> list[Station]:
        cond, fparams = _filter_sql(where)
        rows = self._rows(
            f"SELECT {STATION_COLUMNS} FROM stations WHERE {cond} AND {extra} ORDER BY id",
            [*fparams, *params],
        )
        return self._open_now([row_to_station(r) for r in rows], where)

    def stations(self, where: StationFilter | None = None) -> list[Station]:
        """All stations passing ``where`` (every station when None), ordered by id."""
        return list(self) if where is None else self._select(where)

    def query(
        self,
        *,
        where: StationFilter | None = None,
        bbox: tuple[float, float, float, float] | None = None,
        text: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> tuple[int, list[Station]]:
        """A page of stations matching filters, a WGS-84 box and a text search."""
        check_page(limit, offset)
        extra, params = ["TRUE"], []
        if bbox is not None:
            sql, p = _bbox_sql(*bbox)
            extra.append(sql)
            params += p
        if text:
            extra.append(
                "(strpos(lower(name), lower(%s)) > 0 OR strpos(lower(address), lower(%s)) > 0)"
            )
            params += [text, text]
        found = self._select(
            where or StationFilter(statuses=frozenset(Status)), " AND ".join(extra), params
        )
        return len(found), found[offset : offset + limit]

    def arrays(
        self, where: StationFilter | None = None
    ) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Ids, lon and lat of the stations passing ``where``, as arrays ordered by id."""
        found = self.stations(where)
        ids = np.array([s.id for s in found], dtype=object)
        return ids, np.array([s.lon for s in found], float), np.array([s.lat for s in found], float)

    # -- writes ----------------------------------------------------------------
    @contextmanager
    def transaction(self, *, actor: str = "system", note: str = "") -> Iterator[Transaction]:
        """Writes that commit together at the end of the block, or not at all."""
        with self._pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
            tx = CursorTransaction(
                cur, POSTGRES, actor=actor, note=note, at=stamp(self.clock()),
                insert_many=_insert_many,
            )  # fmt: skip
            yield tx
            tx.finish()

    # -- spatial queries ---------------------------------------------------------
    def _measured(
        self, x: float, y: float, rows: list[tuple[Any, ...]], f: StationFilter
    ) -> tuple[list[Station], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Stations of ``(pk, fields…)`` rows open as ``f`` asks, with geodesic distance and
        bearing, nearest first (ties by row key, as the embedded store)."""
        by_pk = {int(r[0]): row_to_station(r[1:]) for r in rows}
        keep = {id(s) for s in self._open_now(list(by_pk.values()), f)}
        pks = np.array([pk for pk, s in by_pk.items() if id(s) in keep], dtype=np.int64)
        if not pks.size:
            return [], np.empty(0), np.empty(0)
        found = [by_pk[int(pk)] for pk in pks]
        # the embedded store's distance function, so both backends report equal metres
        dist, az = geodesic_inverse(
            np.full(pks.size, x),
            np.full(pks.size, y),
            np.array([s.lon for s in found]),
            np.array([s.lat for s in found]),
        )
        order = np.lexsort((pks, dist))
        return [found[i] for i in order], dist[order], np.mod(np.asarray(az)[order], 360.0)

    def _nearest_one(
        self, x: float, y: float, k: int, f: StationFilter, max_dist_m: float | None
    ) -> tuple[list[Station], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        cond, params = _filter_sql(f)
        point = "ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography"
        if max_dist_m is not None:
            cond += f" AND ST_DWithin(geog, {point}, %s, false)"
            params += [x, y, max_dist_m / SPHERE_SLACK]
        n = max(4 * k, 16)
        while True:
            # KNN: the GiST index hands out stations in sphere-distance order.
            rows = self._rows(
                f"SELECT pk, {STATION_COLUMNS} FROM stations WHERE {cond} "
                f"ORDER BY geog <-> {point} LIMIT %s",
                [*params, x, y, n],
            )
            found, dist, az = self._measured(x, y, rows, f)
            if len(rows) < n or len(found) >= k:
                break
            n *= 4
        if len(rows) == n and len(found) >= k:
            # Every station within the k-th geodesic distance is within it / 0.99 on the
            # sphere: fetch them all, so an ellipsoid-nearer one beyond the KNN cut is kept.
            reach = float(dist[k - 1]) / SPHERE_SLACK
            rows = self._rows(
                f"SELECT pk, {STATION_COLUMNS} FROM stations WHERE {cond} "
                f"AND ST_DWithin(geog, {point}, %s, false)",
                [*params, x, y, reach],
            )
            found, dist, az = self._measured(x, y, rows, f)
        keep = dist <= max_dist_m if max_dist_m is not None else np.ones(dist.size, bool)
        idx = np.flatnonzero(keep)[:k]
        return [found[i] for i in idx], dist[idx], az[idx]

    # StoreBase checks and converts the arguments of the spatial queries.
    def _nearest_many(
        self,
        x: npt.NDArray[np.float64],
        y: npt.NDArray[np.float64],
        k: int,
        where: StationFilter,
        max_dist_m: float | None,
    ) -> NearestHits:
        ids = np.full((x.size, k), "", dtype=object)
        out_d = np.full((x.size, k), np.inf)
        out_b = np.full((x.size, k), np.nan)
        for i, (qx, qy) in enumerate(zip(x.tolist(), y.tolist(), strict=True)):
            found, dist, az = self._nearest_one(qx, qy, k, where, max_dist_m)
            ids[i, : len(found)] = [s.id for s in found]
            out_d[i, : len(found)] = dist
            out_b[i, : len(found)] = az
        return NearestHits(ids=ids, distance_m=out_d, bearing_deg=out_b)

    def _nearest(
        self, x: float, y: float, k: int, where: StationFilter, max_dist_m: float | None
    ) -> list[StationHit]:
        found, dist, az = self._nearest_one(x, y, k, where, max_dist_m)
        return [StationHit(s, float(d), float(b)) for s, d, b in zip(found, dist, az, strict=True)]

    def _within(
        self, x: float, y: float, radius_m: float, where: StationFilter
    ) -> list[StationHit]:
        cond, params = _filter_sql(where)
        rows = self._rows(
            f"SELECT pk, {STATION_COLUMNS} FROM stations WHERE {cond} AND "
            "ST_DWithin(geog, ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography, %s, false)",
            [*params, x, y, radius_m / SPHERE_SLACK],
        )
        found, dist, az = self._measured(x, y, rows, where)
        return [
            StationHit(s, float(d), float(b))
            for s, d, b in zip(found, dist, az, strict=True)
            if d <= radius_m
        ]

    def _in_bbox(
        self, w: float, s: float, e: float, n: float, where: StationFilter
    ) -> list[Station]:
        sql, params = _bbox_sql(w, s, e, n)
        return self._select(where, sql, params)
