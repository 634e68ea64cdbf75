"""The store's transactions and library-table records, the same on both backends: what the
feedback module (and later ones) build on."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from geo.errors import ConflictError, NotFoundError
from geo.stations import Column, Table
from geo.types import Kind, Station

NOTES = Table(
    "test_notes",
    (Column("station_id", "text", ""), Column("score", "real", 0.0), Column("body", "text", "")),
    indexes=(("station_id",),),
)
TAGS = Table("test_tags", (Column("tag", "text"), Column("hits", "int", 0)), key="tag")


@pytest.fixture
def store(make_store: Callable[..., Any]) -> Any:
    s = make_store()
    s.ensure_tables([NOTES, TAGS])
    s.add(Station("a", "A", Kind.WORKER_STATION, 24.94, 60.17))
    return s


def test_records_round_trip_with_every_operator(store: Any) -> None:
    with store.transaction(actor="t") as tx:
        ids = [tx.insert(NOTES, {"station_id": s, "score": v}) for s, v in
               [("a", 1.0), ("a", 2.5), ("b", 4.0), ("c", 0.5)]]  # fmt: skip
    assert ids == [1, 2, 3, 4]
    rows = store.select(NOTES, {"score >=": 1.0, "station_id !=": "b"}, order_by=("-score",))
    assert [(r["id"], r["score"], r["body"]) for r in rows] == [(2, 2.5, ""), (1, 1.0, "")]
    assert [r["id"] for r in store.select(NOTES, {"id in": [4, 2, 9]}, order_by=("id",))] == [2, 4]
    assert [r["id"] for r in store.select(NOTES, order_by=("id",), limit=2, offset=1)] == [2, 3]
    assert store.count(NOTES, {"score <": 2.0}) == 2
    assert store.count_by(NOTES, "station_id") == {"a": 2, "b": 1, "c": 1}
    with store.transaction() as tx:
        assert tx.change(NOTES, {"body": "x"}, {"station_id": "a"}) == 2
        assert tx.remove(NOTES, {"score <=": 4.0}, order_by=("score",), limit=1) == 1
    assert [r["id"] for r in store.select(NOTES, order_by=("id",))] == [1, 2, 3]
    assert {r["body"] for r in store.select(NOTES, {"station_id": "a"})} == {"x"}


def test_text_keys_upsert_and_counters(store: Any) -> None:
    with store.transaction() as tx:
        assert tx.insert(TAGS, {"tag": "t1", "hits": 1}) == "t1"
        assert tx.insert(TAGS, {"tag": "t1", "hits": 5}, if_absent=True) is None
        tx.upsert(TAGS, {"tag": "t2", "hits": 2})
        tx.upsert(TAGS, {"tag": "t2", "hits": 3})
        tx.bump("test_counter")
        tx.bump("test_counter")
    assert {r["tag"]: r["hits"] for r in store.select(TAGS)} == {"t1": 1, "t2": 3}
    assert store.counter("test_counter") == 2 and store.counter("never") == 0


def test_a_failed_transaction_writes_nothing(store: Any) -> None:
    version = store.version
    with pytest.raises(ConflictError), store.transaction(actor="t") as tx:
        tx.update("a", name="Changed")
        tx.insert(NOTES, {"station_id": "a"})
        tx.bump("test_counter")
        tx.add(Station("a", "Again", Kind.WORKER_STATION, 1.0, 1.0))  # exists: the whole lot fails
    assert store.get("a").name == "A" and store.version == version
    assert store.count(NOTES) == 0 and store.counter("test_counter") == 0
    assert [h.action for h in store.history("a")] == ["add"]
    assert store.nearest(24.94, 60.17, k=1)[0].station.name == "A"


def test_station_writes_in_a_transaction_share_its_actor_note_and_time(store: Any) -> None:
    with store.transaction(actor="planner-li", note="site visit") as tx:
        tx.update("a", name="A2")
        (b,) = tx.add(Station("b", "B", Kind.DRIVER_HOME, 24.95, 60.18))
        with pytest.raises(NotFoundError):
            tx.get("nope")
        assert tx.get("a").name == "A2"  # reads see the transaction's own writes
    entries = store.history("a")[-1:] + store.history("b")
    assert {(e.actor, e.note, e.at) for e in entries} == {
        ("planner-li", "site visit", b.updated_at)
    }
    assert store.version == 2  # one add before, then one transaction


def test_a_column_declared_later_is_added(store: Any) -> None:
    with store.transaction() as tx:
        tx.insert(NOTES, {"station_id": "a"})
    later = Table(NOTES.name, (*NOTES.columns, Column("reply", "text", "none yet")))
    store.ensure_tables([later])
    store.ensure_tables([later])  # idempotent
    (old,) = store.select(later)
    assert old["reply"] == "none yet"
    with store.transaction() as tx:
        tx.insert(later, {"station_id": "a", "reply": "thanks"})
    assert [r["reply"] for r in store.select(later, order_by=("id",))] == ["none yet", "thanks"]
