"""The stationfinder command line: import, export and nearest, success and failure."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyproj
import pytest

from cli.main import main
from geo.crs import convert
from geo.stations import open_store

CSV = """id,名称,经度,纬度,类型,设施,开放时间
a,东站驿站,116.404,39.915,工会驿站,"饮用水,充电",24小时
b,西站,116.30,39.90,司机之家,淋浴;停车,Mo-Fr 08:00-20:00
c,北站,116.40,39.99,智能驿站,饮用水,24/7
"""


@pytest.fixture
def db(tmp_path: Path) -> Path:
    f = tmp_path / "s.csv"
    f.write_text(CSV, encoding="utf-8")
    path = tmp_path / "r.sqlite"
    assert main(["import", str(f), "--db", str(path), "--crs", "gcj02"]) == 0
    return path


def test_nearest_json_is_feature_collection(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert (
        main(
            [
                "nearest",
                "--db",
                str(db),
                "--lat",
                "39.91",
                "--lon",
                "116.40",
                "--crs",
                "gcj02",
                "-k",
                "3",
                "--json",
            ]
        )
        == 0
    )
    fc = json.loads(capsys.readouterr().out)
    assert fc["type"] == "FeatureCollection"
    assert [f["id"] for f in fc["features"]] == ["a", "b", "c"]
    d = [f["properties"]["distance_m"] for f in fc["features"]]
    assert d == sorted(d)
    # Distance from the query point (GCJ-02 → WGS-84) to station a, independently.
    qx, qy = convert(116.40, 39.91, src="gcj02", dst="wgs84")
    reg = open_store(db)
    a = reg.get("a")
    want = pyproj.Geod(ellps="WGS84").inv(float(qx), float(qy), a.lon, a.lat)[2]
    assert d[0] == pytest.approx(want, abs=0.001)
    # Output coordinates are in the requested system: station a was imported at these GCJ-02 values.
    assert fc["features"][0]["geometry"]["coordinates"] == pytest.approx(
        [116.404, 39.915], abs=1e-6
    )


def test_nearest_filters(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    args = ["nearest", "--db", str(db), "--lat", "39.91", "--lon", "116.40", "--json"]
    main([*args, "--kind", "driver_home"])
    assert [f["id"] for f in json.loads(capsys.readouterr().out)["features"]] == ["b"]
    main([*args, "--amenity", "water"])
    assert [f["id"] for f in json.loads(capsys.readouterr().out)["features"]] == ["a", "c"]
    main([*args, "--open-at", "2026-11-22T23:00"])  # Sunday night: only the 24/7 stations
    assert [f["id"] for f in json.loads(capsys.readouterr().out)["features"]] == ["a", "c"]
    main([*args, "--radius", "2000"])
    assert [f["id"] for f in json.loads(capsys.readouterr().out)["features"]] == ["a"]


def test_import_errors_name_row_and_column(
    tmp_path: Path, db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "名称,经度,纬度,类型\n好站,116.1,39.1,工会驿站\n坏站,116.2,abc,工会驿站\n", encoding="utf-8"
    )
    before = open_store(db).stations()
    capsys.readouterr()
    assert main(["import", str(bad), "--db", str(db), "--crs", "gcj02"]) == 1
    err = capsys.readouterr().err
    assert f"{bad}: row 3, column '纬度': not a number: 'abc'" in err
    assert "nothing was written" in err
    assert open_store(db).stations() == before
    assert main(["import", str(bad), "--db", str(db), "--crs", "gcj02", "--skip-invalid"]) == 0
    assert len(open_store(db)) == len(before) + 1


def test_export_csv_in_bd09(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["export", "--db", str(db), "--format", "csv", "--crs", "bd09"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("\ufeffid,name,kind,lon,lat,crs")  # BOM: Excel reads UTF-8
    a = next(line for line in lines if line.startswith("a,"))
    x, y = convert(116.404, 39.915, src="gcj02", dst="bd09")
    assert a.split(",")[3:5] == [str(round(float(x), 7)), str(round(float(y), 7))]


def test_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["nearest", "--db", str(tmp_path / "none.sqlite"), "--lat", "1", "--lon", "1"]) == 1
    assert "no such file" in capsys.readouterr().err
    with pytest.raises(SystemExit) as info:
        main(["nearest", "--lat", "x"])
    assert info.value.code == 2


def test_console_script_runs() -> None:
    exe = Path(sys.executable).parent / "stationfinder"
    out = subprocess.run([str(exe), "--help"], capture_output=True, text=True, check=True)
    assert "nearest" in out.stdout and "import" in out.stdout
