"""Uncovered areas (adjacent uncovered hexagons merged) and GeoJSON of coverage frames."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from geo.coverage.report import CoverageReport
from geo.errors import InvalidInputError
from geo.network import WALK_SPEED_KMH

__all__ = ["find_gaps", "to_geojson"]


def find_gaps(
    report: CoverageReport,
    *,
    demand: pd.DataFrame | None = None,
    walk_speed_kmh: float = WALK_SPEED_KMH,
) -> gpd.GeoDataFrame:
    """Uncovered areas: adjacent uncovered hexagons merged, ranked by demand, then area.

    Needs a report made with ``keep_cells=True``. Columns: ``rank``,
    ``area_m2``, ``demand``, ``cells``, ``nearest_id`` and ``nearest_walk_s``
    (walking standard) or ``nearest_m`` (radius standard); WGS-84 polygons.
    """
    if report.cells is None:
        raise InvalidInputError("find_gaps needs a coverage report made with keep_cells=True")
    cells = report.cells
    gap_cells = cells[cells["count"] == 0]
    cols = ["rank", "area_m2", "demand", "cells", "nearest_id", "nearest_walk_s", "nearest_m"]
    if gap_cells.empty:
        return gpd.GeoDataFrame({c: [] for c in cols}, geometry=[], crs=4326)
    crs = pyproj.CRS.from_epsg(int(_utm_epsg(cells)))
    local = gap_cells.to_crs(crs)
    # Snap vertices a little so that neighbouring hexagons share edges exactly.
    merged = shapely.union_all(shapely.set_precision(local.geometry.to_numpy(), 0.01))
    parts = list(getattr(merged, "geoms", [merged]))
    gaps = gpd.GeoDataFrame(geometry=parts, crs=crs)
    centres = gpd.GeoDataFrame(
        local.drop(columns="geometry"),
        geometry=shapely.centroid(local.geometry.to_numpy()),
        crs=crs,
    )
    joined = gpd.sjoin(centres, gaps, predicate="within", how="inner")
    best = joined.sort_values("nearest_cost").groupby("index_right").first()
    gaps["cells"] = joined.groupby("index_right").size().reindex(gaps.index, fill_value=0)
    gaps["area_m2"] = gaps.geometry.area
    gaps["nearest_id"] = best["nearest_id"].reindex(gaps.index)
    cost = best["nearest_cost"].reindex(gaps.index).to_numpy(float)
    if report.standard == "walk":
        gaps["nearest_walk_s"] = np.where(np.isfinite(cost), cost / (walk_speed_kmh / 3.6), np.nan)
        gaps["nearest_m"] = np.nan
    else:
        gaps["nearest_walk_s"] = np.nan
        gaps["nearest_m"] = np.where(np.isfinite(cost), cost, np.nan)
    gaps["demand"] = 0.0
    if demand is not None and len(demand):
        pts = gpd.GeoDataFrame(
            {"weight": demand["weight"].to_numpy(float) if "weight" in demand else 1.0},
            geometry=gpd.points_from_xy(demand["lon"], demand["lat"]),
            crs=4326,
        ).to_crs(crs)
        hit = gpd.sjoin(pts, gaps[["geometry"]], predicate="within", how="inner")
        gaps["demand"] = (
            hit.groupby("index_right")["weight"].sum().reindex(gaps.index, fill_value=0.0)
        )
    gaps = gaps.sort_values(["demand", "area_m2"], ascending=False, kind="stable").reset_index(
        drop=True
    )
    gaps["rank"] = np.arange(1, len(gaps) + 1)
    return gaps[[*cols, "geometry"]].to_crs(4326)


def to_geojson(frame: gpd.GeoDataFrame) -> dict[str, Any]:
    """A gaps or isochrones frame as a GeoJSON FeatureCollection (WGS-84 lon/lat).

    Missing values (NaN, None) become ``null``; the frame's other columns
    become feature properties.

    Examples
    --------
    >>> f = gpd.GeoDataFrame({"rank": [1], "nearest_m": [float("nan")]},
    ...                      geometry=[shapely.box(3, 0, 3.01, 0.01)], crs=4326)
    >>> fc = to_geojson(f)
    >>> fc["type"], fc["features"][0]["properties"]
    ('FeatureCollection', {'rank': 1, 'nearest_m': None})
    """
    import json

    if not isinstance(frame, gpd.GeoDataFrame) or frame.crs is None:
        raise InvalidInputError("frame must be a GeoDataFrame with a CRS")
    out: dict[str, Any] = json.loads(frame.to_crs(4326).to_json(na="null", drop_id=True))
    return out


def _utm_epsg(cells: gpd.GeoDataFrame) -> int:
    from geo.crs import local_crs

    return int(local_crs(cells["lon"].to_numpy(), cells["lat"].to_numpy()).to_epsg() or 3857)
