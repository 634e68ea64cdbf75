"""The query of ``GET /nearest``, parsed in one dependency (see :mod:`api.one_pass`).

The parameters are declared here as before (``Annotated[T, Query(...)]``:
:class:`NearestParams`, plus the shared ``crs``, station filters and ``lang``);
:func:`nearest_query` reads them all in one pass, with the same 422s as
FastAPI's per-parameter solving and in the same order, and
:data:`NEAREST_PARAMETERS` documents them in the route's OpenAPI operation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, Query, Request, Response
from fastapi.exceptions import RequestValidationError

from api.deps import ISO_OR_NOW, FilterParams, crs_param, service_of
from api.lang import lang_param
from api.one_pass import dataclass_fields, openapi_parameters, parse_query, signature_fields
from api.service import Service
from geo.names import Lang
from geo.types import CoordSystem

__all__ = ["NEAREST_PARAMETERS", "NearestDep", "NearestParams", "NearestQuery", "nearest_query"]


@dataclass
class NearestParams:
    """The parameters of ``/nearest`` besides ``crs``, the station filters and ``lang``."""

    lat: Annotated[float, Query(ge=-90, le=90, description="Latitude in crs", examples=[60.17])]
    lon: Annotated[float, Query(ge=-180, le=180, description="Longitude in crs", examples=[24.94])]
    k: Annotated[int, Query(ge=1, le=100, description="How many stations")] = 5
    radius: Annotated[float | None, Query(gt=0, description="Maximum distance, m")] = None
    mode: Annotated[
        Literal["straight", "walk", "ebike", "bike", "drive", "truck"] | None,
        Query(
            description="Rank by straight-line distance, or by travel time on the streets of "
            "the region holding the point (walk, ebike, bike, drive, truck; the answer gives "
            "travel_time_s and travel_distance_m); default: straight, or the kind's mode "
            "(settings' default_modes) when filtered to kinds that have one"
        ),
    ] = None
    minutes: Annotated[
        float | None,
        Query(gt=0, le=600, description="Only stations within this travel time (not straight)"),
    ] = None
    exclude_reported_closed: Annotated[
        bool, Query(description="Leave out stations with an unresolved 'closed for good' report")
    ] = False
    at: Annotated[
        str | None,
        Query(
            json_schema_extra={"pattern": ISO_OR_NOW},  # documented; parse_when checks
            description="Time open_now, closes_at and opens_at refer to (default: open_at, "
            "else now); naive means the registry's time zone",
        ),
    ] = None


_OWN = dataclass_fields(NearestParams)
_CRS = signature_fields(crs_param)
_FILTERS = dataclass_fields(FilterParams)
_LANG = signature_fields(lang_param)
# FastAPI solved the dependencies (crs, filters, lang) before the route's own parameters.
_CHECKED = [*_FILTERS, *_LANG, *_OWN]

NEAREST_PARAMETERS = openapi_parameters([*_OWN, *_CRS, *_FILTERS, *_LANG])
"""The OpenAPI ``parameters`` of ``/nearest``, in the order FastAPI listed the declared ones."""


@dataclass(frozen=True)
class NearestQuery:
    """A ``/nearest`` request, parsed: the service, the coordinate system and the parameters."""

    service: Service
    crs: CoordSystem
    filters: FilterParams
    params: NearestParams
    lang: Lang
    headers: Response
    """The response whose headers the answer carries (the coordinate system's)."""


async def nearest_query(request: Request, response: Response) -> NearestQuery:
    """Every query parameter of ``/nearest`` in one pass: 503 while starting, the
    ``crs`` error, then every parameter error at once (422), as FastAPI gave them."""
    service = service_of(request)
    query = request.query_params
    system = await crs_param(service, response, query.get("crs"))
    values, errors = parse_query(_CHECKED, query)
    if errors:
        raise RequestValidationError(errors)
    return NearestQuery(
        service=service,
        crs=system,
        filters=FilterParams(**{f.name: values[f.name] for f in _FILTERS}),
        params=NearestParams(**{f.name: values[f.name] for f in _OWN}),
        lang=await lang_param(request, values["lang"]),
        headers=response,
    )


NearestDep = Annotated[NearestQuery, Depends(nearest_query)]
