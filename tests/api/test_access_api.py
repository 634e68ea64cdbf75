"""GET /accessibility and the fairness member of /coverage, against the library."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from api.schemas import AccessOut, CoverageOut
from geo.access_report import accessibility_report
from geo.fairness import fairness_report
from geo.network import StreetNetwork
from tests.api import test_coverage_api
from tests.api.conftest import KEY

ROOT = Path(__file__).resolve().parents[2]
demo = test_coverage_api.demo  # the same demo service fixture
PROBLEM = "application/problem+json"


def open_stations() -> pd.DataFrame:
    st = pd.read_csv(ROOT / "data" / "helsinki_stations.csv", keep_default_na=False)
    return st[st["status"] == "open"].sort_values("id").reset_index(drop=True)


def test_accessibility_equals_library_and_follows_capacity(
    demo: TestClient, helsinki: StreetNetwork
) -> None:
    st = open_stations()
    seats = {sid: float(5 + 2 * i) for i, sid in enumerate(st["id"]) if i % 4}
    for sid, c in seats.items():
        assert demo.patch(f"/stations/{sid}", json={"capacity": c}, headers=KEY).status_code == 200
    r = demo.get("/accessibility", params={"minutes": 10, "threshold": 0.5})
    assert r.status_code == 200
    got = AccessOut.model_validate(r.json())
    demand = pd.read_csv(ROOT / "data" / "helsinki_demand.csv")
    cap = [seats.get(s, np.nan) for s in st["id"]]
    want = accessibility_report(
        helsinki, st["id"].tolist(), st["lon"], st["lat"], cap, demand, minutes=10, threshold=0.5
    )
    assert got.share_below == pytest.approx(want.share_below, rel=1e-12)
    assert got.stations_used == len(seats)
    assert sorted(got.stations_without_capacity) == sorted(set(st["id"]) - set(seats))
    by_cell = {f.properties.cell: f.properties.score for f in got.hexagons.features}
    assert len(by_cell) == len(want.hexagons) > 10
    for row in want.hexagons.itertuples():
        assert by_cell[row.cell] == pytest.approx(row.score, rel=1e-12)
    # A station's capacity changes the answer at once (the cache follows the registry).
    first = next(iter(seats))
    demo.patch(f"/stations/{first}", json={"capacity": 1000.0}, headers=KEY)
    again = demo.get("/accessibility", params={"minutes": 10, "threshold": 0.5}).json()
    assert again["mean_score"] > got.mean_score  # type: ignore[operator]


def test_accessibility_errors_name_the_parameter(demo: TestClient) -> None:
    for params, name in (({"threshold": -1}, "threshold"), ({"minutes": 0}, "minutes")):
        r = demo.get("/accessibility", params=params)
        assert r.status_code == 422 and r.headers["content-type"] == PROBLEM
        assert r.json()["errors"][0]["loc"][-1] == name
    r = demo.get("/accessibility", params={"treshold": 1})
    assert r.status_code == 422 and "treshold" in r.json()["detail"]


def test_coverage_has_fairness(demo: TestClient, helsinki: StreetNetwork) -> None:
    r = demo.get("/coverage", params={"minutes": 10})
    got = CoverageOut.model_validate(r.json())
    assert got.fairness is not None
    st = open_stations()
    demand = pd.read_csv(ROOT / "data" / "helsinki_demand.csv")
    want = fairness_report(
        helsinki, st["lon"], st["lat"], [None] * len(st), demand, minutes=10
    ).region
    assert got.fairness.accessibility_basis == "station_count"  # the demo has no capacities
    assert got.fairness.median_s == pytest.approx(want.median_s, rel=1e-12)
    assert got.fairness.p95_s == pytest.approx(want.p95_s, rel=1e-12)
    assert got.fairness.gini == pytest.approx(want.gini, rel=1e-12)
    assert got.fairness.median_s is not None and 0 < got.fairness.median_s < got.fairness.p95_s  # type: ignore[operator]


@pytest.mark.parametrize("objective", ["p-median", "p-center", "capacitated"])
def test_suggest_objectives_equal_library(
    demo: TestClient, helsinki: StreetNetwork, helsinki_pbf: str, objective: str
) -> None:
    from api.schemas import SuggestOut
    from geo.objective_sites import suggest_by_objective
    from geo.siting import osm_candidates

    body = {"k": 2, "minutes": 5, "objective": objective, "site_capacity": 8}
    r = demo.post("/suggest", json=body)
    assert r.status_code == 200, r.text
    got = SuggestOut.model_validate(r.json())
    st = open_stations()
    result, scored, value = suggest_by_objective(
        osm_candidates(helsinki_pbf),
        pd.read_csv(ROOT / "data" / "helsinki_demand.csv"),
        st["lon"],
        st["lat"],
        objective=objective,  # type: ignore[arg-type]
        network=helsinki,
        minutes=5,
        k=2,
        site_capacity=8.0,
    )
    assert got.objective == objective and got.optimal
    assert got.objective_after == pytest.approx(value.value_after, rel=1e-9)
    assert got.share_after == pytest.approx(value.share_after)
    assert [f.id for f in got.features] == scored.loc[list(result.chosen), "id"].tolist()


def test_suggest_objective_errors_are_named(demo: TestClient) -> None:
    r = demo.post("/suggest", json={"k": 1, "objective": "capacitated"})
    assert r.status_code == 422 and r.headers["content-type"] == PROBLEM
    assert "site_capacity" in r.json()["detail"]
    r = demo.post("/suggest", json={"k": 1, "objective": "median"})
    assert r.status_code == 422 and r.json()["errors"][0]["loc"][-1] == "objective"
