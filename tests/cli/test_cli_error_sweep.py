"""Bad input to every kind of command is one line naming the file, row, column or option at
fault, with exit status 1 and no traceback (issue 23)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli.main import main

ROOT = Path(__file__).resolve().parents[2]
HELSINKI = ROOT / "data" / "helsinki_stations.csv"
UNREACHABLE = "postgresql://rider:hunter2@127.0.0.1:1/stations"  # nothing listens on port 1


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("sweep") / "r.sqlite"
    assert main(["import", str(HELSINKI), "--db", str(path)]) == 0
    return str(path)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    d = tmp_path_factory.mktemp("files")
    (d / "bad.csv").write_text(
        "id,name,kind,lon,lat\na,A,worker_station,24.94,60.17\nb,B,worker_station,abc,60.17\n",
        encoding="utf-8",
    )
    (d / "demand.csv").write_text("lon,lat,weight\n24.94,60.17,1\n24.95,x,2\n", encoding="utf-8")
    (d / "points.geojson").write_text(
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"a"},'
        '"geometry":{"type":"Point","coordinates":[24.94,60.17]}}]}',
        encoding="utf-8",
    )
    (d / "broken.geojson").write_text("{broken", encoding="utf-8")
    return {p.stem: str(p) for p in d.iterdir()} | {"dir": str(d)}


CASES = [
    # (arguments, what the one line must say); {db}, {pbf} and {name} of `files` filled in
    (["import", "{dir}/nothere.csv", "--db", "{dir}/n.sqlite"], "nothere.csv: no such file"),
    (["import", "{bad}", "--db", "{dir}/n.sqlite"], "bad.csv: row 3, column 'lon': not a number"),
    (["import", "{bad}", "--db", "{dir}/n.sqlite", "--crs", "utm"], "--crs='utm' is not a known"),
    (["import", "{bad}", "--db", "{dir}/n.sqlite", "--tz", "Mars/Base"], "--tz 'Mars/Base'"),
    (["nearest", "--db", "{db}", "--lat", "60.17", "--lon", "24.94", "--open-at", "soon"],
     "--open-at='soon' is not an ISO 8601 time"),
    (["nearest", "--db", "{db}", "--lat", "60.17", "--lon", "24.94", "--crs", "baidu09"],
     "--crs='baidu09' is not a known coordinate system"),
    (["nearest", "--db", "{dir}/missing.sqlite", "--lat", "60.17", "--lon", "24.94"],
     "missing.sqlite: no such file"),
    (["coverage", "--db", "{db}", "--region", "atlantis"], "region='atlantis' is not a region"),
    (["coverage", "--db", "{db}", "--network", "{pbf}", "--at", "2026-13-01"],
     "--at='2026-13-01' is not an ISO 8601 time"),
    (["coverage", "--db", "{db}", "--network", "{dir}/nothere.osm.pbf"],
     "nothere.osm.pbf: no such OSM file"),
    (["coverage", "--db", "{db}", "--network", "{points}"],
     "points.geojson: not an OpenStreetMap .osm.pbf file"),
    (["coverage", "--db", "{db}", "--network", "{pbf}", "--demand", "{demand}"],
     "demand.csv: row 3, column 'lat': not a number"),
    (["coverage", "--db", "{db}", "--network", "{pbf}", "--districts", "{dir}/no.geojson"],
     "no.geojson: no such districts file"),
    (["coverage", "--db", "{db}", "--network", "{pbf}", "--districts", "{points}"],
     "points.geojson: the districts must be polygons"),
    (["coverage", "--db", "{db}", "--network", "{pbf}", "--districts", "{broken}"],
     "broken.geojson: not a readable polygon layer"),
    (["coverage", "--db", "{db}", "--network", "{pbf}", "--profile", "2026-02-30"],
     "--profile '2026-02-30': not a day YYYY-MM-DD"),
    (["coverage", "--db", "{db}", "--network", "{pbf}", "--station-kind", "bus_stop"],
     "--station-kind='bus_stop' is not a station kind"),
    (["export", "--db", "{db}", "--format", "xlsx", "--out", "{dir}/no/such/o.xlsx"],
     "--out {dir}/no/such/o.xlsx: no folder {dir}/no/such to write it in"),
    (["reports", "--db", UNREACHABLE], "cannot connect to postgresql://rider:***@127.0.0.1:1"),
    (["coverage", "--db", UNREACHABLE, "--network", "{pbf}"], "cannot connect to postgresql"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("argv", "says"), CASES, ids=[" ".join(a[:2]) + f" {s[:30]}" for a, s in CASES]
)
def test_bad_input_is_one_line_naming_it(
    argv: list[str],
    says: str,
    db: str,
    files: dict[str, str],
    helsinki_pbf: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("STATIONFINDER_CACHE_DIR", files["dir"] + "/cache")  # built once
    fill = {"db": db, "pbf": helsinki_pbf, **files}
    args = [a.format(**fill) for a in argv]
    capsys.readouterr()
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and "hunter2" not in err
    lines = err.strip().splitlines()
    assert says.format(**fill) in lines[0]
    if argv[0] == "import" and "row 3" in says:  # each problem, then what was (not) written
        assert lines[1].endswith("nothing was written (fix them, or pass --skip-invalid)")
    else:
        assert len(lines) == 1, lines
