"""Exact ellipsoidal distances, compiled: Vincenty's inverse on WGS-84 with a pyproj fallback.

``pyproj.Geod.inv`` (Karney's algorithm) solves about 2 M lines a second per
core, which caps a nearest search that needs five exact distances per query
near 0.4 M queries a second. Vincenty's inverse in numba solves several
times that and agrees with pyproj to 1e-8 m on lines up to
:data:`VINCENTY_MAX_M` (tests compare them on random pairs over China and the
world; lines over :data:`EXACT_FROM_M` get two steps with the exact longitude
equation, as Vincenty's truncated series drifts by about 7e-12 of the
length). Longer lines and nearly antipodal ones, where its iteration may
not converge, are flagged so the caller solves them with pyproj.

:func:`refine` is the compiled last step of a k-nearest search. Each query
comes with candidates in ascending ellipsoid-chord order (a k-d tree's
answer) and ``reach``, a chord no unseen point is closer than. Once the k-th
exact distance found is below the next candidate's chord, no later candidate
and no unseen point can enter the top k: only the candidates that could
change the order are solved. (It lives beside :func:`vincenty` because
numba's disk cache of a function is not invalidated when a function it
calls changes in another module.)

The ellipsoid chord (straight line through the Earth between the two points
on the ellipsoid) is a lower bound of the geodesic, because a straight line
is the shortest curve between two points; :func:`ecef` gives the points whose
chords a k-d tree ranks.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import pyproj
from numba import njit, prange
from numpy.typing import ArrayLike

__all__ = [
    "DONE",
    "MARGIN_M",
    "MORE",
    "PARALLEL_FROM",
    "REFERENCE",
    "VINCENTY_MAX_M",
    "WGS84_A",
    "ecef",
    "inverse",
    "refine",
]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

WGS84_A = 6_378_137.0
WGS84_F = 1.0 / 298.257223563
_B = WGS84_A * (1.0 - WGS84_F)
_E2 = WGS84_F * (2.0 - WGS84_F)
VINCENTY_MAX_M = 2_000_000.0
"""Longest line solved here; longer ones are flagged for pyproj (10 quadrature nodes
are exact to rounding up to this length; tests compare against pyproj up to it)."""
_GEOD = pyproj.Geod(ellps="WGS84")
# Gauss-Legendre nodes on [-1, 1]: the integrands are within 0.7 % of constant and
# smooth, so 10 nodes give them to rounding error over a 2,000 km line.
_GL_X, _GL_W = np.polynomial.legendre.leggauss(10)
EXACT_FROM_M = 20_000.0
"""Lines longer than this get the exact longitude equation (Vincenty's alone is off by
about 7e-12 of the length: 1.4e-7 m here, 3.7e-6 m at 500 km)."""


def ecef(lon: ArrayLike, lat: ArrayLike) -> FloatArray:
    """Earth-centred coordinates in metres, shape ``(n, 3)``, of points on the WGS-84 ellipsoid."""
    lam = np.radians(np.asarray(lon, dtype=float)).reshape(-1)
    phi = np.radians(np.asarray(lat, dtype=float)).reshape(-1)
    sphi = np.sin(phi)
    n = WGS84_A / np.sqrt(1.0 - _E2 * sphi * sphi)
    cphi = np.cos(phi)
    return np.column_stack([n * cphi * np.cos(lam), n * cphi * np.sin(lam), n * (1.0 - _E2) * sphi])


@njit(cache=True, nogil=True, inline="always")
def _reduced(lat: float) -> tuple[float, float]:
    """Sine and cosine of the reduced latitude, tan(beta) = (1 - f) tan(phi), without atan."""
    phi = math.radians(lat)
    sp, cp = (1.0 - WGS84_F) * math.sin(phi), math.cos(phi)
    r = math.hypot(sp, cp)
    return sp / r, cp / r


@njit(cache=True, nogil=True, fastmath=False)
def vincenty(lon1: float, lat1: float, lon2: float, lat2: float) -> tuple[float, float, bool]:
    """Distance (m), forward azimuth (degrees, -180..180) and whether the line can be trusted."""
    f = WGS84_F
    if lat1 == lat2 and lon1 == lon2:
        return 0.0, 180.0, True
    dlon = lon2 - lon1
    dl = math.radians(dlon - 360.0 * math.floor(dlon / 360.0 + 0.5))
    su1, cu1 = _reduced(lat1)
    su2, cu2 = _reduced(lat2)
    lam = dl
    sin_sig = cos_sig = sig = cos2a = cos2sm = 0.0
    sl = cl = 0.0
    ok = False
    for _ in range(200):
        sl, cl = math.sin(lam), math.cos(lam)
        t1 = cu2 * sl
        t2 = cu1 * su2 - su1 * cu2 * cl
        sin_sig = math.sqrt(t1 * t1 + t2 * t2)
        if sin_sig == 0.0:
            return 0.0, 180.0, True
        cos_sig = su1 * su2 + cu1 * cu2 * cl
        sig = math.atan2(sin_sig, cos_sig)
        sin_a = cu1 * cu2 * sl / sin_sig
        cos2a = 1.0 - sin_a * sin_a
        cos2sm = cos_sig - 2.0 * su1 * su2 / cos2a if cos2a != 0.0 else 0.0
        c = f / 16.0 * cos2a * (4.0 + f * (4.0 - 3.0 * cos2a))
        prev = lam
        lam = dl + (1.0 - c) * f * sin_a * (
            sig + c * sin_sig * (cos2sm + c * cos_sig * (-1.0 + 2.0 * cos2sm * cos2sm))
        )
        if abs(lam) > math.pi:
            break
        if abs(lam - prev) < 1e-15:
            ok = True
            break
    if not ok:
        return math.nan, math.nan, False
    # The distance by Helmert's expansion in k1 (Vincenty 1976), more accurate than the A/B series.
    u2sq = cos2a * (WGS84_A * WGS84_A - _B * _B) / (_B * _B)
    r = math.sqrt(1.0 + u2sq)
    k1 = (r - 1.0) / (r + 1.0)
    aa = (1.0 + 0.25 * k1 * k1) / (1.0 - k1)
    bb = k1 * (1.0 - 0.375 * k1 * k1)
    dsig = (
        bb
        * sin_sig
        * (
            cos2sm
            + 0.25
            * bb
            * (
                cos_sig * (-1.0 + 2.0 * cos2sm * cos2sm)
                - bb
                / 6.0
                * cos2sm
                * (-3.0 + 4.0 * sin_sig * sin_sig)
                * (-3.0 + 4.0 * cos2sm * cos2sm)
            )
        )
    )
    s = _B * aa * (sig - dsig)
    if s > EXACT_FROM_M:
        # Vincenty's longitude equation is a series truncated at order f**3. Two more
        # fixed-point steps with its exact integral (Karney 2013, eq. 8, by Gauss-Legendre
        # quadrature) remove that error; the distance is the exact integral (eq. 7) too.
        ep2 = (WGS84_A * WGS84_A - _B * _B) / (_B * _B)
        s = 0.0
        for _ in range(3):
            sl, cl = math.sin(lam), math.cos(lam)
            t1 = cu2 * sl
            t2 = cu1 * su2 - su1 * cu2 * cl
            sin_sig = math.sqrt(t1 * t1 + t2 * t2)
            cos_sig = su1 * su2 + cu1 * cu2 * cl
            sig = math.atan2(sin_sig, cos_sig)
            sin_a = cu1 * cu2 * sl / sin_sig
            k2 = ep2 * (1.0 - sin_a * sin_a)
            sig1 = math.atan2(su1, cu1 * (t2 / sin_sig))
            mid, half = sig1 + 0.5 * sig, 0.5 * sig
            i3 = 0.0
            s = 0.0
            for j in range(_GL_X.size):
                st = math.sin(mid + half * _GL_X[j])
                root = math.sqrt(1.0 + k2 * st * st)
                i3 += _GL_W[j] * (2.0 - f) / (1.0 + (1.0 - f) * root)
                s += _GL_W[j] * root
            prev = lam
            lam = dl + f * sin_a * half * i3
            if abs(lam - prev) < 1e-15:
                break
        s = _B * half * s
    az = math.degrees(math.atan2(cu2 * sl, cu1 * su2 - su1 * cu2 * cl))
    return s, az, s <= VINCENTY_MAX_M


@njit(cache=True, nogil=True, parallel=True)
def _inverse_many(lon1, lat1, lon2, lat2):  # type: ignore[no-untyped-def]
    n = lon1.size
    dist = np.empty(n)
    az = np.empty(n)
    ok = np.empty(n, np.bool_)
    for i in prange(n):
        dist[i], az[i], ok[i] = vincenty(lon1[i], lat1[i], lon2[i], lat2[i])
    return dist, az, ok


def inverse(
    lon1: ArrayLike, lat1: ArrayLike, lon2: ArrayLike, lat2: ArrayLike
) -> tuple[FloatArray, FloatArray]:
    """Geodesic distance (m) and forward azimuth (degrees, -180..180) of many lines on WGS-84.

    Vincenty's inverse where it is trusted, ``pyproj.Geod.inv`` for the rest.

    Examples
    --------
    >>> d, az = inverse([116.397], [39.909], [116.46], [39.95])
    >>> round(float(d[0]), 6), round(float(az[0]), 6)
    (7051.660807, 49.77111)
    """
    x1, y1, x2, y2 = (
        np.ascontiguousarray(a, dtype=float).reshape(-1) for a in (lon1, lat1, lon2, lat2)
    )
    x1, y1, x2, y2 = np.broadcast_arrays(x1, y1, x2, y2)
    dist, az, ok = _inverse_many(*(np.ascontiguousarray(a) for a in (x1, y1, x2, y2)))
    bad = ~ok
    if bad.any():
        a, _, d = _GEOD.inv(x1[bad], y1[bad], x2[bad], y2[bad])
        dist[bad] = d
        az[bad] = a
    return dist, az


DONE, MORE, REFERENCE = 0, 1, 2
"""Per-query status: answered; needs more candidates; needs the pyproj reference path."""
# Slack on the chord bound for Vincenty's error (under 1e-5 m on trusted lines):
# a candidate is skipped only when its chord beats the k-th distance by more.
MARGIN_M = 1e-3
# Two answers closer than this may be ordered differently by Vincenty and by
# pyproj; such queries are answered by the reference path.
TIE_M = 3e-5


@njit(cache=True, nogil=True)
def _insert(keys, dist, az, cnt, key, d, a):  # type: ignore[no-untyped-def]
    """Insert (d, key) into the sorted top list of capacity ``keys.size``; return the new count."""
    k = keys.size
    j = cnt if cnt < k else k - 1
    if cnt == k and (d > dist[j] or (d == dist[j] and key > keys[j])):
        return cnt
    while j > 0 and (dist[j - 1] > d or (dist[j - 1] == d and keys[j - 1] > key)):
        keys[j], dist[j], az[j] = keys[j - 1], dist[j - 1], az[j - 1]
        j -= 1
    keys[j], dist[j], az[j] = key, d, a
    return cnt + 1 if cnt < k else k


@njit(cache=True, nogil=True)
def _refine_row(  # type: ignore[no-untyped-def]
    i, qlon, qlat, ckey, clon, clat, chord, valid, reach, max_dist, out_key, out_d, out_az
):
    """Query ``i`` of :func:`refine`; returns its status."""
    m = ckey.shape[1]
    k = out_key.shape[1]
    keys = out_key[i]
    dist = out_d[i]
    az = out_az[i]
    cnt = 0
    # smallest exact distance solved but left out of the top k
    spill = np.inf
    st = MORE
    for j in range(m):
        c = chord[i, j]
        if c > reach[i]:
            # merged lists (tree and write buffer) may hold candidates past a gap
            # of unseen points: the reach test below decides
            break
        if c > max_dist or (cnt == k and c > dist[k - 1] + MARGIN_M):
            st = DONE
            break
        if not valid[i, j]:
            continue
        d, a, ok = vincenty(qlon[i], qlat[i], clon[i, j], clat[i, j])
        if not ok:
            st = REFERENCE
            break
        if d > max_dist:
            continue
        if cnt == k:
            last = dist[k - 1]
            if d > last or (d == last and ckey[i, j] > keys[k - 1]):
                spill = min(spill, d)
            else:
                spill = min(spill, last)
        cnt = _insert(keys, dist, az, cnt, ckey[i, j], d, a)
    if st == MORE and (
        reach[i] == np.inf
        or reach[i] > max_dist
        or (cnt == k and reach[i] > dist[k - 1] + MARGIN_M)
    ):
        st = DONE
    if st == DONE:
        # near ties inside the top k or at its edge go to the reference path
        top = min(cnt, k)
        for j in range(1, top):
            if dist[j] - dist[j - 1] < TIE_M:
                st = REFERENCE
        if top == k and spill - dist[k - 1] < TIE_M:
            st = REFERENCE
    for j in range(cnt, k):
        keys[j] = -1
        dist[j] = np.inf
        az[j] = np.nan
    return st


@njit(cache=True, nogil=True, parallel=True)
def _refine_parallel(  # type: ignore[no-untyped-def]
    qlon, qlat, ckey, clon, clat, chord, valid, reach, max_dist, out_key, out_d, out_az, status
):
    for i in prange(ckey.shape[0]):
        status[i] = _refine_row(
            i, qlon, qlat, ckey, clon, clat, chord, valid, reach, max_dist, out_key, out_d, out_az
        )


@njit(cache=True, nogil=True)
def _refine_serial(  # type: ignore[no-untyped-def]
    qlon, qlat, ckey, clon, clat, chord, valid, reach, max_dist, out_key, out_d, out_az, status
):
    for i in range(ckey.shape[0]):
        status[i] = _refine_row(
            i, qlon, qlat, ckey, clon, clat, chord, valid, reach, max_dist, out_key, out_d, out_az
        )


PARALLEL_FROM = 256
"""Batches at least this large run on all cores; smaller ones (a single API query) run
in the calling thread, where waking a thread pool would cost more than the work."""


def refine(
    qlon: FloatArray,
    qlat: FloatArray,
    ckey: npt.NDArray[np.int64],
    clon: FloatArray,
    clat: FloatArray,
    chord: FloatArray,
    valid: BoolArray,
    reach: FloatArray,
    max_dist: float,
    out_key: npt.NDArray[np.int64],
    out_d: FloatArray,
    out_az: FloatArray,
    status: npt.NDArray[np.int8],
) -> None:
    """Fill ``out_*`` (shape ``(q, k)``) and ``status`` for each query; see the module docstring.

    ``ckey``, ``clon``, ``clat``, ``chord`` and ``valid`` are ``(q, m)``
    candidates sorted by chord per row; ``reach`` a chord no unseen point
    is closer than; ``max_dist`` is ``inf`` for no limit.
    """
    run = _refine_parallel if ckey.shape[0] >= PARALLEL_FROM else _refine_serial
    run(qlon, qlat, ckey, clon, clat, chord, valid, reach, max_dist, out_key, out_d, out_az, status)
