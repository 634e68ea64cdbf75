"""What-if plans through the API (issue 20): keep, compare side by side, apply once, with
errors naming the change and field; the comparison agrees with /coverage before and after."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from api.schemas.plans import PlanCompareOut, PlanOut
from tests.api.conftest import ADMIN, PLANNER

CHANGES: list[dict[str, Any]] = [
    {"kind": "close", "station_id": "smart"},
    {"kind": "hours", "station_id": "fuel", "hours": "每天9点到21点"},
    {"kind": "capacity", "station_id": "lib", "capacity": 10},
    {
        "kind": "add",
        "lon": 24.9395,
        "lat": 60.1760,
        "station_kind": "骑士驿站",
        "name": "North",
        "station_id": "north",
        "capacity": 4,
    },
]
BODY = {"name": "Winter 2027", "changes": CHANGES}
Q = {"minutes": 5, "night": "2026-12-02T02:00"}


def _create(client: TestClient, body: dict[str, Any] = BODY) -> dict[str, Any]:
    r = client.post("/plans", json=body, headers=PLANNER)
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def test_create_list_get(client: TestClient) -> None:
    assert client.post("/plans", json=BODY).status_code == 401
    plan = PlanOut.model_validate(_create(client))
    assert (plan.id, plan.region, plan.status, plan.created_by) == (
        1,
        "default",
        "draft",
        "planner-li",
    )
    assert [c["kind"] for c in plan.changes] == ["close", "hours", "capacity", "add"]
    assert plan.changes[1]["hours"] == "Mo-Su 09:00-21:00"
    assert client.get("/stations/smart").json()["properties"]["status"] == "open"  # untouched
    assert [p["id"] for p in client.get("/plans").json()] == [1]
    assert client.get("/plans", params={"status": "applied"}).json() == []
    assert client.get("/plans/1").json() == plan.model_dump()
    assert client.get("/plans/7").status_code == 404


def test_errors_name_change_and_field(client: TestClient) -> None:
    ghost = {**BODY, "changes": [*CHANGES[:2], {"kind": "close", "station_id": "ghost"}]}
    r = client.post("/plans", json=ghost, headers=PLANNER)
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert (body["change"], body["field"]) == (2, "station_id")
    assert body["detail"] == "changes[2].station_id: no station with id 'ghost'"
    bad_hours = {**BODY, "changes": [{"kind": "hours", "station_id": "lib", "hours": "soon"}]}
    r = client.post("/plans", json=bad_hours, headers=PLANNER)
    assert r.status_code == 422 and (r.json()["change"], r.json()["field"]) == (0, "hours")
    no_lat = {
        **BODY,
        "changes": [CHANGES[0], {"kind": "add", "lon": 24.9, "station_kind": "driver_home"}],
    }
    r = client.post("/plans", json=no_lat, headers=PLANNER)
    assert r.status_code == 422
    assert ["body", "changes", 1, "add", "lat"] in [e["loc"] for e in r.json()["errors"]]
    r = client.post("/plans", json=BODY, params={"region": "atlantis"}, headers=PLANNER)
    assert r.status_code == 422 and "atlantis" in r.json()["detail"]
    assert client.get("/plans").json() == []


def _coverage(client: TestClient) -> dict[str, Any]:
    r = client.get("/coverage", params={"minutes": 5})
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def test_compare_then_apply_agrees_with_coverage(client: TestClient) -> None:
    plan = _create(client)
    before = _coverage(client)
    r = client.get(f"/plans/{plan['id']}/compare", params=Q)
    assert r.status_code == 200, r.text
    cmp = PlanCompareOut.model_validate(r.json())
    assert (cmp.added, cmp.closed, cmp.changed) == (["north"], ["smart"], ["fuel", "lib"])
    assert cmp.night_at == "2026-12-02T02:00:00"
    keys = ["stations", "street_share", "area_share", "demand_share", "limit_m"]
    assert {k: cmp.before["coverage"][k] for k in keys} == {k: before[k] for k in keys}
    assert cmp.before["fairness"] == {k: before["fairness"][k] for k in cmp.before["fairness"]}
    rows = {row["figure"]: row for row in cmp.rows}
    # "lib" lies beyond the Helsinki extract's reach: two stations count, before and after.
    assert rows["stations"] == {
        "figure": "stations",
        "unit": "count",
        "before": 2,
        "after": 2,
        "change": 0,
    }
    # "smart" and "fuel" are 24/7; after the plan one is closed, the other shuts at 21:00.
    assert (rows["stations open at night"]["before"], rows["stations open at night"]["after"]) == (
        2,
        0,
    )
    assert client.post(f"/plans/{plan['id']}/apply").status_code == 401
    r = client.post(f"/plans/{plan['id']}/apply", headers=PLANNER)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "applied" and r.json()["written"] == [
        "smart",
        "fuel",
        "lib",
        "north",
    ]
    after = _coverage(client)
    assert {k: cmp.after["coverage"][k] for k in keys} == {k: after[k] for k in keys}
    assert cmp.after["fairness"] == {k: after["fairness"][k] for k in cmp.after["fairness"]}
    for sid in ("smart", "fuel", "lib", "north"):
        last = client.get(f"/stations/{sid}/history").json()[-1]
        assert (last["actor"], last["note"]) == ("planner-li", "plan 1 'Winter 2027'")
    assert client.get("/stations/smart").json()["properties"]["status"] == "closed"
    assert client.get("/stations/north").json()["properties"]["capacity"] == 4
    again = client.post(f"/plans/{plan['id']}/apply", headers=ADMIN)
    assert again.status_code == 409 and "applied already" in again.json()["detail"]
    assert client.delete(f"/plans/{plan['id']}", headers=PLANNER).status_code == 409


def test_delete_draft_and_map_page(client: TestClient) -> None:
    plan = _create(client)
    page = client.get(f"/maps/plans/{plan['id']}", params={**Q, "lang": "en"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    assert html.count("sf-plan-mark sf-plan-added") == 1
    assert html.count("sf-plan-mark sf-plan-closed") == 1
    assert html.count("sf-plan-mark sf-plan-changed") == 1  # "lib" is out of reach
    assert "Plan: Winter 2027" in html
    assert client.get("/maps/plans/9").status_code == 404
    assert client.delete(f"/plans/{plan['id']}").status_code == 401
    assert client.delete(f"/plans/{plan['id']}", headers=PLANNER).status_code == 204
    assert client.get(f"/plans/{plan['id']}").status_code == 404
