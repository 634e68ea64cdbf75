"""What both station stores share: filters, history entries, write checks, stamps and rows.

Nothing here touches a database connection. The SQLite and PostGIS stores
(:mod:`geo.stations.sqlite`, :mod:`geo.stations.postgis`) import this module
and never each other; the SQL that differs between them is in
:mod:`geo.stations.tables`.
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
    "HistoryEntry",
    "StationFilter",
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
ADDED_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("last_verified", "TEXT NOT NULL DEFAULT ''", "TEXT NOT NULL DEFAULT ''"),  # schema 2
    (
        "capacity",  # schema 3
        "REAL CHECK (capacity IS NULL OR capacity >= 0)",
        "DOUBLE PRECISION CHECK (capacity IS NULL OR capacity >= 0)",
    ),
    ("opening_hours_text", "TEXT NOT NULL DEFAULT ''", "TEXT NOT NULL DEFAULT ''"),  # schema 4
)
"""Station columns added after the first schema: (name, SQLite type, PostgreSQL type).
Each store adds those a table made by an older version lacks."""
SCHEMA_VERSION = 1 + len(ADDED_COLUMNS)
"""The schema a store writes in its ``meta`` table."""
NULLABLE_FIELDS = frozenset({"capacity"})
"""Station fields an update may set to null (``None``: unknown)."""
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


def checked_station(st: Station, *, new_id: bool = True) -> Station:
    """A station normalised (enums, sorted amenities, floats) and validated, else a named error."""
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
    empty = sorted(f for f, v in changes.items() if v is None and f not in NULLABLE_FIELDS)
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
