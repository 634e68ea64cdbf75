"""A star rating per station from what its last inspection found.

For a station whose last inspection (:mod:`geo.inspection`) found the amenity
set ``F`` and the hours ``h``, judged at time ``t``::

    amenities = |F ∩ standard(kind)| / |standard(kind)|
    hours     = 1 if h equals the station's opening hours, 0 if it differs, 0.5 if not seen
    reports   = 1 - min(n, 5) / 5     n: problem reports on it accepted in the year before t
    score     = round(100 × (0.6 × amenities + 0.25 × hours + 0.15 × reports))
    stars     = 1 + floor(score / 25)   (1 … 5; 0 = never inspected, not rated)

:data:`STANDARD_AMENITIES` is each kind's standard list, drawn from the
national and provincial station guidance (water, a rest area and charging for
all; microwaves for riders; showers and truck parking for drivers; first aid
and blood pressure for the safety stations).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from geo.feedback.model import REPORTS
from geo.inspection import INSPECTIONS
from geo.stations.model import StationFilter, stamp
from geo.stations.store import StationStore
from geo.types import Kind, Status

__all__ = ["STANDARD_AMENITIES", "StationScore", "score_stations", "stars_text"]

STANDARD_AMENITIES: dict[Kind, tuple[str, ...]] = {
    Kind.WORKER_STATION: (
        "air_conditioning",
        "charging",
        "first_aid",
        "hot_water",
        "microwave",
        "rest_area",
        "toilet",
        "water",
    ),
    Kind.SMART_STATION: ("air_conditioning", "charging", "microwave", "rest_area", "water"),
    Kind.DRIVER_HOME: (
        "meals",
        "parking",
        "rest_area",
        "shower",
        "toilet",
        "truck_parking",
        "water",
    ),
    Kind.RIDER_STATION: (
        "air_conditioning",
        "charging",
        "microwave",
        "rest_area",
        "toilet",
        "water",
    ),
    Kind.SAFETY_STATION: ("blood_pressure", "first_aid", "rest_area", "toilet", "water"),
    Kind.WORKERS_HOME: ("reading_room", "rest_area", "toilet", "water", "wifi"),
}
"""Each kind's standard amenity list, against which an inspection's findings are scored."""

_WEIGHTS = (0.6, 0.25, 0.15)  # amenities, hours kept, reports; the README states them


@dataclass(frozen=True, slots=True)
class StationScore:
    """A station's score.

    Attributes
    ----------
    station_id
        The station.
    score
        0 … 100 (see the module formula).
    stars
        1 … 5; 0 when the station was never inspected.
    amenities, hours, reports
        The three parts, each 0 … 1.
    inspected_at
        The inspection scored.
    """

    station_id: str
    score: int
    stars: int
    amenities: float
    hours: float
    reports: float
    inspected_at: str


def score_stations(store: StationStore, *, at: datetime) -> dict[str, StationScore]:
    """Score every station inspected by ``at`` (naive means UTC); station id → score.

    Examples
    --------
    >>> from geo.inspection import record_inspection
    >>> from geo.stations import open_store
    >>> from geo.types import Station
    >>> store = open_store(":memory:")
    >>> _ = store.add(Station("a", "Hut", Kind.SMART_STATION, 114.0, 22.5, opening_hours="24/7"))
    >>> t = datetime(2026, 6, 1, tzinfo=UTC)
    >>> _ = record_inspection(store, "a", at=t, inspector="li",
    ...                       amenities_found=["water", "charging"], hours_seen="24/7")
    >>> s = score_stations(store, at=t)["a"]
    >>> s.score, s.stars  # 100 × (0.6 × 2/5 + 0.25 × 1 + 0.15 × 1)
    (64, 3)
    """
    when = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    now, year_ago = stamp(when), stamp(when - timedelta(days=365))
    store.ensure_tables([INSPECTIONS, REPORTS])
    last: dict[str, dict[str, object]] = {}
    for r in store.select(INSPECTIONS, {"at <=": now}, order_by=("at", "id")):
        last[str(r["station_id"])] = r
    problems = store.count_by(
        REPORTS,
        "station_id",
        {
            "status": "accepted",
            "kind !=": "confirmed",
            "resolved_at >": year_ago,
            "resolved_at <=": now,
        },
    )
    out = {}
    for st in store.stations(StationFilter(statuses=frozenset(Status))):
        ins = last.get(st.id)
        if ins is None:
            continue
        standard = set(STANDARD_AMENITIES[Kind(st.kind)])
        found = set(str(ins["amenities_found"]).split(";")) - {""}
        amen = len(found & standard) / len(standard)
        seen = str(ins["hours_seen"]).strip()
        hours = 0.5 if not seen else float(seen == st.opening_hours.strip())
        n = problems.get(st.id, 0)
        rep = 1.0 - min(n, 5) / 5
        score = round(100 * (_WEIGHTS[0] * amen + _WEIGHTS[1] * hours + _WEIGHTS[2] * rep))
        stars = min(5, 1 + math.floor(score / 25))
        out[st.id] = StationScore(st.id, score, stars, amen, hours, rep, str(ins["at"]))
    return out


def stars_text(score: StationScore | None) -> str:
    """``★★★☆☆ 64`` (empty when not rated)."""
    if score is None:
        return ""
    return "★" * score.stars + "☆" * (5 - score.stars) + f" {score.score}"
