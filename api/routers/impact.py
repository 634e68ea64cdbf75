"""What each station adds: catchment, what only it covers, the loss if it closed."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Depends

from api.deps import CrsDep, ServiceDep
from api.routers.coverage import CoverageParams, shift_columns
from api.schemas import StationImpactOut

router = APIRouter(tags=["coverage"])


@router.get(
    "/coverage/stations",
    response_model=StationImpactOut,
    summary="Per station: catchment, coverage only it gives, loss if closed",
)
def stations_impact(
    service: ServiceDep, crs: CrsDep, params: Annotated[CoverageParams, Depends()]
) -> dict[str, Any]:
    """Open stations ranked by what closing them would lose; ``loses_nothing`` marks those
    whose closing leaves every street, hexagon and demand point covered."""
    result = service.station_impact(params.region, **params.as_kwargs(service))
    table = shift_columns(result.table, crs, [("lon", "lat")])
    return replace(result, table=table).to_dict()
