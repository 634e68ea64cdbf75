"""The CLI on a PostGIS registry (``--db postgresql://…``) gives what it gives on SQLite."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli.main import main

DEMO = Path(__file__).resolve().parents[2] / "data" / "helsinki_stations.csv"


def test_import_nearest_export_match_sqlite(
    postgis_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lite = str(tmp_path / "r.sqlite")
    for db in (lite, postgis_url):
        assert main(["import", str(DEMO), "--db", db]) == 0
    capsys.readouterr()
    outs = []
    for db in (lite, postgis_url):
        args = ["nearest", "--db", db, "--lat", "60.1699", "--lon", "24.9384", "-k", "5", "--json"]
        assert main([*args, "--amenity", "water"]) == 0
        fc = json.loads(capsys.readouterr().out)
        for f in fc["features"]:
            f["properties"].pop("updated_at", None)  # the two imports ran a moment apart
        outs.append(fc)
    assert outs[0] == outs[1] and len(outs[0]["features"]) == 5
    files = []
    for i, db in enumerate((lite, postgis_url)):
        out = tmp_path / f"export{i}.geojson"
        assert main(["export", "--db", db, "--format", "geojson", "--out", str(out)]) == 0
        fc = json.loads(out.read_text())
        for f in fc["features"]:
            f["properties"].pop("updated_at")  # the two imports ran a moment apart
        files.append(fc)
    assert files[0] == files[1] and len(files[0]["features"]) > 20
    # A wrong password is named without the password.
    bad = postgis_url.replace("postgres@", "postgres:hunter2@").rsplit("/", 1)[0] + "/nope"
    assert main(["nearest", "--db", bad, "--lat", "60.17", "--lon", "24.94"]) == 1
    err = capsys.readouterr().err
    assert "hunter2" not in err and "nope" in err
