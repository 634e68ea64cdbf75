"""Query times: the accepted range holds in every zone, and the published pattern is accepted."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.errors import GeoError, InvalidInputError
from geo.hours import is_open, open_matrix
from geo.when import EARLIEST, LATEST, TIME_PATTERN, check_time, parse_time

# The zones farthest ahead of and behind UTC.
ZONES = ("Pacific/Kiritimati", "Etc/GMT+12")
OFFSETS = (timezone(timedelta(hours=14)), timezone(timedelta(hours=-12)), None)


@pytest.mark.parametrize(
    "text",
    [
        "0001-01-01T00:00+14:00",
        "0001-01-01T00:00",
        "9999-12-31T23:59-14:00",
        "9999-01-01",
        "1900-12-31T23:59:59",
        "1899-06-01",
    ],
)
def test_out_of_range_text_names_parameter_and_range(text: str) -> None:
    with pytest.raises(InvalidInputError, match=r"open_at=.*1901-01-01T00:00 to 9998-12-31"):
        parse_time(text, name="open_at")


@pytest.mark.parametrize("tz", ZONES)
@pytest.mark.parametrize(
    "when",
    [
        datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=14))),
        datetime(9999, 12, 31, 23, 59, tzinfo=timezone(timedelta(hours=-14))),
        datetime(9999, 6, 1),
        datetime(1800, 6, 1),
    ],
)
def test_library_refuses_out_of_range_times_with_a_geo_error(tz: str, when: datetime) -> None:
    # Before the check these overflowed (OverflowError) or answered "closed" for 24/7.
    with pytest.raises(GeoError, match="outside the accepted range"):
        is_open("24/7", when, tz=tz)
    with pytest.raises(GeoError, match="outside the accepted range"):
        open_matrix(["24/7"], [when], tz=tz)


@pytest.mark.parametrize("tz", ZONES)
@pytest.mark.parametrize("offset", OFFSETS)
@pytest.mark.parametrize("edge", [EARLIEST, LATEST - timedelta(microseconds=1)])
def test_range_ends_are_evaluated_in_every_zone(
    tz: str, offset: timezone | None, edge: datetime
) -> None:
    # 24/7 is open at every instant: the parser must answer for the whole range.
    when = check_time(edge.replace(tzinfo=offset))
    assert is_open("24/7", when, tz=tz)


@settings(max_examples=300, deadline=None)
@given(text=st.from_regex(TIME_PATTERN, fullmatch=True), tz=st.sampled_from(ZONES))
def test_every_text_the_schema_publishes_is_accepted(text: str, tz: str) -> None:
    when = parse_time(text, name="at")
    assert when is not None
    assert is_open("24/7", when, tz=tz)
    if text != "now":
        assert when == datetime.fromisoformat(text)


@pytest.mark.parametrize(
    "text",
    # Dates that do not exist, then texts Python reads but the pattern does not: one accepted
    # form, the schema's, so schema and server agree both ways (and 2026-05-01+08:00 is not
    # silently read as 08:00 local).
    [
        *("2027-02-29", "2100-02-29", "2026-04-31", "2026-13-01", "2026-05-01T24:00", "x"),
        *("20260501", "2026-05-01 10:00", "2026-05-01+08:00", "2026-05-01T10", "NOW", " now"),
    ],
)
def test_texts_outside_the_pattern_are_refused(text: str) -> None:
    assert re.fullmatch(TIME_PATTERN, text) is None
    with pytest.raises(InvalidInputError, match=r"at=.* is not an ISO 8601 time"):
        parse_time(text, name="at")
