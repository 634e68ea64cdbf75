"""Nearest stations to a point."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from api.deps import ISO_OR_NOW, CrsDep, FilterDep, ServiceDep, parse_when
from api.fast_json import json_response
from api.lang import LangDep
from api.loop_schemas import NearestCollection
from api.routers.closures import closed_notes
from api.service import Service
from geo.errors import InvalidInputError, NoRegionError
from geo.io import to_feature_collection
from geo.mode_networks import default_mode, parse_default_modes
from geo.rider_view import add_rider_properties

router = APIRouter(tags=["nearest"])


@router.get(
    "/nearest",
    response_model=NearestCollection,
    response_model_exclude_none=True,
    summary="The nearest stations, nearest first",
)
def nearest(
    response: Response,  # the headers the dependencies set (the coordinate system's)
    service: ServiceDep,
    crs: CrsDep,
    filters: FilterDep,
    lat: Annotated[float, Query(ge=-90, le=90, description="Latitude in crs", examples=[60.17])],
    lon: Annotated[float, Query(ge=-180, le=180, description="Longitude in crs", examples=[24.94])],
    k: Annotated[int, Query(ge=1, le=100, description="How many stations")] = 5,
    radius: Annotated[float | None, Query(gt=0, description="Maximum distance, m")] = None,
    mode: Annotated[
        Literal["straight", "walk", "ebike", "bike", "drive", "truck"] | None,
        Query(
            description="Rank by straight-line distance, or by travel time on the streets of "
            "the region holding the point (walk, ebike, bike, drive, truck; the answer gives "
            "travel_time_s and travel_distance_m); default: straight, or the kind's mode "
            "(settings' default_modes) when filtered to kinds that have one"
        ),
    ] = None,
    minutes: Annotated[
        float | None,
        Query(gt=0, le=600, description="Only stations within this travel time (not straight)"),
    ] = None,
    exclude_reported_closed: Annotated[
        bool, Query(description="Leave out stations with an unresolved 'closed for good' report")
    ] = False,
    at: Annotated[
        str | None,
        Query(
            json_schema_extra={"pattern": ISO_OR_NOW},  # documented; parse_when checks
            description="Time open_now, closes_at and opens_at refer to (default: open_at, "
            "else now); naive means the registry's time zone",
        ),
    ] = None,
    lang: LangDep = "en",
) -> Response:
    radius = min(radius or service.settings.max_radius_m, service.settings.max_radius_m)
    where = filters.build()
    if exclude_reported_closed:
        where = replace(where, exclude_ids=service.feedback.reported_closed())
    wanted = where
    where, closed = service.closures.without_closed(where, service.instant(where.open_at))
    mode = mode or kind_mode(service, where.kinds, lon, lat, crs)
    if mode == "straight" and minutes is not None:
        raise InvalidInputError("minutes limits travel time: give a mode other than straight")
    if mode != "straight":
        hits = service.walk_nearest(
            lon, lat, k=k, crs=crs, where=where, max_dist_m=radius, mode=mode,
            max_time_s=None if minutes is None else minutes * 60.0,
        )  # fmt: skip
    else:
        hits = service.registry.nearest(lon, lat, k=k, crs=crs, where=where, max_dist_m=radius)
    counts = service.feedback.open_report_counts([h.station.id for h in hits])
    fc = to_feature_collection(hits, crs=crs, open_reports=counts)
    if closed:  # say which nearer stations are closed for now
        fc["temporarily_closed"] = closed_notes(service, closed, lon, lat, k, crs, wanted, radius)
    when = parse_when(at or filters.open_at or "now", name="at")
    fc["mode"] = mode
    add_rider_properties(
        fc, [h.station for h in hits], when=when, tz=service.registry.tz, lang=lang
    )
    # In NearestCollection's shape already: the ready response skips FastAPI's re-validation.
    return json_response(fc, headers=response.headers)


def kind_mode(
    service: Service, kinds: Sequence[str] | None, lon: float, lat: float, crs: str
) -> str:
    """The mode of a nearest query that names none: the kinds' default mode when every
    kind asked for has one in the settings and the point has streets, else straight."""
    table = parse_default_modes(service.settings.default_modes)
    if not kinds or any(str(k) not in table for k in kinds):
        return "straight"
    try:
        service.region_of_point(lon, lat, crs=crs)
    except NoRegionError:
        return "straight"
    return default_mode(kinds, table)
