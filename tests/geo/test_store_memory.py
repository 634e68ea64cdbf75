"""The SQLite store answers from records held in memory: they must equal the table after every
kind of write, of this connection and of another one (another process's commit)."""

from __future__ import annotations

from pathlib import Path

from geo.feedback import Feedback
from geo.stations import open_store
from geo.stations.sqlite import SqliteStore
from geo.types import Station


def _stations() -> list[Station]:
    return [
        Station("a", "Alpha", "worker_station", 116.40, 39.90, amenities=("water",)),
        Station("b", "Bravo", "rider_station", 116.41, 39.90, opening_hours="24/7"),
        Station("c", "Charlie", "driver_home", 116.42, 39.91, address="Road 1"),
        Station("d", "Delta", "smart_station", 116.43, 39.92),
    ]


def _assert_answers_equal_table(store: SqliteStore) -> None:
    table = {st.id: st for st in store}  # read from the table
    hits = store.nearest(116.40, 39.90, k=10)
    assert {h.station.id for h in hits} == set(table)
    assert all(h.station == table[h.station.id] for h in hits)
    near = store.within(116.40, 39.90, 50_000.0)
    assert [h.station for h in near] == [h.station for h in hits]
    assert store.in_bbox(116, 39, 117, 40) == sorted(table.values(), key=lambda s: s.id)
    store.verify_index()  # the index and every record equal the table


def test_records_follow_every_write(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "r.sqlite")
    store.add(_stations())
    _assert_answers_equal_table(store)
    store.update(
        "a", name="Alpha 2", amenities=["water", "toilet"], opening_hours="Mo-Fr 08:00-18:00"
    )
    store.update("b", lon=116.45, lat=39.95)
    store.delete("c")
    store.add([Station("d", "Delta moved", "smart_station", 116.39, 39.89)], replace=True)
    store.add(Station("e", "Echo", "workers_home", 116.40, 39.901))
    _assert_answers_equal_table(store)
    assert [h.station.name for h in store.nearest(116.39, 39.89, k=1)] == ["Delta moved"]
    fb = Feedback(store)
    rep = fb.report("e", "wrong_hours", hours="Mo-Su 09:00-17:00")
    fb.accept_report(rep.id)
    assert store.nearest(116.40, 39.901, k=1)[0].station.opening_hours == "Mo-Su 09:00-17:00"
    _assert_answers_equal_table(store)
    store.close()
    with SqliteStore(tmp_path / "r.sqlite") as again:  # and after reopening the file
        _assert_answers_equal_table(again)


def test_records_follow_another_connections_commits(tmp_path: Path) -> None:
    db = tmp_path / "shared.sqlite"
    with open_store(db) as reader, open_store(db) as writer:
        assert isinstance(reader, SqliteStore)
        reader.add(_stations())
        assert reader.nearest(116.40, 39.90, k=1)[0].station.name == "Alpha"  # loaded now
        writer.update("a", name="Alpha renamed", address="New Road 7")
        writer.add(Station("f", "Foxtrot", "rider_station", 116.401, 39.90))
        hit = reader.nearest(116.40, 39.90, k=1)[0].station
        assert (hit.name, hit.address) == ("Alpha renamed", "New Road 7")
        assert [h.station.id for h in reader.nearest(116.401, 39.90, k=1)] == ["f"]
        _assert_answers_equal_table(reader)  # type: ignore[arg-type]
