"""stationfinder gaps (pieces) and stations-impact, run on the bundled demo against the library."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from cli.main import main
from geo.coverage import StationSet, coverage_report
from geo.gaps import gap_pieces, json_records
from geo.impact import station_impact
from geo.network import load_network

ROOT = Path(__file__).resolve().parents[2]
DEMAND = str(ROOT / "data" / "helsinki_demand.csv")


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("gaps") / "demo.sqlite"
    assert main(["import", str(ROOT / "data" / "helsinki_stations.csv"), "--db", str(db)]) == 0
    return db


def library_case(pbf: str):  # type: ignore[no-untyped-def]
    st = pd.read_csv(ROOT / "data" / "helsinki_stations.csv")
    st = st[st["status"] == "open"]
    net = load_network(pbf)
    return net, StationSet.build(net, st["id"], st["lon"], st["lat"]), pd.read_csv(DEMAND)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    capsys.readouterr()
    assert main(list(argv)) == 0
    return capsys.readouterr().out


def test_gaps_pieces_json_csv_geojson_match_library(
    demo_db: Path, helsinki_pbf: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    net, s, demand = library_case(helsinki_pbf)
    mid = float(net.lon.mean())
    districts = gpd.GeoDataFrame(
        {"name": ["西区"]}, geometry=[shapely.box(-180, -90, mid, 90)], crs=4326
    )
    dfile = tmp_path / "districts.geojson"
    districts.to_file(dfile)
    common = ["--db", str(demo_db), "--network", helsinki_pbf, "--minutes", "2",
              "--demand", DEMAND, "--districts", str(dfile)]  # fmt: skip
    got = json.loads(run(capsys, "gaps", *common, "--json"))
    r = coverage_report(net, s, minutes=2, demand=demand, keep_cells=True)
    want = json_records(gap_pieces(r, net, s, demand=demand, districts=districts))
    assert got == want and len(got) > 1
    assert {g["district"] for g in got} == {"西区", None}
    assert all("outside every district" in g["note"] for g in got if g["district"] is None)
    # CSV: empty cells where the value does not exist, never "nan".
    run(capsys, "gaps", *common, "--out", str(tmp_path / "gaps.csv"))
    text = (tmp_path / "gaps.csv").read_text(encoding="utf-8")
    assert "nan" not in text.lower().replace("nearest", "")
    table = pd.read_csv(tmp_path / "gaps.csv")
    assert table["rank"].tolist() == [g["rank"] for g in got]
    # GeoJSON: the same properties, null for missing values.
    out = run(capsys, "gaps", *common, "--out", str(tmp_path / "gaps.geojson"), "--top", "3")
    raw = (tmp_path / "gaps.geojson").read_text(encoding="utf-8")
    assert "NaN" not in raw
    feats = json.loads(raw)["features"]
    assert [f["properties"]["rank"] for f in feats] == [g["rank"] for g in got]
    assert [f["properties"]["district"] for f in feats] == [g["district"] for g in got]
    # The table: a header, three rows, '-' for what does not exist and the note why.
    lines = out.splitlines()
    assert "across m" in lines[1] and len(lines) == 3 + 3
    assert "nan" not in out.lower().replace("nearest", "")


def test_gaps_table_says_why_without_demand(
    demo_db: Path, helsinki_pbf: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = run(capsys, "gaps", "--db", str(demo_db), "--network", helsinki_pbf, "--minutes", "2")
    assert "no demand given" in out and "no districts given" in out
    assert "nan" not in out.lower().replace("nearest", "")


def test_stations_impact_json_and_table_match_library(
    demo_db: Path, helsinki_pbf: str, capsys: pytest.CaptureFixture[str]
) -> None:
    net, s, demand = library_case(helsinki_pbf)
    common = ["--db", str(demo_db), "--network", helsinki_pbf, "--minutes", "3",
              "--demand", DEMAND]  # fmt: skip
    got = json.loads(run(capsys, "stations-impact", *common, "--json"))
    want = json_records(station_impact(net, s, minutes=3, demand=demand).table)
    assert got["stations"] == want and got["standard"] == "walk" and got["minutes"] == 3
    assert any(r["loses_nothing"] for r in want) and not all(r["loses_nothing"] for r in want)
    out = run(capsys, "stations-impact", *common)
    lines = out.splitlines()
    assert len(lines) == 3 + len(want) + 1
    assert lines[3].split()[1] == want[0]["station_id"]  # who matters most comes first
    assert "closing loses nothing" in out
    nothing = [r["station_id"] for r in want if r["loses_nothing"]]
    assert lines[-1].endswith(", ".join(nothing))


def test_stations_impact_radius_without_demand(
    demo_db: Path, helsinki_pbf: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = run(capsys, "stations-impact", "--db", str(demo_db), "--network", helsinki_pbf,
              "--radius", "200")  # fmt: skip
    assert "200 m straight line" in out and "no demand given" in out
    assert "nan" not in out.lower()


def test_coverage_table_without_demand_says_why_not_nan(
    demo_db: Path, helsinki_pbf: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = run(capsys, "coverage", "--db", str(demo_db), "--network", helsinki_pbf, "--minutes", "3")
    assert "nan" not in out.lower()
    demand_row = next(line for line in out.splitlines() if line.startswith("demand"))
    assert demand_row.split()[2:] == ["-", "-", "-"]
    assert "no demand given" in out


def test_gaps_candidates_file_competes_for_best_site(
    demo_db: Path, helsinki_pbf: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    net, s, demand = library_case(helsinki_pbf)
    # Places 6 m east of each demand point: sharing its street, they can beat any node.
    cands = pd.DataFrame(
        {
            "id": [f"c{i}" for i in range(len(demand))],
            "name": [f"place {i}" for i in range(len(demand))],
            "kind": "rider_station",
            "lon": demand["lon"] + 6 / 111_319.49 * 2,
            "lat": demand["lat"],
        }
    )
    path = tmp_path / "places.csv"
    cands.to_csv(path, index=False)
    got = json.loads(
        run(capsys, "gaps", "--db", str(demo_db), "--network", helsinki_pbf, "--minutes", "4",
            "--demand", DEMAND, "--candidates", str(path), "--json")
    )  # fmt: skip
    r = coverage_report(net, s, minutes=4, demand=demand, keep_cells=True)
    want = json_records(gap_pieces(r, net, s, demand=demand, candidates=cands))
    assert got == want
    won = [g for g in got if g["site_kind"] == "candidate"]
    assert won and all(g["site_id"].startswith("c") and g["site_name"] for g in won)
