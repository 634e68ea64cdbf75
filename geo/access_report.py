"""Accessibility reports: E2SFCA scores of a region's demand per point, H3 hexagon and district.

:mod:`geo.access` computes the scores; this module gathers what a planner
reads: the demand-weighted mean per hexagon and district, the share of demand
below a threshold, and each station's part.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import h3
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from numpy.typing import ArrayLike

from geo._validate import check_lonlat
from geo.access import StepDecay, demand_arrays, share_below, walk_e2sfca
from geo.errors import InvalidInputError
from geo.network import WALK_SPEED_KMH, StreetNetwork

__all__ = ["AccessReport", "accessibility_report", "district_of", "weighted_mean_by"]

FloatArray = npt.NDArray[np.float64]


def weighted_mean_by(
    keys: ArrayLike, score: ArrayLike, weight: ArrayLike, *, threshold: float | None = None
) -> pd.DataFrame:
    """Per key: demand weight, demand-weighted mean score, and share below ``threshold``.

    Rows with a missing key (``None``) are left out. Columns ``key``,
    ``demand``, ``points``, ``score`` and ``share_below`` (NaN without a threshold).
    """
    frame = pd.DataFrame(
        {
            "key": np.asarray(keys, dtype=object),
            "demand": np.asarray(weight, dtype=float),
            "wa": np.asarray(weight, dtype=float) * np.asarray(score, dtype=float),
            "wb": np.asarray(weight, dtype=float)
            * (np.asarray(score, dtype=float) < (threshold if threshold is not None else -1)),
        }
    )
    frame = frame[frame["key"].notna()]
    g = frame.groupby("key", sort=True).agg(
        demand=("demand", "sum"), points=("demand", "size"), wa=("wa", "sum"), wb=("wb", "sum")
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        out = pd.DataFrame(
            {
                "key": g.index.astype(str),
                "demand": g["demand"].to_numpy(),
                "points": g["points"].to_numpy(),
                "score": (g["wa"] / g["demand"]).to_numpy(),
                "share_below": (g["wb"] / g["demand"]).to_numpy()
                if threshold is not None
                else np.nan,
            }
        )
    return out.reset_index(drop=True)


def district_of(lon: ArrayLike, lat: ArrayLike, districts: gpd.GeoDataFrame) -> npt.NDArray[Any]:
    """The ``name`` of the first district containing each point; ``None`` outside them all."""
    if "name" not in districts:
        raise InvalidInputError("districts need a 'name' column")
    x, y = check_lonlat(lon, lat)
    out = np.full(x.size, None, dtype=object)
    d = districts.to_crs(4326)
    for name, geom in zip(d["name"].astype(str), d.geometry, strict=True):
        inside = shapely.contains_xy(geom, x, y) & (out == None)  # noqa: E711 (elementwise)
        out[inside] = name
    return out


@dataclass(frozen=True)
class AccessReport:
    """Accessibility of a region's demand to its stations' capacity.

    Attributes
    ----------
    points
        One row per demand point: ``lon``, ``lat``, ``weight``, ``score``,
        ``below`` (score under the threshold), ``cell`` (H3) and ``district``.
    hexagons
        One row per H3 cell holding demand: ``cell``, ``demand``, ``points``,
        ``score`` (demand-weighted mean), ``share_below``; hexagon polygons.
    districts
        The same per district (empty without districts).
    stations
        One row per station: ``id``, ``capacity``, ``ratio``, ``catchment_demand``.
    threshold
        The planner's threshold (capacity per person), or None.
    minutes, decay
        The catchment and its zones.
    """

    points: pd.DataFrame
    hexagons: gpd.GeoDataFrame
    districts: pd.DataFrame
    stations: pd.DataFrame
    threshold: float | None
    minutes: float
    decay: StepDecay
    resolution: int
    stations_without_capacity: list[str] = field(default_factory=list)

    @property
    def share_below(self) -> float | None:
        """Share of all demand below the threshold (None without one)."""
        if self.threshold is None:
            return None
        return share_below(self.points["score"], self.points["weight"], self.threshold)

    @property
    def mean_score(self) -> float:
        """Demand-weighted mean score (nan without demand)."""
        w = self.points["weight"].to_numpy(float)
        total = float(w.sum())
        return float(w @ self.points["score"].to_numpy(float)) / total if total else math.nan

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary with the per-district and per-hexagon tables (no geometry)."""

        def rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
            recs = frame.drop(columns="geometry", errors="ignore").to_dict("records")
            return [
                {
                    str(k): (None if isinstance(v, float) and not math.isfinite(v) else v)
                    for k, v in r.items()
                }
                for r in recs
            ]

        stations_used = int(self.stations["ratio"].notna().sum())
        return {
            "method": "e2sfca",
            "minutes": self.minutes,
            "decay": {"breaks_s": list(self.decay.breaks), "weights": list(self.decay.weights)},
            "threshold": self.threshold,
            "share_below": self.share_below,
            "mean_score": _finite_or_none(self.mean_score),
            "demand_points": len(self.points),
            "stations_used": stations_used,
            "stations_without_capacity": list(self.stations_without_capacity),
            "resolution": self.resolution,
            "districts": rows(self.districts),
            "hexagons": rows(self.hexagons),
            "stations": rows(self.stations),
        }


def _finite_or_none(x: float) -> float | None:
    return x if math.isfinite(x) else None


def _cells(lon: FloatArray, lat: FloatArray, resolution: int) -> npt.NDArray[np.object_]:
    """H3 cell of each point (h3 has no array call: one call per point)."""
    if not 0 <= resolution <= 15:
        raise InvalidInputError(f"resolution={resolution} must be an H3 resolution 0..15")
    ids = [h3.latlng_to_cell(float(y), float(x), resolution) for x, y in zip(lon, lat, strict=True)]
    return np.asarray(ids, dtype=object)


def accessibility_report(
    net: StreetNetwork,
    station_ids: Sequence[str],
    station_lon: ArrayLike,
    station_lat: ArrayLike,
    capacity: ArrayLike,
    demand: pd.DataFrame,
    *,
    minutes: float = 15.0,
    walk_speed_kmh: float = WALK_SPEED_KMH,
    decay: StepDecay | None = None,
    threshold: float | None = None,
    districts: gpd.GeoDataFrame | None = None,
    resolution: int = 10,
    default_capacity: float | None = None,
) -> AccessReport:
    """E2SFCA accessibility of ``demand`` to stations on foot, per point, hexagon and district.

    Parameters
    ----------
    net
        Walking network.
    station_ids, station_lon, station_lat, capacity
        The stations (open ones, usually) and their capacity (NaN = unknown).
    demand
        ``lon``, ``lat`` and ``weight`` (default 1).
    minutes
        Catchment: Luo & Qi's three zones up to this walk (ignored with ``decay``).
    walk_speed_kmh
        Walking speed.
    decay
        Other zones (seconds).
    threshold
        Planner's threshold in capacity per person; the report gives the
        share of demand below it.
    districts
        Polygons with a ``name`` column.
    resolution
        H3 resolution of the hexagons.
    default_capacity
        Capacity assumed for stations whose capacity is unknown (default: they take no part).

    Returns
    -------
    AccessReport
    """
    decay = decay if decay is not None else StepDecay.luo_qi(minutes)
    if threshold is not None and not (math.isfinite(threshold) and threshold >= 0):
        raise InvalidInputError(f"threshold={threshold!r} must be a number ≥ 0")
    if default_capacity is not None and not (
        math.isfinite(default_capacity) and default_capacity >= 0
    ):
        raise InvalidInputError(f"default_capacity={default_capacity!r} must be a number ≥ 0")
    dlon, dlat, weight = demand_arrays(demand)
    ids = [str(s) for s in station_ids]
    cap = np.asarray(capacity, dtype=float).reshape(-1)
    unknown = [sid for sid, c in zip(ids, cap, strict=True) if np.isnan(c)]
    if default_capacity is not None:
        cap = np.where(np.isnan(cap), default_capacity, cap)
    acc = walk_e2sfca(
        net,
        dlon,
        dlat,
        weight,
        station_lon,
        station_lat,
        cap,
        decay=decay,
        walk_speed_kmh=walk_speed_kmh,
    )
    cells = _cells(dlon, dlat, resolution)
    district = (
        district_of(dlon, dlat, districts)
        if districts is not None
        else np.full(dlon.size, None, dtype=object)
    )
    points = pd.DataFrame(
        {
            "lon": dlon,
            "lat": dlat,
            "weight": weight,
            "score": acc.score,
            "below": acc.score < threshold if threshold is not None else False,
            "cell": cells,
            "district": district,
        }
    )
    per_cell = weighted_mean_by(cells, acc.score, weight, threshold=threshold)
    polys = [shapely.Polygon([(x, y) for y, x in h3.cell_to_boundary(c)]) for c in per_cell["key"]]
    hexagons = gpd.GeoDataFrame(per_cell.rename(columns={"key": "cell"}), geometry=polys, crs=4326)
    per_district = weighted_mean_by(district, acc.score, weight, threshold=threshold).rename(
        columns={"key": "district"}
    )
    stations = pd.DataFrame(
        {"id": ids, "capacity": cap, "ratio": acc.ratio, "catchment_demand": acc.catchment_demand}
    )
    return AccessReport(
        points=points,
        hexagons=hexagons,
        districts=per_district,
        stations=stations,
        threshold=threshold,
        minutes=decay.max_cost / 60.0,
        decay=decay,
        resolution=resolution,
        stations_without_capacity=unknown if default_capacity is None else [],
    )
