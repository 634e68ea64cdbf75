"""stationfinder coverage and gaps on the bundled demo, against the library."""

from __future__ import annotations

import io
import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from cli.main import main
from geo.coverage import StationSet, coverage_report
from geo.network import load_network

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("cov") / "demo.sqlite"
    assert main(["import", str(ROOT / "data" / "helsinki_stations.csv"), "--db", str(db)]) == 0
    return db


def test_coverage_json_matches_library(
    demo_db: Path, helsinki_pbf: str, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    demand = str(ROOT / "data" / "helsinki_demand.csv")
    assert (
        main(
            [
                "coverage",
                "--db",
                str(demo_db),
                "--network",
                helsinki_pbf,
                "--minutes",
                "3",
                "--demand",
                demand,
                "--json",
            ]
        )
        == 0
    )
    got = json.loads(capsys.readouterr().out)
    assert got["standard"] == "walk" and got["minutes"] == 3.0
    st = pd.read_csv(ROOT / "data" / "helsinki_stations.csv")
    st = st[st["status"] == "open"]
    net = load_network(helsinki_pbf)
    want = coverage_report(
        net,
        StationSet.build(net, st["id"], st["lon"], st["lat"]),
        minutes=3,
        demand=pd.read_csv(demand),
    ).to_dict()
    for part in ("street_share", "area_share", "demand_share"):
        assert got[part] == pytest.approx(want[part])
    assert 0 < got["street_share"]["none"] < 1


def test_coverage_at_night_and_radius(
    demo_db: Path, helsinki_pbf: str, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    args = [
        "coverage",
        "--db",
        str(demo_db),
        "--network",
        helsinki_pbf,
        "--radius",
        "300",
        "--json",
    ]
    main(args)
    day = json.loads(capsys.readouterr().out)
    main([*args, "--at", "2026-11-22T23:30"])
    night = json.loads(capsys.readouterr().out)
    assert day["standard"] == "radius" and night["stations"] < day["stations"]
    assert night["street_share"]["none"] > day["street_share"]["none"]
    assert day["demand_share"] == {"none": None, "once": None, "multiple": None}


def test_gaps_geojson(
    demo_db: Path, helsinki_pbf: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "gaps.geojson"
    assert (
        main(
            [
                "gaps",
                "--db",
                str(demo_db),
                "--network",
                helsinki_pbf,
                "--minutes",
                "3",
                "--demand",
                str(ROOT / "data" / "helsinki_demand.csv"),
                "--out",
                str(out),
            ]
        )
        == 0
    )
    gaps = gpd.read_file(out)
    assert len(gaps) > 0 and gaps["rank"].tolist() == list(range(1, len(gaps) + 1))
    assert (gaps["demand"].diff().dropna() <= 0).all()
    assert "rank" in capsys.readouterr().out


def test_bad_demand_file_names_the_column(
    demo_db: Path, helsinki_pbf: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "d.csv"
    bad.write_text("x,y\n1,2\n")
    assert (
        main(["coverage", "--db", str(demo_db), "--network", helsinki_pbf, "--demand", str(bad)])
        == 1
    )
    assert "no column(s) lat, lon" in capsys.readouterr().err


def test_nearest_walk_mode(
    demo_db: Path, helsinki_pbf: str, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert (
        main(
            [
                "nearest",
                "--db",
                str(demo_db),
                "--lat",
                "60.1712",
                "--lon",
                "24.9445",
                "-k",
                "3",
                "--mode",
                "walk",
                "--network",
                helsinki_pbf,
                "--json",
            ]
        )
        == 0
    )
    feats = json.loads(capsys.readouterr().out)["features"]
    walks = [f["properties"]["walk_distance_m"] for f in feats]
    assert len(feats) == 3 and walks == sorted(walks)
    assert all(
        f["properties"]["walk_distance_m"] >= f["properties"]["distance_m"] - 1 for f in feats
    )
    # Without --network: the streets of the declared region holding the point (Helsinki).
    near = ["nearest", "--db", str(demo_db), "-k", "3", "--mode", "walk", "--json"]
    assert main([*near, "--lat", "60.1712", "--lon", "24.9445"]) == 0
    assert json.loads(capsys.readouterr().out)["features"] == feats
    # A point in no region: no streets to walk on, said in one line.
    assert main([*near, "--lat", "28.2282", "--lon", "112.9388"]) == 1
    err = capsys.readouterr().err
    assert "no street network here" in err and len(err.strip().splitlines()) == 1


def test_week_profile_csv(
    demo_db: Path, helsinki_pbf: str, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert (
        main(
            [
                "coverage",
                "--db",
                str(demo_db),
                "--network",
                helsinki_pbf,
                "--minutes",
                "3",
                "--profile",
                "2026-11-23",
            ]
        )
        == 0
    )
    prof = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert len(prof) == 168 and prof["hour"].tolist()[:3] == [0, 1, 2]
    # Nights have fewer open stations than weekday mornings, and more uncovered streets.
    night = prof[(prof["weekday"] == "Mon") & (prof["hour"] == 3)].iloc[0]
    day = prof[(prof["weekday"] == "Mon") & (prof["hour"] == 10)].iloc[0]
    assert night["open_stations"] < day["open_stations"]
    assert night["street_none"] >= day["street_none"]
