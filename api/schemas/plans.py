"""Bodies of the what-if plans routes (``/plans``)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from api.body_rules import Absent, RequestBody, station_text
from api.lang import KindName
from geo.limits import STATION_ID_PATTERN, STATION_ID_RULE
from geo.plans.model import MAX_CHANGES

__all__ = [
    "AddChangeIn",
    "CapacityChangeIn",
    "ChangeIn",
    "CloseChangeIn",
    "HoursChangeIn",
    "PlanApplyOut",
    "PlanCompareOut",
    "PlanIn",
    "PlanOut",
]

StationId = Annotated[
    str,
    Field(
        description=f"An existing station's id ({STATION_ID_RULE})",
        examples=["hel-001"],
        json_schema_extra={"pattern": STATION_ID_PATTERN},  # geo checks, with its message
    ),
]
Capacity = Annotated[float, Field(ge=0, le=1e9, strict=True, allow_inf_nan=False)]


class AddChangeIn(RequestBody):
    """Add a station at a point (in the ``crs`` query parameter's system)."""

    kind: Literal["add"]
    lon: float = Field(ge=-180, le=180, strict=True, examples=[24.9384])
    lat: float = Field(ge=-90, le=90, strict=True, examples=[60.1699])
    station_kind: KindName = Field(description="A kind code or its Chinese name")
    name: Annotated[str, station_text("name", min_length=1)] | Absent = None
    station_id: StationId | Absent = None
    hours: Annotated[str, station_text("opening_hours")] | Absent = Field(
        None, description="OSM opening_hours or a Chinese phrasing", examples=["24/7"]
    )
    capacity: Capacity | None = Field(None, description="Seats or people per hour")


class CloseChangeIn(RequestBody):
    """Close a station (its status becomes ``closed`` when the plan is applied)."""

    kind: Literal["close"]
    station_id: StationId


class HoursChangeIn(RequestBody):
    """Change a station's opening hours."""

    kind: Literal["hours"]
    station_id: StationId
    hours: Annotated[str, station_text("opening_hours")] = Field(
        description="OSM opening_hours or a Chinese phrasing", examples=["7×24小时"]
    )


class CapacityChangeIn(RequestBody):
    """Change a station's capacity (null: unknown)."""

    kind: Literal["capacity"]
    station_id: StationId
    capacity: Capacity | None = Field(examples=[20])


ChangeIn = Annotated[
    AddChangeIn | CloseChangeIn | HoursChangeIn | CapacityChangeIn, Field(discriminator="kind")
]


class PlanIn(RequestBody):
    """A new what-if plan: its name and its changes (the region is the ``region`` query
    parameter)."""

    name: Annotated[str, station_text("name", min_length=1)] = Field(examples=["Night shift 2027"])
    changes: list[ChangeIn] = Field(min_length=1, max_length=MAX_CHANGES)


class PlanOut(BaseModel):
    """A plan as kept (coordinates WGS-84)."""

    id: int = Field(examples=[1])
    name: str
    region: str
    status: Literal["draft", "applied"]
    created_at: str
    created_by: str
    applied_at: str = Field(description="Empty while a draft")
    applied_by: str
    changes: list[dict[str, Any]]


class PlanApplyOut(PlanOut):
    """The applied plan and the stations it wrote."""

    written: list[str] = Field(description="Ids of the stations written, in order")


class PlanCompareOut(BaseModel):
    """The region's figures before and after the plan, side by side."""

    plan: PlanOut
    region: str
    minutes: float
    added: list[str]
    closed: list[str]
    changed: list[str] = Field(description="Stations whose hours or capacity change")
    night_at: str = Field(description="Local time of the night coverage")
    rows: list[dict[str, Any]] = Field(
        description="Headline figures: figure, before, after, change (null: not measurable)"
    )
    before: dict[str, Any]
    after: dict[str, Any]
    notes: list[str]
