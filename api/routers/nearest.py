"""Nearest stations to a point."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from fastapi import APIRouter, Response
from starlette.concurrency import run_in_threadpool

from api.deps import parse_when
from api.fast_json import json_response
from api.loop_schemas import NearestCollection
from api.nearest_query import NEAREST_PARAMETERS, NearestDep, NearestQuery
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
    openapi_extra={"parameters": NEAREST_PARAMETERS},  # read in one pass by NearestDep
)
async def nearest(q: NearestDep) -> Response:
    # Straight-line answers from the in-memory index are computed on the event loop (a
    # thread-pool hop costs more than they do); street modes, which may build a network,
    # and a PostGIS store, whose reads wait on the network, go to the thread pool.
    # (No docstring: FastAPI would publish it as the operation's description.)
    if on_event_loop(q):
        # only when that cannot wait: not behind a write or a reload of the registry
        with q.service.registry.read_now() as ready:
            if ready:
                return answer(q)
    return await run_in_threadpool(answer, q)


def on_event_loop(q: NearestQuery) -> bool:
    """Whether ``q`` is answered from memory and SQLite alone, in a straight line: ``mode``
    straight, or none with no kind filter (a kind may have a street mode by default)."""
    if q.service.settings.database_url:
        return False
    return q.params.mode == "straight" or (q.params.mode is None and not q.filters.kind)


def answer(q: NearestQuery) -> Response:
    """The nearest stations of a parsed query, as the JSON response."""
    service, crs, filters, lang = q.service, q.crs, q.filters, q.lang
    lon, lat, k, mode, minutes, at = (
        q.params.lon, q.params.lat, q.params.k, q.params.mode, q.params.minutes, q.params.at
    )  # fmt: skip
    radius = min(q.params.radius or service.settings.max_radius_m, service.settings.max_radius_m)
    where = filters.build()
    if q.params.exclude_reported_closed:
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
    return json_response(fc, headers=q.headers.headers)


def kind_mode(
    service: Service, kinds: Sequence[str] | None, lon: float, lat: float, crs: str
) -> str:
    """The mode of a nearest query that names none: the kinds' default mode when every
    kind asked for has one in the settings and the point has streets, else straight."""
    if not kinds:
        return "straight"
    table = parse_default_modes(service.settings.default_modes)
    if any(str(k) not in table for k in kinds):
        return "straight"
    try:
        service.region_of_point(lon, lat, crs=crs)
    except NoRegionError:
        return "straight"
    return default_mode(kinds, table)
