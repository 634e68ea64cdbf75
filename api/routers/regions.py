"""The regions the service measures."""

from __future__ import annotations

from typing import Annotated, Any

import shapely
from fastapi import APIRouter, Query
from fastapi.responses import RedirectResponse

from api.deps import CrsDep, ServiceDep
from api.routers.coverage import shift_geometries
from api.schemas import RegionList

router = APIRouter(tags=["regions"])


@router.get("/regions", response_model=RegionList, response_model_exclude_none=True)
def list_regions(
    service: ServiceDep,
    crs: CrsDep,
    boundary: Annotated[
        bool, Query(description="Include each boundary as a GeoJSON polygon")
    ] = False,
) -> dict[str, Any]:
    """Id, name, bbox, station count, demand layers and districts of every region (bbox and
    boundary in ``crs``)."""
    out = []
    for spec in service.regions.specs:
        item = service.region_summary(spec)
        geom = shift_geometries(item.pop("boundary"), crs)
        item["bbox"] = [round(float(v), 7) for v in geom.bounds]
        if boundary:
            item["boundary"] = shapely.geometry.mapping(geom)
        out.append(item)
    return {"regions": out, "coord_system": crs}


@router.get("/", include_in_schema=False)
def home(service: ServiceDep) -> RedirectResponse:
    """The first page: the stations map of the first declared region, in its language."""
    ids = service.regions.ids
    return RedirectResponse("/maps/stations" + (f"?region={ids[0]}" if ids else ""), 307)
