"""Pydantic models of every request and response body; GeoJSON is lon, lat order."""

from __future__ import annotations

from typing import Annotated, Literal

from geojson_pydantic import (
    Feature,
    FeatureCollection,
    GeometryCollection,
    MultiPolygon,
    Point,
    Polygon,
)
from pydantic import BaseModel, ConfigDict, Field

from api.body_rules import (
    JSON_INTEGER,
    Absent,
    AmenityCode,
    AmenityWord,
    RequestBody,
    station_text,
)
from api.lang import KindName
from geo.feedback import MAX_CONTACT, MAX_TEXT, ReportKind, ReviewStatus
from geo.limits import HOURS_FORMAT, STATION_ID_PATTERN, STATION_ID_RULE
from geo.types import AMENITIES, CoordSystem, Kind, Status


class NavigationLinks(BaseModel):
    """Links that open a station in a Chinese map app, each in the system that app uses."""

    amap: str = Field(description="Amap (高德), GCJ-02", examples=["https://uri.amap.com/marker?"])
    baidu: str = Field(description="Baidu (百度), BD-09", examples=["https://api.map.baidu.com/"])
    tencent: str = Field(
        description="Tencent (腾讯), GCJ-02", examples=["https://apis.map.qq.com/"]
    )


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
    opening_hours_text: str = Field(
        "",
        description="The hours as written, when that differs from opening_hours (for display)",
        examples=["周一至周五 8:00-20:00"],
    )
    status: Status = Field(Status.OPEN, description="open, planned or closed")
    source: str = Field("", description="Where the record comes from")
    updated_at: str = Field("", description="Last write, ISO 8601 UTC")
    last_verified: str = Field(
        "",
        description="Last planner check or rider confirmation, ISO 8601 UTC; empty when never",
        examples=["2026-05-01T09:30:00Z"],
    )
    capacity: float | None = Field(
        None, ge=0, description="Seats or people per hour; absent when unknown", examples=[20]
    )
    open_reports: int | None = Field(
        None, ge=0, description="Unresolved reports on this station (listing and nearest)"
    )
    next_verification: str | None = Field(
        None, description="When the next verification is due (with verification=); '' never"
    )
    distance_m: float | None = Field(None, description="Geodesic distance from the query point, m")
    bearing_deg: float | None = Field(None, description="Bearing from the query point, degrees")
    walk_distance_m: float | None = Field(None, description="Walking distance on streets, m")
    walk_time_s: float | None = Field(None, description="Walking time on streets, s")
    kind_label: str | None = Field(
        None, description="The kind in the language asked (lang or Accept-Language)"
    )
    amenity_labels: list[str] | None = Field(
        None, description="The amenities in the language asked", examples=[["饮用水", "充电"]]
    )
    open_now: bool | None = Field(
        None, description="Nearest: open at the query time (false when hours are unknown)"
    )
    closes_at: str | None = Field(
        None, description="Nearest, when open: next closing, ISO 8601 in the registry's zone"
    )
    opens_at: str | None = Field(
        None, description="Nearest, when closed: next opening, ISO 8601 in the registry's zone"
    )
    navigation: NavigationLinks | None = Field(
        None, description="Nearest: links that open the station in Amap, Baidu and Tencent maps"
    )


class StationFeature(Feature[Point, StationProperties]):  # type: ignore[misc]
    """One station as a GeoJSON Feature."""

    coord_system: CoordSystem | None = Field(
        None, description="Coordinate system of the geometry", examples=["wgs84"]
    )


class StationCollection(FeatureCollection[StationFeature]):  # type: ignore[misc]
    """Stations as a GeoJSON FeatureCollection."""

    coord_system: CoordSystem = Field(
        "wgs84", description="Coordinate system of every geometry", examples=["gcj02"]
    )


class StationPage(StationCollection):  # type: ignore[misc]
    """A page of stations with the number of matches in all."""

    number_matched: int = Field(description="Stations matching the filters in all", examples=[42])
    number_returned: int = Field(description="Stations on this page", examples=[10])


class StationIn(RequestBody):
    """A new station. Coordinates are in the ``crs`` query parameter's system."""

    id: str | None = Field(
        None,
        description=f"Stable id; generated from name and position if absent or empty. Ids: "
        f"{STATION_ID_RULE}",
        examples=["hel-001"],
        # Checked by geo, with its message; "" means "generate one".
        json_schema_extra={"pattern": f"^$|{STATION_ID_PATTERN}"},
    )
    name: Annotated[str, station_text("name", min_length=1)] = Field(examples=["Kallio Library"])
    kind: KindName = Field(description="A kind code or its Chinese name", examples=["司机之家"])
    lon: float = Field(ge=-180, le=180, strict=True, examples=[24.9384])
    lat: float = Field(ge=-90, le=90, strict=True, examples=[60.1699])
    address: Annotated[str, station_text("address")] = ""
    district: Annotated[str, station_text("district")] = ""
    operator: Annotated[str, station_text("operator")] = ""
    phone: Annotated[str, station_text("phone")] = ""
    amenities: list[AmenityWord] = Field(
        default_factory=list,
        description="Amenity codes or their Chinese names",
        examples=[["water", "饮用水"]],
    )
    opening_hours: Annotated[str, station_text("opening_hours")] = Field(
        "",
        description="OSM opening_hours or a Chinese phrasing (周一至周五 8:00-18:00)",
        examples=["24/7"],
    )
    status: Status = Status.OPEN
    source: Annotated[str, station_text("source")] = "api"
    capacity: float | None = Field(None, ge=0, strict=True, allow_inf_nan=False, examples=[20])


class StationPatch(RequestBody):
    """Fields to change; absent fields stay as they are (null is not a value)."""

    name: Annotated[str, station_text("name", min_length=1)] | Absent = None
    kind: KindName | Absent = None
    lon: Annotated[float, Field(ge=-180, le=180, strict=True)] | Absent = None
    lat: Annotated[float, Field(ge=-90, le=90, strict=True)] | Absent = None
    address: Annotated[str, station_text("address")] | Absent = None
    district: Annotated[str, station_text("district")] | Absent = None
    operator: Annotated[str, station_text("operator")] | Absent = None
    phone: Annotated[str, station_text("phone")] | Absent = None
    amenities: list[AmenityWord] | Absent = None
    opening_hours: Annotated[str, station_text("opening_hours")] | Absent = None
    status: Status | Absent = None
    source: Annotated[str, station_text("source")] | Absent = None
    capacity: float | None = Field(
        None, ge=0, strict=True, allow_inf_nan=False, description="null clears it (unknown)"
    )


class ImportResult(BaseModel):
    """What an upload wrote."""

    crs: CoordSystem = Field(description="The system the file was read in", examples=["gcj02"])
    crs_source: str | None = Field(
        None,
        description="Who declared crs when neither the form nor the file did",
        examples=["region changsha declares gcj02"],
    )
    added: int = Field(description="New stations", examples=[12])
    updated: int = Field(description="Stations whose id existed and were replaced", examples=[0])
    skipped: list[dict[str, object]] = Field(
        default_factory=list, description="Invalid rows skipped (with skip_invalid)"
    )
    crs_check: CrsCheck | None = Field(
        None, description="With the service's street network: the fit of each coordinate system"
    )


class CrsCheck(BaseModel):
    """How far the uploaded points lie from the streets under each coordinate system."""

    declared: CoordSystem = Field(description="The system the file was read as")
    median_m: dict[str, float | None] = Field(
        description="Median distance to the nearest street (m) per system; null: none near",
        examples=[{"wgs84": 33.0, "gcj02": 5.4, "bd09": 67.1}],
    )
    best: CoordSystem = Field(description="The system that fits the streets best")
    warning: str | None = Field(None, description="Set when another system fits much better")


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


class CandidateIn(BaseModel):
    """A candidate site (coordinates in the request's ``crs``)."""

    model_config = ConfigDict(extra="forbid")

    lon: float = Field(ge=-180, le=180, strict=True, examples=[24.945])
    lat: float = Field(ge=-90, le=90, strict=True, examples=[60.168])
    id: str | None = Field(None, max_length=100, examples=["proposal-1"])
    name: str = Field("", max_length=200, examples=["Next to the supermarket"])


class SuggestIn(RequestBody):
    """What to optimise: ``k`` new sites, or the fewest reaching ``target_share``."""

    model_config = ConfigDict(
        json_schema_extra={
            # The rules the server checks, so that every body the schema allows is accepted.
            "allOf": [
                {"anyOf": [{"required": ["k"]}, {"required": ["target_share"]}]},
                {"not": {"required": ["k", "target_share"]}},
                {
                    "if": {"required": ["target_share"]},
                    "then": {"properties": {"double": {"const": False}}},
                },
                {
                    "if": {"required": ["candidates"]},
                    "then": {"properties": {"candidate_source": {"const": "osm"}}},
                },
                {  # fewest sites is the target-share objective; the others take k
                    "if": {
                        "required": ["objective"],
                        "properties": {"objective": {"const": "fewest"}},
                    },
                    "then": {"required": ["target_share"]},
                },
                {
                    "if": {
                        "required": ["objective"],
                        "properties": {
                            "objective": {
                                "enum": ["coverage", "p-median", "p-center", "capacitated"]
                            }
                        },
                    },
                    "then": {"not": {"required": ["target_share"]}},
                },
                {  # double coverage is a coverage objective
                    "if": {"required": ["double"], "properties": {"double": {"const": True}}},
                    "then": {"properties": {"objective": {"enum": ["coverage", None]}}},
                },
            ]
        },
    )

    k: Annotated[int, Field(ge=0, le=200), JSON_INTEGER] | Absent = Field(
        None, description="How many new sites (give k or target_share)", examples=[3]
    )
    target_share: Annotated[float, Field(gt=0, le=1, strict=True)] | Absent = Field(
        None, description="Instead: the fewest sites reaching this covered share"
    )
    standard: Literal["walk", "radius"] = "walk"
    minutes: float = Field(15.0, gt=0, le=120, strict=True)
    radius_m: float = Field(1000.0, gt=0, le=50_000, strict=True)
    double: bool = Field(
        False, strict=True, description="Maximise demand covered twice or more (k only)"
    )
    objective: Literal["coverage", "fewest", "p-median", "p-center", "capacitated"] | None = Field(
        None,
        description="coverage (k; default), fewest (target_share; default with it), p-median "
        "(least total walk), p-center (shortest worst walk), capacitated (most demand the "
        "sites can take)",
    )
    site_capacity: float | None = Field(
        None,
        ge=0,
        strict=True,
        allow_inf_nan=False,
        description="capacitated: capacity of candidates and stations without one",
    )
    method: Literal["exact", "greedy"] = "exact"
    # minItems only in the schema: the handler says "candidates is empty" itself.
    candidates: (
        Annotated[list[CandidateIn], Field(max_length=5000, json_schema_extra={"minItems": 1})]
        | Absent
    ) = Field(
        None,
        description="Candidate sites; default: the region's (its candidates file, the OSM "
        "places of its extract, or its street junctions)",
    )
    candidate_source: Literal["osm", "proposals"] = Field(
        "osm",
        description="Without candidates: the region's candidate sites, or the riders' open "
        "proposal groups (planner key: their sites are private)",
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
    objective: str = Field("coverage", description="What was optimised")
    objective_unit: str = Field("demand", description="Unit of the objective's values")
    objective_before: float | None = Field(
        None, description="Objective with existing stations only (null: some demand unserved)"
    )
    objective_after: float | None = Field(None, description="Objective with the chosen sites")
    left_out: float = Field(0.0, description="Demand that reaches no station (left out)")


# -- reports and proposals ------------------------------------------------------

_PRIVATE = " Only with the planner key."
_POSITION = (
    "[lon, lat] in the request's crs; rounded to 0.001° (about 100 m) without the planner key"
)


class ReportIn(RequestBody):
    """A report on a station. ``lon``/``lat`` are in the ``crs`` query parameter's system."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"kind": "wrong_hours", "hours": "Mo-Su 07:00-22:00", "text": "Open weekends now"},
                {"kind": "amenity_missing", "amenity": "microwave", "text": "Broken"},
                {"kind": "confirmed"},
            ],
            # Which fields each kind needs or refuses (the server's rules, for the schema).
            "allOf": [
                {"dependentRequired": {"lon": ["lat"], "lat": ["lon"]}},
                {
                    "if": {"properties": {"kind": {"const": "wrong_location"}}},
                    "then": {"required": ["lon", "lat"]},
                },
                {
                    "if": {"properties": {"kind": {"const": "wrong_hours"}}},
                    "then": {
                        "required": ["hours"],
                        "properties": {"hours": {"minLength": 1, "format": HOURS_FORMAT}},
                    },
                    "else": {"properties": {"hours": {"maxLength": 0}}},
                },
                {
                    "if": {"properties": {"kind": {"const": "amenity_missing"}}},
                    "then": {
                        "required": ["amenity"],
                        "properties": {"amenity": {"enum": list(AMENITIES)}},
                    },
                    "else": {"properties": {"amenity": {"maxLength": 0}}},
                },
            ],
        },
    )

    kind: ReportKind = Field(
        description="closed (for good), wrong_location (give lon/lat), wrong_hours (give "
        "hours), amenity_missing (give amenity; missing or broken), full, or confirmed "
        "(visited and all fine; sets last_verified at once)",
        examples=["wrong_hours"],
    )
    text: str = Field(
        "", max_length=MAX_TEXT, description="Free text", examples=["Closed since May"]
    )
    lon: Annotated[float, Field(ge=-180, le=180, strict=True)] | Absent = Field(
        None, description="Where the station really is, or where you are (with lat)"
    )
    lat: Annotated[float, Field(ge=-90, le=90, strict=True)] | Absent = Field(
        None, examples=[60.1842]
    )
    hours: str = Field(
        "",
        max_length=MAX_TEXT,
        description="Right opening hours (OSM syntax)",
        examples=["24/7"],
        json_schema_extra={"format": HOURS_FORMAT},
    )
    amenity: str = Field(
        "",
        max_length=50,
        description=f"The amenity missing or broken, one of: {', '.join(AMENITIES)}",
        examples=["water"],
    )
    contact: str = Field(
        "",
        max_length=MAX_CONTACT,
        description="How a planner may reach you (optional; never shown publicly)",
    )


class ReportOut(BaseModel):
    """A report; private fields appear only with the planner key."""

    id: int = Field(description="Report number", examples=[12])
    station_id: str = Field(examples=["lib"])
    kind: ReportKind = Field(examples=["wrong_hours"])
    status: ReviewStatus = Field(description="open, accepted or rejected", examples=["open"])
    text: str = Field("", examples=["Open weekends now"])
    hours: str = Field(
        "", description="The proposed hours, OSM form", examples=["Mo-Su 09:00-21:00"]
    )
    hours_text: str = Field(
        "",
        description="The hours as the rider wrote them (when not OSM)",
        examples=["每天9点到21点"],
    )
    amenity: str = Field("", examples=[""])
    position: list[float] | None = Field(
        None, min_length=2, max_length=2, description=_POSITION, examples=[[24.951, 60.184]]
    )
    created_at: str = Field(
        description="Submitted, ISO 8601 UTC", examples=["2026-05-01T08:00:00Z"]
    )
    contact: str | None = Field(None, description="Submitter's contact." + _PRIVATE)
    client: str | None = Field(None, description="Submitting client's address." + _PRIVATE)
    resolved_at: str | None = Field(None, description="Accepted or rejected at." + _PRIVATE)
    resolved_by: str | None = Field(None, description="By whom." + _PRIVATE)
    resolution: str | None = Field(None, description="The planner's note." + _PRIVATE)
    receipt: str | None = Field(
        None,
        description="The rider's receipt token (only in the submission's response): "
        "GET /receipts/{receipt} shows where it stands",
        examples=["q3Yx0_Zr2cJ8a1kG5TtVfw"],
    )


class ReportPage(BaseModel):
    """A page of reports, newest first."""

    number_matched: int = Field(description="Reports matching in all", examples=[3])
    reports: list[ReportOut]


class ReviewIn(BaseModel):
    """Why (optional); who reviews is the API key's name, recorded in the history."""

    model_config = ConfigDict(extra="forbid")

    note: str = Field("", max_length=MAX_TEXT, examples=["Checked on site"])


class ProposalIn(BaseModel):
    """A proposed site for a new station, in the ``crs`` query parameter's system."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "lon": 24.9452,
                    "lat": 60.1688,
                    "note": "Riders wait outside the supermarket",
                    "kind": "rider_station",
                    "amenities": ["water", "charging"],
                    "proposer": "rider-8812",
                }
            ]
        },
    )

    lon: float = Field(ge=-180, le=180, strict=True, examples=[24.9452])
    lat: float = Field(ge=-90, le=90, strict=True, examples=[60.1688])
    note: str = Field("", max_length=MAX_TEXT, examples=["Riders wait outside the supermarket"])
    kind: Kind | None = Field(
        None, description="Kind of station wanted", examples=["rider_station"]
    )
    amenities: list[AmenityCode] = Field(
        default_factory=list,
        max_length=len(AMENITIES),
        description=f"Amenities wanted, from: {', '.join(AMENITIES)}",
        examples=[["water", "charging"]],
    )
    proposer: str = Field(
        "",
        max_length=MAX_CONTACT,
        description="Your id in the app, so that your proposals count once (never shown publicly)",
    )
    contact: str = Field("", max_length=MAX_CONTACT, description="Optional; never shown publicly")


class ProposalOut(BaseModel):
    """A proposal; private fields appear only with the planner key."""

    id: int = Field(examples=[4])
    status: ReviewStatus = Field(examples=["open"])
    note: str = Field("", examples=["Riders wait outside the supermarket"])
    kind: Kind | None = Field(None, examples=["rider_station"])
    amenities: list[str] = Field(default_factory=list, examples=[["water"]])
    position: list[float] = Field(
        min_length=2, max_length=2, description=_POSITION, examples=[[24.945, 60.169]]
    )
    created_at: str = Field(examples=["2026-05-01T08:00:00Z"])
    station_id: str = Field("", description="The planned station made from it, once accepted")
    proposer: str | None = Field(None, description="Proposer id." + _PRIVATE)
    contact: str | None = Field(None, description="Contact." + _PRIVATE)
    client: str | None = Field(None, description="Client address." + _PRIVATE)
    resolved_at: str | None = Field(None, description="Accepted or rejected at." + _PRIVATE)
    resolved_by: str | None = Field(None, description="By whom." + _PRIVATE)
    resolution: str | None = Field(None, description="The planner's note." + _PRIVATE)
    receipt: str | None = Field(
        None,
        description="The rider's receipt token (only in the submission's response): "
        "GET /receipts/{receipt} shows where it stands",
        examples=["q3Yx0_Zr2cJ8a1kG5TtVfw"],
    )


class ProposalGroupProperties(BaseModel):
    """Proposals within the grouping distance of each other, ranked for review."""

    rank: int = Field(description="1 = review first", examples=[1])
    gain: float | None = Field(
        description="Demand weight the group's site alone would newly cover (null: no demand)",
        examples=[14.0],
    )
    proposers: int = Field(description="Distinct proposers", examples=[3])
    kind: Kind | None = Field(None, description="Kind asked for most often")
    amenities: list[str] = Field(default_factory=list, description="Every amenity asked for")
    proposal_ids: list[int] = Field(description="Member proposals", examples=[[4, 7, 9]])
    proposals: list[ProposalOut] = Field(description="The member proposals")


class ProposalGroups(FeatureCollection[Feature[Point, ProposalGroupProperties]]):  # type: ignore[misc]
    """Open proposal groups at their centroids, in rank order."""

    standard: Literal["walk", "radius", "proposers"] = Field(
        description="How gains were counted: on foot within the default minutes, in a "
        "straight line within the default radius, or not at all (no demand data)",
        examples=["walk"],
    )
    group_m: float = Field(description="Grouping distance, m", examples=[150.0])


class ProposalAcceptIn(ReviewIn):
    """The planned station to make of a proposal's group."""

    name: Annotated[str, station_text("name", min_length=1)] = Field(
        examples=["Supermarket rider station"]
    )
    kind: Kind | None = Field(
        None, description="Default: the kind asked for most, else worker_station"
    )
    station_id: str | None = Field(
        None,
        description=f"Default: proposal-<group id>. {STATION_ID_RULE}",
        examples=["hel-101"],
        json_schema_extra={"pattern": STATION_ID_PATTERN},  # checked by geo, with its message
    )


class ProposalAcceptOut(BaseModel):
    """The planned station made, and the proposals it answers."""

    station: StationFeature
    proposal_ids: list[int] = Field(examples=[[4, 7, 9]])


class ProposalRejectOut(BaseModel):
    """The proposals rejected (the whole group)."""

    proposal_ids: list[int] = Field(examples=[[4, 7, 9]])


class HistoryEntryOut(BaseModel):
    """One committed change to a station: who, when, what (old and new values)."""

    at: str = Field(description="ISO 8601 UTC", examples=["2026-05-01T09:30:00Z"])
    actor: str = Field(description="Who wrote it", examples=["planner"])
    action: Literal["add", "update", "delete"] = Field(examples=["update"])
    changes: dict[str, list[object]] = Field(
        description="Changed field → [old, new] (updates only)",
        examples=[{"opening_hours": ["Mo-Fr 08:00-20:00", "24/7"]}],
    )
    note: str = Field("", examples=["report 12 accepted"])


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
    coord_system: CoordSystem = Field(
        "wgs84", description="Coordinate system of every bbox and boundary", examples=["gcj02"]
    )


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
