"""Chinese opening-hours phrasings → OSM ``opening_hours``, checked by evaluation.

Each row: the text as a spreadsheet or a rider writes it, the OSM form expected,
and hand-written open/closed answers at named times of the week of Monday
2026-11-23 (local time). The OSM form is evaluated by ``opening-hours-py``
through :func:`geo.hours.is_open`, so a translation that reads right but means
something else fails on the times.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from geo.errors import ImportValidationError, InvalidInputError
from geo.feedback import Feedback
from geo.hours import is_open
from geo.hours_zh import HOURS_EXAMPLE, HoursTextError, normalize_hours
from geo.io import import_stations
from geo.stations import open_store
from geo.types import Kind, Station

T = {
    "mon0300": datetime(2026, 11, 23, 3, 0),
    "mon0800": datetime(2026, 11, 23, 8, 0),
    "mon0830": datetime(2026, 11, 23, 8, 30),
    "mon1000": datetime(2026, 11, 23, 10, 0),
    "mon1230": datetime(2026, 11, 23, 12, 30),
    "mon1500": datetime(2026, 11, 23, 15, 0),
    "mon1745": datetime(2026, 11, 23, 17, 45),
    "mon2030": datetime(2026, 11, 23, 20, 30),
    "mon2330": datetime(2026, 11, 23, 23, 30),
    "tue0130": datetime(2026, 11, 24, 1, 30),
    "wed1000": datetime(2026, 11, 25, 10, 0),
    "sat1000": datetime(2026, 11, 28, 10, 0),
    "sat1800": datetime(2026, 11, 28, 18, 0),
    "sun1000": datetime(2026, 11, 29, 10, 0),
    "sun0300": datetime(2026, 11, 29, 3, 0),
}

# (text, expected OSM, {time: open?})
CASES: list[tuple[str, str, dict[str, bool]]] = [
    (
        "周一至周五 08:00-18:00",
        "Mo-Fr 08:00-18:00",
        {"mon1000": True, "mon0300": False, "sat1000": False, "mon1745": True},
    ),
    (
        "周一至周五8:00-18:00，周六日9:00-17:00",
        "Mo-Fr 08:00-18:00; Sa,Su 09:00-17:00",
        {"mon0800": True, "sat1000": True, "sat1800": False, "sun1000": True},
    ),
    (
        "每天9点到21点",
        "Mo-Su 09:00-21:00",
        {"mon0830": False, "mon1000": True, "sun1000": True, "mon2030": True, "mon2330": False},
    ),
    ("全天", "24/7", {"mon0300": True, "sun1000": True}),
    ("24小时", "24/7", {"tue0130": True, "sat1800": True}),
    ("7×24小时", "24/7", {"mon0300": True, "sun0300": True}),
    ("7*24小时营业", "24/7", {"sun0300": True}),
    ("7X24h", "24/7", {"wed1000": True}),
    ("24小时营业", "24/7", {"mon0300": True}),
    ("全天开放", "24/7", {"sun0300": True}),
    (
        "工作日 9:00-17:30",
        "Mo-Fr 09:00-17:30",
        {"mon1000": True, "mon1745": False, "sat1000": False},
    ),
    ("周末休息", "Sa,Su off", {"sat1000": False, "mon1000": False}),
    ("8:30—20:00", "08:30-20:00", {"mon0800": False, "mon0830": True, "sun1000": True}),
    (
        "上午8:00-12:00 下午14:00-18:00",
        "08:00-12:00,14:00-18:00",
        {"mon1000": True, "mon1230": False, "mon1500": True, "sat1800": False},
    ),
    (
        "上午8:00-12:00，下午2:00-6:00",
        "08:00-12:00,14:00-18:00",
        {"mon1230": False, "mon1500": True, "mon1745": True},
    ),
    (
        "周一至周五 上午8:30-12:00 下午14:30-17:30",
        "Mo-Fr 08:30-12:00,14:30-17:30",
        {"mon0830": True, "mon1230": False, "mon1500": True, "sat1000": False},
    ),
    (
        "周一至周五：8:30-17:30；周六、周日：9:00-12:00",
        "Mo-Fr 08:30-17:30; Sa,Su 09:00-12:00",
        {"mon1745": False, "sat1000": True, "sun1000": True, "sat1800": False},
    ),
    (
        "周一到周六 9:00-18:00",
        "Mo-Sa 09:00-18:00",
        {"sat1000": True, "sun1000": False, "wed1000": True},
    ),
    ("星期一至星期五 8:00-17:00", "Mo-Fr 08:00-17:00", {"mon1500": True, "sat1000": False}),
    ("礼拜一到礼拜五 8:00~17:00", "Mo-Fr 08:00-17:00", {"mon1000": True, "sun1000": False}),
    (
        "周二至周日 9:00-17:00",
        "Tu-Su 09:00-17:00",
        {"mon1000": False, "wed1000": True, "sun1000": True},
    ),
    (
        "周一至周日 06:00-22:00",
        "Mo-Su 06:00-22:00",
        {"mon0300": False, "mon2030": True, "sun1000": True},
    ),
    ("每日 7:00-19:00", "Mo-Su 07:00-19:00", {"mon0800": True, "sat1800": True, "mon2030": False}),
    (
        "每天 9:00-21:00，节假日休息",
        "Mo-Su 09:00-21:00; PH off",
        {"mon1000": True, "mon2330": False},
    ),
    ("节假日休息，每天9:00-21:00", "Mo-Su 09:00-21:00; PH off", {"sun1000": True}),
    (
        "工作日8:00-18:00，周末休息",
        "Mo-Fr 08:00-18:00; Sa,Su off",
        {"mon1000": True, "sat1000": False, "sun1000": False},
    ),
    (
        "周一闭馆，周二至周日9:00-17:00",
        "Tu-Su 09:00-17:00; Mo off",
        {"mon1000": False, "wed1000": True, "sat1000": True},
    ),
    ("每天9点半到21点", "Mo-Su 09:30-21:00", {"mon1000": True, "mon0830": False}),
    ("下午2点-6点", "14:00-18:00", {"mon1500": True, "mon1000": False, "mon1745": True}),
    ("下午2点到晚上8点", "14:00-20:00", {"mon1500": True, "mon2030": False}),
    ("晚上8点到12点", "20:00-24:00", {"mon2030": True, "mon2330": True, "tue0130": False}),
    (
        "晚上10点至次日凌晨2点",
        "22:00-02:00",
        {"mon2330": True, "tue0130": True, "mon2030": False, "mon1000": False},
    ),
    ("18:00-次日02:00", "18:00-02:00", {"mon2030": True, "tue0130": True, "mon1500": False}),
    ("早上6点到晚上10点", "06:00-22:00", {"mon0300": False, "mon0800": True, "mon2030": True}),
    ("8:00-22:00（节假日照常）", "08:00-22:00", {"sun1000": True, "mon2330": False}),
    ("营业时间：10:00-22:00", "10:00-22:00", {"mon1000": True, "mon0830": False}),
    ("开放时间：周一至周五 9:00-17:00", "Mo-Fr 09:00-17:00", {"mon1000": True, "sat1000": False}),
    ("９：００－１７：００", "09:00-17:00", {"mon1000": True, "mon1745": False}),
    ("8.30-17.30", "08:30-17:30", {"mon0830": True, "mon1745": False}),
    ("9时至17时", "09:00-17:00", {"mon1000": True, "mon1745": False}),
    ("8点30分-17点30分", "08:30-17:30", {"mon0800": False, "mon1500": True}),
    ("周六日全天", "Sa,Su 00:00-24:00", {"sat1800": True, "sun0300": True, "mon1000": False}),
    ("周一至周五24小时", "Mo-Fr 00:00-24:00", {"mon0300": True, "sat1000": False}),
    ("周末 10:00-16:00", "Sa,Su 10:00-16:00", {"sat1000": True, "sun1000": True, "mon1000": False}),
    ("双休日 9:00-12:00", "Sa,Su 09:00-12:00", {"sat1000": True, "wed1000": False}),
    (
        "周一、三、五 9:00-12:00",
        "Mo,We,Fr 09:00-12:00",
        {"mon1000": True, "wed1000": True, "sat1000": False},
    ),
    (
        "周一至周五 8:00-12:00 14:00-17:30",
        "Mo-Fr 08:00-12:00,14:00-17:30",
        {"mon1000": True, "mon1230": False, "mon1500": True, "sat1000": False},
    ),
    ("全年无休 8:00-20:00", "Mo-Su 08:00-20:00", {"sun1000": True, "mon2030": False}),
    (
        "周一至周五 8:00-18:00 周六 9:00-12:00 周日休息",
        "Mo-Fr 08:00-18:00; Sa 09:00-12:00; Su off",
        {"sat1000": True, "sat1800": False, "sun1000": False, "mon1500": True},
    ),
    ("中午12点到下午2点", "12:00-14:00", {"mon1230": True, "mon1500": False}),
    ("中午1点-5点", "13:00-17:00", {"mon1230": False, "mon1500": True}),
    (
        "8:00-17:00 周末及节假日休息",
        "08:00-17:00; Sa,Su,PH off",
        {"mon1000": True, "mon1745": False, "sat1000": False, "sun1000": False},
    ),
    (
        "周一和周三 9:00-12:00",
        "Mo,We 09:00-12:00",
        {"mon1000": True, "wed1000": True, "sat1000": False},
    ),
    ("早8:00-晚8:00", "08:00-20:00", {"mon0800": True, "mon2030": False, "sun1000": True}),
    (
        "周一至周五上午9点至下午5点",
        "Mo-Fr 09:00-17:00",
        {"mon0830": False, "mon1500": True, "sat1000": False},
    ),
    ("周一至周日全天", "24/7", {"sun0300": True}),
    # OSM text is kept as it is.
    (
        "Mo-Fr 08:00-20:00; Sa 09:00-12:00",
        "Mo-Fr 08:00-20:00; Sa 09:00-12:00",
        {"mon1000": True, "sat1000": True, "sun1000": False},
    ),
    ("24/7", "24/7", {"sun0300": True}),
]


def test_at_least_forty_chinese_phrasings() -> None:
    assert sum(not text.isascii() for text, _, _ in CASES) >= 40


@pytest.mark.parametrize(("text", "expected", "states"), CASES, ids=[c[0] for c in CASES])
def test_phrasing_normalises_and_evaluates(
    text: str, expected: str, states: dict[str, bool]
) -> None:
    osm = normalize_hours(text)
    assert osm == expected
    for name, want in states.items():
        assert is_open(osm, T[name]) is want, (text, osm, name)


REFUSED = [
    "休息",
    "8 to 5",
    "周一至周五",
    "看心情",
    "9:00-5:00 左右",
    "周一至周五 25:00-26:00",
    "上午9点到上午9点",
    "夏季 8:00-18:00",
    "9:00-5:00 下午",
]


@pytest.mark.parametrize("text", REFUSED)
def test_unknown_text_is_refused_quoting_it_with_an_example(text: str) -> None:
    with pytest.raises(HoursTextError) as info:
        normalize_hours(text, field_name="hours")
    err = info.value
    assert isinstance(err, InvalidInputError)
    en, zh = err.message("en"), err.message("zh")
    assert repr(text) in en and HOURS_EXAMPLE["en"] in en and "hours" in en
    assert f"“{text}”" in zh and HOURS_EXAMPLE["zh"] in zh and "无法识别" in zh
    # both examples given are themselves accepted
    for example in HOURS_EXAMPLE.values():
        assert normalize_hours(example) == HOURS_EXAMPLE["en"]


def test_empty_means_unknown() -> None:
    assert normalize_hours("  ") == ""


def test_import_stores_osm_form_and_keeps_the_wording(tmp_path: Path) -> None:
    f = tmp_path / "长沙.csv"
    f.write_text(
        "名称,经度,纬度,开放时间\n东站,112.98,28.19,周一至周五8:00-18:00，周六日9:00-17:00\n"
        "西站,112.90,28.20,24/7\n",
        encoding="utf-8",
    )
    reg = open_store(":memory:")
    import_stations(reg, f, crs="gcj02")
    by_name = {s.name: s for s in reg.stations()}
    east, west = by_name["东站"], by_name["西站"]
    assert east.opening_hours == "Mo-Fr 08:00-18:00; Sa,Su 09:00-17:00"
    assert east.opening_hours_text == "周一至周五8:00-18:00，周六日9:00-17:00"
    assert (west.opening_hours, west.opening_hours_text) == ("24/7", "")
    # the stored form is what the registry evaluates
    assert is_open(east.opening_hours, T["sat1000"], tz=reg.tz)


def test_import_refuses_unknown_hours_by_row_and_column(tmp_path: Path) -> None:
    f = tmp_path / "s.csv"
    f.write_text("名称,经度,纬度,营业时间\n东站,112.98,28.19,看情况\n", encoding="utf-8")
    reg = open_store(":memory:")
    with pytest.raises(ImportValidationError) as info:
        import_stations(reg, f, crs="gcj02")
    (problem,) = info.value.problems
    assert (problem.row, problem.column) == (2, "营业时间")  # type: ignore[attr-defined]
    assert "'看情况'" in str(problem) and HOURS_EXAMPLE["en"] in str(problem)
    assert len(reg) == 0


def test_wrong_hours_report_is_normalised() -> None:
    reg = open_store(":memory:")
    reg.add(Station("a", "A", Kind.WORKER_STATION, 112.98, 28.19, opening_hours="24/7"))
    fb = Feedback(reg)
    rep = fb.report("a", "wrong_hours", hours="每天9点到21点")
    assert rep.hours == "Mo-Su 09:00-21:00"
    with pytest.raises(HoursTextError, match="hours='看情况'"):
        fb.report("a", "wrong_hours", hours="看情况")
    fb.accept_report(rep.id)
    assert reg.get("a").opening_hours == "Mo-Su 09:00-21:00"
