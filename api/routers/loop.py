"""The rider's loop: receipts (JSON and a phone page), planners' replies, a proposal's steps,
and response-time figures.

``GET /receipts/{token}`` needs no account: the token is the rider's proof. Any
token that is not a receipt gets the same 404, so nothing tells whether
receipts exist. Replies, steps and figures need a planner (or admin) key,
whose name each step records.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse

from api.deps import ISO_OR_NOW, PlannerKey, ServiceDep, parse_when
from api.loop_schemas import (
    ProposalIdsOut,
    ProposalLinkIn,
    ProposalStepIn,
    ReceiptOut,
    ReplyIn,
    ResponseTimesOut,
    StepOut,
)
from api.routers.maps import LangQuery
from api.service import Service
from geo.errors import NotFoundError
from geo.feedback import (
    DEFAULT_LIMIT_DAYS,
    Item,
    ReceiptView,
    Step,
    Workflow,
    response_times,
)
from geo.types import Station

router = APIRouter(tags=["rider's loop"])
ItemId = Annotated[int, Path(ge=1, le=2**63 - 1, description="Report or proposal number")]
_PRIVATE_PAGE = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}


def _flow(service: Service) -> Workflow:
    return Workflow(service.feedback)


def _step(s: Step) -> dict[str, Any]:
    return {k: str(v) if k == "state" else v for k, v in dataclasses.asdict(s).items()}


def _station(service: Service, view: ReceiptView) -> Station | None:
    if not view.station_id:
        return None
    try:
        return service.registry.get(view.station_id)
    except NotFoundError:  # deleted since
        return None


@router.get("/receipts/{token}", response_model=ReceiptOut, summary="Where my submission stands")
def get_receipt(token: str, service: ServiceDep) -> dict[str, Any]:
    """No key needed: the receipt token returned when the report or proposal was sent."""
    view = _flow(service).receipt(token)
    st = _station(service, view)
    return {
        "item": str(view.item),
        "kind": view.kind,
        "state": str(view.state),
        "station": None if st is None else {"id": st.id, "name": st.name, "status": st.status},
        "steps": [_step(s) for s in view.steps],
    }


@router.get(
    "/receipts/{token}/page",
    response_class=HTMLResponse,
    summary="The receipt as a small page for a phone (HTML, Chinese or English)",
    responses={200: {"content": {"text/html": {}}, "description": "The receipt page"}},
)
def receipt_page(
    token: str, request: Request, service: ServiceDep, lang: LangQuery = "zh"
) -> HTMLResponse:
    from maps.receipt import receipt_html

    view = _flow(service).receipt(token)
    other = "en" if lang == "zh" else "zh"
    root = request.scope.get("root_path", "")
    url = f"{root}/receipts/{quote(token, safe='')}/page?lang={other}"
    station = _station(service, view)
    html = receipt_html(view, station=station, lang=lang, other_url=url, tz=service.registry.tz)
    return HTMLResponse(html, headers=_PRIVATE_PAGE)


def _reply(service: Service, item: Item, item_id: int, body: ReplyIn, actor: str) -> Any:
    return _step(_flow(service).reply(item, item_id, body.text, actor=actor))


@router.post(
    "/reports/{item_id}/replies",
    response_model=StepOut,
    status_code=201,
    summary="Reply to a report (planner or admin key); the rider sees it on the receipt",
)
def reply_report(item_id: ItemId, body: ReplyIn, service: ServiceDep, key: PlannerKey) -> Any:
    return _reply(service, Item.REPORT, item_id, body, key.name)


@router.post(
    "/proposals/{item_id}/replies",
    response_model=StepOut,
    status_code=201,
    summary="Reply to a proposal (planner or admin key); the rider sees it on the receipt",
)
def reply_proposal(item_id: ItemId, body: ReplyIn, service: ServiceDep, key: PlannerKey) -> Any:
    return _reply(service, Item.PROPOSAL, item_id, body, key.name)


@router.get(
    "/reports/{item_id}/steps",
    response_model=list[StepOut],
    summary="Every step of a report (planner or admin key)",
)
def report_steps(item_id: ItemId, service: ServiceDep, key: PlannerKey) -> list[dict[str, Any]]:
    return [_step(s) for s in _flow(service).steps(Item.REPORT, item_id)]


@router.get(
    "/proposals/{item_id}/steps",
    response_model=list[StepOut],
    summary="Every step of a proposal (planner or admin key)",
)
def proposal_steps(item_id: ItemId, service: ServiceDep, key: PlannerKey) -> list[dict[str, Any]]:
    return [_step(s) for s in _flow(service).steps(Item.PROPOSAL, item_id)]


@router.post(
    "/proposals/{item_id}/steps",
    response_model=ProposalIdsOut,
    status_code=201,
    summary="An accepted proposal's station is being built, or opened (planner or admin key)",
)
def advance_proposal(
    item_id: ItemId, body: ProposalStepIn, service: ServiceDep, key: PlannerKey
) -> dict[str, Any]:
    """``opened`` sets the station ``open`` in the same transaction; every proposal of the
    group (all those linked to the station) moves together."""
    ids = _flow(service).advance(item_id, body.step, actor=key.name, note=body.note)
    return {"proposal_ids": ids}


@router.post(
    "/proposals/{item_id}/link",
    response_model=ProposalIdsOut,
    status_code=201,
    summary="Accept a proposal's group as answered by an existing station (planner or admin)",
)
def link_proposal(
    item_id: ItemId, body: ProposalLinkIn, service: ServiceDep, key: PlannerKey
) -> dict[str, Any]:
    group = _flow(service).link(
        item_id,
        body.station_id,
        actor=key.name,
        note=body.note,
        radius_m=service.settings.proposal_group_m,
    )
    return {"proposal_ids": list(group.proposal_ids)}


@router.get(
    "/response-times",
    response_model=ResponseTimesOut,
    summary="Days to first reply and to resolution, per district and planner key (planner key)",
)
def get_response_times(
    service: ServiceDep,
    key: PlannerKey,
    at: Annotated[
        str,
        Query(
            json_schema_extra={"pattern": ISO_OR_NOW},  # documented; parse_when checks
            description="Evaluate as of this ISO 8601 time, or now",
        ),
    ] = "now",
    limit_days: Annotated[
        float, Query(gt=0, le=3650, description="Open items older than this are late")
    ] = DEFAULT_LIMIT_DAYS,
) -> dict[str, Any]:
    when = parse_when(at, name="at") or datetime.now(UTC)
    figures = response_times(service.registry, at=when, limit_days=limit_days)
    return dataclasses.asdict(figures)
