"""Reports and proposals: their kinds, review states, records and the tables that hold them.

The tables (:data:`REPORTS`, :data:`PROPOSALS`) are declared once as
:class:`~geo.stations.model.Table` and live in whichever store holds the
stations (SQLite or PostGIS), so a review can change a station and the
report in one transaction.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from geo._validate import check_lonlat
from geo.crs import convert, parse_coord_system
from geo.errors import InvalidInputError, NotFoundError
from geo.stations.records import record_from_row, split_codes, text_columns
from geo.stations.tables import Column, Table
from geo.types import CoordSystem, Kind

__all__ = [
    "FEEDBACK_COUNTER",
    "MAX_CONTACT",
    "MAX_TEXT",
    "PROPOSALS",
    "PROPOSAL_GROUP_M",
    "REPORTS",
    "Proposal",
    "ProposalGroup",
    "Report",
    "ReportKind",
    "ReviewStatus",
    "clean_text",
    "parse_review_status",
    "position_wgs84",
    "proposal_from_row",
    "report_from_row",
    "review_by",
    "row_id",
]

MAX_TEXT = 500
"""Longest free text of a report or proposal, in characters."""
MAX_CONTACT = 200
"""Longest contact or proposer id, in characters."""
PROPOSAL_GROUP_M = 150.0
"""Default distance within which proposals are grouped, metres."""


class ReportKind(enum.StrEnum):
    """What a report says about a station."""

    CLOSED = "closed"  # closed for good
    WRONG_LOCATION = "wrong_location"
    WRONG_HOURS = "wrong_hours"
    AMENITY_MISSING = "amenity_missing"  # missing or broken
    FULL = "full"
    CONFIRMED = "confirmed"  # visited and all fine


class ReviewStatus(enum.StrEnum):
    """Where a report or proposal stands in the planners' review."""

    OPEN = "open"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


_RESOLUTION = text_columns("resolved_at", "resolved_by", "resolution")
_STATUS = Column("status", "text", "open")

REPORTS = Table(
    "reports",
    (
        *text_columns("station_id", "kind", "text"),
        Column("lon", "real"),
        Column("lat", "real"),
        *text_columns("hours", "amenity", "contact", "client", "created_at"),
        _STATUS,
        *_RESOLUTION,
    ),
    indexes=(("station_id", "status"), ("status", "id")),
)
"""Riders' reports on stations."""

PROPOSALS = Table(
    "proposals",
    (
        Column("lon", "real", 0.0),
        Column("lat", "real", 0.0),
        *text_columns("note", "kind", "amenities", "proposer", "contact", "client", "created_at"),
        _STATUS,
        *text_columns("station_id"),
        *_RESOLUTION,
    ),
    indexes=(("status", "id"),),
)
"""Riders' proposed sites for new stations."""

FEEDBACK_COUNTER = "feedback_version"
"""The store counter bumped by every report or proposal write (for caches)."""


@dataclass(frozen=True, slots=True)
class Report:
    """One report on a station.

    Attributes
    ----------
    id
        Report number, from 1.
    station_id
        The station reported on.
    kind
        One of :class:`ReportKind`.
    text
        Free text, at most :data:`MAX_TEXT` characters.
    lon, lat
        WGS-84 position given with the report (the station's true place for
        ``wrong_location``), or None.
    hours
        Proposed opening hours (``wrong_hours``).
    amenity
        The amenity missing or broken (``amenity_missing``).
    contact
        How to reach the submitter, if given (private to planners).
    client
        The submitting client's address (private to planners; for abuse).
    created_at
        ISO 8601 UTC submission time.
    status
        One of :class:`ReviewStatus`.
    resolved_at, resolved_by, resolution
        When, by whom and with which note it was accepted or rejected.
    receipt
        The rider's receipt token; set only on the record a submission returns.
    """

    id: int
    station_id: str
    kind: ReportKind
    text: str = ""
    lon: float | None = None
    lat: float | None = None
    hours: str = ""
    amenity: str = ""
    contact: str = ""
    client: str = ""
    created_at: str = ""
    status: ReviewStatus = ReviewStatus.OPEN
    resolved_at: str = ""
    resolved_by: str = ""
    resolution: str = ""
    receipt: str = ""


@dataclass(frozen=True, slots=True)
class Proposal:
    """One proposed site for a new station.

    Attributes
    ----------
    id
        Proposal number, from 1.
    lon, lat
        WGS-84 position.
    note
        Free text, at most :data:`MAX_TEXT` characters.
    kind
        The kind of station wanted, or None.
    amenities
        Amenity codes wanted, sorted.
    proposer
        The proposer's id (for counting distinct proposers); may be empty.
    contact, client
        The proposer's contact and client address (private to planners).
    created_at
        ISO 8601 UTC submission time.
    status
        One of :class:`ReviewStatus`.
    station_id
        The planned station made from it, once accepted.
    resolved_at, resolved_by, resolution
        When, by whom and with which note it was accepted or rejected.
    receipt
        The rider's receipt token; set only on the record a submission returns.
    """

    id: int
    lon: float
    lat: float
    note: str = ""
    kind: Kind | None = None
    amenities: tuple[str, ...] = ()
    proposer: str = ""
    contact: str = ""
    client: str = ""
    created_at: str = ""
    status: ReviewStatus = ReviewStatus.OPEN
    station_id: str = ""
    resolved_at: str = ""
    resolved_by: str = ""
    resolution: str = ""
    receipt: str = ""

    @property
    def identity(self) -> str:
        """Who proposed it, for counting: the proposer id, else the client, else itself."""
        if self.proposer:
            return f"proposer:{self.proposer}"
        if self.client:
            return f"client:{self.client}"
        return f"proposal:{self.id}"


@dataclass(frozen=True, slots=True)
class ProposalGroup:
    """Proposals within the grouping distance of each other (single linkage).

    Attributes
    ----------
    id
        The smallest proposal id in the group (a handle for review).
    proposals
        The member proposals, by id.
    lon, lat
        WGS-84 centroid of the members (the site a planned station gets).
    proposers
        Distinct proposers (:attr:`Proposal.identity`).
    kind
        The kind asked for most often (ties: :class:`~geo.types.Kind` order), or None.
    amenities
        Every amenity any member asked for, sorted.
    gain
        Demand weight the group's site alone would newly cover; None until ranked.
    rank
        1 = first to review; 0 until ranked.
    """

    id: int
    proposals: tuple[Proposal, ...]
    lon: float
    lat: float
    proposers: int
    kind: Kind | None
    amenities: tuple[str, ...]
    gain: float | None = None
    rank: int = 0

    @property
    def proposal_ids(self) -> tuple[int, ...]:
        """Ids of the members."""
        return tuple(p.id for p in self.proposals)


def _optional_float(value: Any) -> float | None:
    return None if value is None else float(value)


def report_from_row(r: dict[str, Any]) -> Report:
    """A report from a row of :data:`REPORTS`."""
    return record_from_row(
        Report,
        r,
        id=int,
        kind=ReportKind,
        lon=_optional_float,
        lat=_optional_float,
        status=ReviewStatus,
    )


def proposal_from_row(r: dict[str, Any]) -> Proposal:
    """A proposal from a row of :data:`PROPOSALS`."""
    return record_from_row(
        Proposal,
        r,
        id=int,
        lon=float,
        lat=float,
        kind=lambda k: Kind(k) if k else None,
        amenities=split_codes,
        status=ReviewStatus,
    )


def clean_text(value: object, *, name: str, limit: int = MAX_TEXT) -> str:
    """Free text, stripped of control characters; raises naming ``name`` when too long."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidInputError(f"{name} must be text, got {type(value).__name__}")
    clean = "".join(c for c in value if c in "\n\t" or c.isprintable()).strip()
    if len(clean) > limit:
        raise InvalidInputError(f"{name} is {len(clean)} characters long; at most {limit}")
    return clean


def review_by(actor: str, note: str) -> tuple[str, str]:
    """Who reviews (``planner`` when empty) and why, as cleaned text; raises naming the field."""
    who = clean_text(actor, name="actor", limit=MAX_CONTACT) or "planner"
    return who, clean_text(note, name="note")


def position_wgs84(
    lon: float | None, lat: float | None, crs: CoordSystem | str
) -> tuple[float | None, float | None]:
    """A WGS-84 position from one in ``crs``; both or neither must be given."""
    system = parse_coord_system(str(crs))
    if lon is None and lat is None:
        return None, None
    if lon is None or lat is None:
        raise InvalidInputError("lon and lat must be given together (or neither)")
    x, y = check_lonlat([lon], [lat])
    if system != "wgs84":
        x, y = convert(x, y, src=system, dst="wgs84")
    return float(x[0]), float(y[0])


def row_id(value: int, *, what: str) -> int:
    """A row id; ids outside SQLite's integers cannot exist."""
    rid = int(value)
    if not 1 <= rid < 2**63:
        raise NotFoundError(f"no {what} with id {value}")
    return rid


def parse_review_status(status: str | None, *, name: str = "status") -> ReviewStatus | None:
    """A review status from text (None stays None); a wrong one raises naming ``name``."""
    if status is None:
        return None
    try:
        return ReviewStatus(str(status).strip())
    except ValueError:
        raise InvalidInputError(
            f"{name}={status!r} is not a review status; use one of {', '.join(ReviewStatus)}"
        ) from None
