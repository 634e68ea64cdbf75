"""Two regions served at once (the bundled demo: Futian and Helsinki), a point in neither,
stations in a city with no region, and the bounded result cache."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.schemas import CoverageOut, RegionList
from api.settings import Settings
from geo.coverage import StationSet, coverage_report
from geo.network import load_network
from maps.tiles import mercator

DATA = Path(__file__).resolve().parents[2] / "data"
CHANGSHA = {"lon": 112.9388, "lat": 28.2282}
FUTIAN_POINT = {"lon": 114.0200, "lat": 22.5350}
HELSINKI_POINT = {"lon": 24.9410, "lat": 60.1700}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The service as ``scripts/run`` starts it: the bundled regions and seed."""
    tmp = tmp_path_factory.mktemp("regions")
    settings = Settings(_env_file=None, db=tmp / "r.sqlite", cache_dir=tmp / "cache")  # type: ignore[call-arg]
    with TestClient(create_app(settings)) as c:
        yield c


def test_regions_are_listed_without_being_loaded(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, db=tmp_path / "r.sqlite", cache_dir=tmp_path / "c")  # type: ignore[call-arg]
    with TestClient(create_app(settings)) as c:
        assert c.app.state.service.regions.loaded() == []  # type: ignore[attr-defined]
        r = c.get("/regions", params={"boundary": "true"})
        assert r.status_code == 200
        got = RegionList.model_validate(r.json()).regions
        assert [g.id for g in got] == ["futian", "helsinki"]
        futian, helsinki = got
        assert (futian.stations, helsinki.stations) == (40, 30)
        assert futian.demand_layers == ["taxi_pickups", "taxi_dropoffs"]
        assert (futian.lang, helsinki.lang, futian.districts) == ("zh", "en", True)
        assert futian.bbox == pytest.approx([113.99702, 22.51666, 114.03988, 22.55052], abs=1e-5)
        assert futian.boundary is not None and futian.boundary.type == "Polygon"
        assert "boundary" not in c.get("/regions").json()["regions"][0]


def test_requests_go_to_the_right_region(demo: TestClient) -> None:
    for region, n, point in (("futian", 40, FUTIAN_POINT), ("helsinki", 30, HELSINKI_POINT)):
        r = demo.get("/coverage", params={"region": region, "standard": "radius"})
        assert r.status_code == 200, r.text
        out = CoverageOut.model_validate(r.json())
        assert (out.region, out.stations, out.notes) == (region, n, [])
        near = demo.get("/nearest", params={**point, "mode": "walk", "k": 3}).json()
        prefix = "demo-futian-" if region == "futian" else "osm-"
        assert [f["id"][: len(prefix)] for f in near["features"]] == [prefix] * 3
        assert all(f["properties"]["walk_distance_m"] > 0 for f in near["features"])
    futian = demo.get("/coverage", params={"region": "futian"}).json()
    assert set(futian["districts"]) == {"福田区"}


def test_futian_coverage_equals_the_library_on_its_own_files(demo: TestClient) -> None:
    got = CoverageOut.model_validate(demo.get("/coverage", params={"region": "futian"}).json())
    net = load_network(DATA / "futian_osm.graphml.gz")
    st = pd.read_csv(DATA / "futian_stations.csv", keep_default_na=False).sort_values("id")
    demand = pd.concat(
        [pd.read_csv(DATA / f"futian_taxi_{x}.csv") for x in ("pickups", "dropoffs")]
    )
    want = coverage_report(
        net, StationSet.build(net, st["id"], st["lon"], st["lat"]), demand=demand
    )
    assert got.street_share.none == pytest.approx(want.street_share.none)
    assert got.demand_share.once == pytest.approx(want.demand_share.once)
    # Some streets are covered twice, some once, some not at all.
    assert min(want.street_share.none, want.street_share.once) > 0.03


def test_a_region_is_required_when_there_are_several(demo: TestClient) -> None:
    for method, path in (("GET", "/coverage"), ("GET", "/gaps"), ("POST", "/suggest"),
                         ("GET", "/maps/coverage"), ("GET", "/maps/suggest")):  # fmt: skip
        r = demo.request(method, path, json={"k": 1} if method == "POST" else None)
        assert r.status_code == 422, (path, r.text)
        assert r.headers["content-type"] == "application/problem+json"
        assert "choose one of: futian, helsinki" in r.json()["detail"], path
    r = demo.get("/coverage", params={"region": "changsha"})
    assert r.status_code == 422 and "region='changsha'" in r.json()["detail"]


def test_a_point_in_no_region_walks_nowhere_but_straight_works(demo: TestClient) -> None:
    r = demo.get("/nearest", params={**CHANGSHA, "mode": "walk"})
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    detail = r.json()["detail"]
    assert "no street network here" in detail and "mode=straight" in detail
    assert demo.get("/nearest", params={**CHANGSHA, "k": 2}).status_code == 200
    # Luohu, 9 km east of the Futian network: no streets to walk, but straight-line ranks.
    luohu = {"lon": 114.118, "lat": 22.548}
    assert demo.get("/nearest", params={**luohu, "mode": "walk"}).status_code == 422
    straight = demo.get("/nearest", params={**luohu, "k": 2})
    assert straight.status_code == 200
    assert [f["id"][:12] for f in straight.json()["features"]] == ["demo-futian-"] * 2


def test_suggest_and_gaps_in_futian(demo: TestClient) -> None:
    gaps = demo.get("/gaps", params={"region": "futian", "limit": 5}).json()["features"]
    assert gaps and gaps[0]["properties"]["rank"] == 1
    r = demo.post("/suggest", params={"region": "futian"}, json={"k": 3})
    assert r.status_code == 200, r.text
    out = r.json()
    assert len(out["features"]) == 3
    assert out["share_after"] > out["share_before"]  # the chosen sites close gaps
    sid = "demo-futian-1116501199"
    iso = demo.get(f"/isochrones/{sid}", params={"minutes": 5})  # region found from the station
    assert iso.status_code == 200 and iso.json()["id"] == sid


@pytest.fixture
def changsha_only(tmp_path: Path) -> Iterator[TestClient]:
    """A registry whose stations are all in Changsha, a city with no region."""
    seed = tmp_path / "changsha.csv"
    seed.write_text(
        "id,name,kind,lon,lat,opening_hours\n"
        "cs1,长沙驿站一,worker_station,112.9388,28.2282,24/7\n"
        "cs2,长沙驿站二,rider_station,112.9500,28.2300,24/7\n",
        encoding="utf-8",
    )
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        db=tmp_path / "cs.sqlite",
        cache_dir=tmp_path / "cache",
        seed_stations=seed,
    )
    with TestClient(create_app(settings)) as c:
        yield c


def test_stations_in_a_city_with_no_region_are_said_so(changsha_only: TestClient) -> None:
    r = changsha_only.get("/coverage", params={"region": "futian"})
    assert r.status_code == 200
    out = CoverageOut.model_validate(r.json())
    assert out.stations == 0 and out.street_share.none == 1.0
    assert any("no stations in region 'futian'" in n for n in out.notes)
    assert changsha_only.get("/regions").json()["regions"][0]["stations"] == 0
    for path in ("/gaps", "/maps/coverage", "/maps/suggest"):
        r = changsha_only.get(path, params={"region": "futian"})
        assert r.status_code == 200, (path, r.text)
    r = changsha_only.post("/suggest", params={"region": "futian"}, json={"k": 2})
    assert r.status_code == 200, r.text
    assert r.json()["share_before"] == 0.0 < r.json()["share_after"]


def test_coverage_at_now_is_one_cache_entry(demo: TestClient) -> None:
    service = demo.app.state.service  # type: ignore[attr-defined]
    query = {"region": "futian", "standard": "radius", "radius_m": 700, "at": "now"}
    demo.get("/coverage", params=query)
    held, hits = len(service.cache), service.cache.hits
    for _ in range(4):
        assert demo.get("/coverage", params=query).status_code == 200
    # Repeated requests hit; no entry per request. (At most one new entry, should a
    # station open or close between two of these requests.)
    assert len(service.cache) - held <= 1 and service.cache.hits - hits >= 3
    # Two night hours with the same stations open share one result; noon is another.
    keys_before = len(service.cache)
    night = {**query, "at": "2026-05-06T02:00:00+08:00"}
    demo.get("/coverage", params=night)
    after_one = len(service.cache)
    demo.get("/coverage", params={**night, "at": "2026-05-06T03:30:00+08:00"})
    assert len(service.cache) == after_one > keys_before - 1
    a = demo.get("/coverage", params=night).json()
    b = demo.get("/coverage", params={**night, "at": "2026-05-06T12:00:00+08:00"}).json()
    assert a["stations"] < b["stations"] == 40  # and the day answer differs


def test_the_cache_is_bounded_by_count(tmp_path: Path) -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        db=tmp_path / "b.sqlite",
        cache_dir=tmp_path / "cache",
        cache_entries=3,
    )
    with TestClient(create_app(settings)) as c:
        service = c.app.state.service  # type: ignore[attr-defined]
        for radius in range(100, 1100, 100):
            q = {"region": "helsinki", "standard": "radius", "radius_m": radius}
            assert c.get("/coverage", params=q).status_code == 200
            assert len(service.cache) <= 3
        assert len(service.cache) == 3


def test_lazy_loading_and_eviction_in_the_service(tmp_path: Path) -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        db=tmp_path / "e.sqlite",
        cache_dir=tmp_path / "cache",
        max_regions_loaded=1,
    )
    with TestClient(create_app(settings)) as c:
        regions = c.app.state.service.regions  # type: ignore[attr-defined]
        c.get("/coverage", params={"region": "futian", "standard": "radius"})
        assert regions.loaded() == ["futian"]
        c.get("/coverage", params={"region": "helsinki", "standard": "radius"})
        assert regions.loaded() == ["helsinki"]
        r = c.get("/coverage", params={"region": "futian", "standard": "radius"})
        assert r.status_code == 200 and r.json()["stations"] == 40  # loaded again
        assert regions.loaded() == ["futian"]


def test_pages_speak_the_regions_language(demo: TestClient) -> None:
    zh = demo.get("/maps/stations")
    assert zh.status_code == 200 and 'lang="zh' in zh.text  # Futian, the first region
    en = demo.get("/maps/coverage", params={"region": "helsinki", "minutes": 3})
    assert en.status_code == 200 and 'lang="en' in en.text
    zh_cov = demo.get("/maps/coverage", params={"region": "futian", "minutes": 5})
    assert zh_cov.status_code == 200 and 'lang="zh' in zh_cov.text
    both = demo.get("/maps/stations", params={"region": "helsinki"})
    assert 'lang="en' in both.text and "demo-futian-" not in both.text


def _declare(path: Path, ids: list[str], *, demand: bool) -> Path:
    entry = '[[region]]\nid = "{i}"\nnetwork = "{d}/futian_osm.graphml.gz"\n'
    if demand:
        entry += '[region.demand]\npickups = "{d}/futian_taxi_pickups.csv"\n'
    path.write_text("".join(entry.format(i=i, d=DATA) for i in ids), encoding="utf-8")
    return path


def test_a_region_without_demand_says_so(tmp_path: Path) -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        db=tmp_path / "n.sqlite",
        cache_dir=tmp_path / "cache",
        regions_file=_declare(tmp_path / "regions.toml", ["bare"], demand=False),
    )
    with TestClient(create_app(settings)) as c:
        out = c.get("/coverage").json()  # the only region: no `region` needed
        assert out["region"] == "bare" and out["stations"] == 40
        assert out["demand_share"]["none"] is None
        assert any("no demand layer" in n for n in out["notes"])
        assert c.get("/maps/coverage", params={"minutes": 5}).status_code == 200
        for method, path in (("POST", "/suggest"), ("GET", "/maps/suggest")):
            r = c.request(method, path, json={"k": 1} if method == "POST" else None)
            assert r.status_code == 422, (path, r.text)
            assert "region='bare' has no demand layer" in r.json()["detail"]


def test_tiles_never_load_many_unknown_regions(tmp_path: Path) -> None:
    ids = [f"r{i:02d}" for i in range(6)]
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        db=tmp_path / "t.sqlite",
        cache_dir=tmp_path / "cache",
        regions_file=_declare(tmp_path / "regions.toml", ids, demand=True),
        max_regions_loaded=2,
    )
    mx, my = mercator([114.02], [22.535])  # a crossing in the middle of the network
    tile = f"/tiles/15/{int(mx[0] * 2**15)}/{int(my[0] * 2**15)}.png"
    with TestClient(create_app(settings)) as c:
        regions = c.app.state.service.regions  # type: ignore[attr-defined]
        blank = c.get(tile).content
        assert regions.loaded() == []  # six unknown regions, at most two held: none loaded
        assert c.get("/coverage", params={"region": "r03", "standard": "radius"}).status_code == 200
        drawn = c.get(tile).content
        assert drawn != blank and len(drawn) > len(blank)  # now known: its streets are drawn
        # The six share one network file, so its hull now tells where all six are; the
        # tile is drawn from the first of them, and no more than two are ever held.
        assert regions.loaded()[-1] == "r00" and len(regions.loaded()) <= 2
