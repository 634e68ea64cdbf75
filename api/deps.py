"""Dependencies: the service state, the API key check and compound query parameters."""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Header, HTTPException, Query, Request, Response, Security
from fastapi.security import APIKeyHeader
from starlette.concurrency import run_in_threadpool

from api import auth
from api.lang import AmenityName, KindName
from api.service import Service
from geo.crs import COORD_SYSTEMS, parse_coord_system
from geo.errors import LocalizedInputError
from geo.names import parse_amenity_name, parse_kind_name
from geo.stations import StationFilter
from geo.types import CoordSystem, Status
from geo.when import TIME_PATTERN, TIME_RANGE, parse_time


def service_of(request: Request) -> Service:
    """The app's service; 503 while it is still starting."""
    service = getattr(request.app.state, "service", None)
    if service is None:
        raise HTTPException(503, "the service is still starting")
    return service  # type: ignore[no-any-return]


# Cheap dependencies are `async def`: FastAPI runs a plain `def` dependency in its thread
# pool, a hop that cost more than the work on the /nearest hot path.
async def get_service(request: Request) -> Service:
    return service_of(request)


ServiceDep = Annotated[Service, Depends(get_service)]


_api_key_header = APIKeyHeader(
    name="X-API-Key",
    auto_error=False,
    description="A key from STATIONFINDER_API_KEYS (name:role:SECRET); needed for writes",
)


def _configured(request: Request) -> list[str]:
    return service_of(request).settings.api_keys


_need_planner = auth.require(auth.Role.PLANNER, _configured)
_need_admin = auth.require(auth.Role.ADMIN, _configured)


def require_planner(
    request: Request, x_api_key: Annotated[str | None, Security(_api_key_header)] = None
) -> auth.ApiKey:
    """A key with the planner (or admin) role: 401 without a key, 403 with another."""
    return _need_planner(request, x_api_key)


def require_admin(
    request: Request, x_api_key: Annotated[str | None, Security(_api_key_header)] = None
) -> auth.ApiKey:
    """A key with the admin role: 401 without a key, 403 with another."""
    return _need_admin(request, x_api_key)


PlannerKey = Annotated[auth.ApiKey, Depends(require_planner)]
"""A route that needs the planner role; the key's name is the actor of its writes."""
AdminKey = Annotated[auth.ApiKey, Depends(require_admin)]
"""A route that needs the admin role."""
require_api_key = require_planner  # the name routes used before keys had roles


async def crs_param(
    service: ServiceDep,
    response: Response,
    crs: Annotated[
        str | None,
        Query(
            description=f"Coordinate system in and out: {', '.join(COORD_SYSTEMS)} "
            "(default: the deployment's STATIONFINDER_DEFAULT_CRS, else wgs84); the response "
            "names it in the X-Coordinate-System header",
            examples=["wgs84"],
            json_schema_extra={"enum": list(COORD_SYSTEMS)},  # aliases (amap, …) work too
        ),
    ] = None,
) -> CoordSystem:
    system = parse_coord_system(crs) if crs is not None else default_crs(service)
    response.headers[CRS_HEADER] = system
    return system


CRS_HEADER = "X-Coordinate-System"
"""Response header naming the coordinate system of every coordinate in the body."""


def default_crs(service: Service) -> CoordSystem:
    """The deployment's coordinate system (``STATIONFINDER_DEFAULT_CRS``), else WGS-84."""
    return parse_coord_system(service.settings.default_crs or "wgs84")


CrsDep = Annotated[CoordSystem, Depends(crs_param)]


def body_or_query_crs(
    body: str | None, query: str | None, resolved: CoordSystem, response: Response
) -> CoordSystem:
    """The request's system when ``crs`` may come in the body or the query: the one given,
    or ``resolved`` (the query's or the default) when the body has none; both given and
    different is refused naming both. The response header names the system used."""
    if body is None:
        return resolved
    system = parse_coord_system(body, argument="body crs")
    if query is not None and parse_coord_system(query) != system:
        raise LocalizedInputError(
            f"crs is {body!r} in the body and {query!r} in the query: give one, or the same",
            f"请求内容中的 crs 为“{body}”，查询参数中的 crs 为“{query}”：只给一个，或给相同的值",
        )
    response.headers[CRS_HEADER] = system
    return system


_LON = r"-?(180(\.0+)?|(1[0-7][0-9]|[1-9]?[0-9])(\.[0-9]+)?)"
_LAT = r"-?(90(\.0+)?|[1-8]?[0-9](\.[0-9]+)?)"
BBOX_PATTERN = rf"^{_LON},{_LAT},{_LON},{_LAT}$"
"""Four decimal numbers in range; the one rule a pattern cannot say is south ≤ north."""


def bbox_param(
    bbox: Annotated[
        str | None,
        Query(
            description="west,south,east,north in the crs (decimal degrees; south ≤ north)",
            examples=["24.93,60.16,24.96,60.18"],
            json_schema_extra={"pattern": BBOX_PATTERN},
        ),
    ] = None,
) -> tuple[float, float, float, float] | None:
    if bbox is None:
        return None
    if re.fullmatch(BBOX_PATTERN, bbox) is None:
        raise LocalizedInputError(
            f"bbox={bbox!r} must be four numbers: west,south,east,north in decimal degrees, "
            "longitudes within ±180 and latitudes within ±90",
            f"bbox：“{bbox}”应为四个数：西,南,东,北（十进制度数，"
            "经度在 ±180 以内，纬度在 ±90 以内）",
        )
    w, s, e, n = (float(p) for p in bbox.split(","))
    if s > n:
        raise LocalizedInputError(
            f"bbox={bbox!r}: south > north", f"bbox：“{bbox}”的南边界大于北边界"
        )
    return w, s, e, n


ISO_OR_NOW = TIME_PATTERN


def parse_when(value: str | None, *, name: str) -> datetime | None:
    """``now`` or an ISO 8601 time in range; anything else is a 422 naming the parameter."""
    return parse_time(value, name=name)


@dataclass
class FilterParams:
    """Station filters shared by listing and nearest queries."""

    kind: Annotated[
        list[KindName] | None,
        Query(description="Allowed kinds (repeatable): codes or Chinese names (司机之家)"),
    ] = None
    amenity: Annotated[
        list[AmenityName] | None,
        Query(description="Required amenities (repeatable, all required); 饮用水 or water"),
    ] = None
    status: Annotated[
        list[Status] | None, Query(description="Allowed statuses (default: open)")
    ] = None
    open_at: Annotated[
        str | None,
        Query(
            json_schema_extra={"pattern": ISO_OR_NOW},  # documented; parse_when checks
            description="Only stations open at this ISO 8601 time (naive: the registry's "
            f"time zone), or 'now'; from {TIME_RANGE}",
            examples=["2026-05-01T23:00:00+08:00"],
        ),
    ] = None

    def build(self, *, default_status: tuple[str, ...] | None = ("open",)) -> StationFilter:
        when = parse_when(self.open_at, name="open_at")
        return StationFilter.build(
            kinds=[parse_kind_name(k) for k in self.kind or ()],
            amenities=[parse_amenity_name(a) for a in self.amenity or ()],
            open_at=when,  # type: ignore[arg-type]
            statuses=self.status or default_status,
        )


async def filter_params(**query: Any) -> FilterParams:
    """:class:`FilterParams` as an ``async`` dependency (the same query parameters): a class
    dependency runs in FastAPI's thread pool, a hop that costs more than building it."""
    return FilterParams(**query)


filter_params.__signature__ = inspect.signature(FilterParams)  # type: ignore[attr-defined]
FilterDep = Annotated[FilterParams, Depends(filter_params)]
"""The station filters of a hot route, parsed without a thread-pool hop."""


RegionQuery = Annotated[
    str | None,
    Query(
        description="Region id (GET /regions lists them); optional when only one is declared",
        examples=["futian"],
    ),
]


async def reject_unknown_query(request: Request) -> None:
    """422 for query parameters the endpoint does not take (a typo must not drop a filter)."""
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return
    # and those a route reading its query in one pass documents (api.one_pass)
    extra = getattr(route, "openapi_extra", None) or {}
    allowed = {p["name"] for p in extra.get("parameters", ()) if p.get("in") == "query"}
    todo = [dependant]
    while todo:  # the route's own parameters and those of its dependencies
        d = todo.pop()
        allowed.update(p.alias for p in d.query_params)
        todo.extend(d.dependencies)
    unknown = sorted(set(request.query_params) - allowed)
    if unknown:
        raise LocalizedInputError(
            f"unknown query parameter(s) {', '.join(map(repr, unknown))}; this endpoint takes "
            + (", ".join(sorted(allowed)) or "none"),
            f"未知的查询参数：{'、'.join(unknown)}；此接口接受："
            + ("、".join(sorted(allowed)) or "无参数"),
        )


def optional_key(
    service: ServiceDep,
    x_api_key: Annotated[
        str | None,
        Header(
            alias="X-API-Key",
            description="Optional on public routes: a valid key lifts the rate limit, shows "
            "private fields, and makes a confirmation verify the station at once",
        ),
    ] = None,
) -> auth.ApiKey | None:
    """The request's valid key on a public route, else None (no key, or a wrong one).

    A plain optional header, not a security requirement: without it, or with
    a wrong one, the request is simply anonymous.
    """
    return auth.find_key(x_api_key, service.settings.api_keys)


OptionalKey = Annotated[auth.ApiKey | None, Depends(optional_key)]


def is_planner(key: OptionalKey) -> bool:
    """Whether the request carries a valid key (any role) on a public route."""
    return key is not None


PlannerDep = Annotated[bool, Depends(is_planner)]


def client_address(request: Request) -> str:
    """The client's address: the connection's peer, or behind the deployment's trusted
    proxies (``STATIONFINDER_TRUSTED_PROXIES``) the address ``X-Forwarded-For`` names."""
    return auth.client_address(request, service_of(request).settings.trusted_proxies)


async def limit_submission(request: Request, service: ServiceDep, planner: PlannerDep) -> None:
    """Guard anonymous writes: 413 past the body size, 429 with Retry-After past the rate.

    Requests with a valid key are not rate-limited. The buckets are in the store
    (shared by every worker); the store is asked off the event loop. The body is read
    here (and kept for the handler) so an oversized one is refused before
    it is parsed.
    """
    limit = service.settings.submission_max_bytes
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise HTTPException(413, f"the body exceeds {limit} bytes")
    if len(await request.body()) > limit:
        raise HTTPException(413, f"the body exceeds {limit} bytes")
    if planner:
        return
    wait = await run_in_threadpool(service.limiter.take, client_address(request))
    if wait > 0:
        raise HTTPException(
            429,
            f"at most {service.settings.report_rate_per_hour} submissions an hour from one "
            f"client; try again in {int(wait)} s",
            headers={"Retry-After": str(int(wait))},
        )
