"""Grouping and ranking proposals: pure functions, no store.

Proposals near each other (single linkage over geodesic distance, 150 m by
default) form groups; :func:`rank_groups` orders them by the demand each
group's site would newly cover (:func:`geo.siting.site_gains`), then by the
number of distinct proposers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import replace
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from numpy.typing import ArrayLike
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from geo._validate import check_lonlat
from geo.errors import InvalidInputError
from geo.feedback.model import PROPOSAL_GROUP_M, Proposal, ProposalGroup
from geo.stations.model import GEOD, SPHERE_SLACK
from geo.types import Kind

__all__ = ["group_points", "groups_as_candidates", "make_groups", "rank_groups"]

_EARTH_R = 6_371_008.8  # mean radius (IUGG): metres to unit-sphere chords


def group_points(
    lon: ArrayLike, lat: ArrayLike, radius_m: float = PROPOSAL_GROUP_M
) -> npt.NDArray[np.intp]:
    """Single-linkage groups of points: two points within ``radius_m`` share a group.

    Distances are geodesic on WGS-84. Candidate pairs come from a k-d tree of
    unit-sphere vectors with a slack that cannot miss a pair, and each is
    checked exactly, so the cost grows with the number of close pairs, not n².

    Parameters
    ----------
    lon, lat
        WGS-84 degrees.
    radius_m
        Linkage distance, metres (> 0).

    Returns
    -------
    numpy.ndarray
        Group label of each point: 0, 1, … numbered in order of each
        group's first point.

    Examples
    --------
    >>> group_points([24.9400, 24.9410, 24.9420, 24.9600], [60.17, 60.17, 60.17, 60.17], 60)
    array([0, 0, 0, 1])
    """
    if not radius_m > 0:
        raise InvalidInputError(f"radius_m={radius_m!r} must be > 0")
    x, y = check_lonlat(lon, lat)
    n = x.size
    if n == 0:
        return np.zeros(0, dtype=np.intp)
    lam, phi = np.radians(x), np.radians(y)
    xyz = np.column_stack([np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)])
    pairs = cKDTree(xyz).query_pairs(radius_m / SPHERE_SLACK / _EARTH_R, output_type="ndarray")
    if pairs.size:
        _, _, d = GEOD.inv(x[pairs[:, 0]], y[pairs[:, 0]], x[pairs[:, 1]], y[pairs[:, 1]])
        pairs = pairs[np.asarray(d) <= radius_m]
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    # Renumber by first appearance, so labels do not depend on scipy's order.
    _, first = np.unique(labels, return_index=True)
    order = np.argsort(np.argsort(first))
    return np.asarray(order[labels], dtype=np.intp)


def _centroid(lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64]) -> tuple[float, float]:
    lam, phi = np.radians(lon), np.radians(lat)
    v = np.array(
        [
            (np.cos(phi) * np.cos(lam)).mean(),
            (np.cos(phi) * np.sin(lam)).mean(),
            np.sin(phi).mean(),
        ]
    )
    v /= np.linalg.norm(v)
    return float(np.degrees(np.arctan2(v[1], v[0]))), float(np.degrees(np.arcsin(v[2])))


def make_groups(proposals: list[Proposal], radius_m: float) -> list[ProposalGroup]:
    """Proposals grouped within ``radius_m`` (single linkage), by group id (smallest member)."""
    if not proposals:
        return []
    lon = np.array([p.lon for p in proposals])
    lat = np.array([p.lat for p in proposals])
    labels = group_points(lon, lat, radius_m)
    out = []
    kinds = list(Kind)
    for g in range(int(labels.max()) + 1):
        idx = np.flatnonzero(labels == g)
        members = tuple(sorted((proposals[i] for i in idx), key=lambda p: p.id))
        cx, cy = _centroid(lon[idx], lat[idx])
        counts = Counter(p.kind for p in members if p.kind is not None)
        kind = min(counts, key=lambda k: (-counts[k], kinds.index(k))) if counts else None
        out.append(
            ProposalGroup(
                id=members[0].id,
                proposals=members,
                lon=cx,
                lat=cy,
                proposers=len({p.identity for p in members}),
                kind=kind,
                amenities=tuple(sorted({a for p in members for a in p.amenities})),
            )
        )
    return sorted(out, key=lambda grp: grp.id)


def groups_as_candidates(groups: Iterable[ProposalGroup]) -> pd.DataFrame:
    """Proposal groups as candidate sites for :func:`geo.siting.suggest_sites`.

    One row per group at its centroid, with the columns the siting engine takes:
    ``id`` (``proposal-<group id>``), ``name`` (the proposer count; notes are
    free text from the public and stay out), ``lon``, ``lat`` and ``source``.
    """
    rows = [
        {
            "id": f"proposal-{g.id}",
            "name": f"proposal group {g.id} ({g.proposers} proposer(s))",
            "lon": g.lon,
            "lat": g.lat,
            "source": "proposal",
        }
        for g in groups
    ]
    return pd.DataFrame(rows, columns=["id", "name", "lon", "lat", "source"])


def rank_groups(
    groups: Iterable[ProposalGroup],
    demand: pd.DataFrame | None,
    station_lon: ArrayLike,
    station_lat: ArrayLike,
    *,
    network: object | None = None,
    standard: Literal["walk", "radius"] = "walk",
    minutes: float = 15.0,
    radius_m: float = 1000.0,
    walk_speed_kmh: float = 4.8,
) -> list[ProposalGroup]:
    """Order proposal groups for review: most demand newly covered, then most proposers.

    Parameters
    ----------
    groups
        Groups from :meth:`Feedback.groups`.
    demand
        ``lon``, ``lat`` and ``weight`` of demand points; None ranks by
        proposers alone (``gain`` stays None).
    station_lon, station_lat
        Existing open stations (WGS-84), which cover already.
    network
        Walking network, for ``standard="walk"`` (the 15-minute standard).
    standard, minutes, radius_m, walk_speed_kmh
        As in :func:`geo.siting.site_gains`.

    Returns
    -------
    list of ProposalGroup
        Copies with ``gain`` and ``rank`` (1 first) set, in rank order; ties
        fall to the older group.
    """
    from geo.siting import site_gains

    items = list(groups)
    if not items:
        return []
    if demand is None:
        gains: list[float | None] = [None] * len(items)
    else:
        cands = pd.DataFrame({"lon": [g.lon for g in items], "lat": [g.lat for g in items]})
        arr = site_gains(
            cands,
            demand,
            station_lon,
            station_lat,
            network=network,
            standard=standard,
            minutes=minutes,
            radius_m=radius_m,
            walk_speed_kmh=walk_speed_kmh,
        )
        gains = [float(v) for v in arr]
    scored = [replace(g, gain=v) for g, v in zip(items, gains, strict=True)]
    scored.sort(key=lambda g: (-(g.gain or 0.0), -g.proposers, g.id))
    return [replace(g, rank=i) for i, g in enumerate(scored, start=1)]
