"""Coverage, gaps, isochrones, station impact, regions and accessibility bodies."""

from __future__ import annotations

from typing import Literal

from geojson_pydantic import (
    Feature,
    FeatureCollection,
    GeometryCollection,
    MultiPolygon,
    Polygon,
)
from pydantic import BaseModel, Field


class ShareOut(BaseModel):
    """Shares (0..1) not covered, covered once, and twice or more; null without data."""

    none: float | None = Field(description="Not covered", examples=[0.12])
    once: float | None = Field(description="Covered by exactly one station", examples=[0.3])
    multiple: float | None = Field(description="Covered by two or more", examples=[0.58])


class FairnessSummaryOut(BaseModel):
    """Walking time to the nearest open station (demand-weighted) and accessibility inequality."""

    demand: float = Field(description="Demand weight counted", examples=[1200])
    median_s: float | None = Field(description="Median walk, s (null: unreachable)")
    p90_s: float | None = Field(description="90th percentile walk, s")
    p95_s: float | None = Field(description="95th percentile walk, s")
    worst5_mean_s: float | None = Field(description="Mean walk of the worst-off 5 % of demand, s")
    unreachable_share: float | None = Field(description="Share of demand that reaches no station")
    gini: float | None = Field(description="Gini coefficient of accessibility (E2SFCA)")
    palma: float | None = Field(description="Top 10 % / bottom 40 % share of accessibility")


class FairnessOut(FairnessSummaryOut):
    """Fairness of the region, and of each district when districts are given."""

    accessibility_basis: Literal["capacity", "station_count"] = Field(
        description="E2SFCA with station capacity, or with every station counting one"
    )
    catchment_minutes: float = Field(description="E2SFCA catchment, minutes on foot")
    districts: dict[str, FairnessSummaryOut] | None = None


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
    region: str | None = Field(None, description="The region measured", examples=["futian"])
    notes: list[str] = Field(
        default_factory=list,
        description="What is missing for a meaningful figure (no stations in the region, "
        "no demand layer …); empty when nothing is",
    )
    districts: dict[str, dict[str, ShareOut]] | None = Field(
        None, description="The same shares per district of the region"
    )
    fairness: FairnessOut | None = Field(
        None, description="Walk-time distribution and inequality (needs demand points)"
    )
    temporarily_closed: list[str] = Field(
        default_factory=list, description="Stations left out: temporarily closed at `at` (or now)"
    )


class GapProperties(BaseModel):
    """One piece of the uncovered area, no wider than the coverage limit (null: see ``note``)."""

    rank: int = Field(description="1 = the most demand", examples=[1])
    cells: int = Field(description="Hexagon cells in it", examples=[3])
    area_m2: float = Field(description="Area, m²", examples=[35000])
    diameter_m: float = Field(description="Largest distance across it, m", examples=[640])
    demand: float = Field(description="Demand weight inside", examples=[12])
    district: str | None = Field(None, description="District holding most of it")
    centre_lon: float = Field(description="Demand-weighted centre (WGS-84)", examples=[24.94])
    centre_lat: float = Field(description="Demand-weighted centre (WGS-84)", examples=[60.17])
    centre_of: Literal["demand", "area"] = Field(description="What the centre weighs")
    nearest_id: str | None = Field(None, description="Nearest open station on foot")
    nearest_walk_m: float | None = Field(None, description="Walk from the centre to it, m")
    nearest_walk_s: float | None = Field(None, description="Walk from the centre to it, s")
    site_kind: Literal["street node", "candidate"] | None = Field(
        None, description="Best site inside: a street node or a candidate place"
    )
    site_id: str | None = Field(None, examples=["node/298277878"])
    site_name: str | None = None
    site_lon: float | None = Field(None, description="Best site (WGS-84)")
    site_lat: float | None = Field(None, description="Best site (WGS-84)")
    site_gain: float | None = Field(None, description="Demand the best site alone newly covers")
    note: str | None = Field(None, description="Why a value is null", examples=[None])


GapCollection = FeatureCollection[Feature[Polygon | MultiPolygon, GapProperties]]


class IsochroneProperties(BaseModel):
    """A station's walking area."""

    station_id: str = Field(examples=["osm-node-1007942428"])
    minutes: float = Field(examples=[15])


IsochroneFeature = Feature[Polygon | MultiPolygon | GeometryCollection, IsochroneProperties]


class StationImpactRow(BaseModel):
    """What one open station adds (null demand figures: no demand; see ``note``)."""

    rank: int = Field(description="1 = closing it loses the most", examples=[1])
    station_id: str = Field(examples=["osm-node-1776488505"])
    lon: float
    lat: float
    catchment_street_m: float = Field(description="Street length it is the nearest station of")
    catchment_area_m2: float = Field(description="Area it is the nearest station of, m²")
    catchment_demand: float | None = Field(description="Demand it is the nearest station of")
    only_street_m: float = Field(description="Street length only it covers, m")
    only_area_m2: float = Field(description="Area only it covers, m²")
    only_demand: float | None = Field(description="Demand only it covers")
    loss_street_share: float = Field(description="Drop in the covered street share if closed")
    loss_area_share: float = Field(description="Drop in the covered area share if closed")
    loss_demand_share: float | None = Field(description="Drop in the covered demand share")
    loses_nothing: bool = Field(description="Closing it leaves every point covered")
    note: str | None = None


class StationImpactOut(BaseModel):
    """Per open station: catchment, what only it covers, the loss if it closed."""

    standard: Literal["walk", "radius"]
    minutes: float | None
    radius_m: float | None
    limit_m: float = Field(examples=[1200])
    stations: list[StationImpactRow]


class RegionOut(BaseModel):
    """A region the service measures: its own streets, demand and districts."""

    id: str = Field(description="Used as the `region` parameter", examples=["futian"])
    name: str = Field(examples=["福田区（深圳）Futian, Shenzhen"])
    bbox: list[float] = Field(description="west, south, east, north (WGS-84)")
    stations: int = Field(description="Stations of the registry inside the boundary")
    demand_layers: list[str] = Field(examples=[["taxi_pickups", "taxi_dropoffs"]])
    districts: bool = Field(description="Whether coverage is also given per district")
    tz: str = Field(description="Time zone of opening hours", examples=["Asia/Shanghai"])
    lang: Literal["zh", "en"] = Field(description="Default language of the region's pages")
    loaded: bool = Field(description="Held in memory now (regions load on first use)")
    boundary: Polygon | MultiPolygon | None = Field(
        None, description="The boundary (with boundary=true)"
    )


class RegionList(BaseModel):
    """Every region, in declared order (the first is the default page's)."""

    regions: list[RegionOut]


# -- accessibility ---------------------------------------------------------------


class AccessHexProperties(BaseModel):
    """One H3 hexagon's demand and its demand-weighted E2SFCA score."""

    cell: str = Field(examples=["8a1126d3460ffff"])
    demand: float = Field(description="Demand weight in the hexagon")
    points: int = Field(description="Demand points in the hexagon")
    score: float = Field(description="Capacity per person within reach (demand-weighted mean)")
    share_below: float | None = Field(description="Share of its demand below the threshold")


class AccessStationOut(BaseModel):
    """A station's part in the E2SFCA: its capacity and what each person in reach gets."""

    id: str
    capacity: float | None = Field(description="Capacity used (null: unknown, left out)")
    ratio: float | None = Field(description="Capacity per decay-weighted person in its catchment")
    catchment_demand: float | None = Field(description="Decay-weighted demand in its catchment")


class AccessOut(BaseModel):
    """E2SFCA accessibility of the demand points to the open stations' capacity."""

    method: Literal["e2sfca"] = "e2sfca"
    minutes: float = Field(description="Catchment, minutes on foot", examples=[15])
    decay: dict[str, list[float]] = Field(description="Zone upper bounds (s) and their weights")
    threshold: float | None = Field(description="Capacity per person below which demand counts")
    share_below: float | None = Field(description="Share of demand below the threshold")
    mean_score: float | None = Field(description="Demand-weighted mean capacity per person")
    demand_points: int
    stations_used: int = Field(description="Stations with a capacity")
    stations_without_capacity: list[str] = Field(description="Open stations left out")
    resolution: int = Field(description="H3 resolution of the hexagons")
    hexagons: FeatureCollection[Feature[Polygon, AccessHexProperties]]
    stations: list[AccessStationOut]
