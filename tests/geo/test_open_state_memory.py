"""Open states remembered until their next change equal fresh evaluations at every time."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from geo.errors import InvalidInputError
from geo.open_state import open_state, open_states

HOURS = [
    "Mo-Fr 08:00-18:00",
    "22:00-02:00",
    "08:00-12:00,14:00-18:00",
    "24/7",
    "Sa,Su off",
    "",
    "Mo-Su 06:00-24:00",
    "Mo 10:00-10:05",
]


@pytest.mark.parametrize("tz", ["Asia/Shanghai", "Europe/Helsinki"])  # Helsinki: DST
@pytest.mark.parametrize("order", ["forward", "shuffled"])
def test_remembered_states_equal_fresh_ones(tz: str, order: str) -> None:
    # every 7 minutes over ten days around the end of summer time in Helsinki, local and UTC
    start = datetime(2026, 10, 20, 0, 3)
    times: list[datetime] = [start + timedelta(minutes=7 * i) for i in range(10 * 24 * 60 // 7)]
    times += [t.replace(tzinfo=UTC) for t in times[::5]]
    times += [datetime(2026, 11, 23, 10, 5), datetime(2026, 11, 23, 10, 4, 59, 999999)]
    if order == "shuffled":
        random.Random(1).shuffle(times)
    for when in times:
        got = open_states(HOURS, when, tz=tz)
        assert got == [open_state(h, when, tz=tz) for h in HOURS], when


def test_a_remembered_state_ends_at_its_change() -> None:
    tz = "Asia/Shanghai"
    before = open_states(["Mo 10:00-10:05"], datetime(2026, 11, 23, 10, 4), tz=tz)[0]
    at = open_states(["Mo 10:00-10:05"], datetime(2026, 11, 23, 10, 5), tz=tz)[0]
    assert before.open_now and before.closes_at == datetime.fromisoformat("2026-11-23T10:05+08:00")
    assert not at.open_now and at.opens_at == datetime.fromisoformat("2026-11-30T10:00+08:00")


def test_out_of_range_times_are_refused_even_when_remembered() -> None:
    open_states(["24/7"], datetime(2026, 1, 1), tz="Asia/Shanghai")
    with pytest.raises(InvalidInputError):
        open_states(["24/7"], datetime(9999, 12, 31, 23), tz="Asia/Shanghai")
