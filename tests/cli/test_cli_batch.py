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
