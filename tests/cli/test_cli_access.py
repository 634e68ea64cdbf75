"""stationfinder access: its figures equal the library's, and its errors name the option."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cli.main import main
from geo.access_report import accessibility_report
from geo.network import load_network

ROOT = Path(__file__).resolve().parents[2]


def stations_with_capacity(folder: Path) -> Path:
    """The demo stations, most with a capacity, every fifth without."""
    st = pd.read_csv(ROOT / "data" / "helsinki_stations.csv", keep_default_na=False)
    st["capacity"] = ["" if i % 5 == 0 else str(4 + 3 * i) for i in range(len(st))]
    path = folder / "stations.csv"
    st.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def access_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("access")
    db = folder / "cap.sqlite"
    assert main(["import", str(stations_with_capacity(folder)), "--db", str(db)]) == 0
    return db


def test_access_json_matches_library(
    access_db: Path, helsinki_pbf: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    out = tmp_path / "hex.geojson"
    demand_csv = str(ROOT / "data" / "helsinki_demand.csv")
    args = ["access", "--db", str(access_db), "--network", helsinki_pbf, "--minutes", "10"]
    args += ["--demand", demand_csv]
    assert main([*args, "--threshold", "1.5", "--out", str(out), "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    st = pd.read_csv(ROOT / "data" / "helsinki_stations.csv", keep_default_na=False)
    cap = np.array([np.nan if i % 5 == 0 else 4 + 3 * i for i in range(len(st))], dtype=float)
    open_ = (st["status"] == "open").to_numpy()
    st, cap = st[open_], cap[open_]
    want = accessibility_report(
        load_network(helsinki_pbf),
        st["id"].tolist(),
        st["lon"],
        st["lat"],
        cap,
        pd.read_csv(ROOT / "data" / "helsinki_demand.csv"),
        minutes=10,
        threshold=1.5,
    )
    assert got["share_below"] == pytest.approx(want.share_below, rel=1e-12)
    assert 0 < got["share_below"] < 1  # the threshold splits the demand
    assert got["mean_score"] == pytest.approx(want.mean_score, rel=1e-12)
    assert sorted(got["stations_without_capacity"]) == sorted(st["id"][np.isnan(cap)].tolist())
    hexes = json.loads(out.read_text())["features"]
    assert len(hexes) == len(want.hexagons) == len(got["hexagons"]) > 10
    by_cell = {f["properties"]["cell"]: f["properties"]["score"] for f in hexes}
    for row in want.hexagons.itertuples():
        assert by_cell[row.cell] == pytest.approx(row.score, rel=1e-12)


def test_access_table_and_errors(
    access_db: Path, helsinki_pbf: str, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    args = ["access", "--db", str(access_db), "--network", helsinki_pbf]
    assert main(args) == 1  # no demand: never another city's by default
    assert "access needs demand" in capsys.readouterr().err
    args += ["--demand", str(ROOT / "data" / "helsinki_demand.csv")]
    assert main([*args, "--threshold", "-1"]) == 1
    assert "threshold=-1" in capsys.readouterr().err
    assert main([*args, "--default-capacity", "5"]) == 0
    text = capsys.readouterr()
    assert text.out.startswith("E2SFCA within 15 min on foot:") and "no capacity" not in text.err


def test_coverage_prints_fairness_per_region_and_district(
    access_db: Path, helsinki_pbf: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import geopandas as gpd
    import shapely

    from geo.fairness import fairness_report

    demand_csv = ROOT / "data" / "helsinki_demand.csv"
    demand = pd.read_csv(demand_csv)
    mid = float(demand["lon"].median())
    west = shapely.box(
        demand["lon"].min() - 1, demand["lat"].min() - 1, mid, demand["lat"].max() + 1
    )
    districts = gpd.GeoDataFrame({"name": ["west"]}, geometry=[west], crs=4326)
    districts_file = tmp_path / "d.geojson"
    districts.to_file(districts_file, driver="GeoJSON")
    args = ["coverage", "--db", str(access_db), "--network", helsinki_pbf, "--minutes", "5"]
    args += ["--demand", str(demand_csv), "--districts", str(districts_file)]
    capsys.readouterr()
    assert main([*args, "--json"]) == 0
    got = json.loads(capsys.readouterr().out)["fairness"]
    st = pd.read_csv(ROOT / "data" / "helsinki_stations.csv", keep_default_na=False)
    cap = [None if i % 5 == 0 else 4.0 + 3 * i for i in range(len(st))]
    keep = (st["status"] == "open").to_numpy()
    want = fairness_report(
        load_network(helsinki_pbf),
        st["lon"][keep],
        st["lat"][keep],
        [c for c, k in zip(cap, keep, strict=True) if k],
        demand,
        minutes=5,
        districts=districts,
    )
    assert got["accessibility_basis"] == "capacity"
    for key in ("median_s", "p90_s", "p95_s", "worst5_mean_s", "gini", "palma"):
        assert got[key] == pytest.approx(getattr(want.region, key), rel=1e-12)
        assert got["districts"]["west"][key] == pytest.approx(
            getattr(want.districts["west"], key), rel=1e-12
        )
    assert main(args) == 0
    lines = capsys.readouterr().out.splitlines()
    region = next(line for line in lines if line.startswith("region "))
    assert f"{want.region.median_s / 60:.1f}" in region and f"{want.region.gini:.3f}" in region
    assert any(line.startswith("west ") for line in lines)
