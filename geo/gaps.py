"""Gaps a planner can act on: uncovered hexagons cut into pieces one new station could serve.

Merging uncovered hexagons by contiguity (:func:`geo.coverage.find_gaps`)
gives areas no single station can close: in São Paulo's centre one ring of
13.4 km² held 78 % of the uncovered jobs. Here every piece is at most the
coverage limit wide (its *diameter*, the largest distance between two of its
points, is at most ``limit_m``: 1,200 m for 15 minutes on foot, or the radius).

How the pieces are cut
----------------------
1. Uncovered hexagons that touch form components (hexagon centres closer than
   two circumradii are neighbours).
2. Inside each component, complete-linkage clustering of the hexagon centres
   (:func:`scipy.cluster.hierarchy.linkage`) cut at ``limit_m - 2 r``, where
   ``r`` is the largest centre-to-corner distance of a hexagon. Complete
   linkage measures a cluster by its two farthest members, so every cluster's
   centres lie within that bound of each other and its hexagons, corners
   included, within ``limit_m``. Unlike cutting along a fixed grid of the
   limit's size, the cut follows the gap's shape: a gap that fits is never
   split by a grid line, and a long strip is cut across, not at arbitrary
   squares. Components of more than :data:`MAX_CLUSTER_CELLS` hexagons are
   first cut into square blocks of that many cells (the clustering holds all
   pairwise distances of a block in memory).
3. A cluster that is not contiguous is split into its contiguous parts (a
   part of a cluster is never wider than the cluster).

So the pieces partition the uncovered hexagons, and each is contiguous and
no wider than the limit (where a single hexagon is wider than the limit, a
piece is that one hexagon).

What each piece reports
-----------------------
Its hexagons, area, the demand inside it (demand points in its hexagons), the
district holding most of its area, its demand-weighted centre (the centre of
its area when it holds no demand), the walk from that centre along the
streets to the nearest open station, and the best site inside it: the street
node or candidate place in its hexagons that alone would newly cover the most
demand (demand that no open station covers now), ties to the one nearest the
centre. A value that does not exist is null (never NaN) and ``note`` says why.
"""

from __future__ import annotations

import logging
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp
import shapely
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree

from geo.coverage import (
    CoverageReport,
    StationSet,
    point_labels,
    station_labels,
    straight_counts,
)
from geo.errors import InvalidInputError
from geo.network import WALK_SPEED_KMH, Snapped, StreetNetwork
from geo.siting import cost_matrix

__all__ = [
    "GAP_COLUMNS",
    "MAX_CLUSTER_CELLS",
    "gap_pieces",
    "json_records",
    "piece_labels",
]

log = logging.getLogger(__name__)
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

MAX_CLUSTER_CELLS = 2000
"""Most hexagons clustered at once (their pairwise distances take 8 bytes each)."""

_DEMAND_ROWS = 256  # demand points per Dijkstra call when scoring sites (bounds memory)

GAP_COLUMNS = [
    "rank",
    "cells",
    "area_m2",
    "diameter_m",
    "demand",
    "district",
    "centre_lon",
    "centre_lat",
    "centre_of",
    "nearest_id",
    "nearest_walk_m",
    "nearest_walk_s",
    "site_kind",
    "site_id",
    "site_name",
    "site_lon",
    "site_lat",
    "site_gain",
    "note",
]
"""Columns of :func:`gap_pieces`, in order (then ``geometry``)."""


def _neighbour_pairs(x: FloatArray, y: FloatArray, radius_m: float) -> IntArray:
    """Pairs (i, j), i < j, of hexagon centres within ``radius_m``: touching hexagons."""
    pairs = cKDTree(np.column_stack([x, y])).query_pairs(radius_m, output_type="ndarray")
    return np.asarray(pairs, dtype=np.intp).reshape(-1, 2)


def _components(n: int, pairs: IntArray) -> IntArray:
    g = sp.coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    _, label = connected_components(g, directed=False)
    return np.asarray(label, dtype=np.intp)


def piece_labels(
    x_m: FloatArray, y_m: FloatArray, *, max_diameter_m: float, neighbour_m: float
) -> IntArray:
    """Cut points (hexagon centres, metres) into contiguous pieces no wider than a bound.

    Parameters
    ----------
    x_m, y_m
        Centres in a metric CRS.
    max_diameter_m
        No two centres of a piece are farther apart than this (pieces are
        single points when it is not positive).
    neighbour_m
        Centres closer than this are contiguous.

    Returns
    -------
    numpy.ndarray
        A piece number 0..k-1 per point.

    Examples
    --------
    Two streets of hexagons 100 m apart, far from each other: two pieces;
    a bound shorter than a street cuts it.

    >>> x = np.array([0.0, 100, 200, 1000, 1100])
    >>> piece_labels(x, np.zeros(5), max_diameter_m=250, neighbour_m=150).tolist()
    [0, 0, 0, 1, 1]
    >>> piece_labels(x, np.zeros(5), max_diameter_m=150, neighbour_m=150).tolist()
    [0, 0, 1, 2, 2]
    """
    n = x_m.size
    if n == 0:
        return np.zeros(0, dtype=np.intp)
    pairs = _neighbour_pairs(x_m, y_m, neighbour_m)
    comp = _components(n, pairs)
    cluster = np.arange(n, dtype=np.intp)
    if max_diameter_m > 0:
        # Bound each clustering's size: big components are cut into square blocks first.
        # A square of side 0.8 sqrt(N) centre spacings holds about N hexagons.
        block_m = max(np.sqrt(MAX_CLUSTER_CELLS) * neighbour_m * 0.8, 1.0)
        big = np.bincount(comp)[comp] > MAX_CLUSTER_CELLS  # smaller ones are never cut here
        bx = np.where(big, np.floor((x_m - x_m.min()) / block_m), 0).astype(np.int64)
        by = np.where(big, np.floor((y_m - y_m.min()) / block_m), 0).astype(np.int64)
        group = pd.factorize(pd.MultiIndex.from_arrays([comp, bx, by]))[0]
        order = np.argsort(group, kind="stable")
        bounds = np.flatnonzero(np.diff(group[order])) + 1
        next_id = 0
        for members in np.split(order, bounds):  # one clustering per block, not per point
            if members.size == 1:
                cluster[members] = next_id
                next_id += 1
                continue
            z = linkage(np.column_stack([x_m[members], y_m[members]]), method="complete")
            f = fcluster(z, t=max_diameter_m, criterion="distance")
            cluster[members] = next_id + f - 1
            next_id += int(f.max())
    # Contiguous parts of each cluster: neighbours joined only inside one cluster.
    same = pairs[cluster[pairs[:, 0]] == cluster[pairs[:, 1]]] if pairs.size else pairs
    label = _components(n, same.reshape(-1, 2))
    return pd.factorize(label)[0].astype(np.intp)


def _cell_of(cells_local: npt.NDArray[np.object_], x: FloatArray, y: FloatArray) -> IntArray:
    """Which hexagon (position) holds each point, -1 for none (first match on a shared edge)."""
    out = np.full(x.size, -1, dtype=np.intp)
    if x.size == 0 or cells_local.size == 0:
        return out
    tree = shapely.STRtree(cells_local)
    pt, cell = tree.query(shapely.points(x, y), predicate="intersects")
    first = np.unique(pt, return_index=True)[1]
    out[pt[first]] = cell[first]
    return out


def _diameters(polys: npt.NDArray[np.object_]) -> FloatArray:
    """Largest distance between two points of each polygon (its convex hull's corners)."""
    out = np.zeros(polys.size)
    for i, hull in enumerate(shapely.convex_hull(polys)):  # one small hull per piece
        xy = shapely.get_coordinates(hull)
        d = xy[:, None, :] - xy[None, :, :]
        out[i] = float(np.sqrt((d**2).sum(-1)).max()) if len(xy) else 0.0
    return out


def _uncovered_demand(
    report: CoverageReport,
    net: StreetNetwork,
    stations: StationSet,
    active: npt.NDArray[np.bool_] | None,
    dlon: FloatArray,
    dlat: FloatArray,
    speed: float,
) -> npt.NDArray[np.bool_]:
    """Demand points no counted station reaches under the report's standard."""
    use = np.ones(stations.ids.size, dtype=bool) if active is None else active
    if report.standard == "walk":
        lab = station_labels(net, stations, limit=report.limit_m, active=use, walk_speed_kmh=speed)
        d1, _, _, _ = point_labels(net, stations, lab, net.snap(dlon, dlat), walk_speed_kmh=speed)
        return np.asarray(~(d1 <= report.limit_m))
    n, _, _ = straight_counts(
        stations.lon[use], stations.lat[use], dlon, dlat, float(report.radius_m or report.limit_m)
    )
    return np.asarray(n == 0)


def _walk_gains(
    net: StreetNetwork,
    dem: Snapped,
    w: FloatArray,
    site_node: IntArray,
    place: Snapped,
    limit: float,
) -> tuple[FloatArray, FloatArray]:
    """Demand weight within ``limit`` on foot of each street node and each candidate place.

    One limited Dijkstra from every demand point (a virtual node joined to
    both ends of its segment), in blocks of rows. A site at a node is reached
    from a demand point through its segment's ends; a place on a segment
    through that segment's ends, or directly along it when both share it.
    """
    n = net.n_nodes
    on = np.flatnonzero(dem.on_network)
    node_gain = np.zeros(site_node.size)
    place_gain = np.zeros(place.edge.size)
    if on.size == 0:
        return node_gain, place_gain
    e, t, off = dem.edge[on], dem.t[on], dem.offset_m[on]
    c = net.edge_cost[e]
    m = on.size
    # The street graph plus one row per demand point, joined to both ends of its segment.
    rows = np.concatenate([np.arange(m), np.arange(m)])
    cols = np.concatenate([net.edge_u[e], net.edge_v[e]])
    vals = np.concatenate([off + t * c, off + (1 - t) * c])
    legs = sp.coo_matrix((vals, (rows, cols)), shape=(m, n))
    blocks: list[list[Any]] = [[net.csr, None], [legs, sp.csr_matrix((m, m))]]
    g = sp.bmat(blocks).tocsr()
    p_on = place.on_network
    pe = np.where(p_on, place.edge, 0)
    pc = net.edge_cost[pe]
    for start in range(0, m, _DEMAND_ROWS):
        block = np.arange(start, min(start + _DEMAND_ROWS, m))
        d = dijkstra(g, directed=True, indices=n + block, limit=limit)[:, :n]
        ww = w[on[block]]
        node_gain += ww @ (d[:, site_node] <= limit)
        if place.edge.size:
            via = np.minimum(
                d[:, net.edge_u[pe]] + place.t * pc, d[:, net.edge_v[pe]] + (1 - place.t) * pc
            )
            direct = np.where(
                e[block][:, None] == pe[None, :],
                off[block][:, None] + np.abs(t[block][:, None] - place.t[None, :]) * pc,
                np.inf,
            )
            cost = np.minimum(via, direct) + place.offset_m
            place_gain += ww @ ((cost <= limit) & p_on[None, :])
    return node_gain, place_gain


def _radius_gains(
    dlon: FloatArray, dlat: FloatArray, w: FloatArray, slon: FloatArray, slat: FloatArray, r: float
) -> FloatArray:
    """Demand weight within ``r`` metres (geodesic) of each site, in blocks of sites."""
    out = np.zeros(slon.size)
    step = max(1, 2_000_000 // max(dlon.size, 1))
    for a in range(0, slon.size, step):
        cost = cost_matrix(dlon, dlat, slon[a : a + step], slat[a : a + step], max_cost=r)
        out[a : a + step] = w @ (cost <= r)
    return out


def _districts_of(
    districts: gpd.GeoDataFrame, lon: FloatArray, lat: FloatArray
) -> npt.NDArray[np.object_]:
    """The name of the district holding each point (the first, on a shared border), or None."""
    if "name" not in districts:
        raise InvalidInputError("districts need a 'name' column")
    d = districts.to_crs(4326)
    out = np.full(lon.size, None, dtype=object)
    tree = shapely.STRtree(d.geometry.to_numpy())
    pt, poly = tree.query(shapely.points(lon, lat), predicate="intersects")
    first = np.unique(pt, return_index=True)[1]
    out[pt[first]] = d["name"].astype(str).to_numpy()[poly[first]]
    return out


def _piece_districts(
    districts: gpd.GeoDataFrame,
    lon: FloatArray,
    lat: FloatArray,
    piece: IntArray,
    area: FloatArray,
    k: int,
) -> npt.NDArray[np.object_]:
    """Per piece, the district holding most of its hexagon area (by their centres), or None."""
    names = _districts_of(districts, lon, lat)
    by = pd.DataFrame({"piece": piece, "district": names, "area": area}).dropna()
    out = np.full(k, None, dtype=object)
    if len(by):
        tot = by.groupby(["piece", "district"], sort=True)["area"].sum().reset_index()
        tot = tot.sort_values(["piece", "area"], ascending=[True, False], kind="stable")
        most = tot.drop_duplicates("piece")
        out[most["piece"].to_numpy(int)] = most["district"].to_numpy(object)
    return out


def _empty() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({c: [] for c in GAP_COLUMNS}, geometry=[], crs=4326)


def gap_pieces(
    report: CoverageReport,
    net: StreetNetwork,
    stations: StationSet,
    *,
    active: npt.NDArray[np.bool_] | None = None,
    demand: pd.DataFrame | None = None,
    districts: gpd.GeoDataFrame | None = None,
    candidates: pd.DataFrame | None = None,
    walk_speed_kmh: float = WALK_SPEED_KMH,
) -> gpd.GeoDataFrame:
    """Uncovered hexagons cut into pieces one new station could serve, ranked by demand.

    Parameters
    ----------
    report
        A coverage report made with ``keep_cells=True`` from ``net`` and ``stations``.
    net
        The walking network the report used (walks and sites are on it).
    stations
        The stations of the report; ``active`` says which counted (all by default).
    demand
        Points with ``lon``, ``lat`` and ``weight`` (default 1), as given to the report.
    districts
        Polygons with a ``name`` column; each piece gets the one holding most of its area.
    candidates
        Candidate places (``lon``, ``lat``, optional ``id`` and ``name``) that
        compete with the street nodes for each piece's best site.
    walk_speed_kmh
        Walking speed, km/h.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per piece, columns :data:`GAP_COLUMNS`, WGS-84 polygons, ranked
        by demand then area. Missing values are ``None``; ``note`` says why.
        ``site_gain`` is the demand weight the best site alone would newly
        cover (anywhere in the city, not only inside the piece).

    Raises
    ------
    InvalidInputError
        Without the report's cells, on a driving network, or on bad demand
        or district frames.
    """
    if report.cells is None:
        raise InvalidInputError("gap_pieces needs a coverage report made with keep_cells=True")
    if net.mode != "walk":
        raise InvalidInputError(f"gap_pieces needs a walking network, got mode={net.mode!r}")
    cells = report.cells
    gap = cells[cells["count"] == 0].reset_index(drop=True)
    if gap.empty:
        return _empty()
    limit = float(report.limit_m)
    speed = float(walk_speed_kmh)
    local = gap.to_crs(net.crs)
    polys = shapely.set_precision(local.geometry.to_numpy(), 0.01)  # shared edges match
    cx, cy = net.project(gap["lon"].to_numpy(float), gap["lat"].to_numpy(float))
    corner = shapely.get_coordinates(polys)
    owner = np.repeat(np.arange(len(polys)), shapely.get_num_coordinates(polys))
    r = float(np.hypot(corner[:, 0] - cx[owner], corner[:, 1] - cy[owner]).max())
    piece = piece_labels(cx, cy, max_diameter_m=limit - 2 * r, neighbour_m=2 * r)
    k = int(piece.max()) + 1
    area = gap["area_m2"].to_numpy(float)
    out = pd.DataFrame(
        {
            "cells": np.bincount(piece, minlength=k),
            "area_m2": np.bincount(piece, weights=area, minlength=k),
        }
    )
    notes: list[list[str]] = [[] for _ in range(k)]

    def note(mask: npt.NDArray[np.bool_], why: str) -> None:
        for i in np.flatnonzero(mask):
            notes[i].append(why)

    # Demand inside each piece, and its demand-weighted centre.
    dem = demand if demand is not None else pd.DataFrame({"lon": [], "lat": []})
    for col in ("lon", "lat"):
        if col not in dem:
            raise InvalidInputError(f"demand has no {col!r} column")
    dlon, dlat = dem["lon"].to_numpy(float), dem["lat"].to_numpy(float)
    dw = dem["weight"].to_numpy(float) if "weight" in dem else np.ones(dlon.size)
    dx, dy = net.project(dlon, dlat)
    d_cell = _cell_of(polys, dx, dy)
    d_piece = np.where(d_cell >= 0, piece[np.maximum(d_cell, 0)], -1)
    inside = d_piece >= 0
    wsum = np.bincount(d_piece[inside], weights=dw[inside], minlength=k)
    out["demand"] = wsum
    ax = np.bincount(piece, weights=area * cx, minlength=k) / out["area_m2"].to_numpy()
    ay = np.bincount(piece, weights=area * cy, minlength=k) / out["area_m2"].to_numpy()
    has_dem = wsum > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        wx = np.bincount(d_piece[inside], weights=dw[inside] * dx[inside], minlength=k) / wsum
        wy = np.bincount(d_piece[inside], weights=dw[inside] * dy[inside], minlength=k) / wsum
    centre_x, centre_y = np.where(has_dem, wx, ax), np.where(has_dem, wy, ay)
    clon, clat = net.unproject(centre_x, centre_y)
    out["centre_lon"], out["centre_lat"] = clon, clat
    out["centre_of"] = np.where(has_dem, "demand", "area")
    note(~has_dem, "no demand inside: centre of its area")

    if districts is not None:
        lon, lat = gap["lon"].to_numpy(float), gap["lat"].to_numpy(float)
        out["district"] = _piece_districts(districts, lon, lat, piece, area, k)
        note(out["district"].isna().to_numpy(), "outside every district")
    else:
        out["district"] = None
        note(np.ones(k, dtype=bool), "no districts given")

    # Walk from the centre to the nearest open station along the streets.
    lab = station_labels(net, stations, limit=limit, active=active, walk_speed_kmh=speed)
    csnap = net.snap(clon, clat)
    w1, s1, _, _ = point_labels(net, stations, lab, csnap, walk_speed_kmh=speed)
    reach = np.isfinite(w1)
    ids = np.concatenate([stations.ids, np.array([None], dtype=object)])
    out["nearest_id"] = _or_none(ids[s1], reach)  # s1 = -1 (none): the None at the end
    out["nearest_walk_m"] = _or_none(w1, reach)
    out["nearest_walk_s"] = _or_none(w1 / (speed / 3.6), reach)
    note(~csnap.on_network, "centre is more than 500 m from any street")
    note(csnap.on_network & ~reach, "no open station within reach along the streets")

    _best_sites(
        out, notes, report, net, stations, active, piece, polys, centre_x, centre_y,
        dlon, dlat, dw, candidates, speed,
    )  # fmt: skip

    shapes = gpd.GeoDataFrame({"piece": piece}, geometry=polys, crs=net.crs).dissolve("piece")
    out["diameter_m"] = _diameters(shapes.geometry.to_numpy())
    out["note"] = ["; ".join(n) if n else None for n in notes]
    frame = gpd.GeoDataFrame(out, geometry=shapes.geometry.to_numpy(), crs=net.crs)
    frame = frame.sort_values(["demand", "area_m2"], ascending=False, kind="stable")
    frame = frame.reset_index(drop=True)
    frame["rank"] = np.arange(1, k + 1)
    return frame[[*GAP_COLUMNS, "geometry"]].to_crs(4326)


def _best_sites(
    out: pd.DataFrame,
    notes: list[list[str]],
    report: CoverageReport,
    net: StreetNetwork,
    stations: StationSet,
    active: npt.NDArray[np.bool_] | None,
    piece: IntArray,
    polys: npt.NDArray[np.object_],
    centre_x: FloatArray,
    centre_y: FloatArray,
    dlon: FloatArray,
    dlat: FloatArray,
    dw: FloatArray,
    candidates: pd.DataFrame | None,
    speed: float,
) -> None:
    """Fill the ``site_*`` columns: the best street node or candidate place of each piece."""
    k = len(out)
    for col in ("site_kind", "site_id", "site_name", "site_lon", "site_lat", "site_gain"):
        out[col] = None
    if dlon.size == 0:
        for n in notes:
            n.append("no demand given: no site to score")
        return
    node_cell = _cell_of(polys, net.x, net.y)
    nodes = np.flatnonzero(node_cell >= 0)
    cand = candidates if candidates is not None else pd.DataFrame({"lon": [], "lat": []})
    plon, plat = cand["lon"].to_numpy(float), cand["lat"].to_numpy(float)
    px, py = net.project(plon, plat)
    place_cell = _cell_of(polys, px, py)
    places = np.flatnonzero(place_cell >= 0)
    uncovered = _uncovered_demand(report, net, stations, active, dlon, dlat, speed)
    ul, ut, uw = dlon[uncovered], dlat[uncovered], dw[uncovered]
    if report.standard == "walk":
        g_nodes, g_places = _walk_gains(
            net, net.snap(ul, ut), uw, nodes, net.snap(plon[places], plat[places]), report.limit_m
        )
    else:
        r = float(report.radius_m or report.limit_m)
        slon = np.concatenate([net.lon[nodes], plon[places]])
        slat = np.concatenate([net.lat[nodes], plat[places]])
        both = _radius_gains(ul, ut, uw, slon, slat, r)
        g_nodes, g_places = both[: nodes.size], both[nodes.size :]
    ids = cand["id"].astype(str).to_numpy() if "id" in cand else np.arange(len(cand)).astype(str)
    names = cand["name"].to_numpy(object) if "name" in cand else np.full(len(cand), None)
    sites = pd.DataFrame(
        {
            "piece": np.concatenate([piece[node_cell[nodes]], piece[place_cell[places]]]),
            "gain": np.concatenate([g_nodes, g_places]),
            "x": np.concatenate([net.x[nodes], px[places]]),
            "y": np.concatenate([net.y[nodes], py[places]]),
            "lon": np.concatenate([net.lon[nodes], plon[places]]),
            "lat": np.concatenate([net.lat[nodes], plat[places]]),
            "kind": ["street node"] * nodes.size + ["candidate"] * places.size,
            "id": [f"node/{i}" for i in net.node_id[nodes]] + list(ids[places]),
            "name": [None] * nodes.size + [_text(v) for v in names[places]],
        }
    )
    sites["off"] = np.hypot(
        sites["x"] - centre_x[sites["piece"]], sites["y"] - centre_y[sites["piece"]]
    )
    best = sites.sort_values(["piece", "gain", "off"], ascending=[True, False, True], kind="stable")
    best = best.drop_duplicates("piece").set_index("piece")
    for col in ("kind", "id", "name", "lon", "lat", "gain"):
        out.loc[best.index, f"site_{col}"] = best[col].to_numpy(object)
    missing = np.ones(k, dtype=bool)
    missing[best.index.to_numpy()] = False
    for i in np.flatnonzero(missing):
        notes[i].append("no street node or candidate place inside")


def _or_none(values: npt.NDArray[Any], keep: npt.NDArray[np.bool_]) -> npt.NDArray[np.object_]:
    out = values.astype(object)
    out[~keep] = None
    return out


def _text(value: Any) -> str | None:
    return None if value is None or value != value or str(value) == "" else str(value)


_DIGITS = {"lon": 7, "lat": 7, "share": 6}


def json_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A table's rows as JSON-ready dicts: numbers rounded, ``None`` (never NaN) for missing.

    Geometry columns are left out; coordinates keep 7 decimals, shares 6, other floats 3.

    Examples
    --------
    >>> f = gpd.GeoDataFrame({"rank": [1], "site_gain": [float("nan")]},
    ...                      geometry=[shapely.box(0, 0, 1, 1)], crs=4326)
    >>> json_records(f)
    [{'rank': 1, 'site_gain': None}]
    """
    props = pd.DataFrame(frame)
    if isinstance(frame, gpd.GeoDataFrame):
        props = props.drop(columns=frame.geometry.name)
    rows: list[dict[str, Any]] = []
    for rec in props.to_dict(orient="records"):
        row: dict[str, Any] = {}
        for key, value in rec.items():
            name = str(key)
            if value is None or (isinstance(value, float) and value != value):
                row[name] = None
            elif isinstance(value, bool | np.bool_):
                row[name] = bool(value)
            elif isinstance(value, int | np.integer):
                row[name] = int(value)
            elif isinstance(value, float | np.floating):
                row[name] = round(float(value), _DIGITS.get(name.rsplit("_", 1)[-1], 3))
            else:
                row[name] = value
        rows.append(row)
    return rows
