"""stationfinder plan (issue 20): create, list, compare (equal to `coverage` before and after
applying), map, apply once; errors are one line naming the change or option."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cli.main import main
from geo.stations import open_store

ROOT = Path(__file__).resolve().parents[2]
CLOSE, RETIME, RESIZE = "osm-node-1007942428", "osm-node-1007942435", "osm-node-1007994731"
NIGHT = "2026-12-02T02:00"


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("STATIONFINDER_CACHE_DIR", str(tmp_path / "cache"))
    path = tmp_path / "h.sqlite"
    assert main(["import", str(ROOT / "data" / "helsinki_stations.csv"), "--db", str(path)]) == 0
    return path


def _json(capsys: pytest.CaptureFixture[str], args: list[str]) -> Any:
    capsys.readouterr()
    assert main(args) == 0
    return json.loads(capsys.readouterr().out)


def test_plan_commands(db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    create = ["plan", "create", "--db", str(db), "--region", "helsinki", "--name", "夜班"]
    create += ["--add", "24.9405,60.1640,骑士驿站,Harbour", "--close", CLOSE]
    create += ["--hours", f"{RETIME}=7×24小时", "--capacity", f"{RESIZE}=9"]
    plan = _json(capsys, [*create, "--json"])
    assert [c["kind"] for c in plan["changes"]] == ["add", "close", "hours", "capacity"]
    assert plan["changes"][2]["hours"] == "24/7" and plan["status"] == "draft"
    listed = _json(capsys, ["plan", "list", "--db", str(db), "--json"])
    assert [p["name"] for p in listed] == ["夜班"]
    cov = ["coverage", "--db", str(db), "--region", "helsinki", "--minutes", "4", "--json"]
    before = _json(capsys, cov)
    cmp_args = ["plan", "compare", "1", "--db", str(db), "--minutes", "4", "--night", NIGHT]
    out_map = tmp_path / "plan.html"
    cmp = _json(capsys, [*cmp_args, "--json", "--map", str(out_map)])
    keys = ["stations", "street_share", "area_share", "demand_share", "limit_m"]
    assert {k: cmp["before"]["coverage"][k] for k in keys} == {k: before[k] for k in keys}
    assert cmp["closed"] == [CLOSE] and cmp["changed"] == sorted([RETIME, RESIZE])
    page = out_map.read_text(encoding="utf-8")
    assert page.count("sf-plan-mark sf-plan-closed") == 1
    assert page.count("sf-plan-mark sf-plan-added") == 1
    # The table: one row per figure, shares in per cent.
    assert main(cmp_args) == 0
    table = capsys.readouterr().out
    share = 1 - before["demand_share"]["none"]
    assert f"demand covered  {share:.1%}".replace("  ", " ") in " ".join(table.split())
    assert main(["plan", "apply", "1", "--db", str(db), "--actor", "li"]) == 0
    assert "applied: 4 change(s) written by li" in capsys.readouterr().out
    after = _json(capsys, cov)
    assert {k: cmp["after"]["coverage"][k] for k in keys} == {k: after[k] for k in keys}
    with open_store(str(db)) as store:
        assert str(store.get(CLOSE).status) == "closed"
        assert store.get(RESIZE).capacity == 9.0
        last = store.history(RETIME)[-1]
        assert (last.actor, last.note) == ("li", "plan 1 '夜班'")
    assert main(["plan", "apply", "1", "--db", str(db)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "plan 1 was applied already" in err[0]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--close", "ghost"], "changes[1].station_id: no station with id 'ghost'"),
        (["--capacity", f"{RESIZE}=lots"], f"--capacity '{RESIZE}=lots': N must be a number"),
        (["--add", "24.9,60.1"], "--add '24.9,60.1': give LON,LAT,KIND[,NAME]"),
        (["--hours", f"{RETIME}=sometimes"], "changes[1].hours:"),
    ],
)
def test_plan_errors_are_one_line(
    db: Path, capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    args = ["plan", "create", "--db", str(db), "--region", "helsinki", "--name", "x"]
    capsys.readouterr()
    assert main([*args, "--close", CLOSE, *extra]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0], err
    assert main(["plan", "show", "1", "--db", str(db)]) == 1
    assert "no plan with id 1" in capsys.readouterr().err
