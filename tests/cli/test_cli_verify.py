"""``stationfinder verify`` (issue 22): due lists by district at explicit times, inspections."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli.main import main
from geo.stations import open_store
from geo.types import Kind, Station


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "v.sqlite"
    with open_store(path) as reg:
        reg.add(
            [
                Station("a", "A", Kind.WORKER_STATION, 114.0, 22.5, district="Luohu",
                        last_verified="2025-01-01T00:00:00Z"),
                Station("b", "B", Kind.SMART_STATION, 114.1, 22.5, district="Futian",
                        last_verified="2026-01-01T00:00:00Z"),
                Station("c", "C", Kind.WORKER_STATION, 114.2, 22.5, district="Futian"),
            ]
        )  # fmt: skip
    return path


def test_verify_due_by_district(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = ["--db", str(db), "--at", "2026-03-01T00:00:00+00:00"]
    assert main(["verify", "--due", *d]) == 0
    out = capsys.readouterr()
    assert out.out.splitlines() == [
        "Futian:",
        "  c  C  never verified",
        "Luohu:",
        "  a  A  2026-01-01  59 days late",
    ]
    assert out.err.strip() == "2 station(s) due"
    assert main(["verify", "--due", "overdue", "--intervals", "smart_station=30", *d]) == 0
    assert "  b  B  2026-01-31  29 days late" in capsys.readouterr().out
    assert main(["verify", "--due", "due-within:400d", "--json", *d]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["district"], r["station"]) for r in rows] == [
        ("Futian", "c"),
        ("Futian", "b"),
        ("Luohu", "a"),
    ]


def test_verify_records_an_inspection(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = ["--db", str(db)]
    argv = ["verify", "--station", "a", "--inspector", "wang", "--at", "2026-02-01T00:00:00Z"]
    assert main([*argv, "--found", "water", "--apply", *d]) == 0
    assert capsys.readouterr().out.strip() == "a: verified 2026-02-01T00:00:00Z by wang"
    with open_store(db) as reg:
        assert reg.get("a").amenities == ("water",)
    assert main(["verify", "--due", "--at", "2026-03-01T00:00:00Z", *d]) == 0
    assert " a " not in capsys.readouterr().out


def test_verify_errors_are_one_line(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", "--due", "soon", "--db", str(db)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "verification='soon'" in err[0]
    assert main(["verify", "--intervals", "boat=3", "--db", str(db)]) == 1
    assert "boat" in capsys.readouterr().err


def test_scores_csv(db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["verify", "--station", "b", "--inspector", "wang", "--at", "2026-02-01T00:00:00Z"]
    assert main([*argv, "--found", "water", "--hours", "24/7", "--db", str(db)]) == 0
    out = tmp_path / "scores.csv"
    assert main(["scores", "--db", str(db), "--at", "2026-03-01", "--out", str(out)]) == 0
    rows = out.read_text(encoding="utf-8-sig").splitlines()
    # Smart station: 1 of 5 standard amenities, hours "24/7" seen but none listed, no reports.
    assert rows == [
        "station_id,score,stars,amenities,hours,reports,inspected_at",
        f"b,{round(100 * (0.6 / 5 + 0.15))},2,0.2,0.0,1.0,2026-02-01T00:00:00Z",
    ]
