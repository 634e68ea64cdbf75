"""POST /suggest and the coverage and suggestion map pages."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.schemas import SuggestOut
from api.settings import Settings
from geo.network import StreetNetwork
from geo.siting import osm_candidates, suggest_sites
from tests.api.conftest import HELSINKI_ONLY

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    tmp = tmp_path_factory.mktemp("siting")
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        db=tmp / "demo.sqlite",
        cache_dir=tmp / "cache",
        seed_stations=ROOT / "data" / "helsinki_stations.csv",
        **HELSINKI_ONLY,  # type: ignore[arg-type]
    )
    with TestClient(create_app(settings)) as c:
        yield c


def test_suggest_equals_library(
    demo: TestClient, helsinki: StreetNetwork, helsinki_pbf: str
) -> None:
    r = demo.post("/suggest", json={"k": 3, "minutes": 2})
    assert r.status_code == 200
    got = SuggestOut.model_validate(r.json())
    st = pd.read_csv(ROOT / "data" / "helsinki_stations.csv")
    st = st[st["status"] == "open"].sort_values("id")
    result, scored = suggest_sites(
        osm_candidates(helsinki_pbf),
        pd.read_csv(ROOT / "data" / "helsinki_demand.csv"),
        st["lon"],
        st["lat"],
        network=helsinki,
        minutes=2,
        k=3,
    )
    want = scored[scored["order"] > 0].sort_values("order")
    assert [f.id for f in got.features] == want["id"].tolist()
    assert [f.properties.gain for f in got.features] == pytest.approx(want["gain"].tolist())
    assert got.optimal and got.share_after == pytest.approx(result.share_after)
    assert got.share_after > got.share_before
    # The reducing solver proves the same optimum (its chosen sites may differ on ties).
    r = demo.post("/suggest", json={"k": 3, "minutes": 2, "solver": "reduce"})
    assert r.status_code == 200, r.text
    reduced = SuggestOut.model_validate(r.json())
    assert reduced.optimal and reduced.solver in ("reduce", "none")
    assert reduced.share_after == pytest.approx(result.share_after)


def test_suggest_with_given_candidates_and_target(demo: TestClient) -> None:
    body = {
        "k": 1,
        "standard": "radius",
        "radius_m": 150,
        "candidates": [
            {"lon": 24.9445, "lat": 60.1712, "name": "here"},
            {"lon": 24.60, "lat": 60.30, "name": "far away"},
        ],
    }
    r = demo.post("/suggest", json=body)
    fc = r.json()
    assert r.status_code == 200 and [f["properties"]["name"] for f in fc["features"]] == ["here"]
    r = demo.post("/suggest", json={"target_share": 0.99999, "minutes": 1})
    assert r.status_code == 422 and "no set of candidates reaches" in r.json()["detail"]


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"minutes": 2}, "exactly one of k and target_share"),
        ({"k": 1, "target_share": 0.5}, "exactly one of k and target_share"),
        ({"k": 1, "candidates": []}, "candidates is empty"),
        ({"k": -1}, "k"),
        ({"k": 1, "method": "magic"}, "method"),
        ({"target_share": 0.5, "double": True}, "double"),
    ],
)
def test_suggest_bad_input(demo: TestClient, body: dict, where: str) -> None:
    r = demo.post("/suggest", json=body)
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    assert where in r.json()["detail"]


def test_coverage_and_suggest_pages(demo: TestClient) -> None:
    page = demo.get("/maps/coverage", params={"minutes": 3, "lang": "en"}).text
    for layer in ("Coverage cells", "3-minute walking areas", "Coverage gaps", "Worker demand"):
        assert layer in page
    gaps = demo.get("/gaps", params={"minutes": 3}).json()["features"]
    assert len(set(re.findall(r'"id": ?"gap-(\d+)"', page))) == len(gaps)
    assert not re.search(r'src="https?://', page)  # every script is served locally
    page = demo.get("/maps/suggest", params={"k": 3, "minutes": 2, "lang": "en"}).text
    chosen = [
        f["properties"]["name"]
        for f in demo.post("/suggest", json={"k": 3, "minutes": 2}).json()["features"]
    ]
    assert all(name in page for name in chosen)


def test_suggest_among_the_riders_proposals(client: TestClient) -> None:
    """The open proposal groups as candidates; the pick checked by a geodesic brute force."""
    from pyproj import Geod

    from tests.api.conftest import KEY

    demand = pd.read_csv(ROOT / "data" / "helsinki_demand.csv")
    if "weight" not in demand:
        demand["weight"] = 1.0
    geod = Geod(ellps="WGS84")
    stations = [(24.95, 60.184), (24.9410, 60.1700), (24.9300, 60.1650)]  # the open seeds

    def within(lon: float, lat: float, r: float = 300.0) -> pd.Series:
        n = len(demand)
        _, _, d = geod.inv([lon] * n, [lat] * n, demand["lon"], demand["lat"])
        return pd.Series(d <= r, index=demand.index)

    covered = pd.Series(False, index=demand.index)
    for lon, lat in stations:
        covered |= within(lon, lat)
    sites = demand[~covered].iloc[[0, len(demand[~covered]) // 2, -1]]
    for i, (_, row) in enumerate(sites.iterrows()):
        r = client.post(
            "/proposals", json={"lon": row["lon"], "lat": row["lat"], "proposer": f"r{i}"}
        )
        assert r.status_code == 201, r.text
    body = {"k": 1, "standard": "radius", "radius_m": 300, "candidate_source": "proposals"}
    assert client.post("/suggest", json=body).status_code == 401  # sites are private
    r = client.post("/suggest", json=body, headers=KEY)
    assert r.status_code == 200, r.text
    (site,) = r.json()["features"]
    groups = client.get("/proposals", headers=KEY).json()["features"]
    gains = {}
    for g in groups:
        lon, lat = g["geometry"]["coordinates"]
        gains[f"proposal-{g['id']}"] = demand.loc[within(lon, lat) & ~covered, "weight"].sum()
    assert len(gains) == 3 and len(set(gains.values())) == 3  # no tie to hide a wrong pick
    assert site["id"] == max(gains, key=gains.__getitem__)
    assert site["properties"]["gain"] == pytest.approx(gains[site["id"]])
    assert site["properties"]["source"] == "proposal"
    both = {**body, "candidates": [{"lon": 24.94, "lat": 60.17}]}
    r = client.post("/suggest", json=both, headers=KEY)
    assert r.status_code == 422 and "not both" in r.json()["detail"]
