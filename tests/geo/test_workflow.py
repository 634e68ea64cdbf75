"""The rider's loop (issue 22): receipts, replies, a proposal's steps to an open station, and
response-time figures, on both backends, at explicit times."""

from __future__ import annotations

import statistics
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from geo.errors import ConflictError, NotFoundError
from geo.feedback import Feedback, ReviewStatus
from geo.feedback.response_times import response_times
from geo.feedback.workflow import State, Workflow
from geo.types import Kind, Station, Status
from tests.geo.test_confirmations import T0, Clock

DAY = timedelta(days=1)


@pytest.fixture
def world(make_store: Callable[..., Any]) -> tuple[Any, Feedback, Workflow, Clock]:
    clock = Clock(T0)
    store = make_store(clock=clock)
    store.add(
        [
            Station("lib", "Library", Kind.WORKER_STATION, 114.05, 22.54, district="Futian"),
            Station("depot", "Depot", Kind.DRIVER_HOME, 114.12, 22.55, district="Luohu"),
        ]
    )
    fb = Feedback(store)
    return store, fb, Workflow(fb), clock


def test_proposal_through_every_step(world: tuple[Any, Feedback, Workflow, Clock]) -> None:
    store, fb, flow, clock = world
    p = fb.propose(114.06, 22.53, note="no shade", contact="13800000000", client="10.0.0.9")
    assert len(p.receipt) == 22 and fb.get_proposal(p.id).receipt == ""  # shown once only
    assert flow.receipt(p.receipt).state is State.SUBMITTED
    clock.at = T0 + DAY
    flow.reply("proposal", p.id, "we will survey the site", actor="planner-li")
    clock.at = T0 + 3 * DAY
    station, _ = fb.accept_proposal(p.id, name="Metro exit", actor="planner-li")
    assert store.get(station.id).status is Status.PLANNED
    clock.at = T0 + 10 * DAY
    assert flow.advance(p.id, "building", actor="planner-wang", note="works began") == [p.id]
    clock.at = T0 + 40 * DAY
    flow.advance(p.id, "opened", actor="planner-wang")
    view = flow.receipt(p.receipt)
    assert [(s.state, s.actor) for s in view.steps] == [
        (State.SUBMITTED, ""),
        (State.UNDER_REVIEW, "planner-li"),
        (State.ACCEPTED, "planner-li"),
        (State.BUILDING, "planner-wang"),
        (State.DONE, "planner-wang"),
    ]
    days = [0, 1, 3, 10, 40]
    assert [s.at for s in view.steps] == [
        (T0 + d * DAY).strftime("%Y-%m-%dT%H:%M:%SZ") for d in days
    ]
    assert view.steps[1].reply == "we will survey the site" and view.station_id == station.id
    # The station opened in the same transaction, recorded with the planner's name.
    assert store.get(station.id).status is Status.OPEN
    assert store.history(station.id)[-1].actor == "planner-wang"
    with pytest.raises(ConflictError, match="past opened"):
        flow.advance(p.id, "opened", actor="planner-wang")


def test_every_proposal_of_the_group_follows_the_station(
    world: tuple[Any, Feedback, Workflow, Clock],
) -> None:
    _, fb, flow, _ = world
    a = fb.propose(114.06, 22.53)
    b = fb.propose(114.0601, 22.5301)  # ≈ 15 m away: the same group
    fb.accept_proposal(a.id, name="Metro exit")
    assert flow.advance(b.id, "building", actor="li") == [a.id, b.id]
    assert flow.receipt(a.receipt).state is State.BUILDING


def test_steps_need_an_accepted_proposal_and_a_planned_station(
    world: tuple[Any, Feedback, Workflow, Clock],
) -> None:
    store, fb, flow, _ = world
    p = fb.propose(114.06, 22.53)
    with pytest.raises(ConflictError, match="not accepted"):
        flow.advance(p.id, "building", actor="li")
    flow.link(p.id, "depot", actor="li", note="the depot already serves this corner")
    view = flow.receipt(p.receipt)
    assert view.state is State.DONE and view.station_id == "depot"  # depot is open
    with pytest.raises(ConflictError):
        flow.advance(p.id, "building", actor="li")
    assert fb.get_proposal(p.id).status is ReviewStatus.ACCEPTED
    assert store.get("depot").status is Status.OPEN


def test_report_done_or_rejected(world: tuple[Any, Feedback, Workflow, Clock]) -> None:
    store, fb, flow, clock = world
    r1 = fb.report("lib", "wrong_hours", hours="Mo-Su 07:00-22:00")
    r2 = fb.report("lib", "closed")
    clock.at = T0 + DAY
    fb.accept_report(r1.id, actor="planner-li", note="hours fixed")
    fb.reject_report(r2.id, actor="planner-li", note="it is open, we checked")
    done, rejected = flow.receipt(r1.receipt), flow.receipt(r2.receipt)
    assert [s.state for s in done.steps] == [State.SUBMITTED, State.DONE]
    assert done.steps[-1].reply == "hours fixed" and done.kind == "wrong_hours"
    assert rejected.state is State.REJECTED and rejected.steps[-1].actor == "planner-li"
    assert store.get("lib").opening_hours == "Mo-Su 07:00-22:00"


def test_wrong_tokens_all_look_alike(world: tuple[Any, Feedback, Workflow, Clock]) -> None:
    _, fb, flow, _ = world
    real = fb.report("lib", "full").receipt
    forged = real[:-1] + ("A" if real[-1] != "A" else "B")
    messages = set()
    for token in [forged, "x" * 22, "short", "", "../../etc/passwd", real + "x"]:
        with pytest.raises(NotFoundError) as exc:
            flow.receipt(token)
        messages.add(str(exc.value))
    assert messages == {"no receipt with this token"}
    assert flow.receipt(real).state is State.SUBMITTED


def _p90(values: list[float]) -> float:
    return statistics.quantiles(values, n=10, method="inclusive")[8]


def test_response_times_against_hand_timelines(
    world: tuple[Any, Feedback, Workflow, Clock],
) -> None:
    store, fb, flow, clock = world
    # Futian: three reports answered by li after 1, 2 and 4 days; resolved after 2, 5 and never.
    futian = [fb.report("lib", "full") for _ in range(3)]
    luohu = fb.report("depot", "full")  # Luohu: never answered
    clock.at = T0 + 1 * DAY
    flow.reply("report", futian[0].id, "looking", actor="li")
    clock.at = T0 + 2 * DAY
    flow.reply("report", futian[1].id, "looking", actor="li")
    fb.accept_report(futian[0].id, actor="li")
    clock.at = T0 + 4 * DAY
    flow.reply("report", futian[2].id, "looking", actor="wang")
    clock.at = T0 + 5 * DAY
    fb.reject_report(futian[1].id, actor="li")
    clock.at = T0 + 50 * DAY
    fb.accept_report(luohu.id, actor="wang")  # after the evaluation time: ignored
    figures = response_times(store, at=T0 + 9 * DAY, limit_days=7)
    overall = figures.overall
    assert (overall.items, overall.replied, overall.resolved) == (4, 3, 2)
    assert overall.reply_median_days == statistics.median([1, 2, 4])
    assert overall.reply_p90_days == pytest.approx(_p90([1, 2, 4]))
    assert overall.resolution_median_days == statistics.median([2, 5])
    assert overall.open_past_limit == 2  # futian[2] and luohu, 9 days old
    by_district = {f.group: f for f in figures.by_district}
    assert set(by_district) == {"Futian", "Luohu"}
    assert (by_district["Futian"].items, by_district["Futian"].open_past_limit) == (3, 1)
    assert by_district["Luohu"].reply_median_days is None
    by_planner = {f.group: (f.items, f.reply_median_days) for f in figures.by_planner}
    assert by_planner == {"": (1, None), "li": (2, 1.5), "wang": (1, 4.0)}
    later = response_times(store, at=T0 + 60 * DAY, limit_days=100)
    assert later.overall.resolved == 3 and later.overall.open_past_limit == 0
