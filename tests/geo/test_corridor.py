"""The driver's corridor: detours worked out by hand on small networks, and networkx on Helsinki."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import networkx as nx
import numpy as np
import pandas as pd
import pyproj
import pytest

from geo.corridor import corridor, stations_along
from geo.errors import InvalidInputError
from geo.network import StreetNetwork, load_network, network_from_frames
from geo.stations import open_store
from geo.types import Station
from tests.geo.test_modes import HELSINKI, nx_mode_graph

# Nodes are placed in UTM zone 49N metres (Shenzhen), so lengths and snapping agree.
_TO_LONLAT = pyproj.Transformer.from_crs(32649, 4326, always_xy=True)
X0, Y0 = 200_000.0, 2_490_000.0


def lonlat(x: float, y: float) -> tuple[float, float]:
    lon, lat = _TO_LONLAT.transform(X0 + x, Y0 + y)
    return float(lon), float(lat)


def build(
    nodes: dict[str, tuple[float, float]], ways: list[dict[str, object]], mode: str
) -> tuple[StreetNetwork, dict[str, int]]:
    ids = {name: i + 1 for i, name in enumerate(nodes)}
    pts = [lonlat(*xy) for xy in nodes.values()]
    node_frame = pd.DataFrame(
        {"id": list(ids.values()), "lon": [p[0] for p in pts], "lat": [p[1] for p in pts]}
    )
    rows = []
    for w in ways:
        (ax, ay), (bx, by) = nodes[str(w["u"])], nodes[str(w["v"])]
        rows.append({**w, "u": ids[str(w["u"])], "v": ids[str(w["v"])],
                     "length_m": float(np.hypot(bx - ax, by - ay))})  # fmt: skip
    net = network_from_frames(node_frame, pd.DataFrame(rows), mode=mode)  # type: ignore[arg-type]
    return net, ids


# 36 km/h = 10 m/s and 18 km/h = 5 m/s keep the hand sums short.
FAST = {"highway": "primary", "maxspeed": "36"}
SLOW = {"highway": "residential", "maxspeed": "18"}


def test_low_bridge_trucks_go_round() -> None:
    nodes = {"A": (0, 0), "B": (1000, 0), "C": (500, 866.0254)}  # C: 1000 m from A and B
    ways = [
        {"u": "A", "v": "B", **FAST, "bridge": "yes", "maxheight": "3.5"},
        {"u": "A", "v": "C", **FAST},
        {"u": "C", "v": "B", **FAST},
    ]
    a, b, c = lonlat(*nodes["A"]), lonlat(*nodes["B"]), lonlat(*nodes["C"])
    truck, _ = build(nodes, ways, "truck")
    car, _ = build(nodes, ways, "drive")
    t = corridor(truck, *a, *b, [c[0]], [c[1]])
    d = corridor(car, *a, *b, [c[0]], [c[1]])
    assert t.base_time_s == pytest.approx(200.0, abs=1e-3)  # round by C: 2 x 1000 m at 10 m/s
    assert t.detour_s[0] == pytest.approx(0.0, abs=1e-3)  # C is on the truck's way
    assert d.base_time_s == pytest.approx(100.0, abs=1e-3)  # over the bridge
    assert d.detour_s[0] == pytest.approx(100.0, abs=1e-3)


def river_town() -> tuple[dict[str, tuple[float, float]], list[dict[str, object]]]:
    nodes = {
        "A": (0, 0), "M": (1000, 0), "B": (2000, 0),
        "S": (1000, 100),  # up a one-way street from M
        "T": (1000, -100),  # its one-way street only leads into M
        "R": (1000, 300),  # across the river: the nearest bridge is far east
        "E": (4000, 300), "F": (4000, 0),
    }  # fmt: skip
    ways = [
        {"u": "A", "v": "M", **FAST},
        {"u": "M", "v": "B", **FAST},
        {"u": "M", "v": "S", **SLOW, "oneway": "yes"},
        {"u": "S", "v": "B", **SLOW, "oneway": "yes"},
        {"u": "T", "v": "M", **SLOW, "oneway": "yes"},
        {"u": "B", "v": "F", **FAST},
        {"u": "F", "v": "E", **FAST, "bridge": "yes"},
        {"u": "E", "v": "R", **FAST},
    ]
    return nodes, ways


def test_one_way_street_river_and_a_station_just_off_the_route() -> None:
    nodes, ways = river_town()
    net, _ = build(nodes, ways, "truck")
    a, b = lonlat(*nodes["A"]), lonlat(*nodes["B"])
    off = lonlat(500, 20)  # 20 m beside the middle of A-M
    pts = [lonlat(*nodes["S"]), lonlat(*nodes["T"]), lonlat(*nodes["R"]), off]
    got = corridor(net, *a, *b, [p[0] for p in pts], [p[1] for p in pts])
    assert got.base_time_s == pytest.approx(200.0, abs=1e-3)
    s_to_b = np.hypot(1000, 100) / 5.0  # S -> B on the slow one-way street
    # S: A->M 100 s, M->S 20 s, S->B; minus A->B 200 s.
    assert got.detour_s[0] == pytest.approx(100 + 20 + s_to_b - 200, abs=1e-3)
    assert got.to_station_s[1] == np.inf  # T can be left but never reached
    assert got.detour_s[1] == np.inf
    # R: B, F, E, R and back: 2 x (2000 + 300 + 3000) m at 10 m/s.
    r_extra = 2 * (2000 + 300 + 3000) / 10.0
    assert got.detour_s[2] == pytest.approx(r_extra, abs=1e-3)
    walk = 20 / (4.8 / 3.6)  # the 20 m leg from the street, walked, there and back
    assert got.detour_s[3] == pytest.approx(2 * walk, abs=0.05)
    assert got.along_route_m[3] == pytest.approx(500, abs=0.5)
    assert got.along_route_m[0] == pytest.approx(1000, abs=0.5)


def test_walking_network_is_refused(helsinki: StreetNetwork) -> None:
    with pytest.raises(InvalidInputError, match="seconds"):
        corridor(helsinki, 24.94, 60.17, 24.95, 60.17, [], [])


@pytest.fixture(scope="module")
def helsinki_truck() -> StreetNetwork:
    return load_network(HELSINKI, mode="truck")


def test_detours_equal_networkx_on_helsinki(helsinki_truck: StreetNetwork) -> None:
    from geo._osm import read_way_frames

    nodes, ways = read_way_frames(HELSINKI)
    g = nx_mode_graph(nodes, ways, "truck")
    net = helsinki_truck
    rng = np.random.default_rng(3)
    pick = rng.choice(net.n_nodes, size=40, replace=False)
    a, b, stations = pick[0], pick[1], pick[2:]
    got = corridor(net, net.lon[a], net.lat[a], net.lon[b], net.lat[b],
                   net.lon[stations], net.lat[stations])  # fmt: skip
    from_a = nx.single_source_dijkstra_path_length(g, int(net.node_id[a]), weight="w")
    to_b = nx.single_source_dijkstra_path_length(g.reverse(), int(net.node_id[b]), weight="w")
    base = from_a[int(net.node_id[b])]
    assert got.base_time_s == pytest.approx(base, rel=1e-9)
    for j, s in enumerate(stations):
        sid = int(net.node_id[s])
        want = from_a.get(sid, np.inf) + to_b.get(sid, np.inf) - base
        if np.isfinite(want):
            assert got.detour_s[j] == pytest.approx(want, rel=1e-9, abs=1e-6)
        else:
            assert not np.isfinite(got.detour_s[j])


def test_stations_along_ranks_filters_and_checks_hours(
    helsinki_truck: StreetNetwork, tmp_path: Path
) -> None:
    net = helsinki_truck
    rng = np.random.default_rng(11)
    pick = rng.choice(net.n_nodes, size=30, replace=False)
    reg = open_store(tmp_path / "r.sqlite", tz="Europe/Helsinki")
    hours = ["Mo-Su 08:00-20:00", "24/7", ""]
    reg.add(
        [
            Station(
                id=f"s{i}", name=f"S{i}", kind="driver_home" if i % 2 else "worker_station",
                lon=float(net.lon[n]), lat=float(net.lat[n]), opening_hours=hours[i % 3],
            )
            for i, n in enumerate(pick[2:])
        ]
    )  # fmt: skip
    a, b = pick[0], pick[1]
    start, end = (float(net.lon[a]), float(net.lat[a])), (float(net.lon[b]), float(net.lat[b]))
    night = datetime(2026, 5, 1, 23, 0, tzinfo=ZoneInfo("Europe/Helsinki"))
    full, hits = stations_along(reg, net, start, end, max_detour_s=1e6, depart=night, limit=100)
    # Every station is in the answer when any detour is allowed: the ellipse misses none.
    lon = np.array([s.lon for s in reg.stations()])
    lat = np.array([s.lat for s in reg.stations()])
    ref = corridor(net, *start, *end, lon, lat)
    assert len(hits) == int(np.isfinite(ref.detour_s).sum())
    detours = [h.detour_s for h in hits]
    assert detours == sorted(detours)
    for h in hits:
        want = h.station.opening_hours == "24/7"  # at 23:00 only the 24/7 ones are open
        assert h.open_on_arrival is want
    limit_s = float(np.median(detours))
    _, few = stations_along(reg, net, start, end, max_detour_s=limit_s, limit=100)
    assert {h.station.id for h in few} == {h.station.id for h in hits if h.detour_s <= limit_s}
    assert full.base_time_s > 0
    with pytest.raises(InvalidInputError, match="max_detour_s"):
        stations_along(reg, net, start, end, max_detour_s=-1)
