"""``stationfinder coverage-batch``: a regions file in, summary and GeoParquet out."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from cli.main import main
from geo.network import StreetNetwork

ROOT = Path(__file__).resolve().parents[2]


def test_coverage_batch_on_a_local_cluster(
    helsinki_pbf: str,
    helsinki: StreetNetwork,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("STATIONFINDER_CACHE_DIR", str(tmp_path / "cache"))
    db = tmp_path / "r.sqlite"
    assert main(["import", str(ROOT / "data" / "helsinki_stations.csv"), "--db", str(db)]) == 0
    xs = np.linspace(helsinki.lon.min(), helsinki.lon.max(), 4)
    y0, y1 = helsinki.lat.min(), helsinki.lat.max()
    regions = gpd.GeoDataFrame(
        {"name": ["west", "middle", "east"], "pbf": [helsinki_pbf] * 3},
        geometry=[shapely.box(xs[i], y0, xs[i + 1], y1) for i in range(3)],
        crs=4326,
    )
    regions.to_file(tmp_path / "regions.geojson")
    out = tmp_path / "out"
    args = ["coverage-batch", "--db", str(db), "--regions", str(tmp_path / "regions.geojson")]
    args += ["--out", str(out), "--minutes", "3", "--workers", "2"]
    args += ["--demand", str(ROOT / "data" / "helsinki_demand.csv")]
    capsys.readouterr()
    assert main(args) == 0
    table = capsys.readouterr().out
    assert all(name in table for name in ("west", "middle", "east")) and "done" in table
    summary = pd.read_csv(out / "summary.csv")
    assert summary["status"].tolist() == ["done"] * 3
    gaps = gpd.read_parquet(out / "gaps.parquet")
    assert set(gaps["region"]) <= {"west", "middle", "east"} and gaps.crs.to_epsg() == 4326
    assert main(args) == 0  # unchanged: skipped
    assert pd.read_csv(out / "summary.csv")["status"].tolist() == ["skipped"] * 3
    # A bad regions file is named with its row and column, and nothing runs.
    regions.loc[1, "pbf"] = "nowhere.osm.pbf"
    regions.to_file(tmp_path / "bad.geojson")
    args[args.index(str(tmp_path / "regions.geojson"))] = str(tmp_path / "bad.geojson")
    assert main(args) == 1
    assert "bad.geojson: row 2, column 'pbf': no such file" in capsys.readouterr().err
    assert main([*args, "--network", helsinki_pbf]) == 1
    assert "--network does not apply" in capsys.readouterr().err


def test_a_failing_region_is_told_once_per_attempt_with_its_traceback_in_a_log(
    helsinki_pbf: str,
    helsinki: StreetNetwork,
    tmp_path: Path,
    capfd: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("STATIONFINDER_CACHE_DIR", str(tmp_path / "cache"))
    db = tmp_path / "r.sqlite"
    assert main(["import", str(ROOT / "data" / "helsinki_stations.csv"), "--db", str(db)]) == 0
    broken = tmp_path / "broken.osm.pbf"
    broken.write_bytes(b"not a protocol buffer at all" * 10)  # hashed fine, fails to load
    box = shapely.box(
        helsinki.lon.min(), helsinki.lat.min(), helsinki.lon.max(), helsinki.lat.max()
    )
    gpd.GeoDataFrame(
        {"name": ["good", "broken"], "pbf": [helsinki_pbf, str(broken)]},
        geometry=[box, box],
        crs=4326,
    ).to_file(tmp_path / "regions.geojson")
    out = tmp_path / "out"
    args = ["coverage-batch", "--db", str(db), "--regions", str(tmp_path / "regions.geojson")]
    args += ["--out", str(out), "--minutes", "3", "--workers", "1", "--retries", "1"]
    capfd.readouterr()
    assert main(args) == 1
    captured = capfd.readouterr()  # the workers' processes write to the same stderr
    log = out / "failures.log"
    told = [line for line in captured.err.splitlines() if "region broken" in line]
    assert len(told) == 2
    assert "attempt 1 of 2 failed" in told[0] and "attempt 2 of 2 failed" in told[1]
    assert all(str(log) in t for t in told)
    assert "Traceback" not in captured.err and "Traceback" not in captured.out
    assert "nan" not in captured.out
    assert log.read_text().count("Traceback (most recent call last)") == 2
    assert "failed: broken" in captured.err
    summary = pd.read_csv(out / "summary.csv", keep_default_na=False)
    by_name = summary.set_index("region")
    assert by_name.loc["good", "status"] == "done" and by_name.loc["good", "error"] == ""
    assert by_name.loc["broken", "status"] == "failed"
    assert by_name.loc["broken", "error"] in told[-1]
