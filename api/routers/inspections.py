"""The inspection cycle: due lists for ``GET /stations?verification=…``, and recording
inspections (planner or admin key)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.deps import ISO_OR_NOW, PlannerKey, ServiceDep, parse_when
from api.loop_schemas import InspectionIn, InspectionOut, ScoreOut
from api.schemas import StationFeature
from api.service import Service
from geo.inspection import (
    DueStation,
    InspectionPolicy,
    due_stations,
    inspections,
    parse_due,
    record_inspection,
)
from geo.io import to_feature_collection
from geo.score import score_stations
from geo.stations import StationFilter
from geo.types import Station, Status

router = APIRouter(tags=["inspections"])


def policy(service: Service) -> InspectionPolicy:
    """The service's inspection intervals (``STATIONFINDER_INSPECTION_INTERVALS``)."""
    return InspectionPolicy.parse(service.settings.inspection_intervals)


def due_page(
    service: Service,
    where: StationFilter,
    verification: str,
    as_of: str | None,
    *,
    bbox: tuple[float, float, float, float] | None,
    text: str | None,
    limit: int,
    offset: int,
) -> tuple[int, list[Station], dict[str, DueStation]]:
    """The stations ``verification`` asks for that pass the other filters, by district and
    due time (as :func:`geo.inspection.due_stations` orders them): (total, page, due entries)."""
    within = parse_due(verification)
    when = parse_when(as_of, name="as_of") or datetime.now(UTC)
    listed = due_stations(service.registry, at=when, within_days=within, policy=policy(service))
    due = {d.station.id: d for d in listed}
    ids, _, _ = service.registry.arrays(StationFilter(statuses=where.statuses))
    others = frozenset(str(i) for i in ids) - set(due)
    narrowed = dataclasses.replace(where, exclude_ids=where.exclude_ids | others)
    total, matching = service.registry.query(
        where=narrowed, bbox=bbox, text=text, limit=max(len(due), 1), offset=0
    )
    order = {sid: i for i, sid in enumerate(due)}
    matching.sort(key=lambda st: order[st.id])
    return total, matching[offset : offset + limit], due


@router.post(
    "/stations/{station_id}/inspections",
    response_model=StationFeature,
    response_model_exclude_none=True,
    status_code=201,
    summary="Record an inspection (planner or admin key); sets last_verified",
)
def post_inspection(
    station_id: str, body: InspectionIn, service: ServiceDep, key: PlannerKey
) -> dict[str, Any]:
    """The inspection, ``last_verified`` and the ``changes`` commit together or not at all."""
    when = parse_when(body.at, name="at") or datetime.now(UTC)
    st = record_inspection(
        service.registry,
        station_id,
        at=when,
        inspector=key.name,
        amenities_found=body.amenities_found,
        hours_seen=body.hours_seen,
        notes=body.notes,
        changes=body.changes.model_dump(exclude_unset=True) if body.changes else None,
    )
    return to_feature_collection([st], open_reports={})["features"][0]  # type: ignore[no-any-return]


@router.get(
    "/stations/{station_id}/inspections",
    response_model=list[InspectionOut],
    summary="A station's inspections, oldest first (planner or admin key)",
)
def get_inspections(station_id: str, service: ServiceDep, key: PlannerKey) -> list[dict[str, Any]]:
    service.registry.get(station_id)  # 404 for an unknown station
    return [dataclasses.asdict(i) for i in inspections(service.registry, station_id)]


@router.get(
    "/scores",
    response_model=list[ScoreOut],
    summary="Star rating of every inspected station (formula in the README)",
)
def get_scores(
    service: ServiceDep,
    at: Annotated[
        str,
        Query(
            json_schema_extra={"pattern": ISO_OR_NOW},  # documented; parse_when checks
            description="Score as of this ISO 8601 time, or now",
        ),
    ] = "now",
) -> list[dict[str, Any]]:
    when = parse_when(at, name="at") or datetime.now(UTC)
    stations = {
        s.id: s for s in service.registry.stations(StationFilter(statuses=frozenset(Status)))
    }
    return [
        {**dataclasses.asdict(s), "name": stations[sid].name, "district": stations[sid].district}
        for sid, s in sorted(score_stations(service.registry, at=when).items())
    ]
