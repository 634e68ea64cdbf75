"""Corridor bodies: a route in, the stations along it out."""

from __future__ import annotations

from typing import Annotated, Literal

from geojson_pydantic import Feature, FeatureCollection, LineString, Point
from pydantic import Field

from api.body_rules import RequestBody
from api.schemas.stations import StationProperties
from geo.types import CoordSystem

Lon = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]
Lat = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]


class RouteLineIn(RequestBody):
    """A GeoJSON LineString of lon, lat positions (in the request's crs)."""

    type: Literal["LineString"] = Field(examples=["LineString"])
    coordinates: list[tuple[Lon, Lat]] = Field(min_length=2, max_length=10_000)


class CorridorRouteIn(RequestBody):
    """A trip given as its route; it starts at the first point and ends at the last."""

    route: RouteLineIn = Field(
        description="GeoJSON LineString, lon, lat in crs",
        examples=[{"type": "LineString", "coordinates": [[114.0, 22.53], [114.04, 22.54]]}],
    )


class CorridorProperties(StationProperties):
    """A station along the trip, with what stopping there costs."""

    rank: int = Field(description="1 = the smallest detour", examples=[1])
    detour_s: float = Field(description="Time added by stopping there, s", examples=[95.0])
    to_station_s: float = Field(description="Time from the start to the station, s")
    along_route_m: float = Field(
        description="Distance from the start along the route to its point nearest the station"
    )
    arrival: str | None = Field(None, description="When the driver gets there (ISO 8601)")
    open_on_arrival: bool | None = Field(
        None, description="Open then by its hours (a station without hours: false)"
    )


class CorridorFeature(Feature[Point, CorridorProperties]):  # type: ignore[misc]
    """One station along the trip."""


class CorridorCollection(FeatureCollection[CorridorFeature]):  # type: ignore[misc]
    """The stations a vehicle reaches with at most ``max_detour_s`` more, smallest detour first."""

    coord_system: CoordSystem = Field("wgs84", description="System of every coordinate")
    mode: str = Field(description="Travel mode of the trip", examples=["truck"])
    region: str = Field(description="The region whose streets were used", examples=["futian"])
    base_time_s: float | None = Field(description="Start to end without a stop, s")
    route_length_m: float = Field(description="Geodesic length of the route, m")
    max_detour_s: float = Field(description="The detour allowed, s", examples=[600.0])
    depart: str | None = Field(description="Departure time (ISO 8601)")
    vehicle: dict[str, float] = Field(
        description="The truck's height_m, weight_t and length_m the streets were checked for"
    )
    route: LineString = Field(description="The route given, or the fastest one, lon, lat in crs")
