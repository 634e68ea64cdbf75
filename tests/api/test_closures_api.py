"""Temporarily closed stations through the API (issue 22): left out of /nearest and coverage
until their reopening time, said so, at times given explicitly (never the wall clock)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.loop_schemas import NearestCollection
from api.main import create_app
from api.settings import Settings
from tests.api.conftest import HELSINKI_ONLY, PLANNER

CLOSE = {"since": "2026-09-01T00:00:00Z", "until": "2026-09-05T00:00:00Z", "reason": "typhoon"}
# Same time of week before, during and after the closure, so opening hours play no part.
BEFORE, DURING, AFTER = "2026-08-26T12:00:00Z", "2026-09-02T12:00:00Z", "2026-09-09T12:00:00Z"


def _nearest(client: TestClient, at: str) -> NearestCollection:
    params = {"lat": 60.1700, "lon": 24.9410, "k": 2, "open_at": at}
    r = client.get("/nearest", params=params)
    assert r.status_code == 200, r.text
    return NearestCollection.model_validate(r.json())


def test_nearest_leaves_out_and_says_so(client: TestClient) -> None:
    r = client.post("/stations/smart/closures", json=CLOSE, headers=PLANNER)
    assert r.status_code == 201 and r.json()["until"] == "2026-09-05T00:00:00Z"
    before, during, after = (_nearest(client, t) for t in (BEFORE, DURING, AFTER))
    assert [f.id for f in before.features] == ["smart", "fuel"]
    assert before.temporarily_closed is None
    assert [f.id for f in during.features] == ["fuel", "lib"]  # the next one moves up
    assert during.temporarily_closed is not None
    (note,) = during.temporarily_closed
    assert (note.id, note.until, note.reason) == ("smart", "2026-09-05T00:00:00Z", "typhoon")
    assert [f.id for f in after.features] == ["smart", "fuel"]  # reopened by itself
    assert after.temporarily_closed is None


def test_closure_errors(client: TestClient) -> None:
    assert client.post("/stations/smart/closures", json=CLOSE).status_code == 401
    bad = {**CLOSE, "until": "2026-08-01T00:00:00Z"}
    r = client.post("/stations/smart/closures", json=bad, headers=PLANNER)
    assert r.status_code == 422 and "until" in r.json()["detail"]
    assert client.post("/stations/nope/closures", json=CLOSE, headers=PLANNER).status_code == 404
    assert client.post("/stations/smart/reopen", headers=PLANNER).status_code == 409
    assert client.get("/stations/smart/closures").json() == []


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        db=tmp_path / "demo.sqlite",
        api_keys=["planner-li:planner:li-secret"],
        cache_dir=tmp_path / "cache",
        seed_stations=[Path(__file__).resolve().parents[2] / "data" / "helsinki_stations.csv"],
        tz="Europe/Helsinki",
        **HELSINKI_ONLY,  # type: ignore[arg-type]
    )
    with TestClient(create_app(settings)) as c:
        yield c


def test_coverage_treats_it_as_closed_until_it_reopens(demo: TestClient) -> None:
    def coverage(at: str) -> dict:
        r = demo.get("/coverage", params={"minutes": 3, "at": at})
        assert r.status_code == 200, r.text
        return r.json()  # type: ignore[no-any-return]

    first = coverage(BEFORE)
    open_then = demo.get("/stations", params={"open_at": BEFORE, "limit": 1}).json()
    sid = open_then["features"][0]["id"]
    assert demo.post(f"/stations/{sid}/closures", json=CLOSE, headers=PLANNER).status_code == 201
    assert coverage(BEFORE) == first  # the closure begins later
    during = coverage(DURING)
    assert during["temporarily_closed"] == [sid] and first["temporarily_closed"] == []
    assert during["stations"] == first["stations"] - 1
    assert during["area_share"]["none"] >= first["area_share"]["none"]
    assert coverage(AFTER)["stations"] == first["stations"]
