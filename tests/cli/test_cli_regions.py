"""``stationfinder regions list|add|check`` and ``--region`` on the commands, run as users do."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from cli.main import main
from geo.coverage import StationSet, coverage_report
from geo.network import load_network

DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.fixture(autouse=True)
def cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STATIONFINDER_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "nc"))
    monkeypatch.delenv("STATIONFINDER_REGIONS_FILE", raising=False)


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("regions-cli") / "r.sqlite"
    for seed in ("futian_stations.csv", "helsinki_stations.csv"):
        assert main(["import", str(DATA / seed), "--db", str(path)]) == 0
    return path


def test_list_and_check_the_bundled_regions(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["regions", "list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["id"], r["lang"], r["demand"]) for r in rows] == [
        ("futian", "zh", ["taxi_pickups", "taxi_dropoffs"]),
        ("helsinki", "en", ["restaurants"]),
    ]
    assert main(["regions", "check", "futian", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)["futian"]
    assert info["layers"] == {"taxi_pickups": 634, "taxi_dropoffs": 599}
    assert main(["regions", "check", "changsha"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "no region changsha" in err and "futian, helsinki" in err


def test_add_then_use_a_region(
    tmp_path: Path, db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    regions = tmp_path / "regions.toml"
    add = ["regions", "add", "ft", "--regions-file", str(regions), "--name", "福田"]
    add += ["--network", str(DATA / "futian_osm.graphml.gz"), "--tz", "Asia/Shanghai"]
    add += ["--demand", f"pickups={DATA / 'futian_taxi_pickups.csv'}"]
    assert main(add) == 0
    assert "7794 nodes" in capsys.readouterr().out
    assert main(add) == 1  # declared already: one line, the file unchanged
    assert "'ft' is declared already" in capsys.readouterr().err
    broken = ["regions", "add", "bad", "--regions-file", str(regions)]
    assert main([*broken, "--network", str(tmp_path / "missing.graphml")]) == 1
    assert "missing.graphml" in capsys.readouterr().err
    assert main(["regions", "list", "--regions-file", str(regions), "--json"]) == 0
    assert [r["id"] for r in json.loads(capsys.readouterr().out)] == ["ft"]
    cov = ["coverage", "--db", str(db), "--regions-file", str(regions), "--region", "ft"]
    assert main([*cov, "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    net = load_network(DATA / "futian_osm.graphml.gz")
    st = pd.read_csv(DATA / "futian_stations.csv", keep_default_na=False)
    want = coverage_report(
        net,
        StationSet.build(net, st["id"], st["lon"], st["lat"]),
        demand=pd.read_csv(DATA / "futian_taxi_pickups.csv"),
    )
    assert got["stations"] == 40  # Futian's only: the Helsinki stations are a continent away
    assert got["street_share"]["none"] == pytest.approx(want.street_share.none)
    assert got["demand_share"]["once"] == pytest.approx(want.demand_share.once)


def test_region_gives_network_demand_and_districts(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["coverage", "--db", str(db), "--region", "futian", "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert set(got["districts"]) == {"福田区"} and got["demand_share"]["none"] is not None
    assert main(["coverage", "--db", str(db), "--region", "changsha"]) == 1
    assert "choose one of: futian, helsinki" in capsys.readouterr().err
    assert main(["coverage", "--db", str(db)]) == 1  # neither --network nor --region
    assert "--network FILE" in capsys.readouterr().err


def test_suggest_demand_never_comes_from_another_city(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    graphml = str(DATA / "futian_osm.graphml.gz")
    assert main(["suggest", "--db", str(db), "--network", graphml, "-k", "2"]) == 1
    assert "suggest needs demand" in capsys.readouterr().err
    assert main(["suggest", "--db", str(db), "--region", "futian", "-k", "3", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert len(out["features"]) == 3 and out["share_after"] > out["share_before"]
    assert all(f["id"].startswith("junction-") for f in out["features"])  # no POIs in GraphML


def test_nearest_on_foot_finds_the_region_of_the_point(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["nearest", "--db", str(db), "--mode", "walk", "-k", "2", "--json"]
    assert main([*base, "--lon", "114.02", "--lat", "22.535"]) == 0
    feats = json.loads(capsys.readouterr().out)["features"]
    assert [f["id"][:12] for f in feats] == ["demo-futian-"] * 2
    assert all(f["properties"]["walk_distance_m"] >= f["properties"]["distance_m"] for f in feats)


def test_proposals_without_demand_rank_by_proposers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from geo.feedback import Feedback
    from geo.stations import open_store

    path = tmp_path / "p.sqlite"
    reg = open_store(path)
    fb = Feedback(reg)
    fb.propose(lon=-46.63, lat=-23.55, proposer="a", client="c1")  # São Paulo: no region
    fb.propose(lon=-46.6301, lat=-23.5501, proposer="b", client="c2")
    reg.close()
    assert main(["proposals", "--db", str(path), "--json"]) == 0
    (group,) = json.loads(capsys.readouterr().out)
    assert group["gain"] is None and group["proposers"] == 2  # never Helsinki's demand


def test_coverage_batch_reads_the_regions_file(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    regions = tmp_path / "regions.toml"
    text = (DATA / "regions.toml").read_text(encoding="utf-8").split("[[region]]")[1]
    regions.write_text(
        "[[region]]" + text.replace('"futian_', f'"{DATA}/futian_'), encoding="utf-8"
    )
    out = tmp_path / "out"
    args = ["coverage-batch", "--db", str(db), "--regions", str(regions), "--out", str(out)]
    assert main([*args, "--workers", "1", "--radius", "500"]) == 0
    summary = pd.read_csv(out / "summary.csv")
    assert summary["region"].tolist() == ["futian"] and summary["status"].tolist() == ["done"]
    assert summary["stations"].tolist() == [40]
    assert 0 < summary["demand_none"].iloc[0] < 1  # the region's own demand layers
