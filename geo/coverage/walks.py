"""Walking from one point to stations: costs, distance and time, the nearest on foot."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt
from numpy.typing import ArrayLike
from scipy.sparse.csgraph import dijkstra

from geo._validate import check_lonlat
from geo.coverage._graph import (
    augmented,
    check_positive,
    connector_cost,
)
from geo.coverage.labels import StationSet
from geo.errors import InvalidInputError
from geo.network import WALK_SPEED_KMH, StreetNetwork
from geo.stations import StationFilter, StationStore
from geo.types import StationHit

__all__ = ["WalkCosts", "walk_costs", "walk_nearest", "walk_to_stations"]

FloatArray = npt.NDArray[np.float64]


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
    check_positive(walk_speed_kmh=walk_speed_kmh)
    q = net.snap_one(lon, lat, max_snap_m=max_snap_m)
    # From the query to every node: one Dijkstra from the query's virtual node.
    q_leg = connector_cost(net, q.offset_m, walk_speed_kmh)
    g, vq = augmented(net, q, q_leg, outward=True)
    from_q = dijkstra(g, directed=True, indices=int(vq[0]))[: net.n_nodes]  # type: ignore[call-overload]  # scipy-stubs: csr_matrix[Any]
    cost = np.full(stations.ids.size, np.inf)
    s = stations.snapped
    on = s.on_network
    e = s.edge[on]
    c = net.edge_cost[e]
    leg = connector_cost(net, s.offset_m[on], walk_speed_kmh)
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
    check_positive(walk_speed_kmh=walk_speed_kmh, max_snap_m=max_snap_m)
    x, y = check_lonlat(station_lon, station_lat, names=("station_lon", "station_lat"))
    s = StationSet(
        np.arange(x.size).astype(str).astype(object), x, y, net.snap(x, y, max_snap_m=max_snap_m)
    )
    dist = walk_costs(net, lon, lat, s, max_snap_m=max_snap_m, walk_speed_kmh=walk_speed_kmh)
    return WalkCosts(dist, dist / (walk_speed_kmh / 3.6), s.snapped.on_network)


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
