"""``crs`` of a report's position, in the body or the query (issue 23): either place works,
both must agree; positions checked against eviltransform (an independent GCJ-02/BD-09)."""

from __future__ import annotations

from typing import Any

import eviltransform as ev
import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import KEY, PLANNER

WGS = (114.0579, 22.5431)  # Futian, Shenzhen: in mainland China, where GCJ-02 shifts


def _station(client: TestClient) -> None:
    body = {"id": "ft", "name": "福田驿站", "kind": "worker_station", "lon": WGS[0], "lat": WGS[1]}
    assert client.post("/stations", json=body, headers=KEY).status_code == 201


def _stored_wgs84(client: TestClient, report_id: int) -> list[float]:
    page = client.get("/reports", params={"crs": "wgs84"}, headers=PLANNER).json()
    (rep,) = [r for r in page["reports"] if r["id"] == report_id]
    return rep["position"]  # type: ignore[no-any-return]


@pytest.mark.parametrize("where", ["body", "query", "both"])
def test_report_crs_in_body_or_query(client: TestClient, where: str) -> None:
    _station(client)
    glat, glon = ev.wgs2gcj(WGS[1], WGS[0])
    body: dict[str, Any] = {"kind": "wrong_location", "lon": glon, "lat": glat}
    params = {}
    if where in ("body", "both"):
        body["crs"] = "gcj02"
    if where in ("query", "both"):
        params["crs"] = "gcj02"
    r = client.post("/stations/ft/reports", json=body, params=params, headers=PLANNER)
    assert r.status_code == 201, r.text
    assert r.headers["X-Coordinate-System"] == "gcj02"
    assert r.json()["position"] == pytest.approx([glon, glat], abs=1e-6)
    assert _stored_wgs84(client, r.json()["id"]) == pytest.approx(list(WGS), abs=1e-6)


def test_report_crs_in_body_and_query_differing_is_refused(client: TestClient) -> None:
    _station(client)
    body = {"kind": "wrong_location", "lon": WGS[0], "lat": WGS[1], "crs": "gcj02"}
    r = client.post("/stations/ft/reports", json=body, params={"crs": "bd09"})
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert "'gcj02' in the body" in detail and "'bd09' in the query" in detail
    page = client.get("/reports", headers=PLANNER).json()
    assert page["reports"] == []  # nothing was recorded
    # Aliases naming the same system agree.
    r = client.post("/stations/ft/reports", json=body, params={"crs": "amap"})
    assert r.status_code == 201, r.text


def test_report_unknown_body_crs_names_it(client: TestClient) -> None:
    _station(client)
    body = {"kind": "confirmed", "crs": "mercator"}
    r = client.post("/stations/ft/reports", json=body)
    assert r.status_code == 422 and "crs" in r.text
