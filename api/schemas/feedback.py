"""Riders' reports and proposals, and the planners' review of them."""

from __future__ import annotations

from typing import Annotated, Literal

from geojson_pydantic import (
    Feature,
    FeatureCollection,
    Point,
)
from pydantic import BaseModel, ConfigDict, Field

from api.body_rules import (
    Absent,
    AmenityCode,
    RequestBody,
    station_text,
)
from api.schemas.stations import StationFeature
from geo.crs import COORD_SYSTEMS
from geo.feedback import MAX_CONTACT, MAX_TEXT, ReportKind, ReviewStatus
from geo.limits import HOURS_FORMAT, STATION_ID_PATTERN, STATION_ID_RULE
from geo.types import AMENITIES, Kind

# -- reports and proposals ------------------------------------------------------

_PRIVATE = " Only with the planner key."
_POSITION = (
    "[lon, lat] in the request's crs; rounded to 0.001° (about 100 m) without the planner key"
)


class ReportIn(RequestBody):
    """A report on a station. ``lon``/``lat`` are in the system of ``crs``, given here or as
    the query parameter (both: they must agree)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"kind": "wrong_hours", "hours": "Mo-Su 07:00-22:00", "text": "Open weekends now"},
                {"kind": "amenity_missing", "amenity": "microwave", "text": "Broken"},
                {"kind": "confirmed"},
            ],
            # Which fields each kind needs or refuses (the server's rules, for the schema).
            "allOf": [
                {"dependentRequired": {"lon": ["lat"], "lat": ["lon"]}},
                {
                    "if": {"properties": {"kind": {"const": "wrong_location"}}},
                    "then": {"required": ["lon", "lat"]},
                },
                {
                    "if": {"properties": {"kind": {"const": "wrong_hours"}}},
                    "then": {
                        "required": ["hours"],
                        "properties": {"hours": {"minLength": 1, "format": HOURS_FORMAT}},
                    },
                    "else": {"properties": {"hours": {"maxLength": 0}}},
                },
                {
                    "if": {"properties": {"kind": {"const": "amenity_missing"}}},
                    "then": {
                        "required": ["amenity"],
                        "properties": {"amenity": {"enum": list(AMENITIES)}},
                    },
                    "else": {"properties": {"amenity": {"maxLength": 0}}},
                },
            ],
        },
    )

    kind: ReportKind = Field(
        description="closed (for good), wrong_location (give lon/lat), wrong_hours (give "
        "hours), amenity_missing (give amenity; missing or broken), full, or confirmed "
        "(visited and all fine; sets last_verified at once)",
        examples=["wrong_hours"],
    )
    text: str = Field(
        "", max_length=MAX_TEXT, description="Free text", examples=["Closed since May"]
    )
    lon: Annotated[float, Field(ge=-180, le=180, strict=True)] | Absent = Field(
        None, description="Where the station really is, or where you are (with lat)"
    )
    lat: Annotated[float, Field(ge=-90, le=90, strict=True)] | Absent = Field(
        None, examples=[60.1842]
    )
    hours: str = Field(
        "",
        max_length=MAX_TEXT,
        description="Right opening hours (OSM syntax)",
        examples=["24/7"],
        json_schema_extra={"format": HOURS_FORMAT},
    )
    amenity: str = Field(
        "",
        max_length=50,
        description=f"The amenity missing or broken, one of: {', '.join(AMENITIES)}",
        examples=["water"],
    )
    contact: str = Field(
        "",
        max_length=MAX_CONTACT,
        description="How a planner may reach you (optional; never shown publicly)",
    )
    crs: str | Absent = Field(
        None,
        description="System of lon/lat and of the answer's position (as the crs query "
        "parameter; give either, or both equal)",
        examples=["gcj02"],
        json_schema_extra={"enum": list(COORD_SYSTEMS)},
    )


class ReportOut(BaseModel):
    """A report; private fields appear only with the planner key."""

    id: int = Field(description="Report number", examples=[12])
    station_id: str = Field(examples=["lib"])
    kind: ReportKind = Field(examples=["wrong_hours"])
    status: ReviewStatus = Field(description="open, accepted or rejected", examples=["open"])
    text: str = Field("", examples=["Open weekends now"])
    hours: str = Field(
        "", description="The proposed hours, OSM form", examples=["Mo-Su 09:00-21:00"]
    )
    hours_text: str = Field(
        "",
        description="The hours as the rider wrote them (when not OSM)",
        examples=["每天9点到21点"],
    )
    amenity: str = Field("", examples=[""])
    position: list[float] | None = Field(
        None, min_length=2, max_length=2, description=_POSITION, examples=[[24.951, 60.184]]
    )
    created_at: str = Field(
        description="Submitted, ISO 8601 UTC", examples=["2026-05-01T08:00:00Z"]
    )
    contact: str | None = Field(None, description="Submitter's contact." + _PRIVATE)
    client: str | None = Field(None, description="Submitting client's address." + _PRIVATE)
    resolved_at: str | None = Field(None, description="Accepted or rejected at." + _PRIVATE)
    resolved_by: str | None = Field(None, description="By whom." + _PRIVATE)
    resolution: str | None = Field(None, description="The planner's note." + _PRIVATE)
    receipt: str | None = Field(
        None,
        description="The rider's receipt token (only in the submission's response): "
        "GET /receipts/{receipt} shows where it stands",
        examples=["q3Yx0_Zr2cJ8a1kG5TtVfw"],
    )


class ReportPage(BaseModel):
    """A page of reports, newest first."""

    number_matched: int = Field(description="Reports matching in all", examples=[3])
    reports: list[ReportOut]


class ReviewIn(BaseModel):
    """Why (optional); who reviews is the API key's name, recorded in the history."""

    model_config = ConfigDict(extra="forbid")

    note: str = Field("", max_length=MAX_TEXT, examples=["Checked on site"])


class ProposalIn(BaseModel):
    """A proposed site for a new station, in the ``crs`` query parameter's system."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "lon": 24.9452,
                    "lat": 60.1688,
                    "note": "Riders wait outside the supermarket",
                    "kind": "rider_station",
                    "amenities": ["water", "charging"],
                    "proposer": "rider-8812",
                }
            ]
        },
    )

    lon: float = Field(ge=-180, le=180, strict=True, examples=[24.9452])
    lat: float = Field(ge=-90, le=90, strict=True, examples=[60.1688])
    note: str = Field("", max_length=MAX_TEXT, examples=["Riders wait outside the supermarket"])
    kind: Kind | None = Field(
        None, description="Kind of station wanted", examples=["rider_station"]
    )
    amenities: list[AmenityCode] = Field(
        default_factory=list,
        max_length=len(AMENITIES),
        description=f"Amenities wanted, from: {', '.join(AMENITIES)}",
        examples=[["water", "charging"]],
    )
    proposer: str = Field(
        "",
        max_length=MAX_CONTACT,
        description="Your id in the app, so that your proposals count once (never shown publicly)",
    )
    contact: str = Field("", max_length=MAX_CONTACT, description="Optional; never shown publicly")


class ProposalOut(BaseModel):
    """A proposal; private fields appear only with the planner key."""

    id: int = Field(examples=[4])
    status: ReviewStatus = Field(examples=["open"])
    note: str = Field("", examples=["Riders wait outside the supermarket"])
    kind: Kind | None = Field(None, examples=["rider_station"])
    amenities: list[str] = Field(default_factory=list, examples=[["water"]])
    position: list[float] = Field(
        min_length=2, max_length=2, description=_POSITION, examples=[[24.945, 60.169]]
    )
    created_at: str = Field(examples=["2026-05-01T08:00:00Z"])
    station_id: str = Field("", description="The planned station made from it, once accepted")
    proposer: str | None = Field(None, description="Proposer id." + _PRIVATE)
    contact: str | None = Field(None, description="Contact." + _PRIVATE)
    client: str | None = Field(None, description="Client address." + _PRIVATE)
    resolved_at: str | None = Field(None, description="Accepted or rejected at." + _PRIVATE)
    resolved_by: str | None = Field(None, description="By whom." + _PRIVATE)
    resolution: str | None = Field(None, description="The planner's note." + _PRIVATE)
    receipt: str | None = Field(
        None,
        description="The rider's receipt token (only in the submission's response): "
        "GET /receipts/{receipt} shows where it stands",
        examples=["q3Yx0_Zr2cJ8a1kG5TtVfw"],
    )


class ProposalGroupProperties(BaseModel):
    """Proposals within the grouping distance of each other, ranked for review."""

    rank: int = Field(description="1 = review first", examples=[1])
    gain: float | None = Field(
        description="Demand weight the group's site alone would newly cover (null: no demand)",
        examples=[14.0],
    )
    proposers: int = Field(description="Distinct proposers", examples=[3])
    kind: Kind | None = Field(None, description="Kind asked for most often")
    amenities: list[str] = Field(default_factory=list, description="Every amenity asked for")
    proposal_ids: list[int] = Field(description="Member proposals", examples=[[4, 7, 9]])
    proposals: list[ProposalOut] = Field(description="The member proposals")


class ProposalGroups(FeatureCollection[Feature[Point, ProposalGroupProperties]]):  # type: ignore[misc]
    """Open proposal groups at their centroids, in rank order."""

    standard: Literal["walk", "radius", "proposers"] = Field(
        description="How gains were counted: on foot within the default minutes, in a "
        "straight line within the default radius, or not at all (no demand data)",
        examples=["walk"],
    )
    group_m: float = Field(description="Grouping distance, m", examples=[150.0])


class ProposalAcceptIn(ReviewIn):
    """The planned station to make of a proposal's group."""

    name: Annotated[str, station_text("name", min_length=1)] = Field(
        examples=["Supermarket rider station"]
    )
    kind: Kind | None = Field(
        None, description="Default: the kind asked for most, else worker_station"
    )
    station_id: str | None = Field(
        None,
        description=f"Default: proposal-<group id>. {STATION_ID_RULE}",
        examples=["hel-101"],
        json_schema_extra={"pattern": STATION_ID_PATTERN},  # checked by geo, with its message
    )


class ProposalAcceptOut(BaseModel):
    """The planned station made, and the proposals it answers."""

    station: StationFeature
    proposal_ids: list[int] = Field(examples=[[4, 7, 9]])


class ProposalRejectOut(BaseModel):
    """The proposals rejected (the whole group)."""

    proposal_ids: list[int] = Field(examples=[[4, 7, 9]])
