"""Fairness: who waits longest for a station, and how unequally capacity is shared.

A coverage share hides how far the uncovered are and whether a few places get
most of the seats. This module gives, per region and per district:

- the demand-weighted distribution of walking time to the nearest open
  station: median, 90th and 95th percentiles (inverted CDF, as
  ``numpy.quantile(..., weights=..., method="inverted_cdf")``) and the mean
  time of the worst-off 5 % of demand (points that reach no station count
  as ``inf``);
- the inequality of accessibility (E2SFCA scores, :mod:`geo.access`): the
  demand-weighted Gini coefficient and the Palma ratio (share of all
  accessibility held by the best-off 10 % of demand over the share held by
  the worst-off 40 %).

The statistics are plain functions of (values, weights) so other measures can
use them; :func:`fairness_report` computes both inputs on a walking network.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
from numpy.typing import ArrayLike

from geo._validate import check_lonlat
from geo.access import StepDecay, demand_arrays, walk_e2sfca
from geo.access_report import district_of
from geo.errors import InvalidInputError
from geo.network import WALK_SPEED_KMH, StreetNetwork

__all__ = [
    "FairnessReport",
    "FairnessSummary",
    "fairness_report",
    "gini",
    "nearest_walk_time_s",
    "palma",
    "summarize",
    "weighted_quantile",
    "worst_share_mean",
]

FloatArray = npt.NDArray[np.float64]


def _values_weights(values: ArrayLike, weights: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Values and weights as float arrays with the zero weights left out."""
    x = np.asarray(values, dtype=np.float64).reshape(-1)
    w = np.asarray(weights, dtype=np.float64).reshape(-1)
    if x.size != w.size:
        raise InvalidInputError(f"{x.size} values but {w.size} weights; give one weight each")
    if np.isnan(x).any() or np.isnan(w).any() or (w < 0).any() or np.isinf(w).any():
        raise InvalidInputError("values must not be NaN; weights must be finite and ≥ 0")
    keep = w > 0
    return x[keep], w[keep]


def weighted_quantile(values: ArrayLike, weights: ArrayLike, q: float) -> float:
    """The smallest value whose demand-weighted CDF reaches ``q`` (nan without weight).

    Examples
    --------
    >>> weighted_quantile([10, 20, 30], [1, 1, 2], 0.5)
    20.0
    """
    x, w = _values_weights(values, weights)
    if not 0 <= q <= 1:
        raise InvalidInputError(f"q={q!r} must lie in [0, 1]")
    if x.size == 0:
        return math.nan
    order = np.argsort(x, kind="stable")
    x, w = x[order], w[order]
    cdf = np.cumsum(w) / w.sum()
    i = int(np.searchsorted(cdf, q, side="left"))
    return float(x[min(i, x.size - 1)])


def worst_share_mean(values: ArrayLike, weights: ArrayLike, share: float = 0.05) -> float:
    """Mean value of the ``share`` of demand with the highest values (nan without weight).

    The point on the edge counts with the part of its weight that fits.

    Examples
    --------
    >>> worst_share_mean([1, 2, 100], [18, 1, 1], 0.1)
    51.0
    """
    x, w = _values_weights(values, weights)
    if not 0 < share <= 1:
        raise InvalidInputError(f"share={share!r} must lie in (0, 1]")
    if x.size == 0:
        return math.nan
    order = np.argsort(-x, kind="stable")
    x, w = x[order], w[order]
    need = share * w.sum()
    before = np.concatenate([[0.0], np.cumsum(w)[:-1]])
    part = np.clip(need - before, 0.0, w)
    used = part > 0
    return float(np.sum(part[used] * x[used]) / need)


def _lorenz(x: FloatArray, w: FloatArray, p: float) -> float:
    """Share of Σ w·x held by the lowest ``p`` of the weight (x sorted ascending)."""
    cum_w = np.concatenate([[0.0], np.cumsum(w)]) / w.sum()
    cum_v = np.concatenate([[0.0], np.cumsum(w * x)]) / np.sum(w * x)
    return float(np.interp(p, cum_w, cum_v))


def gini(values: ArrayLike, weights: ArrayLike) -> float:
    """Demand-weighted Gini coefficient ``Σ_ij w_i w_j |x_i − x_j| / (2 W² μ)``.

    nan without weight or when every value is 0.

    Examples
    --------
    >>> gini([0, 0, 0, 1], [1, 1, 1, 1])
    0.75
    """
    x, w = _values_weights(values, weights)
    if x.size == 0 or not np.isfinite(x).all():
        return math.nan
    order = np.argsort(x, kind="stable")
    x, w = x[order], w[order]
    total_w = w.sum()
    mean = float(w @ x) / total_w
    if mean == 0:
        return math.nan
    cum = np.cumsum(w)
    # Σ_{j<i} w_i w_j (x_i − x_j) over sorted values, twice, is the sum over all pairs.
    pairs = 2.0 * float(np.sum(w * x * (cum - w)) - np.sum(w * x * (total_w - cum)))
    return float(pairs / (2.0 * total_w**2 * mean))


def palma(values: ArrayLike, weights: ArrayLike) -> float:
    """Palma ratio: share held by the top 10 % of demand over the share of the bottom 40 %.

    ``inf`` when the bottom 40 % hold nothing; nan without weight or value.

    Examples
    --------
    >>> palma([1, 1, 1, 1, 2, 2, 2, 2, 2, 10], [1] * 10)  # (10/24) / (4/24)
    2.5
    """
    x, w = _values_weights(values, weights)
    if x.size == 0 or not np.isfinite(x).all() or float(w @ x) == 0:
        return math.nan
    order = np.argsort(x, kind="stable")
    x, w = x[order], w[order]
    bottom = _lorenz(x, w, 0.4)
    top = 1.0 - _lorenz(x, w, 0.9)
    return float(top / bottom) if bottom > 0 else math.inf


@dataclass(frozen=True, slots=True)
class FairnessSummary:
    """One area's figures. Times in seconds (``inf``: some demand reaches no station)."""

    demand: float
    median_s: float
    p90_s: float
    p95_s: float
    worst5_mean_s: float
    unreachable_share: float
    gini: float
    palma: float

    def to_dict(self) -> dict[str, float | None]:
        """JSON-ready: nan and inf become null (``unreachable_share`` says why)."""
        return {
            k: (v if math.isfinite(v) else None)
            for k, v in (
                ("demand", self.demand),
                ("median_s", self.median_s),
                ("p90_s", self.p90_s),
                ("p95_s", self.p95_s),
                ("worst5_mean_s", self.worst5_mean_s),
                ("unreachable_share", self.unreachable_share),
                ("gini", self.gini),
                ("palma", self.palma),
            )
        }


def summarize(time_s: ArrayLike, accessibility: ArrayLike, weights: ArrayLike) -> FairnessSummary:
    """Travel-time distribution and accessibility inequality of one set of demand points."""
    t, w = _values_weights(time_s, weights)
    total = float(w.sum())
    unreachable = float(w[np.isinf(t)].sum()) / total if total else math.nan
    return FairnessSummary(
        demand=total,
        median_s=weighted_quantile(t, w, 0.5),
        p90_s=weighted_quantile(t, w, 0.9),
        p95_s=weighted_quantile(t, w, 0.95),
        worst5_mean_s=worst_share_mean(t, w, 0.05),
        unreachable_share=unreachable,
        gini=gini(accessibility, weights),
        palma=palma(accessibility, weights),
    )


@dataclass(frozen=True)
class FairnessReport:
    """Fairness of a region and of each district.

    ``accessibility_basis`` says what the Gini and Palma measure: E2SFCA with
    the stations' ``capacity`` where any is known, else with every station
    counting one (``station_count``).
    """

    region: FairnessSummary
    districts: dict[str, FairnessSummary] = field(default_factory=dict)
    accessibility_basis: str = "capacity"
    minutes: float = 15.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready figures (``/coverage``'s ``fairness`` member)."""
        out: dict[str, Any] = {
            "accessibility_basis": self.accessibility_basis,
            "catchment_minutes": self.minutes,
            **self.region.to_dict(),
        }
        if self.districts:
            out["districts"] = {k: v.to_dict() for k, v in self.districts.items()}
        return out


def nearest_walk_time_s(
    net: StreetNetwork,
    station_lon: ArrayLike,
    station_lat: ArrayLike,
    lon: ArrayLike,
    lat: ArrayLike,
    *,
    walk_speed_kmh: float = WALK_SPEED_KMH,
) -> FloatArray:
    """Walking time in seconds from each point to its nearest station (``inf``: none)."""
    from geo.coverage import StationSet, point_labels, station_labels

    x, y = check_lonlat(lon, lat)
    s = StationSet.build(
        net, [str(i) for i in range(np.size(station_lon))], station_lon, station_lat
    )
    labels = station_labels(net, s, walk_speed_kmh=walk_speed_kmh)
    d1, _, _, _ = point_labels(net, s, labels, net.snap(x, y), walk_speed_kmh=walk_speed_kmh)
    return np.asarray(d1 / (walk_speed_kmh / 3.6), dtype=np.float64)


def fairness_report(
    net: StreetNetwork,
    station_lon: ArrayLike,
    station_lat: ArrayLike,
    capacity: Sequence[float | None] | ArrayLike,
    demand: pd.DataFrame,
    *,
    minutes: float = 15.0,
    walk_speed_kmh: float = WALK_SPEED_KMH,
    districts: gpd.GeoDataFrame | None = None,
) -> FairnessReport:
    """Walking time to the nearest station and accessibility inequality, region and districts.

    Parameters
    ----------
    net
        Walking network.
    station_lon, station_lat, capacity
        The open stations and their capacity (None or NaN: unknown).
    demand
        ``lon``, ``lat`` and ``weight`` (default 1).
    minutes
        E2SFCA catchment (Luo & Qi's three zones up to it).
    walk_speed_kmh
        Walking speed.
    districts
        Polygons with a ``name`` column.
    """
    dlon, dlat, w = demand_arrays(demand)
    cap = np.array([np.nan if c is None else c for c in np.asarray(capacity, dtype=object)], float)
    basis = "capacity" if (~np.isnan(cap)).any() else "station_count"
    if basis == "station_count":
        cap = np.ones(cap.size)
    times = nearest_walk_time_s(
        net, station_lon, station_lat, dlon, dlat, walk_speed_kmh=walk_speed_kmh
    )
    score = walk_e2sfca(
        net,
        dlon,
        dlat,
        w,
        station_lon,
        station_lat,
        cap,
        decay=StepDecay.luo_qi(minutes),
        walk_speed_kmh=walk_speed_kmh,
    ).score
    per_district: dict[str, FairnessSummary] = {}
    if districts is not None:
        names = district_of(dlon, dlat, districts)
        for name in districts["name"].astype(str):
            inside = names == name
            per_district[name] = summarize(times[inside], score[inside], w[inside])
    return FairnessReport(summarize(times, score, w), per_district, basis, float(minutes))
