"""OSMnx GraphML networks: the same network model as the PBF path, from the same ways."""

from __future__ import annotations

import gzip
import itertools
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from geo.coverage import StationSet, coverage_report
from geo.errors import InvalidInputError, NotFoundError
from geo.network import EDGE_TAGS, load_network, read_street_frames

M = 1 / 111_319.49  # degrees of longitude per metre at the equator


def simplified_graph(nodes: pd.DataFrame, edges: pd.DataFrame) -> nx.MultiDiGraph:
    """What OSMnx would save for these segments: chains through degree-2 nodes merged into one
    edge with a ``geometry`` (WKT) and the summed ``length``, in both directions."""
    lonlat = dict(zip(nodes["id"], zip(nodes["lon"], nodes["lat"], strict=True), strict=True))
    g = nx.Graph()
    for u, v, length, hw in edges[["u", "v", "length_m", "highway"]].itertuples(index=False):
        if u != v and (not g.has_edge(u, v) or g[u][v]["length"] > length):
            g.add_edge(u, v, length=length, highway=hw)
    ends = {n for n in g if g.degree(n) != 2}
    out = nx.MultiDiGraph(crs="epsg:4326", simplified="True")
    for n in g:
        out.add_node(n, x=repr(lonlat[n][0]), y=repr(lonlat[n][1]))
    seen: set[frozenset[int]] = set()
    for start in ends:
        for nxt in g[start]:
            path = [start, nxt]
            while path[-1] not in ends:
                path.append(next(w for w in g[path[-1]] if w != path[-2]))
            steps = list(itertools.pairwise(path))
            key = frozenset(map(frozenset, steps))
            if key in seen:
                continue
            seen.add(key)
            length = sum(g[a][b]["length"] for a, b in steps)
            hw = g[path[0]][path[1]]["highway"]
            for line in (path, path[::-1]):
                wkt = (
                    "LINESTRING ("
                    + ", ".join(f"{lonlat[n][0]!r} {lonlat[n][1]!r}" for n in line)
                    + ")"
                )
                out.add_edge(line[0], line[-1], length=repr(length), highway=hw, oneway="False",
                             geometry=wkt if len(line) > 2 else "")  # fmt: skip
    return out


def write_graphml(graph: nx.MultiDiGraph, path: Path) -> Path:
    for _, _, d in graph.edges(data=True):
        if not d.get("geometry"):
            d.pop("geometry", None)  # OSMnx writes no geometry for a straight edge
    nx.write_graphml(graph, path)
    return path


def test_same_coverage_from_pbf_and_from_graphml_of_the_same_ways(
    helsinki_pbf: str, tmp_path: Path
) -> None:
    nodes, edges = read_street_frames(helsinki_pbf, mode="walk")
    graphml = write_graphml(simplified_graph(nodes, edges), tmp_path / "helsinki.graphml")
    gz = tmp_path / "helsinki.graphml.gz"
    gz.write_bytes(gzip.compress(graphml.read_bytes()))
    from_pbf = load_network(helsinki_pbf)
    from_graphml = load_network(gz, cache_dir=tmp_path / "cache")
    # Merged chains are cut back at every vertex: the same segments, the same lengths.
    assert from_graphml.edge_u.size == from_pbf.edge_u.size
    assert from_graphml.edge_len_m.sum() == pytest.approx(from_pbf.edge_len_m.sum(), rel=1e-9)
    rng = np.random.default_rng(7)
    pick = rng.choice(from_pbf.n_nodes, 6, replace=False)
    lon, lat = from_pbf.lon[pick] + 5 * M, from_pbf.lat[pick]
    reports = [
        coverage_report(net, StationSet.build(net, np.arange(6), lon, lat), minutes=4)
        for net in (from_pbf, from_graphml)
    ]
    a, b = (r.street_share.to_dict() for r in reports)
    assert 0 < a["none"] < 1 and 0 < a["once"] < 1  # a test that can tell networks apart
    for part in ("none", "once", "multiple"):
        assert b[part] == pytest.approx(a[part], abs=1e-6)  # pyrosm rounds lengths to mm
    assert load_network(gz, cache_dir=tmp_path / "cache").edge_u.size == from_pbf.edge_u.size
    assert len(list((tmp_path / "cache").glob("network-*.npz"))) == 1  # cached like a PBF


def tiny_graphml(tmp_path: Path, edges: list[dict[str, str]]) -> Path:
    """Nodes 1 (0, 0), 2 (100 m east), 3 (200 m east) and the given edges from 1."""
    g = nx.MultiDiGraph()
    for n, x in ((1, 0.0), (2, 100 * M), (3, 200 * M)):
        g.add_node(n, x=repr(x), y="0.0")
    for d in edges:
        g.add_edge(int(d.pop("u")), int(d.pop("v")), **d)
    return write_graphml(g, tmp_path / "tiny.graphml")


def test_a_shaped_edge_is_cut_at_its_vertices_and_shares_its_length(tmp_path: Path) -> None:
    # 1 → 3 drawn through a bend 100 m north of node 2: two pieces of equal haversine length.
    bend = f"{100 * M!r} {100 / 110_574.27!r}"
    path = tiny_graphml(
        tmp_path,
        [{"u": "1", "v": "3", "length": "300", "highway": "['footway', 'steps']",
          "geometry": f"LINESTRING (0 0, {bend}, {200 * M!r} 0)", "maxspeed": "30"}],
    )  # fmt: skip
    nodes, edges = read_street_frames(path, mode="walk")
    assert edges["length_m"].tolist() == pytest.approx([150.0, 150.0], rel=1e-3)
    assert edges["length_m"].sum() == pytest.approx(300.0)
    assert edges["highway"].tolist() == ["footway", "footway"]  # the first of a merged list
    assert edges["maxspeed"].tolist() == ["30", "30"]
    assert set(EDGE_TAGS) <= set(edges.columns)
    inner = edges["v"].iloc[0]
    assert inner < 0 and edges["u"].iloc[1] == inner  # one vertex, shared by both pieces
    assert nodes.set_index("id").loc[inner, "lat"] == pytest.approx(100 / 110_574.27)


@pytest.mark.parametrize(
    ("tags", "walk", "drive"),
    [
        ({"highway": "residential"}, True, True),
        ({"highway": "motorway"}, False, True),
        ({"highway": "footway"}, True, False),
        ({"highway": "service", "access": "private"}, False, False),
        ({"highway": "service", "access": "no", "foot": "yes"}, True, False),
        ({"highway": "primary", "access": "private"}, False, False),
        ({"highway": "pedestrian", "area": "yes"}, False, False),
    ],
)
def test_mode_filters_follow_pyrosms_rules(
    tmp_path: Path, tags: dict[str, str], walk: bool, drive: bool
) -> None:
    # A residential 2-3 edge keeps every mode's file non-empty.
    path = tiny_graphml(
        tmp_path,
        [{"u": "1", "v": "2", "length": "100", **tags},
         {"u": "2", "v": "3", "length": "100", "highway": "residential"}],
    )  # fmt: skip
    for mode, expected in (("walk", walk), ("drive", drive)):
        _, edges = read_street_frames(path, mode=mode)  # type: ignore[arg-type]
        assert ((edges["u"] == 1) & (edges["v"] == 2)).any() == expected, mode


def test_drive_keeps_oneway_walk_ignores_it(tmp_path: Path) -> None:
    path = tiny_graphml(
        tmp_path,
        [{"u": "1", "v": "2", "length": "100", "highway": "primary", "oneway": "True"},
         {"u": "2", "v": "3", "length": "100", "highway": "primary", "oneway": "False"}],
    )  # fmt: skip
    assert read_street_frames(path, mode="drive")[1]["oneway"].tolist() == [True, False]
    assert read_street_frames(path, mode="walk")[1]["oneway"].tolist() == [False, False]


def test_unreadable_files_are_named(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="no such GraphML file"):
        read_street_frames(tmp_path / "missing.graphml", mode="walk")
    bad = tmp_path / "bad.graphml"
    bad.write_text("<graphml><node", encoding="utf-8")
    with pytest.raises(InvalidInputError, match=r"bad\.graphml: not a readable GraphML"):
        read_street_frames(bad, mode="walk")
    only_motorway = tiny_graphml(tmp_path, [{"u": "1", "v": "2", "highway": "motorway"}])
    with pytest.raises(InvalidInputError, match="no walk streets"):
        read_street_frames(only_motorway, mode="walk")
