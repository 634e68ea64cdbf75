"""Candidate sites from OSM, and where the next stations go against existing ones."""

from __future__ import annotations

from pathlib import Path
from typing import Literal, cast

import numpy as np
import numpy.typing as npt
import pandas as pd
from numpy.typing import ArrayLike

from geo.errors import InvalidInputError
from geo.siting.matrix import cost_matrix
from geo.siting.problems import max_coverage, min_sites
from geo.siting.result import Method, SitingResult, Solver

__all__ = ["OSM_CANDIDATE_TAGS", "osm_candidates", "site_gains", "suggest_sites"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

OSM_CANDIDATE_TAGS: dict[str, list[str]] = {
    "amenity": [
        "community_centre",
        "townhall",
        "social_facility",
        "library",
        "marketplace",
        "fuel",
        "post_office",
        "police",
    ],
    "shop": ["supermarket", "convenience", "mall"],
    "office": ["government"],
}
"""OpenStreetMap places that may host a station: union and government premises,
community centres, logistics-adjacent places, shops that join as rider stations."""


def osm_candidates(pbf: str | Path) -> pd.DataFrame:
    """Candidate sites from the OSM file's places (:data:`OSM_CANDIDATE_TAGS`).

    Columns ``id``, ``name``, ``lon``, ``lat``, ``source`` (the tag, as ``amenity=townhall``).
    """
    from geo._osm import read_pois

    pois = read_pois(pbf, OSM_CANDIDATE_TAGS)
    return pd.DataFrame(
        {
            "id": "osm-" + pois["osm_id"].astype(str),
            "name": pois["name"].where(pois["name"] != "", pois["value"]),
            "lon": pois["lon"],
            "lat": pois["lat"],
            "source": pois["key"] + "=" + pois["value"],
        }
    )


def suggest_sites(
    candidates: pd.DataFrame,
    demand: pd.DataFrame,
    station_lon: ArrayLike,
    station_lat: ArrayLike,
    *,
    network: object | None = None,
    standard: Literal["walk", "radius"] = "walk",
    minutes: float = 15.0,
    radius_m: float = 1000.0,
    walk_speed_kmh: float = 4.8,
    k: int | None = None,
    target_share: float | None = None,
    double: bool = False,
    method: Method = "exact",
    time_limit_s: float = 60.0,
    solver: Solver = "auto",
) -> tuple[SitingResult, pd.DataFrame]:
    """Where the next stations go: candidates scored against demand, existing stations fixed.

    Parameters
    ----------
    candidates
        ``lon``, ``lat`` (WGS-84) and any other columns (``id``, ``name`` …), kept.
    demand
        ``lon``, ``lat`` and ``weight``.
    station_lon, station_lat
        Existing open stations, which cover already.
    network
        Walking network; needed for ``standard="walk"``.
    k, target_share
        Exactly one: choose ``k`` sites (:func:`max_coverage`), or the fewest
        reaching ``target_share`` (:func:`min_sites`).

    Returns
    -------
    tuple
        The :class:`SitingResult` and the candidates with ``order`` (1… for
        chosen sites, 0 otherwise) and ``gain`` (marginal demand weight).
    """
    if (k is None) == (target_share is None):
        raise InvalidInputError("give exactly one of k and target_share")
    if double and target_share is not None:
        raise InvalidInputError("double coverage is solved for k sites; give k, not target_share")
    if standard not in ("walk", "radius"):
        raise InvalidInputError(f"standard={standard!r} must be walk or radius")
    for col in ("lon", "lat"):
        for name, frame in (("candidates", candidates), ("demand", demand)):
            if col not in frame:
                raise InvalidInputError(f"{name} has no {col!r} column")
    if len(candidates) == 0:
        raise InvalidInputError("there are no candidate sites")
    w = demand["weight"].to_numpy(float) if "weight" in demand else np.ones(len(demand))
    existing, cost, limit = _existing_and_cost(
        candidates,
        demand,
        station_lon,
        station_lat,
        network=network,
        standard=standard,
        minutes=minutes,
        radius_m=radius_m,
        walk_speed_kmh=walk_speed_kmh,
    )
    if k is not None:
        result = max_coverage(
            cost,
            w,
            limit,
            k,
            existing=existing,
            method=method,
            double=double,
            time_limit_s=time_limit_s,
            solver=solver,
        )
    else:
        result = min_sites(
            cost,
            w,
            limit,
            float(cast(float, target_share)),  # set: k is None here
            existing=existing,
            method=method,
            time_limit_s=time_limit_s,
            solver=solver,
        )
    out = candidates.reset_index(drop=True).copy()
    out["order"] = 0
    out["gain"] = 0.0
    for rank, (j, g) in enumerate(zip(result.chosen, result.gains, strict=True), start=1):
        out.loc[j, "order"] = rank
        out.loc[j, "gain"] = g
    return result, out


def _existing_and_cost(
    candidates: pd.DataFrame,
    demand: pd.DataFrame,
    station_lon: ArrayLike,
    station_lat: ArrayLike,
    *,
    network: object | None,
    standard: str,
    minutes: float,
    radius_m: float,
    walk_speed_kmh: float,
) -> tuple[IntArray, FloatArray, float]:
    """Existing stations covering each demand point (0, 1, 2+), the cost matrix and its limit."""
    from geo.coverage import StationSet, point_labels, station_labels, straight_counts

    dlon, dlat = demand["lon"].to_numpy(float), demand["lat"].to_numpy(float)
    slon = np.asarray(station_lon, dtype=float).reshape(-1)
    slat = np.asarray(station_lat, dtype=float).reshape(-1)
    if standard == "walk":
        from geo.network import StreetNetwork, walk_limit_m

        if not isinstance(network, StreetNetwork):
            raise InvalidInputError("the walk standard needs a street network")
        limit = walk_limit_m(minutes, walk_speed_kmh)
        s = StationSet.build(network, [str(i) for i in range(slon.size)], slon, slat)
        lab = station_labels(network, s, limit=limit, walk_speed_kmh=walk_speed_kmh)
        d1, _, d2, _ = point_labels(
            network, s, lab, network.snap(dlon, dlat), walk_speed_kmh=walk_speed_kmh
        )
        existing = (d1 <= limit).astype(np.int64) + (d2 <= limit).astype(np.int64)
        cost = cost_matrix(
            dlon,
            dlat,
            candidates["lon"],
            candidates["lat"],
            network=network,
            max_cost=limit,
            walk_speed_kmh=walk_speed_kmh,
        )
    else:
        limit = radius_m
        counts, _, _ = straight_counts(slon, slat, dlon, dlat, radius_m)
        existing = np.asarray(counts, dtype=np.int64)
        cost = cost_matrix(dlon, dlat, candidates["lon"], candidates["lat"], max_cost=limit)
    return existing, cost, float(limit)


def site_gains(
    candidates: pd.DataFrame,
    demand: pd.DataFrame,
    station_lon: ArrayLike,
    station_lat: ArrayLike,
    *,
    network: object | None = None,
    standard: Literal["walk", "radius"] = "walk",
    minutes: float = 15.0,
    radius_m: float = 1000.0,
    walk_speed_kmh: float = 4.8,
) -> FloatArray:
    """Demand weight each candidate site, opened alone, would newly cover.

    Existing stations are fixed: a demand point counts for a candidate when
    the candidate reaches it within the standard and no existing station
    does. This is the first greedy step of :func:`max_coverage` for every
    candidate at once (one cost matrix, one product), so ranking many
    proposals costs one :func:`cost_matrix`.

    Parameters
    ----------
    candidates
        ``lon``, ``lat`` (WGS-84) of each candidate site.
    demand
        ``lon``, ``lat`` and optionally ``weight`` (default 1).
    station_lon, station_lat
        Existing open stations, WGS-84.
    network
        Walking network; needed for ``standard="walk"``.
    standard
        ``"walk"``: ``minutes`` on foot along streets; ``"radius"``:
        ``radius_m`` metres in a straight (geodesic) line.
    minutes, radius_m, walk_speed_kmh
        The limits of the standard.

    Returns
    -------
    numpy.ndarray
        One gain per candidate row, in demand weight.

    Examples
    --------
    >>> import pandas as pd
    >>> demand = pd.DataFrame({"lon": [24.94, 24.96], "lat": [60.17, 60.17], "weight": [2, 5]})
    >>> cands = pd.DataFrame({"lon": [24.9401, 24.9601], "lat": [60.17, 60.17]})
    >>> site_gains(cands, demand, [24.94], [60.1701], standard="radius").tolist()
    [0.0, 5.0]
    """
    if standard not in ("walk", "radius"):
        raise InvalidInputError(f"standard={standard!r} must be walk or radius")
    for col in ("lon", "lat"):
        for name, frame in (("candidates", candidates), ("demand", demand)):
            if col not in frame:
                raise InvalidInputError(f"{name} has no {col!r} column")
    if len(candidates) == 0:
        return np.zeros(0)
    w = demand["weight"].to_numpy(float) if "weight" in demand else np.ones(len(demand))
    if len(demand) == 0:
        return np.zeros(len(candidates))
    existing, cost, limit = _existing_and_cost(
        candidates,
        demand,
        station_lon,
        station_lat,
        network=network,
        standard=standard,
        minutes=minutes,
        radius_m=radius_m,
        walk_speed_kmh=walk_speed_kmh,
    )
    reach = (cost <= limit) & (existing == 0)[:, None]
    return np.asarray(w @ reach, dtype=np.float64)
