"""The driver's corridor: stations along a trip, ranked by the time a stop adds."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query

from api.deps import ISO_OR_NOW, CrsDep, FilterParams, RegionQuery, ServiceDep, parse_when
from api.schemas import CorridorCollection, CorridorRouteIn
from api.service import Service
from geo.corridor import stations_along
from geo.corridor_geojson import corridor_collection
from geo.crs import convert
from geo.modes import Vehicle
from geo.stations import StationFilter
from geo.types import Kind
from geo.when import TIME_RANGE

router = APIRouter(tags=["corridor"])


@dataclass
class CorridorParams:
    """How far off the route a stop may be, by what vehicle, leaving when."""

    region: RegionQuery = None
    mode: Annotated[
        Literal["truck", "drive", "ebike", "bike"],
        Query(description="Travel mode of the trip (default truck)"),
    ] = "truck"
    max_detour_min: Annotated[
        float, Query(ge=0, le=120, description="Most minutes a stop may add to the trip")
    ] = 10.0
    at: Annotated[
        str | None,
        Query(
            json_schema_extra={"pattern": ISO_OR_NOW},  # documented; parse_when checks
            description=f"Departure time, ISO 8601 from {TIME_RANGE} (default now); "
            "open_on_arrival is judged at start + to_station_s",
        ),
    ] = None
    height_m: Annotated[float, Query(gt=0, le=10, description="Truck height, m")] = 4.0
    weight_t: Annotated[float, Query(gt=0, le=200, description="Truck weight, t")] = 49.0
    length_m: Annotated[float, Query(gt=0, le=50, description="Truck length, m")] = 18.1
    limit: Annotated[int, Query(ge=1, le=200, description="Most stations to return")] = 20


def _search(
    service: Service,
    crs: str,
    filters: FilterParams,
    params: CorridorParams,
    lon: list[float],
    lat: list[float],
    route: bool,
) -> dict[str, Any]:
    """Stations along the trip through (lon, lat) in ``crs``: its ends, or the whole route."""
    depart = service.instant(parse_when(params.at, name="at"))  # checked before any search
    where = filters.build()
    x, y = convert(lon, lat, src=crs, dst="wgs84")
    start, end = (float(x[0]), float(y[0])), (float(x[-1]), float(y[-1]))
    region = (
        service.region(params.region)
        if params.region is not None
        else service.region_of_point(*start)
    )
    vehicle = Vehicle(params.height_m, params.weight_t, params.length_m)
    options = replace(service.modes.options, vehicle=vehicle)
    net = service.modes.network(region.network_path, params.mode, options=options)
    if not filters.kind:  # driver homes unless the request names kinds
        where = replace(where, kinds=StationFilter.build(kinds=[Kind.DRIVER_HOME]).kinds)
    where, _ = service.closures.without_closed(where, depart)
    result, hits = stations_along(
        service.registry,
        net,
        start,
        end,
        max_detour_s=params.max_detour_min * 60.0,
        where=where,
        depart=depart.astimezone(ZoneInfo(service.registry.tz)),
        route=(x, y) if route else None,
        connector_kmh=service.settings.walk_speed_kmh,
        limit=params.limit,
    )
    dims = {
        "height_m": vehicle.height_m,
        "weight_t": vehicle.weight_t,
        "length_m": vehicle.length_m,
    }
    return corridor_collection(
        result,
        hits,
        crs=crs,
        mode=params.mode,
        max_detour_s=params.max_detour_min * 60.0,
        depart=depart.astimezone(ZoneInfo(service.registry.tz)),
        extra={"region": region.id, "vehicle": dims},
    )


@router.get(
    "/corridor",
    response_model=CorridorCollection,
    response_model_exclude_none=False,
    summary="Stations along a trip from origin to destination, smallest detour first",
)
def corridor(
    service: ServiceDep,
    crs: CrsDep,
    filters: Annotated[FilterParams, Depends()],
    params: Annotated[CorridorParams, Depends()],
    from_lon: Annotated[float, Query(ge=-180, le=180, description="Origin longitude in crs")],
    from_lat: Annotated[float, Query(ge=-90, le=90, description="Origin latitude in crs")],
    to_lon: Annotated[float, Query(ge=-180, le=180, description="Destination longitude in crs")],
    to_lat: Annotated[float, Query(ge=-90, le=90, description="Destination latitude in crs")],
) -> dict[str, Any]:
    """The stations (driver homes unless ``kind`` says otherwise; any filter) the vehicle
    reaches with at most ``max_detour_min`` more than the fastest trip, each with its detour,
    its distance from the start along that route, and whether it is open on arrival. Exact
    on the mode's network (streets closed to the truck's height, weight and length left out)."""
    return _search(service, crs, filters, params, [from_lon, to_lon], [from_lat, to_lat], False)


@router.post(
    "/corridor",
    response_model=CorridorCollection,
    summary="Stations along a route given as a GeoJSON LineString, smallest detour first",
)
def corridor_route(
    body: CorridorRouteIn,
    service: ServiceDep,
    crs: CrsDep,
    filters: Annotated[FilterParams, Depends()],
    params: Annotated[CorridorParams, Depends()],
) -> dict[str, Any]:
    """As ``GET /corridor`` from the route's first point to its last; distances along the
    route are measured on the route given, detours on the network."""
    coords = body.route.coordinates
    lon, lat = [float(c[0]) for c in coords], [float(c[1]) for c in coords]
    return _search(service, crs, filters, params, lon, lat, True)
