"""Star ratings (issue 22) against hand-computed values of the README formula, both backends."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from geo.feedback import Feedback
from geo.inspection import record_inspection
from geo.score import score_stations, stars_text
from geo.types import Kind, Station
from tests.geo.test_confirmations import Clock

T = datetime(2026, 6, 1, tzinfo=UTC)


@pytest.fixture
def store(make_store: Callable[..., Any]) -> Any:
    clock = Clock(T - timedelta(days=30))
    s = make_store(clock=clock)
    s.add(
        [
            Station("rider", "R", Kind.RIDER_STATION, 114.0, 22.5, opening_hours="24/7"),
            Station("driver", "D", Kind.DRIVER_HOME, 114.1, 22.5,
                    opening_hours="Mo-Fr 08:00-18:00"),
            Station("never", "N", Kind.WORKER_STATION, 114.2, 22.5),
        ]
    )  # fmt: skip
    fb = Feedback(s)
    for _ in range(2):  # two problem reports on the driver home, accepted 30 days before T
        fb.accept_report(fb.report("driver", "full").id, actor="li")
    fb.accept_report(fb.report("rider", "confirmed").id, actor="li")  # no problem
    return s


def test_scores_match_the_formula_by_hand(store: Any) -> None:
    # Rider station: all 6 standard amenities found (plus wifi), hours as listed, no problems.
    record_inspection(
        store,
        "rider",
        at=T,
        inspector="li",
        amenities_found="air_conditioning;charging;microwave;rest_area;toilet;water;wifi",
        hours_seen="24/7",
    )
    # Driver home: 3 of 7 standard amenities, other hours posted, two problems accepted.
    record_inspection(
        store,
        "driver",
        at=T - timedelta(days=10),
        inspector="li",
        amenities_found=["parking", "shower", "water", "printer"],
        hours_seen="Mo-Su 06:00-22:00",
    )
    scores = score_stations(store, at=T)
    assert set(scores) == {"rider", "driver"}  # "never" is not rated
    assert (scores["rider"].score, scores["rider"].stars) == (100, 5)
    driver = 100 * (0.6 * 3 / 7 + 0.25 * 0 + 0.15 * (1 - 2 / 5))
    assert scores["driver"].score == round(driver) == 35
    assert scores["driver"].stars == 2
    assert stars_text(scores["driver"]) == "★★☆☆☆ 35"
    # Before the rider station's inspection only the driver home is rated.
    assert set(score_stations(store, at=T - timedelta(days=1))) == {"driver"}
    # A year and more after the reports, they no longer count.
    later = score_stations(store, at=T + timedelta(days=400))["driver"]
    assert later.score == round(100 * (0.6 * 3 / 7 + 0.15))


def test_hours_not_seen_count_half(store: Any) -> None:
    record_inspection(store, "rider", at=T, inspector="li", amenities_found=["water"])
    s = score_stations(store, at=T)["rider"]
    assert s.hours == 0.5 and s.score == round(100 * (0.6 / 6 + 0.125 + 0.15))
