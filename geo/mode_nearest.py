"""The stations nearest by travel time on one mode's network, with time and distance.

One search from the query point (a virtual node on its street segment, the
leg to the street walked) gives the fastest time to every street node; the
distance travelled along those fastest paths is summed over the search's
predecessor tree by pointer jumping (vectorised, ``log₂(depth)`` rounds).
Candidates come from the registry in straight-line order, as many as needed:
no path is faster than its straight line at the network's top speed, so once
the k-th best time is no longer than the farthest candidate's straight distance
at that speed, no farther station can beat it and the answer is exact.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from geo.errors import InvalidInputError
from geo.mode_networks import reach_m
from geo.network import WALK_SPEED_KMH, StreetNetwork

if TYPE_CHECKING:
    from geo.stations import StationFilter, StationStore
    from geo.types import StationHit

__all__ = ["TravelFrom", "travel_from", "travel_nearest"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]


@dataclass(frozen=True, slots=True)
class TravelFrom:
    """Fastest travel from one point to each of some places: seconds and metres (``inf``
    where a place cannot be reached or is off the network)."""

    time_s: FloatArray
    distance_m: FloatArray


def _tree_lengths(pred: IntArray, step_m: FloatArray) -> FloatArray:
    """Sum of ``step_m`` from every node up its predecessor chain (roots: -9999 / -1)."""
    total = step_m.copy()
    up = pred.copy()
    while (up >= 0).any():
        has = up >= 0
        nxt = total.copy()
        nxt[has] += total[up[has]]
        total = nxt
        up = np.where(has, up[np.maximum(up, 0)], -1)
    return total


def travel_from(
    net: StreetNetwork,
    lon: float,
    lat: float,
    to_lon: npt.ArrayLike,
    to_lat: npt.ArrayLike,
    *,
    walk_speed_kmh: float = WALK_SPEED_KMH,
    max_snap_m: float = 500.0,
) -> TravelFrom:
    """Fastest time and its distance from a point to each place, on ``net`` (any mode).

    Legs between a point and its street are walked at ``walk_speed_kmh``.
    Raises :class:`~geo.errors.OffNetworkError` when the point is off the network.
    """
    if not walk_speed_kmh > 0:
        raise InvalidInputError(f"walk_speed_kmh={walk_speed_kmh!r} must be > 0")
    walk = walk_speed_kmh / 3.6
    to_s = 1.0 / walk if net.mode == "walk" else 1.0  # network cost → seconds
    q = net.snap_one(lon, lat, max_snap_m=max_snap_m)
    qe, qt = int(q.edge[0]), float(q.t[0])
    qc, ql = float(net.edge_cost[qe]) * to_s, float(net.edge_len_m[qe])
    q_leg_s, q_leg_m = float(q.offset_m[0]) / walk, float(q.offset_m[0])
    n = net.n_nodes
    u, v = int(net.edge_u[qe]), int(net.edge_v[qe])
    cols = [v] if net.edge_oneway[qe] and qt > 0 else [u, v]
    first_s = {u: q_leg_s + qt * qc, v: q_leg_s + (1 - qt) * qc}
    first_m = {u: q_leg_m + qt * ql, v: q_leg_m + (1 - qt) * ql}
    time = sp.csr_matrix(net.csr * to_s)
    g = sp.vstack(
        [
            sp.hstack([time, sp.csr_matrix((n, 1))]),
            sp.csr_matrix(([first_s[j] for j in cols], ([0] * len(cols), cols)), shape=(1, n + 1)),
        ]
    ).tocsr()
    t_all, pred = dijkstra(g, directed=True, indices=n, return_predecessors=True)  # type: ignore[call-overload]
    # Length of the step into every node from its predecessor.
    step = np.zeros(n + 1)
    reached = np.flatnonzero(pred >= 0)
    from_node = pred[reached]
    street = from_node < n
    length = _edge_lengths(net)
    step[reached[street]] = np.asarray(length[from_node[street], reached[street]]).ravel()
    for node in cols:
        if pred[node] == n:
            step[node] = first_m[node]
    d_all = _tree_lengths(np.where(pred < 0, -1, pred).astype(np.intp), step)
    t_all, d_all = t_all[:n], d_all[:n]
    s = net.snap(to_lon, to_lat, max_snap_m=max_snap_m)
    out_t = np.full(s.edge.size, np.inf)
    out_d = np.full(s.edge.size, np.inf)
    on = np.flatnonzero(s.on_network)
    e, t = s.edge[on], s.t[on]
    c, ln = net.edge_cost[e] * to_s, net.edge_len_m[e]
    eu, ev = net.edge_u[e], net.edge_v[e]
    ow = net.edge_oneway[e]
    options_t = np.column_stack(
        [
            t_all[eu] + t * c,
            np.where(ow & (t < 1), np.inf, t_all[ev] + (1 - t) * c),
            np.where((e == qe) & ~(ow & (t < qt)), q_leg_s + np.abs(t - qt) * c, np.inf),
        ]
    )
    options_d = np.column_stack(
        [d_all[eu] + t * ln, d_all[ev] + (1 - t) * ln, q_leg_m + np.abs(t - qt) * ln]
    )
    best = np.argmin(options_t, axis=1)
    rows = np.arange(on.size)
    out_t[on] = options_t[rows, best] + s.offset_m[on] / walk
    out_d[on] = np.where(np.isfinite(out_t[on]), options_d[rows, best] + s.offset_m[on], np.inf)
    return TravelFrom(out_t, out_d)


def _edge_lengths(net: StreetNetwork) -> sp.csr_matrix:
    """Segment lengths in the cost matrix's layout (both directions of two-way segments)."""
    cached = net.__dict__.get("_length_csr")
    if cached is None:
        two = ~net.edge_oneway
        rows = np.concatenate([net.edge_u, net.edge_v[two]])
        cols = np.concatenate([net.edge_v, net.edge_u[two]])
        vals = np.concatenate([net.edge_len_m, net.edge_len_m[two]])
        cached = sp.csr_matrix((vals, (rows, cols)), shape=(net.n_nodes, net.n_nodes))
        object.__setattr__(net, "_length_csr", cached)
    return cached


def travel_nearest(
    registry: StationStore,
    net: StreetNetwork,
    lon: float,
    lat: float,
    *,
    k: int = 5,
    crs: str = "wgs84",
    where: StationFilter | None = None,
    max_dist_m: float | None = None,
    max_time_s: float | None = None,
    walk_speed_kmh: float = WALK_SPEED_KMH,
    max_snap_m: float = 500.0,
) -> list[StationHit]:
    """The ``k`` stations fastest to reach on ``net``, fastest first (ties by id).

    Each hit carries ``travel_mode``, ``travel_time_s`` and ``travel_distance_m``
    (the distance along the fastest path); ``max_dist_m`` bounds that distance,
    ``max_time_s`` the time. Exact (module docstring).

    Raises
    ------
    OffNetworkError
        When the point is farther than ``max_snap_m`` from every street.
    """
    from geo.crs import convert, parse_coord_system

    if k < 1:
        raise InvalidInputError(f"k={k!r} must be >= 1")
    if parse_coord_system(crs) != "wgs84":
        (x,), (y,) = convert([lon], [lat], src=crs, dst="wgs84")
        lon, lat = float(x), float(y)
    net.snap_one(lon, lat, max_snap_m=max_snap_m)  # fail early, naming the point
    v_max = reach_m(net, 1.0, walk_speed_kmh=walk_speed_kmh) / 60.0
    m = max(4 * k, 20)
    while True:
        hits = registry.nearest(lon, lat, k=m, where=where, max_dist_m=max_dist_m)
        if not hits:
            return []
        got = travel_from(
            net,
            lon,
            lat,
            [h.station.lon for h in hits],
            [h.station.lat for h in hits],
            walk_speed_kmh=walk_speed_kmh,
            max_snap_m=max_snap_m,
        )
        time = got.time_s.copy()
        if max_dist_m is not None:
            time[got.distance_m > max_dist_m] = np.inf
        if max_time_s is not None:
            time[time > max_time_s] = np.inf
        order = np.lexsort((np.array([h.station.id for h in hits]), time))[:k]
        kth = time[order[-1]] if order.size == k else np.inf
        bound = hits[-1].distance_m / v_max  # no farther station is faster than this
        if len(hits) < m or kth <= bound or (max_time_s is not None and bound >= max_time_s):
            return [
                replace(
                    hits[i],
                    travel_mode=net.mode,
                    travel_time_s=float(time[i]),
                    travel_distance_m=float(got.distance_m[i]),
                )
                for i in order
                if np.isfinite(time[i])
            ]
        m *= 4
