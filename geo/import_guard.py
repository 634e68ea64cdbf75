"""Checks that keep a station sheet from landing half a kilometre (or a country) off.

A sheet of Chinese stations in GCJ-02 (as Amap and Tencent show) imported as
WGS-84 sits 300-700 m from every station's real door, and nothing looks wrong.
So import asks: :func:`resolve_crs` refuses a sheet whose points lie in
mainland China when no one said which system they are in (the caller, the
file's own ``crs`` / ``坐标系`` column, or a declaration: :mod:`geo.sheet_crs`).
:func:`swapped_rows` and :func:`far_rows` find the typical typos: lon and lat
exchanged, a point hundreds of kilometres from every other row.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from scipy.spatial import cKDTree

from geo.crs import COORD_SYSTEMS, in_china, parse_coord_system
from geo.errors import InvalidInputError
from geo.types import CoordSystem

__all__ = [
    "DEFAULT_FAR_KM",
    "UNDECLARED_CRS",
    "far_rows",
    "nearest_other_km",
    "resolve_crs",
    "swapped_rows",
]

DEFAULT_FAR_KM = 200.0
"""A row farther than this from every other row of its sheet is reported."""

EARTH_RADIUS_KM = 6371.0088

UNDECLARED_CRS = (
    "the points lie in mainland China but no coordinate system was given: are they "
    "WGS-84 (GPS; --crs wgs84), GCJ-02 (as Amap and Tencent show; --crs gcj02) or BD-09 "
    "(as Baidu shows; --crs bd09)? (A region can declare it: crs in the regions file; "
    "so can the registry: stationfinder registry-crs.) / "
    "坐标位于中国大陆，但未说明坐标系：请指明是 WGS-84"
    "（GPS 原始坐标，--crs wgs84）、GCJ-02（高德、腾讯地图，--crs gcj02）还是 BD-09"
    "（百度地图，--crs bd09）？（也可在区域文件中为区域声明 crs，或用 stationfinder registry-crs "
    "为整个站点库声明）"
)
"""The refusal of a mainland sheet with no declared system, in English and Chinese."""


def resolve_crs(
    given: CoordSystem | str | None,
    file_values: Sequence[str],
    default: CoordSystem | str | None,
    lon: npt.ArrayLike,
    lat: npt.ArrayLike,
) -> CoordSystem:
    """The coordinate system of a sheet, or an error saying what is missing or at odds.

    Parameters
    ----------
    given
        What the caller said (``--crs``, the ``crs`` form field); None when nothing.
    file_values
        The values of the file's own ``crs`` column (empty when it has none).
    default
        The deployment's or registry's declared default; None when none.
    lon, lat
        The sheet's valid coordinates, as written.

    Raises
    ------
    InvalidInputError
        The file's column holds several systems, or disagrees with ``given``,
        or the points lie in mainland China and nothing declared the system.
    """
    declared = sorted({parse_coord_system(v, argument="crs column") for v in file_values if v})
    if len(declared) > 1:
        raise InvalidInputError(f"the file's crs column mixes {', '.join(declared)}: use one")
    file_crs = declared[0] if declared else None
    if given is not None:
        system = parse_coord_system(str(given))
        if file_crs is not None and file_crs != system:
            raise InvalidInputError(
                f"crs={system} was given but the file says its coordinates are {file_crs}"
            )
        return system
    if file_crs is not None:
        return file_crs
    if default is not None:
        return parse_coord_system(str(default), argument="default crs")
    if np.any(in_china(lon, lat)):
        raise InvalidInputError(UNDECLARED_CRS)
    return COORD_SYSTEMS[0]


def swapped_rows(lon: npt.ArrayLike, lat: npt.ArrayLike) -> npt.NDArray[np.bool_]:
    """Rows whose lon and lat look exchanged.

    A latitude beyond ±90 with a longitude that could be one, or a point
    outside mainland China that lands inside it once exchanged (a Chinese
    sheet's 28.19, 112.98 is Changsha written lat first).
    """
    x = np.asarray(lon, dtype=float)
    y = np.asarray(lat, dtype=float)
    with np.errstate(invalid="ignore"):
        out: npt.NDArray[np.bool_] = (np.abs(y) > 90) & (np.abs(x) <= 90)
    finite = np.isfinite(x) & np.isfinite(y)
    out[finite] |= ~in_china(x[finite], y[finite]) & in_china(y[finite], x[finite])
    return out


def _unit(lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    lo, la = np.radians(lon), np.radians(lat)
    return np.column_stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)])


def nearest_other_km(lon: npt.ArrayLike, lat: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Great-circle distance (km, on the mean sphere) from each point to the nearest other one.

    ``inf`` for a lone point. Exact neighbours: a k-d tree on unit vectors,
    where chord order is great-circle order.
    """
    x = np.asarray(lon, dtype=float)
    y = np.asarray(lat, dtype=float)
    if x.size < 2:
        return np.full(x.size, np.inf)
    chord = np.asarray(cKDTree(_unit(x, y)).query(_unit(x, y), k=2)[0], dtype=float)
    angle = 2 * np.arcsin(np.clip(chord[:, 1] / 2, 0.0, 1.0))
    return np.asarray(angle * EARTH_RADIUS_KM, dtype=float)


def far_rows(
    lon: npt.ArrayLike, lat: npt.ArrayLike, *, far_km: float = DEFAULT_FAR_KM
) -> npt.NDArray[np.bool_]:
    """Rows farther than ``far_km`` from every other row: the typos of a clustered sheet.

    Only when most rows have a neighbour within ``far_km``: in a sheet of
    two rows, or a sparse national list, no row stands out from the others.

    Examples
    --------
    >>> far_rows([112.98, 112.99, 113.0, 116.4], [28.19, 28.2, 28.21, 39.9]).tolist()
    [False, False, False, True]
    """
    if not far_km > 0:
        raise InvalidInputError(f"far_km={far_km!r} must be a positive number of kilometres")
    d = nearest_other_km(lon, lat)
    far = np.asarray(np.isfinite(d) & (d > far_km), dtype=bool)
    if 2 * far.sum() >= far.size:
        far[:] = False
    return far
