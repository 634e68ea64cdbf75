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
from geo.network import Snapped, StreetNetwork, network_from_arrays
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
    # Within 0.5 % of the study area, and here (fine cells) within 0.5 % of the covered area.
    assert 1 - r.area_share.none == pytest.approx(covered, abs=0.005)
    assert 1 - r.area_share.none == pytest.approx(covered, rel=0.005)


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


def triangle_drive() -> StreetNetwork:
    """Driving triangle: 1→2 one-way primary (100 m, 6 s), 2-3 and 3-1 two-way residential."""
    return network_from_arrays(
        [1, 2, 3],
        [3.0, 3.0 + 100 * M, 3.0 + 100 * M],
        [0.0, 0.0, 100 * M_LAT],
        [1, 2, 3],
        [2, 3, 1],
        [100.0, 100.0, 141.42],
        mode="drive",
        highway=["primary", "residential", "residential"],
        oneway=[True, False, False],
    )


def test_one_way_costs_run_towards_the_station() -> None:
    net = triangle_drive()
    res = 100 / (30 / 3.6)  # 12 s per 100 m of residential street
    diag = 141.42 / (30 / 3.6)
    s = StationSet.build(net, ["home"], [3.0 + 50 * M], [0.0])  # middle of the one-way 1→2
    lab = station_labels(net, s)
    # From node 1 ahead along 1→2: 3 s. From 2 the driver cannot reverse: 2→3→1→station.
    np.testing.assert_allclose(lab.d1, [3.0, res + diag + 3.0, diag + 3.0], atol=0.05)
    behind = net.snap([3.0 + 25 * M], [0.0])  # 25 m before the station: drive on to it
    ahead = net.snap([3.0 + 75 * M], [0.0])  # past it: round the triangle
    d_behind = point_labels(net, s, lab, behind)[0][0]
    d_ahead = point_labels(net, s, lab, ahead)[0][0]
    assert d_behind == pytest.approx(1.5, abs=0.05)
    assert d_ahead == pytest.approx(1.5 + res + diag + 3.0, abs=0.05)
    # walk_costs runs from the query to the stations: the same two answers.
    assert walk_costs(net, 3.0 + 25 * M, 0.0, s)[0] == pytest.approx(d_behind, abs=0.05)
    assert walk_costs(net, 3.0 + 75 * M, 0.0, s)[0] == pytest.approx(d_ahead, abs=0.05)


def per_station_point_truth(net: StreetNetwork, s: StationSet, p: Snapped) -> np.ndarray:
    """Cost from each station to each point, the segments split at both (networkx)."""
    g = nx_graph(net)
    for i in np.flatnonzero(p.on_network):
        e, t, c = p.edge[i], p.t[i], net.edge_cost[p.edge[i]]
        g.add_edge(int(net.edge_u[e]), ("p", i), weight=t * c + p.offset_m[i])
        g.add_edge(int(net.edge_v[e]), ("p", i), weight=(1 - t) * c + p.offset_m[i])
    for j in np.flatnonzero(s.snapped.on_network):
        e, t, c = s.snapped.edge[j], s.snapped.t[j], net.edge_cost[s.snapped.edge[j]]
        o = s.snapped.offset_m[j]
        g.add_edge(("s", j), int(net.edge_u[e]), weight=o + t * c)
        g.add_edge(("s", j), int(net.edge_v[e]), weight=o + (1 - t) * c)
        for i in np.flatnonzero(p.on_network & (p.edge == e)):  # along the shared segment
            g.add_edge(("s", j), ("p", i), weight=o + abs(t - p.t[i]) * c + p.offset_m[i])
    out = np.full((s.ids.size, p.edge.size), np.inf)
    for j in np.flatnonzero(s.snapped.on_network):
        for node, d in nx.single_source_dijkstra_path_length(g, ("s", j)).items():
            if isinstance(node, tuple) and node[0] == "p":
                out[j, node[1]] = d
    return out


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 2**32 - 1), st.floats(150, 900))
def test_point_counts_equal_brute_force(
    helsinki: StreetNetwork, demo_demand: pd.DataFrame, seed: int, limit: float
) -> None:
    rng = np.random.default_rng(seed)
    pts = helsinki.snap(demo_demand["lon"], demo_demand["lat"])
    # Stations on the segments of some demand points (so points share their segment)
    # and elsewhere; one with an 800 m leg is off the network.
    host = rng.choice(np.flatnonzero(pts.on_network), 3, replace=False)
    e = pts.edge[host]
    tt = rng.uniform(0, 1, 3)
    x = helsinki.x[helsinki.edge_u[e]] + tt * (
        helsinki.x[helsinki.edge_v[e]] - helsinki.x[helsinki.edge_u[e]]
    )
    y = helsinki.y[helsinki.edge_u[e]] + tt * (
        helsinki.y[helsinki.edge_v[e]] - helsinki.y[helsinki.edge_u[e]]
    )
    k = rng.choice(helsinki.n_nodes, 4, replace=False)
    x = np.concatenate([x + 5.0, helsinki.x[k], [helsinki.x.max() + 800]])
    y = np.concatenate([y, helsinki.y[k] - 7.0, [helsinki.y.mean()]])
    lon, lat = helsinki.unproject(x, y)
    s = StationSet.build(helsinki, [f"s{i}" for i in range(x.size)], lon, lat)
    assert s.snapped.on_network.tolist() == [True] * 7 + [False]
    truth = per_station_point_truth(helsinki, s, pts)
    lab = station_labels(helsinki, s, limit=limit)
    d1, s1, d2, s2 = point_labels(helsinki, s, lab, pts)
    want = np.minimum((truth <= limit).sum(axis=0), 2)
    got = (d1 <= limit).astype(int) + (d2 <= limit).astype(int)
    assert np.array_equal(got, want)
    best = np.sort(truth, axis=0)[0]
    np.testing.assert_allclose(d1, best, atol=1e-6)
    ok = np.isfinite(d1)
    assert np.allclose(truth[s1[ok], np.flatnonzero(ok)], best[ok])  # a station tied for best
    assert not np.any((s2 == s1) & (s1 >= 0))


def test_walk_to_stations_reports_distance_and_time(
    helsinki: StreetNetwork, demo_stations: pd.DataFrame
) -> None:
    from geo.coverage import walk_to_stations
    from geo.errors import OffNetworkError

    st_lon = np.append(demo_stations["lon"].to_numpy()[:6], 25.2)  # the last one is at sea
    st_lat = np.append(demo_stations["lat"].to_numpy()[:6], 60.0)
    lon, lat = 24.9445, 60.1712
    w = walk_to_stations(helsinki, lon, lat, st_lon, st_lat, walk_speed_kmh=3.6)
    s = StationSet.build(helsinki, [str(i) for i in range(7)], st_lon, st_lat)
    q = helsinki.snap_one(lon, lat)
    truth = per_station_point_truth(helsinki, s, q)[:, 0]  # station -> point = point -> station
    np.testing.assert_allclose(w.walk_distance_m[:6], truth[:6], atol=1.0)
    np.testing.assert_allclose(w.walk_time_s, w.walk_distance_m / 1.0)  # 3.6 km/h is 1 m/s
    assert w.on_network.tolist() == [True] * 6 + [False] and np.isinf(w.walk_distance_m[6])
    with pytest.raises(OffNetworkError, match="more than 500 m"):
        walk_to_stations(helsinki, 25.2, 60.0, st_lon, st_lat)
    with pytest.raises(InvalidInputError, match="walking network"):
        walk_to_stations(triangle_drive(), 3.0, 0.0, [3.0], [0.0])


def test_gaps_to_geojson_is_wgs84_feature_collection(
    helsinki: StreetNetwork, demo_demand: pd.DataFrame
) -> None:
    from geo.coverage import to_geojson

    k = np.array([300, 3000])
    s = StationSet.build(helsinki, ["a", "b"], helsinki.lon[k], helsinki.lat[k])
    gaps = find_gaps(coverage_report(helsinki, s, minutes=4, keep_cells=True), demand=demo_demand)
    fc = to_geojson(gaps)
    assert fc["type"] == "FeatureCollection" and len(fc["features"]) == len(gaps)
    first = fc["features"][0]
    assert first["properties"]["rank"] == 1 and first["properties"]["nearest_m"] is None
    ring = np.array(first["geometry"]["coordinates"][0])
    west, south, east, north = (
        helsinki.lon.min(),
        helsinki.lat.min(),
        helsinki.lon.max(),
        helsinki.lat.max(),
    )
    assert (ring[:, 0] > west - 0.01).all() and (ring[:, 0] < east + 0.01).all()  # lon first
    assert (ring[:, 1] > south - 0.01).all() and (ring[:, 1] < north + 0.01).all()


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda n, s: station_labels(n, s, limit=-1.0), "limit=-1.0"),
        (lambda n, s: station_labels(n, s, active=np.ones(5, bool)), "active must be"),
        (lambda n, s: station_labels(n, s, active=np.ones(2, int)), "dtype int"),
        (lambda n, s: coverage_report(n, s, minutes=0), "minutes=0"),
        (lambda n, s: coverage_report(n, s, walk_speed_kmh=-4.8), "walk_speed_kmh=-4.8"),
        (lambda n, s: coverage_report(n, s, standard="bike"), "standard='bike'"),
        (lambda n, s: isochrones(n, s, which=[2]), "which=\\[2\\]"),
        (lambda n, s: walk_costs(n, 3.0, 91.0, s), "lat=91.0"),
    ],
)
def test_bad_arguments_raise_naming_them(call, match: str) -> None:  # type: ignore[no-untyped-def]
    net = line_graph()
    s = StationSet.build(net, ["a", "b"], [3.0, 3.0 + 100 * M], [0.0, 0.0])
    with pytest.raises(InvalidInputError, match=match):
        call(net, s)


def test_straight_counts_equal_brute_force_geodesic() -> None:
    from geo.coverage import straight_counts

    rng = np.random.default_rng(11)
    st_lon, st_lat = rng.uniform(24.93, 24.96, 25), rng.uniform(60.16, 60.18, 25)
    lon, lat = rng.uniform(24.92, 24.97, 400), rng.uniform(60.155, 60.185, 400)
    count, near_d, near_s = straight_counts(st_lon, st_lat, lon, lat, 700.0)
    _, _, d = GEOD.inv(
        np.repeat(lon, 25), np.repeat(lat, 25), np.tile(st_lon, 400), np.tile(st_lat, 400)
    )
    d = np.asarray(d).reshape(400, 25)
    assert np.array_equal(count, (d <= 700).sum(axis=1))
    np.testing.assert_allclose(near_d, d.min(axis=1), atol=1e-6)
    assert np.array_equal(near_s, d.argmin(axis=1))
    assert 0 < (count == 0).sum() < 400 and (count >= 2).any()  # all three classes occur
