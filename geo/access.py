"""Capacity-aware accessibility: the enhanced two-step floating catchment (E2SFCA).

Coverage says whether a station is within reach; it does not say whether the
station can take the people who reach it. E2SFCA (Luo & Qi 2009) divides each
station's capacity among the demand in its catchment, weighted by how far
that demand is, then sums those ratios back at each demand point::

    R_j = S_j / Σ_i P_i · W(c_ij)        station j: capacity per weighted person
    A_i = Σ_j R_j · W(c_ij)               demand point i: capacity it can count on

where ``S_j`` is station j's capacity, ``P_i`` the demand weight of point i,
``c_ij`` the travel cost (seconds) and ``W`` a distance-decay weight that is 0
beyond the catchment. The core, :func:`e2sfca`, takes any demand × station
cost matrix, so other travel modes plug in by giving their own costs;
:func:`walk_time_matrix` builds the walking one from a street network, and
:func:`geo.access_report.accessibility_report` puts the pieces together per demand point, per
H3 hexagon and per district, with the share of demand below a planner's
threshold.

Stations whose capacity is unknown (``NaN``) take no part: their ratio is
``NaN`` and they are counted in the report, unless a ``default_capacity`` is
given for them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp
from numpy.typing import ArrayLike

from geo._validate import check_lonlat
from geo.errors import InvalidInputError
from geo.network import WALK_SPEED_KMH, StreetNetwork

__all__ = [
    "LUO_QI_WEIGHTS",
    "Accessibility",
    "StepDecay",
    "demand_arrays",
    "e2sfca",
    "share_below",
    "walk_e2sfca",
    "walk_time_matrix",
    "walk_time_pairs",
]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

LUO_QI_WEIGHTS: tuple[float, float, float] = (1.0, 0.68, 0.22)
"""Weights of the three travel-time zones in Luo & Qi (2009): near, middle, far."""


@dataclass(frozen=True, slots=True)
class StepDecay:
    """Distance decay by zones: cost up to ``breaks[k]`` (and above the previous break)
    weighs ``weights[k]``; beyond the last break, 0 (outside the catchment).

    The same rule as PySAL access's ``weights.step_fn``.

    Parameters
    ----------
    breaks
        Upper bounds of the zones, increasing, in the cost's unit (seconds).
    weights
        Weight of each zone, in (0, 1].

    Examples
    --------
    >>> d = StepDecay.luo_qi(15)
    >>> d.breaks, d.max_cost
    ((300.0, 600.0, 900.0), 900.0)
    >>> d(np.array([0.0, 300.0, 301.0, 900.0, 901.0])).tolist()
    [1.0, 1.0, 0.68, 0.22, 0.0]
    """

    breaks: tuple[float, ...]
    weights: tuple[float, ...]

    def __post_init__(self) -> None:
        b = np.asarray(self.breaks, dtype=float)
        w = np.asarray(self.weights, dtype=float)
        if b.size == 0 or b.size != w.size:
            raise InvalidInputError(
                f"decay needs as many weights as breaks, at least one: {self.breaks}, "
                f"{self.weights}"
            )
        if not np.isfinite(b).all() or (b <= 0).any() or (np.diff(b) <= 0).any():
            raise InvalidInputError(f"decay breaks {self.breaks} must be increasing and > 0")
        if not np.isfinite(w).all() or (w <= 0).any() or (w > 1).any():
            raise InvalidInputError(f"decay weights {self.weights} must lie in (0, 1]")

    @classmethod
    def luo_qi(cls, minutes: float = 15.0) -> StepDecay:
        """Three equal zones up to ``minutes`` (in seconds), weighted 1, 0.68 and 0.22."""
        if not (isinstance(minutes, int | float) and math.isfinite(minutes) and minutes > 0):
            raise InvalidInputError(f"minutes={minutes!r} must be a number > 0")
        step = minutes * 60.0 / 3
        return cls((step, 2 * step, 3 * step), LUO_QI_WEIGHTS)

    @property
    def max_cost(self) -> float:
        """The catchment's edge: costs above it weigh 0."""
        return float(self.breaks[-1])

    def __call__(self, cost: FloatArray) -> FloatArray:
        zone = np.searchsorted(np.asarray(self.breaks), cost, side="left")
        return np.append(np.asarray(self.weights, dtype=float), 0.0)[zone]


@dataclass(frozen=True, slots=True)
class Accessibility:
    """E2SFCA scores.

    Attributes
    ----------
    score
        ``A_i`` per demand point: capacity units per unit of demand weight
        within reach, decay-weighted (0 where no station with capacity is in reach).
    ratio
        ``R_j`` per station: capacity per decay-weighted unit of demand in its
        catchment; ``NaN`` for stations without a capacity, 0 for stations
        with nobody in reach.
    catchment_demand
        ``Σ_i P_i W(c_ij)`` per station: the decay-weighted demand it serves.
    """

    score: FloatArray
    ratio: FloatArray
    catchment_demand: FloatArray


def _pairs(
    cost: ArrayLike | sp.spmatrix | sp.sparray, max_cost: float
) -> tuple[tuple[int, int], npt.NDArray[np.intp], npt.NDArray[np.intp], FloatArray]:
    """Shape and the (row, column, cost) of every pair within ``max_cost``, validated."""
    if sp.issparse(cost):
        coo = sp.coo_matrix(cost, dtype=np.float64)
        rows, cols, c = coo.row.astype(np.intp), coo.col.astype(np.intp), coo.data
        shape = (int(coo.shape[0]), int(coo.shape[1]))
    else:
        arr = np.asarray(cost, dtype=np.float64)
        if arr.ndim != 2:
            raise InvalidInputError(f"cost must be a 2-D demand × station matrix, got {arr.ndim}-D")
        rows, cols = np.nonzero(arr <= max_cost)
        c = arr[rows, cols]
        shape = (int(arr.shape[0]), int(arr.shape[1]))
        if np.isnan(arr).any():
            raise InvalidInputError("cost has NaN entries; use inf for unreachable")
    if np.isnan(c).any():
        raise InvalidInputError("cost has NaN entries; store only reachable pairs, or inf")
    if (c < 0).any():
        raise InvalidInputError(f"cost has negative entries (min {float(c.min())!r})")
    keep = c <= max_cost
    return shape, rows[keep], cols[keep], c[keep]


def _vector(values: ArrayLike, n: int, name: str, what: str, *, nan_ok: bool) -> FloatArray:
    v = np.asarray(values, dtype=np.float64).reshape(-1)
    if v.size != n:
        raise InvalidInputError(f"{name} has {v.size} values for {n} {what}; give one each")
    bad = ~(np.isfinite(v) | (nan_ok & np.isnan(v))) | (v < 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InvalidInputError(f"{name}={float(v[i])!r} at position {i} must be a number ≥ 0")
    return v


def e2sfca(
    cost: ArrayLike | sp.spmatrix | sp.sparray,
    demand_weight: ArrayLike,
    capacity: ArrayLike,
    *,
    decay: StepDecay | None = None,
) -> Accessibility:
    """Enhanced two-step floating catchment accessibility of every demand point.

    Parameters
    ----------
    cost
        Demand × station travel costs in the decay's unit (seconds); ``inf``
        where a station cannot be reached. Dense, or scipy sparse whose
        stored entries are the reachable pairs.
    demand_weight
        ``P_i``: people (or any weight ≥ 0) at each demand point (row).
    capacity
        ``S_j``: capacity of each station (column), ≥ 0; ``NaN`` = unknown,
        and the station takes no part.
    decay
        Distance-decay zones; Luo & Qi's three zones up to 15 minutes by default.

    Returns
    -------
    Accessibility
        Scores per demand point, ratios and catchment demand per station.

    Raises
    ------
    InvalidInputError
        On a wrong argument; the message names it.

    Examples
    --------
    One station of 10 seats, two points of 5 people at 4 and 12 minutes:
    R = 10 / (5·1 + 5·0.22), so the near point scores R·1 and the far R·0.22.

    >>> r = e2sfca([[240.0], [720.0]], [5, 5], [10], decay=StepDecay.luo_qi(15))
    >>> np.round(r.score, 4).tolist(), np.round(r.ratio, 4).tolist()
    ([1.6393, 0.3607], [1.6393])
    """
    decay = decay if decay is not None else StepDecay.luo_qi()
    (m, n), rows, cols, c = _pairs(cost, decay.max_cost)
    p = _vector(demand_weight, m, "demand_weight", "demand points (rows of cost)", nan_ok=False)
    s = _vector(capacity, n, "capacity", "stations (columns of cost)", nan_ok=True)
    known = ~np.isnan(s)
    use = known[cols]
    rows, cols, w = rows[use], cols[use], decay(c[use])
    served = np.bincount(cols, weights=p[rows] * w, minlength=n).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(served > 0, s / served, 0.0)
    ratio[~known] = np.nan
    score = np.bincount(rows, weights=np.nan_to_num(ratio)[cols] * w, minlength=m)
    served[~known] = np.nan
    return Accessibility(score.astype(np.float64), ratio.astype(np.float64), served)


def walk_time_matrix(
    net: StreetNetwork,
    demand_lon: ArrayLike,
    demand_lat: ArrayLike,
    station_lon: ArrayLike,
    station_lat: ArrayLike,
    *,
    max_time_s: float,
    walk_speed_kmh: float = WALK_SPEED_KMH,
) -> FloatArray:
    """Demand × station walking times in seconds along ``net`` (``inf`` beyond ``max_time_s``).

    Both legs to the street are walked, as everywhere in :mod:`geo.coverage`.
    """
    from geo.siting import cost_matrix

    if not (math.isfinite(max_time_s) and max_time_s > 0):
        raise InvalidInputError(f"max_time_s={max_time_s!r} must be a number > 0")
    speed_ms = walk_speed_kmh / 3.6
    metres = cost_matrix(
        demand_lon,
        demand_lat,
        station_lon,
        station_lat,
        network=net,
        max_cost=max_time_s * speed_ms,
        walk_speed_kmh=walk_speed_kmh,
    )
    return metres / speed_ms


def walk_time_pairs(
    net: StreetNetwork,
    demand_lon: ArrayLike,
    demand_lat: ArrayLike,
    station_lon: ArrayLike,
    station_lat: ArrayLike,
    *,
    max_time_s: float,
    walk_speed_kmh: float = WALK_SPEED_KMH,
) -> sp.csr_matrix:
    """Demand × station walking times in seconds, only the pairs within ``max_time_s``.

    The same times as :func:`walk_time_matrix`, stored sparse so a city's
    demand and stations fit: one bounded search per station, evaluated only at
    the demand points within ``max_time_s`` of it in a straight line (no
    walk is shorter than the straight line).
    """
    from scipy.spatial import cKDTree

    from geo.coverage import StationSet, point_labels, station_labels
    from geo.network import Snapped

    if not (math.isfinite(max_time_s) and max_time_s > 0):
        raise InvalidInputError(f"max_time_s={max_time_s!r} must be a number > 0")
    dlon, dlat = check_lonlat(demand_lon, demand_lat, names=("demand lon", "demand lat"))
    slon, slat = check_lonlat(station_lon, station_lat, names=("station lon", "station lat"))
    speed_ms = walk_speed_kmh / 3.6
    limit_m = max_time_s * speed_ms
    snap = net.snap(dlon, dlat)
    tree = cKDTree(np.column_stack(net.project(dlon, dlat)))
    sx, sy = net.project(slon, slat)
    near = tree.query_ball_point(np.column_stack([sx, sy]), r=limit_m * 1.01 + 1.0)
    rows: list[npt.NDArray[np.intp]] = []
    cols: list[npt.NDArray[np.intp]] = []
    vals: list[FloatArray] = []
    for j, idx in enumerate(near):  # one bounded search per station
        if not idx:
            continue
        pts = np.asarray(idx, dtype=np.intp)
        one = StationSet.build(net, [str(j)], slon[j : j + 1], slat[j : j + 1])
        lab = station_labels(net, one, limit=limit_m, walk_speed_kmh=walk_speed_kmh)
        sub = Snapped(snap.edge[pts], snap.t[pts], snap.offset_m[pts], snap.on_network[pts])
        d1, _, _, _ = point_labels(net, one, lab, sub, walk_speed_kmh=walk_speed_kmh)
        ok = d1 <= limit_m
        rows.append(pts[ok])
        cols.append(np.full(int(ok.sum()), j, dtype=np.intp))
        vals.append(d1[ok] / speed_ms)
    if not vals:
        return sp.csr_matrix((dlon.size, slon.size), dtype=np.float64)
    pairs = (np.concatenate(rows), np.concatenate(cols))
    return sp.csr_matrix((np.concatenate(vals), pairs), shape=(dlon.size, slon.size))


def walk_e2sfca(
    net: StreetNetwork,
    demand_lon: ArrayLike,
    demand_lat: ArrayLike,
    demand_weight: ArrayLike,
    station_lon: ArrayLike,
    station_lat: ArrayLike,
    capacity: ArrayLike,
    *,
    decay: StepDecay,
    walk_speed_kmh: float = WALK_SPEED_KMH,
) -> Accessibility:
    """:func:`e2sfca` on the walking times of :func:`walk_time_pairs`."""
    cost = walk_time_pairs(
        net,
        demand_lon,
        demand_lat,
        station_lon,
        station_lat,
        max_time_s=decay.max_cost,
        walk_speed_kmh=walk_speed_kmh,
    )
    return e2sfca(cost, demand_weight, capacity, decay=decay)


def demand_arrays(demand: pd.DataFrame) -> tuple[FloatArray, FloatArray, FloatArray]:
    """``lon``, ``lat`` (checked) and ``weight`` (1 where the frame has none) of demand points."""
    for col in ("lon", "lat"):
        if col not in demand:
            raise InvalidInputError(f"demand has no {col!r} column")
    lon, lat = check_lonlat(
        demand["lon"].to_numpy(float),
        demand["lat"].to_numpy(float),
        names=("demand lon", "demand lat"),
    )
    weight = demand["weight"].to_numpy(float) if "weight" in demand else np.ones(lon.size)
    return lon, lat, weight


def share_below(score: ArrayLike, weight: ArrayLike, threshold: float) -> float:
    """Share of demand weight whose score is below ``threshold`` (nan without weight)."""
    a, w = np.asarray(score, dtype=float), np.asarray(weight, dtype=float)
    total = float(w.sum())
    return float(w[a < threshold].sum()) / total if total > 0 else math.nan
