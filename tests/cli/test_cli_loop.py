"""``stationfinder receipt | reply | progress | response-times`` (issue 22)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli.main import main
from geo.feedback import Feedback
from geo.stations import open_store
from geo.types import Kind, Station, Status


@pytest.fixture
def db(tmp_path: Path) -> tuple[Path, str, int]:
    path = tmp_path / "r.sqlite"
    with open_store(path) as reg:
        reg.add(Station("lib", "Library", Kind.WORKER_STATION, 24.95, 60.184, district="Kallio"))
        prop = Feedback(reg).propose(24.94, 60.17, note="shade please", contact="13800000000")
    return path, prop.receipt, prop.id


def _json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> object:
    assert main([*argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_proposal_through_every_step_by_cli(
    db: tuple[Path, str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    path, token, pid = db
    d = ["--db", str(path)]
    assert _json(capsys, ["receipt", token, *d])["state"] == "submitted"  # type: ignore[index]
    assert main(["reply", "--proposal", str(pid), "--text", "surveying", "--actor", "li", *d]) == 0
    assert "under_review, replied by li" in capsys.readouterr().out
    assert main(["proposals", "--accept", str(pid), "--name", "Hut", "--actor", "li", *d]) == 0
    capsys.readouterr()
    for step in ("building", "opened"):
        out = _json(capsys, ["progress", str(pid), "--step", step, "--actor", "wang", *d])
        assert out == {"proposal_ids": [pid], "step": step}
    view = _json(capsys, ["receipt", token, *d])
    states = [s["state"] for s in view["steps"]]  # type: ignore[index]
    assert states == ["submitted", "under_review", "accepted", "building", "done"]
    assert "13800000000" not in json.dumps(view)
    with open_store(path) as reg:
        assert reg.get(view["station_id"]).status is Status.OPEN  # type: ignore[index]
    assert main(["receipt", token, *d]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].endswith(": done") and len(lines) == 6 and "“surveying”" in lines[2]


def test_errors_are_one_line(db: tuple[Path, str, int], capsys: pytest.CaptureFixture[str]) -> None:
    path, _, pid = db
    assert main(["receipt", "A" * 22, "--db", str(path)]) == 1
    assert capsys.readouterr().err.strip() == (
        "stationfinder receipt: error: no receipt with this token"
    )
    assert main(["progress", str(pid), "--step", "opened", "--db", str(path)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "not accepted" in err[0]
    assert main(["response-times", "--at", "yesterday", "--db", str(path)]) == 1
    assert "--at 'yesterday'" in capsys.readouterr().err


def test_response_times_by_cli(
    db: tuple[Path, str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    path, _, pid = db
    d = ["--db", str(path)]
    out = _json(capsys, ["response-times", "--at", "2100-01-01T00:00:00+00:00", *d])
    assert out["overall"]["items"] == 1 and out["overall"]["open_past_limit"] == 1  # type: ignore[index]
    main(["progress", str(pid), "--link", "lib", "--actor", "li", *d])
    capsys.readouterr()
    out = _json(capsys, ["response-times", "--at", "2100-01-01T00:00:00+00:00", *d])
    assert out["overall"]["resolved"] == 1  # type: ignore[index]
    assert [f["group"] for f in out["by_district"]] == ["Kallio"]  # type: ignore[index]
    assert main(["response-times", *d]) == 0
    table = capsys.readouterr().out
    assert "district:Kallio" in table and "planner:li" in table
