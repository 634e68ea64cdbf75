"""Times a query asks about: ``now`` or an ISO 8601 time, within the range hours are read in.

Opening hours are evaluated by ``opening-hours-py`` for local times from 1900 to
9999 only (earlier times come back "closed" whatever the hours say), and moving
a time near either end of Python's calendar to another zone overflows. Every
time a query takes is therefore checked against :data:`EARLIEST` and
:data:`LATEST` by its wall-clock reading, which no zone shifts by more than a
day: a time inside the range stays inside what the parser answers for in
every zone.

:data:`TIME_PATTERN` is the text form the API and the command line accept, no
more and no less; the HTTP schema publishes the same expression.
"""

from __future__ import annotations

import re
from datetime import datetime

from geo.errors import InvalidInputError, LocalizedInputError

__all__ = ["EARLIEST", "LATEST", "TIME_PATTERN", "TIME_RANGE", "check_time", "parse_time"]

EARLIEST = datetime(1901, 1, 1)
"""The first accepted time (wall clock, in whatever zone the time carries)."""
LATEST = datetime(9999, 1, 1)
"""The first time past the accepted range."""
TIME_RANGE = "1901-01-01T00:00 to 9998-12-31T23:59:59"
"""The accepted range, as messages show it."""
TIME_RANGE_ZH = "1901-01-01T00:00 至 9998-12-31T23:59:59"
"""The same, in Chinese messages."""

_YEAR = r"(19(0[1-9]|[1-9][0-9])|[2-8][0-9]{3}|9[0-8][0-9]{2}|99[0-8][0-9]|999[0-8])"
# Leap years of the range: every fourth year not a century, and centuries divisible by 400.
_LEAP_YEAR = (
    r"(19(0[48]|[2468][048]|[13579][26])|[2-9][0-9](0[48]|[2468][048]|[13579][26])"
    r"|([2468][048]|[3579][26])00)"
)
_MONTH_DAY = (
    r"((0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])|(0[13-9]|1[0-2])-(29|30)|(0[13578]|1[02])-31)"
)
_TIME = r"([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?"
_OFFSET = r"(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])"
TIME_PATTERN = rf"^(now|({_YEAR}-{_MONTH_DAY}|{_LEAP_YEAR}-02-29)(T{_TIME}{_OFFSET}?)?)$"
"""``now``, a date, or a date and time with an optional UTC offset (``Z`` or ``±hh:mm``),
for calendar dates within :data:`TIME_RANGE`."""


def check_time(when: datetime, *, name: str = "time") -> datetime:
    """Return ``when`` if it lies in the accepted range, else raise naming ``name`` and the range.

    Examples
    --------
    >>> check_time(datetime(2026, 5, 1, 23)).year
    2026
    >>> check_time(datetime(1, 1, 1), name="open_at")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    geo.errors.LocalizedInputError: open_at=0001-01-01T00:00:00 is outside the accepted range, ...
    """
    wall = when.replace(tzinfo=None)
    if not EARLIEST <= wall < LATEST:
        raise LocalizedInputError(
            f"{name}={when.isoformat()} is outside the accepted range, {TIME_RANGE}",
            f"{name}：时间 {when.isoformat()} 超出可接受的范围（{TIME_RANGE_ZH}）",
        )
    return when


def parse_time(text: str | None, *, name: str) -> datetime | None:
    """``now`` (aware, local), an ISO 8601 time matching :data:`TIME_PATTERN`, or None for None.

    Anything else raises :class:`~geo.errors.InvalidInputError` naming ``name``:
    with the accepted range when the time lies outside it, else with an example.
    The API's schema publishes the same pattern, so both accept the same texts.

    Examples
    --------
    >>> parse_time("2026-05-01T23:00+08:00", name="at").isoformat()
    '2026-05-01T23:00:00+08:00'
    >>> parse_time(None, name="at") is None
    True
    """
    if text is None:
        return None
    if text == "now":
        return datetime.now().astimezone()
    try:
        when: datetime | None = check_time(datetime.fromisoformat(text), name=name)
    except ValueError as exc:
        if isinstance(exc, InvalidInputError):  # out of range: say so
            raise
        when = None
    if when is None or re.fullmatch(TIME_PATTERN, text) is None:
        raise LocalizedInputError(
            f"{name}={text!r} is not an ISO 8601 time such as 2026-05-01T23:00 or "
            "2026-05-01T23:00+08:00 (or 'now')",
            f"{name}：“{text}”不是 ISO 8601 时间；请写成 2026-05-01T23:00 或 "
            "2026-05-01T23:00+08:00（或 now 表示现在）",
        )
    return when
