"""How fast planners answer riders: response-time figures per district and per planner key.

For every report and proposal submitted by the time ``at``:

- *first reply*: the first planner step (a reply, an acceptance or a rejection);
- *resolution*: a report's acceptance or rejection; a proposal's rejection, or
  the opening of the station that answers it;
- *open past the limit*: not resolved by ``at`` and submitted more than
  ``limit_days`` before it.

Days are fractional (hours / 24). Medians and 90th percentiles interpolate
linearly between order statistics (numpy's default, ``statistics.quantiles``
with ``method="inclusive"``). A report's district is its station's; a
proposal's is that of the station answering it (empty until there is one). An
item's planner is the key that took its first step; items nobody answered yet
are grouped under an empty planner name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np

from geo.errors import InvalidInputError
from geo.feedback.model import PROPOSALS, REPORTS
from geo.feedback.receipts import STEPS, Item
from geo.stations.model import StationFilter
from geo.stations.store import StationStore
from geo.types import Status

__all__ = ["DEFAULT_LIMIT_DAYS", "ResponseFigures", "ResponseTimes", "response_times"]

DEFAULT_LIMIT_DAYS = 7.0
"""Open items older than this many days are counted as past the limit."""


@dataclass(frozen=True, slots=True)
class ResponseFigures:
    """Response times of one group of items (a district, a planner key, or all).

    Attributes
    ----------
    group
        The district or planner key name (``""`` for none; ``"*"`` for all items).
    items
        Items submitted by the evaluation time.
    replied, resolved
        How many had a first reply, and a resolution, by then.
    reply_median_days, reply_p90_days
        Median and 90th percentile of days from submission to first reply (None without any).
    resolution_median_days, resolution_p90_days
        The same to resolution.
    open_past_limit
        Unresolved items submitted more than the limit before the evaluation time.
    """

    group: str
    items: int
    replied: int
    resolved: int
    reply_median_days: float | None
    reply_p90_days: float | None
    resolution_median_days: float | None
    resolution_p90_days: float | None
    open_past_limit: int


@dataclass(frozen=True, slots=True)
class ResponseTimes:
    """Response-time figures as of one time.

    Attributes
    ----------
    at
        ISO 8601 UTC evaluation time.
    limit_days
        The limit for :attr:`ResponseFigures.open_past_limit`.
    overall
        Every item.
    by_district, by_planner
        One entry per district / planner key, by name.
    """

    at: str
    limit_days: float
    overall: ResponseFigures
    by_district: tuple[ResponseFigures, ...]
    by_planner: tuple[ResponseFigures, ...]


@dataclass(frozen=True, slots=True)
class _Timing:
    district: str
    planner: str
    reply_days: float | None
    resolution_days: float | None
    age_days: float


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _days(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 86400.0


def _quantiles(values: list[float]) -> tuple[float | None, float | None]:
    if not values:
        return None, None
    median, p90 = np.percentile(np.asarray(values, dtype=np.float64), [50.0, 90.0])
    return float(median), float(p90)


def _figures(group: str, timings: list[_Timing], limit_days: float) -> ResponseFigures:
    reply = [t.reply_days for t in timings if t.reply_days is not None]
    done = [t.resolution_days for t in timings if t.resolution_days is not None]
    past = sum(1 for t in timings if t.resolution_days is None and t.age_days > limit_days)
    return ResponseFigures(
        group, len(timings), len(reply), len(done), *_quantiles(reply), *_quantiles(done), past
    )


def _grouped(
    timings: list[_Timing], key: Callable[[_Timing], str], limit_days: float
) -> tuple[ResponseFigures, ...]:
    groups: dict[str, list[_Timing]] = {}
    for t in timings:
        groups.setdefault(key(t), []).append(t)
    return tuple(_figures(g, groups[g], limit_days) for g in sorted(groups))


def _timings(
    item: Item,
    rows: Iterable[dict[str, Any]],
    steps: dict[tuple[str, int], list[dict[str, Any]]],
    districts: dict[str, str],
    at: datetime,
) -> list[_Timing]:
    out = []
    for r in rows:
        created = _when(r["created_at"])
        if created > at:
            continue
        events = [(s["at"], s["step"], s["actor"]) for s in steps.get((str(item), r["id"]), [])]
        if r["status"] != "open" and r["resolved_at"]:
            events.append((r["resolved_at"], r["status"], r["resolved_by"]))
        events = sorted(e for e in events if _when(e[0]) <= at)
        first = events[0] if events else None
        ends = {"accepted", "rejected"} if item is Item.REPORT else {"rejected", "opened"}
        end = next((e for e in events if e[1] in ends), None)
        out.append(
            _Timing(
                districts.get(r["station_id"], ""),
                first[2] if first else "",
                _days(created, _when(first[0])) if first else None,
                _days(created, _when(end[0])) if end else None,
                _days(created, at),
            )
        )
    return out


def response_times(
    store: StationStore, *, at: datetime, limit_days: float = DEFAULT_LIMIT_DAYS
) -> ResponseTimes:
    """Response-time figures of every report and proposal, as of ``at``.

    Parameters
    ----------
    store
        The store holding stations and feedback (either backend).
    at
        The evaluation time (naive means UTC); later submissions and steps are ignored.
    limit_days
        Unresolved items older than this are counted as past the limit.

    Returns
    -------
    ResponseTimes
        Overall, per district and per planner key.

    Raises
    ------
    InvalidInputError
        When ``limit_days`` is not positive.
    """
    if not limit_days > 0:
        raise InvalidInputError(f"limit_days={limit_days!r} must be > 0")
    when = at if at.tzinfo else at.replace(tzinfo=UTC)
    everything = StationFilter(statuses=frozenset(Status))
    districts = {s.id: s.district for s in store.stations(everything)}
    steps: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for s in store.select(STEPS, order_by=("id",)):
        steps.setdefault((s["item"], int(s["item_id"])), []).append(s)
    timings = _timings(Item.REPORT, store.select(REPORTS), steps, districts, when)
    timings += _timings(Item.PROPOSAL, store.select(PROPOSALS), steps, districts, when)
    return ResponseTimes(
        when.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        limit_days,
        _figures("*", timings, limit_days),
        _grouped(timings, lambda t: t.district, limit_days),
        _grouped(timings, lambda t: t.planner, limit_days),
    )
