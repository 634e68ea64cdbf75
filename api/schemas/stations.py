"""Station bodies: the GeoJSON stations, their inputs, imports, history and health."""

from __future__ import annotations

from typing import Annotated, Literal

from geojson_pydantic import (
    Feature,
    FeatureCollection,
    Point,
)
from pydantic import BaseModel, Field

from api.body_rules import (
    Absent,
    AmenityWord,
    RequestBody,
    station_text,
)
from api.lang import KindName
from geo.limits import STATION_ID_PATTERN, STATION_ID_RULE
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
