"""Coverage figures, gap polygons and walking areas."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import shapely
from fastapi import APIRouter, Depends, Query

from api.deps import ISO_OR_NOW, CrsDep, ServiceDep, parse_when
from api.schemas import CoverageOut, GapCollection, IsochroneFeature
from geo.crs import convert
from geo.types import CoordSystem, Kind

router = APIRouter(tags=["coverage"])


@dataclass
class CoverageParams:
    """The standard a coverage figure is measured against."""

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
            pattern=ISO_OR_NOW,
            description="Count only stations open at this ISO 8601 time",
            examples=["2026-05-01T23:00:00+08:00"],
        ),
    ] = None

    kind: Annotated[
        list[Kind] | None,
        Query(description="Count only stations of these kinds (repeatable; default: all)"),
    ] = None

    def as_kwargs(self) -> dict[str, Any]:
        return {
            "standard": self.standard,
            "minutes": self.minutes,
            "radius_m": self.radius_m,
            "at": parse_when(self.at, name="at"),
            "kind": tuple(sorted({str(k) for k in self.kind or []})),
        }


def to_geojson(frame: gpd.GeoDataFrame, crs: CoordSystem) -> dict[str, Any]:
    """A WGS-84 frame as a GeoJSON FeatureCollection in ``crs`` (lon, lat)."""
    if crs != "wgs84" and len(frame):

        def shift(xy: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
            x, y = convert(xy[:, 0], xy[:, 1], src="wgs84", dst=crs)
            return np.column_stack([x, y])

        frame = frame.set_geometry(shapely.transform(frame.geometry.to_numpy(), shift))
    return json.loads(frame.to_json(na="null", drop_id=True))  # type: ignore[no-any-return]


@router.get("/coverage", response_model=CoverageOut, summary="Coverage shares")
def coverage(service: ServiceDep, params: Annotated[CoverageParams, Depends()]) -> dict[str, Any]:
    """Shares of street length, area and demand covered not at all, once, twice or more."""
    return service.coverage(**params.as_kwargs()).to_dict()


@router.get("/gaps", response_model=GapCollection, summary="Uncovered areas, ranked")
def gaps(
    service: ServiceDep,
    crs: CrsDep,
    params: Annotated[CoverageParams, Depends()],
    limit: Annotated[int, Query(ge=1, le=1000, description="Most gaps to return")] = 100,
) -> dict[str, Any]:
    """Uncovered hexagons merged into areas, ranked by the demand they hold, then area."""
    frame = service.gaps(**params.as_kwargs()).head(limit)
    return to_geojson(frame, crs)


@router.get(
    "/isochrones/{station_id}",
    response_model=IsochroneFeature,
    summary="The walking area of one station",
)
def isochrone(
    station_id: str,
    service: ServiceDep,
    crs: CrsDep,
    minutes: Annotated[float, Query(gt=0, le=60, description="Walking time, minutes")] = 15.0,
) -> dict[str, Any]:
    frame = service.isochrone(station_id, minutes)
    feature = to_geojson(frame, crs)["features"][0]
    feature["id"] = station_id
    return feature  # type: ignore[no-any-return]
