"""Stations: list, read, create, change, delete and bulk import."""

from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, HTTPException, Query, Response, UploadFile

from api.deps import CrsDep, FilterParams, ServiceDep, bbox_param, require_api_key
from api.schemas import ImportResult, StationFeature, StationIn, StationPage, StationPatch
from api.service import Service
from geo.crs import COORD_SYSTEMS, convert
from geo.errors import InvalidInputError
from geo.io import import_stations, stable_id, to_feature_collection
from geo.limits import MAX_SQL_INT, check_upload_name
from geo.types import Station

router = APIRouter(prefix="/stations", tags=["stations"])
WriteKey = Annotated[str, Depends(require_api_key)]


def _feature(station: Station, crs: str, service: Service) -> dict[str, Any]:
    counts = service.feedback.open_report_counts()
    fc = to_feature_collection([station], crs=crs, open_reports=counts)
    return fc["features"][0]  # type: ignore[no-any-return]


@router.get(
    "",
    response_model=StationPage,
    response_model_exclude_none=True,
    summary="List stations with filters",
)
def list_stations(
    service: ServiceDep,
    crs: CrsDep,
    filters: Annotated[FilterParams, Depends()],
    bbox: Annotated[tuple[float, float, float, float] | None, Depends(bbox_param)],
    q: Annotated[str | None, Query(max_length=100, description="Name or address contains")] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
    offset: Annotated[int, Query(ge=0, json_schema_extra={"maximum": MAX_SQL_INT})] = 0,
    exclude_reported_closed: Annotated[
        bool, Query(description="Leave out stations with an unresolved 'closed for good' report")
    ] = False,
) -> dict[str, Any]:
    if bbox is not None and crs != "wgs84":
        (w, e), (s, n) = convert([bbox[0], bbox[2]], [bbox[1], bbox[3]], src=crs, dst="wgs84")
        bbox = (float(w), float(s), float(e), float(n))
    where = filters.build(default_status=None)
    if exclude_reported_closed:
        where = replace(where, exclude_ids=service.feedback.reported_closed())
    total, page = service.registry.query(where=where, bbox=bbox, text=q, limit=limit, offset=offset)
    fc = to_feature_collection(page, crs=crs, open_reports=service.feedback.open_report_counts())
    return {**fc, "number_matched": total, "number_returned": len(page)}


@router.get(
    "/{station_id}",
    response_model=StationFeature,
    response_model_exclude_none=True,
    summary="One station",
)
def get_station(station_id: str, service: ServiceDep, crs: CrsDep) -> dict[str, Any]:
    return _feature(service.registry.get(station_id), crs, service)


@router.post(
    "",
    response_model=StationFeature,
    response_model_exclude_none=True,
    status_code=201,
    summary="Create a station (API key)",
)
def create_station(
    body: StationIn, service: ServiceDep, crs: CrsDep, _key: WriteKey
) -> dict[str, Any]:
    (x,), (y,) = convert([body.lon], [body.lat], src=crs, dst="wgs84")
    data = body.model_dump()
    data["id"] = body.id or stable_id(body.name, float(x), float(y))
    data.update(lon=float(x), lat=float(y), amenities=tuple(body.amenities))
    (stored,) = service.registry.add(Station(**data))
    return _feature(stored, crs, service)


@router.patch(
    "/{station_id}",
    response_model=StationFeature,
    response_model_exclude_none=True,
    summary="Change fields of a station (API key)",
)
def patch_station(
    station_id: str, body: StationPatch, service: ServiceDep, crs: CrsDep, _key: WriteKey
) -> dict[str, Any]:
    changes = body.model_dump(exclude_unset=True)
    if crs != "wgs84" and ("lon" in changes) != ("lat" in changes):
        raise InvalidInputError(f"with crs={crs}, lon and lat must change together")
    if "lon" in changes and "lat" in changes:
        (x,), (y,) = convert([changes["lon"]], [changes["lat"]], src=crs, dst="wgs84")
        changes.update(lon=float(x), lat=float(y))
    return _feature(service.registry.update(station_id, **changes), crs, service)


@router.delete("/{station_id}", status_code=204, summary="Delete a station (API key)")
def delete_station(station_id: str, service: ServiceDep, _key: WriteKey) -> Response:
    service.registry.delete(station_id)
    return Response(status_code=204)


@router.post("/import", response_model=ImportResult, summary="Upload a station file (API key)")
def import_file(
    service: ServiceDep,
    _key: WriteKey,
    file: Annotated[UploadFile, File(description=".csv, .xlsx, .geojson or .gpkg")],
    crs: Annotated[
        str,
        Form(
            description="Coordinate system of the file",
            json_schema_extra={"enum": list(COORD_SYSTEMS)},
        ),
    ] = "wgs84",
    skip_invalid: Annotated[bool, Form(description="Write valid rows, report the rest")] = False,
) -> dict[str, Any]:
    name = check_upload_name(file.filename)
    with tempfile.TemporaryDirectory() as tmp:
        # The temporary file is named by its type only: the client's name is for messages.
        path = Path(tmp) / f"upload{Path(name).suffix.lower()}"
        data = file.file.read(service.settings.max_upload_bytes + 1)
        if len(data) > service.settings.max_upload_bytes:
            raise HTTPException(413, f"the file exceeds {service.settings.max_upload_bytes} bytes")
        path.write_bytes(data)
        report = import_stations(
            service.registry,
            path,
            crs=crs,
            skip_invalid=skip_invalid,
            name=name,
            max_expanded_bytes=service.settings.max_upload_expanded_bytes,
        )
    return {
        "added": report.added,
        "updated": report.updated,
        "skipped": [{"row": p.row, "column": p.column, "reason": p.reason} for p in report.skipped],
    }
