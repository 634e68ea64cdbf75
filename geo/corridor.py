"""The driver's corridor: stations a vehicle can reach from its route with a small detour.

The detour through a station S on a trip from A to B is exact on the mode's
network: ``t(A→S) + t(S→B) − t(A→B)``. Three single-source searches give it for
every station at once: one from A on the network, one from B on the reversed
network (times *towards* B), and A→B itself. One-way streets, closed ways
(a low bridge for a truck) and missing bridges are in the network, so in the
answer.

Which stations to look at is decided without a search: every path from A
through S to B is at least ``(|AS| + |SB|) / v_max`` long in time, so only
stations inside the ellipse ``|AS| + |SB| <= v_max · (t(A→B) + max_detour)``
can qualify (geodesic distances; ``v_max`` the network's fastest edge or the
connector speed, whichever is higher). No station outside it is ever missed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import pyproj
import shapely
from numpy.typing import ArrayLike
from scipy.sparse.csgraph import dijkstra

from geo._validate import check_lonlat
from geo.coverage import StationSet, walk_costs
from geo.errors import InvalidInputError
from geo.network import WALK_SPEED_KMH, StreetNetwork

if TYPE_CHECKING:
    from geo.stations import StationFilter, StationStore
    from geo.types import Station

__all__ = ["Corridor", "CorridorHit", "corridor", "stations_along"]

FloatArray = npt.NDArray[np.float64]
_GEOD = pyproj.Geod(ellps="WGS84")


@dataclass(frozen=True, slots=True)
class Corridor:
    """Detours through each of several stations on one trip.

    Attributes
    ----------
    base_time_s
        Travel time of the fastest route from start to end.
    detour_s, to_station_s, from_station_s
        Per station: added time, time from the start to it, time from it to
        the end (``inf`` where it cannot be reached or left).
    along_route_m
        Per station: distance from the start along the route to the route's
        point nearest the station.
    route_lon, route_lat
        The route: the one given, or the network's fastest from start to end.
    """

    base_time_s: float
    detour_s: FloatArray
    to_station_s: FloatArray
    from_station_s: FloatArray
    along_route_m: FloatArray
    route_lon: FloatArray
    route_lat: FloatArray

    @property
    def route_length_m(self) -> float:
        """Geodesic length of the route."""
        if self.route_lon.size < 2:
            return 0.0
        return float(_GEOD.line_length(self.route_lon, self.route_lat))


def _fastest_route(
    net: StreetNetwork, start: tuple[float, float], end: tuple[float, float]
) -> tuple[FloatArray, FloatArray]:
    """Node coordinates of the fastest route between the street nodes nearest start and end.

    Used for drawing and for distances along the route only; the times come
    from :func:`walk_costs`, which enters and leaves the streets exactly.
    """
    s = net.snap_one(*start)
    e = net.snap_one(*end)
    a = int(net.edge_u[s.edge[0]] if s.t[0] < 0.5 else net.edge_v[s.edge[0]])
    b = int(net.edge_u[e.edge[0]] if e.t[0] < 0.5 else net.edge_v[e.edge[0]])
    _, preds = dijkstra(net.csr, directed=True, indices=[a], return_predecessors=True)
    pred = preds[0]
    if a != b and pred[b] < 0:
        return np.array([start[0], end[0]]), np.array([start[1], end[1]])
    path = [b]
    while path[-1] != a:
        path.append(int(pred[path[-1]]))
    nodes = np.array(path[::-1])
    lon = np.concatenate([[start[0]], net.lon[nodes], [end[0]]])
    lat = np.concatenate([[start[1]], net.lat[nodes], [end[1]]])
    return lon, lat


def _along(route_lon: FloatArray, route_lat: FloatArray, lon: FloatArray, lat: FloatArray,
           net: StreetNetwork) -> FloatArray:  # fmt: skip
    """Metres along the route (in the network's local CRS) to each point's nearest spot."""
    rx, ry = net.project(route_lon, route_lat)
    px, py = net.project(lon, lat)
    line = shapely.linestrings(np.column_stack([rx, ry]))
    return np.asarray(shapely.line_locate_point(line, shapely.points(px, py)), dtype=float)


def corridor(
    net: StreetNetwork,
    start_lon: float,
    start_lat: float,
    end_lon: float,
    end_lat: float,
    station_lon: ArrayLike,
    station_lat: ArrayLike,
    *,
    route_lon: ArrayLike | None = None,
    route_lat: ArrayLike | None = None,
    connector_kmh: float = WALK_SPEED_KMH,
    max_snap_m: float = 500.0,
) -> Corridor:
    """Exact detour of a trip through each station, on a time network (not ``walk``).

    Parameters
    ----------
    net
        A network whose costs are seconds (``drive``, ``truck``, ``ebike``, ``bike``).
    start_lon, start_lat, end_lon, end_lat
        The trip's ends, WGS-84.
    station_lon, station_lat
        Stations, WGS-84.
    route_lon, route_lat
        The driver's own route, if known: distances along it are measured on
        it; otherwise on the network's fastest route.
    connector_kmh
        Speed of the straight leg between a point and its street.
    max_snap_m
        Points farther than this from every street are off the network.

    Raises
    ------
    OffNetworkError
        When the start or the end is off the network.
    InvalidInputError
        On a walking network (costs in metres) or a bad argument.
    """
    if net.mode == "walk":
        raise InvalidInputError("corridor needs a network timed in seconds, not mode='walk'")
    lon, lat = check_lonlat(station_lon, station_lat, names=("station lon", "station lat"))
    ends_lon, ends_lat = check_lonlat([start_lon, end_lon], [start_lat, end_lat])
    (sx, ex), (sy, ey) = ends_lon, ends_lat
    ids = np.arange(lon.size)
    end_set = StationSet.build(net, [0], [ex], [ey], max_snap_m=max_snap_m)
    base = float(
        walk_costs(net, sx, sy, end_set, max_snap_m=max_snap_m, walk_speed_kmh=connector_kmh)[0]
    )
    if not np.isfinite(base):
        raise InvalidInputError("the end cannot be reached from the start on this network")
    fwd = StationSet.build(net, ids, lon, lat, max_snap_m=max_snap_m)
    to_s = walk_costs(net, sx, sy, fwd, max_snap_m=max_snap_m, walk_speed_kmh=connector_kmh)
    rev = net.reversed()
    back = StationSet.build(rev, ids, lon, lat, max_snap_m=max_snap_m)
    from_s = walk_costs(rev, ex, ey, back, max_snap_m=max_snap_m, walk_speed_kmh=connector_kmh)
    detour = to_s + from_s - base
    if route_lon is None or route_lat is None:
        rlon, rlat = _fastest_route(net, (sx, sy), (ex, ey))
    else:
        rlon, rlat = check_lonlat(route_lon, route_lat, names=("route lon", "route lat"))
        if rlon.size < 2:
            raise InvalidInputError("a route needs at least two points")
    along = _along(rlon, rlat, lon, lat, net) if lon.size else np.zeros(0)
    return Corridor(base, detour, to_s, from_s, along, rlon, rlat)


def max_speed_mps(net: StreetNetwork, connector_kmh: float = WALK_SPEED_KMH) -> float:
    """The fastest any path on ``net`` can go, metres per second (for the ellipse bound)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        edge = np.where(net.edge_cost > 0, net.edge_len_m / net.edge_cost, 0.0)
    # Straight-line distance never exceeds path length, so a bound on path speed holds.
    return float(max(edge.max(initial=0.0), connector_kmh / 3.6))


@dataclass(frozen=True, slots=True)
class CorridorHit:
    """A station along a trip: its record, the detour, and whether it is open on arrival."""

    station: Station
    detour_s: float
    to_station_s: float
    along_route_m: float
    arrival: datetime | None
    open_on_arrival: bool | None


def stations_along(
    registry: StationStore,
    net: StreetNetwork,
    start: tuple[float, float],
    end: tuple[float, float],
    *,
    max_detour_s: float = 600.0,
    where: StationFilter | None = None,
    depart: datetime | None = None,
    route: tuple[ArrayLike, ArrayLike] | None = None,
    connector_kmh: float = WALK_SPEED_KMH,
    limit: int = 20,
) -> tuple[Corridor, list[CorridorHit]]:
    """Stations a trip from ``start`` to ``end`` reaches with at most ``max_detour_s`` more.

    Candidates are the registry's stations (passing ``where``) inside the
    ellipse of the module docstring; each is checked exactly. Hits are ranked
    by detour, then by distance along the route. With ``depart``, each says
    whether it is open when the driver gets there (its hours, in the registry's
    time zone; a station without hours is not reported open).
    """
    from geo.hours import is_open

    if not (np.isfinite(max_detour_s) and max_detour_s >= 0):
        raise InvalidInputError(f"max_detour_s={max_detour_s!r} must be >= 0")
    if limit < 1:
        raise InvalidInputError(f"limit={limit!r} must be >= 1")
    (sx, sy), (ex, ey) = start, end
    probe = corridor(net, sx, sy, ex, ey, [], [], connector_kmh=connector_kmh)
    v = max_speed_mps(net, connector_kmh)
    reach = v * (probe.base_time_s + max_detour_s)  # |AS| + |SB| can be no longer
    mid_lon, mid_lat = (sx + ex) / 2.0, (sy + ey) / 2.0
    _, _, ma = _GEOD.inv(mid_lon, mid_lat, sx, sy)
    _, _, mb = _GEOD.inv(mid_lon, mid_lat, ex, ey)
    # A disc round M holding the whole ellipse: |MS| <= (|MA| + |AS| + |MB| + |BS|) / 2.
    radius = reach / 2.0 + (ma + mb) / 2.0 + 1.0
    hits = registry.within(mid_lon, mid_lat, radius, where=where)
    stations = [h.station for h in hits]
    if not stations:
        return probe, []
    lon = np.array([s.lon for s in stations])
    lat = np.array([s.lat for s in stations])
    _, _, da = _GEOD.inv(np.full(lon.size, sx), np.full(lon.size, sy), lon, lat)
    _, _, db = _GEOD.inv(lon, lat, np.full(lon.size, ex), np.full(lon.size, ey))
    inside = np.flatnonzero(np.asarray(da) + np.asarray(db) <= reach)
    stations = [stations[i] for i in inside]
    rlon, rlat = (None, None) if route is None else route
    got = corridor(
        net, sx, sy, ex, ey, lon[inside], lat[inside],
        route_lon=rlon, route_lat=rlat, connector_kmh=connector_kmh,
    )  # fmt: skip
    ok = np.flatnonzero(np.isfinite(got.detour_s) & (got.detour_s <= max_detour_s + 1e-9))
    order = ok[np.lexsort((got.along_route_m[ok], got.detour_s[ok]))][:limit]
    out = []
    for i in order:
        st = stations[i]
        arrival = depart + timedelta(seconds=float(got.to_station_s[i])) if depart else None
        is_open_then = (
            None
            if arrival is None
            else bool(st.opening_hours) and is_open(st.opening_hours, arrival, tz=registry.tz)
        )
        out.append(
            CorridorHit(
                st,
                max(float(got.detour_s[i]), 0.0),
                float(got.to_station_s[i]),
                float(got.along_route_m[i]),
                arrival,
                is_open_then,
            )
        )
    return got, out
