"""Opening hours as people in China write them, normalised to OSM ``opening_hours``.

Spreadsheets and riders write ``周一至周五 08:00-18:00``, ``每天9点到21点``,
``7×24小时``, ``上午8:00-12:00 下午14:00-18:00``, ``周末休息`` … The station
model stores OSM's syntax (``Mo-Fr 08:00-18:00``), which :mod:`geo.hours`
evaluates. :func:`normalize_hours` accepts either: valid OSM text is kept as
written, Chinese phrasings are translated, and anything else is refused with
a :class:`HoursTextError` that quotes the text and shows an accepted example in
English or Chinese.

The translation is a small tokeniser, not a guesser: every character of the
text must belong to a day selector (周一至周五, 工作日, 周末, 每天, 节假日 …), a
time range (8:00-18:00, 9点到21点半, 下午2点-6点, 晚上10点至次日凌晨2点), a
whole-day word (全天, 24小时), a closed word (休息, 闭馆 …), a separator, or a
filler word (营业时间, 开放 …). Times with 下午/晚上 are moved to the afternoon;
an end time without its own marker follows its start's. Closed rules are
written last, so ``节假日休息`` overrides the weekdays it falls on, as meant.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from geo.errors import LocalizedInputError
from geo.hours import hours_error

__all__ = ["HOURS_EXAMPLE", "HoursTextError", "hours_fields", "normalize_hours"]

HOURS_EXAMPLE: dict[str, str] = {
    "zh": "周一至周五 08:00-18:00，周六日 09:00-17:00",
    "en": "Mo-Fr 08:00-18:00; Sa,Su 09:00-17:00",
}
"""An accepted way to write opening hours, per language (both forms are accepted)."""


class HoursTextError(LocalizedInputError):
    """Opening-hours text that is neither OSM syntax nor an understood Chinese phrasing.

    Parameters
    ----------
    text
        The text as written.
    field_name
        The parameter or column that held it, named in the message.
    """

    def __init__(self, text: str, *, field_name: str = "opening_hours") -> None:
        self.text = text
        self.field_name = field_name
        super().__init__(
            f"{field_name}={text!r} cannot be parsed as opening hours; write them like "
            f"{HOURS_EXAMPLE['en']!r} (OSM opening_hours) or {HOURS_EXAMPLE['zh']!r}",
            f"{field_name}：{self.reason('zh')}",
        )

    def reason(self, lang: str) -> str:
        """Why, in ``lang``: the text quoted and an accepted example (no field name)."""
        if lang == "zh":
            return (
                f"无法识别开放时间“{self.text}”；请按“{HOURS_EXAMPLE['zh']}”的格式填写，"
                f"或用 OSM 格式“{HOURS_EXAMPLE['en']}”"
            )
        return (
            f"cannot parse {self.text!r} as opening hours; write them like "
            f"{HOURS_EXAMPLE['en']!r} (OSM opening_hours) or {HOURS_EXAMPLE['zh']!r}"
        )


_DAY_INDEX = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "七": 6}
_OSM_DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
_WEEK = "(?:周|星期|礼拜)"
_DAYCH = "[一二三四五六日天七]"
_RANGE = "-"  # every range connector (至, 到, ~, —, －) is rewritten to this first
_PM = {"下午", "晚上", "晚", "傍晚"}
_NOON = {"中午"}
_NEXT_DAY = {"次日", "次日凌晨", "第二天", "翌日", "隔天"}
_PERIOD = "(?:次日凌晨|次日|第二天|翌日|隔天|上午|早上|早晨|早|中午|下午|傍晚|晚上|晚|凌晨)"
_CLOCK = r"(\d{1,2})(?:(?::|\.|点|时)(\d{1,2}|半)?分?)?"

_TOKENS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern))
    for kind, pattern in (
        ("week", r"7\s*[×xX*]\s*24\s*(?:小时|h|H)?(?:营业|开放|服务)?"),
        ("allday", r"(?:全天候|全天|通宵)?\s*24\s*(?:小时|h|H)(?:营业|开放|服务)?"),
        ("allday", r"全天候|全天|通宵"),
        ("filler", r"(?:法定)?节假日(?:照常|正常)(?:营业|开放)?"),
        ("days", rf"{_WEEK}({_DAYCH})\s*{_RANGE}\s*{_WEEK}?({_DAYCH})"),
        ("days", rf"{_WEEK}({_DAYCH}(?:\s*[、,和及与]?\s*{_WEEK}?{_DAYCH})*)"),
        ("days", r"(工作日|周末|双休日|双休|每天|每日|天天|全周|全年无休|全年)"),
        ("days", r"(法定节假日|节假日|节日)"),
        ("off", r"不开放|不营业|休息|闭馆|休馆|关闭|停业|闭店|歇业|休"),
        (
            "time",
            rf"({_PERIOD})?\s*{_CLOCK}\s*{_RANGE}\s*({_PERIOD})?\s*{_CLOCK}",
        ),
        ("sep", r"[\s,;、。/|:()及和与]+"),
        ("filler", r"营业时间|开放时间|服务时间|办公时间|时间|营业|开放|服务"),
        ("filler", r"照常|正常|均为|均|各|为"),
    )
)
_WORD_DAYS = {
    "工作日": "Mo-Fr",
    "周末": "Sa,Su",
    "双休日": "Sa,Su",
    "双休": "Sa,Su",
    "每天": "Mo-Su",
    "每日": "Mo-Su",
    "天天": "Mo-Su",
    "全周": "Mo-Su",
    "全年无休": "Mo-Su",
    "全年": "Mo-Su",
    "法定节假日": "PH",
    "节假日": "PH",
    "节日": "PH",
}


@dataclass
class _Rule:
    days: str | None
    times: list[str] = field(default_factory=list)
    off: bool = False


class _NotUnderstood(Exception):
    """Internal: the phrasing has a part the tokeniser cannot place."""


def _prepare(text: str) -> str:
    # NFKC folds full-width digits, colons and letters; the dashes and words
    # people use between two days or two times all become one connector.
    s = unicodedata.normalize("NFKC", text).strip()
    s = re.sub(r"[—–―‐‑−~〜～]+|至|到", _RANGE, s)
    return s


def _day_list(chars: str) -> str:
    idx = sorted({_DAY_INDEX[c] for c in chars if c in _DAY_INDEX})
    return ",".join(_OSM_DAYS[i] for i in idx)


def _days(match: re.Match[str]) -> str:
    groups = [g for g in match.groups() if g is not None]
    if len(groups) == 2:
        a, b = _DAY_INDEX[groups[0]], _DAY_INDEX[groups[1]]
        if a == b:
            return _OSM_DAYS[a]
        return f"{_OSM_DAYS[a]}-{_OSM_DAYS[b]}"
    word = groups[0]
    return _WORD_DAYS.get(word) or _day_list(word)


def _clock(period: str | None, hour: str, minute: str | None, *, follow_pm: bool) -> int:
    """Minutes after midnight of one written time."""
    h = int(hour)
    m = 30 if minute == "半" else int(minute or 0)
    if (period in _PM or follow_pm) and h <= 12:
        h += 12  # 下午2点 is 14:00; 晚上12点 is midnight, the end of the day
    elif period in _NOON and h < 6:
        h += 12
    if h > 24 or m > 59 or (h == 24 and m):
        raise _NotUnderstood(f"{hour}:{minute}")
    return h * 60 + m


def _time_range(match: re.Match[str]) -> str:
    p1, h1, m1, p2, h2, m2 = match.groups()
    start = _clock(p1, h1, m1, follow_pm=False)
    # "下午2点到6点": the end follows the start's afternoon unless it says otherwise.
    end = _clock(p2, h2, m2, follow_pm=p2 is None and p1 in _PM | _NOON and start >= 12 * 60)
    if start == end:
        raise _NotUnderstood(match.group(0))
    if end < start and p2 not in _NEXT_DAY and end != 0 and start < 12 * 60:
        # "9:00-5:00" with no 次日 is a typo as often as a night shift: refuse it.
        raise _NotUnderstood(match.group(0))
    if end == 0:
        end = 24 * 60
    return f"{start // 60:02d}:{start % 60:02d}-{end // 60:02d}:{end % 60:02d}"


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        for kind, pattern in _TOKENS:
            m = pattern.match(text, pos)
            if m and m.end() > pos:
                if kind == "days":
                    out.append((kind, _days(m)))
                elif kind == "time":
                    out.append((kind, _time_range(m)))
                elif kind in ("week", "allday", "off"):
                    out.append((kind, ""))
                pos = m.end()
                break
        else:
            raise _NotUnderstood(text[pos:])
    return out


def _rules(tokens: list[tuple[str, str]]) -> list[_Rule]:
    rules: list[_Rule] = []
    for kind, value in tokens:
        last = rules[-1] if rules else None
        if kind == "week":
            rules.append(_Rule("Mo-Su", ["00:00-24:00"]))
        elif kind == "days":
            if last is not None and last.days and not last.times and not last.off:
                last.days = f"{last.days},{value}"  # 周一至周五、周日 …
            else:
                rules.append(_Rule(value))
        else:
            if last is None or (kind == "off" and not last.days):
                raise _NotUnderstood(kind)  # "休息" alone: closed when?
            if kind == "off":
                last.off = True
            else:
                last.times.append(value or "00:00-24:00")
    for r in rules:
        if r.off == bool(r.times):  # neither hours nor "closed", or both
            raise _NotUnderstood(r.days or "")
    return rules


def _first_rule_days_less(tokens: list[tuple[str, str]]) -> list[tuple[str, str]]:
    # Hours written before any day ("8:30-20:00", "24小时") apply to every day.
    if tokens and tokens[0][0] in ("time", "allday"):
        return [("days", ""), *tokens]
    return tokens


def _osm(rules: list[_Rule]) -> str:
    ordered = [r for r in rules if not r.off] + [r for r in rules if r.off]
    parts = []
    for r in ordered:
        body = "off" if r.off else ",".join(r.times)
        parts.append(f"{r.days} {body}" if r.days else body)
    out = "; ".join(parts)
    return "24/7" if out in ("00:00-24:00", "Mo-Su 00:00-24:00") else out


def normalize_hours(text: str, *, field_name: str = "opening_hours") -> str:
    """Return ``text`` as an OSM ``opening_hours`` expression.

    Parameters
    ----------
    text
        Opening hours as written: OSM syntax (kept as it is) or a Chinese
        phrasing. Empty text stays empty (hours unknown).
    field_name
        The parameter or column named in an error.

    Returns
    -------
    str
        A valid OSM ``opening_hours`` expression, or ``""``.

    Raises
    ------
    HoursTextError
        When the text is neither; its message quotes the text and an example.

    Examples
    --------
    >>> normalize_hours("周一至周五8:00-18:00，周六日9:00-17:00")
    'Mo-Fr 08:00-18:00; Sa,Su 09:00-17:00'
    >>> normalize_hours("每天9点到21点")
    'Mo-Su 09:00-21:00'
    >>> normalize_hours("7×24小时")
    '24/7'
    >>> normalize_hours("Mo-Fr 08:00-18:00")
    'Mo-Fr 08:00-18:00'
    """
    stripped = text.strip()
    if not stripped:
        return ""
    if stripped.isascii() and not hours_error(stripped):
        return stripped
    try:
        tokens = _first_rule_days_less(_tokens(_prepare(stripped)))
        rules = _rules(tokens)
        if not rules:
            raise _NotUnderstood(stripped)
        for r in rules:
            if r.days == "":
                r.days = None
        out = _osm(rules)
    except _NotUnderstood:
        raise HoursTextError(stripped, field_name=field_name) from None
    if hours_error(out):  # pragma: no cover - the tokens only build valid rules
        raise HoursTextError(stripped, field_name=field_name)
    return out


def hours_fields(text: str, *, field_name: str = "opening_hours") -> dict[str, str]:
    """The station fields for hours written as ``text``: the OSM form, and the wording kept.

    Examples
    --------
    >>> hours_fields("每天9点到21点")
    {'opening_hours': 'Mo-Su 09:00-21:00', 'opening_hours_text': '每天9点到21点'}
    >>> hours_fields("24/7")
    {'opening_hours': '24/7', 'opening_hours_text': ''}
    """
    osm = normalize_hours(text, field_name=field_name)
    original = text.strip()
    return {"opening_hours": osm, "opening_hours_text": original if original != osm else ""}
