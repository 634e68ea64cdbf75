"""stationfinder suggest --objective: the library's answers, and errors naming the option."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from cli.main import main
from geo.network import load_network
from geo.objective_sites import suggest_by_objective
from geo.siting import osm_candidates
from tests.cli.test_cli_access import stations_with_capacity

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def cap_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("obj")
    db = folder / "cap.sqlite"
    assert main(["import", str(stations_with_capacity(folder)), "--db", str(db)]) == 0
    return db


@pytest.mark.parametrize("objective", ["p-median", "p-center", "capacitated"])
def test_suggest_objective_json_equals_library(
    cap_db: Path, helsinki_pbf: str, objective: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["suggest", "--db", str(cap_db), "--network", helsinki_pbf, "--minutes", "5"]
    args += ["--demand", str(ROOT / "data" / "helsinki_demand.csv")]
    args += ["-k", "2", "--objective", objective, "--site-capacity", "10", "--json"]
    capsys.readouterr()
    assert main(args) == 0
    got = json.loads(capsys.readouterr().out)
    st = pd.read_csv(ROOT / "data" / "helsinki_stations.csv", keep_default_na=False)
    cap = [None if i % 5 == 0 else 4.0 + 3 * i for i in range(len(st))]
    st = st.assign(cap=cap)
    st = st[st["status"] == "open"].sort_values("id")
    result, scored, value = suggest_by_objective(
        osm_candidates(helsinki_pbf),
        pd.read_csv(ROOT / "data" / "helsinki_demand.csv"),
        st["lon"],
        st["lat"],
        objective=objective,  # type: ignore[arg-type]
        network=load_network(helsinki_pbf),
        minutes=5,
        k=2,
        site_capacity=10.0,
        station_capacity=st["cap"].tolist(),
    )
    assert got["objective"] == objective and got["optimal"]
    assert got["objective_after"] == pytest.approx(value.value_after, rel=1e-9)
    assert got["objective_before"] == pytest.approx(value.value_before, rel=1e-9)
    assert got["share_after"] == pytest.approx(value.share_after)
    ids = scored.loc[list(result.chosen), "id"].tolist()
    assert [f["id"] for f in got["features"]] == ids and len(ids) >= 1


def test_suggest_objective_errors(
    cap_db: Path, helsinki_pbf: str, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["suggest", "--db", str(cap_db), "--network", helsinki_pbf, "-k", "1"]
    base += ["--demand", str(ROOT / "data" / "helsinki_demand.csv")]
    capsys.readouterr()
    assert main([*base, "--objective", "capacitated"]) == 1
    err = capsys.readouterr().err
    assert "--site-capacity" in err and len(err.strip().splitlines()) == 1
    assert main([*base, "--objective", "p-median", "--target", "0.9"]) == 1
    assert "target_share goes with objective 'fewest'" in capsys.readouterr().err
