"""Riders' voice: reports on stations, proposals for new ones, and the planners' review.

Anyone may submit (rate-limited per client, size-limited); listing and review
need a key with the planner (or admin) role, whose name is recorded as the reviewer.
Without a key, responses never carry a submitter's
contact, client address or exact position: positions are rounded to 0.001°.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from api.deps import (
    CRS_HEADER,
    CrsDep,
    OptionalKey,
    PlannerKey,
    ServiceDep,
    body_or_query_crs,
    client_address,
    limit_submission,
)
from api.lang import lang_param
from api.schemas import (
    HistoryEntryOut,
    ProposalAcceptIn,
    ProposalAcceptOut,
    ProposalGroups,
    ProposalIn,
    ProposalOut,
    ProposalRejectOut,
    ReportIn,
    ReportOut,
    ReportPage,
    ReviewIn,
)
from geo.crs import convert
from geo.feedback import Proposal, Report, ReviewStatus
from geo.io import to_feature_collection
from geo.limits import MAX_SQL_INT

router = APIRouter(tags=["feedback"])
ReportId = Annotated[int, Path(ge=1, le=2**63 - 1, description="Report number")]
ProposalId = Annotated[int, Path(ge=1, le=2**63 - 1, description="Any proposal of the group")]
Limited = Depends(limit_submission)

_PUBLIC_DIGITS = 3  # 0.001° ≈ 100 m: where, roughly, but not whose doorstep
_RATE_LIMITED: dict[int | str, dict[str, Any]] = {
    429: {
        "description": "Too many submissions from this client; wait Retry-After seconds",
        "headers": {
            "Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}
        },
        "content": {"application/problem+json": {}},
    }
}


def _position(lon: float | None, lat: float | None, crs: str, exact: bool) -> list[float] | None:
    if lon is None or lat is None:
        return None
    (x,), (y,) = convert([lon], [lat], src="wgs84", dst=crs)
    digits = 7 if exact else _PUBLIC_DIGITS
    return [round(float(x), digits), round(float(y), digits)]


def _report_out(rep: Report, crs: str, *, planner: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": rep.id,
        "station_id": rep.station_id,
        "kind": rep.kind,
        "status": rep.status,
        "text": rep.text,
        "hours": rep.hours,
        "hours_text": rep.hours_text,
        "amenity": rep.amenity,
        "position": _position(rep.lon, rep.lat, crs, planner),
        "created_at": rep.created_at,
        "receipt": rep.receipt or None,
    }
    if planner:
        out.update(
            contact=rep.contact,
            client=rep.client,
            resolved_at=rep.resolved_at,
            resolved_by=rep.resolved_by,
            resolution=rep.resolution,
        )
    return out


def _proposal_out(prop: Proposal, crs: str, *, planner: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": prop.id,
        "status": prop.status,
        "note": prop.note,
        "kind": prop.kind,
        "amenities": list(prop.amenities),
        "position": _position(prop.lon, prop.lat, crs, planner),
        "created_at": prop.created_at,
        "station_id": prop.station_id,
        "receipt": prop.receipt or None,
    }
    if planner:
        out.update(
            proposer=prop.proposer,
            contact=prop.contact,
            client=prop.client,
            resolved_at=prop.resolved_at,
            resolved_by=prop.resolved_by,
            resolution=prop.resolution,
        )
    return out


@router.post(
    "/stations/{station_id}/reports",
    response_model=ReportOut,
    response_model_exclude_none=True,
    status_code=201,
    summary="Report on a station (anyone; rate-limited)",
    dependencies=[Limited, Depends(lang_param)],  # lang: of a refusal (the form passes its own)
    responses=_RATE_LIMITED,
)
def submit_report(
    station_id: str,
    body: ReportIn,
    request: Request,
    service: ServiceDep,
    crs: CrsDep,
    key: OptionalKey,
    response: Response,
) -> dict[str, Any]:
    """Closed for good, wrong location, wrong hours, an amenity missing or broken, full,
    or "visited and all fine". A confirmation sets the station's ``last_verified`` when a
    second client confirms within a week, or at once when sent with a planner key.
    ``crs`` may be given in the body or the query (both: they must agree)."""
    crs = body_or_query_crs(body.crs, request.query_params.get("crs"), crs, response)
    rep = service.feedback.report(
        station_id,
        body.kind,
        text=body.text,
        lon=body.lon,
        lat=body.lat,
        crs=crs,
        hours=body.hours,
        amenity=body.amenity,
        contact=body.contact,
        client=client_address(request),
        planner=key.name if key is not None else None,
    )
    return _report_out(rep, crs, planner=key is not None)


@router.get(
    "/reports",
    response_model=ReportPage,
    response_model_exclude_none=True,
    summary="List reports (planner or admin key)",
)
def list_reports(
    service: ServiceDep,
    crs: CrsDep,
    key: PlannerKey,
    status: Annotated[
        ReviewStatus | None, Query(description="open, accepted or rejected (default: all)")
    ] = None,
    station_id: Annotated[str | None, Query(max_length=200, description="One station")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, json_schema_extra={"maximum": MAX_SQL_INT})] = 0,
) -> dict[str, Any]:
    total, page = service.feedback.reports(
        status=status, station_id=station_id, limit=limit, offset=offset
    )
    return {
        "number_matched": total,
        "reports": [_report_out(r, crs, planner=True) for r in page],
    }


@router.post(
    "/reports/{report_id}/accept",
    response_model=ReportOut,
    response_model_exclude_none=True,
    summary="Accept a report and apply it to its station (planner or admin key)",
)
def accept_report(
    report_id: ReportId,
    service: ServiceDep,
    crs: CrsDep,
    key: PlannerKey,
    body: ReviewIn | None = None,
) -> dict[str, Any]:
    """One transaction: the station change, ``last_verified``, the report's status, the history."""
    review = body or ReviewIn()
    rep = service.feedback.accept_report(report_id, actor=key.name, note=review.note)
    return _report_out(rep, crs, planner=True)


@router.post(
    "/reports/{report_id}/reject",
    response_model=ReportOut,
    response_model_exclude_none=True,
    summary="Reject a report (planner or admin key)",
)
def reject_report(
    report_id: ReportId,
    service: ServiceDep,
    crs: CrsDep,
    key: PlannerKey,
    body: ReviewIn | None = None,
) -> dict[str, Any]:
    review = body or ReviewIn()
    rep = service.feedback.reject_report(report_id, actor=key.name, note=review.note)
    return _report_out(rep, crs, planner=True)


@router.post(
    "/proposals",
    response_model=ProposalOut,
    response_model_exclude_none=True,
    status_code=201,
    summary="Propose a site for a new station (anyone; rate-limited)",
    dependencies=[Limited],
    responses=_RATE_LIMITED,
)
def submit_proposal(
    body: ProposalIn, request: Request, service: ServiceDep, crs: CrsDep, key: OptionalKey
) -> dict[str, Any]:
    prop = service.feedback.propose(
        body.lon,
        body.lat,
        crs=crs,
        note=body.note,
        kind=body.kind,
        amenities=body.amenities,
        proposer=body.proposer,
        contact=body.contact,
        client=client_address(request),
    )
    return _proposal_out(prop, crs, planner=key is not None)


@router.get(
    "/proposals",
    response_model=ProposalGroups,
    response_model_exclude_none=True,
    summary="Open proposals, grouped and ranked by the gaps they close (planner or admin key)",
)
def list_proposals(
    service: ServiceDep,
    crs: CrsDep,
    key: PlannerKey,
    group_m: Annotated[
        float | None,
        Query(gt=0, le=5000, description="Grouping distance, m (default: the service's, 150)"),
    ] = None,
) -> dict[str, Any]:
    """Groups of proposals within ``group_m`` of each other, ranked by the demand each
    group's site alone would newly cover under the 15-minute walking standard, then
    by distinct proposers. Each group's centroid is a candidate for ``POST /suggest``."""
    groups, standard = service.proposal_groups(group_m)
    features = []
    for g in groups:
        (x,), (y,) = convert([g.lon], [g.lat], src="wgs84", dst=crs)
        features.append(
            {
                "type": "Feature",
                "id": str(g.id),
                "geometry": {
                    "type": "Point",
                    "coordinates": [round(float(x), 7), round(float(y), 7)],
                },
                "properties": {
                    "rank": g.rank,
                    "gain": g.gain,
                    "proposers": g.proposers,
                    "kind": g.kind,
                    "amenities": list(g.amenities),
                    "proposal_ids": list(g.proposal_ids),
                    "proposals": [_proposal_out(p, crs, planner=True) for p in g.proposals],
                },
            }
        )
    return {
        "type": "FeatureCollection",
        "features": features,
        "standard": standard,
        "group_m": group_m or service.settings.proposal_group_m,
    }


@router.post(
    "/proposals/{proposal_id}/accept",
    response_model=ProposalAcceptOut,
    response_model_exclude_none=True,
    status_code=201,
    summary="Make a planned station of a proposal's group (planner or admin key)",
)
def accept_proposal(
    proposal_id: ProposalId,
    body: ProposalAcceptIn,
    service: ServiceDep,
    crs: CrsDep,
    key: PlannerKey,
) -> dict[str, Any]:
    """The station stands at the group's centroid; every proposal of the group is accepted."""
    station, group = service.feedback.accept_proposal(
        proposal_id,
        name=body.name,
        actor=key.name,
        note=body.note,
        kind=body.kind,
        station_id=body.station_id,
        radius_m=service.settings.proposal_group_m,
    )
    feature = to_feature_collection([station], crs=crs, open_reports={})["features"][0]
    return {"station": feature, "proposal_ids": list(group.proposal_ids)}


@router.post(
    "/proposals/{proposal_id}/reject",
    response_model=ProposalRejectOut,
    summary="Reject a proposal's group (planner or admin key)",
)
def reject_proposal(
    proposal_id: ProposalId, service: ServiceDep, key: PlannerKey, body: ReviewIn | None = None
) -> dict[str, Any]:
    review = body or ReviewIn()
    group = service.feedback.reject_proposal(
        proposal_id,
        actor=key.name,
        note=review.note,
        radius_m=service.settings.proposal_group_m,
    )
    return {"proposal_ids": list(group.proposal_ids)}


@router.get(
    "/stations/{station_id}/history",
    response_model=list[HistoryEntryOut],
    summary="Every change to a station: who, when, what",
)
def station_history(
    station_id: str, service: ServiceDep, response: Response
) -> list[dict[str, Any]]:
    """Public: the writers are API keys' names, importers or "riders" (confirmations by two
    clients); reports' submitters, their contacts and addresses never appear here. Changed
    ``lon``/``lat`` are the stored values, WGS-84 (the X-Coordinate-System header)."""
    response.headers[CRS_HEADER] = "wgs84"
    return [
        {"at": h.at, "actor": h.actor, "action": h.action, "changes": h.changes, "note": h.note}
        for h in service.registry.history(station_id)
    ]
