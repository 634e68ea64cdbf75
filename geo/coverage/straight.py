"""Straight-line (geodesic) coverage counts: stations within a radius of each point."""

from __future__ import annotations

from typing import cast

import numpy as np
import numpy.typing as npt
import pyproj
from scipy.spatial import cKDTree

from geo._validate import check_lonlat
from geo.coverage._graph import (
    check_positive,
)

__all__ = ["straight_counts"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]


_GEOD = pyproj.Geod(ellps="WGS84")


def straight_counts(
    st_lon: FloatArray, st_lat: FloatArray, lon: FloatArray, lat: FloatArray, radius_m: float
) -> tuple[npt.NDArray[np.int64], FloatArray, IntArray]:
    """Per point: stations within ``radius_m`` (geodesic), nearest distance and station.

    Candidates come from a k-d tree on unit-sphere vectors with a 1 % margin;
    each candidate pair is then measured on the WGS-84 ellipsoid.
    """
    from geo.spatial_index import metres_to_chord, unit_vectors

    check_positive(radius_m=radius_m)
    st_lon, st_lat = check_lonlat(st_lon, st_lat, names=("st_lon", "st_lat"))
    lon, lat = check_lonlat(lon, lat)
    count = np.zeros(lon.size, dtype=np.int64)
    near_d = np.full(lon.size, np.inf)
    near_s = np.full(lon.size, -1, dtype=np.intp)
    if st_lon.size == 0 or lon.size == 0:
        return count, near_d, near_s
    tree = cKDTree(unit_vectors(st_lon, st_lat))
    pv = unit_vectors(lon, lat)
    _, idx = tree.query(pv, k=1)
    _, _, d = _GEOD.inv(lon, lat, st_lon[idx], st_lat[idx])
    near_d, near_s = np.asarray(d, dtype=float), np.asarray(idx).astype(np.intp)
    # An object array of lists (the stubs say list[int]).
    lists = cast(
        "list[list[int]]", tree.query_ball_point(pv, r=float(metres_to_chord(radius_m / 0.99)))
    )
    lengths = np.array([len(x) for x in lists])
    qi = np.repeat(np.arange(lon.size), lengths)
    si = np.concatenate([np.asarray(x, dtype=np.intp) for x in lists]) if qi.size else qi
    if qi.size:
        _, _, dd = _GEOD.inv(lon[qi], lat[qi], st_lon[si], st_lat[si])
        inside = np.asarray(dd) <= radius_m
        count = np.bincount(qi[inside], minlength=lon.size).astype(np.int64)
    return count, near_d, near_s
