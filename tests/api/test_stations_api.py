"""Stations and nearest endpoints through the test client: success, failure and auth."""

from __future__ import annotations

import pyproj
import pytest
from fastapi.testclient import TestClient

from api.schemas import StationCollection, StationFeature, StationPage
from geo.crs import convert
from tests.api.conftest import KEY

GEOD = pyproj.Geod(ellps="WGS84")
PROBLEM = "application/problem+json"


def test_health(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok", "stations": None}
    assert client.get("/readyz").json() == {"status": "ok", "stations": 4}


def test_list_and_filters(client: TestClient) -> None:
    r = client.get("/stations")
    assert r.status_code == 200
    page = StationPage.model_validate(r.json())
    assert [f.id for f in page.features] == ["fuel", "lib", "plan", "smart"]
    assert page.number_matched == 4

    def ids(params: dict[str, object]) -> list[str]:
        return [f["id"] for f in client.get("/stations", params=params).json()["features"]]

    assert ids({"kind": "driver_home"}) == ["fuel"]
    assert ids({"amenity": ["water", "charging"]}) == ["smart"]
    assert ids({"status": "planned"}) == ["plan"]
    assert ids({"q": "library"}) == ["lib"]
    assert ids({"bbox": "24.94,60.168,24.96,60.19"}) == ["lib", "plan", "smart"]
    assert ids({"limit": 2, "offset": 1}) == ["lib", "plan"]


def test_nearest_is_nearest_first_with_distances(client: TestClient) -> None:
    r = client.get("/nearest", params={"lat": 60.17, "lon": 24.94, "k": 3})
    assert r.status_code == 200
    fc = StationCollection.model_validate(r.json())
    assert [f.id for f in fc.features] == ["smart", "fuel", "lib"]  # 'plan' is not open
    for f in fc.features:
        x, y = f.geometry.coordinates[0], f.geometry.coordinates[1]
        want = GEOD.inv(24.94, 60.17, x, y)[2]
        assert f.properties.distance_m == pytest.approx(want, abs=0.001)


def test_nearest_in_gcj02_outside_china_is_unshifted(client: TestClient) -> None:
    a = client.get("/nearest", params={"lat": 60.17, "lon": 24.94, "k": 1}).json()
    b = client.get("/nearest", params={"lat": 60.17, "lon": 24.94, "k": 1, "crs": "gcj02"}).json()
    assert a["features"] == b["features"]
    assert (a["coord_system"], b["coord_system"]) == ("wgs84", "gcj02")  # each says its system


def test_nearest_open_at_and_amenity(client: TestClient) -> None:
    # Sunday 23:00 in Helsinki: the library (weekdays) is closed.
    p = {"lat": 60.184, "lon": 24.95, "k": 1, "open_at": "2026-11-22T23:00"}
    assert client.get("/nearest", params=p).json()["features"][0]["id"] == "smart"
    p["open_at"] = "2026-11-23T10:00"
    assert client.get("/nearest", params=p).json()["features"][0]["id"] == "lib"
    p = {"lat": 60.184, "lon": 24.95, "amenity": "truck_parking"}
    assert [f["id"] for f in client.get("/nearest", params=p).json()["features"]] == ["fuel"]
    p = {"lat": 60.184, "lon": 24.95, "radius": 100}
    assert client.get("/nearest", params=p).json()["features"][0]["id"] == "lib"
    assert len(client.get("/nearest", params=p).json()["features"]) == 1


@pytest.mark.parametrize(
    ("params", "where"),
    [
        ({"lat": 95, "lon": 24}, "lat"),
        ({"lat": 60, "lon": "east"}, "lon"),
        ({"lat": 60, "lon": 24, "k": 0}, "k"),
        ({"lat": 60, "lon": 24, "crs": "utm"}, "crs"),
        ({"lat": 60, "lon": 24, "kind": "spaceport"}, "kind"),
        ({"lat": 60, "lon": 24, "amenity": "jacuzzi"}, "amenity"),
        ({"lat": 60, "lon": 24, "open_at": "tomorrow"}, "open_at"),
        ({"lon": 24}, "lat"),
    ],
)
def test_nearest_bad_input_is_a_named_422(client: TestClient, params: dict, where: str) -> None:
    r = client.get("/nearest", params=params)
    assert r.status_code == 422
    assert r.headers["content-type"] == PROBLEM
    body = r.json()
    assert body["status"] == 422 and body["instance"] == "/nearest"
    assert where in body["detail"]


def test_page_beyond_64_bits_is_a_named_422(client: TestClient) -> None:
    # Found by schemathesis: SQLite raised OverflowError and the answer was a 500.
    r = client.get("/stations", params={"offset": 2**63})
    assert r.status_code == 422 and r.headers["content-type"] == PROBLEM
    assert f"offset={2**63}" in r.json()["detail"]


def test_get_missing_station_is_404(client: TestClient) -> None:
    r = client.get("/stations/nope")
    assert r.status_code == 404 and r.headers["content-type"] == PROBLEM
    assert "nope" in r.json()["detail"]


def test_writes_need_a_valid_key(client: TestClient) -> None:
    body = {"name": "New", "kind": "rider_station", "lon": 24.95, "lat": 60.17}
    assert client.post("/stations", json=body).status_code == 401
    assert client.post("/stations", json=body, headers={"X-API-Key": "wrong"}).status_code == 403
    assert client.delete("/stations/lib").status_code == 401
    assert (
        client.patch("/stations/lib", json={"name": "x"}, headers={"X-API-Key": "no"}).status_code
        == 403
    )
    assert client.get("/stations/lib").json()["properties"]["name"] == "Kallio Library"


def test_create_patch_delete_round_trip(client: TestClient) -> None:
    gx, gy = convert(116.404, 39.915, src="wgs84", dst="gcj02")
    body = {
        "id": "bj",
        "name": "东站",
        "kind": "worker_station",
        "lon": float(gx),
        "lat": float(gy),
        "amenities": ["water"],
        "opening_hours": "24/7",
    }
    r = client.post("/stations", json=body, params={"crs": "gcj02"}, headers=KEY)
    assert r.status_code == 201
    feat = StationFeature.model_validate(r.json())
    assert feat.geometry.coordinates[0] == pytest.approx(float(gx), abs=1e-6)
    wgs = client.get("/stations/bj").json()["geometry"]["coordinates"]
    assert wgs == pytest.approx([116.404, 39.915], abs=1e-6)
    assert client.post("/stations", json=body, headers=KEY).status_code == 409
    r = client.patch(
        "/stations/bj", json={"amenities": ["water", "toilet"], "status": "closed"}, headers=KEY
    )
    assert r.status_code == 200 and r.json()["properties"]["amenities"] == ["toilet", "water"]
    assert (
        client.patch("/stations/bj", json={"amenities": ["jacuzzi"]}, headers=KEY).status_code
        == 422
    )
    r = client.patch("/stations/bj", json={"opening_hours": None}, headers=KEY)
    assert r.status_code == 422 and "opening_hours: null" in r.json()["detail"]
    assert (
        client.patch(
            "/stations/bj", json={"lon": 1.0}, params={"crs": "bd09"}, headers=KEY
        ).status_code
        == 422
    )
    assert client.delete("/stations/bj", headers=KEY).status_code == 204
    assert client.get("/stations/bj").status_code == 404
    assert client.delete("/stations/bj", headers=KEY).status_code == 404


def test_create_rejects_bad_body(client: TestClient) -> None:
    r = client.post(
        "/stations", json={"name": "x", "kind": "castle", "lon": 1, "lat": 1}, headers=KEY
    )
    assert r.status_code == 422 and "kind" in r.json()["detail"]
    r = client.post(
        "/stations",
        json={
            "name": "x",
            "kind": "smart_station",
            "lon": 1,
            "lat": 1,
            "opening_hours": "whenever",
        },
        headers=KEY,
    )
    assert r.status_code == 422 and "opening_hours" in r.json()["detail"]


def test_import_upload_all_or_nothing(client: TestClient) -> None:
    good = "名称,经度,纬度,类型\n新站,24.951,60.171,骑士驿站\n"
    bad = good + "坏站,24.95,abc,骑士驿站\n"
    r = client.post("/stations/import", files={"file": ("s.csv", bad.encode())}, headers=KEY)
    assert r.status_code == 422 and r.headers["content-type"] == PROBLEM
    assert r.json()["errors"] == [{"row": 3, "column": "纬度", "reason": "not a number: 'abc'"}]
    assert client.get("/stations").json()["number_matched"] == 4
    r = client.post(
        "/stations/import",
        files={"file": ("s.csv", bad.encode())},
        data={"skip_invalid": "true"},
        headers=KEY,
    )
    assert r.status_code == 200 and r.json()["added"] == 1 and len(r.json()["skipped"]) == 1
    assert client.get("/stations").json()["number_matched"] == 5
    r = client.post("/stations/import", files={"file": ("s.pdf", b"%PDF")}, headers=KEY)
    assert r.status_code == 422 and "unsupported file type" in r.json()["detail"]
    assert client.post("/stations/import", files={"file": ("s.csv", b"x")}).status_code == 401


def test_frame_ancestors_header(client: TestClient) -> None:
    assert client.get("/healthz").headers["content-security-policy"] == "frame-ancestors 'self'"


def test_unknown_query_parameter_is_named(client: TestClient) -> None:
    # A typo must not silently drop a filter.
    r = client.get("/nearest", params={"lat": 60.17, "lon": 24.94, "amenty": "water"})
    assert r.status_code == 422 and r.headers["content-type"] == PROBLEM
    assert "'amenty'" in r.json()["detail"] and "amenity" in r.json()["detail"]
    assert client.get("/stations", params={"kinds": "driver_home"}).status_code == 422


def test_capacity_is_created_patched_cleared_and_validated(client: TestClient) -> None:
    body = {"name": "Seats", "kind": "rider_station", "lon": 24.94, "lat": 60.17, "capacity": 12}
    r = client.post("/stations", json=body, headers=KEY)
    assert r.status_code == 201 and r.json()["properties"]["capacity"] == 12
    sid = r.json()["id"]
    r = client.patch(f"/stations/{sid}", json={"capacity": 30.5}, headers=KEY)
    assert r.json()["properties"]["capacity"] == 30.5
    assert client.get(f"/stations/{sid}").json()["properties"]["capacity"] == 30.5
    r = client.patch(f"/stations/{sid}", json={"capacity": None}, headers=KEY)
    assert "capacity" not in r.json()["properties"]  # unknown again
    bad = client.patch(f"/stations/{sid}", json={"capacity": -1}, headers=KEY)
    assert bad.status_code == 422 and bad.headers["content-type"] == PROBLEM
    assert bad.json()["errors"][0]["loc"][-1] == "capacity"
