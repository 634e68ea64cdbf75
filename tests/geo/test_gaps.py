"""Gap pieces against brute force: diameters, partition, demand, walks (networkx), best sites."""

from __future__ import annotations

import json

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely

from geo.coverage import StationSet, coverage_report, to_geojson
from geo.errors import InvalidInputError
from geo.gaps import GAP_COLUMNS, gap_pieces, json_records, piece_labels
from geo.network import StreetNetwork, network_from_arrays
from tests.conftest import shared_data
from tests.geo.test_coverage import nx_graph

M = 1 / 111_319.49
M_LAT = 1 / 110_574.27


def grid_graph(n: int = 16, step_m: float = 100.0) -> StreetNetwork:
    """An n × n street grid at the equator, ``step_m`` apart."""
    i, j = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    ids = (i * n + j).ravel()
    lon = 3.0 + j.ravel() * step_m * M
    lat = i.ravel() * step_m * M_LAT
    right = [(a, a + 1) for a in ids if a % n != n - 1]
    up = [(a, a + n) for a in ids if a + n < n * n]
    u, v = np.array(right + up).T
    return network_from_arrays(ids, lon, lat, u, v, np.full(u.size, step_m))


def grid_demand(net: StreetNetwork, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    k = 120
    return pd.DataFrame(
        {
            "lon": rng.uniform(net.lon.min(), net.lon.max(), k),
            "lat": rng.uniform(net.lat.min(), net.lat.max(), k),
            "weight": rng.integers(1, 10, k).astype(float),
        }
    )


def hull_diameter(geom: shapely.Geometry) -> float:
    xy = shapely.get_coordinates(shapely.convex_hull(geom))
    return float(max(np.hypot(*(a - b)) for a in xy for b in xy))


def check_partition(pieces: gpd.GeoDataFrame, report, net: StreetNetwork, limit: float) -> None:  # type: ignore[no-untyped-def]
    """Pieces no wider than the limit, holding every uncovered hexagon exactly once."""
    local = pieces.to_crs(net.crs)
    for geom in local.geometry:
        assert hull_diameter(geom) <= limit + 1e-6
    gap = report.cells[report.cells["count"] == 0]
    centres = gpd.GeoSeries(gap.geometry, crs=4326).to_crs(net.crs).centroid.to_numpy()
    hits = np.array([shapely.contains(local.geometry.to_numpy(), c).sum() for c in centres])
    assert (hits == 1).all()
    assert pieces["cells"].sum() == len(gap)
    assert pieces["area_m2"].sum() == pytest.approx(gap["area_m2"].sum())
    area = local.area.sum()
    assert area == pytest.approx(gap.to_crs(net.crs).area.sum(), rel=1e-3)


def check_demand(pieces: gpd.GeoDataFrame, demand: pd.DataFrame) -> None:
    """Each piece's demand equals a point-in-polygon count; the pieces' sum the union's."""
    pts = gpd.points_from_xy(demand["lon"], demand["lat"])
    w = demand["weight"].to_numpy()
    for g, want in zip(pieces.geometry, pieces["demand"], strict=True):
        assert w[shapely.contains(g, pts)].sum() == pytest.approx(want)
    union = shapely.union_all(pieces.geometry.to_numpy())
    assert pieces["demand"].sum() == pytest.approx(w[shapely.contains(union, pts)].sum())


def uncovered_weight(net, stations, demand, **kw) -> float:  # type: ignore[no-untyped-def]
    r = coverage_report(net, stations, demand=demand, **kw)
    return float(r.demand_share.none * demand["weight"].sum())


def with_site(s: StationSet, net: StreetNetwork, lon: float, lat: float) -> StationSet:
    return StationSet.build(net, [*s.ids, "new"], np.append(s.lon, lon), np.append(s.lat, lat))


def two_stations_4_minutes(net: StreetNetwork, demand: pd.DataFrame):  # type: ignore[no-untyped-def]
    k = np.array([300, 3000])
    s = StationSet.build(net, ["a", "b"], net.lon[k], net.lat[k])
    return s, coverage_report(net, s, minutes=4, demand=demand, keep_cells=True)


def sao_paulo_case():  # type: ignore[no-untyped-def]
    """São Paulo's network, 12 stations on the busiest hexagons, jobs as demand."""
    from geo.network import load_network

    folder = shared_data()
    assert folder is not None
    net = load_network(folder / "spo_osm.pbf")
    hexes = pd.read_csv(folder / "spo_hexgrid.csv")
    top = hexes.nlargest(12, "jobs")
    s = StationSet.build(net, top["id"].astype(str), top["lon"], top["lat"])
    return net, s, hexes.rename(columns={"jobs": "weight"})


def test_piece_labels_bound_and_contiguity() -> None:
    rng = np.random.default_rng(3)
    x, y = rng.uniform(0, 3000, 400), rng.uniform(0, 3000, 400)
    lab = piece_labels(x, y, max_diameter_m=700, neighbour_m=200)
    for p in np.unique(lab):
        xy = np.column_stack([x[lab == p], y[lab == p]])
        d = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
        assert d.max() <= 700
        # Contiguous: one component of the neighbour graph inside the piece.
        g = nx.Graph()
        g.add_nodes_from(range(len(xy)))
        g.add_edges_from(zip(*np.nonzero(d < 200), strict=True))
        assert nx.number_connected_components(g) == 1
    # Points in one component, all within the bound, stay one piece.
    assert set(piece_labels(x[:3] * 0 + [0, 100, 200], np.zeros(3), max_diameter_m=250,
                            neighbour_m=150)) == {0}  # fmt: skip


def test_grid_pieces_against_brute_force() -> None:
    net = grid_graph()
    demand = grid_demand(net)
    corner = np.array([0, 17])
    s = StationSet.build(net, ["a", "b"], net.lon[corner], net.lat[corner])
    r = coverage_report(net, s, minutes=5, demand=demand, keep_cells=True)  # 400 m
    pieces = gap_pieces(r, net, s, demand=demand)
    assert len(pieces) > 3 and list(pieces.columns) == [*GAP_COLUMNS, "geometry"]
    check_partition(pieces, r, net, r.limit_m)
    check_demand(pieces, demand)
    key = list(zip(-pieces["demand"], -pieces["area_m2"], strict=True))
    assert key == sorted(key) and pieces["rank"].tolist() == list(range(1, len(pieces) + 1))
    before = uncovered_weight(net, s, demand, minutes=5)
    # The best site's gain is a real recount; no node of its piece does better.
    for _, p in pieces.head(3).iterrows():
        got = before - uncovered_weight(net, with_site(s, net, p.site_lon, p.site_lat), demand,
                                        minutes=5)  # fmt: skip
        assert p.site_gain == pytest.approx(got)
        inside = shapely.contains_xy(p.geometry, net.lon, net.lat)
        for i in np.flatnonzero(inside):
            alt = before - uncovered_weight(net, with_site(s, net, net.lon[i], net.lat[i]),
                                            demand, minutes=5)  # fmt: skip
            assert alt <= p.site_gain + 1e-9


def centre_walk_truth(net: StreetNetwork, s: StationSet, lon: float, lat: float) -> float:
    """Walk from a point to the nearest station, the segments split at both (networkx)."""
    g = nx_graph(net)
    p = net.snap([lon], [lat])
    e, t, c = p.edge[0], p.t[0], net.edge_cost[p.edge[0]]
    g.add_edge(int(net.edge_u[e]), "p", weight=t * c + p.offset_m[0])
    g.add_edge(int(net.edge_v[e]), "p", weight=(1 - t) * c + p.offset_m[0])
    for j in np.flatnonzero(s.snapped.on_network):
        ej, tj, o = s.snapped.edge[j], s.snapped.t[j], s.snapped.offset_m[j]
        cj = net.edge_cost[ej]
        g.add_edge(("s", j), int(net.edge_u[ej]), weight=o + tj * cj)
        g.add_edge(("s", j), int(net.edge_v[ej]), weight=o + (1 - tj) * cj)
        if ej == e:
            g.add_edge(("s", j), "p", weight=o + abs(tj - t) * c + p.offset_m[0])
    g.add_node("src")
    for j in np.flatnonzero(s.snapped.on_network):
        g.add_edge("src", ("s", j), weight=0.0)
    return float(nx.shortest_path_length(g, "src", "p", weight="weight"))


def test_helsinki_pieces_walks_equal_networkx(
    helsinki: StreetNetwork, demo_demand: pd.DataFrame
) -> None:
    s, r = two_stations_4_minutes(helsinki, demo_demand)
    pieces = gap_pieces(r, helsinki, s, demand=demo_demand)
    check_partition(pieces, r, helsinki, r.limit_m)
    check_demand(pieces, demo_demand)
    for _, p in pieces.iterrows():
        want = centre_walk_truth(helsinki, s, p.centre_lon, p.centre_lat)
        assert p.nearest_walk_m == pytest.approx(want, abs=1e-6)
        assert p.nearest_walk_s == pytest.approx(want / (4.8 / 3.6))
    # The demand-weighted centre of the top piece, recomputed in its own metres.
    top = pieces.iloc[0]
    pts = gpd.points_from_xy(demo_demand["lon"], demo_demand["lat"], crs=4326)
    inside = shapely.contains(top.geometry, pts)
    loc = gpd.GeoSeries(pts[inside], crs=4326).to_crs(helsinki.crs)
    w = demo_demand["weight"].to_numpy()[inside]
    cx, cy = np.average(loc.x, weights=w), np.average(loc.y, weights=w)
    (gx,), (gy,) = helsinki.project([top.centre_lon], [top.centre_lat])
    assert np.hypot(gx - cx, gy - cy) < 1e-3 and top.centre_of == "demand"


def test_radius_standard_and_candidate_places(
    helsinki: StreetNetwork, demo_demand: pd.DataFrame
) -> None:
    k = np.array([300])
    s = StationSet.build(helsinki, ["a"], helsinki.lon[k], helsinki.lat[k])
    r = coverage_report(helsinki, s, standard="radius", radius_m=300, demand=demo_demand,
                        keep_cells=True)  # fmt: skip
    cands = demo_demand.rename(columns={"id": "id"})[["id", "name", "lon", "lat"]]
    pieces = gap_pieces(r, helsinki, s, demand=demo_demand, candidates=cands)
    check_partition(pieces, r, helsinki, 300)
    assert set(pieces["site_kind"].dropna()) <= {"street node", "candidate"}
    assert (pieces["site_kind"] == "candidate").any()
    before = uncovered_weight(helsinki, s, demo_demand, standard="radius", radius_m=300)
    for _, p in pieces.head(4).iterrows():
        s2 = with_site(s, helsinki, p.site_lon, p.site_lat)
        got = before - uncovered_weight(helsinki, s2, demo_demand, standard="radius", radius_m=300)
        assert p.site_gain == pytest.approx(got)


def test_walk_gain_of_candidate_places_equals_recount(
    helsinki: StreetNetwork, demo_demand: pd.DataFrame
) -> None:
    s, r = two_stations_4_minutes(helsinki, demo_demand)
    # Places a few metres off the demand points: they share segments with demand.
    cands = pd.DataFrame(
        {"id": demo_demand["id"], "lon": demo_demand["lon"] + 3 * M, "lat": demo_demand["lat"]}
    )
    pieces = gap_pieces(r, helsinki, s, demand=demo_demand, candidates=cands)
    places = pieces[pieces["site_kind"] == "candidate"]
    assert len(places) >= 2
    before = uncovered_weight(helsinki, s, demo_demand, minutes=4)
    for _, p in places.head(4).iterrows():
        got = before - uncovered_weight(helsinki, with_site(s, helsinki, p.site_lon, p.site_lat),
                                        demo_demand, minutes=4)  # fmt: skip
        assert p.site_gain == pytest.approx(got)


def test_nulls_say_why_and_no_nan_anywhere(helsinki: StreetNetwork) -> None:
    k = np.array([300])
    s = StationSet.build(helsinki, ["a"], helsinki.lon[k], helsinki.lat[k])
    r = coverage_report(helsinki, s, minutes=3, keep_cells=True)
    mid = float(np.median(helsinki.lon))
    districts = gpd.GeoDataFrame(
        {"name": ["west"]}, geometry=[shapely.box(-180, -90, mid, 90)], crs=4326
    )
    pieces = gap_pieces(r, helsinki, s, districts=districts)
    recs = json_records(pieces)
    assert all(x["site_gain"] is None and "no demand given" in x["note"] for x in recs)
    assert all(x["centre_of"] == "area" for x in recs)
    east = [x for x in recs if x["district"] is None]
    assert east and all("outside every district" in x["note"] for x in east)
    assert {x["district"] for x in recs} == {"west", None}
    # Majority district: the west holds most of each western piece's cells.
    for x, g in zip(recs, pieces.geometry, strict=True):
        west_share = shapely.area(shapely.intersection(g, districts.geometry[0])) / g.area
        if west_share > 0.6:
            assert x["district"] == "west"
        if west_share < 0.4:
            assert x["district"] is None
    text = (
        json.dumps(to_geojson(pieces))
        + json.dumps(recs)
        + pieces.drop(columns="geometry").to_csv(index=False)
    )
    assert "NaN" not in text and "nan" not in text.lower().replace("nearest", "")


def test_no_station_at_all_gives_null_walks(helsinki: StreetNetwork) -> None:
    s = StationSet.build(helsinki, [], [], [])
    r = coverage_report(helsinki, s, keep_cells=True)
    pieces = gap_pieces(r, helsinki, s)
    assert pieces["nearest_walk_s"].isna().all() and pieces["nearest_id"].isna().all()
    assert all("no open station within reach" in n for n in pieces["note"])
    check_partition(pieces, r, helsinki, r.limit_m)


def test_bad_inputs_raise(helsinki: StreetNetwork) -> None:
    s = StationSet.build(helsinki, ["a"], helsinki.lon[:1], helsinki.lat[:1])
    with pytest.raises(InvalidInputError, match="keep_cells"):
        gap_pieces(coverage_report(helsinki, s), helsinki, s)
    r = coverage_report(helsinki, s, minutes=3, keep_cells=True)
    with pytest.raises(InvalidInputError, match="'name' column"):
        gap_pieces(r, helsinki, s, districts=gpd.GeoDataFrame(geometry=[], crs=4326))


@pytest.mark.skipif(shared_data() is None, reason="shared/data/sao-paulo is absent (fresh clone)")
def test_sao_paulo_ring_is_cut_into_servable_pieces() -> None:
    from geo.coverage import find_gaps

    net, s, dem = sao_paulo_case()
    r = coverage_report(net, s, demand=dem, keep_cells=True)
    merged = find_gaps(r, demand=dem)
    pieces = gap_pieces(r, net, s, demand=dem)
    assert merged["area_m2"].max() > 5e6  # the contiguous merge: one huge ring
    check_partition(pieces, r, net, 1200.0)
    check_demand(pieces, dem)
    assert pieces["demand"].sum() == pytest.approx(merged["demand"].sum())
    walks = pieces["nearest_walk_s"].astype(float)
    assert walks.max() - walks.min() > 600  # not one ≈ 900 s for every gap
    for _, p in pieces.head(3).iterrows():
        want = centre_walk_truth(net, s, p.centre_lon, p.centre_lat)
        assert p.nearest_walk_m == pytest.approx(want, abs=1e-6)
    top_piece = pieces.iloc[0]
    before = float(r.demand_share.none * dem["weight"].sum())
    after = coverage_report(net, with_site(s, net, top_piece.site_lon, top_piece.site_lat),
                            demand=dem)  # fmt: skip
    assert top_piece.site_gain == pytest.approx(
        before - after.demand_share.none * dem["weight"].sum()
    )


def test_only_big_components_are_cut_into_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    import geo.gaps

    # With blocks of about 4 cells (240 m squares from x = 0): a street of 8 hexagons
    # is cut into blocks first; a street of 3 across a block line (at 1,200 m) is not.
    monkeypatch.setattr(geo.gaps, "MAX_CLUSTER_CELLS", 4)
    big, small = np.arange(8) * 100.0, np.array([1190.0, 1290.0, 1390.0])
    x = np.concatenate([big, small])
    lab = piece_labels(x, np.zeros(x.size), max_diameter_m=800, neighbour_m=150)
    assert len(set(lab[:8])) > 1 and len(set(lab[8:])) == 1
    assert not set(lab[:8]) & set(lab[8:])
    for p in set(lab):  # within the bound, and contiguous runs
        idx = np.flatnonzero(lab == p)
        assert np.ptp(x[idx]) <= 800 and (np.diff(idx) == 1).all()
