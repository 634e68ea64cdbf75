"""What-if plans kept in the store (issue 20): checks naming the change and field, applying
in one transaction with history, on SQLite and PostGIS alike."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from geo.errors import ConflictError, InvalidInputError, NotFoundError
from geo.plans import ChangeKind, PlanChangeError, Plans, PlanStatus, parse_changes
from geo.types import Kind, Station, Status

SEED = [
    Station("a", "Alpha", Kind.WORKER_STATION, 24.941, 60.170, opening_hours="Mo-Fr 08:00-18:00"),
    Station("b", "Bravo", Kind.DRIVER_HOME, 24.930, 60.165, opening_hours="24/7", capacity=4.0),
    Station("c", "Charlie", Kind.RIDER_STATION, 24.950, 60.184),
]
CHANGES: list[dict[str, Any]] = [
    {"kind": "close", "station_id": "a"},
    {"kind": "hours", "station_id": "b", "hours": "每天9点到21点"},
    {"kind": "capacity", "station_id": "c", "capacity": 12},
    {
        "kind": "add",
        "lon": 24.945,
        "lat": 60.168,
        "station_kind": "骑士驿站",
        "name": "New",
        "station_id": "new-1",
        "capacity": 6,
        "hours": "24/7",
    },
]


@pytest.mark.parametrize(
    ("changes", "index", "field"),
    [
        ([{"kind": "move", "station_id": "a"}], 0, "kind"),
        ([{"kind": "close", "station_id": "a"}, {"kind": "close"}], 1, "station_id"),
        ([{"kind": "capacity", "station_id": "a", "capacity": -2}], 0, "capacity"),
        ([{"kind": "capacity", "station_id": "a"}], 0, "capacity"),
        ([{"kind": "hours", "station_id": "a", "hours": "whenever"}], 0, "hours"),
        ([{"kind": "add", "lon": 200, "lat": 60, "station_kind": "driver_home"}], 0, "lon"),
        ([{"kind": "add", "lon": 24, "lat": 60}], 0, "station_kind"),
        ([{"kind": "add", "lon": 24, "lat": 60, "station_kind": "castle"}], 0, "station_kind"),
        ([{"kind": "close", "station_id": "a", "lon": 1}], 0, "lon"),
        ([{"kind": "close", "station_id": "../x"}], 0, "station_id"),
        # a station closed, then changed
        (
            [
                {"kind": "close", "station_id": "a"},
                {"kind": "capacity", "station_id": "a", "capacity": 1},
            ],
            1,
            "station_id",
        ),
    ],
)
def test_parse_names_change_and_field(changes: list[Any], index: int, field: str) -> None:
    with pytest.raises(PlanChangeError) as err:
        parse_changes(changes)
    assert (err.value.index, err.value.field) == (index, field)
    assert str(err.value).startswith(f"changes[{index}].{field}: ")


def test_parse_reads_hours_and_kinds() -> None:
    hours, cap, add = parse_changes(CHANGES[1:], plan_name="P")
    assert (hours.hours, hours.hours_text) == ("Mo-Su 09:00-21:00", "每天9点到21点")
    assert cap.capacity == 12.0 and cap.kind is ChangeKind.CAPACITY
    assert add.station_kind is Kind.RIDER_STATION and (add.lon, add.lat) == (24.945, 60.168)
    one = {"kind": "add", "lon": 24, "lat": 60, "station_kind": "driver_home"}
    (unnamed,) = parse_changes([one], plan_name="P")
    assert unnamed.name == "P #1" and unnamed.station_id.startswith("st-")
    with pytest.raises(InvalidInputError, match="at least one change"):
        parse_changes([])


@pytest.fixture
def plans(make_registry: Callable[..., Any]) -> Plans:
    store = make_registry(tz="Europe/Helsinki")
    store.add(SEED, actor="seed")
    return Plans(store)


def test_create_touches_no_station(plans: Plans) -> None:
    before = plans.store.stations()
    plan = plans.create("Night shift", "helsinki", CHANGES, actor="li")
    assert plans.store.stations() == before
    assert (plan.id, plan.status, plan.created_by) == (1, PlanStatus.DRAFT, "li")
    assert plans.get(plan.id) == plan and plans.list() == [plan]
    assert [str(c.kind) for c in plan.changes] == ["close", "hours", "capacity", "add"]


def test_create_refuses_unknown_station_naming_it(plans: Plans) -> None:
    bad = [*CHANGES[:2], {"kind": "hours", "station_id": "ghost", "hours": "24/7"}]
    with pytest.raises(PlanChangeError, match="ghost") as err:
        plans.create("x", "helsinki", bad)
    assert (err.value.index, err.value.field) == (2, "station_id")
    taken = [
        {"kind": "add", "lon": 24.9, "lat": 60.1, "station_kind": "driver_home", "station_id": "b"}
    ]
    with pytest.raises(PlanChangeError, match="exists already"):
        plans.create("x", "helsinki", taken)
    assert plans.list() == []


def test_apply_writes_everything_with_history(plans: Plans) -> None:
    plan = plans.create("Night shift", "helsinki", CHANGES, actor="li")
    done = plans.apply(plan.id, actor="wang")
    assert (done.status, done.applied_by) == (PlanStatus.APPLIED, "wang")
    store = plans.store
    assert store.get("a").status is Status.CLOSED
    b = store.get("b")
    assert (b.opening_hours, b.opening_hours_text) == ("Mo-Su 09:00-21:00", "每天9点到21点")
    assert store.get("c").capacity == 12.0
    new = store.get("new-1")
    assert (new.name, new.kind, new.capacity, new.opening_hours, new.status) == (
        "New",
        Kind.RIDER_STATION,
        6.0,
        "24/7",
        Status.OPEN,
    )
    note = f"plan {plan.id} 'Night shift'"
    for sid, field in (("a", "status"), ("b", "opening_hours"), ("c", "capacity")):
        last = store.history(sid)[-1]
        assert (last.actor, last.note, last.action) == ("wang", note, "update")
        assert field in last.changes
    added = store.history("new-1")
    assert [(h.actor, h.note, h.action) for h in added] == [("wang", note, "add")]
    with pytest.raises(ConflictError, match="applied already"):
        plans.apply(plan.id, actor="wang")
    with pytest.raises(ConflictError, match="stays as a record"):
        plans.delete(plan.id)
    with pytest.raises(NotFoundError):
        plans.apply(99)


def test_failure_in_the_middle_writes_nothing(plans: Plans) -> None:
    """The third change fails (its station was deleted after the plan was made): the close
    and hours change before it must not be written, and the plan stays a draft."""
    changes = [
        CHANGES[0],
        CHANGES[1],
        {"kind": "capacity", "station_id": "c", "capacity": 3},
        CHANGES[3],
    ]
    plan = plans.create("Doomed", "helsinki", changes, actor="li")
    store = plans.store
    store.delete("c", actor="admin")
    stations, history = store.stations(), {s: store.history(s) for s in ("a", "b")}
    version = store.version
    with pytest.raises(ConflictError, match=r"changes\[2\]\.station_id: station 'c' no longer"):
        plans.apply(plan.id, actor="wang")
    assert store.stations() == stations and "new-1" not in store
    assert {s: store.history(s) for s in ("a", "b")} == history
    assert store.version == version
    assert plans.get(plan.id).status is PlanStatus.DRAFT


def test_delete_draft(plans: Plans) -> None:
    plan = plans.create("Scratch", "helsinki", CHANGES[:1])
    version = plans.version
    plans.delete(plan.id)
    assert plans.list() == [] and plans.version == version + 1
    with pytest.raises(NotFoundError, match="no plan with id 1"):
        plans.get(plan.id)


def test_two_applies_at_once_write_once(plans: Plans) -> None:
    """Two planners apply the same plan at the same moment: one wins, the other gets a
    conflict, and every station is written once."""
    import threading

    plan = plans.create("Race", "helsinki", CHANGES, actor="li")
    start, results = threading.Barrier(2), []

    def apply(actor: str) -> None:
        start.wait()
        try:
            results.append(("ok", plans.apply(plan.id, actor=actor).applied_by))
        except ConflictError as exc:
            results.append(("conflict", str(exc)))

    threads = [threading.Thread(target=apply, args=(a,)) for a in ("li", "wang")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r[0] for r in results) == ["conflict", "ok"]
    winner = next(r[1] for r in results if r[0] == "ok")
    assert "applied already" in next(r[1] for r in results if r[0] == "conflict")
    assert plans.get(plan.id).applied_by == winner
    for sid in ("a", "b", "c", "new-1"):
        written = [h for h in plans.store.history(sid) if h.note.startswith("plan ")]
        assert [h.actor for h in written] == [winner]
