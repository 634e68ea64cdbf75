"""Coverage and gaps of one station kind through the API, against the library on that kind."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from geo.coverage import StationSet, coverage_report
from geo.network import StreetNetwork
from tests.api.test_coverage_api import demo  # noqa: F401  (the demo service fixture)

ROOT = Path(__file__).resolve().parents[2]


def open_of_kind(net: StreetNetwork, kinds: set[str]) -> StationSet:
    st = pd.read_csv(ROOT / "data" / "helsinki_stations.csv")
    st = st[(st["status"] == "open") & st["kind"].isin(kinds)].sort_values("id")
    return StationSet.build(net, st["id"], st["lon"], st["lat"])


@pytest.mark.parametrize("kinds", [["driver_home"], ["driver_home", "smart_station"]])
def test_coverage_of_some_kinds_equals_library(
    demo: TestClient,  # noqa: F811
    helsinki: StreetNetwork,
    kinds: list[str],
) -> None:
    # On foot, named: driver homes alone would default to the truck (STATIONFINDER_DEFAULT_MODES).
    r = demo.get("/coverage", params={"minutes": 5, "kind": kinds, "mode": "walk"})
    assert r.status_code == 200
    got = r.json()
    demand = pd.read_csv(ROOT / "data" / "helsinki_demand.csv")
    want = coverage_report(
        helsinki, open_of_kind(helsinki, set(kinds)), minutes=5, demand=demand
    ).to_dict()
    assert got["stations"] == want["stations"] < demo.get("/coverage").json()["stations"]
    for share in ("street_share", "area_share", "demand_share"):
        assert got[share] == pytest.approx(want[share])
    everyone = demo.get("/coverage", params={"minutes": 5}).json()
    assert got["street_share"]["none"] > everyone["street_share"]["none"]
    # Gaps follow the same kinds: fewer stations leave at least as much uncovered.
    gaps = demo.get("/gaps", params={"minutes": 5, "kind": kinds, "mode": "walk"}).json()[
        "features"
    ]
    all_gaps = demo.get("/gaps", params={"minutes": 5}).json()["features"]
    area = sum(f["properties"]["area_m2"] for f in gaps)
    assert area > sum(f["properties"]["area_m2"] for f in all_gaps)


def test_unknown_kind_is_a_named_422(demo: TestClient) -> None:  # noqa: F811
    for path in ("/coverage", "/gaps", "/maps/coverage"):
        r = demo.get(path, params={"kind": "spaceport"})
        assert r.status_code == 422, path
        assert r.headers["content-type"].startswith("application/problem+json")
        assert "kind" in r.text
