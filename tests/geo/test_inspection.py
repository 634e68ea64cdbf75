"""The inspection cycle (issue 22): due dates on a hand-built registry with known dates, and
inspections that verify and change a station in one transaction, on both backends."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from geo.errors import InvalidInputError, NotFoundError
from geo.feedback import Feedback
from geo.inspection import (
    InspectionPolicy,
    due_stations,
    inspections,
    parse_due,
    record_inspection,
)
from geo.types import Kind, Station, Status
from tests.geo.test_confirmations import Clock

AT = datetime(2026, 6, 1, tzinfo=UTC)


def _ago(days: int) -> str:
    return (AT - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


# id, kind, district, last verified (days before AT, None: never), status
REGISTRY = [
    ("a-fresh", Kind.WORKER_STATION, "Futian", 10, Status.OPEN),
    ("b-old", Kind.WORKER_STATION, "Futian", 400, Status.OPEN),
    ("c-soon", Kind.WORKER_STATION, "Luohu", 350, Status.OPEN),  # due in 15 days
    ("d-never", Kind.RIDER_STATION, "Luohu", None, Status.OPEN),
    ("e-smart", Kind.SMART_STATION, "Futian", 100, Status.OPEN),  # smart: every 90 days
    ("f-closed", Kind.WORKER_STATION, "Futian", 900, Status.CLOSED),
    ("g-edge", Kind.WORKER_STATION, "Nanshan", 365, Status.OPEN),  # due exactly now
]
POLICY = InspectionPolicy({Kind.SMART_STATION: 90})


@pytest.fixture
def store(make_store: Callable[..., Any]) -> Any:
    s = make_store(clock=Clock(AT - timedelta(days=1)))
    s.add(
        [
            Station(
                sid,
                sid,
                kind,
                114.0 + i / 100,
                22.5,
                district=district,
                status=status,
                last_verified="" if days is None else _ago(days),
            )
            for i, (sid, kind, district, days, status) in enumerate(REGISTRY)
        ]
    )
    return s


def _brute_force(within: float | None) -> list[str]:
    """The same rule written out for the table above: due = verified + interval."""
    out = []
    for sid, kind, district, days, status in REGISTRY:
        if status is not Status.OPEN:
            continue
        interval = 90 if kind is Kind.SMART_STATION else 365
        left = None if days is None else interval - days  # days until due
        if left is None or left < 0 or (within is not None and left <= within):
            out.append((district, "" if left is None else _ago(-left), sid))
    return [sid for _, _, sid in sorted(out)]


@pytest.mark.parametrize("within", [None, 0.0, 14.0, 15.0, 30.0, 400.0])
def test_due_lists_match_the_hand_rule(store: Any, within: float | None) -> None:
    due = due_stations(store, at=AT, within_days=within, policy=POLICY)
    assert [d.station.id for d in due] == _brute_force(within)


def test_overdue_list_by_district_with_days(store: Any) -> None:
    due = due_stations(store, at=AT, policy=POLICY)
    assert [(d.station.district, d.station.id, d.days_overdue) for d in due] == [
        ("Futian", "b-old", 35.0),
        ("Futian", "e-smart", 10.0),
        ("Luohu", "d-never", float("inf")),
    ]
    # With the default policy the smart station is not overdue.
    assert "e-smart" not in {d.station.id for d in due_stations(store, at=AT)}


def test_an_accepted_report_brings_the_check_forward(store: Any) -> None:
    fb = Feedback(store)
    rep = fb.report("a-fresh", "wrong_hours", hours="Mo-Su 08:00-20:00")
    fb.accept_report(rep.id, actor="li")  # at AT - 1 day: due 90 days later
    due = {d.station.id: d for d in due_stations(store, at=AT, within_days=89)}
    assert due["a-fresh"].reason == "accepted report"
    assert due["a-fresh"].due == (AT + timedelta(days=89)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert "a-fresh" not in {d.station.id for d in due_stations(store, at=AT, within_days=88)}
    # An inspection after it restores the normal interval.
    record_inspection(store, "a-fresh", at=AT, inspector="wang")
    assert "a-fresh" not in {d.station.id for d in due_stations(store, at=AT, within_days=300)}


def test_inspection_verifies_and_changes_the_station_at_once(store: Any) -> None:
    st = record_inspection(
        store,
        "b-old",
        at=AT,
        inspector="wang",
        amenities_found=["water", "toilet"],
        hours_seen="Mo-Fr 09:00-18:00",
        notes="microwave gone",
        changes={"amenities": ("toilet", "water"), "opening_hours": "Mo-Fr 09:00-18:00"},
    )
    assert (st.last_verified, st.amenities) == ("2026-06-01T00:00:00Z", ("toilet", "water"))
    assert store.history("b-old")[-1].actor == "wang"
    (ins,) = inspections(store, "b-old")
    assert (ins.inspector, ins.amenities_found, ins.notes) == (
        "wang",
        ("toilet", "water"),
        "microwave gone",
    )
    assert "b-old" not in {d.station.id for d in due_stations(store, at=AT)}


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"changes": {"colour": "red"}}, InvalidInputError),
        ({"hours_seen": "whenever"}, InvalidInputError),
        ({"amenities_found": ["jacuzzi"]}, InvalidInputError),
        ({"inspector": ""}, InvalidInputError),
    ],
)
def test_a_failed_inspection_writes_nothing(
    store: Any, kwargs: dict[str, Any], error: type[Exception]
) -> None:
    args = {"at": AT, "inspector": "wang", **kwargs}
    with pytest.raises(error):
        record_inspection(store, "b-old", **args)
    assert inspections(store, "b-old") == [] and store.get("b-old").last_verified == _ago(400)
    with pytest.raises(NotFoundError):
        record_inspection(store, "nope", at=AT, inspector="wang")


@pytest.mark.parametrize(
    ("text", "days"), [("overdue", None), ("due-within:30d", 30.0), ("DUE-WITHIN:0d", 0.0)]
)
def test_parse_due(text: str, days: float | None) -> None:
    assert parse_due(text) == days


@pytest.mark.parametrize("text", ["late", "due-within:30", "due-within:-1d", "due-within:xd"])
def test_parse_due_rejects(text: str) -> None:
    with pytest.raises(InvalidInputError, match="verification="):
        parse_due(text)
