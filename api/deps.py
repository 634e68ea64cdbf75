"""Dependencies: the service state, the API key check and compound query parameters."""

from __future__ import annotations

import enum
import hmac
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Query, Request, Security
from fastapi.security import APIKeyHeader

from api.service import Service
from geo.crs import COORD_SYSTEMS, parse_coord_system
from geo.errors import InvalidInputError
from geo.registry import StationFilter
from geo.types import AMENITIES, CoordSystem, Kind, Status
from geo.when import TIME_PATTERN, TIME_RANGE, parse_time

Amenity = enum.StrEnum("Amenity", {code: code for code in AMENITIES})  # type: ignore[misc]
"""The amenity vocabulary as an enum, so OpenAPI lists it."""


def get_service(request: Request) -> Service:
    service = getattr(request.app.state, "service", None)
    if service is None:
        raise HTTPException(503, "the service is still starting")
    return service  # type: ignore[no-any-return]


ServiceDep = Annotated[Service, Depends(get_service)]


_api_key_header = APIKeyHeader(
    name="X-API-Key",
    auto_error=False,
    description="A key from STATIONFINDER_API_KEYS; needed for writes",
)


def require_api_key(
    service: ServiceDep,
    x_api_key: Annotated[str | None, Security(_api_key_header)] = None,
) -> str:
    """401 without a key, 403 with one that is not configured."""
    if not x_api_key:
        raise HTTPException(
            401,
            "this endpoint needs an API key in the X-API-Key header",
            headers={"WWW-Authenticate": "X-API-Key"},
        )
    if not any(hmac.compare_digest(x_api_key, k) for k in service.settings.api_keys):
        raise HTTPException(403, "the API key is not valid")
    return x_api_key


def crs_param(
    crs: Annotated[
        str,
        Query(
            description=f"Coordinate system in and out: {', '.join(COORD_SYSTEMS)}",
            examples=["wgs84"],
            json_schema_extra={"enum": list(COORD_SYSTEMS)},  # aliases (amap, …) work too
        ),
    ] = "wgs84",
) -> CoordSystem:
    return parse_coord_system(crs)


CrsDep = Annotated[CoordSystem, Depends(crs_param)]


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
        raise InvalidInputError(
            f"bbox={bbox!r} must be four numbers: west,south,east,north in decimal degrees, "
            "longitudes within ±180 and latitudes within ±90"
        )
    w, s, e, n = (float(p) for p in bbox.split(","))
    if s > n:
        raise InvalidInputError(f"bbox={bbox!r}: south > north")
    return w, s, e, n


ISO_OR_NOW = TIME_PATTERN


def parse_when(value: str | None, *, name: str) -> datetime | None:
    """``now`` or an ISO 8601 time in range; anything else is a 422 naming the parameter."""
    return parse_time(value, name=name)


@dataclass
class FilterParams:
    """Station filters shared by listing and nearest queries."""

    kind: Annotated[list[Kind] | None, Query(description="Allowed kinds (repeatable)")] = None
    amenity: Annotated[
        list[Amenity] | None, Query(description="Required amenities (repeatable, all required)")
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
            kinds=self.kind,
            amenities=self.amenity,
            open_at=when,  # type: ignore[arg-type]
            statuses=self.status or default_status,
        )


def reject_unknown_query(request: Request) -> None:
    """422 for query parameters the endpoint does not take (a typo must not drop a filter)."""
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return
    allowed: set[str] = set()
    todo = [dependant]
    while todo:  # the route's own parameters and those of its dependencies
        d = todo.pop()
        allowed.update(p.alias for p in d.query_params)
        todo.extend(d.dependencies)
    unknown = sorted(set(request.query_params) - allowed)
    if unknown:
        raise InvalidInputError(
            f"unknown query parameter(s) {', '.join(map(repr, unknown))}; this endpoint takes "
            + (", ".join(sorted(allowed)) or "none")
        )


def is_planner(
    service: ServiceDep,
    x_api_key: Annotated[
        str | None,
        Header(
            alias="X-API-Key",
            description="Optional on public routes: a planner key lifts the rate limit and "
            "shows private fields",
        ),
    ] = None,
) -> bool:
    """Whether the request carries a valid planner key (public routes: optional).

    A plain optional header, not a security requirement: without it, or with
    a wrong one, the request is simply anonymous.
    """
    return bool(x_api_key) and any(
        hmac.compare_digest(x_api_key or "", k) for k in service.settings.api_keys
    )


PlannerDep = Annotated[bool, Depends(is_planner)]


def client_address(request: Request) -> str:
    """The client's address as the server sees it (no proxy headers are trusted)."""
    return request.client.host if request.client is not None else "unknown"


async def limit_submission(request: Request, service: ServiceDep, planner: PlannerDep) -> None:
    """Guard anonymous writes: 413 past the body size, 429 with Retry-After past the rate.

    Requests with the planner key are not rate-limited. The body is read
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
    wait = service.limiter.take(client_address(request))
    if wait > 0:
        raise HTTPException(
            429,
            f"at most {service.settings.report_rate_per_hour} submissions an hour from one "
            f"client; try again in {int(wait)} s",
            headers={"Retry-After": str(int(wait))},
        )
