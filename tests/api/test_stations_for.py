"""The stations a region counts at a time (``Service.stations_for``, numpy masks over arrays held
per registry version) against a brute-force filter: station by station, its hours read with
``is_open``, its closures read one by one, its kind compared."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
import shapely

from api.service import Service
from api.settings import Settings
from geo.closures import Closures
from geo.hours import is_open
from geo.regions import Region, RegionCatalog, RegionSpec, region_stations
from geo.stations import StationStore, open_store
from geo.types import Kind, Station, Status

TZ = "Asia/Shanghai"
BOUNDARY = shapely.box(114.02, 22.52, 114.08, 22.58)
HOURS = ["24/7", "Mo-Fr 08:00-18:00", "", "Sa,Su 10:00-16:00", "Mo-Su 07:00-22:00"]
TIMES = [
    None,
    datetime(2026, 9, 7, 10, 0, tzinfo=UTC),  # a Monday, 18:00 in Shanghai
    datetime(2026, 9, 12, 3, 0, tzinfo=UTC),  # a Saturday, 11:00 in Shanghai
    datetime(2026, 9, 9, 18, 0),  # naive: the registry's time zone, 02:00 on a Thursday
]
KINDS = [(), ("worker_station",), ("driver_home", "smart_station")]


def _seed(store: StationStore) -> Closures:
    rng = np.random.default_rng(15)
    kinds, statuses = list(Kind), [Status.OPEN] * 8 + [Status.PLANNED, Status.CLOSED]
    store.add(
        [
            Station(
                f"s{i:03d}",
                f"Station {i}",
                kinds[int(rng.integers(len(kinds)))],
                float(rng.uniform(114.0, 114.1)),
                float(rng.uniform(22.5, 22.6)),
                opening_hours=HOURS[int(rng.integers(len(HOURS)))],
                status=statuses[int(rng.integers(len(statuses)))],
            )
            for i in range(300)
        ]
    )
    closures = Closures(store)
    base = datetime(2026, 9, 1, tzinfo=UTC)
    for i in rng.choice(300, size=60, replace=False):
        since = base + timedelta(days=int(rng.integers(0, 12)))
        ends = int(rng.integers(0, 4))  # 0: until reopened; else a few days
        until = None if ends == 0 else since + timedelta(days=ends)
        closures.close(f"s{i:03d}", since=since, until=until, reason="typhoon")
    return closures


def _closed(closures: Closures, station_id: str, at: datetime) -> bool:
    """Brute force: is one of the station's closures running at ``at``?"""
    stamp = at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return any(
        c.since[:19] <= stamp and (not c.until or stamp < c.until[:19])
        for c in closures.of_station(station_id)
    )


def _old_digest(picked: list[Station]) -> str:
    h = hashlib.sha1()
    for s in picked:
        h.update(s.id.encode() + b"\0")
    return h.hexdigest()


@pytest.fixture
def service(tmp_path: Path) -> Service:
    settings = Settings(_env_file=None, db=tmp_path / "s.sqlite", cache_dir=tmp_path / "c")  # type: ignore[call-arg]
    store = open_store(tmp_path / "s.sqlite", tz=TZ)
    _seed(store)
    return Service(settings, store, RegionCatalog([]))


def _region() -> Region:
    spec = RegionSpec("r", "R", "none.graphml", tz=TZ)
    return Region(spec, None, BOUNDARY, {}, None, "none.graphml")  # type: ignore[arg-type]


def _brute(
    service: Service, reach_m: float, at: datetime | None, kind: tuple[str, ...]
) -> list[str]:
    when = service.instant(at)
    return [
        s.id
        for s in region_stations(service.registry, BOUNDARY, reach_m=reach_m)
        if (at is None or is_open(s.opening_hours, at, tz=TZ))
        and not _closed(service.closures, s.id, when)
        and (not kind or str(s.kind) in kind)
    ]


@pytest.mark.parametrize("reach_m", [0.0, 800.0])
def test_stations_for_equals_a_brute_force_filter(service: Service, reach_m: float) -> None:
    region = _region()
    seen = set()
    for at in TIMES:
        for kind in KINDS:
            got = service.stations_for(region, reach_m=reach_m, at=at, kind=kind)
            found = region_stations(service.registry, BOUNDARY, reach_m=reach_m)
            assert [s.id for s in got.stations] == [s.id for s in found]
            want = _brute(service, reach_m, at, kind)
            picked = got.picked()
            assert [s.id for s in picked] == want
            ids, lon, lat = got.arrays()
            assert ids == want
            assert lon == [s.lon for s in picked] and lat == [s.lat for s in picked]
            assert got.state == _old_digest(picked)
            seen.add(len(want))
    assert len(seen) >= 6 and max(seen) > 0  # the filters really cut, differently per case


def test_a_write_or_a_closure_is_seen_at_once(service: Service) -> None:
    region, at = _region(), datetime(2026, 9, 7, 10, 0, tzinfo=UTC)
    before = service.stations_for(region, reach_m=0.0, at=at, kind=("driver_home",))
    service.registry.add(
        Station("new", "New", Kind.DRIVER_HOME, 114.05, 22.55, opening_hours="24/7")
    )
    after = service.stations_for(region, reach_m=0.0, at=at, kind=("driver_home",))
    assert [s.id for s in after.picked()] == sorted([*(s.id for s in before.picked()), "new"])
    service.closures.close("new", since=at - timedelta(hours=1), until=at + timedelta(hours=1))
    closed = service.stations_for(region, reach_m=0.0, at=at, kind=("driver_home",))
    assert [s.id for s in closed.picked()] == [s.id for s in before.picked()]
    assert closed.state == before.state != after.state
    assert _brute(service, 0.0, at, ("driver_home",)) == [s.id for s in closed.picked()]
