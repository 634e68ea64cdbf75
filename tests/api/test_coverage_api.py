"""Coverage, gaps, walking areas and walking nearest through the API."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
from fastapi.testclient import TestClient

from api.main import create_app
from api.schemas import CoverageOut, GapCollection, IsochroneFeature, StationCollection
from api.settings import Settings
from geo.coverage import StationSet, coverage_report, walk_costs
from geo.network import StreetNetwork
from tests.api.conftest import HELSINKI_ONLY, KEY

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        db=tmp_path / "demo.sqlite",
        api_keys=["secret-key"],
        cache_dir=tmp_path / "cache",
        seed_stations=ROOT / "data" / "helsinki_stations.csv",
        **HELSINKI_ONLY,  # type: ignore[arg-type]
    )
    with TestClient(create_app(settings)) as c:
        yield c


def open_demo(net: StreetNetwork) -> StationSet:
    st = pd.read_csv(ROOT / "data" / "helsinki_stations.csv")
    st = st[st["status"] == "open"].sort_values("id")
    return StationSet.build(net, st["id"], st["lon"], st["lat"])


@pytest.mark.parametrize(
    ("params", "kw"),
    [
        ({"minutes": 3}, {"standard": "walk", "minutes": 3}),
        ({"standard": "radius", "radius_m": 250}, {"standard": "radius", "radius_m": 250}),
    ],
)
def test_coverage_equals_library(
    demo: TestClient, helsinki: StreetNetwork, params: dict, kw: dict
) -> None:
    r = demo.get("/coverage", params=params)
    assert r.status_code == 200
    got = CoverageOut.model_validate(r.json())
    demand = pd.read_csv(ROOT / "data" / "helsinki_demand.csv")
    want = coverage_report(helsinki, open_demo(helsinki), demand=demand, **kw)
    assert got.street_share.none == pytest.approx(want.street_share.none)
    assert got.demand_share.multiple == pytest.approx(want.demand_share.multiple)
    assert got.area_share.once == pytest.approx(want.area_share.once)


def test_coverage_cache_follows_station_changes(demo: TestClient) -> None:
    before = demo.get("/coverage", params={"minutes": 2}).json()
    gap = demo.get("/gaps", params={"minutes": 2}).json()["features"][0]
    x, y = shapely.geometry.shape(gap["geometry"]).representative_point().coords[0]
    body = {
        "id": "new",
        "name": "New station",
        "kind": "rider_station",
        "lon": x,
        "lat": y,
        "opening_hours": "24/7",
    }
    assert demo.post("/stations", json=body, headers=KEY).status_code == 201
    after = demo.get("/coverage", params={"minutes": 2}).json()
    assert after["stations"] == before["stations"] + 1
    assert after["area_share"]["none"] < before["area_share"]["none"]
    assert demo.delete("/stations/new", headers=KEY).status_code == 204
    assert demo.get("/coverage", params={"minutes": 2}).json() == before


def test_gaps_feature_collection(demo: TestClient) -> None:
    r = demo.get("/gaps", params={"minutes": 3, "limit": 5})
    fc = GapCollection.model_validate(r.json())
    assert 1 <= len(fc.features) <= 5
    assert [f.properties.rank for f in fc.features] == list(range(1, len(fc.features) + 1))
    demand = [f.properties.demand for f in fc.features]
    assert demand == sorted(demand, reverse=True)
    # Issue 18: the walk now runs from each piece's demand-weighted centre (checked
    # against networkx in tests/geo/test_gaps.py), which may lie nearer a station than
    # the uncovered hexagons round it; each piece is at most the 240 m limit across.
    for f in fc.features:
        p = f.properties
        assert p.nearest_walk_s == pytest.approx(p.nearest_walk_m / (4.8 / 3.6))
        assert p.diameter_m <= 240 + 1e-6 and p.nearest_id is not None


def test_isochrone(demo: TestClient) -> None:
    sid = demo.get("/stations", params={"limit": 1}).json()["features"][0]["id"]
    r = demo.get(f"/isochrones/{sid}", params={"minutes": 5})
    feat = IsochroneFeature.model_validate(r.json())
    assert feat.id == sid and feat.properties.minutes == 5
    st = demo.get(f"/stations/{sid}").json()["geometry"]["coordinates"]
    poly = shapely.geometry.shape(r.json()["geometry"])
    assert poly.contains(shapely.Point(st))
    assert demo.get("/isochrones/nope").status_code == 404


def test_walk_mode_reranks_by_walking(demo: TestClient, helsinki: StreetNetwork) -> None:
    p = {"lat": 60.1712, "lon": 24.9445, "k": 4, "mode": "walk"}
    r = demo.get("/nearest", params=p)
    fc = StationCollection.model_validate(r.json())
    walks = [f.properties.walk_distance_m for f in fc.features]
    assert walks == sorted(walks)
    for f in fc.features:
        assert f.properties.walk_distance_m >= f.properties.distance_m - 1
        assert f.properties.walk_time_s == pytest.approx(
            f.properties.walk_distance_m / (4.8 / 3.6), abs=0.01
        )
    # Independent: walking cost from the point to every open station, best four.
    s = open_demo(helsinki)
    cost = walk_costs(helsinki, 24.9445, 60.1712, s)
    best = np.argsort(cost, kind="stable")[:4]
    assert [f.id for f in fc.features] == list(s.ids[best])
    np.testing.assert_allclose(walks, cost[best], atol=0.01)


def test_walk_mode_off_network_is_422(demo: TestClient) -> None:
    # 20 km from the Helsinki extract: outside every region, so no streets to walk on.
    r = demo.get("/nearest", params={"lat": 60.3, "lon": 25.3, "mode": "walk"})
    assert r.status_code == 422 and "no street network here" in r.json()["detail"]
    assert "mode=straight" in r.json()["detail"]


def test_long_coverage_never_blocks_nearest(
    demo: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    import api.measures

    release = threading.Event()
    entered = threading.Event()
    real = api.measures.coverage_report

    def slow(*args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        entered.set()
        assert release.wait(30), "the nearest request never completed while coverage ran"
        return real(*args, **kwargs)

    monkeypatch.setattr(api.measures, "coverage_report", slow)
    result: dict[str, int] = {}
    t = threading.Thread(
        target=lambda: result.setdefault(
            "status", demo.get("/coverage", params={"minutes": 7}).status_code
        )
    )
    t.start()
    assert entered.wait(30)
    # Coverage is mid-computation; the nearest endpoint must still answer.
    assert demo.get("/nearest", params={"lat": 60.17, "lon": 24.94}).status_code == 200
    release.set()
    t.join(30)
    assert result["status"] == 200
