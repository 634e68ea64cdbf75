"""Which coordinate system does a sheet use? Ask the streets.

Stations stand on or beside streets. Read as the right system, a sheet's
points lie a few metres from the nearest street; read as the wrong one they
are shifted by 300-700 m (GCJ-02 against WGS-84 in Shenzhen) and land
between streets, typically tens of metres from the nearest one. So
:func:`check_crs_against_streets` reads the sheet's coordinates as WGS-84,
GCJ-02 and BD-09 in turn, measures the median distance of the points to the
nearest street segment of a network under each, and warns when another system
fits much better than the declared one.

Outside mainland China the three systems are the same, so are the medians,
and no warning is given.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from geo.crs import COORD_SYSTEMS, convert, parse_coord_system
from geo.errors import InvalidInputError
from geo.network import StreetNetwork
from geo.types import CoordSystem

__all__ = ["CrsFit", "check_crs_against_streets"]

_SEARCH_M = 2000.0  # points farther from every street than this do not count


@dataclass(frozen=True, slots=True)
class CrsFit:
    """How well a sheet's points fit the streets under each coordinate system.

    Attributes
    ----------
    declared
        The system the sheet was imported as.
    median_m
        Median distance (m) from the points to the nearest street, per system
        (``nan`` when no point lies within 2 km of a street).
    points
        How many points were measured (within 2 km of a street).
    best
        The system with the smallest median.
    warning
        A sentence in English and Chinese when ``best`` fits much better than
        ``declared``; None otherwise.
    """

    declared: CoordSystem
    median_m: dict[CoordSystem, float]
    points: int
    best: CoordSystem
    warning: str | None


def check_crs_against_streets(
    lon: npt.ArrayLike,
    lat: npt.ArrayLike,
    network: StreetNetwork,
    *,
    declared: CoordSystem | str,
    ratio: float = 3.0,
    min_gain_m: float = 10.0,
) -> CrsFit:
    """Median distance to the streets of the sheet's points under each system.

    Parameters
    ----------
    lon, lat
        The coordinates as written in the sheet (not converted).
    network
        A street network of the sheet's area.
    declared
        The system the sheet is (to be) imported as.
    ratio, min_gain_m
        Warn when another system's median is ``ratio`` times smaller than the
        declared one's and at least ``min_gain_m`` metres smaller.

    Returns
    -------
    CrsFit
        The medians, the best system and any warning.
    """
    system = parse_coord_system(str(declared))
    if not (ratio > 1 and min_gain_m >= 0):
        raise InvalidInputError(f"ratio={ratio} must be > 1 and min_gain_m={min_gain_m} >= 0")
    x = np.asarray(lon, dtype=float)
    y = np.asarray(lat, dtype=float)
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    medians: dict[CoordSystem, float] = {}
    counted = 0
    for s in COORD_SYSTEMS:
        wx, wy = convert(x, y, src=s, dst="wgs84")
        off = network.snap(wx, wy, max_snap_m=_SEARCH_M).offset_m
        near = off[np.isfinite(off)]
        medians[s] = float(np.median(near)) if near.size else float("nan")
        counted = max(counted, int(near.size))
    finite = {s: m for s, m in medians.items() if np.isfinite(m)}
    best = min(finite, key=lambda s: finite[s]) if finite else system
    warning = None
    here, there = medians[system], medians[best]
    if best != system and np.isfinite(here) and here > ratio * there and here - there >= min_gain_m:
        warning = (
            f"the points lie a median {here:.0f} m from the nearest street read as {system}, "
            f"but {there:.0f} m read as {best}: are they in {best}? (--crs {best}) / "
            f"按 {system} 读取时各点距最近道路的中位距离为 {here:.0f} 米，按 {best} 读取时为 "
            f"{there:.0f} 米：坐标系是否应为 {best}？"
        )
    return CrsFit(system, medians, counted, best, warning)
