"""GET /gaps (pieces) and GET /coverage/stations against the library, on the bundled demo."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.schemas import GapCollection, StationImpactOut
from api.settings import Settings
from geo.coverage import coverage_report
from geo.crs import convert
from geo.gaps import gap_pieces, json_records
from geo.impact import station_impact
from geo.network import StreetNetwork
from tests.api.conftest import HELSINKI_ONLY
from tests.api.test_coverage_api import open_demo

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    tmp = tmp_path_factory.mktemp("gaps-api")
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        db=tmp / "demo.sqlite",
        cache_dir=tmp / "cache",
        seed_stations=[ROOT / "data" / "helsinki_stations.csv"],
        tz="Europe/Helsinki",
        **HELSINKI_ONLY,  # type: ignore[arg-type]
    )
    with TestClient(create_app(settings)) as c:
        yield c


def demand() -> pd.DataFrame:
    return pd.read_csv(ROOT / "data" / "helsinki_demand.csv")


def test_gaps_are_the_library_pieces(demo: TestClient, helsinki: StreetNetwork) -> None:
    r = demo.get("/gaps", params={"minutes": 3})
    assert r.status_code == 200
    fc = GapCollection.model_validate(r.json())
    s = open_demo(helsinki)
    report = coverage_report(helsinki, s, minutes=3, demand=demand(), keep_cells=True)
    want = json_records(gap_pieces(report, helsinki, s, demand=demand()))
    got = [f["properties"] for f in r.json()["features"]]
    assert len(got) == len(want) == len(fc.features)
    for g, w in zip(got, want, strict=True):
        assert g.keys() == w.keys()
        for key, value in w.items():
            assert g[key] == (pytest.approx(value, abs=1e-3) if isinstance(value, float) else value)
    assert all(f.properties.diameter_m <= 240 + 1e-6 for f in fc.features)
    assert "NaN" not in r.text


def test_gaps_points_follow_crs(demo: TestClient) -> None:
    wgs = demo.get("/gaps", params={"minutes": 3, "limit": 3}).json()["features"]
    gcj = demo.get("/gaps", params={"minutes": 3, "limit": 3, "crs": "gcj02"}).json()["features"]
    for a, b in zip(wgs, gcj, strict=True):
        (x,), (y,) = convert([a["properties"]["site_lon"]], [a["properties"]["site_lat"]],
                             src="wgs84", dst="gcj02")  # fmt: skip
        assert (b["properties"]["site_lon"], b["properties"]["site_lat"]) == pytest.approx((x, y))


def test_coverage_stations_is_the_library_table(demo: TestClient, helsinki: StreetNetwork) -> None:
    r = demo.get("/coverage/stations", params={"minutes": 3})
    assert r.status_code == 200
    out = StationImpactOut.model_validate(r.json())
    want = station_impact(helsinki, open_demo(helsinki), minutes=3, demand=demand())
    assert r.json() == want.to_dict()
    assert [row.rank for row in out.stations] == list(range(1, len(out.stations) + 1))
    nothing = [row for row in out.stations if row.loses_nothing]
    assert nothing and all(row.rank > out.stations[0].rank for row in nothing)
    radius = demo.get("/coverage/stations", params={"standard": "radius", "radius_m": 200})
    assert radius.json()["radius_m"] == 200 and radius.json()["minutes"] is None


@pytest.mark.parametrize(
    ("params", "name"),
    [({"minutes": -1}, "minutes"), ({"standard": "bus"}, "standard"), ({"minute": 3}, "minute")],
)
def test_coverage_stations_bad_input_is_a_named_problem(
    demo: TestClient, params: dict, name: str
) -> None:
    r = demo.get("/coverage/stations", params=params)
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    assert name in r.json()["detail"]
