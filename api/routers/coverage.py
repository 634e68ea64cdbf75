"""Coverage figures, gap polygons and walking areas."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import shapely
from fastapi import APIRouter, Depends, Query

from api.deps import ISO_OR_NOW, CrsDep, RegionQuery, ServiceDep, parse_when
from api.lang import KindName
from api.modes import ModeQuery
from api.schemas import CoverageOut, GapCollection, IsochroneFeature
from geo.crs import convert
from geo.names import parse_kind_name
from geo.types import CoordSystem
from geo.when import TIME_RANGE

if TYPE_CHECKING:
    from api.service import Service

router = APIRouter(tags=["coverage"])


@dataclass
class CoverageParams:
    """The region and the standard a coverage figure is measured against."""

    region: RegionQuery = None
    standard: Annotated[
        Literal["walk", "radius"],
        Query(description="walk: minutes on foot along streets; radius: straight-line metres"),
    ] = "walk"
    minutes: Annotated[float, Query(gt=0, le=120, description="Walking limit, minutes")] = 15.0
    radius_m: Annotated[float, Query(gt=0, le=50_000, description="Straight-line limit, m")] = (
        1000.0
    )
    at: Annotated[
        str | None,
        Query(
            json_schema_extra={"pattern": ISO_OR_NOW},  # documented; parse_when checks
            description=f"Count only stations open at this ISO 8601 time, from {TIME_RANGE}",
            examples=["2026-05-01T23:00:00+08:00"],
        ),
    ] = None
    layer: Annotated[
        str | None,
        Query(description="One demand layer of the region (default: all of them)"),
    ] = None

    kind: Annotated[
        list[KindName] | None,
        Query(
            description="Count only stations of these kinds (repeatable; default: all): "
            "codes or Chinese names (司机之家)"
        ),
    ] = None
    mode: ModeQuery = None

    def as_kwargs(self, service: Service | None = None) -> dict[str, Any]:
        """The service's keyword arguments; ``mode`` resolved by the kinds' defaults."""
        kinds = tuple(sorted({str(parse_kind_name(k)) for k in self.kind or []}))
        return {
            "mode": service.mode_for(self.mode, kinds) if service else self.mode or "walk",
            "standard": self.standard,
            "minutes": self.minutes,
            "radius_m": self.radius_m,
            "at": parse_when(self.at, name="at"),
            "layer": self.layer,
            "kind": kinds,
        }


def shift_columns(frame: Any, crs: CoordSystem, pairs: list[tuple[str, str]]) -> Any:
    """A copy whose (lon, lat) property columns are in ``crs``; missing pairs stay null."""
    if crs == "wgs84" or not len(frame):
        return frame
    frame = frame.copy()
    for lon, lat in pairs:
        has = frame[lon].notna().to_numpy()
        x, y = convert(frame.loc[has, lon].astype(float), frame.loc[has, lat].astype(float),
                       src="wgs84", dst=crs)  # fmt: skip
        frame.loc[has, lon], frame.loc[has, lat] = x, y
    return frame


def shift_geometries(geoms: Any, crs: CoordSystem) -> Any:
    """WGS-84 shapely geometries (one or an array) with every vertex converted to ``crs``."""
    if crs == "wgs84":
        return geoms

    def shift(xy: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        x, y = convert(xy[:, 0], xy[:, 1], src="wgs84", dst=crs)
        return np.column_stack([x, y])

    return shapely.transform(geoms, shift)


def to_geojson(frame: gpd.GeoDataFrame, crs: CoordSystem) -> dict[str, Any]:
    """A WGS-84 frame as a GeoJSON FeatureCollection in ``crs`` (lon, lat)."""
    if crs != "wgs84" and len(frame):
        frame = frame.set_geometry(shift_geometries(frame.geometry.to_numpy(), crs))
    return json.loads(frame.to_json(na="null", drop_id=True))  # type: ignore[no-any-return]


@router.get("/coverage", response_model=CoverageOut, summary="Coverage shares")
def coverage(service: ServiceDep, params: Annotated[CoverageParams, Depends()]) -> dict[str, Any]:
    """Shares of street length, area and demand covered not at all, once, twice or more,
    in the region (its stations, and those within the limit outside it); with demand
    points, also ``fairness``: the walk to the nearest open station and how unequally
    capacity within reach is shared."""
    kwargs = params.as_kwargs(service)
    region, report, notes = service.coverage_with_notes(params.region, **kwargs)
    fair = service.fairness(
        region.id,
        minutes=params.minutes,
        at=kwargs["at"],
        layer=kwargs.get("layer"),
        mode=kwargs["mode"],
    )
    return {
        **report.to_dict(),
        "region": region.id,
        "mode": kwargs["mode"],
        "notes": notes,
        "fairness": fair and fair.to_dict(),
        "temporarily_closed": sorted(service.closed_key(kwargs["at"])[1]),  # left out
    }


@router.get("/gaps", response_model=GapCollection, summary="Uncovered areas, ranked")
def gaps(
    service: ServiceDep,
    crs: CrsDep,
    params: Annotated[CoverageParams, Depends()],
    limit: Annotated[int, Query(ge=1, le=1000, description="Most gaps to return")] = 100,
) -> dict[str, Any]:
    """Uncovered hexagons in pieces no wider than the limit, ranked by demand, then area;
    each with its demand-weighted centre's walk to the nearest station and its best site."""
    frame = service.gaps(params.region, **params.as_kwargs(service)).head(limit)
    pairs = [("centre_lon", "centre_lat"), ("site_lon", "site_lat")]
    return to_geojson(shift_columns(frame, crs, pairs), crs)


@router.get(
    "/isochrones/{station_id}",
    response_model=IsochroneFeature,
    summary="The area one station serves within minutes of travel",
)
def isochrone(
    station_id: str,
    service: ServiceDep,
    crs: CrsDep,
    region: RegionQuery = None,
    minutes: Annotated[float, Query(gt=0, le=60, description="Travel time, minutes")] = 15.0,
    mode: ModeQuery = None,
) -> dict[str, Any]:
    """On the streets of the region named, else of the region holding the station; by
    ``mode`` (default: the station kind's, see settings' default_modes)."""
    kind = service.registry.get(station_id).kind
    frame = service.isochrone(station_id, minutes, region, service.mode_for(mode, [str(kind)]))
    feature = to_geojson(frame, crs)["features"][0]
    feature["id"] = station_id
    return feature  # type: ignore[no-any-return]
