"""Registry queries against brute force with pyproj.Geod, filters, writes and index consistency."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyproj
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule

from geo import ConflictError, InvalidInputError, Kind, NotFoundError, Station, Status
from geo.crs import convert
from geo.stations import StationFilter, StationStore, open_store

GEOD = pyproj.Geod(ellps="WGS84")


def random_stations(rng: np.random.Generator, n: int) -> list[Station]:
    """Stations over the globe, half of them packed around UTM zone boundaries."""
    half = n // 2
    lon = np.concatenate(
        [
            rng.uniform(-180, 180, half),
            rng.integers(-30, 30, n - half) * 6 + rng.normal(0, 0.05, n - half),
        ]
    )
    lon = (lon + 180) % 360 - 180
    lat = np.concatenate(
        [
            np.degrees(np.arcsin(rng.uniform(-0.99, 0.99, half))),
            rng.uniform(-60, 60, n - half),
        ]
    )
    kinds = list(Kind)
    return [
        Station(
            f"s{i:05d}",
            f"Station {i}",
            kinds[i % len(kinds)],
            float(x),
            float(y),
            amenities=("water",) if i % 3 else ("water", "toilet"),
            opening_hours="24/7" if i % 4 == 0 else "Mo-Fr 08:00-18:00",
            status=Status.OPEN if i % 10 else Status.CLOSED,
        )
        for i, (x, y) in enumerate(zip(lon, lat, strict=True))
    ]


@pytest.fixture(scope="module")
def world(make_registry: Callable[..., Any]) -> tuple[StationStore, list[Station]]:
    """3,000 stations in each backend (the tests using it run against both)."""
    rng = np.random.default_rng(7)
    stations = random_stations(rng, 3000)
    reg = make_registry()
    reg.add(stations)
    return reg, stations


def brute(stations: list[Station], x: float, y: float) -> tuple[np.ndarray, np.ndarray]:
    lon = np.array([s.lon for s in stations])
    lat = np.array([s.lat for s in stations])
    _, _, d = GEOD.inv(np.full(lon.size, x), np.full(lon.size, y), lon, lat)
    return np.asarray(d), np.array([s.id for s in stations])


def query_points(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    x = np.concatenate([rng.uniform(-180, 180, n // 2), rng.integers(-30, 30, n - n // 2) * 6.0])
    y = np.concatenate(
        [np.degrees(np.arcsin(rng.uniform(-1, 1, n // 2))), rng.uniform(-60, 60, n - n // 2)]
    )
    return (x + 180) % 360 - 180, y


def test_nearest_k_equals_brute_force(world: tuple[StationStore, list[Station]]) -> None:
    reg, stations = world
    rng = np.random.default_rng(1)
    qx, qy = query_points(rng, 2000)
    open_st = [s for s in stations if s.status is Status.OPEN]
    hits = reg.nearest_many(qx, qy, k=5)
    lon = np.array([s.lon for s in open_st])
    lat = np.array([s.lat for s in open_st])
    ids = np.array([s.id for s in open_st])
    for i in range(qx.size):
        _, _, d = GEOD.inv(np.full(lon.size, qx[i]), np.full(lon.size, qy[i]), lon, lat)
        order = np.argsort(d, kind="stable")[:5]
        np.testing.assert_allclose(hits.distance_m[i], d[order], rtol=0, atol=1e-6)
        # Ids match except within exact ties, which the brute force cannot order.
        for j, sid in enumerate(hits.ids[i]):
            assert sid == ids[order[j]] or np.isclose(d[ids == sid][0], d[order[j]], atol=1e-6)


def test_nearest_bearing_and_fields(world: tuple[StationStore, list[Station]]) -> None:
    reg, _ = world
    hit = reg.nearest(10.0, 50.0, k=1)[0]
    az, _, d = GEOD.inv(10.0, 50.0, hit.station.lon, hit.station.lat)
    assert hit.distance_m == pytest.approx(d, abs=1e-6)
    assert hit.bearing_deg == pytest.approx(az % 360, abs=1e-9)
    assert 0 <= hit.bearing_deg < 360
    assert hit.station == reg.get(hit.station.id)


def test_within_radius_equals_brute_force(world: tuple[StationStore, list[Station]]) -> None:
    reg, stations = world
    rng = np.random.default_rng(2)
    qx, qy = query_points(rng, 300)
    for x, y in zip(qx, qy, strict=True):
        radius = float(rng.choice([50_000.0, 300_000.0, 1_500_000.0]))
        got = reg.within(x, y, radius, where=StationFilter(statuses=frozenset(Status)))
        d, ids = brute(stations, x, y)
        assert sorted(h.station.id for h in got) == sorted(ids[d <= radius])
        assert [h.distance_m for h in got] == sorted(h.distance_m for h in got)


@pytest.mark.parametrize(
    "bbox",
    [
        (-10, -10, 10, 10),
        (170, -50, -170, 50),
        (-180, -90, 180, 90),
        (5.9, 0, 6.1, 60),
        (0, 0, 0.001, 0.001),
    ],
)
def test_bbox_equals_brute_force(
    world: tuple[StationStore, list[Station]], bbox: tuple[float, ...]
) -> None:
    reg, stations = world
    w, s, e, n = bbox
    lon = np.array([st.lon for st in stations])
    lat = np.array([st.lat for st in stations])
    inlon = (lon >= w) & (lon <= e) if w <= e else (lon >= w) | (lon <= e)
    want = sorted(np.array([st.id for st in stations])[inlon & (lat >= s) & (lat <= n)])
    assert [st.id for st in reg.in_bbox(w, s, e, n)] == want


def test_filters(world: tuple[StationStore, list[Station]]) -> None:
    reg, stations = world
    monday_noon = datetime(2026, 11, 23, 12, 0)
    sunday_noon = datetime(2026, 11, 22, 12, 0)
    cases = [
        (
            StationFilter.build(kinds=["driver_home"]),
            lambda s: s.kind is Kind.DRIVER_HOME and s.status is Status.OPEN,
        ),
        (
            StationFilter.build(amenities=["toilet", "water"]),
            lambda s: "toilet" in s.amenities and s.status is Status.OPEN,
        ),
        (
            StationFilter.build(open_at=sunday_noon),
            lambda s: s.opening_hours == "24/7" and s.status is Status.OPEN,
        ),
        (StationFilter.build(open_at=monday_noon), lambda s: s.status is Status.OPEN),
        (StationFilter.build(statuses=["closed"]), lambda s: s.status is Status.CLOSED),
        (StationFilter.build(statuses=None), lambda s: True),
    ]
    for where, pred in cases:
        want = [s for s in stations if pred(s)]
        hits = reg.nearest(0.0, 0.0, k=7, where=where)
        d, ids = brute(want, 0.0, 0.0)
        assert [h.station.id for h in hits] == list(ids[np.argsort(d, kind="stable")[:7]])
        assert all(pred(h.station) for h in hits)


STATUS_SETS = [
    list(c) for r in (1, 2, 3) for c in itertools.combinations([str(s) for s in Status], r)
]


@pytest.mark.parametrize("statuses", STATUS_SETS)
def test_every_status_and_kind_set_equals_brute_force(
    world: tuple[StationStore, list[Station]], statuses: list[str]
) -> None:
    # after deletions too (a deleted station's row has no status or kind)
    reg, stations = world
    gone = {s.id for s in stations[:40]}
    for sid in sorted(gone):
        reg.delete(sid)
    try:
        for kinds in ([], ["driver_home"], ["worker_station", "smart_station"]):
            where = StationFilter.build(kinds=kinds, statuses=statuses)
            want = [
                s
                for s in stations
                if s.id not in gone
                and str(s.status) in statuses
                and (not kinds or str(s.kind) in kinds)
            ]
            for x, y in [(0.0, 0.0), (116.4, 39.9), (-70.0, -30.0)]:
                hits = reg.nearest(x, y, k=7, where=where)
                d, ids = brute(want, x, y)
                assert [h.station.id for h in hits] == list(ids[np.argsort(d, kind="stable")[:7]])
    finally:
        reg.add([s for s in stations if s.id in gone])


def test_open_at_respects_time_zone(make_registry: Callable[..., Any]) -> None:
    reg = make_registry(tz="Asia/Shanghai")
    reg.add(Station("a", "Day", Kind.WORKER_STATION, 116.4, 39.9, opening_hours="08:00-20:00"))
    from zoneinfo import ZoneInfo

    # 01:00 UTC is 09:00 in Beijing: open. 13:00 UTC is 21:00: closed.
    assert reg.nearest(
        116.4, 39.9, where=StationFilter(open_at=datetime(2026, 5, 1, 1, tzinfo=ZoneInfo("UTC")))
    )
    assert not reg.nearest(
        116.4, 39.9, where=StationFilter(open_at=datetime(2026, 5, 1, 13, tzinfo=ZoneInfo("UTC")))
    )


def test_max_distance_and_fewer_than_k(
    world: tuple[StationStore, list[Station]], make_registry: Callable[..., Any]
) -> None:
    reg, stations = world
    hits = reg.nearest(0.0, 0.0, k=50, max_dist_m=1_000_000)
    d, _ = brute([s for s in stations if s.status is Status.OPEN], 0.0, 0.0)
    assert len(hits) == int((d <= 1_000_000).sum())
    assert all(h.distance_m <= 1_000_000 for h in hits)
    empty = make_registry()
    assert empty.nearest(0.0, 0.0, k=3) == []
    batch = empty.nearest_many([0.0], [0.0], k=2)
    assert batch.ids.tolist() == [["", ""]] and np.isinf(batch.distance_m).all()


def test_query_in_gcj02_matches_wgs84(make_registry: Callable[..., Any]) -> None:
    reg = make_registry()
    reg.add(
        [
            Station("a", "A", Kind.WORKER_STATION, 116.40, 39.90),
            Station("b", "B", Kind.WORKER_STATION, 116.403, 39.90),
        ]
    )
    x, y = convert(116.4029, 39.90, src="wgs84", dst="gcj02")
    # Declared as GCJ-02, the phone's point maps back to where the rider stands.
    hit = reg.nearest(float(x), float(y), k=1, crs="gcj02")[0]
    true_d = GEOD.inv(116.4029, 39.90, 116.403, 39.90)[2]
    assert hit.station.id == "b" and hit.distance_m == pytest.approx(true_d, abs=0.05)
    # Read as WGS-84, the same numbers are hundreds of metres off.
    wrong = reg.nearest(float(x), float(y), k=1)[0]
    assert wrong.distance_m > 300


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"k": 0}, "k=0"), ({"max_dist_m": -1}, "max_dist_m"), ({"crs": "utm"}, "crs='utm'")],
)
def test_bad_arguments(kwargs: dict, match: str, make_registry: Callable[..., Any]) -> None:
    reg = make_registry()
    with pytest.raises(InvalidInputError, match=match):
        reg.nearest(0.0, 0.0, **kwargs)
    with pytest.raises(InvalidInputError, match="lat=95"):
        reg.nearest(0.0, 95.0)
    with pytest.raises(InvalidInputError, match="kind='bus_stop'"):
        StationFilter.build(kinds=["bus_stop"])


@pytest.mark.parametrize(
    "page", [{"limit": -1}, {"offset": -1}, {"limit": 2**63}, {"offset": 2**63}]
)
def test_query_page_bounds_are_named(page: dict, make_registry: Callable[..., Any]) -> None:
    """A negative or beyond-64-bit page bound is refused by name, not passed to the database."""
    reg = make_registry()
    ((name, value),) = page.items()
    with pytest.raises(InvalidInputError, match=f"{name}={value}"):
        reg.query(**page)
    assert reg.query(offset=2**63 - 1)[1] == []  # the largest bound a database accepts


def test_writes_are_transactions(tmp_path: Path) -> None:
    reg = open_store(tmp_path / "r.sqlite")
    reg.add(Station("a", "A", Kind.WORKER_STATION, 1.0, 1.0))
    v = reg.version
    with pytest.raises(ConflictError):
        reg.add(
            [
                Station("b", "B", Kind.WORKER_STATION, 2.0, 2.0),
                Station("a", "A2", Kind.WORKER_STATION, 3.0, 3.0),
            ]
        )
    assert "b" not in reg and len(reg) == 1 and reg.version == v
    with pytest.raises(InvalidInputError, match="amenity"):
        reg.update("a", amenities=["jacuzzi"])
    with pytest.raises(NotFoundError):
        reg.delete("zzz")
    reg.update("a", lon=5.0, name="Moved")
    assert reg.nearest(5.0, 1.0, k=1)[0].station.name == "Moved"
    assert reg.version == v + 1
    reg.verify_index()
    reg.close()
    again = open_store(tmp_path / "r.sqlite")
    assert again.get("a").lon == 5.0 and len(again) == 1
    again.verify_index()


lon_st = st.floats(-180, 180, allow_nan=False)
lat_st = st.floats(-89.9, 89.9, allow_nan=False)


class RegistryMachine(RuleBasedStateMachine):
    """Random inserts, updates, deletes and reopens keep index and table equal."""

    ids = Bundle("ids")

    def __init__(self) -> None:
        super().__init__()
        import tempfile

        self.dir = tempfile.mkdtemp()
        self.path = Path(self.dir) / "m.sqlite"
        self.reg = open_store(self.path)
        self.model: dict[str, tuple[float, float]] = {}
        self.counter = 0

    @rule(target=ids, x=lon_st, y=lat_st)
    def insert(self, x: float, y: float) -> str:
        self.counter += 1
        sid = f"id{self.counter}"
        self.reg.add(Station(sid, "n", Kind.WORKER_STATION, x, y))
        self.model[sid] = (x, y)
        return sid

    @rule(sid=ids, x=lon_st, y=lat_st)
    def update(self, sid: str, x: float, y: float) -> None:
        if sid in self.model:
            self.reg.update(sid, lon=x, lat=y)
            self.model[sid] = (x, y)
        else:
            with pytest.raises(NotFoundError):
                self.reg.update(sid, lon=x)

    @rule(sid=ids)
    def delete(self, sid: str) -> None:
        if sid in self.model:
            self.reg.delete(sid)
            del self.model[sid]

    @rule()
    def reopen(self) -> None:
        self.reg.close()
        self.reg = open_store(self.path)

    @invariant()
    def index_equals_table(self) -> None:
        self.reg.verify_index()
        assert len(self.reg) == len(self.model)
        got = {s.id: (s.lon, s.lat) for s in self.reg.in_bbox(-180, -90, 180, 90)}
        assert got == self.model
        if self.model:
            hit = self.reg.nearest(0.0, 0.0, k=1)[0]
            d = min(GEOD.inv(0.0, 0.0, x, y)[2] for x, y in self.model.values())
            assert hit.distance_m == pytest.approx(d, abs=1e-6)

    def teardown(self) -> None:
        self.reg.close()


TestRegistryMachine = RegistryMachine.TestCase
TestRegistryMachine.settings = settings(
    max_examples=40,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def test_time_zone_is_stored_with_the_file(tmp_path: Path) -> None:
    open_store(tmp_path / "h.sqlite", tz="Europe/Helsinki").close()
    assert open_store(tmp_path / "h.sqlite").tz == "Europe/Helsinki"
    assert open_store(tmp_path / "h.sqlite", tz="UTC").tz == "UTC"  # explicit override
    assert open_store(tmp_path / "new.sqlite").tz == "Asia/Shanghai"
    with pytest.raises(InvalidInputError, match="Mars/Olympus"):
        open_store(tmp_path / "x.sqlite", tz="Mars/Olympus")


def test_history_records_who_when_what(make_registry: Callable[..., Any]) -> None:
    reg = make_registry()
    reg.add(Station("a", "A", Kind.WORKER_STATION, 1.0, 1.0, amenities=("water",)), actor="import")
    reg.update("a", actor="planner:li", note="site visit", amenities=["water", "toilet"], name="A2")
    reg.delete("a", actor="planner:li")
    h = reg.history("a")
    assert [(e.action, e.actor) for e in h] == [
        ("add", "import"),
        ("update", "planner:li"),
        ("delete", "planner:li"),
    ]
    assert h[1].changes == {"name": ["A", "A2"], "amenities": ["water", "toilet;water"]}
    assert h[1].note == "site visit"
    with pytest.raises(NotFoundError):
        reg.history("never")


def test_concurrent_updates_keep_both_changes(make_registry: Callable[..., Any]) -> None:
    import threading

    reg = make_registry()
    reg.add(Station("a", "A", Kind.WORKER_STATION, 1.0, 1.0))
    fields = [{"phone": f"{i}"} if i % 2 else {"address": f"street {i}"} for i in range(40)]
    threads = [threading.Thread(target=reg.update, args=("a",), kwargs=f) for f in fields]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    st = reg.get("a")
    assert st.phone and st.address  # neither write was lost
    assert len(reg.history("a")) == 41
    if reg.backend == "sqlite":  # only the embedded store keeps an index in memory
        reg.verify_index()


def test_update_refuses_null_fields(make_registry: Callable[..., Any]) -> None:
    reg = make_registry()
    reg.add(Station("a", "A", Kind.WORKER_STATION, 1.0, 1.0, opening_hours="24/7"))
    with pytest.raises(InvalidInputError, match="opening_hours: null"):
        reg.update("a", opening_hours=None, name="B")
    assert reg.get("a").name == "A" and reg.get("a").opening_hours == "24/7"
