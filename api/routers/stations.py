"""Stations: list, read, create, change, delete and bulk import."""

from __future__ import annotations

import io
import math
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, HTTPException, Query, Response, UploadFile

from api.deps import (
    CRS_HEADER,
    ISO_OR_NOW,
    AdminKey,
    CrsDep,
    FilterParams,
    PlannerKey,
    ServiceDep,
    bbox_param,
    parse_when,
)
from api.lang import LangDep
from api.routers.inspections import due_page
from api.schemas import ImportResult, StationFeature, StationIn, StationPage, StationPatch
from api.service import Service
from geo.crs import COORD_SYSTEMS, convert
from geo.errors import InvalidInputError
from geo.export import stations_csv, stations_xlsx
from geo.hours_zh import hours_fields
from geo.import_guard import DEFAULT_FAR_KM
from geo.io import import_stations, stable_id, to_feature_collection
from geo.limits import MAX_SQL_INT, check_upload_name
from geo.names import Lang, label_features, parse_amenity_name, parse_kind_name
from geo.sheet_crs import declared_crs
from geo.types import Station

router = APIRouter(prefix="/stations", tags=["stations"])


def _feature(station: Station, crs: str, service: Service) -> dict[str, Any]:
    counts = service.feedback.open_report_counts()
    fc = to_feature_collection([station], crs=crs, open_reports=counts)
    return {**fc["features"][0], "coord_system": fc["coord_system"]}


_MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def table_response(stations: list[Station], *, fmt: str, crs: str, lang: Lang) -> Response:
    """Stations as a CSV or XLSX download."""
    if fmt == "xlsx":
        body = stations_xlsx(stations, crs=crs, lang=lang)
    else:
        buf = io.StringIO()
        stations_csv(stations, buf, crs=crs, lang=lang)
        body = buf.getvalue().encode("utf-8")
    return Response(
        body,
        media_type=_MEDIA[fmt],
        headers={
            "Content-Disposition": f'attachment; filename="stations.{fmt}"',
            CRS_HEADER: crs,
        },
    )


@router.get(
    "",
    response_model=StationPage,
    response_model_exclude_none=True,
    summary="List stations with filters",
    responses={200: {"content": {_MEDIA["csv"]: {}, _MEDIA["xlsx"]: {}}}},
)
def list_stations(
    service: ServiceDep,
    crs: CrsDep,
    lang: LangDep,
    filters: Annotated[FilterParams, Depends()],
    bbox: Annotated[tuple[float, float, float, float] | None, Depends(bbox_param)],
    q: Annotated[str | None, Query(max_length=100, description="Name or address contains")] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
    offset: Annotated[int, Query(ge=0, json_schema_extra={"maximum": MAX_SQL_INT})] = 0,
    exclude_reported_closed: Annotated[
        bool, Query(description="Leave out stations with an unresolved 'closed for good' report")
    ] = False,
    verification: Annotated[
        str | None,
        Query(
            description="overdue, or due-within:<days>d: open stations due for verification",
            json_schema_extra={"pattern": r"^(overdue|due-within:[0-9]{1,5}d)$"},  # handler checks
        ),
    ] = None,
    as_of: Annotated[
        str | None,
        Query(
            json_schema_extra={"pattern": ISO_OR_NOW},  # documented; parse_when checks
            description="Judge verification at (default now)",
        ),
    ] = None,
    format: Annotated[
        Literal["geojson", "csv", "xlsx"],
        Query(
            description="geojson, or a spreadsheet: csv (UTF-8 with BOM) or xlsx, with Chinese "
            "headers and labels when lang=zh, formula-safe cells and the crs named"
        ),
    ] = "geojson",
) -> Any:
    if bbox is not None and crs != "wgs84":
        (w, e), (s, n) = convert([bbox[0], bbox[2]], [bbox[1], bbox[3]], src=crs, dst="wgs84")
        bbox = (float(w), float(s), float(e), float(n))
    where = filters.build(default_status=None)
    if exclude_reported_closed:
        where = replace(where, exclude_ids=service.feedback.reported_closed())
    if as_of is not None:
        parse_when(as_of, name="as_of")  # checked even when no verification list is asked
    due = None
    if verification is None:
        total, page = service.registry.query(
            where=where, bbox=bbox, text=q, limit=limit, offset=offset
        )
    else:  # by district, then due time
        total, page, due = due_page(
            service, where, verification, as_of, bbox=bbox, text=q, limit=limit, offset=offset
        )
    if format != "geojson":
        return table_response(page, fmt=format, crs=crs, lang=lang)
    fc = to_feature_collection(page, crs=crs, open_reports=service.feedback.open_report_counts())
    label_features(fc, lang)
    for feature in fc["features"] if due is not None else []:
        feature["properties"]["next_verification"] = due[feature["id"]].due
    return {**fc, "number_matched": total, "number_returned": len(page)}


@router.get(
    "/{station_id}",
    response_model=StationFeature,
    response_model_exclude_none=True,
    summary="One station",
)
def get_station(station_id: str, service: ServiceDep, crs: CrsDep, lang: LangDep) -> dict[str, Any]:
    feature = _feature(service.registry.get(station_id), crs, service)
    label_features({"features": [feature]}, lang)
    return feature


@router.post(
    "",
    response_model=StationFeature,
    response_model_exclude_none=True,
    status_code=201,
    summary="Create a station (planner or admin key)",
)
def create_station(
    body: StationIn, service: ServiceDep, crs: CrsDep, key: PlannerKey
) -> dict[str, Any]:
    """Needs a key with the planner role (or admin); recorded with the key's name."""
    (x,), (y,) = convert([body.lon], [body.lat], src=crs, dst="wgs84")
    data = body.model_dump()
    data["id"] = body.id or stable_id(body.name, float(x), float(y))
    data.update(lon=float(x), lat=float(y), kind=parse_kind_name(body.kind))
    data["amenities"] = tuple(sorted({parse_amenity_name(a) for a in body.amenities}))
    data.update(hours_fields(body.opening_hours))
    (stored,) = service.registry.add(Station(**data), actor=key.name)
    return _feature(stored, crs, service)


@router.patch(
    "/{station_id}",
    response_model=StationFeature,
    response_model_exclude_none=True,
    summary="Change fields of a station (planner or admin key)",
)
def patch_station(
    station_id: str, body: StationPatch, service: ServiceDep, crs: CrsDep, key: PlannerKey
) -> dict[str, Any]:
    """Needs a key with the planner role (or admin); recorded with the key's name."""
    changes = body.model_dump(exclude_unset=True)
    if changes.get("kind") is not None:
        changes["kind"] = parse_kind_name(changes["kind"])
    if changes.get("amenities") is not None:
        changes["amenities"] = tuple(sorted({parse_amenity_name(a) for a in changes["amenities"]}))
    if changes.get("opening_hours") is not None:
        changes.update(hours_fields(changes["opening_hours"]))
    if crs != "wgs84" and ("lon" in changes) != ("lat" in changes):
        raise InvalidInputError(f"with crs={crs}, lon and lat must change together")
    if "lon" in changes and "lat" in changes:
        (x,), (y,) = convert([changes["lon"]], [changes["lat"]], src=crs, dst="wgs84")
        changes.update(lon=float(x), lat=float(y))
    return _feature(service.registry.update(station_id, actor=key.name, **changes), crs, service)


@router.delete("/{station_id}", status_code=204, summary="Delete a station (admin key)")
def delete_station(station_id: str, service: ServiceDep, key: AdminKey) -> Response:
    """Needs a key with the admin role; recorded with the key's name."""
    service.registry.delete(station_id, actor=key.name)
    return Response(status_code=204)


@router.post("/import", response_model=ImportResult, summary="Upload a station file (admin key)")
def import_file(
    service: ServiceDep,
    key: AdminKey,
    file: Annotated[UploadFile, File(description=".csv, .xlsx, .geojson or .gpkg")],
    crs: Annotated[
        str | None,
        Form(
            description="Coordinate system of the file (wgs84, gcj02, bd09); when absent, the "
            "file's own crs column, else the crs declared by the region named or holding the "
            "points, the registry, or the deployment (STATIONFINDER_DEFAULT_CRS); a file with "
            "points in mainland China and none of these is refused with a question",
            json_schema_extra={"enum": list(COORD_SYSTEMS)},
        ),
    ] = None,
    region: Annotated[
        str | None,
        Form(description="The region the file is for: its declared crs applies (regions file)"),
    ] = None,
    skip_invalid: Annotated[bool, Form(description="Write valid rows, report the rest")] = False,
    far_km: Annotated[
        float, Form(gt=0, le=20_000, description="Report rows this far from every other row, km")
    ] = DEFAULT_FAR_KM,
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
            default_crs=declared_crs(
                service.registry,
                service.regions.specs,
                boundary=service.regions.boundary,
                named_region=region,
                deployment=service.settings.default_crs,
            ),
            far_km=far_km,
            skip_invalid=skip_invalid,
            actor=key.name,
            network=service.network_at,
            name=name,
            max_expanded_bytes=service.settings.max_upload_expanded_bytes,
        )
    fit = report.crs_fit
    return {
        "crs": report.crs,
        "crs_source": report.crs_source or None,
        "added": report.added,
        "updated": report.updated,
        "skipped": [{"row": p.row, "column": p.column, "reason": p.reason} for p in report.skipped],
        "crs_check": None
        if fit is None
        else {
            "declared": fit.declared,
            "median_m": {s: (m if math.isfinite(m) else None) for s, m in fit.median_m.items()},
            "best": fit.best,
            "warning": fit.warning,
        },
    }
