"""Confirmations ("visited and all fine") verify a station only when two different clients
confirm within a week, or a planner does (issue 17), on both backends, at explicit times."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from geo.feedback import Feedback, ReviewStatus
from geo.types import Kind, Station

T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def world(make_store: Callable[..., Any]) -> tuple[Any, Feedback, Clock]:
    clock = Clock(T0)
    store = make_store(clock=clock)
    store.add(Station("lib", "Library", Kind.WORKER_STATION, 24.95, 60.184))
    return store, Feedback(store), clock


def test_one_anonymous_confirmation_does_not_verify(world: tuple[Any, Feedback, Clock]) -> None:
    store, fb, clock = world
    rep = fb.report("lib", "confirmed", client="10.0.0.1")
    assert rep.status is ReviewStatus.OPEN and store.get("lib").last_verified == ""
    clock.at = T0 + timedelta(days=1)
    again = fb.report("lib", "confirmed", client="10.0.0.1")  # the same client twice
    assert again.status is ReviewStatus.OPEN and store.get("lib").last_verified == ""
    assert fb.open_report_counts() == {}  # pending confirmations are not problem reports


def test_two_clients_within_a_week_verify(world: tuple[Any, Feedback, Clock]) -> None:
    store, fb, clock = world
    first = fb.report("lib", "confirmed", client="10.0.0.1")
    clock.at = T0 + timedelta(days=6, hours=23)
    second = fb.report("lib", "confirmed", client="10.0.0.2")
    assert second.status is ReviewStatus.ACCEPTED and second.resolved_by == "confirmations"
    assert fb.get_report(first.id).status is ReviewStatus.ACCEPTED
    assert store.get("lib").last_verified == "2026-05-08T08:00:00Z" == second.created_at
    last = store.history("lib")[-1]
    assert (last.actor, last.note, set(last.changes)) == (
        "riders",
        "confirmed by 2 riders",
        {"last_verified"},
    )


def test_two_clients_more_than_a_week_apart_do_not(world: tuple[Any, Feedback, Clock]) -> None:
    store, fb, clock = world
    fb.report("lib", "confirmed", client="10.0.0.1")
    clock.at = T0 + timedelta(days=7, seconds=1)
    late = fb.report("lib", "confirmed", client="10.0.0.2")
    assert late.status is ReviewStatus.OPEN and store.get("lib").last_verified == ""
    clock.at += timedelta(days=3)  # a third client within a week of the second one
    third = fb.report("lib", "confirmed", client="10.0.0.3")
    assert third.status is ReviewStatus.ACCEPTED
    assert store.get("lib").last_verified == "2026-05-11T09:00:01Z"


def test_unknown_clients_never_count_as_different(world: tuple[Any, Feedback, Clock]) -> None:
    store, fb, _ = world
    fb.report("lib", "confirmed")
    fb.report("lib", "confirmed")
    assert store.get("lib").last_verified == ""


def test_a_planner_verifies_at_once(world: tuple[Any, Feedback, Clock]) -> None:
    store, fb, clock = world
    clock.at = T0 + timedelta(hours=5)
    rep = fb.report("lib", "confirmed", planner="planner-li")
    assert rep.status is ReviewStatus.ACCEPTED and rep.resolved_by == "planner-li"
    assert store.get("lib").last_verified == "2026-05-01T14:00:00Z"
    assert store.history("lib")[-1].actor == "planner-li"


def test_a_rejected_confirmation_does_not_count(world: tuple[Any, Feedback, Clock]) -> None:
    store, fb, clock = world
    spam = fb.report("lib", "confirmed", client="10.0.0.1")
    fb.reject_report(spam.id, actor="planner-li", note="not there")
    clock.at = T0 + timedelta(days=1)
    fb.report("lib", "confirmed", client="10.0.0.2")
    assert store.get("lib").last_verified == ""


@pytest.fixture(params=["sqlite", "postgis"])
def shared_target(request: pytest.FixtureRequest, tmp_path: Any) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "c.sqlite")
    from tests.pg import fresh_database

    return str(fresh_database(request.getfixturevalue("postgis_template")))


def _race(one: Any, two: Any, pending_id: int, client: str) -> list[BaseException]:
    """A planner accepts ``pending_id`` through ``one`` while ``client`` confirms through
    ``two``, both released at once; the unexpected errors."""
    import threading

    from geo.errors import ConflictError

    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def accept() -> None:
        barrier.wait()
        try:
            Feedback(one).accept_report(pending_id, actor="planner-li")
        except ConflictError:  # the confirmation accepted it first: fine
            pass
        except BaseException as exc:
            errors.append(exc)

    def confirm() -> None:
        barrier.wait()
        try:
            Feedback(two).report("lib", "confirmed", client=client)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=accept), threading.Thread(target=confirm)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def test_accepting_a_confirmation_while_another_arrives(shared_target: str) -> None:
    """A planner accepts a pending confirmation while a second client confirms the same
    station, on two connections at once: both finish (or one is a 409), never a deadlock
    (both lock the station before the reports)."""
    from geo.stations import open_store

    with open_store(shared_target) as one, open_store(shared_target) as two:
        one.add(Station("lib", "Library", Kind.WORKER_STATION, 24.95, 60.184))
        for i in range(8):
            pending = Feedback(one).report("lib", "confirmed", client=f"10.0.{i}.1")
            assert _race(one, two, pending.id, f"10.0.{i}.2") == []
            assert Feedback(one).get_report(pending.id).status is ReviewStatus.ACCEPTED
