"""Every write route with no key, a wrong key, a malformed key and a key of each role (issue 21):
401, 403, 403 and allowed or 403 by role; allowed writes are recorded with the key's name."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.auth import Role, parse_keys
from tests.api.conftest import ADMIN, KEY, PLANNER

NEW = {"name": "Role test hut", "kind": "worker_station", "lon": 24.94, "lat": 60.17}
CSV = "id,name,kind,lon,lat\nimp-1,Imported,worker_station,24.93,60.16\n"


def _report(client: TestClient) -> int:
    return int(client.post("/stations/lib/reports", json={"kind": "full"}).json()["id"])


def _proposal(client: TestClient) -> int:
    return int(client.post("/proposals", json={"lon": 24.9452, "lat": 60.1688}).json()["id"])


# Each route: (role needed, a function making the request with the given headers).
Call = Callable[[TestClient, dict[str, Any]], Any]
ROUTES: dict[str, tuple[Role, Call]] = {
    "POST /stations": (
        Role.PLANNER,
        lambda c, h: c.post("/stations", json=NEW | {"id": "role-hut"}, headers=h),
    ),
    "PATCH /stations/{id}": (
        Role.PLANNER,
        lambda c, h: c.patch("/stations/smart", json={"name": "Renamed"}, headers=h),
    ),
    "DELETE /stations/{id}": (Role.ADMIN, lambda c, h: c.delete("/stations/fuel", headers=h)),
    "POST /stations/import": (
        Role.ADMIN,
        lambda c, h: c.post(
            "/stations/import", files={"file": ("s.csv", io.BytesIO(CSV.encode()))}, headers=h
        ),
    ),
    "GET /reports": (Role.PLANNER, lambda c, h: c.get("/reports", headers=h)),
    "POST /reports/{id}/accept": (
        Role.PLANNER,
        lambda c, h: c.post(f"/reports/{_report(c)}/accept", headers=h),
    ),
    "POST /reports/{id}/reject": (
        Role.PLANNER,
        lambda c, h: c.post(f"/reports/{_report(c)}/reject", headers=h),
    ),
    "GET /proposals": (Role.PLANNER, lambda c, h: c.get("/proposals", headers=h)),
    "POST /proposals/{id}/accept": (
        Role.PLANNER,
        lambda c, h: c.post(f"/proposals/{_proposal(c)}/accept", json={"name": "P"}, headers=h),
    ),
    "POST /proposals/{id}/reject": (
        Role.PLANNER,
        lambda c, h: c.post(f"/proposals/{_proposal(c)}/reject", headers=h),
    ),
}
WRONG_KEYS = {
    "wrong": {"X-API-Key": "not-a-key"},
    "non-ascii": {"X-API-Key": "秘密-li-secret".encode()},
    "latin-1": {"X-API-Key": "li-secret\xe9".encode("latin-1")},
    "name instead of secret": {"X-API-Key": "planner-li"},
    "whole entry": {"X-API-Key": "planner-li:planner:li-secret"},
}


@pytest.mark.parametrize("route", ROUTES)
def test_no_key_is_401(client: TestClient, route: str) -> None:
    r = ROUTES[route][1](client, {})
    assert r.status_code == 401 and r.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("wrong", WRONG_KEYS)
@pytest.mark.parametrize("route", ROUTES)
def test_wrong_or_malformed_key_is_403(client: TestClient, route: str, wrong: str) -> None:
    r = ROUTES[route][1](client, WRONG_KEYS[wrong])
    assert r.status_code == 403 and r.json()["detail"] == "the API key is not valid"


@pytest.mark.parametrize(
    ("who", "headers", "role", "name"),
    [
        ("planner", PLANNER, Role.PLANNER, "planner-li"),
        ("admin", ADMIN, Role.ADMIN, "ops"),
        ("unnamed full key", KEY, Role.ADMIN, "key-1"),
    ],
)
@pytest.mark.parametrize("route", ROUTES)
def test_each_role(
    client: TestClient, route: str, who: str, headers: dict[str, str], role: Role, name: str
) -> None:
    need, request = ROUTES[route]
    r = request(client, headers)
    if role is Role.PLANNER and need is Role.ADMIN:
        assert r.status_code == 403
        assert r.json()["detail"] == (
            "this endpoint needs a key with the admin role; key 'planner-li' is a planner key"
        )
        return
    assert r.status_code in (200, 201, 204), r.text
    # The write is recorded with the key's name, never "system".
    touched = {
        "POST /stations": "role-hut",
        "PATCH /stations/{id}": "smart",
        "DELETE /stations/{id}": "fuel",
        "POST /stations/import": "imp-1",
        "POST /reports/{id}/accept": "lib",
        "POST /proposals/{id}/accept": "proposal-1",
    }.get(route)
    if touched is not None:
        history = client.get(f"/stations/{touched}/history").json()
        assert history[-1]["actor"] == name


def test_key_entries_parse_to_names_and_roles() -> None:
    keys = parse_keys(("li:planner:s1", "ops:admin:s2", "ci:s3:with:colons", "plain"))
    assert [(k.name, k.role, k.secret) for k in keys] == [
        ("li", Role.PLANNER, b"s1"),
        ("ops", Role.ADMIN, b"s2"),
        ("ci", Role.ADMIN, b"s3:with:colons"),
        ("key-4", Role.ADMIN, b"plain"),
    ]


def test_a_valid_key_on_a_public_route_is_a_planner(client: TestClient) -> None:
    """Public routes take a key optionally: a malformed one is simply anonymous, never a 500."""
    body = {"kind": "full", "contact": "13800000000"}
    anonymous = client.post(
        "/stations/lib/reports", json=body, headers={"X-API-Key": "秘密".encode()}
    )
    assert anonymous.status_code == 201 and "contact" not in anonymous.json()
    keyed = client.post("/stations/lib/reports", json=body, headers=PLANNER)
    assert keyed.status_code == 201 and keyed.json()["contact"] == "13800000000"
