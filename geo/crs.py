"""Coordinate conversion: WGS-84 ⇄ GCJ-02 ⇄ BD-09, and WGS-84 ⇄ a local metric CRS.

Chinese map SDKs report GCJ-02 (Amap, Tencent) or BD-09 (Baidu), shifted by up
to several hundred metres from WGS-84. The datum shifts come from ``prcoords``
(a public-domain reference implementation). Points outside mainland China,
decided by a polygon (so Seoul, Hanoi, Hong Kong, Macau and Taipei too), are
left unshifted in every system: GCJ-02 is not applied there, and Baidu's maps
use WGS-84 abroad. The inverse transforms are
iterative and precise to about 1e-12 degrees. Everything here
takes and returns coordinates in (lon, lat) order.
"""

from __future__ import annotations

import gzip
import itertools
import json
import warnings
from functools import lru_cache
from pathlib import Path
from typing import cast

import numpy as np
import numpy.typing as npt
import prcoords
import pyproj
import shapely
import shapely.geometry
from numpy.typing import ArrayLike

from geo.errors import InvalidInputError, LocalizedInputError
from geo.types import CoordSystem

__all__ = [
    "COORD_SYSTEMS",
    "convert",
    "from_wgs84",
    "in_china",
    "local_crs",
    "parse_coord_system",
    "to_local",
    "to_wgs84",
]

COORD_SYSTEMS: tuple[CoordSystem, ...] = ("wgs84", "gcj02", "bd09")

_ALIASES: dict[str, CoordSystem] = {
    "wgs84": "wgs84",
    "wgs-84": "wgs84",
    "epsg:4326": "wgs84",
    "4326": "wgs84",
    "gps": "wgs84",
    "gcj02": "gcj02",
    "gcj-02": "gcj02",
    "gcj": "gcj02",
    "amap": "gcj02",
    "gaode": "gcj02",
    "tencent": "gcj02",
    "mars": "gcj02",
    "bd09": "bd09",
    "bd-09": "bd09",
    "bd09ll": "bd09",
    "baidu": "bd09",
}

FloatArray = npt.NDArray[np.float64]


def parse_coord_system(name: str, *, argument: str = "crs") -> CoordSystem:
    """Return the canonical name of a coordinate system, accepting common aliases.

    Examples
    --------
    >>> parse_coord_system("Amap")
    'gcj02'
    """
    key = str(name).strip().lower()
    if key not in _ALIASES:
        raise LocalizedInputError(
            f"{argument}={name!r} is not a known coordinate system; use one of "
            f"{', '.join(COORD_SYSTEMS)}",
            f"{argument}：未知的坐标系“{name}”；可选：wgs84（GPS 原始坐标）、"
            "gcj02（高德、腾讯地图）、bd09（百度地图）",
        )
    return _ALIASES[key]


MAINLAND_FILE = Path(__file__).resolve().parents[1] / "data" / "china_mainland_wgs84.geojson.gz"
"""Mainland China (no Hong Kong, Macau, Taiwan), WGS-84: where GCJ-02 and BD-09 apply."""


@lru_cache(maxsize=1)
def _mainland() -> shapely.Geometry:
    # Read on first use only (≈ 0.2 s): most runs convert nothing, or only Helsinki.
    with gzip.open(MAINLAND_FILE, "rt", encoding="utf-8") as fh:
        doc = json.load(fh)
    geom = shapely.geometry.shape(doc.get("geometry", doc))
    shapely.prepare(geom)
    return geom


def in_china(lon: ArrayLike, lat: ArrayLike) -> npt.NDArray[np.bool_]:
    """Whether WGS-84 points lie in mainland China, where GCJ-02 and BD-09 apply.

    Decided by the mainland polygon (``data/china_mainland_wgs84.geojson.gz``),
    not a lon/lat box: Seoul, Hanoi, Hong Kong, Macau and Taipei are outside.
    Vectorised: a box test first, then the prepared polygon on the rest.

    Examples
    --------
    >>> in_china([116.397, 126.978, 114.17], [39.909, 37.5665, 22.32]).tolist()
    [True, False, False]
    """
    x = np.asarray(lon, dtype=float)
    y = np.asarray(lat, dtype=float)
    out = np.array(_in_box(x, y, 0.0), dtype=bool, ndmin=1).reshape(x.shape or (1,))
    x, y = x.reshape(out.shape), y.reshape(out.shape)
    if out.any():
        out[out] = shapely.contains_xy(_mainland(), x[out], y[out])
    return out.reshape(np.shape(lon))


def _pair(fn_name: str) -> np.ufunc:
    fn = getattr(prcoords, fn_name)

    def one(lon: float, lat: float) -> tuple[float, float]:
        # prcoords takes and returns (lat, lon).
        out = fn((lat, lon), False)
        return out.lon, out.lat

    return np.frompyfunc(one, 2, 2)


_STEPS: dict[tuple[str, str], np.ufunc] = {
    ("wgs84", "gcj02"): _pair("wgs_gcj"),
    ("gcj02", "wgs84"): _pair("gcj_wgs_bored"),
    ("gcj02", "bd09"): _pair("gcj_bd"),
    ("bd09", "gcj02"): _pair("bd_gcj"),
}


_INVERSE_OF = {("gcj02", "wgs84"): ("wgs84", "gcj02"), ("bd09", "gcj02"): ("gcj02", "bd09")}


def _in_box(lon: FloatArray, lat: FloatArray, margin: float) -> npt.NDArray[np.bool_]:
    return (
        (lon >= 72.004 - margin)
        & (lon <= 137.8347 + margin)
        & (lat >= 0.8293 - margin)
        & (lat <= 55.8271 + margin)
    )


_MARGIN = 0.05  # degrees; more than GCJ-02 plus BD-09 ever shift a point


def _apply(lon: FloatArray, lat: FloatArray, src: str, dst: str) -> tuple[FloatArray, FloatArray]:
    """One datum step on every given point (the caller chose which points are in China)."""
    if lon.size == 0:
        return lon.copy(), lat.copy()
    with warnings.catch_warnings():
        # prcoords warns about points outside its box; the polygon decides, not the box.
        warnings.simplefilter("ignore", UserWarning)
        x, y = (a.astype(float) for a in _STEPS[(src, dst)](lon, lat))
        inverse = _INVERSE_OF.get((src, dst))
        if inverse:
            # prcoords' inverses stop at ~1e-7°; two fixed-point steps on the
            # forward transform bring them to ~1e-12°.
            for _ in range(2):
                fx, fy = _STEPS[inverse](x, y)
                x = x - (fx.astype(float) - lon)
                y = y - (fy.astype(float) - lat)
    return x, y


def _chain(src: CoordSystem, dst: CoordSystem) -> list[str]:
    return {
        ("wgs84", "bd09"): ["wgs84", "gcj02", "bd09"],
        ("bd09", "wgs84"): ["bd09", "gcj02", "wgs84"],
    }.get((src, dst), [src, dst] if src != dst else [src])


def _run(lon: FloatArray, lat: FloatArray, src: str, dst: str) -> tuple[FloatArray, FloatArray]:
    for a, b in itertools.pairwise(_chain(src, dst)):  # type: ignore[arg-type]
        lon, lat = _apply(lon, lat, a, b)
    return lon, lat


def _shift(x: FloatArray, y: FloatArray, src: CoordSystem, dst: CoordSystem) -> None:
    """Convert, in place, the points that stand for a WGS-84 position in mainland China.

    Outside it every system is plain WGS-84 (GCJ-02 is not applied there, and
    Baidu's maps use WGS-84 abroad). The decision is made on the WGS-84
    position only, so a round trip through any system closes: a point given
    in GCJ-02 or BD-09 (near the box) is first taken back to WGS-84, which is
    also the answer when WGS-84 is asked for.
    """
    if src == "wgs84":
        idx = np.flatnonzero(in_china(x, y))
        x[idx], y[idx] = _run(x[idx], y[idx], src, dst)
        return
    near = np.flatnonzero(_in_box(x, y, _MARGIN))
    wx, wy = _run(x[near], y[near], src, "wgs84")
    inside = in_china(wx, wy)
    idx = near[inside]
    if dst == "wgs84":
        x[idx], y[idx] = wx[inside], wy[inside]
    else:
        x[idx], y[idx] = _run(x[idx], y[idx], src, dst)


def _flat(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray, tuple[int, ...]]:
    """Copies of ``lon`` and ``lat`` as flat float arrays, and their common shape."""
    x = np.array(lon, dtype=float)
    y = np.array(lat, dtype=float)
    if x.shape != y.shape:
        raise InvalidInputError(f"lon and lat have different shapes: {x.shape} and {y.shape}")
    return x.ravel(), y.ravel(), x.shape


def convert(
    lon: ArrayLike, lat: ArrayLike, *, src: CoordSystem | str, dst: CoordSystem | str
) -> tuple[FloatArray, FloatArray]:
    """Convert points between WGS-84, GCJ-02 and BD-09.

    Parameters
    ----------
    lon, lat
        Longitudes and latitudes in degrees, scalars or arrays of one shape.
    src, dst
        Coordinate systems, ``wgs84``, ``gcj02`` or ``bd09`` (aliases such as
        ``amap`` or ``baidu`` are accepted).

    Returns
    -------
    tuple of numpy.ndarray
        Converted ``(lon, lat)`` as float arrays of the input's shape.

    Examples
    --------
    >>> x, y = convert(116.397, 39.909, src="wgs84", dst="gcj02")
    >>> round(float(x), 4), round(float(y), 4)
    (116.4032, 39.9104)
    >>> convert(24.94, 60.17, src="wgs84", dst="gcj02")[0].item()  # Helsinki: unshifted
    24.94
    """
    s = parse_coord_system(str(src), argument="src")
    d = parse_coord_system(str(dst), argument="dst")
    x, y, shape = _flat(lon, lat)
    if s != d:
        x, y = x.copy(), y.copy()
        _shift(x, y, s, d)
    return x.reshape(shape), y.reshape(shape)


def from_wgs84(lon: ArrayLike, lat: ArrayLike) -> dict[CoordSystem, tuple[FloatArray, FloatArray]]:
    """WGS-84 points in every system at once: the BD-09 step starts from the GCJ-02 points,
    so each point is shifted to GCJ-02 once (equal to :func:`convert` to each system).

    Examples
    --------
    >>> out = from_wgs84([116.397], [39.909])
    >>> [round(float(out[s][0][0]), 4) for s in COORD_SYSTEMS]
    [116.397, 116.4032, 116.4096]
    """
    x, y, shape = _flat(lon, lat)
    idx = np.flatnonzero(in_china(x, y))
    gx, gy, bx, by = x.copy(), y.copy(), x.copy(), y.copy()
    gx[idx], gy[idx] = _apply(x[idx], y[idx], "wgs84", "gcj02")
    bx[idx], by[idx] = _apply(gx[idx], gy[idx], "gcj02", "bd09")
    return {
        "wgs84": (x.reshape(shape), y.reshape(shape)),
        "gcj02": (gx.reshape(shape), gy.reshape(shape)),
        "bd09": (bx.reshape(shape), by.reshape(shape)),
    }


def to_wgs84(
    lon: ArrayLike, lat: ArrayLike, crs: CoordSystem | str
) -> tuple[FloatArray, FloatArray]:
    """Shorthand for ``convert(lon, lat, src=crs, dst="wgs84")``."""
    return convert(lon, lat, src=crs, dst="wgs84")


@lru_cache(maxsize=64)
def _utm_for(lon_c: float, lat_c: float) -> pyproj.CRS:
    zone = int((lon_c + 180) // 6) % 60 + 1
    return pyproj.CRS.from_epsg((32600 if lat_c >= 0 else 32700) + zone)


def local_crs(lon: ArrayLike, lat: ArrayLike) -> pyproj.CRS:
    """The UTM zone of the centre of the points' bounds, for city-scale metric geometry.

    Examples
    --------
    >>> local_crs([24.93, 24.95], [60.16, 60.18]).to_epsg()
    32635
    >>> local_crs([-46.67, -46.60], [-23.58, -23.52]).to_epsg()
    32723
    """
    x = np.asarray(lon, dtype=float)
    y = np.asarray(lat, dtype=float)
    if x.size == 0 or not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise InvalidInputError("local_crs needs at least one finite lon/lat point")
    lon_c = float((np.nanmin(x) + np.nanmax(x)) / 2)
    lat_c = float((np.nanmin(y) + np.nanmax(y)) / 2)
    return _utm_for(round(lon_c, 3), round(lat_c, 3))


@lru_cache(maxsize=64)
def _transformer(crs_wkt: str, inverse: bool) -> pyproj.Transformer:
    crs = pyproj.CRS.from_wkt(crs_wkt)
    if inverse:
        return pyproj.Transformer.from_crs(crs, 4326, always_xy=True)
    return pyproj.Transformer.from_crs(4326, crs, always_xy=True)


def to_local(
    lon: ArrayLike, lat: ArrayLike, crs: pyproj.CRS, *, inverse: bool = False
) -> tuple[FloatArray, FloatArray]:
    """Project WGS-84 lon/lat to metres in ``crs`` (or back, with ``inverse=True``)."""
    if crs is None:
        raise InvalidInputError("crs is required: pass the local metric CRS (see local_crs)")
    t = _transformer(crs.to_wkt(), inverse)
    x, y = t.transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return cast(FloatArray, np.asarray(x, dtype=float)), cast(
        FloatArray, np.asarray(y, dtype=float)
    )
