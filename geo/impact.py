"""Which station adds what: its catchment, what only it covers, the loss if it closed.

Over the three things coverage is measured on (street length, study-area
hexagons, demand weight; :func:`geo.coverage.coverage_report`), every point
has its nearest counted station and how many stations reach it within the
standard (0, 1, 2+). From these, per station:

``catchment_*``
    The points it is the nearest station of, within the limit (a point
    reached by no station belongs to no catchment). Catchments partition
    what is covered.
``only_*``
    The points it alone reaches (covered once, by it).
``loss_*_share``
    The drop in the covered share if it closed. A point covered once, by
    this station, becomes uncovered; one covered twice or more stays covered
    by another. So the loss is exactly ``only_*`` over the total, which the
    tests check against recomputing coverage with each station removed.

Stations are ranked by the demand (then street length, then area) they alone
cover: the ones that matter most come first, and ``loses_nothing`` marks
those whose closing would leave every point covered.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from geo._validate import check_lonlat
from geo.coverage import (
    StationSet,
    hex_cells,
    point_labels,
    station_labels,
    straight_counts,
    street_samples,
    study_area,
)
from geo.errors import InvalidInputError
from geo.network import WALK_SPEED_KMH, Snapped, StreetNetwork, walk_limit_m

__all__ = ["IMPACT_COLUMNS", "StationImpact", "station_impact"]

log = logging.getLogger(__name__)
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

_PARTS = ("street_m", "area_m2", "demand")

IMPACT_COLUMNS = [
    "rank",
    "station_id",
    "lon",
    "lat",
    *[f"catchment_{p}" for p in _PARTS],
    *[f"only_{p}" for p in _PARTS],
    "loss_street_share",
    "loss_area_share",
    "loss_demand_share",
    "loses_nothing",
    "note",
]
"""Columns of :func:`station_impact`, in order."""


@dataclass(frozen=True)
class StationImpact:
    """Per-station figures under one standard; ``table`` has :data:`IMPACT_COLUMNS`."""

    standard: Literal["walk", "radius"]
    limit_m: float
    minutes: float | None
    radius_m: float | None
    table: pd.DataFrame = field(repr=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (the CLI's ``--json`` and ``GET /coverage/stations``); null, never NaN."""
        from geo.gaps import json_records

        return {
            "standard": self.standard,
            "minutes": self.minutes,
            "radius_m": self.radius_m,
            "limit_m": self.limit_m,
            "stations": json_records(self.table),
        }


def _nearest_and_count(
    net: StreetNetwork,
    stations: StationSet,
    use: npt.NDArray[np.bool_],
    lon: FloatArray,
    lat: FloatArray,
    snapped: Snapped | None,
    *,
    standard: str,
    limit: float,
    labels: object,
    speed: float,
) -> tuple[IntArray, npt.NDArray[np.int64]]:
    """Per point: position of its nearest counted station (-1 for none) and stations reaching it."""
    if standard == "walk":
        snap = snapped if snapped is not None else net.snap(lon, lat)
        d1, s1, d2, _ = point_labels(net, stations, labels, snap, walk_speed_kmh=speed)  # type: ignore[arg-type]
        n = (d1 <= limit).astype(np.int64) + (d2 <= limit).astype(np.int64)
        return np.where(d1 <= limit, s1, -1).astype(np.intp), n
    idx = np.flatnonzero(use)
    n, _, near_s = straight_counts(stations.lon[use], stations.lat[use], lon, lat, limit)
    s = np.where((n > 0) & (near_s >= 0), idx[np.maximum(near_s, 0)] if idx.size else -1, -1)
    return s.astype(np.intp), n


def station_impact(
    net: StreetNetwork,
    stations: StationSet,
    *,
    standard: Literal["walk", "radius"] = "walk",
    minutes: float = 15.0,
    radius_m: float = 1000.0,
    walk_speed_kmh: float = WALK_SPEED_KMH,
    demand: pd.DataFrame | None = None,
    area: shapely.Polygon | shapely.MultiPolygon | None = None,
    resolution: int = 10,
    active: npt.NDArray[np.bool_] | None = None,
) -> StationImpact:
    """Each counted station's catchment, what only it covers, and the loss if it closed.

    Parameters
    ----------
    net
        Walking network (its streets; the default study area is their hull).
    stations
        Snapped stations; ``active`` says which count (all by default).
    standard, minutes, radius_m, walk_speed_kmh
        The standard, as in :func:`geo.coverage.coverage_report`.
    demand
        Points with ``lon``, ``lat`` and ``weight`` (default 1).
    area, resolution
        Study area (WGS-84) and H3 resolution of its hexagons.

    Returns
    -------
    StationImpact
        Its ``table`` has one row per counted station, columns :data:`IMPACT_COLUMNS`, ranked
        (1 = closing it loses the most). Street figures in metres, area in
        m², demand in weight, losses as shares (0..1) of the total. Demand
        figures are ``None`` without demand; ``note`` says why.

    Examples
    --------
    >>> from geo.network import network_from_arrays
    >>> m = 1 / 111_319.49  # degrees of longitude per metre at the equator
    >>> net = network_from_arrays(range(5), [3 + i * 100 * m for i in range(5)],
    ...                           [0.0] * 5, [0, 1, 2, 3], [1, 2, 3, 4], [100.0] * 4)
    >>> s = StationSet.build(net, ["w", "e"], [3.0, 3 + 400 * m], [0.0, 0.0])
    >>> box = shapely.box(3 - 50 * m, -50 * m, 3 + 450 * m, 50 * m)
    >>> t = station_impact(net, s, minutes=2.5, area=box).table  # 200 m: each alone covers its half
    >>> t[["station_id", "catchment_street_m", "only_street_m"]].values.tolist()
    [['e', 200.0, 200.0], ['w', 200.0, 200.0]]
    """
    if standard not in ("walk", "radius"):
        raise InvalidInputError(f"standard={standard!r} must be walk or radius")
    limits = {"minutes": minutes, "radius_m": radius_m, "walk_speed_kmh": walk_speed_kmh}
    for name, value in limits.items():
        if not (isinstance(value, int | float) and value > 0):
            raise InvalidInputError(f"{name}={value!r} must be a number > 0")
    n_st = stations.ids.size
    use = np.ones(n_st, dtype=bool) if active is None else np.asarray(active, dtype=bool)
    if use.shape != (n_st,):
        raise InvalidInputError(f"active must have one entry per station ({n_st})")
    limit = walk_limit_m(minutes, walk_speed_kmh) if standard == "walk" else float(radius_m)
    labels = (
        station_labels(net, stations, limit=limit, active=use, walk_speed_kmh=walk_speed_kmh)
        if standard == "walk"
        else None
    )
    dem = demand if demand is not None else pd.DataFrame({"lon": [], "lat": []})
    for col in ("lon", "lat"):
        if col not in dem:
            raise InvalidInputError(f"demand has no {col!r} column")
    dlon, dlat = check_lonlat(
        dem["lon"].to_numpy(float), dem["lat"].to_numpy(float), names=("demand lon", "demand lat")
    )
    dw = dem["weight"].to_numpy(float) if "weight" in dem else np.ones(dlon.size)
    samples, seg_w, seg_lon, seg_lat = street_samples(net)
    cells = hex_cells(area if area is not None else study_area(net), resolution=resolution)
    clon, clat = cells["lon"].to_numpy(float), cells["lat"].to_numpy(float)
    points = {
        "street_m": (seg_lon, seg_lat, samples, seg_w),
        "area_m2": (clon, clat, None, cells["area_m2"].to_numpy(float)),
        "demand": (dlon, dlat, None, dw),
    }
    out = pd.DataFrame({"station_id": stations.ids, "lon": stations.lon, "lat": stations.lat})
    for part, (lon, lat, snap, weight) in points.items():
        near, count = _nearest_and_count(
            net, stations, use, lon, lat, snap,
            standard=standard, limit=limit, labels=labels, speed=walk_speed_kmh,
        )  # fmt: skip
        has = near >= 0
        only = has & (count == 1)
        out[f"catchment_{part}"] = np.bincount(near[has], weights=weight[has], minlength=n_st)
        out[f"only_{part}"] = np.bincount(near[only], weights=weight[only], minlength=n_st)
        total = float(weight.sum())
        share = out[f"only_{part}"].to_numpy() / total if total > 0 else np.full(n_st, np.nan)
        out[f"loss_{part.split('_')[0]}_share"] = share
    out = out[use].reset_index(drop=True)
    out["loses_nothing"] = (out[[f"only_{p}" for p in _PARTS]] == 0).all(axis=1)
    notes = pd.Series([None] * len(out), dtype=object)
    off = ~stations.snapped.on_network[use] if standard == "walk" else np.zeros(len(out), bool)
    notes[off] = "more than 500 m from any street: reaches nothing on foot"
    if dlon.size == 0 or dw.sum() <= 0:
        for col in ("catchment_demand", "only_demand", "loss_demand_share"):
            out[col] = None
        notes = notes.map(lambda n: "; ".join(x for x in (n, "no demand given") if x))
    out["note"] = notes.to_numpy()
    out = out.sort_values(
        ["only_demand", "only_street_m", "only_area_m2", "catchment_street_m", "station_id"],
        ascending=[False, False, False, False, True],
        kind="stable",
        na_position="last",
    ).reset_index(drop=True)
    out["rank"] = np.arange(1, len(out) + 1)
    return StationImpact(
        standard=standard,
        limit_m=float(limit),
        minutes=float(minutes) if standard == "walk" else None,
        radius_m=float(radius_m) if standard == "radius" else None,
        table=out[IMPACT_COLUMNS],
    )
