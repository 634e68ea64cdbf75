"""Each station's walking area: the streets reachable within a time, buffered."""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pyproj
import shapely
from scipy.sparse.csgraph import dijkstra

from geo.coverage._graph import (
    augmented,
    check_positive,
    connector_cost,
)
from geo.coverage.labels import StationSet
from geo.errors import InvalidInputError
from geo.network import WALK_SPEED_KMH, StreetNetwork, walk_limit_m

__all__ = ["isochrones"]


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
    check_positive(minutes=minutes, walk_speed_kmh=walk_speed_kmh, street_buffer_m=street_buffer_m)
    if net.mode != "walk":
        raise InvalidInputError(f"isochrones need a walking network, got mode={net.mode!r}")
    limit = walk_limit_m(minutes, walk_speed_kmh)
    sel = np.arange(stations.ids.size) if which is None else np.asarray(which, dtype=np.intp)
    if sel.ndim != 1 or np.any((sel < 0) | (sel >= stations.ids.size)):
        raise InvalidInputError(
            f"which={which!r} must list station positions in 0..{stations.ids.size - 1}"
        )
    extra = connector_cost(net, stations.snapped.offset_m, walk_speed_kmh)
    g, vnode = augmented(net, stations.snapped, extra, outward=True)
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
