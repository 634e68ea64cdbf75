"""Schemas of the rider's loop and the inspection cycle (issue 22), beside :mod:`api.schemas`."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from api.body_rules import AmenityCode
from api.deps import ISO_OR_NOW
from api.schemas import StationCollection, StationPatch
from geo.feedback import State
from geo.feedback.model import MAX_TEXT


class StepOut(BaseModel):
    """One step of a report's or proposal's history."""

    state: State = Field(description="The state after this step", examples=["under_review"])
    event: str = Field(
        description="submitted, reply, accepted, rejected, building or opened", examples=["reply"]
    )
    at: str = Field(description="ISO 8601 UTC", examples=["2026-05-02T09:00:00Z"])
    actor: str = Field("", description="The planner key's name (empty for the rider)")
    reply: str = Field("", description="The planner's text", examples=["We will look at it"])
    station_id: str = Field("", description="The station the step concerns, if any")


class ReceiptStation(BaseModel):
    """The station a receipt concerns (reported on, or answering the proposal)."""

    id: str = Field(examples=["lib"])
    name: str = Field(examples=["Kallio Library"])
    status: str = Field(examples=["planned"])


class ReceiptOut(BaseModel):
    """Where a report or proposal stands; nothing about any rider."""

    item: Literal["report", "proposal"] = Field(examples=["proposal"])
    kind: str = Field("", description="Report kind, or the kind of station proposed")
    state: State = Field(
        description="submitted, under_review, accepted, building, done or rejected",
        examples=["building"],
    )
    station: ReceiptStation | None = None
    steps: list[StepOut]


class ReplyIn(BaseModel):
    """A planner's reply, shown to the rider on the receipt."""

    model_config = ConfigDict(extra="forbid")
    text: str = Field(
        min_length=1,
        max_length=MAX_TEXT,
        pattern=r"\S",  # some text, not only spaces
        examples=["We will survey it this week"],
    )


class ProposalStepIn(BaseModel):
    """The next step of an accepted proposal's station."""

    model_config = ConfigDict(extra="forbid")
    step: Literal["building", "opened"] = Field(examples=["building"])
    note: str = Field("", max_length=MAX_TEXT, description="Shown to the proposers")


class ProposalLinkIn(BaseModel):
    """An existing station that answers an open proposal's group."""

    model_config = ConfigDict(extra="forbid")
    station_id: str = Field(min_length=1, max_length=200, examples=["lib"])
    note: str = Field("", max_length=MAX_TEXT, description="Shown to the proposers")


class ProposalIdsOut(BaseModel):
    """The proposals a step moved."""

    proposal_ids: list[int] = Field(examples=[[4, 7]])


class ResponseFiguresOut(BaseModel):
    """Response times of one group of items; days are fractional."""

    group: str = Field(description="District or planner key ('*': all; '': none)")
    items: int
    replied: int
    resolved: int
    reply_median_days: float | None
    reply_p90_days: float | None
    resolution_median_days: float | None
    resolution_p90_days: float | None
    open_past_limit: int = Field(description="Unresolved and older than limit_days")


class ResponseTimesOut(BaseModel):
    """Response-time figures as of ``at``."""

    at: str = Field(examples=["2026-05-10T00:00:00Z"])
    limit_days: float = Field(examples=[7])
    overall: ResponseFiguresOut
    by_district: list[ResponseFiguresOut]
    by_planner: list[ResponseFiguresOut]


class InspectionIn(BaseModel):
    """What an inspector found; ``changes`` are applied to the station in the same transaction."""

    model_config = ConfigDict(extra="forbid")
    at: str = Field(
        "now",
        pattern=ISO_OR_NOW,
        description="When it was inspected, ISO 8601 (default now)",
        examples=["2026-06-01T10:00:00+08:00"],
    )
    amenities_found: list[AmenityCode] = Field(
        default_factory=list, max_length=50, examples=[["water", "toilet"]]
    )
    hours_seen: str = Field("", max_length=MAX_TEXT, examples=["Mo-Su 08:00-20:00"])
    notes: str = Field("", max_length=MAX_TEXT, examples=["microwave broken"])
    changes: StationPatch | None = Field(None, description="Station fields to change")


class InspectionOut(BaseModel):
    """One recorded inspection."""

    id: int
    station_id: str
    at: str
    inspector: str
    amenities_found: list[str]
    hours_seen: str
    notes: str


class ClosureNote(BaseModel):
    """A station left out because it is temporarily closed at the query time."""

    id: str = Field(examples=["lib"])
    name: str = Field(examples=["Kallio Library"])
    since: str = Field(examples=["2026-09-01T00:00:00Z"])
    until: str = Field("", description="Reopens then (ISO 8601 UTC); empty: not yet known")
    reason: str = Field("", examples=["typhoon"])


class NearestCollection(StationCollection):  # type: ignore[misc,valid-type]
    """The nearest stations, and those nearer that are temporarily closed (left out)."""

    temporarily_closed: list[ClosureNote] | None = Field(
        None, description="Stations that would be among these but are temporarily closed"
    )
    mode: str | None = Field(
        None, description="How they were ranked: straight, or the travel mode on streets"
    )


class ClosureIn(BaseModel):
    """Close a station for a while."""

    model_config = ConfigDict(extra="forbid")
    since: str = Field("now", pattern=ISO_OR_NOW, examples=["2026-09-01T00:00:00+08:00"])
    until: str | None = Field(
        None, pattern=ISO_OR_NOW, description="Reopening time; none: until reopened by hand"
    )
    reason: str = Field("", max_length=200, examples=["typhoon"])


class ScoreOut(BaseModel):
    """A station's star rating: score = 100 × (0.6 amenities + 0.25 hours + 0.15 reports)."""

    station_id: str
    name: str
    district: str
    score: int = Field(ge=0, le=100, examples=[78])
    stars: int = Field(ge=0, le=5, examples=[4])
    amenities: float = Field(description="Share of the kind's standard amenities found")
    hours: float = Field(description="1 hours kept, 0 not, 0.5 not seen")
    reports: float = Field(description="1 − min(problem reports accepted in a year, 5) / 5")
    inspected_at: str
