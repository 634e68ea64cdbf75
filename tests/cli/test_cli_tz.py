"""``import --tz`` and ``serve --tz`` (issue 23): a new registry stores the zone, an existing
one in another zone is refused naming both, a name that is no zone is one line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import api.main
from api.main import open_service_store
from cli.main import main
from geo.stations import open_store

DEMO = Path(__file__).resolve().parents[2] / "data" / "helsinki_stations.csv"


def test_import_tz_is_stored_in_a_new_registry(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("STATIONFINDER_TZ", raising=False)
    db = str(tmp_path / "r.sqlite")
    assert main(["import", str(DEMO), "--db", db, "--tz", "Europe/Helsinki"]) == 0
    with open_store(db) as store:
        assert store.tz == "Europe/Helsinki"
    # The same zone again is fine; another zone is refused, naming both.
    assert main(["import", str(DEMO), "--db", db, "--tz", "Europe/Helsinki"]) == 0
    capsys.readouterr()
    assert main(["import", str(DEMO), "--db", db, "--tz", "Asia/Shanghai"]) == 1
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "--tz Asia/Shanghai" in line and "Europe/Helsinki" in line and db in line
    # Without --tz a new registry keeps its hours in Asia/Shanghai.
    other = str(tmp_path / "o.sqlite")
    assert main(["import", str(DEMO), "--db", other]) == 0
    with open_store(other) as store:
        assert store.tz == "Asia/Shanghai"


def test_a_tz_that_is_no_zone_is_one_line_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "r.sqlite"
    assert main(["import", str(DEMO), "--db", str(db), "--tz", "Mars/Olympus"]) == 1
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("stationfinder import: error: --tz 'Mars/Olympus'")
    assert not db.exists()
    assert main(["serve", "--db", str(db), "--tz", "Mars/Olympus"]) == 1
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("stationfinder serve: error: --tz 'Mars/Olympus'")


def test_serve_tz_reads_and_stores_the_zone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    made: list[Any] = []
    monkeypatch.setattr(api.main, "create_app", lambda settings: made.append(settings))
    monkeypatch.setattr("uvicorn.run", lambda *a, **k: None)
    monkeypatch.setattr("logging.basicConfig", lambda **k: None)  # serve's, for the session
    monkeypatch.delenv("STATIONFINDER_TZ", raising=False)
    db = tmp_path / "served.sqlite"
    assert main(["serve", "--db", str(db), "--tz", "Europe/Helsinki"]) == 0
    (settings,) = made
    with open_service_store(settings) as store:  # what the service opens: a new registry
        assert store.tz == "Europe/Helsinki"
    with open_store(str(db)) as store:
        assert store.tz == "Europe/Helsinki"


def test_help_says_the_default_zone(capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("import", "serve"):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        text = " ".join(capsys.readouterr().out.split())
        assert "default: $STATIONFINDER_TZ, else the registry's own" in text
        assert "Asia/Shanghai)" in text
