"""Nearest and second-nearest station of every node and of snapped points (two passes)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from numpy.typing import ArrayLike

from geo._search import two_nearest
from geo._validate import check_lonlat
from geo.coverage._graph import (
    check_active,
    check_positive,
    connector_cost,
    segment_entries,
)
from geo.errors import InvalidInputError
from geo.network import WALK_SPEED_KMH, Snapped, StreetNetwork

__all__ = ["Labels", "StationSet", "point_labels", "station_labels"]

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
    check_positive(walk_speed_kmh=walk_speed_kmh)
    n = net.n_nodes
    use = stations.snapped.on_network & check_active(active, stations.ids.size)
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
    point, node, cost, graph = segment_entries(
        net,
        Snapped(stations.snapped.edge, stations.snapped.t, stations.snapped.offset_m, use),
        connector_cost(net, stations.snapped.offset_m, walk_speed_kmh),
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
    check_positive(walk_speed_kmh=walk_speed_kmh)
    if labels.d1.size != net.n_nodes:
        raise InvalidInputError(
            f"labels hold {labels.d1.size} nodes but the network has {net.n_nodes}"
        )
    m = snapped.edge.size
    on = snapped.on_network
    e = np.where(on, snapped.edge, 0)
    c = net.edge_cost[e]
    leg = connector_cost(net, np.where(on, snapped.offset_m, 0.0), walk_speed_kmh)
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
            st_leg = connector_cost(net, stations.snapped.offset_m, walk_speed_kmh)[jj]
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
