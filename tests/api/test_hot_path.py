"""The /nearest hot path: the same contract as the response model, headers on every answer."""

from __future__ import annotations

import inspect
import threading

import pytest
from fastapi.testclient import TestClient
from starlette.middleware.base import BaseHTTPMiddleware

from api.deps import crs_param, filter_params, get_service, reject_unknown_query
from api.fast_json import without_none
from api.lang import lang_param
from api.loop_schemas import NearestCollection

CSP = "frame-ancestors 'self'"


@pytest.mark.parametrize(
    "extra",
    [{}, {"crs": "gcj02", "lang": "zh"}, {"at": "2026-05-01T23:00", "kind": "driver_home"}],
)
def test_nearest_body_is_exactly_what_the_model_would_send(
    client: TestClient, extra: dict[str, str]
) -> None:
    r = client.get("/nearest", params={"lat": 60.17, "lon": 24.94, "k": 3, **extra})
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    assert r.headers["x-coordinate-system"] == extra.get("crs", "wgs84")
    body = r.json()
    # what FastAPI's own validation and encoding would have produced from the same data
    assert NearestCollection.model_validate(body).model_dump(mode="json", exclude_none=True) == body
    want = ["fuel"] if "kind" in extra else ["smart", "fuel", "lib"]
    assert [f["id"] for f in body["features"]] == want


def test_nearest_counts_open_reports_of_the_returned_stations(client: TestClient) -> None:
    for sid, kind in [("smart", "full"), ("smart", "closed"), ("lib", "full")]:
        assert client.post(f"/stations/{sid}/reports", json={"kind": kind}).status_code == 201
    got = client.get("/nearest", params={"lat": 60.17, "lon": 24.94, "k": 2}).json()
    assert {f["id"]: f["properties"]["open_reports"] for f in got["features"]} == {
        "smart": 2,
        "fuel": 0,
    }


def test_frame_policy_is_a_plain_asgi_middleware_on_every_response(client: TestClient) -> None:
    assert not any(m.cls is BaseHTTPMiddleware for m in client.app.user_middleware)  # type: ignore[attr-defined]
    for path, status in [
        ("/nearest?lat=60.17&lon=24.94", 200),
        ("/nearest?lat=91&lon=24.94", 422),
        ("/stations/nope", 404),
        ("/healthz", 200),
    ]:
        r = client.get(path)
        assert r.status_code == status and r.headers["content-security-policy"] == CSP, path
        assert len(r.headers.get_list("content-security-policy")) == 1


def test_cheap_dependencies_of_nearest_skip_the_thread_pool() -> None:
    # FastAPI runs a plain `def` dependency in its thread pool: one hop each per request.
    for dep in (get_service, crs_param, reject_unknown_query, filter_params, lang_param):
        assert inspect.iscoroutinefunction(dep), dep.__name__


@pytest.mark.parametrize(
    ("value", "want"),
    [
        ({"a": None, "b": 1}, {"b": 1}),
        ({"a": [None, 1, ("x", None)]}, {"a": [None, 1, ["x", None]]}),
        ({"a": {"b": None, "c": [{"d": None}]}}, {"a": {"c": [{}]}}),
        ((1, "x"), [1, "x"]),
        ([{"a": None}, 2], [{}, 2]),
        ({}, {}),
        (None, None),
        ("s", "s"),
    ],
)
def test_without_none_drops_none_members_of_dicts_only(value: object, want: object) -> None:
    got = without_none(value)
    assert got == want and type(got) is type(want)


def test_without_none_gives_back_what_has_nothing_to_drop() -> None:
    plain = {"a": 1, "b": "x"}
    strings = ["a", "b"]
    assert without_none(plain) is plain and without_none(strings) is strings


def test_a_write_holding_the_registry_does_not_stall_the_server(client: TestClient) -> None:
    # /nearest is answered on the event loop only when that cannot wait: here a write holds
    # the store, so it waits in a thread, and /healthz is answered meanwhile
    store = client.app.state.service.registry  # type: ignore[attr-defined]
    client.get("/nearest", params={"lat": 60.17, "lon": 24.94})  # loaded and current
    holding, release = threading.Event(), threading.Event()
    events: list[str] = []

    def write() -> None:
        with store.transaction():
            holding.set()
            release.wait(timeout=30)  # a failsafe only: the test releases it
            events.append("released")

    def ask_nearest() -> None:
        r = client.get("/nearest", params={"lat": 60.17, "lon": 24.94, "k": 1})
        events.append(f"nearest {r.status_code}")

    writer = threading.Thread(target=write)
    writer.start()
    holding.wait()
    asker = threading.Thread(target=ask_nearest)
    asker.start()
    asker.join(timeout=0.5)  # /nearest has reached the store and waits on its lock
    r = client.get("/healthz")
    events.append(f"healthz {r.status_code}")
    release.set()
    writer.join()
    asker.join()
    assert events == ["healthz 200", "released", "nearest 200"]
