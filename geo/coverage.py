"""Walking and straight-line coverage: nearest station per node, overlap counts, shares, gaps.

The core is :func:`station_labels`: two passes over the street graph
(:mod:`geo._search`) give, for every node, the cost to the nearest station and
which one it is (pass 1, all stations as sources), and the cost to the nearest
*other* station (pass 2). Pass 2 uses a property of shortest-path cells: the
best path from the second-nearest station into a node's cell enters it over
one boundary edge and then stays inside the cell. So its sources are the
boundary edges, each with the cost of the station on the far side, searched
inside each cell. Together they say whether 0, 1 or 2+ distinct stations lie
within a limit, exactly. Single-source searches (walking queries,
isochrones) use scipy's Dijkstra.

Stations and other points attach to the nearest street segment (see
:meth:`geo.network.StreetNetwork.snap`); the leg to the street counts at
walking speed.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any, Literal, cast

import geopandas as gpd
import h3
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyproj
import scipy.sparse as sp
import shapely
from numpy.typing import ArrayLike
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from geo._search import two_nearest
from geo._validate import check_lonlat
from geo.errors import InvalidInputError
from geo.network import WALK_SPEED_KMH, Snapped, StreetNetwork, walk_limit_m
from geo.stations import StationFilter, StationStore
from geo.types import StationHit

__all__ = [
    "CoverageReport",
    "Labels",
    "Shares",
    "StationSet",
    "WalkCosts",
    "coverage_report",
    "find_gaps",
    "hex_cells",
    "isochrones",
    "point_labels",
    "station_labels",
    "straight_counts",
    "to_geojson",
    "walk_costs",
    "walk_nearest",
    "walk_to_stations",
    "weekly_profile",
]

log = logging.getLogger(__name__)
_GEOD = pyproj.Geod(ellps="WGS84")
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]


@dataclass(frozen=True, slots=True)
class StationSet:
    """Stations attached to a network: ids, WGS-84 positions and their snaps."""

    ids: npt.NDArray[np.object_]
    lon: FloatArray
    lat: FloatArray
    snapped: Snapped

    @classmethod
    def build(
        cls,
        net: StreetNetwork,
        ids: ArrayLike,
        lon: ArrayLike,
        lat: ArrayLike,
        *,
        max_snap_m: float = 500.0,
    ) -> StationSet:
        """Snap stations; those off the network are kept but can reach nothing on foot."""
        x, y = check_lonlat(lon, lat, names=("station lon", "station lat"))
        sid = np.asarray(ids, dtype=object).reshape(-1)
        if sid.size != x.size:
            raise InvalidInputError(f"{sid.size} station ids for {x.size} positions")
        return cls(sid, x, y, net.snap(x, y, max_snap_m=max_snap_m))


@dataclass(frozen=True, slots=True)
class Labels:
    """Per network node: cost to the nearest and second-nearest distinct station.

    Costs are in the network's unit (metres walking); ``src1``/``src2`` are
    positions in the station set, -1 where none is reachable (within ``limit``
    for the second).
    """

    d1: FloatArray
    src1: IntArray
    d2: FloatArray
    src2: IntArray
    limit: float
    active: npt.NDArray[np.bool_]


def _connector_cost(net: StreetNetwork, offset_m: FloatArray, speed_kmh: float) -> FloatArray:
    # The leg from a point to the street is walked, in the network's cost unit.
    return offset_m if net.mode == "walk" else offset_m / (speed_kmh / 3.6)


def _check_positive(**values: float) -> None:
    """Raise naming the argument when a limit or speed is not a positive number."""
    for name, value in values.items():
        if not (isinstance(value, int | float | np.number) and float(value) > 0):
            raise InvalidInputError(f"{name}={value!r} must be a number > 0")


def _check_active(active: ArrayLike | None, n: int) -> npt.NDArray[np.bool_]:
    if active is None:
        return np.ones(n, dtype=bool)
    a = np.asarray(active)
    if a.dtype != np.bool_ or a.shape != (n,):
        raise InvalidInputError(
            f"active must be a boolean mask with one entry per station ({n}); "
            f"got dtype {a.dtype} and shape {a.shape}"
        )
    return a


def _stack_rows(
    data: FloatArray,
    indices: npt.NDArray[np.integer[Any]],
    indptr: npt.NDArray[np.integer[Any]],
    rows: IntArray,
    cols: IntArray,
    vals: FloatArray,
    size: int,
) -> sp.csr_matrix:
    """A square ``size`` CSR: the given CSR rows on top, then rows built from (rows, cols, vals).

    Built from the arrays directly: no re-sorting of the big matrix and no
    per-call overhead of ``scipy.sparse.vstack`` (which dominates on small graphs).
    """
    n_bottom = size - (indptr.size - 1)
    order = np.argsort(rows, kind="stable")
    counts = np.bincount(rows, minlength=n_bottom)
    nnz = int(indptr[-1]) + rows.size
    idx = np.int32 if max(size, nnz) < np.iinfo(np.int32).max else np.int64
    new_indptr = np.concatenate(
        [indptr.astype(idx), int(indptr[-1]) + np.cumsum(counts, dtype=idx)]
    )
    return sp.csr_matrix(
        (
            np.concatenate([data, vals[order]]),
            np.concatenate([indices.astype(idx, copy=False), cols[order].astype(idx)]),
            new_indptr,
        ),
        shape=(size, size),
    )


def _segment_entries(
    net: StreetNetwork, snapped: Snapped, extra_cost: FloatArray, *, outward: bool
) -> tuple[IntArray, IntArray, FloatArray, sp.csr_matrix]:
    """Where each on-network point enters the street graph: both ends of its segment.

    Costs always run in travel direction: the point's ``extra_cost`` plus the
    part of the segment walked. ``outward=True``: the points are where travel
    starts (a walk from a query point), so a point on a one-way segment leaves
    it only towards ``v``. ``outward=False``: the points are destinations
    (stations that travellers go to) and the search runs on the reversed
    graph, so a station on a one-way segment is reached only from ``u``. On
    walking networks both are the same.

    Returns
    -------
    point, node, cost, graph
        One row per usable entry (point index, street node, cost), and the
        street graph in the direction of the search.
    """
    on = np.flatnonzero(snapped.on_network)
    e = snapped.edge[on]
    t = snapped.t[on]
    c = net.edge_cost[e]
    ow = net.edge_oneway[e]
    to_u = extra_cost[on] + t * c
    to_v = extra_cost[on] + (1 - t) * c
    if outward:
        # Against a one-way segment, unless the point sits on the end itself.
        to_u = np.where(ow & (t > 0), np.inf, to_u)  # walking back to u
    else:
        to_v = np.where(ow & (t < 1), np.inf, to_v)  # arriving from v
    point = np.concatenate([on, on])
    node = np.concatenate([net.edge_u[e], net.edge_v[e]])
    cost = np.concatenate([to_u, to_v])
    keep = np.isfinite(cost)
    graph = net.reversed_csr() if not outward and net.edge_oneway.any() else net.csr
    return point[keep], node[keep], cost[keep], graph


def _augmented(
    net: StreetNetwork, snapped: Snapped, extra_cost: FloatArray, *, outward: bool
) -> tuple[sp.csr_matrix, IntArray]:
    """The graph plus one virtual node per on-network point, with edges to its segment's ends.

    Entries and directions as in :func:`_segment_entries`.
    """
    point, node, cost, base = _segment_entries(net, snapped, extra_cost, outward=outward)
    n = net.n_nodes
    on = np.flatnonzero(snapped.on_network)
    nodes = np.full(snapped.edge.size, -1, dtype=np.intp)
    nodes[on] = n + np.arange(on.size)
    # The street rows are the network's CSR as it is, widened; the virtual rows are
    # stacked below. No re-sorting of the big matrix.
    g = _stack_rows(base.data, base.indices, base.indptr, nodes[point] - n, node, cost, n + on.size)
    return g, nodes


def station_labels(
    net: StreetNetwork,
    stations: StationSet,
    *,
    limit: float = np.inf,
    active: npt.NDArray[np.bool_] | None = None,
    walk_speed_kmh: float = WALK_SPEED_KMH,
) -> Labels:
    """Nearest and second-nearest station of every node, in two passes (:mod:`geo._search`).

    Parameters
    ----------
    net
        The street network.
    stations
        Snapped stations.
    limit
        Costs above this need not be exact for the *second* station (they
        are reported as ``inf``); the nearest is always computed in full.
    active
        Which stations count (for example those open at some hour); all by default.
    walk_speed_kmh
        Speed of the leg from a station to its street on driving networks.
    """
    if not (isinstance(limit, int | float | np.number) and float(limit) >= 0):
        raise InvalidInputError(f"limit={limit!r} must be a number >= 0 (inf for none)")
    _check_positive(walk_speed_kmh=walk_speed_kmh)
    n = net.n_nodes
    use = stations.snapped.on_network & _check_active(active, stations.ids.size)
    if not use.any():
        return Labels(
            np.full(n, np.inf),
            np.full(n, -1, dtype=np.intp),
            np.full(n, np.inf),
            np.full(n, -1, dtype=np.intp),
            float(limit),
            use,
        )
    # Each active station enters the street graph at both ends of its segment.
    point, node, cost, graph = _segment_entries(
        net,
        Snapped(stations.snapped.edge, stations.snapped.t, stations.snapped.offset_m, use),
        _connector_cost(net, stations.snapped.offset_m, walk_speed_kmh),
        outward=False,
    )
    d1, src1, d2, src2 = two_nearest(
        graph.indptr, graph.indices, graph.data, node, cost, point, limit=float(limit)
    )
    return Labels(d1, src1, d2, src2, float(limit), use)


def point_labels(
    net: StreetNetwork,
    stations: StationSet,
    labels: Labels,
    snapped: Snapped,
    *,
    walk_speed_kmh: float = WALK_SPEED_KMH,
) -> tuple[FloatArray, IntArray, FloatArray, IntArray]:
    """Nearest and second-nearest station of snapped points (costs include their legs).

    A point's best paths leave its segment through one of its two ends, whose
    two labels are known, or reach a station on the same segment directly.
    Off-network points get ``inf`` and -1.
    """
    _check_positive(walk_speed_kmh=walk_speed_kmh)
    if labels.d1.size != net.n_nodes:
        raise InvalidInputError(
            f"labels hold {labels.d1.size} nodes but the network has {net.n_nodes}"
        )
    m = snapped.edge.size
    on = snapped.on_network
    e = np.where(on, snapped.edge, 0)
    c = net.edge_cost[e]
    leg = _connector_cost(net, np.where(on, snapped.offset_m, 0.0), walk_speed_kmh)
    u, v = net.edge_u[e], net.edge_v[e]
    t = snapped.t
    cost = (
        np.column_stack(
            [
                labels.d1[u] + t * c,
                labels.d2[u] + t * c,
                labels.d1[v] + (1 - t) * c,
                labels.d2[v] + (1 - t) * c,
            ]
        )
        + leg[:, None]
    )
    src = np.column_stack([labels.src1[u], labels.src2[u], labels.src1[v], labels.src2[v]])
    # One-way driving segments can only be left towards v.
    ow = net.edge_oneway[e]
    cost[ow, 0:2] = np.inf
    # Stations on the same segment as the point are reached along it: a table of
    # the stations on each hosting segment, one column per station on it.
    st_on = np.flatnonzero(stations.snapped.on_network & labels.active)
    if st_on.size:
        st_edge = stations.snapped.edge[st_on]
        order = np.argsort(st_edge, kind="stable")
        st_on, st_edge = st_on[order], st_edge[order]
        host_edges, start, per_edge = np.unique(st_edge, return_index=True, return_counts=True)
        slot = np.arange(st_on.size) - np.repeat(start, per_edge)
        table = np.full((host_edges.size, int(per_edge.max())), -1, dtype=np.intp)
        table[np.repeat(np.arange(host_edges.size), per_edge), slot] = st_on
        g = np.searchsorted(host_edges, e).clip(0, host_edges.size - 1)
        hosts = on & (host_edges[g] == e)
        if hosts.any():
            j = np.where(hosts[:, None], table[g], -1)  # m x width station positions
            jj = np.maximum(j, 0)
            st_t = stations.snapped.t[jj]
            st_leg = _connector_cost(net, stations.snapped.offset_m, walk_speed_kmh)[jj]
            extra_c = np.abs(t[:, None] - st_t) * c[:, None] + st_leg + leg[:, None]
            # On a one-way segment only stations ahead (towards v) are reached along it.
            behind = ow[:, None] & (st_t < t[:, None])
            extra_c[(j < 0) | behind] = np.inf
            cost = np.hstack([cost, extra_c])
            src = np.hstack([src, np.where(np.isfinite(extra_c), j, -1)])
    cost[src < 0] = np.inf
    order = np.argsort(cost, axis=1, kind="stable")
    cost = np.take_along_axis(cost, order, axis=1)
    src = np.take_along_axis(src, order, axis=1)
    d1 = cost[:, 0].copy()
    s1 = np.where(np.isfinite(d1), src[:, 0], -1)
    other = (src != s1[:, None]) & np.isfinite(cost)
    has = other.any(axis=1)
    pick = np.argmax(other, axis=1)
    d2 = np.where(has, cost[np.arange(m), pick], np.inf)
    s2 = np.where(has, src[np.arange(m), pick], -1)
    d1[~on], d2[~on] = np.inf, np.inf
    s1[~on], s2[~on] = -1, -1
    return d1, s1.astype(np.intp), d2, s2.astype(np.intp)


def walk_costs(
    net: StreetNetwork,
    lon: float,
    lat: float,
    stations: StationSet,
    *,
    max_snap_m: float = 500.0,
    walk_speed_kmh: float = WALK_SPEED_KMH,
) -> FloatArray:
    """Cost from one point to each station along the streets (``inf`` if unreachable).

    On the walking network the cost is metres; divide by the speed for time.
    Raises :class:`~geo.errors.OffNetworkError` if the point is off the network.
    """
    _check_positive(walk_speed_kmh=walk_speed_kmh)
    q = net.snap_one(lon, lat, max_snap_m=max_snap_m)
    # From the query to every node: one Dijkstra from the query's virtual node.
    q_leg = _connector_cost(net, q.offset_m, walk_speed_kmh)
    g, vq = _augmented(net, q, q_leg, outward=True)
    from_q = dijkstra(g, directed=True, indices=int(vq[0]))[: net.n_nodes]  # type: ignore[call-overload]  # scipy-stubs: csr_matrix[Any]
    cost = np.full(stations.ids.size, np.inf)
    s = stations.snapped
    on = s.on_network
    e = s.edge[on]
    c = net.edge_cost[e]
    leg = _connector_cost(net, s.offset_m[on], walk_speed_kmh)
    via_u = from_q[net.edge_u[e]] + s.t[on] * c
    via_v = from_q[net.edge_v[e]] + (1 - s.t[on]) * c
    ow = net.edge_oneway[e]
    # v -> station runs against a one-way segment, unless the station is at v itself.
    via_v = np.where(ow & (s.t[on] < 1), np.inf, via_v)
    best = np.minimum(via_u, via_v) + leg
    # A station on the query's own segment is also reached along it (ahead only if one-way).
    same = (e == q.edge[0]) & ~(ow & (s.t[on] < q.t[0]))
    direct = np.abs(s.t[on] - q.t[0]) * c + leg + q_leg[0]
    best = np.where(same, np.minimum(best, direct), best)
    cost[on] = best
    return cost


@dataclass(frozen=True, slots=True)
class WalkCosts:
    """Walking distance and time from one point to each of several stations.

    ``inf`` where a station is off the network or cannot be reached.
    """

    walk_distance_m: FloatArray
    walk_time_s: FloatArray
    on_network: npt.NDArray[np.bool_]


def walk_to_stations(
    net: StreetNetwork,
    lon: float,
    lat: float,
    station_lon: ArrayLike,
    station_lat: ArrayLike,
    *,
    walk_speed_kmh: float = WALK_SPEED_KMH,
    max_snap_m: float = 500.0,
) -> WalkCosts:
    """Walking distance and time from a point to each candidate station.

    The point and the stations attach to their nearest street segment; the
    legs from them to the street count at walking speed. A registry's
    nearest query re-ranks its straight-line candidates with this.

    Parameters
    ----------
    net
        A walking network (``mode="walk"``).
    lon, lat
        The query point, WGS-84 degrees.
    station_lon, station_lat
        Candidate stations, WGS-84 degrees.
    walk_speed_kmh
        Walking speed.
    max_snap_m
        Farther than this from every street is off-network.

    Returns
    -------
    WalkCosts
        One entry per station, in input order.

    Raises
    ------
    OffNetworkError
        When the query point is off the network.
    InvalidInputError
        On a driving network, bad coordinates or a speed that is not positive.

    Examples
    --------
    >>> from geo.network import network_from_arrays
    >>> m = 1 / 111_319.49  # degrees of longitude per metre at the equator
    >>> net = network_from_arrays([1, 2, 3], [3.0, 3.0 + 100 * m, 3.0 + 200 * m],
    ...                           [0.0, 0.0, 0.0], [1, 2], [2, 3], [100.0, 100.0])
    >>> w = walk_to_stations(net, 3.0, 0.0, [3.0 + 200 * m], [0.0])
    >>> round(float(w.walk_distance_m[0]), 1), round(float(w.walk_time_s[0]))
    (200.0, 150)
    """
    if net.mode != "walk":
        raise InvalidInputError(f"walk_to_stations needs a walking network, got mode={net.mode!r}")
    _check_positive(walk_speed_kmh=walk_speed_kmh, max_snap_m=max_snap_m)
    x, y = check_lonlat(station_lon, station_lat, names=("station_lon", "station_lat"))
    s = StationSet(
        np.arange(x.size).astype(str).astype(object), x, y, net.snap(x, y, max_snap_m=max_snap_m)
    )
    dist = walk_costs(net, lon, lat, s, max_snap_m=max_snap_m, walk_speed_kmh=walk_speed_kmh)
    return WalkCosts(dist, dist / (walk_speed_kmh / 3.6), s.snapped.on_network)


def straight_counts(
    st_lon: FloatArray, st_lat: FloatArray, lon: FloatArray, lat: FloatArray, radius_m: float
) -> tuple[npt.NDArray[np.int64], FloatArray, IntArray]:
    """Per point: stations within ``radius_m`` (geodesic), nearest distance and station.

    Candidates come from a k-d tree on unit-sphere vectors with a 1 % margin;
    each candidate pair is then measured on the WGS-84 ellipsoid.
    """
    from geo.spatial_index import metres_to_chord, unit_vectors

    _check_positive(radius_m=radius_m)
    st_lon, st_lat = check_lonlat(st_lon, st_lat, names=("st_lon", "st_lat"))
    lon, lat = check_lonlat(lon, lat)
    count = np.zeros(lon.size, dtype=np.int64)
    near_d = np.full(lon.size, np.inf)
    near_s = np.full(lon.size, -1, dtype=np.intp)
    if st_lon.size == 0 or lon.size == 0:
        return count, near_d, near_s
    tree = cKDTree(unit_vectors(st_lon, st_lat))
    pv = unit_vectors(lon, lat)
    _, idx = tree.query(pv, k=1)
    _, _, d = _GEOD.inv(lon, lat, st_lon[idx], st_lat[idx])
    near_d, near_s = np.asarray(d, dtype=float), np.asarray(idx).astype(np.intp)
    # An object array of lists (the stubs say list[int]).
    lists = cast(
        "list[list[int]]", tree.query_ball_point(pv, r=float(metres_to_chord(radius_m / 0.99)))
    )
    lengths = np.array([len(x) for x in lists])
    qi = np.repeat(np.arange(lon.size), lengths)
    si = np.concatenate([np.asarray(x, dtype=np.intp) for x in lists]) if qi.size else qi
    if qi.size:
        _, _, dd = _GEOD.inv(lon[qi], lat[qi], st_lon[si], st_lat[si])
        inside = np.asarray(dd) <= radius_m
        count = np.bincount(qi[inside], minlength=lon.size).astype(np.int64)
    return count, near_d, near_s


@dataclass(frozen=True, slots=True)
class Shares:
    """Shares (0..1) of a total that is not covered, covered once, and twice or more."""

    none: float
    once: float
    multiple: float

    @classmethod
    def of(cls, counts: npt.NDArray[np.int64], weights: FloatArray) -> Shares:
        total = float(weights.sum())
        if total <= 0:
            return cls(float("nan"), float("nan"), float("nan"))
        return cls(
            float(weights[counts == 0].sum() / total),
            float(weights[counts == 1].sum() / total),
            float(weights[counts >= 2].sum() / total),
        )

    def to_dict(self) -> dict[str, float | None]:
        """JSON-ready; None (null) where there was nothing to share (no demand given)."""
        raw = {"none": self.none, "once": self.once, "multiple": self.multiple}
        return {k: None if v != v else v for k, v in raw.items()}


def hex_cells(
    area: shapely.Polygon | shapely.MultiPolygon, *, resolution: int = 10
) -> gpd.GeoDataFrame:
    """H3 cells whose centres lie in a WGS-84 area.

    Columns ``cell``, ``lon``, ``lat`` (centre), ``area_m2``; hexagon polygons.
    """
    if not 0 <= resolution <= 15:
        raise InvalidInputError(f"resolution={resolution} must be an H3 resolution 0..15")
    shape = h3.geo_to_h3shape(shapely.geometry.mapping(area))
    cells = sorted(h3.h3shape_to_cells(shape, resolution))
    centres = np.array([h3.cell_to_latlng(c) for c in cells], dtype=float).reshape(-1, 2)
    polys = [shapely.Polygon([(x, y) for y, x in h3.cell_to_boundary(c)]) for c in cells]
    return gpd.GeoDataFrame(
        {
            "cell": cells,
            "lon": centres[:, 1],
            "lat": centres[:, 0],
            "area_m2": [h3.cell_area(c, unit="m^2") for c in cells],
        },
        geometry=polys,
        crs=4326,
    )


@dataclass(frozen=True)
class CoverageReport:
    """Coverage of a study area by stations under one standard.

    ``street_share``, ``area_share`` and ``demand_share`` split street length,
    study-area hexagons (by area) and demand weight into not covered, covered
    once, and twice or more. ``districts`` holds the same per district.
    """

    standard: Literal["walk", "radius"]
    limit_m: float
    minutes: float | None
    radius_m: float | None
    stations: int
    street_share: Shares
    area_share: Shares
    demand_share: Shares
    districts: dict[str, dict[str, Shares]] = field(default_factory=dict)
    cells: gpd.GeoDataFrame | None = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """The figures as JSON-ready data (the CLI's ``--json`` and ``GET /coverage``)."""
        out: dict[str, Any] = {
            "standard": self.standard,
            "minutes": self.minutes,
            "radius_m": self.radius_m,
            "limit_m": self.limit_m,
            "stations": self.stations,
            "street_share": self.street_share.to_dict(),
            "area_share": self.area_share.to_dict(),
            "demand_share": self.demand_share.to_dict(),
        }
        if self.districts:
            out["districts"] = {
                name: {k: v.to_dict() for k, v in parts.items()}
                for name, parts in self.districts.items()
            }
        return out


_SAMPLES_PER_EDGE = 8


def _edge_samples(net: StreetNetwork) -> tuple[Snapped, FloatArray, FloatArray, FloatArray]:
    """Midpoints of equal pieces of every segment, with the length each stands for."""
    k = _SAMPLES_PER_EDGE
    e = np.repeat(np.arange(net.edge_u.size, dtype=np.intp), k)
    t = np.tile((np.arange(k) + 0.5) / k, net.edge_u.size)
    w = np.repeat(net.edge_len_m / k, k)
    x = net.x[net.edge_u[e]] + t * (net.x[net.edge_v[e]] - net.x[net.edge_u[e]])
    y = net.y[net.edge_u[e]] + t * (net.y[net.edge_v[e]] - net.y[net.edge_u[e]])
    lon, lat = net.unproject(x, y)
    snapped = Snapped(e, t, np.zeros(e.size), np.ones(e.size, dtype=bool))
    return snapped, w, lon, lat


def _counts_walk(
    net: StreetNetwork,
    stations: StationSet,
    labels: Labels,
    snapped: Snapped,
    limit: float,
    speed: float,
) -> tuple[npt.NDArray[np.int64], FloatArray, IntArray]:
    d1, s1, d2, _ = point_labels(net, stations, labels, snapped, walk_speed_kmh=speed)
    return (d1 <= limit).astype(np.int64) + (d2 <= limit).astype(np.int64), d1, s1


def study_area(net: StreetNetwork) -> shapely.Polygon:
    """Default study area: the convex hull of the street nodes (WGS-84)."""
    hull = shapely.convex_hull(shapely.multipoints(np.column_stack([net.lon, net.lat])))
    return cast(shapely.Polygon, hull)


def coverage_report(
    net: StreetNetwork,
    stations: StationSet,
    *,
    standard: Literal["walk", "radius"] = "walk",
    minutes: float = 15.0,
    radius_m: float = 1000.0,
    walk_speed_kmh: float = WALK_SPEED_KMH,
    demand: pd.DataFrame | None = None,
    districts: gpd.GeoDataFrame | None = None,
    area: shapely.Polygon | shapely.MultiPolygon | None = None,
    resolution: int = 10,
    active: npt.NDArray[np.bool_] | None = None,
    keep_cells: bool = False,
) -> CoverageReport:
    """Shares of streets, area and demand covered 0, 1 or 2+ times.

    Parameters
    ----------
    net
        Walking network (its streets define the street share and the default area).
    stations
        Snapped stations.
    standard
        ``walk``: within ``minutes`` on foot along the streets; ``radius``:
        within ``radius_m`` metres in a straight (geodesic) line.
    minutes, radius_m, walk_speed_kmh
        The two standards' limits; 15 minutes at 4.8 km/h is 1.2 km.
    demand
        Points with ``lon``, ``lat`` and ``weight`` (e.g. where riders wait).
    districts
        Polygons with a ``name`` column (WGS-84); shares are also given per district.
    area
        Study area (WGS-84); the convex hull of the street nodes by default.
    resolution
        H3 resolution of the area grid (10: cells of about 15,000 m²).
    active
        Which stations count (e.g. open at some hour).
    keep_cells
        Keep the hexagon grid with its counts on the report (for maps and gaps).
    """
    if standard not in ("walk", "radius"):
        raise InvalidInputError(f"standard={standard!r} must be walk or radius")
    _check_positive(minutes=minutes, radius_m=radius_m, walk_speed_kmh=walk_speed_kmh)
    limit = walk_limit_m(minutes, walk_speed_kmh) if standard == "walk" else radius_m
    area = area if area is not None else study_area(net)
    cells = hex_cells(area, resolution=resolution)
    samples, seg_w, seg_lon, seg_lat = _edge_samples(net)
    dem = demand if demand is not None else pd.DataFrame({"lon": [], "lat": [], "weight": []})
    dlon, dlat = check_lonlat(
        dem["lon"].to_numpy(float), dem["lat"].to_numpy(float), names=("demand lon", "demand lat")
    )
    dw = dem["weight"].to_numpy(float) if "weight" in dem else np.ones(dlon.size)
    use = _check_active(active, stations.ids.size)
    if standard == "walk":
        labels = station_labels(
            net, stations, limit=limit, active=use, walk_speed_kmh=walk_speed_kmh
        )
        street, _, _ = _counts_walk(net, stations, labels, samples, limit, walk_speed_kmh)
        cell_snap = net.snap(cells["lon"].to_numpy(), cells["lat"].to_numpy())
        cell_n, cell_d, cell_s = _counts_walk(
            net, stations, labels, cell_snap, limit, walk_speed_kmh
        )
        dem_snap = net.snap(dlon, dlat)
        dem_n, _, _ = _counts_walk(net, stations, labels, dem_snap, limit, walk_speed_kmh)
    else:
        slon, slat = stations.lon[use], stations.lat[use]
        idx = np.flatnonzero(use)
        street, _, _ = straight_counts(slon, slat, seg_lon, seg_lat, radius_m)
        cell_n, cell_d, cs = straight_counts(
            slon, slat, cells["lon"].to_numpy(), cells["lat"].to_numpy(), radius_m
        )
        cell_s = np.where(cs >= 0, idx[np.maximum(cs, 0)] if idx.size else -1, -1)
        dem_n, _, _ = straight_counts(slon, slat, dlon, dlat, radius_m)
    cells = cells.assign(
        count=np.minimum(cell_n, 2),
        nearest_cost=cell_d,
        nearest_id=np.where(
            cell_s >= 0, stations.ids[np.maximum(cell_s, 0)], np.array(None, dtype=object)
        )
        if stations.ids.size
        else None,
    )
    report_districts: dict[str, dict[str, Shares]] = {}
    if districts is not None:
        if "name" not in districts:
            raise InvalidInputError("districts need a 'name' column")
        d = districts.to_crs(4326)
        for name, geom in zip(d["name"].astype(str), d.geometry, strict=True):
            shapely.prepare(geom)  # in place: the three point tests below share it
            prepared = geom
            in_seg = shapely.contains_xy(prepared, seg_lon, seg_lat)
            in_cell = shapely.contains_xy(
                prepared, cells["lon"].to_numpy(), cells["lat"].to_numpy()
            )
            in_dem = shapely.contains_xy(prepared, dlon, dlat)
            report_districts[name] = {
                "street_share": Shares.of(street[in_seg], seg_w[in_seg]),
                "area_share": Shares.of(cell_n[in_cell], cells["area_m2"].to_numpy()[in_cell]),
                "demand_share": Shares.of(dem_n[in_dem], dw[in_dem]),
            }
    return CoverageReport(
        standard=standard,
        limit_m=float(limit),
        minutes=float(minutes) if standard == "walk" else None,
        radius_m=float(radius_m) if standard == "radius" else None,
        stations=int(use.sum()),
        street_share=Shares.of(street, seg_w),
        area_share=Shares.of(cell_n, cells["area_m2"].to_numpy()),
        demand_share=Shares.of(dem_n, dw),
        districts=report_districts,
        cells=cells if keep_cells else None,
    )


def find_gaps(
    report: CoverageReport,
    *,
    demand: pd.DataFrame | None = None,
    walk_speed_kmh: float = WALK_SPEED_KMH,
) -> gpd.GeoDataFrame:
    """Uncovered areas: adjacent uncovered hexagons merged, ranked by demand, then area.

    Needs a report made with ``keep_cells=True``. Columns: ``rank``,
    ``area_m2``, ``demand``, ``cells``, ``nearest_id`` and ``nearest_walk_s``
    (walking standard) or ``nearest_m`` (radius standard); WGS-84 polygons.
    """
    if report.cells is None:
        raise InvalidInputError("find_gaps needs a coverage report made with keep_cells=True")
    cells = report.cells
    gap_cells = cells[cells["count"] == 0]
    cols = ["rank", "area_m2", "demand", "cells", "nearest_id", "nearest_walk_s", "nearest_m"]
    if gap_cells.empty:
        return gpd.GeoDataFrame({c: [] for c in cols}, geometry=[], crs=4326)
    crs = pyproj.CRS.from_epsg(int(_utm_epsg(cells)))
    local = gap_cells.to_crs(crs)
    # Snap vertices a little so that neighbouring hexagons share edges exactly.
    merged = shapely.union_all(shapely.set_precision(local.geometry.to_numpy(), 0.01))
    parts = list(getattr(merged, "geoms", [merged]))
    gaps = gpd.GeoDataFrame(geometry=parts, crs=crs)
    centres = gpd.GeoDataFrame(
        local.drop(columns="geometry"),
        geometry=shapely.centroid(local.geometry.to_numpy()),
        crs=crs,
    )
    joined = gpd.sjoin(centres, gaps, predicate="within", how="inner")
    best = joined.sort_values("nearest_cost").groupby("index_right").first()
    gaps["cells"] = joined.groupby("index_right").size().reindex(gaps.index, fill_value=0)
    gaps["area_m2"] = gaps.geometry.area
    gaps["nearest_id"] = best["nearest_id"].reindex(gaps.index)
    cost = best["nearest_cost"].reindex(gaps.index).to_numpy(float)
    if report.standard == "walk":
        gaps["nearest_walk_s"] = np.where(np.isfinite(cost), cost / (walk_speed_kmh / 3.6), np.nan)
        gaps["nearest_m"] = np.nan
    else:
        gaps["nearest_walk_s"] = np.nan
        gaps["nearest_m"] = np.where(np.isfinite(cost), cost, np.nan)
    gaps["demand"] = 0.0
    if demand is not None and len(demand):
        pts = gpd.GeoDataFrame(
            {"weight": demand["weight"].to_numpy(float) if "weight" in demand else 1.0},
            geometry=gpd.points_from_xy(demand["lon"], demand["lat"]),
            crs=4326,
        ).to_crs(crs)
        hit = gpd.sjoin(pts, gaps[["geometry"]], predicate="within", how="inner")
        gaps["demand"] = (
            hit.groupby("index_right")["weight"].sum().reindex(gaps.index, fill_value=0.0)
        )
    gaps = gaps.sort_values(["demand", "area_m2"], ascending=False, kind="stable").reset_index(
        drop=True
    )
    gaps["rank"] = np.arange(1, len(gaps) + 1)
    return gaps[[*cols, "geometry"]].to_crs(4326)


def to_geojson(frame: gpd.GeoDataFrame) -> dict[str, Any]:
    """A gaps or isochrones frame as a GeoJSON FeatureCollection (WGS-84 lon/lat).

    Missing values (NaN, None) become ``null``; the frame's other columns
    become feature properties.

    Examples
    --------
    >>> f = gpd.GeoDataFrame({"rank": [1], "nearest_m": [float("nan")]},
    ...                      geometry=[shapely.box(3, 0, 3.01, 0.01)], crs=4326)
    >>> fc = to_geojson(f)
    >>> fc["type"], fc["features"][0]["properties"]
    ('FeatureCollection', {'rank': 1, 'nearest_m': None})
    """
    import json

    if not isinstance(frame, gpd.GeoDataFrame) or frame.crs is None:
        raise InvalidInputError("frame must be a GeoDataFrame with a CRS")
    out: dict[str, Any] = json.loads(frame.to_crs(4326).to_json(na="null", drop_id=True))
    return out


def _utm_epsg(cells: gpd.GeoDataFrame) -> int:
    from geo.crs import local_crs

    return int(local_crs(cells["lon"].to_numpy(), cells["lat"].to_numpy()).to_epsg() or 3857)


def isochrones(
    net: StreetNetwork,
    stations: StationSet,
    *,
    minutes: float = 15.0,
    walk_speed_kmh: float = WALK_SPEED_KMH,
    street_buffer_m: float = 30.0,
    which: Sequence[int] | None = None,
) -> gpd.GeoDataFrame:
    """Each station's walking area: the streets reachable within ``minutes``, buffered.

    Partly reachable segments count up to the point the walk reaches. Returns
    ``station_id``, ``minutes`` and a WGS-84 polygon per station (empty when
    the station is off the network).
    """
    _check_positive(minutes=minutes, walk_speed_kmh=walk_speed_kmh, street_buffer_m=street_buffer_m)
    if net.mode != "walk":
        raise InvalidInputError(f"isochrones need a walking network, got mode={net.mode!r}")
    limit = walk_limit_m(minutes, walk_speed_kmh)
    sel = np.arange(stations.ids.size) if which is None else np.asarray(which, dtype=np.intp)
    if sel.ndim != 1 or np.any((sel < 0) | (sel >= stations.ids.size)):
        raise InvalidInputError(
            f"which={which!r} must list station positions in 0..{stations.ids.size - 1}"
        )
    extra = _connector_cost(net, stations.snapped.offset_m, walk_speed_kmh)
    g, vnode = _augmented(net, stations.snapped, extra, outward=True)
    polys: list[shapely.Geometry] = []
    n = net.n_nodes
    ax, ay = net.x[net.edge_u], net.y[net.edge_u]
    bx, by = net.x[net.edge_v], net.y[net.edge_v]
    for j in sel:
        if vnode[j] < 0:
            polys.append(shapely.Polygon())
            continue
        d = dijkstra(g, directed=True, indices=int(vnode[j]), limit=limit)[:n]  # type: ignore[call-overload]
        du, dv = d[net.edge_u], d[net.edge_v]
        c = net.edge_cost
        with np.errstate(invalid="ignore", divide="ignore"):
            ra = np.where(du <= limit, np.minimum(1.0, (limit - du) / c), 0.0)
            rb = np.where(dv <= limit, np.minimum(1.0, (limit - dv) / c), 0.0)
        ra, rb = np.nan_to_num(ra), np.nan_to_num(rb)
        full = ra + rb >= 1.0
        pieces: list[npt.NDArray[np.object_]] = []
        for sel_e, f0, f1 in (
            (full, np.zeros_like(ra), np.ones_like(ra)),
            (~full & (ra > 0), np.zeros_like(ra), ra),
            (~full & (rb > 0), 1 - rb, np.ones_like(rb)),
        ):
            if sel_e.any():
                x0 = ax[sel_e] + f0[sel_e] * (bx[sel_e] - ax[sel_e])
                y0 = ay[sel_e] + f0[sel_e] * (by[sel_e] - ay[sel_e])
                x1 = ax[sel_e] + f1[sel_e] * (bx[sel_e] - ax[sel_e])
                y1 = ay[sel_e] + f1[sel_e] * (by[sel_e] - ay[sel_e])
                ends = np.stack([np.column_stack([x0, y0]), np.column_stack([x1, y1])], axis=1)
                pieces.append(np.asarray(shapely.linestrings(ends), dtype=object))
        e = stations.snapped.edge[j]
        sx, sy = net.project([stations.lon[j]], [stations.lat[j]])
        px = ax[e] + stations.snapped.t[j] * (bx[e] - ax[e])
        py = ay[e] + stations.snapped.t[j] * (by[e] - ay[e])
        pieces.append(np.array([shapely.LineString([(sx[0], sy[0]), (px, py)])]))
        lines = np.concatenate(pieces)
        polys.append(shapely.union_all(shapely.buffer(lines, street_buffer_m, quad_segs=4)))
    out = gpd.GeoDataFrame(
        {"station_id": stations.ids[sel], "minutes": float(minutes)},
        geometry=polys,
        crs=pyproj.CRS.from_epsg(net.epsg),
    )
    return out.to_crs(4326)


def weekly_profile(
    net: StreetNetwork,
    stations: StationSet,
    opening_hours: Sequence[str],
    *,
    week_start: date,
    tz: str,
    standard: Literal["walk", "radius"] = "walk",
    minutes: float = 15.0,
    radius_m: float = 1000.0,
    walk_speed_kmh: float = WALK_SPEED_KMH,
    demand: pd.DataFrame | None = None,
    resolution: int = 10,
) -> pd.DataFrame:
    """Coverage for each hour of a week, counting only the stations open then.

    Parameters
    ----------
    opening_hours
        One OSM ``opening_hours`` expression per station (empty: never counted open).
    week_start
        The Monday (or any day) the 168 hours start from, at 00:30 local time
        (the middle of each hour).
    tz
        Time zone of the opening hours.

    Returns
    -------
    pandas.DataFrame
        One row per hour: ``time`` (local), ``weekday``, ``hour``,
        ``open_stations`` and the ``street_``/``area_``/``demand_`` shares
        ``none``/``once``/``multiple``. Hours with the same open set are
        computed once.
    """
    from geo.hours import open_matrix

    if len(opening_hours) != stations.ids.size:
        raise InvalidInputError(
            f"{len(opening_hours)} opening_hours for {stations.ids.size} stations"
        )
    start = datetime.combine(week_start, time(0, 30))
    times = [start + timedelta(hours=h) for h in range(168)]
    is_open = open_matrix(list(opening_hours), times, tz=tz)
    done: dict[bytes, CoverageReport] = {}
    rows = []
    for h, when in enumerate(times):
        active = is_open[:, h]
        key = np.packbits(active).tobytes()
        if key not in done:
            done[key] = coverage_report(
                net,
                stations,
                standard=standard,
                minutes=minutes,
                radius_m=radius_m,
                walk_speed_kmh=walk_speed_kmh,
                demand=demand,
                resolution=resolution,
                active=active,
            )
        r = done[key]
        row: dict[str, Any] = {
            "time": when,
            "weekday": when.strftime("%a"),
            "hour": when.hour,
            "open_stations": int(active.sum()),
        }
        for part in ("street", "area", "demand"):
            for k, v in getattr(r, f"{part}_share").to_dict().items():
                row[f"{part}_{k}"] = v
        rows.append(row)
    return pd.DataFrame(rows)


def walk_nearest(
    registry: StationStore,
    net: StreetNetwork,
    lon: float,
    lat: float,
    *,
    k: int = 5,
    crs: str = "wgs84",
    where: StationFilter | None = None,
    max_dist_m: float | None = None,
    walk_speed_kmh: float = WALK_SPEED_KMH,
    max_snap_m: float = 500.0,
) -> list[StationHit]:
    """The ``k`` stations nearest on foot, with straight and walking distance and time.

    Candidates come from the registry in straight-line order; a walk is never
    shorter than the straight line, so once the k-th best walk is no longer
    than the farthest candidate's straight distance, no other station can
    beat it and the answer is exact. ``max_dist_m`` bounds the walking distance.

    Raises
    ------
    OffNetworkError
        When the point is farther than ``max_snap_m`` from every street.
    """
    from geo.crs import convert, parse_coord_system

    if parse_coord_system(crs) != "wgs84":
        (x,), (y,) = convert([lon], [lat], src=crs, dst="wgs84")
        lon, lat = float(x), float(y)
    net.snap_one(lon, lat, max_snap_m=max_snap_m)  # fail early, naming the point
    m = max(4 * k, 20)
    while True:
        hits = registry.nearest(lon, lat, k=m, where=where, max_dist_m=max_dist_m)
        if not hits:
            return []
        s = StationSet.build(
            net,
            [h.station.id for h in hits],
            [h.station.lon for h in hits],
            [h.station.lat for h in hits],
            max_snap_m=max_snap_m,
        )
        walk = walk_costs(net, lon, lat, s, max_snap_m=max_snap_m, walk_speed_kmh=walk_speed_kmh)
        if max_dist_m is not None:
            walk = np.where(walk <= max_dist_m, walk, np.inf)
        order = np.lexsort((np.array([h.station.id for h in hits]), walk))[:k]
        kth = walk[order[-1]] if order.size == k else np.inf
        exhausted = len(hits) < m
        if exhausted or kth <= hits[-1].distance_m:
            speed = walk_speed_kmh / 3.6
            return [
                replace(hits[i], walk_distance_m=float(walk[i]), walk_time_s=float(walk[i] / speed))
                for i in order
                if np.isfinite(walk[i])
            ]
        m *= 4


def street_samples(net: StreetNetwork) -> tuple[Snapped, FloatArray, FloatArray, FloatArray]:
    """The points the street share is measured at: snaps, street length each stands for, lon, lat.

    The same samples :func:`coverage_report` counts, so other figures over
    streets (per-station catchments) add up to its shares.
    """
    return _edge_samples(net)
