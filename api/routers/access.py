"""Capacity-aware accessibility (E2SFCA) and the fairness figures of ``/coverage``."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Annotated, Any

import numpy as np
from fastapi import APIRouter, Query

from api.deps import ISO_OR_NOW, CrsDep, ServiceDep, parse_when
from api.routers.coverage import to_geojson
from api.schemas import AccessOut
from api.service import Service
from geo.access_report import AccessReport, accessibility_report
from geo.errors import NotFoundError
from geo.fairness import FairnessReport, fairness_report
from geo.registry import StationFilter
from geo.types import Station

router = APIRouter(tags=["coverage"])


def _open_stations(service: Service, at: datetime | None) -> list[Station]:
    if service.demand is None:
        raise NotFoundError("no demand points are configured (STATIONFINDER_DEMAND)")
    return service.registry.stations(StationFilter(open_at=at))  # type: ignore[no-any-return]


def access_report_for(
    service: Service,
    *,
    minutes: float,
    threshold: float | None,
    default_capacity: float | None,
    at: datetime | None,
) -> AccessReport:
    """The service's demand against its open stations' capacity, cached per registry version."""

    def compute() -> AccessReport:
        stations = _open_stations(service, at)
        return accessibility_report(
            service.need_network(),
            [s.id for s in stations],
            [s.lon for s in stations],
            [s.lat for s in stations],
            [math.nan if s.capacity is None else s.capacity for s in stations],
            service.demand,  # type: ignore[arg-type]
            minutes=minutes,
            walk_speed_kmh=service.settings.walk_speed_kmh,
            threshold=threshold,
            default_capacity=default_capacity,
        )

    key = ("accessibility", minutes, threshold, default_capacity, at)
    return service.cached(key, compute)  # type: ignore[no-any-return]


def fairness_for(service: Service, *, minutes: float, at: datetime | None) -> FairnessReport | None:
    """Fairness of the service's demand (None when it has none), cached per registry version."""
    if service.demand is None:
        return None

    def compute() -> FairnessReport:
        stations = _open_stations(service, at)
        return fairness_report(
            service.need_network(),
            [s.lon for s in stations],
            [s.lat for s in stations],
            [s.capacity for s in stations],
            service.demand,  # type: ignore[arg-type]
            minutes=minutes,
            walk_speed_kmh=service.settings.walk_speed_kmh,
        )

    return service.cached(("fairness", minutes, at), compute)  # type: ignore[no-any-return]


@router.get("/accessibility", response_model=AccessOut, summary="Capacity within reach (E2SFCA)")
def accessibility(
    service: ServiceDep,
    crs: CrsDep,
    minutes: Annotated[float, Query(gt=0, le=60, description="Catchment, minutes on foot")] = 15.0,
    threshold: Annotated[
        float | None,
        Query(
            ge=0,
            allow_inf_nan=False,
            description="Capacity per person below which demand counts as underserved",
        ),
    ] = None,
    default_capacity: Annotated[
        float | None,
        Query(
            ge=0,
            allow_inf_nan=False,
            description="Capacity assumed for stations without one (default: they are left out)",
        ),
    ] = None,
    at: Annotated[
        str | None,
        Query(pattern=ISO_OR_NOW, description="Count only stations open at this ISO 8601 time"),
    ] = None,
) -> dict[str, Any]:
    """Enhanced two-step floating catchment: each open station's capacity shared among the
    demand within ``minutes`` on foot (zones weighted 1, 0.68, 0.22), per demand hexagon."""
    report = access_report_for(
        service,
        minutes=minutes,
        threshold=threshold,
        default_capacity=default_capacity,
        at=parse_when(at, name="at"),
    )
    out = report.to_dict()
    hexagons = report.hexagons.assign(
        share_below=report.hexagons["share_below"].astype(float).replace({np.nan: None})
    )
    out["hexagons"] = to_geojson(hexagons, crs)
    out.pop("districts")
    return out
