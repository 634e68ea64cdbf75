"""Temporary closures: close a station for a while, reopen it, list its closures."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter

from api.deps import PlannerKey, ServiceDep, parse_when
from api.loop_schemas import ClosureIn
from api.service import Service
from geo.closures import Closure
from geo.stations import StationFilter

router = APIRouter(tags=["closures"])


def closed_notes(
    service: Service,
    closed: dict[str, Closure],
    lon: float,
    lat: float,
    k: int,
    crs: str,
    where: StationFilter,
    radius: float,
) -> list[dict[str, Any]]:
    """The temporarily closed stations that a query would have returned among its ``k``."""
    hits = service.registry.nearest(lon, lat, k=k, crs=crs, where=where, max_dist_m=radius)
    return [
        {
            "id": h.station.id,
            "name": h.station.name,
            "since": closed[h.station.id].since,
            "until": closed[h.station.id].until,
            "reason": closed[h.station.id].reason,
        }
        for h in hits
        if h.station.id in closed
    ]


@router.post(
    "/stations/{station_id}/closures",
    status_code=201,
    summary="Close a station for a while, optionally until a reopening time (planner key)",
)
def close_station(
    station_id: str, body: ClosureIn, service: ServiceDep, key: PlannerKey
) -> dict[str, Any]:
    """Until then /nearest, coverage and the maps leave it out; it reopens by itself."""
    since = parse_when(body.since, name="since") or datetime.now(UTC)
    until = parse_when(body.until, name="until")
    closure = service.closures.close(
        station_id,
        since=service.instant(since),
        until=None if until is None else service.instant(until),
        reason=body.reason,
        actor=key.name,
    )
    return dataclasses.asdict(closure)


@router.post(
    "/stations/{station_id}/reopen",
    summary="Reopen a temporarily closed station now (planner key)",
)
def reopen_station(station_id: str, service: ServiceDep, key: PlannerKey) -> dict[str, int]:
    return {"ended": service.closures.reopen(station_id, at=datetime.now(UTC), actor=key.name)}


@router.get("/stations/{station_id}/closures", summary="A station's temporary closures")
def list_closures(station_id: str, service: ServiceDep) -> list[dict[str, Any]]:
    return [dataclasses.asdict(c) for c in service.closures.of_station(station_id)]
