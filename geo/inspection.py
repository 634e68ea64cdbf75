"""The inspection cycle: when each station is due for verification, and recording an inspection.

A station's next check is due an interval after its ``last_verified`` time:
the interval of its kind (:attr:`InspectionPolicy.interval_days`, default 365
days), or the shorter :attr:`InspectionPolicy.after_report_days` (default 90)
when a problem report on it was accepted after its last inspection (the
report fixed the record; someone should go and look). A station never
verified is due at once. Only ``open`` stations are inspected.

An inspection (date, inspector key, amenities found, hours seen, notes) is kept
in :data:`INSPECTIONS`, beside the stations in the same store, and sets the
station's ``last_verified`` in the same transaction as any change it makes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from geo._validate import parse_amenities, parse_kinds
from geo.errors import InvalidInputError
from geo.feedback.model import MAX_CONTACT, MAX_TEXT, REPORTS, clean_text
from geo.hours import hours_error
from geo.stations import StationFilter, StationStore, Table
from geo.stations.model import stamp
from geo.stations.records import record_from_row, split_codes, text_columns
from geo.types import Kind, Station

__all__ = [
    "DEFAULT_INTERVAL_DAYS",
    "INSPECTIONS",
    "DueStation",
    "Inspection",
    "InspectionPolicy",
    "due_stations",
    "inspections",
    "parse_due",
    "record_inspection",
]

DEFAULT_INTERVAL_DAYS = 365
"""Days between two verifications of a station, unless its kind says otherwise."""

INSPECTIONS = Table(
    "inspections",
    text_columns("station_id", "at", "inspector", "amenities_found", "hours_seen", "notes"),
    indexes=(("station_id", "at"),),
)
"""Planners' inspections of stations."""


@dataclass(frozen=True, slots=True)
class InspectionPolicy:
    """How often stations are verified.

    Parameters
    ----------
    interval_days
        Days between verifications per kind; kinds not named use ``default_days``.
    default_days
        The interval of every other kind.
    after_report_days
        The interval after an accepted problem report (counted from its acceptance).
    """

    interval_days: Mapping[Kind, int] = field(default_factory=dict)
    default_days: int = DEFAULT_INTERVAL_DAYS
    after_report_days: int = 90

    @classmethod
    def parse(cls, text: str) -> InspectionPolicy:
        """A policy from ``"smart_station=90,default=365,after_report=60"`` (any part optional).

        Examples
        --------
        >>> InspectionPolicy.parse("smart_station=90, after_report=30").after_report_days
        30
        """
        kinds: dict[Kind, int] = {}
        default, after = DEFAULT_INTERVAL_DAYS, 90
        for part in filter(None, (p.strip() for p in text.split(","))):
            name, _, days = part.partition("=")
            try:
                n = int(days)
            except ValueError:
                n = 0
            if n <= 0:
                raise InvalidInputError(f"inspection interval {part!r}: use NAME=DAYS, DAYS > 0")
            if name.strip() == "default":
                default = n
            elif name.strip() == "after_report":
                after = n
            else:
                (kind,) = parse_kinds([name.strip()], argument="inspection interval")
                kinds[kind] = n
        return cls(kinds, default, after)

    def interval(self, kind: Kind) -> timedelta:
        """The normal interval of a kind."""
        return timedelta(days=self.interval_days.get(kind, self.default_days))


@dataclass(frozen=True, slots=True)
class DueStation:
    """A station and when its next verification is due.

    Attributes
    ----------
    station
        The station.
    due
        ISO 8601 UTC time the next check is due; empty when it was never verified.
    days_overdue
        Days past ``due`` at the evaluation time (negative: days left; inf: never verified).
    reason
        ``never verified``, ``interval`` or ``accepted report``.
    """

    station: Station
    due: str
    days_overdue: float
    reason: str


@dataclass(frozen=True, slots=True)
class Inspection:
    """One recorded inspection."""

    id: int
    station_id: str
    at: str
    inspector: str
    amenities_found: tuple[str, ...]
    hours_seen: str
    notes: str


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _utc(at: datetime) -> datetime:
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def parse_due(text: str) -> float | None:
    """``overdue`` → None; ``due-within:30d`` → 30.0; anything else raises naming the value."""
    value = text.strip().lower()
    if value == "overdue":
        return None
    head, _, days = value.partition(":")
    if head == "due-within" and days.endswith("d"):
        try:
            n = float(days[:-1])
        except ValueError:
            n = -1.0
        if n >= 0:
            return n
    raise InvalidInputError(
        f"verification={text!r}: use overdue or due-within:<days>d, e.g. due-within:30d"
    )


def due_stations(
    store: StationStore,
    *,
    at: datetime,
    within_days: float | None = None,
    policy: InspectionPolicy | None = None,
) -> list[DueStation]:
    """Open stations overdue for verification at ``at`` (or due within ``within_days`` of it).

    Parameters
    ----------
    store
        The station store (either backend).
    at
        The evaluation time (naive means UTC).
    within_days
        None: only those overdue (due before ``at``); else also those due up to
        this many days after ``at``.
    policy
        Intervals; default :class:`InspectionPolicy`.

    Returns
    -------
    list of DueStation
        By district, then due time (never verified first), then id.
    """
    pol = policy or InspectionPolicy()
    store.ensure_tables([INSPECTIONS, REPORTS])
    when = _utc(at)
    horizon = when + timedelta(days=within_days or 0.0)
    last_inspected: dict[str, str] = {}
    for r in store.select(INSPECTIONS, order_by=("at",)):
        last_inspected[r["station_id"]] = r["at"]
    accepted: dict[str, str] = {}
    rows = store.select(REPORTS, {"status": "accepted", "kind !=": "confirmed"})
    for r in rows:
        accepted[r["station_id"]] = max(accepted.get(r["station_id"], ""), r["resolved_at"])
    out = []
    for st in store.stations(StationFilter()):
        if not st.last_verified:
            out.append(DueStation(st, "", float("inf"), "never verified"))
            continue
        report = accepted.get(st.id, "")
        if report and report > last_inspected.get(st.id, ""):
            due, reason = _when(report) + timedelta(days=pol.after_report_days), "accepted report"
        else:
            due, reason = _when(st.last_verified) + pol.interval(st.kind), "interval"
        if due <= horizon and (within_days is not None or due < when):
            out.append(DueStation(st, stamp(due), (when - due).total_seconds() / 86400, reason))
    out.sort(key=lambda d: (d.station.district, d.due, d.station.id))
    return out


def record_inspection(
    store: StationStore,
    station_id: str,
    *,
    at: datetime,
    inspector: str,
    amenities_found: Iterable[str] | str | None = None,
    hours_seen: str = "",
    notes: str = "",
    changes: Mapping[str, Any] | None = None,
) -> Station:
    """Record an inspection, set ``last_verified`` to its time and apply ``changes``, at once.

    Parameters
    ----------
    store
        The station store.
    station_id
        The station inspected; :class:`~geo.errors.NotFoundError` when absent.
    at
        When it was inspected (naive means UTC).
    inspector
        The inspector's (planner key's) name; recorded in the station's history.
    amenities_found
        Amenity codes present and working.
    hours_seen
        Opening hours as posted (OSM ``opening_hours``); empty when not seen.
    notes
        Free text.
    changes
        Station fields to change in the same transaction (e.g. the amenities found).

    Returns
    -------
    Station
        The station after the inspection.

    Raises
    ------
    InvalidInputError
        On a wrong amenity, hours or field; nothing is written.
    """
    store.ensure_tables([INSPECTIONS])
    who = clean_text(inspector, name="inspector", limit=MAX_CONTACT)
    if not who:
        raise InvalidInputError("inspector: name who inspected")
    found = parse_amenities(amenities_found, argument="amenities_found")
    hours = clean_text(hours_seen, name="hours_seen")
    if hours and hours_error(hours):
        raise InvalidInputError(
            f"hours_seen={hours!r} is not OSM opening_hours: {hours_error(hours)}"
        )
    when = stamp(_utc(at))
    row = {
        "station_id": station_id,
        "at": when,
        "inspector": who,
        "amenities_found": ";".join(found),
        "hours_seen": hours,
        "notes": clean_text(notes, name="notes", limit=MAX_TEXT),
    }
    with store.transaction(actor=who, note=f"inspection of {when[:10]}") as tx:
        tx.get(station_id)
        tx.insert(INSPECTIONS, row)
        return tx.update(station_id, **{**(changes or {}), "last_verified": when})


def inspections(store: StationStore, station_id: str) -> list[Inspection]:
    """A station's inspections, oldest first."""
    store.ensure_tables([INSPECTIONS])
    rows = store.select(INSPECTIONS, {"station_id": station_id}, order_by=("at", "id"))
    return [record_from_row(Inspection, r, id=int, amenities_found=split_codes) for r in rows]
