"""``stationfinder close | reopen`` (issue 22) and the command line's nearest leaving closed
stations out at the time asked (``--open-at``), never the wall clock."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli.main import main
from geo.stations import open_store
from geo.types import Kind, Station


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "c.sqlite"
    with open_store(path, tz="Asia/Shanghai") as reg:
        reg.add(
            [
                Station("near", "Near", Kind.WORKER_STATION, 114.000, 22.5, opening_hours="24/7"),
                Station("far", "Far", Kind.WORKER_STATION, 114.010, 22.5, opening_hours="24/7"),
            ]
        )
    return path


def _first(db: Path, at: str, capsys: pytest.CaptureFixture[str]) -> tuple[str, str]:
    argv = ["nearest", "--db", str(db), "--lon", "114.0", "--lat", "22.5", "-k", "1"]
    assert main([*argv, "--open-at", at]) == 0
    out = capsys.readouterr()
    return out.out.splitlines()[2].split()[0], out.err


def test_close_until_then_reopened_by_itself(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["close", "near", "--db", str(db), "--since", "2026-09-01T00:00:00+08:00"]
    assert main([*argv, "--until", "2026-09-05T00:00:00+08:00", "--reason", "台风"]) == 0
    assert "until 2026-09-04T16:00:00Z" in capsys.readouterr().out
    assert _first(db, "2026-08-31T23:59", capsys)[0] == "near"
    got, err = _first(db, "2026-09-02T12:00", capsys)
    assert got == "far" and "left out, temporarily closed: near (until 2026-09-04)" in err
    assert _first(db, "2026-09-05T00:00", capsys)[0] == "near"  # naive: Asia/Shanghai


def test_open_ended_closure_and_reopen(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["close", "far", "--db", str(db), "--since", "2026-01-01T00:00:00Z"]) == 0
    assert main(["reopen", "far", "--db", str(db), "--at", "2026-02-01T00:00:00Z"]) == 0
    assert "far: reopened (1 closure(s) ended)" in capsys.readouterr().out
    assert main(["reopen", "far", "--db", str(db), "--at", "2026-03-01T00:00:00Z"]) == 1
    assert "not temporarily closed" in capsys.readouterr().err
    assert main(["close", "nope", "--db", str(db)]) == 1
    assert main(["close", "far", "--db", str(db), "--since", "soon"]) == 1
    assert "'soon' is not an ISO 8601 time" in capsys.readouterr().err
