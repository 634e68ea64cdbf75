"""The client's address for the rate limit: the connection's peer, X-Forwarded-For only from
the proxies the deployment names; `serve` does not let uvicorn trust it from loopback."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from starlette.requests import Request

from api.auth import client_address
from tests.serve import running_service


def _request(peer: str, *forwarded: str) -> Request:
    headers = [(b"x-forwarded-for", f.encode()) for f in forwarded]
    return Request({"type": "http", "client": (peer, 5000), "headers": headers})


@pytest.mark.parametrize(
    ("peer", "forwarded", "trusted", "client"),
    [
        ("198.51.100.7", ["6.6.6.6"], [], "198.51.100.7"),  # no proxies: the header is ignored
        ("198.51.100.7", ["6.6.6.6"], ["10.0.0.0/8"], "198.51.100.7"),  # peer is no proxy
        ("10.0.0.2", ["203.0.113.9"], ["10.0.0.0/8"], "203.0.113.9"),
        # A client's own spoofed entries come first; the proxy appends the real peer last.
        ("10.0.0.2", ["6.6.6.6, 203.0.113.9"], ["10.0.0.0/8"], "203.0.113.9"),
        ("10.0.0.2", ["6.6.6.6", "203.0.113.9, 10.0.0.5"], ["10.0.0.0/8"], "203.0.113.9"),
        ("10.0.0.2", ["not-an-ip"], ["10.0.0.0/8"], "10.0.0.2"),
        ("10.0.0.2", [], ["10.0.0.0/8"], "10.0.0.2"),
        ("::1", ["2001:db8::7"], ["::1"], "2001:db8::7"),
    ],
)
def test_client_address(peer: str, forwarded: list[str], trusted: list[str], client: str) -> None:
    assert client_address(_request(peer, *forwarded), trusted) == client


def _propose(url: str, spoofed: str) -> int:
    req = urllib.request.Request(
        f"{url}/proposals",
        data=json.dumps({"lon": 24.94, "lat": 60.17}).encode(),
        headers={"Content-Type": "application/json", "X-Forwarded-For": spoofed},
        method="POST",
    )
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return int(r.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def test_serve_ignores_spoofed_forwarded_for_from_loopback(tmp_path: Path) -> None:
    env = {
        "STATIONFINDER_DB": str(tmp_path / "s.sqlite"),
        "STATIONFINDER_REPORT_RATE_PER_HOUR": "3",
        "STATIONFINDER_NETWORK_PBF": "",
        "STATIONFINDER_CACHE_DIR": str(tmp_path / "cache"),
    }
    log = tmp_path / "serve.log"
    with running_service(env | {"STATIONFINDER_DATABASE_URL": ""}, log) as url:
        codes = [_propose(url, f"203.0.113.{i}") for i in range(4)]
    assert codes == [201, 201, 201, 429]  # one client (the loopback peer), whatever it claims
    assert f"serving the SQLite file {tmp_path / 's.sqlite'}" in log.read_text()
