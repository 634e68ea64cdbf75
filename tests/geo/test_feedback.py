"""Reports, proposals and their review (geo.feedback), against hand-made answers."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyproj
import pytest

from geo.coverage import StationSet, walk_costs
from geo.crs import convert
from geo.errors import ConflictError, InvalidInputError, NotFoundError
from geo.feedback import (
    Feedback,
    ReportKind,
    ReviewStatus,
    group_points,
    rank_groups,
)
from geo.io import export_stations, import_stations
from geo.network import StreetNetwork, walk_limit_m
from geo.stations import StationFilter, StationStore, open_store
from geo.types import Kind, Station, Status

GEOD = pyproj.Geod(ellps="WGS84")

LIB = Station(
    "lib",
    "Kallio Library",
    Kind.WORKER_STATION,
    24.95,
    60.184,
    address="Viides 11",
    amenities=("toilet", "water", "wifi"),
    opening_hours="Mo-Fr 08:00-20:00",
)
DEPOT = Station("depot", "Depot", Kind.DRIVER_HOME, 24.93, 60.165, opening_hours="24/7")


@pytest.fixture
def reg(make_store: Callable[..., Any]) -> StationStore:
    """A store of each backend with two stations: the feedback tests run against both."""
    r = make_store()
    r.add([LIB, DEPOT])
    return r


@pytest.fixture
def fb(reg: StationStore) -> Feedback:
    return Feedback(reg)


def _without_stamps(st: Station) -> dict[str, Any]:
    rec = st.to_record()
    rec.pop("updated_at")
    rec.pop("last_verified")
    return rec


# -- accepting reports ---------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "extra", "changed"),
    [
        ("closed", {}, {"status": "closed"}),
        ("wrong_location", {"lon": 24.951, "lat": 60.1845}, {"lon": 24.951, "lat": 60.1845}),
        ("wrong_hours", {"hours": "Mo-Su 07:00-22:00"}, {"opening_hours": "Mo-Su 07:00-22:00"}),
        ("amenity_missing", {"amenity": "wifi"}, {"amenities": "toilet;water"}),
        ("full", {}, {}),
    ],
)
def test_accept_changes_exactly_what_the_report_says(
    reg: StationStore, fb: Feedback, kind: str, extra: dict[str, Any], changed: dict[str, Any]
) -> None:
    before = reg.get("lib")
    other = reg.get("depot")
    rep = fb.report("lib", kind, text="seen today", **extra)
    assert rep.status is ReviewStatus.OPEN
    assert reg.get("lib") == before  # a report alone changes nothing
    done = fb.accept_report(rep.id, actor="planner-li", note="checked on site")
    after = reg.get("lib")
    expect = _without_stamps(before) | changed
    assert _without_stamps(after) == expect
    assert after.last_verified == done.resolved_at != ""
    assert reg.get("depot") == other
    assert (done.status, done.resolved_by, done.resolution) == (
        ReviewStatus.ACCEPTED,
        "planner-li",
        "checked on site",
    )
    last = reg.history("lib")[-1]
    assert (last.actor, last.action) == ("planner-li", "update")
    assert last.note == f"report {rep.id} accepted: checked on site"
    old, new = before.to_record(), after.to_record()
    assert last.changes == {
        f: [old[f], new[f]] for f in old if f != "updated_at" and old[f] != new[f]
    }
    assert set(last.changes) == set(changed) | {"last_verified"}


def test_accepted_closed_report_leaves_nearest(reg: StationStore, fb: Feedback) -> None:
    rep = fb.report("lib", "closed")
    assert fb.reported_closed() == {"lib"}
    where = StationFilter(exclude_ids=fb.reported_closed())
    assert [h.station.id for h in reg.nearest(24.95, 60.184, k=2, where=where)] == ["depot"]
    assert [h.station.id for h in reg.nearest(24.95, 60.184, k=2)] == ["lib", "depot"]
    assert [s.id for s in reg.stations(where)] == ["depot"]
    fb.accept_report(rep.id)
    assert fb.reported_closed() == frozenset()
    assert reg.get("lib").status is Status.CLOSED
    assert [h.station.id for h in reg.nearest(24.95, 60.184, k=2)] == ["depot"]


def test_reject_changes_no_station(reg: StationStore, fb: Feedback) -> None:
    rep = fb.report("lib", "closed", contact="13800000000", client="10.0.0.1")
    version, history = reg.version, reg.history("lib")
    done = fb.reject_report(rep.id, actor="planner-li", note="it is open")
    assert done.status is ReviewStatus.REJECTED
    assert (reg.version, reg.history("lib")) == (version, history)
    with pytest.raises(ConflictError, match="rejected already"):
        fb.accept_report(rep.id)
    with pytest.raises(ConflictError, match="rejected already"):
        fb.reject_report(rep.id)
    with pytest.raises(NotFoundError, match="no report"):
        fb.accept_report(999)


def test_counts_and_listing(fb: Feedback) -> None:
    a = fb.report("lib", "full")
    fb.report("lib", "closed")
    c = fb.report("depot", "full")
    fb.reject_report(c.id)
    assert fb.open_report_counts() == {"lib": 2}
    # counted for the asked ids only (what /nearest needs for its few)
    assert fb.open_report_counts(["lib", "depot", "nowhere"]) == {"lib": 2}
    assert fb.open_report_counts(["depot"]) == {} and fb.open_report_counts([]) == {}
    total, page = fb.reports(status="open")
    assert total == 2 and [r.kind for r in page] == [ReportKind.CLOSED, ReportKind.FULL]
    assert fb.reports(station_id="depot")[0] == 1
    assert fb.reports(status="open", limit=1, offset=1)[1][0].id == a.id
    with pytest.raises(InvalidInputError, match="status='maybe'"):
        fb.reports(status="maybe")
    with pytest.raises(InvalidInputError, match=f"offset={2**63}"):
        fb.reports(offset=2**63)


def test_position_in_any_system_is_stored_in_wgs84(reg: StationStore, fb: Feedback) -> None:
    gx, gy = convert(24.951, 60.1845, src="wgs84", dst="gcj02")  # outside China: unshifted
    rep = fb.report("lib", "wrong_location", lon=float(gx), lat=float(gy), crs="gcj02")
    assert (rep.lon, rep.lat) == pytest.approx((24.951, 60.1845))
    reg.add(Station("bj", "东站", Kind.WORKER_STATION, 116.397, 39.909))
    gx, gy = convert(116.40, 39.91, src="wgs84", dst="bd09")
    rep = fb.report("bj", "wrong_location", lon=float(gx), lat=float(gy), crs="bd09")
    assert (rep.lon, rep.lat) == pytest.approx((116.40, 39.91), abs=1e-6)
    fb.accept_report(rep.id)
    assert (reg.get("bj").lon, reg.get("bj").lat) == pytest.approx((116.40, 39.91), abs=1e-6)


@pytest.mark.parametrize(
    ("station", "kind", "kwargs", "field"),
    [
        ("lib", "gone", {}, "kind="),
        ("lib", "full", {"text": "x" * 501}, "text is 501 characters"),
        ("lib", "full", {"contact": "x" * 201}, "contact is 201"),
        ("lib", "wrong_location", {}, "lon/lat"),
        ("lib", "full", {"lon": 24.9}, "lon and lat"),
        ("lib", "full", {"lon": 240.0, "lat": 60.0}, "lon=240"),
        ("lib", "full", {"lon": 24.9, "lat": 60.0, "crs": "utm"}, "crs="),
        ("lib", "wrong_hours", {}, "hours:"),
        ("lib", "wrong_hours", {"hours": "8 to 5"}, "hours='8 to 5'"),
        ("lib", "full", {"hours": "24/7"}, "hours is only"),
        ("lib", "amenity_missing", {"amenity": "spa"}, "amenity='spa'"),
        ("lib", "amenity_missing", {}, "amenity=''"),
        ("lib", "closed", {"amenity": "water"}, "amenity is only"),
        ("nope", "full", {}, "no station with id 'nope'"),
    ],
)
def test_invalid_reports_name_the_field_and_write_nothing(
    reg: StationStore, fb: Feedback, station: str, kind: str, kwargs: dict[str, Any], field: str
) -> None:
    version = fb.version
    with pytest.raises((InvalidInputError, NotFoundError)) as err:
        fb.report(station, kind, **kwargs)
    assert field in str(err.value)
    assert fb.reports()[0] == 0 and fb.version == version


def test_missing_station_on_accept_rolls_back(reg: StationStore, fb: Feedback) -> None:
    rep = fb.report("depot", "wrong_hours", hours="Mo-Fr 06:00-22:00")
    reg.delete("depot")
    with pytest.raises(NotFoundError, match="depot"):
        fb.accept_report(rep.id)
    assert fb.get_report(rep.id).status is ReviewStatus.OPEN  # nothing half-written


@pytest.fixture(params=["sqlite", "postgis"])
def shared_target(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database several store objects (connections) can open: a SQLite file or a PostGIS URL."""
    if request.param == "sqlite":
        return str(tmp_path / "reg.sqlite")
    from tests.pg import fresh_database

    return fresh_database(request.getfixturevalue("postgis_template"))


def test_concurrent_accepts_apply_once(shared_target: str) -> None:
    stores = [open_store(shared_target) for _ in range(4)]
    stores[0].add(LIB)
    fb = Feedback(stores[0])
    rep = fb.report("lib", "amenity_missing", amenity="water")
    # Three handles on one store object, three more on separate connections to the database.
    handles = [fb] * 3 + [Feedback(s) for s in stores[1:]]
    barrier = threading.Barrier(len(handles))
    outcome: list[str] = []

    def accept(h: Feedback) -> None:
        barrier.wait()
        try:
            h.accept_report(rep.id, actor="planner")
            outcome.append("ok")
        except ConflictError:
            outcome.append("conflict")

    threads = [threading.Thread(target=accept, args=(h,)) for h in handles]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcome) == ["conflict"] * 5 + ["ok"]
    with open_store(shared_target) as fresh:
        accepts = [h for h in fresh.history("lib") if h.note.startswith(f"report {rep.id}")]
        assert len(accepts) == 1 and accepts[0].changes["amenities"] == [
            "toilet;water;wifi",
            "toilet;wifi",
        ]
        assert fresh.get("lib").amenities == ("toilet", "wifi")
        assert Feedback(fresh).get_report(rep.id).status is ReviewStatus.ACCEPTED
    # Two accepts of one proposal group from two connections: one station, one 409.
    Feedback(stores[1]).propose(24.9401, 60.1701)
    Feedback(stores[2]).propose(24.9402, 60.1702)
    results: list[str] = []
    barrier = threading.Barrier(2)

    def accept_group(store: StationStore, pid: int) -> None:
        barrier.wait()
        try:
            Feedback(store).accept_proposal(pid, name="New hut", actor="planner")
            results.append("ok")
        except ConflictError:
            results.append("conflict")

    threads = [threading.Thread(target=accept_group, args=(stores[i], i)) for i in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["conflict", "ok"]
    assert [
        s.id for s in stores[3].stations(StationFilter(statuses=frozenset({Status.PLANNED})))
    ] == ["proposal-1"]
    for s in stores:
        s.close()


# -- proposals -----------------------------------------------------------------


def _brute_groups(lon: np.ndarray, lat: np.ndarray, radius_m: float) -> list[set[int]]:
    n = lon.size
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    for i in range(n):
        for j in range(i + 1, n):
            _, _, d = GEOD.inv(lon[i], lat[i], lon[j], lat[j])
            if d <= radius_m:
                parent[find(i)] = find(j)
    groups: dict[int, set[int]] = {}
    for i in range(n):
        groups.setdefault(find(i), set()).add(i)
    return sorted(groups.values(), key=min)


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("radius_m", [50.0, 150.0, 400.0])
def test_grouping_matches_brute_force(seed: int, radius_m: float) -> None:
    rng = np.random.default_rng(seed)
    centres = rng.uniform([116.30, 39.85], [116.45, 39.95], size=(6, 2))
    pts = centres[rng.integers(0, 6, 70)] + rng.normal(0, 0.0015, size=(70, 2))
    labels = group_points(pts[:, 0], pts[:, 1], radius_m)
    got = [set(np.flatnonzero(labels == g).tolist()) for g in range(labels.max() + 1)]
    assert got == _brute_groups(pts[:, 0], pts[:, 1], radius_m)


def test_grouping_by_hand() -> None:
    # 0.001° of longitude at 60° N is 55.8 m: a chain of three links, a loner farther off.
    labels = group_points([24.940, 24.941, 24.942, 24.946], [60.17] * 4, 60.0)
    assert labels.tolist() == [0, 0, 0, 1]
    assert group_points([24.940, 24.941], [60.17] * 2, 55.0).tolist() == [0, 1]
    assert group_points([], [], 150.0).size == 0
    with pytest.raises(InvalidInputError, match="radius_m"):
        group_points([0.0], [0.0], 0)


def test_groups_count_distinct_proposers(fb: Feedback) -> None:
    fb.propose(24.9400, 60.17, proposer="rider-1", kind="rider_station", amenities=["water"])
    fb.propose(24.9405, 60.17, proposer="rider-1", kind="rider_station", amenities="charging")
    fb.propose(24.9410, 60.17, client="10.0.0.9", kind="worker_station")
    fb.propose(24.9410, 60.1700, note="anonymous")
    fb.propose(24.9600, 60.17, proposer="rider-2")
    g1, g2 = fb.groups()
    assert (g1.id, g1.proposal_ids, g1.proposers) == (1, (1, 2, 3, 4), 3)
    assert g1.kind is Kind.RIDER_STATION and g1.amenities == ("charging", "water")
    assert (g2.id, g2.proposers, g2.kind) == (5, 1, None)
    assert (g1.lon, g1.lat) == pytest.approx((np.mean([24.94, 24.9405, 24.941, 24.941]), 60.17))
    assert [len(g.proposals) for g in fb.groups(radius_m=10)] == [1, 1, 2, 1]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"lon": 200.0, "lat": 60.0}, "lon=200"),
        ({"lon": 24.9, "lat": 60.0, "note": "n" * 501}, "note is 501"),
        ({"lon": 24.9, "lat": 60.0, "kind": "castle"}, "kind='castle'"),
        ({"lon": 24.9, "lat": 60.0, "amenities": ["spa"]}, "amenities='spa'"),
        ({"lon": 24.9, "lat": 60.0, "proposer": "p" * 201}, "proposer is 201"),
    ],
)
def test_invalid_proposals(fb: Feedback, kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInputError) as err:
        fb.propose(**kwargs)
    assert field in str(err.value)
    assert fb.proposals(status=None) == []


def test_accept_proposal_makes_a_planned_station(reg: StationStore, fb: Feedback) -> None:
    fb.propose(24.9400, 60.17, proposer="a", note="near the supermarket", amenities=["water"])
    fb.propose(24.9410, 60.17, proposer="b", kind="rider_station")
    fb.propose(24.9800, 60.17, proposer="c")
    station, grp = fb.accept_proposal(2, name="Supermarket rider station", actor="planner-li")
    assert grp.proposal_ids == (1, 2)
    stored = reg.get("proposal-1")
    assert stored == station
    assert (stored.status, stored.kind, stored.amenities) == (
        Status.PLANNED,
        Kind.RIDER_STATION,
        ("water",),
    )
    assert (stored.lon, stored.lat) == pytest.approx((24.9405, 60.17))
    assert [(p.id, p.status, p.station_id) for p in fb.proposals(status=None)] == [
        (1, ReviewStatus.ACCEPTED, "proposal-1"),
        (2, ReviewStatus.ACCEPTED, "proposal-1"),
        (3, ReviewStatus.OPEN, ""),
    ]
    (entry,) = reg.history("proposal-1")
    assert (entry.action, entry.actor) == ("add", "planner-li")
    with pytest.raises(ConflictError, match="accepted already"):
        fb.accept_proposal(1, name="again")
    # A taken station id: nothing is written, the proposal stays open.
    with pytest.raises(ConflictError, match="exists already"):
        fb.accept_proposal(3, name="Clash", station_id="lib")
    assert fb.get_proposal(3).status is ReviewStatus.OPEN
    rejected = fb.reject_proposal(3, note="private land")
    assert rejected.proposal_ids == (3,) and fb.get_proposal(3).status is ReviewStatus.REJECTED
    with pytest.raises(NotFoundError):
        fb.reject_proposal(42)
    with pytest.raises(InvalidInputError, match="name"):
        fb.accept_proposal(3, name=" ")


def test_rank_by_new_demand_then_proposers_radius() -> None:
    reg = open_store(":memory:")
    reg.add(Station("s", "Existing", Kind.WORKER_STATION, 24.940, 60.170))
    fb = Feedback(reg)
    rng = np.random.default_rng(3)
    demand = pd.DataFrame(
        {
            "lon": rng.uniform(24.90, 25.00, 300),
            "lat": rng.uniform(60.15, 60.20, 300),
            "weight": rng.integers(1, 5, 300).astype(float),
        }
    )
    sites = [(24.941, 60.171), (24.970, 60.180), (24.990, 60.160), (24.9305, 60.1750)]
    for i, (x, y) in enumerate(sites):
        for p in range(i + 1):
            fb.propose(x + p * 1e-5, y, proposer=f"rider-{p}")
    _, slon, slat = reg.arrays(StationFilter())
    ranked = rank_groups(fb.groups(), demand, slon, slat, standard="radius", radius_m=1000.0)

    def recount(x: float, y: float) -> float:
        total = 0.0
        for dx, dy, w in demand.itertuples(index=False):
            _, _, d_new = GEOD.inv(x, y, dx, dy)
            _, _, d_old = GEOD.inv(24.940, 60.170, dx, dy)
            total += w if d_new <= 1000.0 and d_old > 1000.0 else 0.0
        return total

    assert [g.rank for g in ranked] == [1, 2, 3, 4]
    for g in ranked:
        assert g.gain == pytest.approx(recount(g.lon, g.lat))
    keys = [(-(g.gain or 0), -g.proposers, g.id) for g in ranked]
    assert keys == sorted(keys)
    no_demand = rank_groups(fb.groups(), None, slon, slat)
    assert [g.proposers for g in no_demand] == [4, 3, 2, 1]
    assert all(g.gain is None for g in no_demand)


def test_rank_walk_standard_against_walk_costs(
    helsinki: StreetNetwork, demo_demand: pd.DataFrame, demo_stations: pd.DataFrame
) -> None:
    demand = demo_demand.iloc[::4].reset_index(drop=True)  # 67 points
    # Only the stations north of the centre, so that there are gaps; proposals at demand points.
    st = demo_stations[(demo_stations["status"] == "open") & (demo_stations["lat"] > 60.175)]
    assert len(st) >= 2
    reg = open_store(":memory:")
    fb = Feedback(reg)
    for x, y in demo_demand[["lon", "lat"]].to_numpy()[[5, 60, 130, 200, 260]]:
        fb.propose(float(x), float(y))
    groups = fb.groups()
    ranked = rank_groups(groups, demand, st["lon"], st["lat"], network=helsinki, minutes=15)
    limit = walk_limit_m(15)
    existing = StationSet.build(helsinki, st["id"].tolist(), st["lon"], st["lat"])
    cands = StationSet.build(
        helsinki, [str(g.id) for g in groups], [g.lon for g in groups], [g.lat for g in groups]
    )
    want = dict.fromkeys((g.id for g in groups), 0.0)
    for x, y, w in demand[["lon", "lat", "weight"]].itertuples(index=False):
        if walk_costs(helsinki, x, y, existing).min() <= limit:
            continue
        for gid, c in zip(cands.ids, walk_costs(helsinki, x, y, cands), strict=True):
            if c <= limit:
                want[int(gid)] += w
    assert {g.id: g.gain for g in ranked} == pytest.approx(want, abs=1e-9)
    assert sum(v > 0 for v in want.values()) >= 2  # the test sees real gains


# -- schema migration and files ------------------------------------------------

OLD_SCHEMA = """
CREATE TABLE stations (
    pk INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, name TEXT NOT NULL,
    kind TEXT NOT NULL, lon REAL NOT NULL, lat REAL NOT NULL,
    address TEXT NOT NULL DEFAULT '', district TEXT NOT NULL DEFAULT '',
    operator TEXT NOT NULL DEFAULT '', phone TEXT NOT NULL DEFAULT '',
    amenities TEXT NOT NULL DEFAULT '', opening_hours TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'open', source TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL
);
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO meta VALUES ('schema', '1'), ('version', '3'), ('tz', 'Europe/Helsinki');
INSERT INTO stations (id, name, kind, lon, lat, amenities, opening_hours, updated_at)
VALUES ('old', 'Old Hut', 'worker_station', 24.94, 60.17, 'water', '24/7', '2025-01-01T00:00:00Z');
"""


def test_migrates_a_file_without_last_verified(tmp_path: Path) -> None:
    db = tmp_path / "old.sqlite"
    con = sqlite3.connect(db)
    con.executescript(OLD_SCHEMA)
    con.close()
    reg = open_store(db)
    old = reg.get("old")
    assert (old.name, old.amenities, old.last_verified, old.updated_at) == (
        "Old Hut",
        ("water",),
        "",
        "2025-01-01T00:00:00Z",
    )
    assert reg.tz == "Europe/Helsinki" and reg.version == 3
    fb = Feedback(reg)
    fb.report("old", "confirmed", planner="planner-li")
    reg.close()
    again = open_store(db)  # reopening an already migrated file is a no-op
    assert again.get("old").last_verified != ""
    con = sqlite3.connect(db)
    cols = [r[1] for r in con.execute("PRAGMA table_info(stations)")]
    # each migration adds its column once
    assert cols[-3:] == ["last_verified", "capacity", "opening_hours_text"]
    assert con.execute("SELECT value FROM meta WHERE key='schema'").fetchone() == ("4",)
    con.close()


@pytest.mark.parametrize("fmt", ["csv", "geojson"])
def test_last_verified_round_trips_through_files(tmp_path: Path, fmt: str) -> None:
    reg = open_store(":memory:")
    reg.add([LIB, DEPOT.replace(last_verified="2026-04-01T10:00:00Z")])
    out = tmp_path / f"s.{fmt}"
    export_stations(reg.stations(), out, fmt=fmt)  # type: ignore[arg-type]
    back = open_store(":memory:")
    import_stations(back, out)
    assert [(s.id, s.last_verified) for s in back.stations()] == [
        ("depot", "2026-04-01T10:00:00Z"),
        ("lib", ""),
    ]
    assert [_without_stamps(s) for s in back.stations()] == [
        _without_stamps(s) | {"source": s.source or out.name} for s in reg.stations()
    ]


def test_bad_last_verified_is_an_import_problem(tmp_path: Path) -> None:
    f = tmp_path / "s.csv"
    f.write_text("name,lon,lat,last_verified\nA,24.9,60.1,yesterday\n", encoding="utf-8")
    from geo.io import read_stations

    (problem,) = read_stations(f).problems
    assert (problem.row, problem.column) == (2, "last_verified")
