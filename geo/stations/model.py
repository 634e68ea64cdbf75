"""What both station stores share: filters, history entries, write checks, row and SQL helpers.

Nothing here touches a database connection. The SQLite and PostGIS stores
(:mod:`geo.stations.sqlite`, :mod:`geo.stations.postgis`) import this module
and never each other; each passes its own :class:`Dialect` to the helpers that
write SQL, so a library table (reports, proposals, rate-limit buckets) is
declared once as a :class:`Table` and queried the same way on both.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import numpy.typing as npt
import pyproj
from numpy.typing import ArrayLike

from geo._validate import check_lonlat, check_station, parse_amenities, parse_kinds
from geo.crs import convert, parse_coord_system
from geo.errors import ConflictError, InvalidInputError
from geo.types import STATION_FIELDS, CoordSystem, Kind, Station, Status

__all__ = [
    "GEOD",
    "SPHERE_SLACK",
    "STATION_COLUMNS",
    "Change",
    "Clock",
    "Column",
    "Dialect",
    "HistoryEntry",
    "StationFilter",
    "Table",
    "check_nearest_args",
    "check_station_write",
    "check_tz",
    "checked_station",
    "history_rows",
    "is_database_url",
    "redacted_url",
    "row_to_station",
    "stamp",
    "station_params",
    "update_args",
    "utc_now",
    "wgs84_points",
]

GEOD = pyproj.Geod(ellps="WGS84")
"""The WGS-84 ellipsoid, on which every distance and bearing is measured."""
SPHERE_SLACK = 0.99
"""Geodesic length on WGS-84 is at least 0.9944 × the great-circle length on the mean
sphere (the smallest radius of curvature, at the equator); 1 % is a margin. Candidate
searches on the sphere are widened by this factor so no ellipsoid-nearer station is missed."""
STATION_COLUMNS = ", ".join(STATION_FIELDS)
"""The station fields as an SQL column list, in :data:`geo.types.STATION_FIELDS` order."""

Clock = Callable[[], datetime]
"""What a store asks for the current time (tests pass a fixed one)."""

Change = tuple[Literal["del", "ins"], int, Station]
"""One station change inside a write: removed (``del``) or written (``ins``) at a row key.
A ``del`` followed by an ``ins`` of the same key is an update."""


def utc_now() -> datetime:
    """The current time in UTC (the default :data:`Clock`)."""
    return datetime.now(UTC)


def stamp(when: datetime) -> str:
    """An ISO 8601 UTC stamp to the second, ``2026-05-01T10:00:00Z`` (naive means UTC)."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def is_database_url(target: object) -> bool:
    """Whether ``target`` names a PostgreSQL database rather than a SQLite file."""
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


def redacted_url(url: str) -> str:
    """A database URL without its password, for messages and logs.

    >>> redacted_url("postgresql://app:hunter2@db:5432/stations")
    'postgresql://app:***@db:5432/stations'
    """
    return re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", url)


def check_tz(tz: str | None) -> str | None:
    """``tz`` unchanged when it is an IANA time zone name (or None); else a named error."""
    if tz is not None:
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            raise InvalidInputError(f"tz={tz!r} is not an IANA time zone name") from None
    return tz


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
        are in the store's time zone. ``None`` ignores opening hours.
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


# -- stations: checks and rows ------------------------------------------------


def row_to_station(row: Sequence[Any]) -> Station:
    """A station from a row of :data:`STATION_COLUMNS`."""
    rec = dict(zip(STATION_FIELDS, row, strict=True))
    rec["kind"] = Kind(rec["kind"])
    rec["status"] = Status(rec["status"])
    rec["amenities"] = tuple(a for a in rec["amenities"].split(";") if a)
    return Station(**rec)


def station_params(st: Station) -> tuple[Any, ...]:
    """The values of a station in :data:`STATION_COLUMNS` order."""
    rec = st.to_record()
    return tuple(rec[f] for f in STATION_FIELDS)


def checked_station(st: Station) -> Station:
    """A station normalised (enums, sorted amenities, floats) and validated, else a named error."""
    st = st.replace(
        kind=Kind(st.kind) if st.kind in set(Kind) else st.kind,
        status=Status(st.status) if st.status in set(Status) else st.status,
        amenities=tuple(sorted(set(st.amenities))),
        lon=float(st.lon),
        lat=float(st.lat),
    )
    problems = check_station(st)
    if problems:
        raise InvalidInputError(f"station {st.id!r}: " + "; ".join(str(p) for p in problems))
    return st


def check_station_write(stations: Station | Iterable[Station], *, at: str) -> list[Station]:
    """Stations about to be written: validated, stamped ``at``, and no id twice in one write."""
    batch = [stations] if isinstance(stations, Station) else list(stations)
    checked = [checked_station(s).replace(updated_at=at) for s in batch]
    seen: set[str] = set()
    for s in checked:
        if s.id in seen:
            raise ConflictError(f"station id {s.id!r} appears twice in one write")
        seen.add(s.id)
    return checked


def update_args(station_id: str, changes: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of an update, checked: known names, no new id, no nulls, amenities parsed."""
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
    out = dict(changes)
    if "amenities" in out:
        out["amenities"] = parse_amenities(out["amenities"], argument="amenities")
    return out


def check_nearest_args(k: object, max_dist_m: float | None) -> None:
    """Raise unless ``k`` is a whole number ≥ 1 and ``max_dist_m`` is None or positive."""
    if not isinstance(k, int | np.integer) or k < 1:
        raise InvalidInputError(f"k={k!r} must be a whole number ≥ 1")
    if max_dist_m is not None and not max_dist_m > 0:
        raise InvalidInputError(f"max_dist_m={max_dist_m!r} must be > 0")


def wgs84_points(
    lon: ArrayLike, lat: ArrayLike, crs: CoordSystem | str
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Query points checked and converted from ``crs`` to WGS-84."""
    x, y = check_lonlat(lon, lat)
    if parse_coord_system(str(crs)) != "wgs84":
        x, y = convert(x, y, src=crs, dst="wgs84")
    return x, y


def history_rows(
    changes: Sequence[Change], *, actor: str, note: str, at: str
) -> list[tuple[str, str, str, str, str, str]]:
    """History rows ``(station_id, at, actor, action, changes, note)`` of a write's changes."""
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


# -- library tables: declared once, SQL for either dialect ------------------------


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a library table: name, type and default (None: nullable, no default)."""

    name: str
    type: Literal["int", "real", "text"]
    default: int | float | str | None = None


@dataclass(frozen=True, slots=True)
class Table:
    """A table that a library module (feedback, rate limits) keeps in the stations' store.

    Parameters
    ----------
    name
        Table name.
    columns
        Every column but the key.
    key
        ``"id"``: an automatic integer key named ``id``; else the name of a
        text key (one of ``columns``) that the caller chooses.
    indexes
        Column tuples to index.
    """

    name: str
    columns: tuple[Column, ...]
    key: str = "id"
    indexes: tuple[tuple[str, ...], ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        """Every column name, the key first."""
        own = tuple(c.name for c in self.columns)
        return own if self.key in own else ("id", *own)

    def check(self, names: Iterable[str]) -> None:
        """Raise ``ValueError`` for a column this table does not have (a programming error)."""
        bad = sorted(set(names) - set(self.names))
        if bad:
            raise ValueError(f"table {self.name} has no column(s) {', '.join(bad)}")


_OPS = {"": "=", "=": "=", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">=", "in": "in"}


@dataclass(frozen=True, slots=True)
class Dialect:
    """The SQL that differs between SQLite and PostgreSQL.

    Attributes
    ----------
    mark
        The parameter placeholder (``?`` or ``%s``).
    columns_of
        A query of the column names of the table named by its one parameter.
    serial_key
        The column definition of an automatic integer key.
    types
        SQL type of each :class:`Column` type.
    in_list
        SQL testing a column against one list parameter (``{col}`` is replaced).
    list_param
        Turns a Python list into that parameter.
    """

    mark: str
    columns_of: str
    serial_key: str
    types: Mapping[str, str]
    in_list: str
    list_param: Callable[[list[Any]], Any]

    def column(self, table: Table, c: Column) -> str:
        """The definition of one column."""
        sql = f"{c.name} {self.types[c.type]}"
        if c.name == table.key:
            return sql + " PRIMARY KEY"
        if c.default is None:
            return sql
        default = f"{c.default!r}" if c.type == "text" else f"{c.default}"
        return f"{sql} NOT NULL DEFAULT {default}"

    def create(self, table: Table) -> list[str]:
        """``CREATE TABLE`` and ``CREATE INDEX`` statements (idempotent)."""
        cols = []
        if table.key == "id" and "id" not in {c.name for c in table.columns}:
            cols.append(f"id {self.serial_key}")
        cols += [self.column(table, c) for c in table.columns]
        out = [f"CREATE TABLE IF NOT EXISTS {table.name} ({', '.join(cols)})"]
        for idx in table.indexes:
            table.check(idx)
            out.append(
                f"CREATE INDEX IF NOT EXISTS {table.name}_{'_'.join(idx)} "
                f"ON {table.name} ({', '.join(idx)})"
            )
        return out

    def add_missing(self, table: Table, have: Iterable[str]) -> list[str]:
        """``ALTER TABLE … ADD COLUMN`` for each column declared since the table was made
        (a later version's new column; rows already there get its default)."""
        present = set(have)
        return [
            f"ALTER TABLE {table.name} ADD COLUMN {self.column(table, c)}"
            for c in table.columns
            if c.name not in present and c.name != table.key
        ]

    def where(self, table: Table, where: Mapping[str, Any] | None) -> tuple[str, list[Any]]:
        """A ``WHERE`` clause (or ``""``) and its parameters.

        Keys are a column name, or a column and an operator: ``"created_at >="``,
        ``"status !="``, ``"id in"`` (the value a list).
        """
        if not where:
            return "", []
        conds, params = [], []
        for key, value in where.items():
            col, _, op = key.partition(" ")
            table.check([col])
            if op not in _OPS:
                raise ValueError(f"unknown operator {op!r} in {key!r}")
            if _OPS[op] == "in":
                conds.append(self.in_list.replace("{col}", col))
                params.append(self.list_param(list(value)))
            elif value is None and _OPS[op] in ("=", "<>"):
                conds.append(f"{col} IS {'NOT ' if op == '!=' else ''}NULL")
            else:
                conds.append(f"{col} {_OPS[op]} {self.mark}")
                params.append(value)
        return " WHERE " + " AND ".join(conds), params

    def select(
        self,
        table: Table,
        where: Mapping[str, Any] | None,
        *,
        order_by: Sequence[str],
        limit: int | None,
        offset: int,
        lock: bool,
    ) -> tuple[str, list[Any]]:
        """A ``SELECT`` of every column, ordered (a column, or ``-column`` for descending)."""
        cond, params = self.where(table, where)
        table.check(o.lstrip("-") for o in order_by)
        order = ", ".join(
            f"{o.lstrip('-')}{' DESC' if o.startswith('-') else ''}" for o in order_by
        )
        sql = f"SELECT {', '.join(table.names)} FROM {table.name}{cond}"
        if order:
            sql += f" ORDER BY {order}"
        if limit is not None or offset:
            sql += f" LIMIT {self.mark} OFFSET {self.mark}"
            params += [limit if limit is not None else 2**63 - 1, offset]
        if lock and self.mark == "%s":  # SQLite locks the whole file for a write transaction
            sql += " FOR UPDATE"
        return sql, params

    def insert(self, table: Table, values: Mapping[str, Any], *, if_absent: bool) -> str:
        """An ``INSERT`` of ``values`` (column → value) returning the key."""
        table.check(values)
        cols = ", ".join(values)
        marks = ", ".join([self.mark] * len(values))
        tail = f" ON CONFLICT ({table.key}) DO NOTHING" if if_absent else ""
        return f"INSERT INTO {table.name} ({cols}) VALUES ({marks}){tail} RETURNING {table.key}"

    def upsert(self, table: Table, values: Mapping[str, Any]) -> str:
        """An ``INSERT`` that replaces the other columns of a row whose key exists."""
        table.check(values)
        cols = ", ".join(values)
        marks = ", ".join([self.mark] * len(values))
        sets = ", ".join(f"{c} = excluded.{c}" for c in values if c != table.key)
        return (
            f"INSERT INTO {table.name} ({cols}) VALUES ({marks}) "
            f"ON CONFLICT ({table.key}) DO UPDATE SET {sets}"
        )

    def update(
        self, table: Table, values: Mapping[str, Any], where: Mapping[str, Any] | None
    ) -> tuple[str, list[Any]]:
        """An ``UPDATE`` setting ``values`` on the rows ``where`` selects."""
        table.check(values)
        cond, params = self.where(table, where)
        sets = ", ".join(f"{c} = {self.mark}" for c in values)
        return f"UPDATE {table.name} SET {sets}{cond}", [*values.values(), *params]

    def delete(
        self,
        table: Table,
        where: Mapping[str, Any] | None,
        *,
        order_by: Sequence[str],
        limit: int | None,
    ) -> tuple[str, list[Any]]:
        """A ``DELETE`` of the rows ``where`` selects (the first ``limit`` in ``order_by``)."""
        if limit is None:
            cond, params = self.where(table, where)
            return f"DELETE FROM {table.name}{cond}", params
        inner, params = self.select(
            table, where, order_by=order_by, limit=limit, offset=0, lock=False
        )
        inner = inner.replace(f"SELECT {', '.join(table.names)}", f"SELECT {table.key}", 1)
        return f"DELETE FROM {table.name} WHERE {table.key} IN ({inner})", params


SQLITE = Dialect(
    mark="?",
    columns_of="SELECT name FROM pragma_table_info(?)",
    serial_key="INTEGER PRIMARY KEY AUTOINCREMENT",
    types={"int": "INTEGER", "real": "REAL", "text": "TEXT"},
    in_list="{col} IN (SELECT value FROM json_each(?))",
    list_param=json.dumps,
)
"""SQLite's dialect (3.35 or newer, for ``RETURNING``)."""

POSTGRES = Dialect(
    mark="%s",
    columns_of="SELECT column_name FROM information_schema.columns "
    "WHERE table_schema = current_schema() AND table_name = %s",
    serial_key="BIGSERIAL PRIMARY KEY",
    types={"int": "BIGINT", "real": "DOUBLE PRECISION", "text": "TEXT"},
    in_list="{col} = ANY(%s)",
    list_param=lambda values: values,
)
"""PostgreSQL's dialect."""

__all__ += ["POSTGRES", "SQLITE"]
