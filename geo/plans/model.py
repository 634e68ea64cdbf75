"""What a plan is: a named set of changes to a region's stations, and the table that keeps it.

A change is one of four kinds (:class:`ChangeKind`): ``add`` a station at a
point, ``close`` a station, change a station's ``hours`` or its ``capacity``.
:func:`geo.plans.checks.parse_changes` checks changes as clients send them.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from geo.errors import InvalidInputError
from geo.limits import TEXT_MAX_LENGTH
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
