"""``read_now``: a read that must not wait (on a server's event loop) is told when it would."""

from __future__ import annotations

import threading
from pathlib import Path

from geo.stations import open_store
from geo.stations.sqlite import SqliteStore
from geo.types import Kind, Station


def test_sqlite_reads_now_only_when_nothing_holds_or_changed_the_store(tmp_path: Path) -> None:
    db = tmp_path / "s.sqlite"
    store = open_store(db)
    store.add(Station("a", "A", Kind.WORKER_STATION, 24.9, 60.1))
    store.nearest(24.9, 60.1, k=1)  # loaded and current
    with store.read_now() as ready:
        assert ready
        assert store.nearest(24.9, 60.1, k=1)[0].station.id == "a"  # the lock is reentrant

    # a write in another thread holds the store: a read now would wait for it
    writing, release = threading.Event(), threading.Event()

    def write() -> None:
        with store.transaction() as tx:
            writing.set()
            release.wait()
            tx.add([Station("b", "B", Kind.WORKER_STATION, 24.91, 60.1)])

    writer = threading.Thread(target=write)
    writer.start()
    writing.wait()
    try:
        with store.read_now() as ready:
            assert not ready
    finally:
        release.set()
        writer.join()
    with store.read_now() as ready:
        assert ready

    # another process (here: connection) commits: the reload belongs in a thread
    with open_store(db) as other:
        other.add(Station("c", "C", Kind.WORKER_STATION, 24.92, 60.1))
    with store.read_now() as ready:
        assert not ready
    assert {h.station.id for h in store.nearest(24.9, 60.1, k=3)} == {"a", "b", "c"}
    with store.read_now() as ready:
        assert ready
    store.close()
    with store.read_now() as ready:
        assert not ready


def test_only_the_embedded_store_reads_now(make_store) -> None:  # type: ignore[no-untyped-def]
    # PostGIS reads wait on a database server: always in a thread
    store = make_store()
    store.add(Station("a", "A", Kind.WORKER_STATION, 24.9, 60.1))
    store.nearest(24.9, 60.1, k=1)
    with store.read_now() as ready:
        assert ready is isinstance(store, SqliteStore)
