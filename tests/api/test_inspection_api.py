"""The inspection cycle through the HTTP API (issue 22): due lists at explicit times, and
recording inspections."""

from __future__ import annotations

from fastapi.testclient import TestClient

from api.schemas import StationPage
from tests.api.conftest import PLANNER

PROBLEM = "application/problem+json"


def _due(client: TestClient, verification: str, as_of: str) -> dict[str, str]:
    r = client.get("/stations", params={"verification": verification, "as_of": as_of})
    assert r.status_code == 200, r.text
    page = StationPage.model_validate(r.json())
    assert page.number_matched == len(page.features)
    return {str(f.id): f.properties.next_verification or "" for f in page.features}


def test_inspection_then_due_lists(client: TestClient) -> None:
    # Seeded stations were never verified: every open one is overdue (the planned one is not).
    assert _due(client, "overdue", "2026-06-01T00:00:00Z") == {"lib": "", "smart": "", "fuel": ""}
    body = {
        "at": "2026-01-01T08:00:00Z",
        "amenities_found": ["water", "toilet"],
        "hours_seen": "Mo-Fr 08:00-20:00",
        "notes": "wifi gone",
        "changes": {"amenities": ["water", "toilet"]},
    }
    r = client.post("/stations/lib/inspections", json=body, headers=PLANNER)
    assert r.status_code == 201, r.text
    props = r.json()["properties"]
    assert props["last_verified"] == "2026-01-01T08:00:00Z"
    assert props["amenities"] == ["toilet", "water"]
    assert set(_due(client, "overdue", "2026-06-01T00:00:00Z")) == {"smart", "fuel"}
    assert _due(client, "due-within:30d", "2026-12-10T00:00:00Z")["lib"] == "2027-01-01T08:00:00Z"
    assert "lib" not in _due(client, "due-within:30d", "2026-11-01T00:00:00Z")
    assert "lib" in _due(client, "overdue", "2027-01-02T00:00:00Z")
    history = client.get("/stations/lib/history").json()
    assert history[-1]["actor"] == "planner-li" and "amenities" in history[-1]["changes"]
    (ins,) = client.get("/stations/lib/inspections", headers=PLANNER).json()
    assert (ins["inspector"], ins["notes"]) == ("planner-li", "wifi gone")


def test_inspection_errors(client: TestClient) -> None:
    r = client.get("/stations", params={"verification": "soon"})
    assert r.status_code == 422 and r.headers["content-type"] == PROBLEM
    assert "verification=" in r.json()["detail"]
    r = client.post("/stations/lib/inspections", json={"hours_seen": "whenever"}, headers=PLANNER)
    assert r.status_code == 422 and "hours_seen" in r.json()["detail"]
    assert client.get("/stations/lib").json()["properties"]["last_verified"] == ""
    assert client.post("/stations/lib/inspections", json={}).status_code == 401
    assert client.post("/stations/nope/inspections", json={}, headers=PLANNER).status_code == 404


def test_scores_exported(client: TestClient) -> None:
    body = {"at": "2026-01-01T08:00:00Z", "amenities_found": ["water", "charging"]}
    client.post("/stations/smart/inspections", json=body, headers=PLANNER)
    r = client.get("/scores", params={"at": "2026-02-01T00:00:00Z"})
    assert r.status_code == 200
    (s,) = r.json()
    # Smart station standard: 5 amenities, 2 found; hours not seen; no reports.
    assert (s["station_id"], s["name"]) == ("smart", "Smart Box")
    assert s["score"] == round(100 * (0.6 * 2 / 5 + 0.25 * 0.5 + 0.15)) == 52
    assert s["stars"] == 1 + 52 // 25
    assert client.get("/scores", params={"at": "2025-12-01T00:00:00Z"}).json() == []


def test_due_list_is_by_district_and_pages(client: TestClient) -> None:
    for sid, district in [("lib", "Töölö"), ("smart", "Alppila"), ("fuel", "Kallio")]:
        r = client.patch(f"/stations/{sid}", json={"district": district}, headers=PLANNER)
        assert r.status_code == 200
    params = {"verification": "overdue", "as_of": "2026-06-01T00:00:00Z"}
    r = client.get("/stations", params=params)
    assert [f["id"] for f in r.json()["features"]] == ["smart", "fuel", "lib"]
    r = client.get("/stations", params={**params, "limit": 1, "offset": 1})
    assert [f["id"] for f in r.json()["features"]] == ["fuel"]
    assert (r.json()["number_matched"], r.json()["number_returned"]) == (3, 1)
    r = client.get("/stations", params={**params, "q": "Library"})
    assert [f["id"] for f in r.json()["features"]] == ["lib"]
