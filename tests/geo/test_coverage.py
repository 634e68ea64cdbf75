"""The coverage engine against networkx, brute force, shapely and hand-computed cases."""

from __future__ import annotations

from datetime import date

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.coverage import (
    StationSet,
    coverage_report,
    find_gaps,
    isochrones,
    point_labels,
    station_labels,
    walk_costs,
    weekly_profile,
)
from geo.errors import InvalidInputError
from geo.network import StreetNetwork, network_from_arrays
from tests.conftest import shared_data

GEOD = pyproj.Geod(ellps="WGS84")
M = 1 / 111_319.49
M_LAT = 1 / 110_574.27


def line_graph() -> StreetNetwork:
    """Nodes 0..4 on a straight east-west street at the equator, 100 m apart."""
    lon = 3.0 + np.arange(5) * 100 * M
    return network_from_arrays(
        np.arange(5), lon, np.zeros(5), [0, 1, 2, 3], [1, 2, 3, 4], [100.0] * 4
    )


def nx_graph(net: StreetNetwork) -> nx.DiGraph:
    g = nx.DiGraph()
    for a, b, c, ow in zip(net.edge_u, net.edge_v, net.edge_cost, net.edge_oneway, strict=True):
        g.add_edge(int(a), int(b), weight=float(c))
        if not ow:
            g.add_edge(int(b), int(a), weight=float(c))
    return g


def per_station_truth(net: StreetNetwork, s: StationSet) -> np.ndarray:
    """Node costs from each station, one networkx Dijkstra per station (the slow, plain way)."""
    g = nx_graph(net)
    out = np.full((s.ids.size, net.n_nodes), np.inf)
    for j in range(s.ids.size):
        if not s.snapped.on_network[j]:
            continue
        e, t, o = s.snapped.edge[j], s.snapped.t[j], s.snapped.offset_m[j]
        c = net.edge_cost[e]
        g.add_edge(("s", j), int(net.edge_u[e]), weight=o + t * c)
        g.add_edge(("s", j), int(net.edge_v[e]), weight=o + (1 - t) * c)
        for node, d in nx.single_source_dijkstra_path_length(g, ("s", j)).items():
            if isinstance(node, int):
                out[j, node] = d
    return out


def test_hand_computed_line() -> None:
    net = line_graph()
    # A station 30 m north of the street, 20 % along 0-1; another exactly at node 4.
    s = StationSet.build(net, ["a", "b"], [3.0 + 20 * M, 3.0 + 400 * M], [30 * M_LAT, 0.0])
    assert s.snapped.t[0] == pytest.approx(0.2, abs=1e-3)
    assert s.snapped.offset_m[0] == pytest.approx(30.0, rel=1e-3)
    lab = station_labels(net, s, limit=1000)
    o = float(s.snapped.offset_m[0])
    # Node 0: a at 30+20=50, b at 400. Node 2: a at 30+180, b at 200 -> b is nearer.
    np.testing.assert_allclose(lab.d1, [o + 20, o + 80, 200, 100, 0], atol=0.5)
    assert s.ids[lab.src1].tolist() == ["a", "a", "b", "b", "b"]
    np.testing.assert_allclose(lab.d2, [400, 300, o + 180, o + 280, o + 380], atol=0.5)
    # Limit 250: node 4 has only b within reach.
    lim = station_labels(net, s, limit=250)
    counts = (lim.d1 <= 250).astype(int) + (lim.d2 <= 250).astype(int)
    assert counts.tolist() == [1, 1, 2, 1, 1]


def test_point_on_a_station_segment_reaches_it_directly() -> None:
    net = line_graph()
    s = StationSet.build(net, ["a"], [3.0 + 250 * M], [0.0])  # middle of 2-3
    lab = station_labels(net, s)
    q = net.snap([3.0 + 210 * M], [10 * M_LAT])  # 40 m west of it, 10 m off the street
    d1, s1, d2, s2 = point_labels(net, s, lab, q)
    assert d1[0] == pytest.approx(40 + 10, abs=0.1)  # along the segment, not via node 2
    assert s1[0] == 0 and s2[0] == -1 and np.isinf(d2[0])


def test_node_costs_equal_networkx_on_helsinki(
    helsinki: StreetNetwork, demo_stations: pd.DataFrame
) -> None:
    s = StationSet.build(helsinki, demo_stations["id"], demo_stations["lon"], demo_stations["lat"])
    truth = per_station_truth(helsinki, s)
    lab = station_labels(helsinki, s, limit=1200)
    best = np.sort(truth, axis=0)
    np.testing.assert_allclose(lab.d1, best[0], atol=1.0)  # within 1 m, every node
    assert np.all(truth[lab.src1, np.arange(helsinki.n_nodes)] <= best[0] + 1e-6)
    second = np.where(best[1] <= 1200, best[1], np.inf)
    np.testing.assert_allclose(lab.d2, second, atol=1.0)
    for limit in (200.0, 600.0, 1200.0):
        lab = station_labels(helsinki, s, limit=limit)
        counts = np.minimum((truth <= limit).sum(axis=0), 2)
        got = (lab.d1 <= limit).astype(int) + (lab.d2 <= limit).astype(int)
        assert np.array_equal(got, counts), limit


def test_walk_costs_equal_networkx(helsinki: StreetNetwork, demo_stations: pd.DataFrame) -> None:
    s = StationSet.build(helsinki, demo_stations["id"], demo_stations["lon"], demo_stations["lat"])
    lon, lat = 24.9445, 60.1712
    got = walk_costs(helsinki, lon, lat, s)
    q = helsinki.snap_one(lon, lat)
    truth = per_station_truth(
        helsinki, StationSet(np.array(["q"], dtype=object), np.array([lon]), np.array([lat]), q)
    )[0]
    # Station j is reached from the ends of its own segment, plus its leg.
    e, t = s.snapped.edge, s.snapped.t
    c = helsinki.edge_cost[e]
    want = (
        np.minimum(truth[helsinki.edge_u[e]] + t * c, truth[helsinki.edge_v[e]] + (1 - t) * c)
        + s.snapped.offset_m
    )
    np.testing.assert_allclose(got, want, atol=1.0)
    assert np.all(
        got
        >= np.asarray(GEOD.inv(np.full(s.lon.size, lon), np.full(s.lon.size, lat), s.lon, s.lat)[2])
        - 1
    )


def test_straight_area_equals_union_of_geodesic_buffers(helsinki: StreetNetwork) -> None:
    rng = np.random.default_rng(3)
    k = rng.choice(helsinki.n_nodes, 4, replace=False)
    s = StationSet.build(helsinki, [f"s{i}" for i in k], helsinki.lon[k], helsinki.lat[k])
    r = coverage_report(helsinki, s, standard="radius", radius_m=300, resolution=12)
    hull = shapely.convex_hull(shapely.multipoints(np.column_stack([helsinki.lon, helsinki.lat])))
    crs = helsinki.crs
    to_local = pyproj.Transformer.from_crs(4326, crs, always_xy=True).transform
    circles = []
    for x, y in zip(s.lon, s.lat, strict=True):
        az = np.linspace(0, 360, 361)[:-1]
        cx, cy, _ = GEOD.fwd(np.full(az.size, x), np.full(az.size, y), az, np.full(az.size, 300.0))
        circles.append(shapely.Polygon(np.column_stack(to_local(cx, cy))))
    hull_l = shapely.Polygon(np.column_stack(to_local(*np.asarray(hull.exterior.coords).T)))
    covered = shapely.intersection(shapely.union_all(circles), hull_l).area / hull_l.area
    assert 0.05 < covered < 0.9  # a real partial case
    assert 1 - r.area_share.none == pytest.approx(covered, abs=0.005)


def test_shares_sum_to_one_and_demand_counts(
    helsinki: StreetNetwork, demo_stations: pd.DataFrame, demo_demand: pd.DataFrame
) -> None:
    s = StationSet.build(
        helsinki, demo_stations["id"][:3], demo_stations["lon"][:3], demo_stations["lat"][:3]
    )
    r = coverage_report(helsinki, s, standard="walk", minutes=5, demand=demo_demand)
    for sh in (r.street_share, r.area_share, r.demand_share):
        assert sh.none + sh.once + sh.multiple == pytest.approx(1.0)
    # Demand share by brute force: walking cost of each demand point to each station.
    lab = station_labels(helsinki, s, limit=400)
    snap = helsinki.snap(demo_demand["lon"], demo_demand["lat"])
    d1, _, _, _ = point_labels(helsinki, s, lab, snap)
    covered = demo_demand["weight"].to_numpy()[(d1 <= 400)].sum() / demo_demand["weight"].sum()
    assert 1 - r.demand_share.none == pytest.approx(covered)
    assert r.to_dict()["demand_share"] == r.demand_share.to_dict()
    assert set(r.to_dict()) >= {"standard", "street_share", "area_share", "demand_share"}


@settings(max_examples=15, deadline=None)
@given(st.lists(st.integers(0, 5261), min_size=1, max_size=6, unique=True), st.floats(100, 1500))
def test_coverage_monotone_in_radius_and_stations(
    helsinki: StreetNetwork, picks: list[int], limit: float
) -> None:
    k = np.array(picks) % helsinki.n_nodes
    s = StationSet.build(helsinki, [str(i) for i in k], helsinki.lon[k], helsinki.lat[k])
    minutes = limit / (4.8 / 3.6) / 60
    base = coverage_report(helsinki, s, minutes=minutes)
    wider = coverage_report(helsinki, s, minutes=minutes * 1.3)
    fewer = coverage_report(helsinki, s, minutes=minutes, active=np.arange(k.size) > 0)
    assert 1 - wider.street_share.none >= 1 - base.street_share.none - 1e-12
    assert wider.street_share.multiple >= base.street_share.multiple - 1e-12
    assert 1 - fewer.street_share.none <= 1 - base.street_share.none + 1e-12


def test_open_at_night_counts_only_open_stations(helsinki: StreetNetwork) -> None:
    k = np.array([100, 2000, 4000])
    s = StationSet.build(helsinki, ["day", "night", "day2"], helsinki.lon[k], helsinki.lat[k])
    hours = ["Mo-Su 08:00-20:00", "24/7", "Mo-Fr 09:00-17:00"]
    prof = weekly_profile(
        helsinki, s, hours, week_start=date(2026, 11, 23), tz="Europe/Helsinki", minutes=5
    )
    assert len(prof) == 168
    assert prof.loc[prof["hour"] == 23, "open_stations"].eq(1).all()
    monday_10 = prof[(prof["weekday"] == "Mon") & (prof["hour"] == 10)].iloc[0]
    assert monday_10["open_stations"] == 3
    night = prof[(prof["weekday"] == "Mon") & (prof["hour"] == 23)].iloc[0]
    assert night["street_none"] > monday_10["street_none"]
    only_night = coverage_report(helsinki, s, minutes=5, active=np.array([False, True, False]))
    assert night["street_none"] == pytest.approx(only_night.street_share.none)


def test_gaps_are_merged_ranked_and_count_demand(
    helsinki: StreetNetwork, demo_demand: pd.DataFrame
) -> None:
    k = np.array([300, 3000])
    s = StationSet.build(helsinki, ["a", "b"], helsinki.lon[k], helsinki.lat[k])
    r = coverage_report(helsinki, s, minutes=4, demand=demo_demand, keep_cells=True)
    gaps = find_gaps(r, demand=demo_demand)
    assert len(gaps) >= 1 and gaps["rank"].tolist() == list(range(1, len(gaps) + 1))
    key = list(zip(-gaps["demand"], -gaps["area_m2"], strict=True))
    assert key == sorted(key)
    # Every uncovered cell is in exactly one gap, and the gaps' cells add up.
    assert gaps["cells"].sum() == int((r.cells["count"] == 0).sum())
    # Demand in each gap equals a brute-force point-in-polygon count.
    pts = gpd.points_from_xy(demo_demand["lon"], demo_demand["lat"])
    for g, want in zip(gaps.geometry, gaps["demand"], strict=True):
        assert demo_demand["weight"][shapely.contains(g, pts)].sum() == pytest.approx(want)
    # Area: hexagons merged without slivers.
    total = gaps.to_crs(helsinki.crs).area.sum()
    assert total == pytest.approx(r.cells.loc[r.cells["count"] == 0, "area_m2"].sum(), rel=0.01)
    assert set(gaps["nearest_id"]) <= {"a", "b"} and (gaps["nearest_walk_s"] > 4 * 60 - 1).all()


def test_isochrone_holds_reached_nodes_only(helsinki: StreetNetwork) -> None:
    k = np.array([1234])
    s = StationSet.build(helsinki, ["a"], helsinki.lon[k], helsinki.lat[k])
    iso = isochrones(helsinki, s, minutes=5, street_buffer_m=20)
    poly = iso.to_crs(helsinki.crs).geometry.iloc[0]
    truth = per_station_truth(helsinki, s)[0]
    pts = shapely.points(helsinki.x, helsinki.y)
    inside = shapely.contains(poly, pts)
    assert inside[truth <= 390].all()  # 400 m in 5 minutes, minus a margin
    far = truth > 400 + 20 + 200  # far beyond the walk plus the buffer, on the streets
    straight_far = np.hypot(helsinki.x - helsinki.x[k[0]], helsinki.y - helsinki.y[k[0]]) > 450
    assert not inside[far & straight_far].any()


@pytest.mark.skipif(shared_data() is None, reason="shared/data/sao-paulo is absent (fresh clone)")
def test_sao_paulo_nodes_equal_networkx_sample() -> None:
    from geo.network import load_network

    folder = shared_data()
    assert folder is not None
    net = load_network(folder / "spo_osm.pbf")
    hexes = pd.read_csv(folder / "spo_hexgrid.csv")
    top = hexes.nlargest(12, "jobs")
    s = StationSet.build(net, top["id"], top["lon"], top["lat"])
    lab = station_labels(net, s, limit=1200)
    truth = per_station_truth(net, s)
    np.testing.assert_allclose(lab.d1, truth.min(axis=0), atol=1.0)
    dem = hexes.rename(columns={"jobs": "weight"})
    r = coverage_report(net, s, demand=dem)
    assert 0 < r.demand_share.none < 1 and 0 < r.area_share.none < 1


def test_district_shares_partition_the_city(
    helsinki: StreetNetwork, demo_demand: pd.DataFrame
) -> None:
    k = np.array([300, 3000, 4500])
    s = StationSet.build(helsinki, ["a", "b", "c"], helsinki.lon[k], helsinki.lat[k])
    mid = float(np.median(helsinki.lon))
    w, so, e, n = -180.0, -90.0, 180.0, 90.0
    districts = gpd.GeoDataFrame(
        {"name": ["west", "east"]},
        geometry=[shapely.box(w, so, mid, n), shapely.box(mid, so, e, n)],
        crs=4326,
    )
    r = coverage_report(helsinki, s, minutes=4, demand=demo_demand, districts=districts)
    assert set(r.districts) == {"west", "east"}
    # Demand: the districts' covered weights add up to the city's.
    lon = demo_demand["lon"].to_numpy()
    wt = demo_demand["weight"].to_numpy()
    west = lon < mid
    whole = 1 - r.demand_share.none
    parts = (
        (1 - r.districts["west"]["demand_share"].none) * wt[west].sum()
        + (1 - r.districts["east"]["demand_share"].none) * wt[~west].sum()
    ) / wt.sum()
    assert parts == pytest.approx(whole)
    assert (
        r.to_dict()["districts"]["west"]["street_share"]
        == r.districts["west"]["street_share"].to_dict()
    )
    with pytest.raises(InvalidInputError, match="'name' column"):
        coverage_report(helsinki, s, districts=districts.rename(columns={"name": "n"}))


@pytest.mark.skipif(shared_data() is None, reason="shared/data/sao-paulo is absent (fresh clone)")
def test_sao_paulo_straight_1km_equals_buffer_union_at_default_grid() -> None:
    from geo.network import load_network

    folder = shared_data()
    assert folder is not None
    net = load_network(folder / "spo_osm.pbf")
    top = pd.read_csv(folder / "spo_hexgrid.csv").nlargest(8, "jobs")
    s = StationSet.build(net, top["id"], top["lon"], top["lat"])
    r = coverage_report(net, s, standard="radius", radius_m=1000)  # default H3 resolution 10
    tl = pyproj.Transformer.from_crs(4326, net.crs, always_xy=True).transform
    circles = []
    for x, y in zip(s.lon, s.lat, strict=True):
        az = np.linspace(0, 360, 721)[:-1]
        cx, cy, _ = GEOD.fwd(np.full(az.size, x), np.full(az.size, y), az, np.full(az.size, 1000.0))
        circles.append(shapely.Polygon(np.column_stack(tl(cx, cy))))
    hull = shapely.convex_hull(shapely.multipoints(np.column_stack([net.lon, net.lat])))
    hull_l = shapely.Polygon(np.column_stack(tl(*np.asarray(hull.exterior.coords).T)))
    covered = shapely.intersection(shapely.union_all(circles), hull_l).area / hull_l.area
    assert 0.1 < covered < 0.9
    assert 1 - r.area_share.none == pytest.approx(covered, abs=0.005)
