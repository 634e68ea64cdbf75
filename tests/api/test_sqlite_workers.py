"""Two `serve` processes on one SQLite file: a station written through one is answered by the
other at once, and the submission limit counts both."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack

import pytest

from tests.api.test_postgis_workers import call
from tests.serve import running_service

KEY = "lite-key"


@pytest.fixture(scope="module")
def workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    tmp = tmp_path_factory.mktemp("lite")
    env = {
        "STATIONFINDER_DATABASE_URL": "",
        "STATIONFINDER_DB": str(tmp / "shared.sqlite"),
        "STATIONFINDER_API_KEYS": f"lite-admin:admin:{KEY}",
        "STATIONFINDER_NETWORK_PBF": "",
        "STATIONFINDER_CACHE_DIR": str(tmp / "cache"),
        "STATIONFINDER_REPORT_RATE_PER_HOUR": "3",
    }
    with ExitStack() as stack:
        one = stack.enter_context(running_service(env, tmp / "one.log"))
        two = stack.enter_context(running_service(env, tmp / "two.log"))
        yield one, two


def test_writes_through_one_are_read_through_the_other(workers: tuple[str, str]) -> None:
    one, two = workers
    before = call("GET", f"{two}/readyz")[1]["stations"]
    for i in range(5):
        lon, lat = 24.90 + 0.01 * i, 60.21
        station = {"id": f"lite-{i}", "name": f"Hut {i}", "kind": "smart_station", "lon": lon,
                   "lat": lat, "opening_hours": "24/7"}  # fmt: skip
        writer, reader = (one, two) if i % 2 == 0 else (two, one)
        assert call("POST", f"{writer}/stations", station, key=KEY)[0] == 201
        status, near = call("GET", f"{reader}/nearest?lon={lon}&lat={lat}&k=1")
        assert status == 200 and near["features"][0]["id"] == f"lite-{i}"
    for url in workers:
        assert call("GET", f"{url}/readyz")[1]["stations"] == before + 5
    assert call("DELETE", f"{two}/stations/lite-0", key=KEY)[0] == 204
    near = call("GET", f"{one}/nearest?lon=24.90&lat=60.21&k=1")[1]
    assert near["features"][0]["id"] != "lite-0"


def test_the_limit_counts_submissions_through_both(workers: tuple[str, str]) -> None:
    body = {"lon": 24.94, "lat": 60.17}
    codes = [call("POST", f"{workers[i % 2]}/proposals", body, key=None)[0] for i in range(4)]
    assert codes == [201, 201, 201, 429]
