"""Hostile and out-of-range input: a 422 naming what is wrong, never a 500."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

TIME_PARAMETERS = ("at", "open_at")


def time_routes(client: TestClient) -> list[tuple[str, str]]:
    """Every GET route of the OpenAPI document that takes a time, with the parameter's name."""
    found = []
    for path, ops in client.app.openapi()["paths"].items():  # type: ignore[attr-defined]
        for p in ops.get("get", {}).get("parameters", []):
            if p["name"] in TIME_PARAMETERS and "{" not in path:
                found.append((path, p["name"]))
    return found


@pytest.mark.parametrize("when", ["0001-01-01T00:00+14:00", "9999-12-31T23:59-14:00", "9999-06-01"])
def test_out_of_range_times_are_422_naming_parameter_and_range(
    client: TestClient, when: str
) -> None:
    routes = time_routes(client)
    # The stations, nearest, coverage, gaps and the three map pages take a time.
    assert len(routes) >= 7, routes
    extra = {"/nearest": {"lat": "60.17", "lon": "24.94"}}
    for path, name in routes:
        r = client.get(path, params={name: when, **extra.get(path, {})})
        assert r.status_code == 422, (path, r.status_code, r.text[:300])
        assert r.headers["content-type"] == "application/problem+json"
        detail = r.json()["detail"]
        assert f"{name}=" in detail and "1901-01-01T00:00 to 9998-12-31T23:59:59" in detail, (
            path,
            detail,
        )
