"""Demand × candidate cost matrices: geodesic, or walking along a street network."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyproj
from numpy.typing import ArrayLike

from geo.errors import InvalidInputError

__all__ = ["cost_matrix"]

FloatArray = npt.NDArray[np.float64]


def cost_matrix(
    demand_lon: ArrayLike,
    demand_lat: ArrayLike,
    cand_lon: ArrayLike,
    cand_lat: ArrayLike,
    *,
    network: object | None = None,
    max_cost: float = np.inf,
    walk_speed_kmh: float = 4.8,
) -> FloatArray:
    """Demand × candidate distances in metres: geodesic, or walking along ``network``.

    Walking costs include both legs to the street; pairs beyond ``max_cost``
    (and unreachable pairs) are ``inf``.
    """
    from geo._validate import check_lonlat

    dx, dy = check_lonlat(demand_lon, demand_lat, names=("demand lon", "demand lat"))
    cx, cy = check_lonlat(cand_lon, cand_lat, names=("candidate lon", "candidate lat"))
    if network is None:
        geod = pyproj.Geod(ellps="WGS84")
        _, _, d = geod.inv(
            np.repeat(dx, cx.size),
            np.repeat(dy, cx.size),
            np.tile(cx, dx.size),
            np.tile(cy, dx.size),
        )
        out = np.asarray(d, dtype=float).reshape(dx.size, cx.size)
        return np.where(out <= max_cost, out, np.inf)
    from geo.coverage import StationSet, point_labels, station_labels
    from geo.network import StreetNetwork

    if not isinstance(network, StreetNetwork):
        raise InvalidInputError("network must be a geo.network.StreetNetwork")
    out = np.full((dx.size, cx.size), np.inf)
    snap = network.snap(dx, dy)
    # One small Dijkstra per candidate, limited to max_cost: the nearest-station
    # labels of a one-station set are exactly that candidate's costs.
    for j in range(cx.size):
        s = StationSet.build(network, [str(j)], [cx[j]], [cy[j]])
        lab = station_labels(network, s, limit=max_cost, walk_speed_kmh=walk_speed_kmh)
        d1, _, _, _ = point_labels(network, s, lab, snap, walk_speed_kmh=walk_speed_kmh)
        out[:, j] = np.where(d1 <= max_cost, d1, np.inf)
    return out
