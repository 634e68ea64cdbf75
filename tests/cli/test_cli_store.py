"""The CLI on either store: feedback commands on PostGIS, every store closed, and errors as
one line naming what failed (the traceback only with --debug)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import geo.stations
from cli.main import main
from geo.feedback import Feedback
from geo.stations import open_store
from geo.types import Kind, Station, Status

DEMO = Path(__file__).resolve().parents[2] / "data" / "helsinki_stations.csv"


def _seed(target: str) -> None:
    with open_store(target) as store:
        store.add(Station("lib", "Library", Kind.WORKER_STATION, 24.95, 60.184))
        fb = Feedback(store)
        fb.report("lib", "closed", text="boarded up")
        fb.propose(24.9400, 60.1700, proposer="a")
        fb.propose(24.9405, 60.1700, proposer="b")


@pytest.fixture(params=["sqlite", "postgis"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "r.sqlite")
    return str(request.getfixturevalue("postgis_url"))


def test_feedback_commands_on_either_store(target: str, capsys: pytest.CaptureFixture[str]) -> None:
    _seed(target)
    assert main(["reports", "--db", target, "--json"]) == 0
    (rep,) = json.loads(capsys.readouterr().out)
    assert (rep["station_id"], rep["kind"], rep["status"]) == ("lib", "closed", "open")
    assert main(["reports", "--db", target, "--accept", str(rep["id"]), "--actor", "li"]) == 0
    assert capsys.readouterr().out == f"report {rep['id']} on lib (closed): accepted\n"
    assert main(["proposals", "--db", target, "--json"]) == 0
    (group,) = json.loads(capsys.readouterr().out)
    assert group["proposal_ids"] == [1, 2]
    assert (
        main(["proposals", "--db", target, "--accept", "1", "--name", "Hut", "--actor", "li"]) == 0
    )
    with open_store(target) as store:
        assert store.get("lib").status is Status.CLOSED
        assert store.get("proposal-1").status is Status.PLANNED
        assert [h.actor for h in store.history("proposal-1")] == ["li"]
    # Accepting it again is a conflict, reported in one line.
    assert main(["reports", "--db", target, "--accept", str(rep["id"])]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        f"stationfinder reports: error: report {rep['id']} is accepted already, not open"
    ]


def test_every_store_a_command_opens_is_closed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    opened: list[Any] = []
    real = geo.stations.open_store

    def recording(*args: Any, **kwargs: Any) -> Any:
        opened.append(real(*args, **kwargs))
        return opened[-1]

    monkeypatch.setattr(geo.stations, "open_store", recording)
    db = str(tmp_path / "c.sqlite")
    runs = [
        ["import", str(DEMO), "--db", db],
        ["export", "--db", db, "--format", "geojson", "--out", str(tmp_path / "o.geojson")],
        ["nearest", "--db", db, "--lat", "60.17", "--lon", "24.94"],
        ["reports", "--db", db],
        ["proposals", "--db", db, "--reject", "99"],  # fails: no such proposal
        ["nearest", "--db", db, "--lat", "91", "--lon", "24.94"],  # fails: bad latitude
    ]
    codes = [main(args) for args in runs]
    assert codes == [0, 0, 0, 0, 1, 1]
    assert len(opened) == len(runs) and all(store.closed for store in opened)


def test_unexpected_errors_are_one_line_and_debug_shows_the_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "d.sqlite")
    assert main(["import", str(DEMO), "--db", db]) == 0
    capsys.readouterr()
    # A file that cannot be written: the path and the reason, one line.
    out = tmp_path / "a-folder"
    out.mkdir()
    assert main(["export", "--db", db, "--format", "geojson", "--out", str(out)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and "a-folder" in err[0] and "Traceback" not in err[0]
    assert err[1] == "(run again with --debug for the traceback)"
    # A folder that does not exist is the option's fault, said before anything runs (issue 23).
    out = tmp_path / "missing-dir" / "o.geojson"
    assert main(["export", "--db", db, "--format", "geojson", "--out", str(out)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        f"stationfinder export: error: --out {out}: no folder {out.parent} to write it in"
    ]

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("disk on fire\nsecond line")

    monkeypatch.setattr("geo.io.export_stations", broken)
    assert main(["export", "--db", db, "--format", "geojson"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err[0] == "stationfinder export: failed: RuntimeError: disk on fire second line"
    assert main(["--debug", "export", "--db", db, "--format", "geojson"]) == 1
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err and "RuntimeError: disk on fire" in err


def test_an_unreachable_database_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    url = "postgresql://u:hunter2@127.0.0.1:1/none"
    assert main(["reports", "--db", url]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(
        "stationfinder reports: error: cannot connect to postgresql://u:***@127.0.0.1:1/none"
    )


def test_output_piped_into_head_ends_quietly(tmp_path: Path) -> None:
    """`export … | head` prints what head takes and no BrokenPipeError traceback."""
    import subprocess
    import sys

    rows = ["id,name,kind,lon,lat"] + [
        f"s{i},Station {i},worker_station,{24.9 + i * 1e-5:.5f},60.17" for i in range(3000)
    ]
    sheet = tmp_path / "many.csv"
    sheet.write_text("\n".join(rows) + "\n", encoding="utf-8")
    db = str(tmp_path / "d.sqlite")
    assert main(["import", str(sheet), "--db", db]) == 0
    exe = Path(sys.executable).with_name("stationfinder")
    # More than a pipe holds (64 kB), so the writer meets the closed pipe.
    cmd = f"'{exe}' export --db '{db}' --format csv | head -c 20"
    done = subprocess.run(["bash", "-o", "pipefail", "-c", cmd], capture_output=True, text=True)
    assert len(done.stdout.encode()) == 20
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr, done.stderr
    assert done.returncode == 0
