"""A corridor search (:func:`geo.corridor.stations_along`) as GeoJSON, for the API and the CLI.

Coordinates are lon, lat in the coordinate system asked for (``crs``), the
route included; times are seconds and ISO 8601 in the registry's time zone.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import numpy as np

from geo.corridor import Corridor, CorridorHit
from geo.crs import convert
from geo.io import to_feature_collection
from geo.types import StationHit

__all__ = ["corridor_collection"]


def corridor_collection(
    result: Corridor,
    hits: Sequence[CorridorHit],
    *,
    crs: str = "wgs84",
    mode: str = "truck",
    max_detour_s: float,
    depart: datetime | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The stations along a trip, fewest added minutes first, with the trip itself.

    Each feature is a station (as ``/stations`` gives it) with ``rank``,
    ``detour_s``, ``to_station_s`` (start → station), ``along_route_m`` (from the
    start along the route to the point nearest the station), ``arrival`` and
    ``open_on_arrival`` (null without a departure time). The collection carries
    ``mode``, ``base_time_s`` (start → end), ``route_length_m``, ``max_detour_s``,
    ``depart`` and ``route`` (a LineString), plus ``extra``.
    """
    fc = to_feature_collection([StationHit(h.station, h.along_route_m, 0.0) for h in hits], crs=crs)
    for rank, (feature, hit) in enumerate(zip(fc["features"], hits, strict=True), start=1):
        props = feature["properties"]
        for gone in ("distance_m", "bearing_deg"):
            props.pop(gone, None)
        props.update(
            rank=rank,
            detour_s=round(hit.detour_s, 3),
            to_station_s=round(hit.to_station_s, 3),
            along_route_m=round(hit.along_route_m, 3),
            arrival=hit.arrival.isoformat(timespec="seconds") if hit.arrival is not None else None,
            open_on_arrival=hit.open_on_arrival,
        )
    rx, ry = convert(result.route_lon, result.route_lat, src="wgs84", dst=crs)
    coords = [[round(float(x), 7), round(float(y), 7)] for x, y in zip(rx, ry, strict=True)]
    base = result.base_time_s
    fc.update(
        mode=mode,
        base_time_s=round(base, 3) if np.isfinite(base) else None,
        route_length_m=round(result.route_length_m, 3),
        max_detour_s=float(max_detour_s),
        depart=depart.isoformat(timespec="seconds") if depart is not None else None,
        route={"type": "LineString", "coordinates": coords},
        **(extra or {}),
    )
    return fc
