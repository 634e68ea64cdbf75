"""Opening hours in OpenStreetMap's ``opening_hours`` syntax.

Parsing and evaluation are delegated to ``opening-hours-py`` (a maintained
parser of the OSM specification). Expressions are in the station's local
time; the time zone is an explicit argument, Asia/Shanghai by default.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
import opening_hours

from geo.errors import InvalidInputError
from geo.when import check_time

__all__ = ["DEFAULT_TZ", "hours_error", "is_open", "open_matrix", "to_local"]

DEFAULT_TZ = "Asia/Shanghai"
# The parser's own error class; its type stubs do not declare it.
_PARSER_ERROR: type[Exception] = getattr(opening_hours, "ParserError", ValueError)


@functools.lru_cache(maxsize=4096)
def _parse(expr: str) -> opening_hours.OpeningHours:
    return opening_hours.OpeningHours(expr)


def hours_error(expr: str) -> str | None:
    """Return why ``expr`` is not a valid ``opening_hours`` expression, or None.

    Examples
    --------
    >>> hours_error("Mo-Fr 08:00-20:00; Sa 09:00-12:00") is None
    True
    >>> hours_error("8 to 5") is not None
    True
    """
    if not expr.strip():
        return None
    try:
        _parse(expr.strip())
    except (_PARSER_ERROR, ValueError) as exc:
        return str(exc).splitlines()[0] if str(exc) else "unparseable opening hours"
    return None


def to_local(when: datetime, tz: str = DEFAULT_TZ) -> datetime:
    """Return ``when`` as naive local time in ``tz``; a naive ``when`` is local already.

    A time outside :data:`geo.when.TIME_RANGE` raises
    :class:`~geo.errors.InvalidInputError` (the parser has no answer for it).
    """
    check_time(when)
    if when.tzinfo is None:
        return when
    return when.astimezone(ZoneInfo(tz)).replace(tzinfo=None)


def is_open(expr: str, when: datetime, *, tz: str = DEFAULT_TZ) -> bool:
    """Whether a station with hours ``expr`` is open at ``when``.

    An empty expression means the hours are unknown: the station is not
    counted as open, so an "open now" answer is never a guess.

    Examples
    --------
    >>> from datetime import datetime
    >>> is_open("24/7", datetime(2026, 1, 1, 3, 0))
    True
    >>> is_open("Mo-Fr 08:00-20:00", datetime(2026, 11, 22, 10, 0))  # a Sunday
    False
    """
    if not expr.strip():
        return False
    try:
        oh = _parse(expr.strip())
    except (_PARSER_ERROR, ValueError) as exc:
        raise InvalidInputError(f"opening_hours {expr!r} cannot be parsed: {exc}") from exc
    return bool(oh.is_open(to_local(when, tz)))


def open_matrix(
    exprs: Sequence[str], times: Sequence[datetime], *, tz: str = DEFAULT_TZ
) -> npt.NDArray[np.bool_]:
    """Open/closed state of every station at every time.

    Parameters
    ----------
    exprs
        One ``opening_hours`` expression per station.
    times
        Times to evaluate; naive times are local to ``tz``.
    tz
        IANA time-zone name of the stations.

    Returns
    -------
    numpy.ndarray
        Boolean array of shape ``(len(exprs), len(times))``.
    """
    local = [to_local(t, tz) for t in times]
    out = np.zeros((len(exprs), len(local)), dtype=bool)
    # Many stations share the same expression: evaluate each distinct one once.
    rows: dict[str, npt.NDArray[np.bool_]] = {}
    for i, expr in enumerate(exprs):
        if expr not in rows:
            rows[expr] = np.array([is_open(expr, t) for t in local], dtype=bool)
        out[i] = rows[expr]
    return out
