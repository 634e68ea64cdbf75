"""What-if plans: keep a named set of changes, compare the region before and after, apply it.

Plans are kept in the stations' database (:class:`geo.plans.Plans`); reading
them and their comparison is open to all, making, applying and deleting them
needs a planner key (whose name is the actor of every station write).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import HTMLResponse

import maps
from api.deps import ISO_OR_NOW, CrsDep, PlannerKey, RegionQuery, ServiceDep
from api.routers.maps import tile_config
from api.schemas.plans import PlanApplyOut, PlanCompareOut, PlanIn, PlanOut
from api.service import Service
from geo.crs import convert
from geo.plans import Plan, PlanComparison, Plans, compare_in_region
from geo.plans.model import ChangeKind
from geo.when import TIME_RANGE, parse_time

router = APIRouter(tags=["plans"])


def plans_of(request: Request, service: ServiceDep) -> Plans:
    """The app's :class:`Plans` on the service's registry (made once)."""
    state = request.app.state.__dict__
    have: Plans | None = state.get("plans")
    if have is None or have.store is not service.registry:
        have = state["plans"] = Plans(service.registry)
    return have


PlansDep = Annotated[Plans, Depends(plans_of)]
PlanId = Annotated[int, Path(ge=1, le=2**63 - 1, description="Plan number", examples=[1])]


class CompareParams:
    """The standard and the night time a plan is compared under."""

    def __init__(
        self,
        minutes: Annotated[float, Query(gt=0, le=60, description="Walking limit, minutes")] = 15.0,
        threshold: Annotated[
            float | None,
            Query(
                ge=0,
                allow_inf_nan=False,
                description="Capacity per person (E2SFCA) below which demand counts as underserved",
            ),
        ] = None,
        default_capacity: Annotated[
            float | None,
            Query(ge=0, allow_inf_nan=False, description="Capacity of stations without one"),
        ] = None,
        night: Annotated[
            str | None,
            Query(
                json_schema_extra={"pattern": ISO_OR_NOW},  # documented; parse_time checks
                description=f"Time of the night coverage (naive: the region's local time; "
                f"default 02:00 today), from {TIME_RANGE}",
                examples=["2026-12-02T02:00"],
            ),
        ] = None,
    ) -> None:
        self.minutes = minutes
        self.threshold = threshold
        self.default_capacity = default_capacity
        self.night: datetime | None = parse_time(night, name="night")


def comparison(service: Service, plans: Plans, plan: Plan, params: CompareParams) -> PlanComparison:
    """A plan's comparison in its region, cached until the stations or plans change."""
    region = service.region(plan.region)
    opts = {
        "minutes": params.minutes,
        "walk_speed_kmh": service.settings.walk_speed_kmh,
        "threshold": params.threshold,
        "default_capacity": params.default_capacity,
        "night_at": params.night,
    }
    key = ("plan_compare", plan.id, service.registry.version, plans.version)
    key += tuple(sorted((k, str(v)) for k, v in opts.items()))
    return service.cache.get(  # type: ignore[no-any-return]
        key, lambda: compare_in_region(service.registry, plan.changes, region, **opts)
    )


@router.post(
    "/plans", status_code=201, response_model=PlanOut, summary="Keep a what-if plan (planner key)"
)
def create_plan(
    body: PlanIn,
    service: ServiceDep,
    plans: PlansDep,
    crs: CrsDep,
    key: PlannerKey,
    region: RegionQuery = None,
) -> dict[str, Any]:
    """Changes: ``add`` a station at a point, ``close`` one, change its ``hours`` or
    ``capacity``. Nothing touches the stations until the plan is applied. A wrong change
    is a 422 naming it (``changes[2].station_id``) and the field."""
    region_id = service.regions.resolve(region)
    changes = [c.model_dump(exclude_none=c.kind != "capacity") for c in body.changes]
    for c in changes:
        if c["kind"] == ChangeKind.ADD and crs != "wgs84":
            (x,), (y,) = convert([c["lon"]], [c["lat"]], src=crs, dst="wgs84")
            c.update(lon=float(x), lat=float(y))
    return plans.create(body.name, region_id, changes, actor=key.name).to_dict()


@router.get("/plans", response_model=list[PlanOut], summary="Every plan, newest first")
def list_plans(
    plans: PlansDep,
    status: Annotated[Literal["draft", "applied"] | None, Query(description="Only these")] = None,
) -> list[dict[str, Any]]:
    return [p.to_dict() for p in plans.list(status=status)]


@router.get("/plans/{plan_id}", response_model=PlanOut, summary="One plan")
def get_plan(plan_id: PlanId, plans: PlansDep) -> dict[str, Any]:
    return plans.get(plan_id).to_dict()


@router.get(
    "/plans/{plan_id}/compare",
    response_model=PlanCompareOut,
    summary="The region before and after the plan, side by side",
)
def compare_plan(
    plan_id: PlanId,
    service: ServiceDep,
    plans: PlansDep,
    params: Annotated[CompareParams, Depends()],
) -> dict[str, Any]:
    """Coverage, gaps, night coverage, accessibility (E2SFCA, where capacity is known) and
    fairness with the stations as they are and as the plan would leave them."""
    plan = plans.get(plan_id)
    return {
        "plan": plan.to_dict(),
        "region": plan.region,
        "minutes": params.minutes,
        **comparison(service, plans, plan, params).to_dict(),
    }


@router.post(
    "/plans/{plan_id}/apply",
    response_model=PlanApplyOut,
    summary="Write a plan's changes in one transaction (planner key)",
)
def apply_plan(plan_id: PlanId, plans: PlansDep, key: PlannerKey) -> dict[str, Any]:
    """Every change or none; each station's history names the key and the plan. A plan
    applied already is a 409."""
    plan = plans.apply(plan_id, actor=key.name)
    return {**plan.to_dict(), "written": [c.station_id for c in plan.changes]}


@router.delete("/plans/{plan_id}", status_code=204, summary="Delete a draft plan (planner key)")
def delete_plan(plan_id: PlanId, plans: PlansDep, key: PlannerKey) -> Response:
    """An applied plan stays as a record (409)."""
    plans.delete(plan_id, actor=key.name)
    return Response(status_code=204)


@router.get(
    "/maps/plans/{plan_id}",
    response_class=HTMLResponse,
    tags=["maps"],
    summary="Map of a plan: what it changes, coverage before and after (HTML)",
    responses={200: {"content": {"text/html": {}}, "description": "The map page"}},
)
def plan_page(
    plan_id: PlanId,
    request: Request,
    service: ServiceDep,
    plans: PlansDep,
    params: Annotated[CompareParams, Depends()],
    lang: Annotated[Literal["zh", "en"] | None, Query(description="Page language")] = None,
) -> Response:
    """Added stations green, closed red and crossed, changed orange; hexagons covered
    0/1/2+ times before (hidden at first) and after; a legend with the figures."""
    from maps.plan import plan_map

    plan = plans.get(plan_id)
    spec = service.regions.spec(service.regions.resolve(plan.region))
    m = plan_map(
        plan,
        comparison(service, plans, plan, params),
        lang=lang or spec.lang,
        tiles=tile_config(service.settings),
        tz=spec.tz,
    )
    page = maps.render_html(m, asset_base=request.scope.get("root_path", "") + maps.STATIC_URL)
    return HTMLResponse(page, headers={"Cache-Control": "no-cache"})


__all__ = ["CompareParams", "comparison", "plans_of", "router"]
