"""Popup lines from the inspection cycle: a station's star rating, and "temporarily closed"."""

from __future__ import annotations

from collections.abc import Mapping

from geo.closures import Closure
from geo.score import StationScore, stars_text
from maps.i18n import Lang

__all__ = ["station_notes"]

_CLOSED = {
    "en": ("Temporarily closed", "until", "Rating"),
    "zh": ("暂停开放", "至", "星级评分"),
}


def station_notes(
    scores: Mapping[str, StationScore], closed: Mapping[str, Closure], lang: Lang
) -> dict[str, str]:
    """Station id → the popup line: "Temporarily closed until 2026-09-05 (typhoon)", else
    "Rating ★★★★☆ 78".

    Examples
    --------
    >>> c = Closure(1, "a", "2026-09-01T00:00:00Z", "2026-09-05T00:00:00Z", "typhoon", "li")
    >>> station_notes({}, {"a": c}, "zh")
    {'a': '暂停开放 至 2026-09-05 (typhoon)'}
    """
    closed_word, until_word, rating = _CLOSED[lang]
    out = {sid: f"{rating} {stars_text(s)}" for sid, s in scores.items()}
    for sid, c in closed.items():
        until = f" {until_word} {c.until[:10]}" if c.until else ""
        reason = f" ({c.reason})" if c.reason else ""
        out[sid] = f"{closed_word}{until}{reason}"
    return out
