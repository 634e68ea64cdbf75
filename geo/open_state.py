"""Open now, and when that changes: what a rider needs to know before riding there.

:func:`open_state` answers for one station at one time: open or not, and the
next closing (when open) or opening (when closed), as aware times in the
registry's time zone. ``24/7`` never closes; hours that never open again, or
unknown hours, have no next opening.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import opening_hours

from geo.errors import InvalidInputError
from geo.hours import DEFAULT_TZ, is_open, to_local

__all__ = ["FIRST", "LAST", "OpenState", "open_state", "open_states"]

FIRST = datetime(1901, 1, 1)
LAST = datetime(9998, 12, 31)
"""The local times open state is given for."""


@dataclass(frozen=True, slots=True)
class OpenState:
    """Whether a station is open at a time, and the next change.

    ``closes_at`` is set only when open, ``opens_at`` only when closed; both
    are aware datetimes in the registry's time zone, or None when there is no
    change ahead (``24/7``, closed for good, unknown hours).
    """

    open_now: bool
    closes_at: datetime | None = None
    opens_at: datetime | None = None

    def as_properties(self) -> dict[str, object]:
        """The GeoJSON properties ``open_now`` and ``closes_at`` or ``opens_at`` (ISO 8601)."""
        props: dict[str, object] = {"open_now": self.open_now}
        if self.closes_at is not None:
            props["closes_at"] = self.closes_at.isoformat()
        if self.opens_at is not None:
            props["opens_at"] = self.opens_at.isoformat()
        return props


def open_state(expr: str, when: datetime, *, tz: str = DEFAULT_TZ) -> OpenState:
    """Open/closed at ``when`` (naive: local to ``tz``) and the next change.

    Examples
    --------
    >>> from datetime import datetime
    >>> s = open_state("Mo-Fr 08:00-18:00", datetime(2026, 11, 23, 10, 0))  # a Monday
    >>> s.open_now, s.closes_at.isoformat()
    (True, '2026-11-23T18:00:00+08:00')
    >>> open_state("Mo-Fr 08:00-18:00", datetime(2026, 11, 28, 10, 0)).opens_at.isoformat()
    '2026-11-30T08:00:00+08:00'
    """
    try:
        local = to_local(when, tz)
    except OverflowError:
        local = datetime.min  # out of range either way: refused below
    if not FIRST <= local <= LAST:
        # opening-hours-py answers 1900 for earlier years, and times near the ends overflow.
        raise InvalidInputError(
            f"at={when.isoformat()} is outside {FIRST.year}-{LAST.year}, the years opening "
            "hours are evaluated in"
        )
    if not expr.strip():
        return OpenState(False)
    now = is_open(expr, local, tz=tz)  # raises a named error on unparseable hours
    change = opening_hours.OpeningHours(expr.strip()).next_change(local)
    at = change.replace(tzinfo=ZoneInfo(tz)) if change is not None else None
    return OpenState(True, closes_at=at) if now else OpenState(False, opens_at=at)


def open_states(exprs: Sequence[str], when: datetime, *, tz: str = DEFAULT_TZ) -> list[OpenState]:
    """:func:`open_state` of many stations; each distinct expression is evaluated once.

    A state is also remembered until its next change: at any local time from the one it
    was computed for up to (not including) that change, the state and the next change
    are the same, so a nearest answer for "now" does not parse the same hours again.
    """
    try:
        local: datetime | None = to_local(when, tz)
    except (OverflowError, InvalidInputError):
        local = None  # open_state refuses it below
    if local is not None and not FIRST <= local <= LAST:
        local = None
    memo: dict[str, OpenState] = {}
    for e in set(exprs):
        hit = None if local is None else _REMEMBERED.get((e, tz))
        if hit is not None and local is not None and _holds(hit[0], hit[1], local):
            memo[e] = hit[2]
            continue
        memo[e] = state = open_state(e, when, tz=tz)
        if local is not None:
            _remember(e, tz, local, state)
    return [memo[e] for e in exprs]


def _holds(since: datetime, until: datetime | None, local: datetime) -> bool:
    """Whether a state computed at ``since``, next changing at ``until``, holds at ``local``."""
    return since <= local and (until is None or local < until)


def _remember(expr: str, tz: str, local: datetime, state: OpenState) -> None:
    change = state.closes_at or state.opens_at
    until = None if change is None else change.replace(tzinfo=None)
    if len(_REMEMBERED) >= _REMEMBERED_MAX:
        _REMEMBERED.clear()
    _REMEMBERED[(expr, tz)] = (local, until, state)


# (hours, tz) -> (local time computed at, next change or None, state); cleared when full
_REMEMBERED: dict[tuple[str, str], tuple[datetime, datetime | None, OpenState]] = {}
_REMEMBERED_MAX = 4096
