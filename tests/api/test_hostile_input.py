"""Hostile and out-of-range input: a 422 naming what is wrong, never a 500."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from api.deps import BBOX_PATTERN
from api.main import create_app
from api.settings import Settings

TIME_PARAMETERS = ("at", "open_at")


FULL_KEY = {"X-API-Key": "secret-key"}  # some routes with a time are for planners


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
    extra = {
        "/nearest": {"lat": "60.17", "lon": "24.94"},
        "/corridor": {
            "from_lon": "24.94",
            "from_lat": "60.17",
            "to_lon": "24.95",
            "to_lat": "60.18",
        },
        "/maps/stations/clusters": {"zoom": "12", "bbox": "24.9,60.1,25.0,60.2"},
    }
    for path, name in routes:
        r = client.get(path, params={name: when, **extra.get(path, {})}, headers=FULL_KEY)
        assert r.status_code == 422, (path, r.status_code, r.text[:300])
        assert r.headers["content-type"] == "application/problem+json"
        detail = r.json()["detail"]
        assert f"{name}=" in detail and "1901-01-01T00:00 to 9998-12-31T23:59:59" in detail, (
            path,
            detail,
        )


KEY = {"X-API-Key": "secret-key"}
STATION = {"name": "New", "kind": "worker_station", "lon": 24.94, "lat": 60.17}


@pytest.mark.parametrize("bad_id", ["a/b", "..", "x<img src=x onerror=alert(1)>", "a" * 129])
def test_unsafe_station_ids_are_422(client: TestClient, bad_id: str) -> None:
    r = client.post("/stations", json={**STATION, "id": bad_id}, headers=KEY)
    assert r.status_code == 422, r.text
    assert "column 'id'" in r.json()["detail"] and "ASCII letters" in r.json()["detail"]
    assert client.get("/stations").json()["number_matched"] == 4


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("name", "a\x00b", "control character U+0000"),
        ("address", "x" * 501, "at most 500 characters"),
        ("phone", "1\x1b[2J", "control character U+001B"),
    ],
)
def test_control_characters_and_long_text_are_422(
    client: TestClient, field: str, value: str, reason: str
) -> None:
    r = client.post("/stations", json={**STATION, field: value}, headers=KEY)
    assert r.status_code == 422 and field in r.text and reason in r.text, r.text
    r = client.patch("/stations/lib", json={field: value}, headers=KEY)
    assert r.status_code == 422 and field in r.text and reason in r.text, r.text


MALFORMED_UPLOADS = [
    ("stations.csv", b"", "the file is empty"),
    ("stations.xlsx", b"", "not an XLSX workbook"),
    ("stations.xlsx", b"PK\x03\x04 truncated", "not a whole ZIP archive"),
    ("stations.geojson", b'{"type": "FeatureCollection", "features": [', "not valid JSON"),
    ("a" * 300 + ".csv", b"name,lon,lat\n", "more than 255"),
    ("stations.exe", b"MZ", "unsupported file type '.exe'"),
]


@pytest.mark.parametrize(("file_name", "data", "reason"), MALFORMED_UPLOADS)
def test_malformed_uploads_are_422_naming_the_file(
    client: TestClient, file_name: str, data: bytes, reason: str
) -> None:
    r = client.post("/stations/import", files={"file": (file_name, data)}, headers=KEY)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    detail = r.json()["detail"]
    assert reason in detail and file_name[:4] in detail, detail
    assert "/tmp" not in r.text and "upload." not in r.text, r.text


def test_xlsx_upload_past_the_expansion_limit_is_422(settings: Settings, tmp_path: Path) -> None:
    from tests.geo.test_hostile_files import bomb

    path = tmp_path / "bomb.xlsx"
    bomb(path, padding_bytes=5_000_000)
    settings.max_upload_expanded_bytes = 1_000_000
    with TestClient(create_app(settings)) as client:
        r = client.post(
            "/stations/import", files={"file": ("bomb.xlsx", path.read_bytes())}, headers=KEY
        )
        assert r.status_code == 422, r.text
        assert r.json()["detail"].startswith("bomb.xlsx: the workbook unpacks to 5,0")
        assert "more than the 1,000,000 allowed" in r.json()["detail"]
        assert client.get("/stations").json()["number_matched"] == 4


@hypothesis_settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(bbox=st.from_regex(BBOX_PATTERN, fullmatch=True))
def test_every_bbox_the_schema_allows_is_accepted(client: TestClient, bbox: str) -> None:
    south, north = (float(v) for v in bbox.split(",")[1::2])
    r = client.get("/stations", params={"bbox": bbox, "status": "open"})
    if south <= north:
        assert r.status_code == 200, r.text
    else:  # the one rule a pattern cannot say
        assert r.status_code == 422 and r.json()["detail"].endswith("south > north")


@pytest.mark.parametrize("bbox", ["1e1,60,25,61", "nan,60,25,61", "24,60,25", "24,60,181,61"])
def test_bbox_outside_the_pattern_is_422(client: TestClient, bbox: str) -> None:
    r = client.get("/stations", params={"bbox": bbox})
    assert r.status_code == 422 and "bbox=" in r.json()["detail"]


@pytest.mark.parametrize(
    ("path", "body", "named"),
    [
        ("/suggest", {"k": 3, "candidates": None}, "candidates: null"),
        ("/suggest", {"k": None, "target_share": 0.5}, "k: null"),
        ("/suggest", {"k": 3, "double": 0}, "double"),
        ("/suggest", {"k": "3"}, "k"),
        ("/stations/lib/reports", {"kind": "closed", "lon": None, "lat": None}, "lat, lon: null"),
    ],
)
def test_bodies_the_schema_refuses_are_refused(
    client: TestClient, path: str, body: dict[str, object], named: str
) -> None:
    r = client.post(path, json=body, headers=KEY)
    assert r.status_code == 422 and named in r.json()["detail"], r.text


def test_offset_past_sql_integers_is_refused_by_the_schema(client: TestClient) -> None:
    doc = client.app.openapi()  # type: ignore[attr-defined]
    (offset,) = [p for p in doc["paths"]["/stations"]["get"]["parameters"] if p["name"] == "offset"]
    assert offset["schema"]["maximum"] == 2**63 - 1
    r = client.get("/stations", params={"offset": 2**63})
    assert r.status_code == 422 and f"offset={2**63}" in r.json()["detail"]
    assert client.get("/stations", params={"offset": 2**63 - 1}).json()["features"] == []
