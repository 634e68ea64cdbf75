"""Two processes on one SQLite file never disagree: a station written by one process is
answered by the other's next query (SQLite's data_version and the file's version counter)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np

from geo.feedback import Feedback
from geo.stations import StationFilter, open_store
from geo.types import Kind, Station, Status

WRITER = textwrap.dedent(
    """
    import sys
    from geo.stations import open_store
    from geo.types import Kind, Station

    with open_store(sys.argv[1]) as store:
        for line in sys.stdin:
            op, sid, lon, lat = line.split()
            if op == "add":
                store.add(Station(sid, sid, Kind.WORKER_STATION, float(lon), float(lat)))
            elif op == "move":
                store.update(sid, lon=float(lon), lat=float(lat))
            else:
                store.delete(sid)
            print("done", flush=True)
    """
)


def test_a_write_by_another_process_is_read_at_once(tmp_path: Path) -> None:
    db = tmp_path / "shared.sqlite"
    reader = open_store(db)
    reader.add(Station("base", "Base", Kind.DRIVER_HOME, 24.90, 60.10))
    assert len(reader) == 1  # loaded now: what follows must be noticed, not loaded at start
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(db)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )
    assert writer.stdin is not None and writer.stdout is not None

    def send(line: str) -> None:
        writer.stdin.write(line + "\n")  # type: ignore[union-attr]
        writer.stdin.flush()  # type: ignore[union-attr]
        assert writer.stdout.readline().strip() == "done"  # type: ignore[union-attr]

    rng = np.random.default_rng(3)
    try:
        for i in range(20):
            lon, lat = 24.9 + rng.uniform(-0.05, 0.05), 60.2 + rng.uniform(-0.05, 0.05)
            send(f"add w{i} {lon} {lat}")
            # Every kind of read of the first process sees it, with no reopening.
            assert reader.nearest(lon, lat, k=1)[0].station.id == f"w{i}"
            assert len(reader) == i + 2
            assert f"w{i}" in [h.station.id for h in reader.within(lon, lat, 1.0)]
            assert f"w{i}" in [
                s.id for s in reader.in_bbox(lon - 1e-6, lat - 1e-6, lon + 1e-6, lat + 1e-6)
            ]
            assert f"w{i}" in list(reader.arrays(StationFilter())[0])
        send("move w0 25.5 61.0")
        assert reader.nearest(25.5, 61.0, k=1)[0].station.id == "w0"
        send("delete w1 0 0")
        assert "w1" not in [
            s.id for s in reader.stations(StationFilter(statuses=frozenset(Status)))
        ]
        reader.verify_index()
        # A write of this process after the other's still lands in a consistent index.
        reader.add(Station("mine", "Mine", Kind.WORKER_STATION, 24.95, 60.15))
        reader.verify_index()
        assert len(reader) == 21
    finally:
        writer.stdin.close()
        writer.wait(timeout=30)
        reader.close()


def test_feedback_written_by_another_connection_is_seen(tmp_path: Path) -> None:
    db = tmp_path / "fb.sqlite"
    with open_store(db) as one, open_store(db) as two:
        one.add(Station("lib", "Library", Kind.WORKER_STATION, 24.95, 60.184))
        rep = Feedback(two).report("lib", "closed")
        assert Feedback(one).reported_closed() == {"lib"}
        Feedback(one).accept_report(rep.id, actor="planner")
        assert two.get("lib").status is Status.CLOSED
        assert two.nearest(24.95, 60.184, k=1) == []  # the index of `two` followed the change
