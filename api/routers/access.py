"""Capacity-aware accessibility (E2SFCA) of a region's demand."""

from __future__ import annotations

from typing import Annotated, Any

import numpy as np
from fastapi import APIRouter, Query

from api.deps import ISO_OR_NOW, CrsDep, RegionQuery, ServiceDep, parse_when
from api.modes import ModeQuery
from api.routers.coverage import to_geojson
from api.schemas import AccessOut
from geo.when import TIME_RANGE

router = APIRouter(tags=["coverage"])


@router.get("/accessibility", response_model=AccessOut, summary="Capacity within reach (E2SFCA)")
def accessibility(
    service: ServiceDep,
    crs: CrsDep,
    region: RegionQuery = None,
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
        Query(
            json_schema_extra={"pattern": ISO_OR_NOW},  # documented; parse_when checks
            description=f"Count only stations open at this ISO 8601 time, from {TIME_RANGE}",
        ),
    ] = None,
    mode: ModeQuery = None,
) -> dict[str, Any]:
    """Enhanced two-step floating catchment: each open station's capacity shared among the
    demand within ``minutes`` on foot (zones weighted 1, 0.68, 0.22), per demand hexagon."""
    report = service.accessibility(
        region,
        minutes=minutes,
        threshold=threshold,
        default_capacity=default_capacity,
        at=parse_when(at, name="at"),
        mode=service.mode_for(mode),
    )
    out = report.to_dict()
    hexagons = report.hexagons.assign(
        share_below=report.hexagons["share_below"].astype(float).replace({np.nan: None})
    )
    out["hexagons"] = to_geojson(hexagons, crs)
    out.pop("districts")
    return out
