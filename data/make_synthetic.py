"""A national-scale SYNTHETIC station set over China, for benchmarks.

Stations cluster around 44 real city centres, each city's share proportional
to its (rounded, urban) population, plus a uniform background inside a coarse
outline of mainland China and Hainan. Kinds, amenities, hours and statuses are
drawn from fixed distributions. Everything comes from one
``numpy.random.default_rng(seed)``, so a seed gives the same stations on
every run and machine. None of these stations exists.

Write a CSV (for example to try the CLI on a large file)::

    .venv/bin/python data/make_synthetic.py /tmp/china_stations.csv --n 150000

The 150,000-station file is not committed; the benchmark builds it in memory.
"""

from __future__ import annotations

import argparse
import csv
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import MultiPolygon, Polygon

from geo.types import AMENITIES, STATION_FIELDS, Kind, Station, Status

__all__ = [
    "CHINA_OUTLINE",
    "CITIES",
    "synthetic_china_arrays",
    "synthetic_china_stations",
    "write_csv",
]

CITIES: tuple[tuple[str, float, float, float], ...] = (
    # name, lon, lat, urban population in millions (rounded)
    ("Shanghai", 121.47, 31.23, 24.9),
    ("Beijing", 116.40, 39.90, 21.9),
    ("Chongqing", 106.55, 29.56, 16.0),
    ("Guangzhou", 113.26, 23.13, 18.7),
    ("Shenzhen", 114.06, 22.54, 17.6),
    ("Chengdu", 104.07, 30.57, 16.0),
    ("Tianjin", 117.20, 39.13, 11.2),
    ("Wuhan", 114.31, 30.59, 11.0),
    ("Xi'an", 108.94, 34.34, 9.0),
    ("Hangzhou", 120.16, 30.27, 9.2),
    ("Dongguan", 113.75, 23.02, 9.6),
    ("Foshan", 113.12, 23.02, 8.0),
    ("Nanjing", 118.80, 32.06, 7.8),
    ("Shenyang", 123.43, 41.80, 7.0),
    ("Qingdao", 120.38, 36.07, 6.0),
    ("Zhengzhou", 113.63, 34.75, 7.0),
    ("Changsha", 112.94, 28.23, 6.0),
    ("Harbin", 126.53, 45.80, 5.5),
    ("Suzhou", 120.59, 31.30, 6.5),
    ("Kunming", 102.83, 24.88, 5.0),
    ("Dalian", 121.61, 38.91, 4.5),
    ("Jinan", 117.00, 36.65, 5.5),
    ("Xiamen", 118.09, 24.48, 4.5),
    ("Fuzhou", 119.30, 26.08, 4.5),
    ("Hefei", 117.23, 31.82, 5.5),
    ("Nanning", 108.37, 22.82, 4.5),
    ("Shijiazhuang", 114.51, 38.04, 5.0),
    ("Taiyuan", 112.55, 37.87, 4.5),
    ("Changchun", 125.32, 43.82, 4.5),
    ("Urumqi", 87.62, 43.83, 3.5),
    ("Lanzhou", 103.83, 36.06, 3.0),
    ("Guiyang", 106.63, 26.65, 4.0),
    ("Nanchang", 115.86, 28.68, 4.0),
    ("Ningbo", 121.55, 29.87, 4.5),
    ("Wuxi", 120.31, 31.49, 4.0),
    ("Xining", 101.78, 36.62, 1.6),
    ("Hohhot", 111.75, 40.84, 2.5),
    ("Yinchuan", 106.23, 38.49, 2.0),
    ("Lhasa", 91.11, 29.65, 0.6),
    ("Haikou", 110.20, 20.04, 2.0),
    ("Huaibei", 116.80, 33.96, 1.2),
    ("Pinghu", 121.02, 30.70, 0.5),
    ("Delingha", 97.37, 37.37, 0.1),
    ("Kashgar", 75.99, 39.47, 0.7),
)
"""City centres (WGS-84) and weights; the last five are the places in the source reports."""

_MAINLAND = (
    (134.7, 48.3), (133.1, 45.1), (131.2, 44.9), (131.0, 42.8), (130.6, 42.4),
    (129.5, 42.4), (128.0, 41.5), (126.0, 40.6), (124.3, 39.8), (121.2, 38.8),
    (121.0, 40.8), (119.5, 39.8), (118.0, 39.1), (117.7, 38.5), (118.9, 37.6),
    (120.7, 37.8), (122.6, 37.4), (120.4, 36.0), (119.2, 35.0), (120.9, 32.6),
    (121.9, 31.7), (121.9, 30.8), (122.1, 29.9), (121.6, 28.3), (120.6, 27.2),
    (119.6, 26.0), (118.6, 24.6), (117.0, 23.6), (115.5, 22.7), (114.2, 22.2),
    (113.0, 21.9), (111.5, 21.5), (110.4, 20.3), (109.7, 21.5), (108.5, 21.6),
    (106.7, 22.0), (105.8, 22.9), (103.9, 22.5), (102.2, 22.4), (101.6, 21.2),
    (100.2, 21.5), (99.2, 22.1), (98.7, 24.0), (97.6, 23.9), (98.7, 25.9),
    (98.6, 27.5), (97.6, 28.3), (96.0, 29.3), (94.0, 27.7), (92.0, 27.8),
    (89.0, 28.0), (88.0, 27.9), (85.0, 28.5), (82.0, 30.0), (81.0, 30.2),
    (79.0, 31.3), (78.7, 32.5), (79.5, 33.2), (78.2, 34.6), (77.8, 35.5),
    (75.5, 36.9), (74.5, 37.3), (73.6, 39.3), (74.9, 40.5), (76.5, 40.4),
    (78.5, 41.3), (80.2, 42.0), (80.7, 43.2), (80.4, 44.9), (82.5, 45.3),
    (83.0, 47.2), (85.5, 47.1), (87.3, 49.1), (88.0, 48.5), (90.0, 47.8),
    (91.0, 46.0), (90.9, 45.3), (93.5, 44.9), (95.4, 44.3), (96.4, 42.7),
    (100.8, 42.6), (105.0, 41.6), (107.0, 42.4), (110.4, 42.7), (111.9, 43.7),
    (111.4, 44.4), (113.6, 44.8), (116.5, 46.4), (117.4, 46.6), (119.7, 47.0),
    (118.5, 47.9), (115.6, 47.9), (116.7, 49.8), (117.9, 49.5), (119.7, 50.3),
    (120.7, 52.5), (122.5, 53.3), (125.0, 53.2), (127.5, 50.3), (127.5, 49.8),
    (130.6, 48.9), (132.5, 47.7),
)  # fmt: skip
_HAINAN = (
    (108.6, 19.2), (109.5, 18.2), (110.5, 18.4), (111.0, 19.6), (110.7, 20.1), (109.4, 20.0),
)  # fmt: skip

CHINA_OUTLINE = MultiPolygon([Polygon(_MAINLAND), Polygon(_HAINAN)])
"""A coarse (tens of km) outline of mainland China and Hainan, lon/lat degrees."""

BACKGROUND_SHARE = 0.15
"""Share of stations spread uniformly over :data:`CHINA_OUTLINE` instead of around cities."""

KIND_SHARES: dict[Kind, float] = {
    Kind.WORKER_STATION: 0.45,
    Kind.RIDER_STATION: 0.25,
    Kind.DRIVER_HOME: 0.10,
    Kind.SMART_STATION: 0.08,
    Kind.SAFETY_STATION: 0.07,
    Kind.WORKERS_HOME: 0.05,
}
"""Kinds of the city stations; background stations are half driver homes (freight corridors)."""

HOURS: dict[Kind, tuple[str, ...]] = {
    Kind.WORKER_STATION: ("Mo-Su 08:00-20:00", "Mo-Fr 09:00-18:00; Sa 10:00-16:00", "24/7"),
    Kind.RIDER_STATION: ("Mo-Su 07:00-22:00", "Mo-Su 10:00-23:00", "24/7"),
    Kind.DRIVER_HOME: ("24/7", "Mo-Su 06:00-24:00"),
    Kind.SMART_STATION: ("24/7",),
    Kind.SAFETY_STATION: ("Mo-Fr 08:30-17:30", "Mo-Su 08:00-20:00"),
    Kind.WORKERS_HOME: ("Mo-Fr 09:00-21:00; Sa,Su 09:00-17:00", "Mo-Su 09:00-20:00"),
}
"""Opening hours drawn per kind (uniformly among the options)."""

AMENITY_P: dict[Kind, dict[str, float]] = {
    kind: {a: 0.15 for a in AMENITIES} for kind in Kind
}  # every amenity possible everywhere, at 15 % unless raised below
for _kind, _common in {
    Kind.WORKER_STATION: ("water", "hot_water", "charging", "microwave", "rest_area", "toilet"),
    Kind.RIDER_STATION: ("water", "charging", "microwave", "rest_area"),
    Kind.DRIVER_HOME: ("parking", "truck_parking", "toilet", "shower", "meals", "water"),
    Kind.SMART_STATION: ("water", "hot_water", "charging", "air_conditioning", "first_aid"),
    Kind.SAFETY_STATION: ("water", "first_aid", "toilet", "rest_area"),
    Kind.WORKERS_HOME: ("water", "hot_water", "reading_room", "rest_area", "toilet", "wifi"),
}.items():
    AMENITY_P[_kind].update(dict.fromkeys(_common, 0.9))

_KINDS = list(Kind)
_AMENITY_CODES = list(AMENITIES)
_KM_PER_DEG = 111.32


def _city_sigma_km(pop_m: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Spread of a city's stations: 4 km for 1 M people, growing with sqrt(population)."""
    return 4.0 * np.sqrt(np.maximum(pop_m, 0.1))


def _inside(lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64]) -> npt.NDArray[np.bool_]:
    return np.asarray(shapely.contains_xy(CHINA_OUTLINE, lon, lat), dtype=bool)


def _points(
    rng: np.random.Generator, n: int
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.intp]]:
    """Lon, lat and city index (-1: background) of ``n`` points inside the outline."""
    pop = np.array([c[3] for c in CITIES])
    c_lon = np.array([c[1] for c in CITIES])
    c_lat = np.array([c[2] for c in CITIES])
    sigma = _city_sigma_km(pop)
    n_bg = round(n * BACKGROUND_SHARE)
    city = np.concatenate(
        [rng.choice(len(CITIES), size=n - n_bg, p=pop / pop.sum()), -np.ones(n_bg, np.intp)]
    )
    lon = np.empty(n)
    lat = np.empty(n)
    todo = np.arange(n)
    w, s, e, nn = CHINA_OUTLINE.bounds
    while todo.size:  # draw, keep what falls inside, redraw the rest
        ci = city[todo]
        bg = ci < 0
        c = np.where(bg, 0, ci)
        dy = rng.normal(0.0, 1.0, todo.size) * sigma[c] / _KM_PER_DEG
        dx = (
            rng.normal(0.0, 1.0, todo.size)
            * sigma[c]
            / (_KM_PER_DEG * np.cos(np.radians(c_lat[c])))
        )
        x = np.where(bg, rng.uniform(w, e, todo.size), c_lon[c] + dx)
        # Uniform in area: sample sin(lat), not lat.
        ybg = np.degrees(
            np.arcsin(rng.uniform(np.sin(np.radians(s)), np.sin(np.radians(nn)), todo.size))
        )
        y = np.where(bg, ybg, c_lat[c] + dy)
        ok = _inside(x, y)
        lon[todo[ok]], lat[todo[ok]] = x[ok], y[ok]
        todo = todo[~ok]
    return lon, lat, city


def synthetic_china_arrays(
    n: int = 150_000, *, seed: int = 0
) -> dict[str, npt.NDArray[np.generic]]:
    """Synthetic stations as column arrays (fast; no Python object per station).

    Parameters
    ----------
    n
        Number of stations.
    seed
        Seed of the random generator; the same seed gives the same arrays.

    Returns
    -------
    dict of numpy.ndarray
        ``id`` (``syn-0000000``…), ``lon``, ``lat`` (WGS-84, rounded to 1e-7°),
        ``city`` (index into :data:`CITIES`, -1 for background), ``kind``
        (index into :class:`geo.types.Kind`), ``amenities`` (bit ``i`` set when
        the ``i``-th code of :data:`geo.types.AMENITIES` is present), ``hours``
        (index into the kind's :data:`HOURS` options) and ``status`` (index into
        :class:`geo.types.Status`).

    Examples
    --------
    >>> a = synthetic_china_arrays(1000, seed=1)
    >>> a["lon"].shape, bool(((a["lon"] > 73) & (a["lon"] < 135)).all())
    ((1000,), True)
    """
    if n < 0:
        raise ValueError(f"n={n!r} must not be negative")
    rng = np.random.default_rng(seed)
    lon, lat, city = _points(rng, n)
    shares = np.array([KIND_SHARES[k] for k in _KINDS])
    kind = rng.choice(len(_KINDS), size=n, p=shares / shares.sum())
    bg = city < 0
    driver = _KINDS.index(Kind.DRIVER_HOME)
    kind[bg & (rng.random(n) < 0.5)] = driver
    p = np.array([[AMENITY_P[k][a] for a in _AMENITY_CODES] for k in _KINDS])
    has = rng.random((n, len(_AMENITY_CODES))) < p[kind]
    has[:, 0] = True  # every station has drinking water
    amen = (has * (1 << np.arange(len(_AMENITY_CODES), dtype=np.int64))).sum(axis=1)
    n_opts = np.array([len(HOURS[k]) for k in _KINDS])
    hours = (rng.random(n) * n_opts[kind]).astype(np.int64)
    status = rng.choice(len(Status), size=n, p=[0.94, 0.04, 0.02])  # open, planned, closed
    width = max(7, len(str(max(n - 1, 0))))
    ids = np.array([f"syn-{i:0{width}d}" for i in range(n)], dtype=object)
    return {
        "id": ids,
        "lon": np.round(lon, 7),
        "lat": np.round(lat, 7),
        "city": city,
        "kind": kind,
        "amenities": amen,
        "hours": hours,
        "status": status,
    }


def synthetic_china_stations(n: int = 150_000, *, seed: int = 0) -> list[Station]:
    """Synthetic stations over China as :class:`geo.types.Station` records, sorted by id.

    Parameters
    ----------
    n
        Number of stations.
    seed
        Seed of the random generator; the same seed gives the same stations.

    Returns
    -------
    list of Station
        WGS-84 stations with ``source="synthetic"`` and a fixed ``updated_at``.

    Examples
    --------
    >>> st = synthetic_china_stations(3, seed=0)
    >>> [s.id for s in st]
    ['syn-0000000', 'syn-0000001', 'syn-0000002']
    """
    a = synthetic_china_arrays(n, seed=seed)
    statuses = list(Status)
    amen_cache: dict[int, tuple[str, ...]] = {}
    out = []
    for i in range(n):
        bits = int(a["amenities"][i])
        if bits not in amen_cache:
            amen_cache[bits] = tuple(
                sorted(c for j, c in enumerate(_AMENITY_CODES) if bits >> j & 1)
            )
        kind = _KINDS[int(a["kind"][i])]
        c = int(a["city"][i])
        place = CITIES[c][0] if c >= 0 else "rural"
        out.append(
            Station(
                id=str(a["id"][i]),
                name=f"SYNTHETIC {kind.value} {place} {i}",
                kind=kind,
                lon=float(a["lon"][i]),
                lat=float(a["lat"][i]),
                district=place,
                operator="SYNTHETIC",
                amenities=amen_cache[bits],
                opening_hours=HOURS[kind][int(a["hours"][i])],
                status=statuses[int(a["status"][i])],
                source="synthetic",
                updated_at="2026-01-01T00:00:00Z",
            )
        )
    return out


def write_csv(stations: Sequence[Station], path: str | Path) -> Path:
    """Write stations as CSV with the :data:`geo.types.STATION_FIELDS` columns.

    Parameters
    ----------
    stations
        Stations, written in the order given.
    path
        Output file (UTF-8, ``\\n`` line ends).

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(STATION_FIELDS)
        for st in stations:
            rec = st.to_record()
            rec["lon"], rec["lat"] = f"{st.lon:.7f}", f"{st.lat:.7f}"
            writer.writerow([str(rec[f]) for f in STATION_FIELDS])
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point: write ``n`` synthetic stations to a CSV file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path, help="output CSV file")
    parser.add_argument("--n", type=int, default=150_000, help="number of stations")
    parser.add_argument("--seed", type=int, default=0, help="random seed")
    args = parser.parse_args(argv)
    write_csv(synthetic_china_stations(args.n, seed=args.seed), args.path)
    print(f"wrote {args.n} synthetic stations to {args.path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
