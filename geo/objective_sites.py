"""Where the next stations go, under the objective a planner picks.

``coverage`` and ``fewest`` are :func:`geo.siting.suggest_sites` (maximal
coverage with ``k`` sites, fewest sites for a target share); ``p-median``,
``p-center`` and ``capacitated`` are the problems of :mod:`geo.objectives`,
fed with the same candidates, demand and existing stations:

- p-median and p-center measure walking time in seconds on the network
  (geodesic metres under the ``radius`` standard) to the nearest station,
  existing or new; demand that reaches no station at all is left out;
- capacitated coverage lets each station, existing or new, serve at most its
  capacity within the standard's limit; existing stations are fixed sites.

Every objective also reports the covered share (within the standard's limit)
before and after, so plans under different objectives compare on one scale.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from numpy.typing import ArrayLike

from geo.capacitated import capacitated_coverage
from geo.errors import InvalidInputError
from geo.network import WALK_SPEED_KMH, StreetNetwork, walk_limit_m
from geo.objectives import OBJECTIVES, p_center, p_median
from geo.siting import SitingResult, cost_matrix, suggest_sites

__all__ = ["Objective", "ObjectiveSummary", "suggest_by_objective"]

Objective = Literal["coverage", "fewest", "p-median", "p-center", "capacitated"]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class ObjectiveSummary:
    """What a suggestion achieves, on the objective's own scale and on coverage.

    ``value_before``/``value_after`` are the objective (covered demand, sites,
    total weighted cost, worst cost, or demand served) with the existing
    stations alone and with the chosen sites; ``unit`` names its unit;
    ``share_before``/``share_after`` the covered share of demand within the
    standard; ``left_out`` the demand weight that reaches no station at all
    (p-median and p-center leave it out).
    """

    objective: str
    unit: str
    value_before: float
    value_after: float
    share_before: float
    share_after: float
    left_out: float = 0.0

    def to_dict(self) -> dict[str, object]:
        """JSON-ready (an infinite value, when some demand has no station: null)."""

        def finite(x: float) -> float | None:
            return x if math.isfinite(x) else None

        return {
            "objective": self.objective,
            "objective_unit": self.unit,
            "objective_before": finite(self.value_before),
            "objective_after": finite(self.value_after),
            "left_out": self.left_out,
        }


def _scored(candidates: pd.DataFrame, result: SitingResult) -> pd.DataFrame:
    out = candidates.reset_index(drop=True).copy()
    out["order"] = 0
    out["gain"] = 0.0
    for rank, (j, g) in enumerate(zip(result.chosen, result.gains, strict=True), start=1):
        out.loc[j, "order"] = rank
        out.loc[j, "gain"] = g
    return out


def _share(best: FloatArray, limit: float, w: FloatArray) -> float:
    total = float(w.sum())
    return float(w[best <= limit].sum()) / total if total else math.nan


def suggest_by_objective(
    candidates: pd.DataFrame,
    demand: pd.DataFrame,
    station_lon: ArrayLike,
    station_lat: ArrayLike,
    *,
    objective: Objective = "coverage",
    network: StreetNetwork | None = None,
    standard: Literal["walk", "radius"] = "walk",
    minutes: float = 15.0,
    radius_m: float = 1000.0,
    walk_speed_kmh: float = WALK_SPEED_KMH,
    k: int | None = None,
    target_share: float | None = None,
    double: bool = False,
    method: Literal["exact", "greedy"] = "exact",
    time_limit_s: float = 60.0,
    solver: Literal["auto", "cbc", "highs", "reduce"] = "auto",
    site_capacity: float | None = None,
    station_capacity: ArrayLike | None = None,
) -> tuple[SitingResult, pd.DataFrame, ObjectiveSummary]:
    """Choose sites among ``candidates`` under ``objective``, existing stations fixed.

    Parameters
    ----------
    candidates
        ``lon``, ``lat`` (WGS-84) and any other columns; a ``capacity`` column
        gives each candidate's capacity for ``capacitated`` (else ``site_capacity``).
    demand
        ``lon``, ``lat`` and ``weight``.
    station_lon, station_lat
        Existing open stations.
    objective
        One of :data:`geo.objectives.OBJECTIVES`.
    network, standard, minutes, radius_m, walk_speed_kmh
        As :func:`geo.siting.suggest_sites`.
    k, target_share
        ``fewest`` takes ``target_share``; every other objective takes ``k``.
    double, solver
        ``coverage`` and ``fewest`` only.
    method, time_limit_s
        Exact or greedy, and the solver's time limit.
    site_capacity
        Capacity of candidates without one (``capacitated``).
    station_capacity
        Capacity of each existing station (NaN or None: ``site_capacity``).

    Returns
    -------
    tuple
        The :class:`~geo.siting.SitingResult`, the candidates with ``order``
        and ``gain``, and an :class:`ObjectiveSummary`.
    """
    if objective not in OBJECTIVES:
        raise InvalidInputError(
            f"objective={objective!r} is not an objective; use one of {', '.join(OBJECTIVES)}"
        )
    if objective == "fewest" and target_share is None:
        raise InvalidInputError("objective 'fewest' needs target_share")
    if objective != "fewest" and target_share is not None:
        raise InvalidInputError(f"target_share goes with objective 'fewest', not {objective!r}")
    if objective in ("coverage", "fewest"):
        result, scored = suggest_sites(
            candidates, demand, station_lon, station_lat, network=network, standard=standard,
            minutes=minutes, radius_m=radius_m, walk_speed_kmh=walk_speed_kmh, k=k,
            target_share=target_share, double=double, method=method,
            time_limit_s=time_limit_s, solver=solver,
        )  # fmt: skip
        value = (
            (result.covered_before, result.covered_after)
            if objective == "coverage"
            else (0.0, float(len(result.chosen)))
        )
        summary = ObjectiveSummary(
            objective, "demand" if objective == "coverage" else "sites", *value,
            result.share_before, result.share_after,
        )  # fmt: skip
        return result, scored, summary
    if k is None:
        raise InvalidInputError(f"objective {objective!r} needs k")
    if double:
        raise InvalidInputError("double coverage goes with objective 'coverage'")
    if standard not in ("walk", "radius"):
        raise InvalidInputError(f"standard={standard!r} must be walk or radius")
    if standard == "walk" and not isinstance(network, StreetNetwork):
        raise InvalidInputError("the walk standard needs a street network")
    if len(candidates) == 0:
        raise InvalidInputError("there are no candidate sites")
    dlon, dlat = demand["lon"].to_numpy(float), demand["lat"].to_numpy(float)
    w = demand["weight"].to_numpy(float) if "weight" in demand else np.ones(dlon.size)
    slon = np.asarray(station_lon, dtype=float).reshape(-1)
    slat = np.asarray(station_lat, dtype=float).reshape(-1)
    walk = standard == "walk"
    limit_m = walk_limit_m(minutes, walk_speed_kmh) if walk else radius_m
    # Seconds on foot under the walk standard; metres in a straight line otherwise.
    per_unit = walk_speed_kmh / 3.6 if walk else 1.0
    limit = limit_m / per_unit
    net = network if walk else None
    reach = math.inf if objective != "capacitated" else limit_m

    def costs(lon: ArrayLike, lat: ArrayLike) -> FloatArray:
        return (
            cost_matrix(
                dlon, dlat, lon, lat, network=net, max_cost=reach, walk_speed_kmh=walk_speed_kmh
            )
            / per_unit
        )

    cand = costs(candidates["lon"], candidates["lat"])
    existing = costs(slon, slat) if slon.size else np.full((dlon.size, 0), np.inf)
    if objective == "capacitated":
        cap = _capacities(candidates, site_capacity, station_capacity, slon.size)
        both = np.hstack([existing, cand])
        fixed = np.arange(both.shape[1]) < slon.size
        r = capacitated_coverage(
            both, w, limit, k, cap, fixed=fixed, method=method, time_limit_s=time_limit_s
        )
        r = _shifted(r, slon.size)
        total = float(w.sum())
        summary = ObjectiveSummary(
            objective, "demand served", r.covered_before, r.covered_after,
            r.covered_before / total if total else math.nan,
            r.covered_after / total if total else math.nan,
        )  # fmt: skip
        return r, _scored(candidates, r), summary
    e = existing.min(axis=1) if existing.shape[1] else np.full(dlon.size, np.inf)
    lost = ~np.isfinite(e) & ~np.isfinite(cand).any(axis=1)
    w_used = np.where(lost, 0.0, w)
    fn = p_median if objective == "p-median" else p_center
    r = fn(cand, w_used, k, existing_cost=e, method=method, time_limit_s=time_limit_s)
    best_after = np.minimum(e, cand[:, list(r.chosen)].min(axis=1)) if r.chosen else e
    summary = ObjectiveSummary(
        objective,
        ("s" if walk else "m") + (" × demand" if objective == "p-median" else ""),
        r.covered_before,
        r.covered_after,
        _share(e, limit, w),
        _share(best_after, limit, w),
        float(w[lost].sum()),
    )
    return r, _scored(candidates, r), summary


def _capacities(
    candidates: pd.DataFrame,
    site_capacity: float | None,
    station_capacity: ArrayLike | None,
    n_stations: int,
) -> FloatArray:
    """Existing stations' capacities, then the candidates'; unknown ones take ``site_capacity``."""
    cand = (
        pd.to_numeric(candidates["capacity"], errors="coerce").to_numpy(float)
        if "capacity" in candidates
        else np.full(len(candidates), np.nan)
    )
    if station_capacity is None:
        st = np.full(n_stations, np.nan)
    else:
        st = np.array(
            [np.nan if c is None else c for c in np.asarray(station_capacity, dtype=object)], float
        )
    cap = np.concatenate([st, cand])
    if np.isnan(cap).any():
        if site_capacity is None:
            raise InvalidInputError(
                "objective 'capacitated' needs a capacity for every site: give site_capacity "
                "(--site-capacity) for candidates and stations without one"
            )
        cap = np.where(np.isnan(cap), float(site_capacity), cap)
    return cap


def _shifted(r: SitingResult, n_fixed: int) -> SitingResult:
    """The result with chosen columns renumbered as candidate rows (existing ones first)."""
    from dataclasses import replace

    return replace(r, chosen=tuple(j - n_fixed for j in r.chosen))
