"""Exact ellipsoidal distances, compiled: a chord series for short lines, Vincenty's inverse
for longer ones, pyproj for the rest.

``pyproj.Geod.inv`` (Karney's algorithm) solves about 2 M lines a second per
core, which caps a nearest search that needs five exact distances per query
near 0.4 M queries a second; Vincenty's iteration in numba costs about 250 ns a
line. Neither library has what a nearest search has in hand: the Earth-centred
points and their chord. For lines up to :data:`SERIES_MAX_M` the geodesic is
found from the chord in closed form (:func:`_short_line`, about 40 ns):

* A geodesic's principal normal is the surface normal, so its curvature is the
  normal curvature ``kappa = cos(a)**2 / M + sin(a)**2 / N`` of its direction
  ``a``. Expanding the curve about its midpoint (odd terms cancel),
  ``chord = (2 / kappa) * sin(kappa * s / 2)`` up to terms in ``s**5 kappa**4``
  that carry the derivatives of ``kappa`` and the geodesic torsion (factors of
  ``e**2``, below 1e-10 m at 20 km). So ``s = (2 / kappa) * asin(kappa * chord / 2)``
  with ``kappa`` at the midpoint, whose normal is the mean of the two end normals
  and whose direction is the chord's.
* The chord's azimuth at the first point is the normal section's; the
  geodesic's differs by ``s**2 * kappa * tau / 6 + s**3 (2 kappa' tau + kappa
  tau') / 24`` (``tau``, the geodesic torsion ``(1/M - 1/N) sin(a) cos(a)``;
  the curve's third and fourth derivatives along the surface normal's Darboux
  frame). Taking ``kappa`` at the midpoint and ``tau`` at the quarter point
  from the first point gives both terms.

Tests compare both with pyproj on random lines worldwide; measured on
400,000 lines up to 50 km: distance within 9e-9 m, azimuth within 1.2e-8 m
of sideways offset at the far end (at 100 km already 2.6e-7 m and 3.3e-7 m,
hence the limit).
Vincenty's inverse (with the exact longitude equation on lines over
:data:`EXACT_FROM_M`) solves lines up to :data:`VINCENTY_MAX_M`; longer lines
and nearly antipodal ones, where its iteration may not converge, are flagged
so the caller solves them with pyproj.

:func:`refine` is the compiled last step of a k-nearest search. Each query
comes with candidates in ascending ellipsoid-chord order (a k-d tree's
answer) and ``reach``, a chord no unseen point is closer than. Once the k-th
exact distance found is below the next candidate's chord, no later candidate
and no unseen point can enter the top k: only the candidates that could
change the order are solved. (Every compiled function lives in this module
because numba's disk cache of a function is not invalidated when a function
it calls changes in another module.)

The ellipsoid chord (straight line through the Earth between the two points
on the ellipsoid) is a lower bound of the geodesic, because a straight line
is the shortest curve between two points; :func:`points` gives the
Earth-centred coordinates whose chords a k-d tree ranks.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import pyproj
from numba import njit
from numpy.typing import ArrayLike

from geo._parallel import run_chunks

__all__ = [
    "DONE",
    "MARGIN_M",
    "MORE",
    "REFERENCE",
    "SERIES_MAX_M",
    "VINCENTY_MAX_M",
    "WGS84_A",
    "ecef",
    "inverse_points",
    "points",
    "refine",
]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]

WGS84_A = 6_378_137.0
WGS84_F = 1.0 / 298.257223563
_B = WGS84_A * (1.0 - WGS84_F)
_E2 = WGS84_F * (2.0 - WGS84_F)
VINCENTY_MAX_M = 2_000_000.0
"""Longest line solved here; longer ones are flagged for pyproj (10 quadrature nodes
are exact to rounding up to this length; tests compare against pyproj up to it)."""
SERIES_MAX_M = 50_000.0
"""Longest chord solved by the closed-form series (errors under 1e-8 m in distance and
sideways there, measured against pyproj); longer lines take Vincenty's."""
_GEOD = pyproj.Geod(ellps="WGS84")
# Gauss-Legendre nodes on [-1, 1]: the integrands are within 0.7 % of constant and
# smooth, so 10 nodes give them to rounding error over a 2,000 km line.
_GL_X, _GL_W = np.polynomial.legendre.leggauss(10)
EXACT_FROM_M = 20_000.0
"""Lines longer than this get the exact longitude equation (Vincenty's alone is off by
about 7e-12 of the length: 1.4e-7 m here, 3.7e-6 m at 500 km)."""
# Closer than this to a pole (squared cosine of the latitude), the azimuth depends
# on the longitude convention: such lines take Vincenty's.
_POLAR_COS2 = 1e-18


def points(lon: ArrayLike, lat: ArrayLike) -> FloatArray:
    """What the compiled functions take of each point, shape ``(n, 8)``: lon, lat (degrees),
    Earth-centred x, y, z on the WGS-84 ellipsoid (m) and the unit surface normal."""
    lam = np.radians(np.asarray(lon, dtype=float)).reshape(-1)
    phi = np.radians(np.asarray(lat, dtype=float)).reshape(-1)
    sphi, cphi = np.sin(phi), np.cos(phi)
    slam, clam = np.sin(lam), np.cos(lam)
    n = WGS84_A / np.sqrt(1.0 - _E2 * sphi * sphi)
    out = np.empty((lam.size, 8))
    out[:, 0] = np.asarray(lon, dtype=float).reshape(-1)
    out[:, 1] = np.asarray(lat, dtype=float).reshape(-1)
    out[:, 2], out[:, 3], out[:, 4] = n * cphi * clam, n * cphi * slam, n * (1.0 - _E2) * sphi
    out[:, 5], out[:, 6], out[:, 7] = cphi * clam, cphi * slam, sphi
    return out


def ecef(lon: ArrayLike, lat: ArrayLike) -> FloatArray:
    """Earth-centred coordinates in metres, shape ``(n, 3)``, of points on the WGS-84 ellipsoid."""
    return np.ascontiguousarray(points(lon, lat)[:, 2:5])


@njit(cache=True, nogil=True, inline="always", error_model="numpy")
def _curvatures(dx, dy, dz, mx, my, mz):  # type: ignore[no-untyped-def]
    """At the point of the ellipsoid whose normal is along (mx, my, mz), unnormalised:
    1/N, 1/M, and cos(a)**2 and sin(a) cos(a) of the direction a of the vector (dx, dy, dz)
    in its tangent plane."""
    mm = mx * mx + my * my + mz * mz
    # east and north components, both scaled by cos(latitude) * |m|
    east = -dx * my + dy * mx
    north = (-mz * (dx * mx + dy * my) + (mx * mx + my * my) * dz) / math.sqrt(mm)
    t2 = east * east + north * north
    w2 = 1.0 - _E2 * mz * mz / mm
    w = math.sqrt(w2)
    if t2 == 0.0:  # at a pole, where M = N
        return w / WGS84_A, w2 * w / (WGS84_A * (1.0 - _E2)), 1.0, 0.0
    return w / WGS84_A, w2 * w / (WGS84_A * (1.0 - _E2)), north * north / t2, east * north / t2


@njit(cache=True, nogil=True, inline="always", error_model="numpy")
def _short_line(a, i, bx, by, bz):  # type: ignore[no-untyped-def]
    """Distance (m) and forward azimuth (radians) from ``a[i]`` (a row of :func:`points`) to
    the point (bx, by, bz) on the ellipsoid by the chord series of the module docstring;
    valid for chords up to SERIES_MAX_M. (Rows are read by index: a row view per line
    would cost reference counts; the second point's normal is found from its coordinates.)"""
    p0, p1, p2, p3, p4 = a[i, 2], a[i, 3], a[i, 4], a[i, 5], a[i, 6]
    p5 = a[i, 7]
    dx, dy, dz = bx - p0, by - p1, bz - p2
    c2 = dx * dx + dy * dy + dz * dz
    if c2 == 0.0:
        return 0.0, math.pi
    # the unit normal at (bx, by, bz) is along (x, y, z / (1 - e**2))
    zn = bz / (1.0 - _E2)
    inv = 1.0 / math.sqrt(bx * bx + by * by + zn * zn)
    q3, q4, q5 = bx * inv, by * inv, zn * inv
    # the normal curvature at the midpoint, whose normal is near n_p + n_q
    inv_n, inv_m, cos2a, _ = _curvatures(dx, dy, dz, p3 + q3, p4 + q4, p5 + q5)
    kappa = inv_n + cos2a * (inv_m - inv_n)
    s = 2.0 / kappa * math.asin(0.5 * math.sqrt(c2) * kappa)
    # the geodesic torsion at the quarter point from p, whose normal is near 3 n_p + n_q
    inv_n, inv_m, _, sc = _curvatures(dx, dy, dz, 3.0 * p3 + q3, 3.0 * p4 + q4, 3.0 * p5 + q5)
    tau = (inv_m - inv_n) * sc
    # normal-section azimuth at p from the chord (both components scaled by cos(lat_p)),
    # turned to the geodesic's by s^2 kappa tau / 6
    e_p = -dx * p4 + dy * p3
    n_p = -p5 * (dx * p3 + dy * p4) + (p3 * p3 + p4 * p4) * dz
    return s, math.atan2(e_p, n_p) - s * s / 6.0 * kappa * tau


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


@njit(cache=True, nogil=True, inline="always", error_model="numpy")
def _line(a, i, bx, by, bz, b, j):  # type: ignore[no-untyped-def]
    """Distance (m), forward azimuth (degrees, -180..180) and whether it can be trusted,
    from ``a[i]`` to the point (bx, by, bz), which is ``b[j]`` (rows of :func:`points`):
    the series for short lines, else Vincenty's (the only reader of ``b``)."""
    dx, dy, dz = bx - a[i, 2], by - a[i, 3], bz - a[i, 4]
    if (
        dx * dx + dy * dy + dz * dz <= SERIES_MAX_M * SERIES_MAX_M
        and a[i, 5] * a[i, 5] + a[i, 6] * a[i, 6] > _POLAR_COS2
    ):
        s, az = _short_line(a, i, bx, by, bz)
        if az <= -math.pi:
            az += 2.0 * math.pi
        elif az > math.pi:
            az -= 2.0 * math.pi
        return s, math.degrees(az), True
    return vincenty(a[i, 0], a[i, 1], b[j, 0], b[j, 1])


@njit(cache=True, nogil=True, error_model="numpy")
def _inverse_rows(a, b, dist, az, ok):  # type: ignore[no-untyped-def]
    for i in range(a.shape[0]):
        dist[i], az[i], ok[i] = _line(a, i, b[i, 2], b[i, 3], b[i, 4], b, i)


def inverse_points(a: FloatArray, b: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Geodesic distance (m) and forward azimuth (degrees, -180..180) from each row of ``a``
    to the same row of ``b`` (both from :func:`points`), exactly; pyproj for lines the
    compiled methods do not solve."""
    n = a.shape[0]
    dist, az, ok = np.empty(n), np.empty(n), np.empty(n, np.bool_)

    def part(lo: int, hi: int) -> None:
        _inverse_rows(a[lo:hi], b[lo:hi], dist[lo:hi], az[lo:hi], ok[lo:hi])

    run_chunks(part, n)
    bad = ~ok
    if bad.any():
        fwd, _, d = _GEOD.inv(a[bad, 0], a[bad, 1], b[bad, 0], b[bad, 1])
        dist[bad] = d
        az[bad] = fwd
    return dist, az


def inverse(
    lon1: ArrayLike, lat1: ArrayLike, lon2: ArrayLike, lat2: ArrayLike
) -> tuple[FloatArray, FloatArray]:
    """Geodesic distance (m) and forward azimuth (degrees, -180..180) of many lines on WGS-84.

    The chord series up to :data:`SERIES_MAX_M`, Vincenty's inverse where it is
    trusted, ``pyproj.Geod.inv`` for the rest; all equal to pyproj's to 1e-8 m.

    Examples
    --------
    >>> d, az = inverse([116.397], [39.909], [116.46], [39.95])
    >>> round(float(d[0]), 6), round(float(az[0]), 6)
    (7051.660807, 49.77111)
    """
    x1, y1, x2, y2 = np.broadcast_arrays(
        *(np.asarray(a, dtype=float).reshape(-1) for a in (lon1, lat1, lon2, lat2))
    )
    return inverse_points(points(x1, y1), points(x2, y2))


DONE, MORE, REFERENCE = 0, 1, 2
"""Per-query status: answered; needs more candidates; needs the pyproj reference path."""
# Slack on the chord bound for the compiled distances' error (under 1e-5 m):
# a candidate is skipped only when its chord beats the k-th distance by more.
MARGIN_M = 1e-3
# Two answers closer than this may be ordered differently here and by pyproj;
# such queries are answered by the reference path.
TIE_M = 3e-5


@njit(cache=True, nogil=True, inline="always")
def _insert(keys, dist, az, i, cnt, key, d, a):  # type: ignore[no-untyped-def]
    """Insert (d, key) into row ``i``'s sorted top list (capacity ``keys.shape[1]``);
    return the new count."""
    k = keys.shape[1]
    j = cnt if cnt < k else k - 1
    if cnt == k and (d > dist[i, j] or (d == dist[i, j] and key > keys[i, j])):
        return cnt
    while j > 0 and (dist[i, j - 1] > d or (dist[i, j - 1] == d and keys[i, j - 1] > key)):
        keys[i, j], dist[i, j], az[i, j] = keys[i, j - 1], dist[i, j - 1], az[i, j - 1]
        j -= 1
    keys[i, j], dist[i, j], az[i, j] = key, d, a
    return cnt + 1 if cnt < k else k


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _refine_row(  # type: ignore[no-untyped-def]
    i, q, rows, chord, cxyz, reach, max_dist, accepted, keys_all, pts, keys, dist, az
):
    """Query ``i`` of :func:`refine`; returns its status."""
    m = rows.shape[1]
    k = keys.shape[1]
    screened = accepted.shape[0] > 0
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
        if c > max_dist or (cnt == k and c > dist[i, k - 1] + MARGIN_M):
            st = DONE
            break
        r = rows[i, j]
        if r < 0 or (screened and not accepted[i, j]):
            continue
        d, a, ok = _line(q, i, cxyz[i, j, 0], cxyz[i, j, 1], cxyz[i, j, 2], pts, r)
        if not ok:
            st = REFERENCE
            break
        if d > max_dist:
            continue
        key = keys_all[r]
        if cnt == k:
            last = dist[i, k - 1]
            if d > last or (d == last and key > keys[i, k - 1]):
                spill = min(spill, d)
            else:
                spill = min(spill, last)
        cnt = _insert(keys, dist, az, i, cnt, key, d, a)
    if st == MORE and (
        reach[i] == np.inf
        or reach[i] > max_dist
        or (cnt == k and reach[i] > dist[i, k - 1] + MARGIN_M)
    ):
        st = DONE
    if st == DONE:
        # near ties inside the top k or at its edge go to the reference path
        top = min(cnt, k)
        for j in range(1, top):
            if dist[i, j] - dist[i, j - 1] < TIE_M:
                st = REFERENCE
        if top == k and spill - dist[i, k - 1] < TIE_M:
            st = REFERENCE
    for j in range(cnt, k):
        keys[i, j] = -1
        dist[i, j] = np.inf
        az[i, j] = np.nan
    return st


@njit(cache=True, nogil=True, error_model="numpy")
def refine(  # type: ignore[no-untyped-def]
    q, rows, chord, cxyz, reach, max_dist, accepted, keys_all, pts, out_key, out_d, out_az, status
):
    """Fill ``out_*`` (shape ``(nq, k)``) and ``status`` for each query; see the module docstring.

    ``q`` holds the queries' :func:`points`; ``rows``, ``chord`` and ``cxyz``
    are ``(nq, m)`` live candidates sorted by chord per row (``-1``: none):
    rows of ``keys_all`` and ``pts`` (every indexed point's lon and lat first,
    as in :func:`points`; the compiled methods read no other column of it),
    their chords and their Earth-centred coordinates (read here instead of
    ``pts``, whose rows are far apart in memory); ``accepted`` a ``(nq, m)``
    mask of candidates a filter lets through, or shape ``(0, 0)`` for no
    filter; ``reach`` a chord no unseen point is closer than; ``max_dist`` is
    ``inf`` for no limit. Runs in the calling thread without the GIL.
    """
    for i in range(rows.shape[0]):
        status[i] = _refine_row(
            i,
            q,
            rows,
            chord,
            cxyz,
            reach,
            max_dist,
            accepted,
            keys_all,
            pts,
            out_key,
            out_d,
            out_az,
        )
