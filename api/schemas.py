"""Pydantic models of every request and response body; GeoJSON is lon, lat order."""

from __future__ import annotations

from typing import Literal

from geojson_pydantic import (
    Feature,
    FeatureCollection,
    GeometryCollection,
    MultiPolygon,
    Point,
    Polygon,
)
from pydantic import BaseModel, ConfigDict, Field

from geo.types import AMENITIES, Kind, Status


class StationProperties(BaseModel):
    """A station's fields, plus distance fields on query results."""

    name: str = Field(description="Display name", examples=["Kallio Library"])
    kind: Kind = Field(description="Station kind", examples=["worker_station"])
    address: str = Field("", description="Street address")
    district: str = Field("", description="District or county")
    operator: str = Field("", description="Who runs it")
    phone: str = Field("", description="Contact phone")
    amenities: list[str] = Field(
        default_factory=list,
        description=f"Codes from: {', '.join(AMENITIES)}",
        examples=[["water", "charging"]],
    )
    opening_hours: str = Field("", description="OSM opening_hours", examples=["Mo-Fr 08:00-20:00"])
    status: Status = Field(Status.OPEN, description="open, planned or closed")
    source: str = Field("", description="Where the record comes from")
    updated_at: str = Field("", description="Last write, ISO 8601 UTC")
    last_verified: str = Field(
        "",
        description="Last planner check or rider confirmation, ISO 8601 UTC; empty when never",
        examples=["2026-05-01T09:30:00Z"],
    )
    open_reports: int | None = Field(
        None, ge=0, description="Unresolved reports on this station (listing and nearest)"
    )
    distance_m: float | None = Field(None, description="Geodesic distance from the query point, m")
    bearing_deg: float | None = Field(None, description="Bearing from the query point, degrees")
    walk_distance_m: float | None = Field(None, description="Walking distance on streets, m")
    walk_time_s: float | None = Field(None, description="Walking time on streets, s")


StationFeature = Feature[Point, StationProperties]
StationCollection = FeatureCollection[StationFeature]


class StationPage(StationCollection):  # type: ignore[misc,valid-type]
    """A page of stations with the number of matches in all."""

    number_matched: int = Field(description="Stations matching the filters in all", examples=[42])
    number_returned: int = Field(description="Stations on this page", examples=[10])


class StationIn(BaseModel):
    """A new station. Coordinates are in the ``crs`` query parameter's system."""

    model_config = ConfigDict(extra="forbid")

    id: str | None = Field(
        None,
        description="Stable id; generated from name and position if absent",
        examples=["hel-001"],
    )
    name: str = Field(min_length=1, max_length=200, examples=["Kallio Library"])
    kind: Kind = Field(examples=["worker_station"])
    lon: float = Field(ge=-180, le=180, strict=True, examples=[24.9384])
    lat: float = Field(ge=-90, le=90, strict=True, examples=[60.1699])
    address: str = Field("", max_length=500)
    district: str = Field("", max_length=200)
    operator: str = Field("", max_length=200)
    phone: str = Field("", max_length=50)
    amenities: list[str] = Field(default_factory=list, examples=[["water", "toilet"]])
    opening_hours: str = Field("", max_length=500, examples=["24/7"])
    status: Status = Status.OPEN
    source: str = Field("api", max_length=200)


class StationPatch(BaseModel):
    """Fields to change; absent fields stay as they are."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, min_length=1, max_length=200)
    kind: Kind | None = None
    lon: float | None = Field(None, ge=-180, le=180, strict=True)
    lat: float | None = Field(None, ge=-90, le=90, strict=True)
    address: str | None = Field(None, max_length=500)
    district: str | None = Field(None, max_length=200)
    operator: str | None = Field(None, max_length=200)
    phone: str | None = Field(None, max_length=50)
    amenities: list[str] | None = None
    opening_hours: str | None = Field(None, max_length=500)
    status: Status | None = None
    source: str | None = Field(None, max_length=200)


class ImportResult(BaseModel):
    """What an upload wrote."""

    added: int = Field(description="New stations", examples=[12])
    updated: int = Field(description="Stations whose id existed and were replaced", examples=[0])
    skipped: list[dict[str, object]] = Field(
        default_factory=list, description="Invalid rows skipped (with skip_invalid)"
    )


class Health(BaseModel):
    """Liveness or readiness."""

    status: Literal["ok", "starting"] = Field(examples=["ok"])
    stations: int | None = Field(None, description="Stations in the registry (readyz only)")


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = "about:blank"
    title: str = Field(examples=["Invalid request"])
    status: int = Field(examples=[422])
    detail: str = Field(examples=["query.lat: Input should be less than or equal to 90"])
    instance: str = Field(examples=["/nearest"])
    errors: list[dict[str, object]] | None = None


class ShareOut(BaseModel):
    """Shares (0..1) not covered, covered once, and twice or more; null without data."""

    none: float | None = Field(description="Not covered", examples=[0.12])
    once: float | None = Field(description="Covered by exactly one station", examples=[0.3])
    multiple: float | None = Field(description="Covered by two or more", examples=[0.58])


class CoverageOut(BaseModel):
    """Coverage under one standard (the CLI's ``coverage --json``)."""

    standard: Literal["walk", "radius"] = Field(examples=["walk"])
    minutes: float | None = Field(description="Walking limit (walk standard)", examples=[15])
    radius_m: float | None = Field(description="Straight-line limit (radius standard)")
    limit_m: float = Field(description="The limit as a distance, m", examples=[1200])
    stations: int = Field(description="Stations counted (open at `at` when given)", examples=[30])
    street_share: ShareOut = Field(description="Share of street length")
    area_share: ShareOut = Field(description="Share of the study area (hexagon grid)")
    demand_share: ShareOut = Field(description="Share of demand weight")


class GapProperties(BaseModel):
    """One uncovered area."""

    rank: int = Field(description="1 = the most demand", examples=[1])
    area_m2: float = Field(description="Area, m²", examples=[35000])
    demand: float = Field(description="Demand weight inside", examples=[12])
    cells: int = Field(description="Hexagon cells merged into it", examples=[3])
    nearest_id: str | None = Field(None, description="Nearest open station")
    nearest_walk_s: float | None = Field(None, description="Walk to it from the nearest cell, s")
    nearest_m: float | None = Field(None, description="Straight distance (radius standard), m")


GapCollection = FeatureCollection[Feature[Polygon | MultiPolygon, GapProperties]]


class IsochroneProperties(BaseModel):
    """A station's walking area."""

    station_id: str = Field(examples=["osm-node-1007942428"])
    minutes: float = Field(examples=[15])


IsochroneFeature = Feature[Polygon | MultiPolygon | GeometryCollection, IsochroneProperties]


class CandidateIn(BaseModel):
    """A candidate site (coordinates in the request's ``crs``)."""

    model_config = ConfigDict(extra="forbid")

    lon: float = Field(ge=-180, le=180, strict=True, examples=[24.945])
    lat: float = Field(ge=-90, le=90, strict=True, examples=[60.168])
    id: str | None = Field(None, max_length=100, examples=["proposal-1"])
    name: str = Field("", max_length=200, examples=["Next to the supermarket"])


class SuggestIn(BaseModel):
    """What to optimise: ``k`` new sites, or the fewest reaching ``target_share``."""

    model_config = ConfigDict(extra="forbid")

    k: int | None = Field(None, ge=0, le=200, description="How many new sites", examples=[3])
    target_share: float | None = Field(
        None, gt=0, le=1, description="Instead: the fewest sites reaching this covered share"
    )
    standard: Literal["walk", "radius"] = "walk"
    minutes: float = Field(15.0, gt=0, le=120)
    radius_m: float = Field(1000.0, gt=0, le=50_000)
    double: bool = Field(False, description="Maximise demand covered twice or more (k only)")
    method: Literal["exact", "greedy"] = "exact"
    candidates: list[CandidateIn] | None = Field(
        None, max_length=5000, description="Candidate sites; default: the OSM places of the city"
    )


class SiteProperties(BaseModel):
    """A chosen site."""

    order: int = Field(description="1 = adds the most", examples=[1])
    gain: float = Field(description="Demand weight it adds at the margin", examples=[14])
    name: str = Field("", examples=["Kauppakeskus Kluuvi"])
    source: str = Field("", examples=["shop=mall"])


class SuggestOut(FeatureCollection[Feature[Point, SiteProperties]]):  # type: ignore[misc]
    """The chosen sites in order, with the coverage before and after."""

    method: str = Field(examples=["exact"])
    solver: str = Field(examples=["highs"])
    optimal: bool = Field(description="Proven optimal by the solver")
    gap: float = Field(description="Relative gap to the bound (0 when optimal)")
    bound: float = Field(description="Best bound: most coverable weight, or fewest sites")
    share_before: float = Field(description="Covered share of demand before", examples=[0.47])
    share_after: float = Field(description="Covered share of demand after", examples=[0.57])
