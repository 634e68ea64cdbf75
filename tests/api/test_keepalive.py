"""Error responses keep a keep-alive connection usable: a real server, one client connection."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator

import pytest

from tests.api.conftest import SEED
from tests.serve import running_service

JSON = {"Content-Type": "application/json"}
KEY = {"X-API-Key": "secret-key"}
BIG_NOTE = json.dumps({"lon": 24.94, "lat": 60.17, "note": "n" * 70_000})

# (method, path, body, headers, expected status): each an error a client can cause.
ERRORS = [
    ("GET", "/nearest?lat=60.17&lon=24.94&open_at=0001-01-01T00:00%2B14:00", None, {}, 422),
    ("GET", "/coverage?at=9999-12-31T23:59-14:00", None, {}, 422),
    ("GET", "/stations/nope", None, {}, 404),
    ("DELETE", "/healthz", None, {}, 405),
    ("POST", "/stations", json.dumps({"name": "x"}), JSON, 401),
    ("POST", "/stations", json.dumps({"name": "x"}), {**JSON, "X-API-Key": "wrong"}, 403),
    ("POST", "/stations", "{not json", {**JSON, **KEY}, 422),
    ("POST", "/stations", json.dumps({"id": "../x", "name": "x", "kind": "worker_station",
                                      "lon": 24.94, "lat": 60.17}), {**JSON, **KEY}, 422),
    ("POST", "/proposals", BIG_NOTE, JSON, 413),
    ("POST", "/stations/import", "x" * 1000,
     {"Content-Type": "multipart/form-data; boundary=zz", **KEY}, 400),
]  # fmt: skip


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    tmp = tmp_path_factory.mktemp("keepalive")
    (tmp / "seed.csv").write_text(SEED, encoding="utf-8")
    env = {
        "STATIONFINDER_SETTINGS_FILE": "/dev/null",
        "STATIONFINDER_DB": str(tmp / "r.sqlite"),
        "STATIONFINDER_SEED_STATIONS": str(tmp / "seed.csv"),
        "STATIONFINDER_API_KEYS": "secret-key",
        "STATIONFINDER_CACHE_DIR": str(tmp / "cache"),
    }
    with running_service(env, tmp / "server.log") as url:
        host, port = url.removeprefix("http://").split(":")
        yield host, int(port)


@pytest.mark.parametrize(("method", "path", "body", "headers", "status"), ERRORS)
def test_error_then_success_on_one_connection(
    server: tuple[str, int],
    method: str,
    path: str,
    body: str | None,
    headers: dict[str, str],
    status: int,
) -> None:
    conn = http.client.HTTPConnection(*server, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers)
        first = conn.getresponse()
        first.read()
        assert first.status == status
        assert first.getheader("Content-Type") == "application/problem+json"
        assert (first.getheader("Connection") or "").lower() != "close"
        sock = conn.sock
        assert sock is not None  # http.client closes its socket when the server says close
        conn.request("GET", "/stations/lib")
        second = conn.getresponse()
        assert second.status == 200 and json.loads(second.read())["id"] == "lib"
        assert conn.sock is sock  # the same connection, not a silent reconnect
    finally:
        conn.close()
