"""Reports, proposals, review, history, rate limit and privacy through the test client."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.schemas import (
    HistoryEntryOut,
    ProposalAcceptOut,
    ProposalGroups,
    ProposalOut,
    ReportOut,
    ReportPage,
    StationCollection,
    StationFeature,
)
from api.settings import Settings
from tests.api.conftest import KEY, PLANNER

CONTACT = "rider@example.org 13800000000"
PROBLEM = "application/problem+json"


def _props(client: TestClient, sid: str) -> dict[str, Any]:
    r = client.get(f"/stations/{sid}")
    assert r.status_code == 200
    return r.json()["properties"]  # type: ignore[no-any-return]


def _report(client: TestClient, sid: str, body: dict[str, Any], **kw: Any) -> Any:
    return client.post(f"/stations/{sid}/reports", json=body, **kw)


# -- reports -------------------------------------------------------------------


def test_public_report_hides_contact_address_and_exact_position(client: TestClient) -> None:
    body = {"kind": "wrong_location", "lon": 24.95123, "lat": 60.18456, "contact": CONTACT}
    r = _report(client, "lib", body)
    assert r.status_code == 201 and r.headers["content-type"] == "application/json"
    out = ReportOut.model_validate(r.json())
    assert (out.station_id, out.kind, out.status) == ("lib", "wrong_location", "open")
    assert r.json()["position"] == [24.951, 60.185]
    assert set(r.json()) == {
        "id",
        "station_id",
        "kind",
        "status",
        "text",
        "hours",
        "hours_text",  # the rider's wording of the hours (public, as the hours are)
        "amenity",
        "position",
        "created_at",
        "receipt",
    }
    assert CONTACT not in r.text and "testclient" not in r.text
    # The planner sees everything, exactly.
    page = client.get("/reports", headers=KEY)
    assert page.status_code == 200
    full = ReportPage.model_validate(page.json()).reports[0]
    assert (full.contact, full.client, full.position) == (
        CONTACT,
        "testclient",
        [24.95123, 60.18456],
    )


@pytest.mark.parametrize(
    ("sid", "body", "status", "field"),
    [
        ("lib", {"kind": "gone"}, 422, "body.kind"),
        ("lib", {"kind": "full", "text": "x" * 501}, 422, "body.text"),
        ("lib", {"kind": "full", "colour": "red"}, 422, "body.colour"),
        ("lib", {"kind": "full", "lat": 91.0, "lon": 24.9}, 422, "body.lat"),
        ("lib", {"kind": "wrong_location"}, 422, "lon/lat"),
        ("lib", {"kind": "wrong_hours", "hours": "8 to 5"}, 422, "hours='8 to 5'"),
        ("lib", {"kind": "amenity_missing", "amenity": "spa"}, 422, "amenity='spa'"),
        ("lib", {"kind": "full", "lon": 24.9}, 422, "lon and lat"),
        ("nope", {"kind": "full"}, 404, "'nope'"),
    ],
)
def test_invalid_reports_are_4xx_naming_the_field(
    client: TestClient, sid: str, body: dict[str, Any], status: int, field: str
) -> None:
    r = _report(client, sid, body)
    assert r.status_code == status and r.headers["content-type"] == PROBLEM
    assert field in r.json()["detail"]
    assert r.json()["status"] == status and r.json()["instance"] == f"/stations/{sid}/reports"
    assert client.get("/reports", headers=KEY).json()["number_matched"] == 0


def test_review_needs_the_key(client: TestClient) -> None:
    rid = _report(client, "lib", {"kind": "full"}).json()["id"]
    for method, url in [
        ("get", "/reports"),
        ("post", f"/reports/{rid}/accept"),
        ("post", f"/reports/{rid}/reject"),
        ("get", "/proposals"),
        ("post", "/proposals/1/reject"),
    ]:
        assert client.request(method, url).status_code == 401
        r = client.request(method, url, headers={"X-API-Key": "wrong"})
        assert r.status_code == 403 and r.headers["content-type"] == PROBLEM


@pytest.mark.parametrize(
    ("body", "changed"),
    [
        ({"kind": "closed"}, {"status": "closed"}),
        ({"kind": "wrong_location", "lon": 24.9412, "lat": 60.1702}, {}),
        (
            {"kind": "wrong_hours", "hours": "Mo-Su 06:00-23:00"},
            {"opening_hours": "Mo-Su 06:00-23:00"},
        ),
        (
            {"kind": "amenity_missing", "amenity": "charging"},
            {"amenities": ["water"], "amenity_labels": ["Drinking water"]},  # labels follow
        ),
        ({"kind": "full"}, {}),
    ],
)
def test_accept_applies_exactly_the_report(
    client: TestClient, body: dict[str, Any], changed: dict[str, Any]
) -> None:
    before = client.get("/stations/smart").json()
    rid = _report(client, "smart", body).json()["id"]
    assert _props(client, "smart")["open_reports"] == 1
    r = client.post(f"/reports/{rid}/accept", json={"note": "seen"}, headers=PLANNER)
    assert r.status_code == 200
    done = ReportOut.model_validate(r.json())
    assert (done.status, done.resolved_by, done.resolution) == ("accepted", "planner-li", "seen")
    after = client.get("/stations/smart").json()
    props_before, props_after = dict(before["properties"]), dict(after["properties"])
    assert props_after.pop("last_verified") == done.resolved_at
    props_before.pop("last_verified")
    props_before.pop("updated_at"), props_after.pop("updated_at")
    assert props_after == props_before | changed | {"open_reports": 0}
    if body["kind"] == "wrong_location":
        assert after["geometry"]["coordinates"] == [24.9412, 60.1702]
    else:
        assert after["geometry"] == before["geometry"]
    hist = client.get("/stations/smart/history")
    assert hist.status_code == 200
    last = HistoryEntryOut.model_validate(hist.json()[-1])
    assert (last.actor, last.action, last.note) == (
        "planner-li",
        "update",
        f"report {rid} accepted: seen",
    )
    assert "last_verified" in last.changes
    again = client.post(f"/reports/{rid}/accept", headers=KEY)
    assert again.status_code == 409 and "accepted already" in again.json()["detail"]
    assert client.post(f"/reports/{rid}/reject", headers=KEY).status_code == 409


def test_reject_and_listing_filters(client: TestClient) -> None:
    a = _report(client, "lib", {"kind": "full"}).json()["id"]
    b = _report(client, "smart", {"kind": "closed"}).json()["id"]
    before = client.get("/stations/lib").json()
    r = client.post(f"/reports/{a}/reject", json={"note": "not full"}, headers=KEY)
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    assert client.get("/stations/lib").json() == before | {
        "properties": before["properties"] | {"open_reports": 0}
    }
    open_ = client.get("/reports", params={"status": "open"}, headers=KEY).json()
    assert [x["id"] for x in open_["reports"]] == [b]
    lib = client.get("/reports", params={"station_id": "lib"}, headers=KEY).json()
    assert [x["id"] for x in lib["reports"]] == [a]
    assert client.post("/reports/999/accept", headers=KEY).status_code == 404
    assert client.get("/reports", params={"status": "maybe"}, headers=KEY).status_code == 422


def test_concurrent_accepts_apply_once(client: TestClient) -> None:
    rid = _report(client, "lib", {"kind": "amenity_missing", "amenity": "wifi"}).json()["id"]
    with ThreadPoolExecutor(8) as pool:
        codes = list(
            pool.map(
                lambda _: client.post(f"/reports/{rid}/accept", headers=KEY).status_code, range(8)
            )
        )
    assert sorted(codes) == [200] + [409] * 7
    hist = client.get("/stations/lib/history").json()
    assert sum(h["note"].startswith(f"report {rid} ") for h in hist) == 1
    assert _props(client, "lib")["amenities"] == ["toilet", "water"]


def test_confirmation_and_exclude_reported_closed(client: TestClient) -> None:
    # One anonymous confirmation waits for a second client; a planner's verifies at once.
    r = _report(client, "smart", {"kind": "confirmed", "contact": CONTACT})
    assert r.status_code == 201 and r.json()["status"] == "open"
    assert _props(client, "smart")["last_verified"] == ""
    assert _props(client, "smart")["open_reports"] == 0  # a pending confirmation is no problem
    r = _report(client, "smart", {"kind": "confirmed"}, headers=PLANNER)
    assert r.status_code == 201 and r.json()["status"] == "accepted"
    verified = _props(client, "smart")["last_verified"]
    assert verified == r.json()["created_at"]
    _report(client, "smart", {"kind": "closed", "text": "boarded up"})
    near = {"lon": 24.941, "lat": 60.17, "k": 3}
    got = client.get("/nearest", params=near)
    fc = StationCollection.model_validate(got.json())
    assert [f.id for f in fc.features] == ["smart", "fuel", "lib"]
    assert [f["properties"]["open_reports"] for f in got.json()["features"]] == [1, 0, 0]
    assert got.json()["features"][0]["properties"]["last_verified"] == verified
    got = client.get("/nearest", params=near | {"exclude_reported_closed": True})
    assert [f["id"] for f in got.json()["features"]] == ["fuel", "lib"]
    listed = client.get("/stations", params={"exclude_reported_closed": "true"}).json()
    assert [f["id"] for f in listed["features"]] == ["fuel", "lib", "plan"]
    assert listed["number_matched"] == 3
    walk = client.get("/nearest", params=near | {"exclude_reported_closed": True, "mode": "walk"})
    assert walk.status_code == 200 and "smart" not in [f["id"] for f in walk.json()["features"]]
    # History is public, and names no submitter.
    hist = client.get("/stations/smart/history")
    assert [h["actor"] for h in hist.json()] == ["system", "planner-li"]
    assert CONTACT not in hist.text and "testclient" not in hist.text
    assert client.get("/stations/nope/history").status_code == 404


# -- abuse limits ----------------------------------------------------------------


@pytest.fixture
def strict(settings: Settings) -> Iterator[TestClient]:
    tight = settings.model_copy(update={"report_rate_per_hour": 3, "submission_max_bytes": 4096})
    with TestClient(create_app(tight)) as c:
        yield c


def test_rate_limit_per_client(strict: TestClient) -> None:
    ok = [_report(strict, "lib", {"kind": "full"}).status_code for _ in range(2)]
    ok.append(strict.post("/proposals", json={"lon": 24.94, "lat": 60.17}).status_code)
    assert ok == [201, 201, 201]  # reports and proposals share one bucket
    r = _report(strict, "lib", {"kind": "full"})
    assert r.status_code == 429 and r.headers["content-type"] == PROBLEM
    wait = int(r.headers["Retry-After"])
    assert 1 <= wait <= 1200  # one token in 3600 / 3 s
    assert r.json()["status"] == 429 and "3 submissions an hour" in r.json()["detail"]
    assert strict.post("/proposals", json={"lon": 24.94, "lat": 60.17}).status_code == 429
    # Invalid requests past the limit are refused before they are read.
    assert _report(strict, "lib", {"kind": "gone"}).status_code == 429
    # The planner key is not limited.
    assert [
        _report(strict, "lib", {"kind": "full"}, headers=KEY).status_code for _ in range(6)
    ] == [201] * 6
    assert strict.get("/reports", headers=KEY).json()["number_matched"] == 8


def test_body_size_limit(strict: TestClient) -> None:
    big = json.dumps({"kind": "full", "text": "\U0001f6b2" * 400})  # 400 chars, 4.8 kB escaped
    r = strict.post(
        "/stations/lib/reports", content=big, headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 413 and r.headers["content-type"] == PROBLEM
    assert "4096 bytes" in r.json()["detail"]
    assert strict.get("/reports", headers=KEY).json()["number_matched"] == 0


# -- proposals -------------------------------------------------------------------

SUPERMARKET = (24.9452, 60.1688)


def _propose(client: TestClient, lon: float, lat: float, **extra: Any) -> Any:
    r = client.post("/proposals", json={"lon": lon, "lat": lat, **extra})
    assert r.status_code == 201, r.text
    return r.json()


def test_proposals_grouped_ranked_and_private(client: TestClient) -> None:
    x, y = SUPERMARKET
    first = _propose(client, x, y, proposer="rider-1", contact=CONTACT, note="near the shop")
    assert first["position"] == [round(x, 3), round(y, 3)]
    assert {"proposer", "contact", "client"}.isdisjoint(first)
    ProposalOut.model_validate(first)
    _propose(client, x + 0.0005, y, proposer="rider-1", kind="rider_station")  # 28 m east
    _propose(client, x + 0.0010, y, proposer="rider-2", amenities=["water"])
    _propose(client, 24.9800, 60.2000, proposer="rider-3")  # far off
    r = client.get("/proposals", headers=KEY)
    assert r.status_code == 200
    out = ProposalGroups.model_validate(r.json())
    assert out.standard == "walk" and out.group_m == 150.0
    groups = r.json()["features"]
    by_id = {g["id"]: g["properties"] for g in groups}
    assert by_id["1"]["proposal_ids"] == [1, 2, 3] and by_id["1"]["proposers"] == 2
    assert by_id["1"]["kind"] == "rider_station" and by_id["1"]["amenities"] == ["water"]
    assert by_id["4"]["proposal_ids"] == [4] and by_id["4"]["proposers"] == 1
    assert [g["properties"]["rank"] for g in groups] == [1, 2]
    keys = [(-g["properties"]["gain"], -g["properties"]["proposers"], int(g["id"])) for g in groups]
    assert keys == sorted(keys)
    member = by_id["1"]["proposals"][0]
    assert (member["contact"], member["client"], member["position"]) == (
        CONTACT,
        "testclient",
        [x, y],
    )
    tight = client.get("/proposals", params={"group_m": 20}, headers=KEY).json()
    assert len(tight["features"]) == 4
    # The centroids are candidates for /suggest.
    cands = [
        {
            "id": f"group-{g['id']}",
            "lon": g["geometry"]["coordinates"][0],
            "lat": g["geometry"]["coordinates"][1],
        }
        for g in groups
    ]
    s = client.post("/suggest", json={"k": 1, "candidates": cands, "method": "greedy"})
    assert s.status_code == 200
    if s.json()["features"]:
        assert s.json()["features"][0]["properties"]["gain"] == pytest.approx(
            groups[0]["properties"]["gain"]
        )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"lon": 24.9}, "body.lat"),
        ({"lon": 24.9, "lat": 60.1, "kind": "castle"}, "body.kind"),
        ({"lon": 24.9, "lat": 60.1, "amenities": ["spa"]}, "amenities='spa'"),
        ({"lon": 24.9, "lat": 60.1, "note": "n" * 501}, "body.note"),
        ({"lon": "24.9", "lat": 60.1}, "body.lon"),
    ],
)
def test_invalid_proposals(client: TestClient, body: dict[str, Any], field: str) -> None:
    r = client.post("/proposals", json=body)
    assert r.status_code == 422 and field in r.json()["detail"]
    assert client.get("/proposals", headers=KEY).json()["features"] == []


def test_accept_proposal_creates_a_planned_station(client: TestClient) -> None:
    x, y = SUPERMARKET
    _propose(client, x, y, kind="rider_station", amenities=["water"])
    _propose(client, x + 0.0010, y, amenities=["charging"])
    _propose(client, 24.9800, 60.2000)
    body = {"name": "Supermarket rider station", "station_id": "hel-101"}
    r = client.post("/proposals/2/accept", json=body, headers=PLANNER)
    assert r.status_code == 201
    out = ProposalAcceptOut.model_validate(r.json())
    assert out.proposal_ids == [1, 2]
    station = StationFeature.model_validate(client.get("/stations/hel-101").json())
    assert station.properties.status == "planned" and station.properties.kind == "rider_station"
    assert station.properties.amenities == ["charging", "water"]
    assert station.geometry.coordinates[0] == pytest.approx(x + 0.0005, abs=1e-6)
    hist = client.get("/stations/hel-101/history").json()
    assert [(h["action"], h["actor"]) for h in hist] == [("add", "planner-li")]
    assert client.post("/proposals/1/accept", json=body, headers=KEY).status_code == 409
    clash = client.post("/proposals/3/accept", json=body, headers=KEY)
    assert clash.status_code == 409 and "exists already" in clash.json()["detail"]
    remaining = client.get("/proposals", headers=KEY).json()["features"]
    assert [g["properties"]["proposal_ids"] for g in remaining] == [[3]]
    r = client.post("/proposals/3/reject", json={"note": "private land"}, headers=KEY)
    assert r.status_code == 200 and r.json() == {"proposal_ids": [3]}
    assert client.get("/proposals", headers=KEY).json()["features"] == []
    assert client.post("/proposals/99/reject", headers=KEY).status_code == 404
    missing_name = client.post("/proposals/3/accept", json={}, headers=KEY)
    assert missing_name.status_code == 422 and "body.name" in missing_name.json()["detail"]
