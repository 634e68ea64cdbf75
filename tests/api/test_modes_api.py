"""Travel modes through the service and the command line, on the demo region (Futian).

The truth is networkx on graphs this file builds from the same OSM ways with each
mode's documented rules (``tests.geo.test_modes.reference_rule``; walking: every
walking way both ways at 4.8 km/h): nearest stations by travel time and distance,
coverage of demand points, and the driver's corridor detours. Stations and query
points sit on street nodes, demand points halfway along street segments, so the
truth needs no snapping of its own.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from itertools import pairwise
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from api.main import create_app
from api.schemas import CorridorCollection, CoverageOut
from api.settings import Settings
from cli.main import main
from geo.coverage import StationSet, coverage_report
from geo.mode_networks import engine_network
from geo.network import load_network, read_street_frames, read_way_frames
from tests.geo.test_modes import reference_rule

DATA = Path(__file__).resolve().parents[2] / "data"
FUTIAN = DATA / "futian_osm.graphml.gz"
MODES = ["walk", "ebike", "bike", "drive", "truck"]


def nx_graph(mode: str) -> nx.DiGraph:
    """The mode's graph, way by way: ``w`` seconds, ``l`` metres, largest piece."""
    g = nx.DiGraph()
    if mode == "walk":
        nodes, ways = read_street_frames(FUTIAN, mode="walk")
        rules = [(True, True, 4.8)] * len(ways)
    else:
        nodes, ways = read_way_frames(FUTIAN)
        tags = ways.drop(columns=["u", "v", "length_m"]).to_dict("records")
        rules = [reference_rule({k: str(x).lower() for k, x in t.items()}, mode) for t in tags]
    for u, v, length, (fwd, back, kmh) in zip(
        ways["u"], ways["v"], ways["length_m"], rules, strict=True
    ):
        cost = length / (kmh / 3.6)
        for a, b, ok in ((u, v, fwd), (v, u, back)):
            if ok and a != b and (not g.has_edge(a, b) or g[a][b]["w"] > cost):
                g.add_edge(a, b, w=cost, l=length)
    biggest = max(nx.weakly_connected_components(g), key=len)
    g = g.subgraph(biggest).copy()
    where = dict(zip(nodes["id"], zip(nodes["lon"], nodes["lat"], strict=True), strict=True))
    nx.set_node_attributes(g, {n: where[n] for n in g.nodes}, "lonlat")
    return g


@pytest.fixture(scope="module")
def graphs() -> dict[str, nx.DiGraph]:
    return {m: nx_graph(m) for m in MODES}


@pytest.fixture(scope="module")
def coords() -> dict[int, tuple[float, float]]:
    nodes, _ = read_way_frames(FUTIAN)
    return dict(zip(nodes["id"], zip(nodes["lon"], nodes["lat"], strict=True), strict=True))


@pytest.fixture(scope="module")
def placed(graphs: dict[str, nx.DiGraph]) -> dict[str, list[int]]:
    """Street nodes on every mode's network: 24 stations (8 driver homes) and 3 queries."""
    common = sorted(set.intersection(*(set(g.nodes) for g in graphs.values())))
    # OSM nodes only: the points cut into an OSMnx edge's shape get ids per file read.
    common = [n for n in common if n > 0]
    pick = np.random.default_rng(19).choice(common, size=27, replace=False)
    return {"stations": [int(n) for n in pick[:24]], "queries": [int(n) for n in pick[24:]]}


def station_kind(i: int) -> str:
    return "driver_home" if i % 3 == 0 else ("rider_station" if i % 3 == 1 else "worker_station")


@pytest.fixture(scope="module")
def seed(
    tmp_path_factory: pytest.TempPathFactory,
    placed: dict[str, list[int]],
    coords: dict[int, tuple[float, float]],
) -> Path:
    rows = []
    for i, node in enumerate(placed["stations"]):
        lon, lat = coords[node]
        # One driver home is open on weekday mornings only: closed on a Saturday.
        hours = "Mo-Fr 08:00-09:00" if i == 3 else "24/7"
        rows.append(
            {"id": f"s{i:02d}-{node}", "name": f"Station {i}", "kind": station_kind(i),
             "lon": lon, "lat": lat, "opening_hours": hours, "status": "open"}
        )  # fmt: skip
    path = tmp_path_factory.mktemp("modes") / "seed.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def settings(seed: Path) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        db=seed.parent / "modes.sqlite",
        seed_stations=seed,
        cache_dir=seed.parent / "cache",
        tz="Asia/Shanghai",
    )


@pytest.fixture(scope="module")
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as c:
        yield c


@pytest.fixture
def cli_db(client: TestClient, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> str:
    """The service's database, seeded, for the command line (networks in its cache)."""
    monkeypatch.setenv("STATIONFINDER_CACHE_DIR", str(settings.cache_dir))
    assert client.get("/healthz").status_code == 200  # the service has seeded it
    return str(settings.db)


def node_of(station_id: str) -> int:
    return int(station_id.partition("-")[2])


@pytest.mark.parametrize("mode", MODES)
def test_nearest_by_mode_equals_networkx(
    client: TestClient,
    graphs: dict[str, nx.DiGraph],
    placed: dict[str, list[int]],
    coords: dict[int, tuple[float, float]],
    mode: str,
) -> None:
    g = graphs[mode]
    for q in placed["queries"]:
        lon, lat = coords[q]
        r = client.get("/nearest", params={"lon": lon, "lat": lat, "mode": mode, "k": 5})
        assert r.status_code == 200, r.text
        fc = r.json()
        assert fc["mode"] == mode
        times, paths = nx.single_source_dijkstra(g, q, weight="w")
        want = sorted((times[s], s) for s in placed["stations"] if s in times)[:5]
        got = [(f["properties"]["travel_time_s"], node_of(f["id"])) for f in fc["features"]]
        assert [n for _, n in got] == [n for _, n in want], (mode, q)
        np.testing.assert_allclose([t for t, _ in got], [t for t, _ in want], atol=2e-3)
        for f in fc["features"]:
            path = paths[node_of(f["id"])]
            metres = sum(g[a][b]["l"] for a, b in pairwise(path))
            assert f["properties"]["travel_distance_m"] == pytest.approx(metres, abs=2e-3)
            assert f["properties"]["distance_m"] <= metres + 1e-3  # never beats the line


def test_nearest_takes_a_time_limit(
    client: TestClient, placed: dict[str, list[int]], coords: dict[int, tuple[float, float]]
) -> None:
    lon, lat = coords[placed["queries"][0]]
    full = client.get("/nearest", params={"lon": lon, "lat": lat, "mode": "ebike", "k": 20})
    times = [f["properties"]["travel_time_s"] for f in full.json()["features"]]
    cut = float(np.median(times))
    r = client.get(
        "/nearest", params={"lon": lon, "lat": lat, "mode": "ebike", "k": 20, "minutes": cut / 60}
    )
    assert [f["properties"]["travel_time_s"] for f in r.json()["features"]] == [
        t for t in times if t <= cut
    ]
    bad = client.get("/nearest", params={"lon": lon, "lat": lat, "minutes": 5})
    assert bad.status_code == 422 and "minutes" in bad.json()["detail"]


def test_kinds_bring_their_default_mode(
    client: TestClient,
    graphs: dict[str, nx.DiGraph],
    placed: dict[str, list[int]],
    coords: dict[int, tuple[float, float]],
    settings: Settings,
) -> None:
    lon, lat = coords[placed["queries"][1]]
    r = client.get("/nearest", params={"lon": lon, "lat": lat, "kind": "driver_home", "k": 3})
    assert r.json()["mode"] == "truck"
    times = nx.single_source_dijkstra_path_length(graphs["truck"], placed["queries"][1], weight="w")
    homes = [s for i, s in enumerate(placed["stations"]) if station_kind(i) == "driver_home"]
    want = [s for _, s in sorted((times[s], s) for s in homes)[:3]]
    assert [node_of(f["id"]) for f in r.json()["features"]] == want
    # Kinds without a default mode, or none asked for: straight, as before.
    plain = client.get("/nearest", params={"lon": lon, "lat": lat, "kind": "worker_station"})
    assert plain.json()["mode"] == "straight"
    riders = client.get("/coverage", params={"region": "futian", "kind": "rider_station"})
    assert riders.json()["mode"] == "ebike"
    assert client.get("/coverage", params={"region": "futian"}).json()["mode"] == "walk"
    drive = settings.model_copy(update={"default_modes": "driver_home:drive"})
    with TestClient(create_app(drive)) as c:
        r = c.get("/nearest", params={"lon": lon, "lat": lat, "kind": "driver_home"})
        assert r.json()["mode"] == "drive"
    with pytest.raises(ValidationError, match="horse"):
        Settings(_env_file=None, default_modes="driver_home:horse")  # type: ignore[call-arg]


def covered_counts(
    g: nx.DiGraph, stations: list[int], edges: list[tuple[int, int]], limit_s: float
) -> Any:
    """Per demand point halfway along (a, b): how many stations are within ``limit_s``."""
    back = g.reverse()
    counts = np.zeros(len(edges), dtype=int)
    for s in stations:
        if s not in g:
            continue
        t = nx.single_source_dijkstra_path_length(back, s, cutoff=limit_s, weight="w")
        for i, (a, b) in enumerate(edges):
            half = g[a][b]["w"] / 2
            best = t.get(b, np.inf) + half  # ahead, towards b
            if g.has_edge(b, a):  # two-way: back towards a too
                best = min(best, t.get(a, np.inf) + half)
            counts[i] += best <= limit_s
    return counts


# Limits short enough that every mode leaves demand covered 0, 1 and 2+ times.
MINUTES = {"walk": 15.0, "ebike": 2.0, "bike": 2.0, "drive": 1.0, "truck": 1.0}


@pytest.mark.parametrize("mode", MODES)
def test_coverage_by_mode_equals_networkx(
    client: TestClient,
    graphs: dict[str, nx.DiGraph],
    placed: dict[str, list[int]],
    cli_db: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    mode: str,
) -> None:
    g = graphs[mode]
    pairs = sorted({(a, b) if not g.has_edge(b, a) else tuple(sorted((a, b))) for a, b in g.edges})
    rng = np.random.default_rng(3)
    edges = [pairs[i] for i in rng.choice(len(pairs), size=300, replace=False)]
    at = nx.get_node_attributes(g, "lonlat")
    lon = [(at[a][0] + at[b][0]) / 2 for a, b in edges]
    lat = [(at[a][1] + at[b][1]) / 2 for a, b in edges]
    demand = tmp_path / "mid.csv"
    pd.DataFrame({"lon": lon, "lat": lat}).to_csv(demand, index=False)
    counts = covered_counts(g, placed["stations"], edges, MINUTES[mode] * 60)
    argv = ["coverage", "--db", cli_db, "--region", "futian", "--demand", str(demand)]
    assert main([*argv, "--mode", mode, "--minutes", str(MINUTES[mode]), "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert got["mode"] == mode
    share = got["demand_share"]
    assert share["none"] == pytest.approx(np.mean(counts == 0), abs=1e-12)
    assert share["once"] == pytest.approx(np.mean(counts == 1), abs=1e-12)
    assert share["multiple"] == pytest.approx(np.mean(counts >= 2), abs=1e-12)
    assert min(np.bincount(np.minimum(counts, 2), minlength=3)) >= 10  # not a trivial case


@pytest.mark.parametrize("mode", ["ebike", "truck"])
def test_api_coverage_is_the_engine_on_the_mode_network(
    client: TestClient, settings: Settings, seed: Path, mode: str
) -> None:
    got = CoverageOut.model_validate(
        client.get("/coverage", params={"region": "futian", "mode": mode}).json()
    )
    net = engine_network(load_network(FUTIAN, mode=mode))  # type: ignore[arg-type]
    st = pd.read_csv(seed).sort_values("id")
    demand = pd.concat(
        [pd.read_csv(DATA / f"futian_taxi_{x}.csv") for x in ("pickups", "dropoffs")]
    )
    want = coverage_report(
        net, StationSet.build(net, st["id"], st["lon"], st["lat"]), demand=demand
    )
    assert got.stations == len(st)
    assert got.demand_share.none == pytest.approx(want.demand_share.none, abs=1e-12)
    assert got.demand_share.once == pytest.approx(want.demand_share.once, abs=1e-12)


def detours(g: nx.DiGraph, a: int, b: int, stations: list[int]) -> dict[int, float]:
    from_a = nx.single_source_dijkstra_path_length(g, a, weight="w")
    to_b = nx.single_source_dijkstra_path_length(g.reverse(), b, weight="w")
    return {s: from_a[s] + to_b[s] - from_a[b] for s in stations if s in from_a and s in to_b}


def check_corridor(
    fc: dict[str, Any], g: nx.DiGraph, a: int, b: int, homes: list[int], minutes: float
) -> None:
    want = sorted((d, s) for s, d in detours(g, a, b, homes).items() if d <= minutes * 60 + 1e-9)
    got = [(f["properties"]["detour_s"], node_of(f["id"])) for f in fc["features"]]
    assert [s for _, s in got] == [s for _, s in want]
    np.testing.assert_allclose([d for d, _ in got], [max(d, 0.0) for d, _ in want], atol=2e-3)
    base = nx.single_source_dijkstra_path_length(g, a, weight="w")[b]
    assert fc["base_time_s"] == pytest.approx(base, abs=2e-3)


def test_corridor_equals_networkx(
    client: TestClient,
    graphs: dict[str, nx.DiGraph],
    placed: dict[str, list[int]],
    coords: dict[int, tuple[float, float]],
) -> None:
    g = graphs["truck"]
    homes = [s for i, s in enumerate(placed["stations"]) if station_kind(i) == "driver_home"]
    a, b = placed["queries"][0], placed["queries"][2]
    params = {
        "from_lon": coords[a][0], "from_lat": coords[a][1],
        "to_lon": coords[b][0], "to_lat": coords[b][1],
        "max_detour_min": 20, "at": "2026-05-02T07:30",  # a Saturday
    }  # fmt: skip
    r = client.get("/corridor", params=params)
    assert r.status_code == 200, r.text
    fc = CorridorCollection.model_validate(r.json()).model_dump()
    assert fc["mode"] == "truck" and fc["region"] == "futian"
    check_corridor(r.json(), g, a, b, homes, 20)
    assert len(fc["features"]) >= 2  # the comparison is not empty
    depart = datetime.fromisoformat(fc["depart"])
    assert depart == datetime(2026, 5, 2, 7, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    for f in r.json()["features"]:
        p = f["properties"]
        # s03 opens on weekday mornings only; the others are open 24/7.
        assert p["open_on_arrival"] is (not f["id"].startswith("s03-"))
        late = (datetime.fromisoformat(p["arrival"]) - depart).total_seconds()
        assert abs(late - p["to_station_s"]) <= 1.0
    # A smaller allowance keeps a prefix of the same ranking.
    few = client.get("/corridor", params={**params, "max_detour_min": 2}).json()
    check_corridor(few, g, a, b, homes, 2)
    # Other kinds on request, any filter.
    riders = client.get("/corridor", params={**params, "kind": "rider_station"}).json()
    assert all(f["properties"]["kind"] == "rider_station" for f in riders["features"])
    # The same trip as a route: the same stations and detours.
    route = {"type": "LineString", "coordinates": [list(coords[a]), list(coords[b])]}
    posted = client.post("/corridor", params={"max_detour_min": 20}, json={"route": route})
    assert posted.status_code == 200, posted.text
    check_corridor(posted.json(), g, a, b, homes, 20)
    off = client.get("/corridor", params={**params, "from_lon": 100.0})
    assert off.status_code == 422 and "no street network" in off.json()["detail"]


def test_cli_corridor_equals_networkx(
    cli_db: str,
    graphs: dict[str, nx.DiGraph],
    placed: dict[str, list[int]],
    coords: dict[int, tuple[float, float]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    g = graphs["truck"]
    homes = [s for i, s in enumerate(placed["stations"]) if station_kind(i) == "driver_home"]
    a, b = placed["queries"][2], placed["queries"][1]
    frm, to = f"{coords[a][0]},{coords[a][1]}", f"{coords[b][0]},{coords[b][1]}"
    argv = ["corridor", "--db", cli_db, "--from", frm, "--to", to]
    assert main([*argv, "--max-detour", "15", "--json"]) == 0
    check_corridor(json.loads(capsys.readouterr().out), g, a, b, homes, 15)
    assert main([*argv, "--max-detour", "15"]) == 0
    table = capsys.readouterr().out
    assert "truck trip:" in table and "detour min" in table
    assert main(["corridor", "--db", cli_db, "--from", frm]) == 1
    assert "give --from LON,LAT and --to LON,LAT" in capsys.readouterr().err


@pytest.mark.parametrize("mode", ["ebike", "truck"])
def test_cli_nearest_by_mode_equals_networkx(
    cli_db: str,
    graphs: dict[str, nx.DiGraph],
    placed: dict[str, list[int]],
    coords: dict[int, tuple[float, float]],
    capsys: pytest.CaptureFixture[str],
    mode: str,
) -> None:
    q = placed["queries"][2]
    lon, lat = coords[q]
    argv = ["nearest", "--db", cli_db, "--lon", str(lon), "--lat", str(lat)]
    assert main([*argv, "--mode", mode, "-k", "4", "--json"]) == 0
    got = json.loads(capsys.readouterr().out)["features"]
    times = nx.single_source_dijkstra_path_length(graphs[mode], q, weight="w")
    want = sorted((times[s], s) for s in placed["stations"] if s in times)[:4]
    assert [node_of(f["id"]) for f in got] == [s for _, s in want]
    np.testing.assert_allclose(
        [f["properties"]["travel_time_s"] for f in got], [t for t, _ in want], atol=2e-3
    )
