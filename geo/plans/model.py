"""What a plan is: a named set of changes to a region's stations, and the table that keeps it.

A change is one of four kinds (:class:`ChangeKind`): ``add`` a station at a
point, ``close`` a station, change a station's ``hours`` or its ``capacity``.
:func:`parse_changes` checks a list of changes as a client sends them (plain
dicts) and names the change and the field at fault (:class:`PlanChangeError`);
nothing here touches a store.
"""

from __future__ import annotations

import enum
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from geo.errors import InvalidInputError
from geo.hours_zh import hours_fields
from geo.io import stable_id
from geo.limits import TEXT_MAX_LENGTH, station_id_problem, text_problem
from geo.names import parse_kind_name
from geo.stations.tables import Column, Table
from geo.types import Kind

__all__ = [
    "MAX_CHANGES",
    "MAX_NAME",
    "PLANS",
    "PLANS_COUNTER",
    "ChangeKind",
    "Plan",
    "PlanChange",
    "PlanChangeError",
    "PlanStatus",
    "check_name",
    "parse_changes",
    "plan_from_row",
]

MAX_CHANGES = 500
"""Most changes one plan may hold."""
MAX_NAME = TEXT_MAX_LENGTH["name"]
"""Longest plan name, in characters."""

PLANS = Table(
    "plans",
    (
        Column("name", "text", ""),
        Column("region", "text", ""),
        Column("changes", "text", "[]"),
        Column("status", "text", "draft"),
        Column("created_at", "text", ""),
        Column("created_by", "text", ""),
        Column("applied_at", "text", ""),
        Column("applied_by", "text", ""),
    ),
    indexes=(("status", "id"),),
)
"""What-if plans (their changes as JSON)."""
PLANS_COUNTER = "plans_version"
"""Store counter bumped by every plan write (for caches of comparisons)."""


class ChangeKind(enum.StrEnum):
    """What one change of a plan does."""

    ADD = "add"
    CLOSE = "close"
    HOURS = "hours"
    CAPACITY = "capacity"


class PlanStatus(enum.StrEnum):
    """A plan is a draft until a planner applies it."""

    DRAFT = "draft"
    APPLIED = "applied"


class PlanChangeError(InvalidInputError):
    """A change of a plan is wrong; ``index`` and ``field`` say which and where.

    Parameters
    ----------
    index
        The change's place in the plan, from 0.
    field
        The field at fault (``station_id``, ``lon``, ``hours`` …).
    reason
        What is wrong with it.
    """

    def __init__(self, index: int, field: str, reason: str) -> None:
        self.index = index
        self.field = field
        self.reason = reason
        super().__init__(f"changes[{index}].{field}: {reason}")


@dataclass(frozen=True, slots=True)
class PlanChange:
    """One change of a plan.

    Attributes
    ----------
    kind
        One of :class:`ChangeKind`.
    station_id
        The station changed (``close``, ``hours``, ``capacity``) or the id the
        new station gets (``add``: given, else made from its name and place).
    lon, lat
        WGS-84 position of a new station (``add``).
    station_kind
        Kind of a new station (``add``).
    name
        Name of a new station (``add``).
    hours
        Opening hours in OSM form (``hours``, optional for ``add``).
    hours_text
        The hours as written, when that differs from the OSM form.
    capacity
        New capacity (``capacity``; None clears it), or a new station's.
    """

    kind: ChangeKind
    station_id: str
    lon: float | None = None
    lat: float | None = None
    station_kind: Kind | None = None
    name: str = ""
    hours: str = ""
    hours_text: str = ""
    capacity: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, with only the fields of its kind."""
        out: dict[str, Any] = {"kind": str(self.kind), "station_id": self.station_id}
        if self.kind is ChangeKind.ADD:
            out.update(lon=self.lon, lat=self.lat, station_kind=str(self.station_kind))
            out.update(name=self.name, hours=self.hours, capacity=self.capacity)
        elif self.kind is ChangeKind.HOURS:
            out["hours"] = self.hours
        elif self.kind is ChangeKind.CAPACITY:
            out["capacity"] = self.capacity
        if self.hours_text:
            out["hours_text"] = self.hours_text
        return out

    def station_fields(self) -> dict[str, Any]:
        """The station fields this change writes (``close``, ``hours``, ``capacity``)."""
        if self.kind is ChangeKind.CLOSE:
            return {"status": "closed"}
        if self.kind is ChangeKind.HOURS:
            return {"opening_hours": self.hours, "opening_hours_text": self.hours_text}
        if self.kind is ChangeKind.CAPACITY:
            return {"capacity": self.capacity}
        raise ValueError("an add change writes a whole station")


@dataclass(frozen=True, slots=True)
class Plan:
    """A named set of changes to a region, kept until a planner applies it.

    Attributes
    ----------
    id
        Plan number, from 1.
    name
        What the planner calls it.
    region
        The region it is measured in.
    changes
        Its changes, in order.
    status
        One of :class:`PlanStatus`.
    created_at, created_by
        When and by whom it was made (ISO 8601 UTC; a key's name).
    applied_at, applied_by
        When and by whom it was applied (empty while a draft).
    """

    id: int
    name: str
    region: str
    changes: tuple[PlanChange, ...]
    status: PlanStatus = PlanStatus.DRAFT
    created_at: str = ""
    created_by: str = ""
    applied_at: str = ""
    applied_by: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (``GET /plans/{id}``, ``plan list --json``)."""
        return {
            "id": self.id,
            "name": self.name,
            "region": self.region,
            "status": str(self.status),
            "created_at": self.created_at,
            "created_by": self.created_by,
            "applied_at": self.applied_at,
            "applied_by": self.applied_by,
            "changes": [c.to_dict() for c in self.changes],
        }


def _number(index: int, name: str, value: Any, *, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise PlanChangeError(index, name, f"{value!r} is not a number")
    try:
        x = float(value)
    except ValueError:
        raise PlanChangeError(index, name, f"{value!r} is not a number") from None
    if not (math.isfinite(x) and low <= x <= high):
        raise PlanChangeError(index, name, f"{value!r} must lie in [{low:g}, {high:g}]")
    return x


def _text(index: int, name: str, value: Any, *, station_field: str = "name") -> str:
    if not isinstance(value, str):
        raise PlanChangeError(index, name, f"{value!r} is not text")
    problem = text_problem(station_field, value)
    if problem:
        raise PlanChangeError(index, name, problem)
    return value.strip()


def _station_id(index: int, value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise PlanChangeError(index, "station_id", "a station id is needed")
    problem = station_id_problem(value)
    if problem:
        raise PlanChangeError(index, "station_id", problem)
    return value


def _capacity(index: int, value: Any) -> float | None:
    return None if value is None else _number(index, "capacity", value, low=0.0, high=1e9)


def _hours(index: int, value: Any) -> tuple[str, str]:
    if not isinstance(value, str):
        raise PlanChangeError(index, "hours", f"{value!r} is not text")
    try:
        got = hours_fields(value, field_name=f"changes[{index}].hours")
    except InvalidInputError as exc:
        raise PlanChangeError(index, "hours", str(exc)) from None
    return got["opening_hours"], got["opening_hours_text"]


_FIELDS = {
    ChangeKind.ADD: {
        "kind",
        "lon",
        "lat",
        "station_kind",
        "name",
        "station_id",
        "hours",
        "capacity",
    },
    ChangeKind.CLOSE: {"kind", "station_id"},
    ChangeKind.HOURS: {"kind", "station_id", "hours"},
    ChangeKind.CAPACITY: {"kind", "station_id", "capacity"},
}


def _one(index: int, raw: Mapping[str, Any], plan_name: str) -> PlanChange:
    if not isinstance(raw, Mapping):
        raise PlanChangeError(index, "kind", f"a change is an object, not {raw!r}")
    try:
        kind = ChangeKind(str(raw.get("kind")))
    except ValueError:
        choices = ", ".join(k.value for k in ChangeKind)
        raise PlanChangeError(
            index, "kind", f"{raw.get('kind')!r} is not one of {choices}"
        ) from None
    extra = sorted(set(raw) - _FIELDS[kind])
    if extra:
        raise PlanChangeError(index, extra[0], f"a {kind} change has no field {extra[0]!r}")
    for need in sorted(_FIELDS[kind] - {"name", "station_id", "hours", "capacity"}):
        if raw.get(need) is None:
            raise PlanChangeError(index, need, f"a {kind} change needs {need}")
    if kind is ChangeKind.ADD:
        lon = _number(index, "lon", raw["lon"], low=-180.0, high=180.0)
        lat = _number(index, "lat", raw["lat"], low=-90.0, high=90.0)
        try:
            station_kind = parse_kind_name(str(raw["station_kind"]), argument="station_kind")
        except InvalidInputError as exc:
            raise PlanChangeError(index, "station_kind", str(exc)) from None
        name = _text(index, "name", raw.get("name") or f"{plan_name} #{index + 1}")
        sid = raw.get("station_id")
        sid = _station_id(index, sid) if sid is not None else stable_id(name, lon, lat)
        hours, text = _hours(index, raw.get("hours") or "")
        return PlanChange(
            kind,
            sid,
            lon,
            lat,
            station_kind,
            name,
            hours,
            text,
            _capacity(index, raw.get("capacity")),
        )
    sid = _station_id(index, raw.get("station_id"))
    if kind is ChangeKind.HOURS:
        if raw.get("hours") is None:
            raise PlanChangeError(index, "hours", "an hours change needs hours")
        hours, text = _hours(index, raw["hours"])
        return PlanChange(kind, sid, hours=hours, hours_text=text)
    if kind is ChangeKind.CAPACITY:
        if "capacity" not in raw:
            raise PlanChangeError(index, "capacity", "a capacity change needs capacity (or null)")
        return PlanChange(kind, sid, capacity=_capacity(index, raw["capacity"]))
    return PlanChange(kind, sid)


def parse_changes(raw: Sequence[Mapping[str, Any]], *, plan_name: str = "plan") -> list[PlanChange]:
    """Check a plan's changes as a client sends them; the changes, in order.

    Parameters
    ----------
    raw
        One mapping per change: ``kind`` (``add``, ``close``, ``hours``,
        ``capacity``); ``station_id`` (the station changed; for ``add`` an
        optional id); for ``add``: ``lon``, ``lat`` (WGS-84),
        ``station_kind``, optional ``name``, ``hours``, ``capacity``; for
        ``hours``: ``hours`` (OSM or Chinese wording); for ``capacity``:
        ``capacity`` (a number ≥ 0, or None to clear it).
    plan_name
        Names new stations that have no name (``NAME #3``).

    Returns
    -------
    list of PlanChange

    Raises
    ------
    PlanChangeError
        Naming the change (from 0) and the field at fault: a wrong value, a
        station changed after the plan closes it, a new id used twice.

    Examples
    --------
    >>> [c.kind.value for c in parse_changes([
    ...     {"kind": "close", "station_id": "a"},
    ...     {"kind": "hours", "station_id": "b", "hours": "每天9点到21点"}])]
    ['close', 'hours']
    >>> parse_changes([{"kind": "capacity", "station_id": "a", "capacity": -1}])
    Traceback (most recent call last):
    ...
    geo.plans.model.PlanChangeError: changes[0].capacity: -1 must lie in [0, 1e+09]
    """
    if isinstance(raw, str | bytes) or not isinstance(raw, Sequence):
        raise InvalidInputError("changes must be a list of changes")
    if not raw:
        raise InvalidInputError("changes: a plan needs at least one change")
    if len(raw) > MAX_CHANGES:
        raise InvalidInputError(f"changes: {len(raw)} changes; at most {MAX_CHANGES}")
    out: list[PlanChange] = []
    closed: dict[str, int] = {}
    added: dict[str, int] = {}
    for i, item in enumerate(raw):
        change = _one(i, item, plan_name)
        sid = change.station_id
        if sid in closed:
            raise PlanChangeError(
                i, "station_id", f"station {sid!r} is closed by changes[{closed[sid]}]"
            )
        if change.kind is ChangeKind.ADD:
            if sid in added:
                raise PlanChangeError(
                    i, "station_id", f"id {sid!r} is added by changes[{added[sid]}] too"
                )
            added[sid] = i
        if change.kind is ChangeKind.CLOSE:
            closed[sid] = i
        out.append(change)
    return out


def check_name(name: Any) -> str:
    """A plan's name, stripped; :class:`InvalidInputError` when empty or too long."""
    if not isinstance(name, str) or not name.strip():
        raise InvalidInputError("name: a plan needs a name")
    problem = text_problem("name", name)
    if problem:
        raise InvalidInputError(f"name: {problem}")
    return name.strip()


def plan_from_row(row: Mapping[str, Any]) -> Plan:
    """A :class:`Plan` from a row of :data:`PLANS`."""
    changes = tuple(
        PlanChange(
            ChangeKind(c["kind"]),
            c["station_id"],
            c.get("lon"),
            c.get("lat"),
            Kind(c["station_kind"]) if c.get("station_kind") else None,
            c.get("name", ""),
            c.get("hours", ""),
            c.get("hours_text", ""),
            c.get("capacity"),
        )
        for c in json.loads(str(row["changes"]))
    )
    return Plan(
        int(row["id"]),
        str(row["name"]),
        str(row["region"]),
        changes,
        PlanStatus(str(row["status"])),
        str(row["created_at"]),
        str(row["created_by"]),
        str(row["applied_at"]),
        str(row["applied_by"]),
    )
