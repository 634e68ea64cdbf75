"""The station registry on PostgreSQL + PostGIS, for many API workers on one database.

The same interface as :class:`geo.registry.StationRegistry`, with no state in
the process: every read asks the database, so a write through one worker is
seen by every other at once. The write counter (``meta.version``) is bumped in
the same transaction as each write; caches keyed on :attr:`PostgisRegistry.version`
(the service's coverage cache) are therefore invalidated through the database.

Spatial queries run in the database on a ``geography(Point, 4326)`` column
with a GiST index: nearest by KNN ordering (``<->``), radius by ``ST_DWithin``
and boxes by ``&&`` on a GiST index of the geometry. ``<->`` and the sphere
``ST_DWithin`` measure on the sphere; final distances and bearings come from
the WGS-84 geodesic (``pyproj.Geod``, as the embedded backend), and the
sphere-to-ellipsoid bound (under 0.6 %, margin 1 %) widens each search so
the answers are exact and equal to the embedded backend's. Opening hours are
read in Python (:func:`geo.hours.is_open`), like everywhere else.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import numpy.typing as npt
import psycopg
from numpy.typing import ArrayLike
from psycopg_pool import ConnectionPool

from geo._validate import check_page
from geo.errors import ConflictError, InvalidInputError, NotFoundError
from geo.hours import DEFAULT_TZ, is_open
from geo.registry import (
    _GEOD,
    _SPHERE_SLACK,
    HistoryEntry,
    StationFilter,
    StationRegistry,
    _history_rows,
    _now,
    _row_to_station,
    _station_params,
    check_station_write,
    wgs84_points,
)
from geo.types import STATION_FIELDS, CoordSystem, NearestHits, Station, StationHit, Status

__all__ = ["PostgisRegistry", "is_database_url"]

_COLS = ", ".join(STATION_FIELDS)
_MARKS = ", ".join(["%s"] * len(STATION_FIELDS))
_INSERT = f"INSERT INTO stations ({_COLS}) VALUES ({_MARKS}) RETURNING pk"
_UPDATE = f"UPDATE stations SET ({_COLS}) = ({_MARKS}) WHERE pk=%s"
_SCHEMA_LOCK = 7_240_611  # pg_advisory_xact_lock key: workers starting together make it once

_SCHEMA = """
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
    last_verified TEXT NOT NULL DEFAULT '',
    geog geography(Point, 4326)
        GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint(lon, lat), 4326)::geography) STORED
);
CREATE INDEX IF NOT EXISTS stations_geog ON stations USING gist (geog);
CREATE INDEX IF NOT EXISTS stations_geom ON stations USING gist ((geog::geometry));
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
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
INSERT INTO meta VALUES ('schema', '2'), ('version', '0') ON CONFLICT DO NOTHING;
"""

_Change = tuple[str, int, Station]


def is_database_url(target: object) -> bool:
    """Whether ``target`` names a PostgreSQL database rather than a SQLite file."""
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


def _redacted(url: str) -> str:
    """The URL without its password, for messages and logs."""
    return re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", url)


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


class PostgisRegistry:
    """Stations in a PostGIS database, with nearest, radius and bounding-box queries.

    Parameters
    ----------
    url
        ``postgresql://user:password@host:port/database``; the PostGIS
        extension is created when missing (the role needs that right once).
    tz
        IANA time zone of opening hours. A new database stores it; ``None``
        uses the stored one (Asia/Shanghai for a database that has none).
    pool_size
        Most connections this process keeps open (API threads share them).
    default_tz
        The time zone a database that has none stored yet gets, when ``tz`` is None.
    """

    def __init__(
        self,
        url: str,
        *,
        tz: str | None = None,
        pool_size: int = 8,
        default_tz: str = DEFAULT_TZ,
    ) -> None:
        if not is_database_url(url):
            raise InvalidInputError(f"{url!r} is not a postgresql:// URL")
        self.url = url
        self.path = _redacted(url)
        if tz is not None:
            try:
                ZoneInfo(tz)
            except (ZoneInfoNotFoundError, ValueError):
                raise InvalidInputError(f"tz={tz!r} is not an IANA time zone name") from None
        try:  # one plain connection first: a refused one fails now, not after a pool timeout
            psycopg.connect(url, connect_timeout=10).close()
        except psycopg.Error as exc:
            raise InvalidInputError(f"cannot connect to {self.path}: {exc}") from None
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

    # -- lifecycle -------------------------------------------------------
    def close(self) -> None:
        """Close every connection of the pool."""
        self._pool.close()

    def __enter__(self) -> PostgisRegistry:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._pool.connection() as conn:
            return conn.execute(sql, params).fetchall()  # type: ignore[arg-type]

    def __len__(self) -> int:
        return int(self._rows("SELECT count(*) FROM stations")[0][0])

    def __contains__(self, station_id: object) -> bool:
        return bool(self._rows("SELECT 1 FROM stations WHERE id=%s", (str(station_id),)))

    @property
    def version(self) -> int:
        """A counter that grows with every committed write, shared by every process."""
        return int(self._rows("SELECT value FROM meta WHERE key='version'")[0][0])

    # -- reads -----------------------------------------------------------
    def get(self, station_id: str) -> Station:
        """The station with this id; raises :class:`NotFoundError` when absent."""
        rows = self._rows(f"SELECT {_COLS} FROM stations WHERE id=%s", (station_id,))
        if not rows:
            raise NotFoundError(f"no station with id {station_id!r}")
        return _row_to_station(rows[0])

    def __iter__(self) -> Iterator[Station]:
        return (_row_to_station(r) for r in self._rows(f"SELECT {_COLS} FROM stations ORDER BY id"))

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
            f"SELECT {_COLS} FROM stations WHERE {cond} AND {extra} ORDER BY id",
            [*fparams, *params],
        )
        return self._open_now([_row_to_station(r) for r in rows], where)

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

    def history(self, station_id: str) -> list[HistoryEntry]:
        """Every committed write to a station, oldest first (also after it was deleted)."""
        rows = self._rows(
            "SELECT station_id, at, actor, action, changes, note FROM history "
            "WHERE station_id=%s ORDER BY seq",
            (station_id,),
        )
        if not rows and station_id not in self:
            raise NotFoundError(f"no station with id {station_id!r}")
        return [HistoryEntry(r[0], r[1], r[2], r[3], json.loads(r[4]), r[5]) for r in rows]

    # -- writes ----------------------------------------------------------
    def _write(
        self, body: Callable[[psycopg.Cursor[Any]], list[_Change]], *, actor: str, note: str
    ) -> None:
        """Run ``body`` in one transaction with its history rows and the version bump."""
        with self._pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
            changes = body(cur)
            cur.executemany(
                "INSERT INTO history (station_id, at, actor, action, changes, note) "
                "VALUES (%s, %s, %s, %s, %s, %s)",
                _history_rows(changes, actor=actor, note=note, at=_now()),
            )
            cur.execute("UPDATE meta SET value = (value::bigint + 1)::text WHERE key='version'")

    def add(
        self,
        stations: Station | Iterable[Station],
        *,
        replace: bool = False,
        actor: str = "system",
        note: str = "",
    ) -> list[Station]:
        """Insert stations in one transaction (``replace`` updates existing ids)."""
        checked = check_station_write(stations)

        def body(cur: psycopg.Cursor[Any]) -> list[_Change]:
            ids = [st.id for st in checked]
            # Row locks, so a concurrent writer of the same ids waits for this one.
            cur.execute(f"SELECT pk, {_COLS} FROM stations WHERE id = ANY(%s) FOR UPDATE", (ids,))
            old = {r[1]: r for r in cur.fetchall()}
            if old and not replace:
                raise ConflictError(f"a station with id {next(iter(old))!r} exists already")
            changes: list[_Change] = []
            for st in checked:
                if st.id in old:
                    pk = int(old[st.id][0])
                    cur.execute(_UPDATE, (*_station_params(st), pk))
                    changes += [("del", pk, _row_to_station(old[st.id][1:])), ("ins", pk, st)]
            new = [st for st in checked if st.id not in old]
            if new:
                try:
                    cur.executemany(_INSERT, [_station_params(st) for st in new], returning=True)
                except psycopg.errors.UniqueViolation:
                    raise ConflictError(
                        "a station with one of these ids was added meanwhile"
                    ) from None
                pks = []
                while True:
                    pks.append(int(cur.fetchone()[0]))  # type: ignore[index]
                    if not cur.nextset():
                        break
                changes += [("ins", pk, st) for pk, st in zip(pks, new, strict=True)]
            return changes

        self._write(body, actor=actor, note=note)
        return checked

    def update(
        self, station_id: str, *, actor: str = "system", note: str = "", **changes: Any
    ) -> Station:
        """Change fields of one station (not its id), computed from the row locked in the write."""
        changes = StationRegistry._update_args(station_id, changes)
        result: list[Station] = []

        def body(cur: psycopg.Cursor[Any]) -> list[_Change]:
            cur.execute(f"SELECT pk, {_COLS} FROM stations WHERE id=%s FOR UPDATE", (station_id,))
            old = cur.fetchone()
            if old is None:
                raise NotFoundError(f"no station with id {station_id!r}")
            before = _row_to_station(old[1:])
            new = StationRegistry._checked(
                before.replace(**changes).replace(updated_at=_now()), new_id=False
            )
            cur.execute(_UPDATE, (*_station_params(new), old[0]))
            result.append(new)
            return [("del", int(old[0]), before), ("ins", int(old[0]), new)]

        self._write(body, actor=actor, note=note)
        return result[0]

    def delete(self, station_id: str, *, actor: str = "system", note: str = "") -> None:
        """Remove one station; raises :class:`NotFoundError` when absent."""

        def body(cur: psycopg.Cursor[Any]) -> list[_Change]:
            cur.execute(f"DELETE FROM stations WHERE id=%s RETURNING pk, {_COLS}", (station_id,))
            old = cur.fetchone()
            if old is None:
                raise NotFoundError(f"no station with id {station_id!r}")
            return [("del", int(old[0]), _row_to_station(old[1:]))]

        self._write(body, actor=actor, note=note)

    # -- spatial queries -------------------------------------------------
    def _measured(
        self, x: float, y: float, rows: list[tuple[Any, ...]], f: StationFilter
    ) -> tuple[list[Station], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Stations of ``(pk, fields…)`` rows open as ``f`` asks, with geodesic distance and
        bearing, nearest first (ties by row key, as the embedded backend)."""
        by_pk = {int(r[0]): _row_to_station(r[1:]) for r in rows}
        keep = {id(s) for s in self._open_now(list(by_pk.values()), f)}
        pks = np.array([pk for pk, s in by_pk.items() if id(s) in keep], dtype=np.int64)
        if not pks.size:
            return [], np.empty(0), np.empty(0)
        found = [by_pk[int(pk)] for pk in pks]
        az, _, dist = _GEOD.inv(
            np.full(pks.size, x),
            np.full(pks.size, y),
            np.array([s.lon for s in found]),
            np.array([s.lat for s in found]),
        )
        dist = np.asarray(dist, dtype=float)
        order = np.lexsort((pks, dist))
        return [found[i] for i in order], dist[order], np.mod(np.asarray(az)[order], 360.0)

    def _nearest_one(
        self, x: float, y: float, k: int, f: StationFilter, max_dist_m: float | None
    ) -> tuple[list[Station], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        cond, params = _filter_sql(f)
        point = "ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography"
        if max_dist_m is not None:
            cond += f" AND ST_DWithin(geog, {point}, %s, false)"
            params += [x, y, max_dist_m / _SPHERE_SLACK]
        n = max(4 * k, 16)
        while True:
            # KNN: the GiST index hands out stations in sphere-distance order.
            rows = self._rows(
                f"SELECT pk, {_COLS} FROM stations WHERE {cond} ORDER BY geog <-> {point} LIMIT %s",
                [*params, x, y, n],
            )
            found, dist, az = self._measured(x, y, rows, f)
            if len(rows) < n or len(found) >= k:
                break
            n *= 4
        if len(rows) == n and len(found) >= k:
            # Every station within the k-th geodesic distance is within it / 0.99 on the
            # sphere: fetch them all, so an ellipsoid-nearer one beyond the KNN cut is kept.
            reach = float(dist[k - 1]) / _SPHERE_SLACK
            rows = self._rows(
                f"SELECT pk, {_COLS} FROM stations WHERE {cond} "
                f"AND ST_DWithin(geog, {point}, %s, false)",
                [*params, x, y, reach],
            )
            found, dist, az = self._measured(x, y, rows, f)
        keep = dist <= max_dist_m if max_dist_m is not None else np.ones(dist.size, bool)
        idx = np.flatnonzero(keep)[:k]
        return [found[i] for i in idx], dist[idx], az[idx]

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
        """The ``k`` nearest stations of many points (as :meth:`StationRegistry.nearest_many`)."""
        StationRegistry._nearest_args(k, max_dist_m)
        qx, qy = wgs84_points(lon, lat, crs)
        f = where or StationFilter()
        ids = np.full((qx.size, k), "", dtype=object)
        out_d = np.full((qx.size, k), np.inf)
        out_b = np.full((qx.size, k), np.nan)
        for i, (x, y) in enumerate(zip(qx.tolist(), qy.tolist(), strict=True)):
            found, dist, az = self._nearest_one(x, y, k, f, max_dist_m)
            ids[i, : len(found)] = [s.id for s in found]
            out_d[i, : len(found)] = dist
            out_b[i, : len(found)] = az
        return NearestHits(ids=ids, distance_m=out_d, bearing_deg=out_b)

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
        """The ``k`` nearest stations to one point, nearest first, with full records."""
        StationRegistry._nearest_args(k, max_dist_m)
        qx, qy = wgs84_points([lon], [lat], crs)
        found, dist, az = self._nearest_one(
            float(qx[0]), float(qy[0]), k, where or StationFilter(), max_dist_m
        )
        return [StationHit(s, float(d), float(b)) for s, d, b in zip(found, dist, az, strict=True)]

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
        x, y = float(qx[0]), float(qy[0])
        f = where or StationFilter()
        cond, params = _filter_sql(f)
        rows = self._rows(
            f"SELECT pk, {_COLS} FROM stations WHERE {cond} AND "
            "ST_DWithin(geog, ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography, %s, false)",
            [*params, x, y, radius_m / _SPHERE_SLACK],
        )
        found, dist, az = self._measured(x, y, rows, f)
        return [
            StationHit(s, float(d), float(b))
            for s, d, b in zip(found, dist, az, strict=True)
            if d <= radius_m
        ]

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
        sql, params = _bbox_sql(float(w), float(s), float(e), float(n))
        return self._select(where or StationFilter(statuses=frozenset(Status)), sql, params)


def _bbox_sql(w: float, s: float, e: float, n: float) -> tuple[str, list[Any]]:
    """A box test on the geometry's GiST index; two boxes across the antimeridian."""
    env = "geog::geometry && ST_MakeEnvelope(%s, %s, %s, %s, 4326)"
    if w <= e:
        return env, [w, s, e, n]
    return f"({env} OR {env})", [w, s, 180.0, n, -180.0, s, e, n]
