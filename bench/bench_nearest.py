"""k = 5 nearest stations over 150,000 synthetic stations across China.

Run (not part of the test suite, whose testpaths is ``tests``)::

    .venv/bin/python -m pytest bench/bench_nearest.py --benchmark-only

Hot path, all on the same stations (the ``open`` ones, the registry's default
filter) and the same query points:

* ``SqliteStore.nearest``, one query at a time (full records returned);
* ``SqliteStore.nearest_many``, 10,000 queries in one call;
* brute force with numpy: vectorised haversine over every station, per query;
* brute force with ``pyproj.Geod`` over every station (exact; the truth);
* scipy ``cKDTree`` on 3-D unit vectors, 10,000 queries in one call (``workers=-1``,
  all cores, as the store's search uses them).

Cold path, timed separately: ``SqliteStore.add`` of 150,000 stations into
an empty in-memory registry, reopening a registry file (bulk index load), and
building the ``cKDTree``. Every benchmark checks its answer; a summary table
with queries per second and ratios is printed at the end.
"""

from __future__ import annotations

import importlib.util
import os
import platform
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import numpy.typing as npt
import pyproj
import pytest
import rtree
import scipy
from scipy.spatial import cKDTree

from geo.spatial_index import EARTH_RADIUS_M, unit_vectors
from geo.stations.sqlite import SqliteStore
from geo.types import Station, Status

N_STATIONS = 150_000
N_QUERIES = 10_000
N_SINGLE = 500  # one-at-a-time registry queries per round
N_HAVERSINE = 100  # brute-force haversine queries per round
N_GEOD = 20  # brute-force Geod queries per round (also the exact truth sample)
K = 5
STATION_SEED = 0
QUERY_SEED = 1

GEOD = pyproj.Geod(ellps="WGS84")
FloatArray = npt.NDArray[np.float64]
ROOT = Path(__file__).resolve().parents[1]
RESULTS: dict[str, dict[str, float]] = {}
AGREEMENT: dict[str, float] = {}  # share of queries whose 5 ids equal the registry's


def _synthetic() -> ModuleType:
    path = ROOT / "data" / "make_synthetic.py"
    spec = importlib.util.spec_from_file_location("_make_synthetic_bench", path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


def machine() -> dict[str, Any]:
    """CPU model, processor counts and library versions of this run."""
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": model,
        "nproc": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "pyproj": pyproj.__version__,
        "rtree": rtree.__version__,
    }


def _record(name: str, benchmark: Any, *, items: int) -> None:
    """Keep the median time of a benchmark and tag it with the machine."""
    benchmark.extra_info.update(machine())
    benchmark.extra_info["items_per_round"] = items
    median = float(benchmark.stats.stats.median)
    RESULTS[name] = {"seconds": median, "items": items, "per_s": items / median}


@pytest.fixture(scope="module", autouse=True)
def summary(request: pytest.FixtureRequest) -> Iterator[None]:
    """Print a table of every result after the module's benchmarks ran."""
    yield
    if not RESULTS:
        return
    capman = request.config.pluginmanager.getplugin("capturemanager")
    lines = summary_lines()
    if capman is None:
        print("\n".join(lines))
        return
    with capman.global_and_fixture_disabled():
        print("\n" + "\n".join(lines), flush=True)


def summary_lines() -> list[str]:
    """The summary table: time, rate and ratio to brute-force haversine per path."""
    m = machine()
    out = [
        f"nearest k={K} over {N_STATIONS:,} synthetic stations ({_n_open():,} open), "
        f"{N_QUERIES:,} query points",
        f"machine: {m['cpu']}, nproc={m['nproc']}, python {m['python']}, numpy {m['numpy']}, "
        f"scipy {m['scipy']}, rtree {m['rtree']}",
        f"{'path':<36}{'items':>8}{'median s':>12}{'per second':>14}{'× haversine':>13}",
    ]
    base = RESULTS.get("brute force haversine", {}).get("per_s")
    for name, r in RESULTS.items():
        hot = name.startswith(("nearest", "brute", "cKDTree query"))
        v = r["per_s"] / base if base and hot else None
        ratio = "" if v is None else f"{v:,.1f}" if v >= 1 else f"{v:.3f}"
        out.append(
            f"{name:<36}{int(r['items']):>8,}{r['seconds']:>12.4f}{r['per_s']:>14,.0f}{ratio:>13}"
        )
    batch = RESULTS.get("nearest_many (batch)")
    single = RESULTS.get("nearest (one at a time)")
    kd = RESULTS.get("cKDTree query (batch)")
    if batch and single:
        out.append(f"registry batch / one at a time: {batch['per_s'] / single['per_s']:.1f}×")
    if batch and kd:
        out.append(f"cKDTree / registry batch: {kd['per_s'] / batch['per_s']:.1f}×")
    for name, share in AGREEMENT.items():
        out.append(f"same 5 stations as the registry (exact geodesic): {name} {share:.2%}")
    return out


# -- data ----------------------------------------------------------------

_OPEN: list[int] = []


def _n_open() -> int:
    return _OPEN[0] if _OPEN else 0


@pytest.fixture(scope="module")
def stations() -> list[Station]:
    return list(_synthetic().synthetic_china_stations(N_STATIONS, seed=STATION_SEED))


@pytest.fixture(scope="module")
def open_arrays(stations: list[Station]) -> tuple[npt.NDArray[np.object_], FloatArray, FloatArray]:
    """Ids, lon, lat of the open stations, sorted by id (what the registry searches)."""
    keep = sorted((s for s in stations if s.status == Status.OPEN), key=lambda s: s.id)
    _OPEN[:] = [len(keep)]
    ids = np.array([s.id for s in keep], dtype=object)
    return ids, np.array([s.lon for s in keep]), np.array([s.lat for s in keep])


@pytest.fixture(scope="module")
def queries() -> tuple[FloatArray, FloatArray]:
    """Query points drawn like the stations (where workers are), another seed."""
    a = _synthetic().synthetic_china_arrays(N_QUERIES, seed=QUERY_SEED)
    return np.asarray(a["lon"], dtype=float), np.asarray(a["lat"], dtype=float)


@pytest.fixture(scope="module")
def db_file(stations: list[Station], tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bench") / "stations.sqlite"
    with SqliteStore(path) as reg:
        reg.add(stations)
    return path


@pytest.fixture(scope="module")
def registry(db_file: Path) -> Iterator[SqliteStore]:
    reg = SqliteStore(db_file)
    yield reg
    reg.close()


@pytest.fixture(scope="module")
def batch_hits(registry: SqliteStore, queries: tuple[FloatArray, FloatArray]) -> Any:
    return registry.nearest_many(*queries, k=K)


@pytest.fixture(scope="module")
def truth(
    open_arrays: tuple[npt.NDArray[np.object_], FloatArray, FloatArray],
    queries: tuple[FloatArray, FloatArray],
) -> tuple[npt.NDArray[np.object_], FloatArray]:
    """Exact k nearest of the first ``N_GEOD`` queries: Geod to every open station."""
    ids, lon, lat = open_arrays
    out_i, out_d = [], []
    for qx, qy in zip(queries[0][:N_GEOD], queries[1][:N_GEOD], strict=True):
        i, d = _geod_knn(qx, qy, lon, lat)
        out_i.append(ids[i])
        out_d.append(d)
    return np.array(out_i, dtype=object), np.array(out_d)


# -- baselines -----------------------------------------------------------


def _geod_knn(qx: float, qy: float, lon: FloatArray, lat: FloatArray) -> tuple[Any, FloatArray]:
    _, _, d = GEOD.inv(np.full(lon.size, qx), np.full(lon.size, qy), lon, lat)
    d = np.asarray(d, dtype=float)
    part = np.argpartition(d, K)[:K]
    order = part[np.lexsort((part, d[part]))]
    return order, d[order]


class Haversine:
    """Vectorised great-circle distance from one point to every station."""

    def __init__(self, lon: FloatArray, lat: FloatArray) -> None:
        self.lam = np.radians(lon)
        self.phi = np.radians(lat)
        self.cos_phi = np.cos(self.phi)

    def knn(self, qx: float, qy: float) -> npt.NDArray[np.intp]:
        lam, phi = np.radians(qx), np.radians(qy)
        h = (
            np.sin((self.phi - phi) / 2) ** 2
            + np.cos(phi) * self.cos_phi * np.sin((self.lam - lam) / 2) ** 2
        )
        d = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(h))
        part = np.argpartition(d, K)[:K]
        return part[np.argsort(d[part])]


def _geodesic(qx: FloatArray, qy: FloatArray, lon: FloatArray, lat: FloatArray) -> FloatArray:
    """Geodesic distances of (n, k) station coordinates from n query points."""
    _, _, d = GEOD.inv(np.repeat(qx, K), np.repeat(qy, K), lon.ravel(), lat.ravel())
    return np.asarray(d, dtype=float).reshape(-1, K)


# -- cold path -----------------------------------------------------------


def test_cold_add(benchmark: Any, stations: list[Station]) -> None:
    """``add`` of all stations into an empty in-memory registry (one transaction)."""
    benchmark.group = "cold"

    def build() -> SqliteStore:
        reg = SqliteStore(":memory:")
        reg.add(stations)
        return reg

    reg = benchmark.pedantic(build, rounds=1, iterations=1)
    assert len(reg) == N_STATIONS
    reg.verify_index()
    _record("registry add (:memory:)", benchmark, items=N_STATIONS)


def test_cold_reopen(benchmark: Any, db_file: Path) -> None:
    """Reopening a registry file: read the table, bulk-load the index."""
    benchmark.group = "cold"

    def reopen() -> int:
        with SqliteStore(db_file) as reg:
            return len(reg)

    assert benchmark.pedantic(reopen, rounds=3, iterations=1) == N_STATIONS
    _record("registry reopen (file, bulk load)", benchmark, items=N_STATIONS)


def test_cold_ckdtree_build(
    benchmark: Any, open_arrays: tuple[npt.NDArray[np.object_], FloatArray, FloatArray]
) -> None:
    benchmark.group = "cold"
    _, lon, lat = open_arrays
    tree = benchmark.pedantic(lambda: cKDTree(unit_vectors(lon, lat)), rounds=3, iterations=1)
    assert tree.n == lon.size
    _record("cKDTree build (open stations)", benchmark, items=lon.size)


# -- hot path ------------------------------------------------------------


def test_nearest_batch(
    benchmark: Any,
    registry: SqliteStore,
    queries: tuple[FloatArray, FloatArray],
    truth: tuple[npt.NDArray[np.object_], FloatArray],
) -> None:
    benchmark.group = "nearest k=5"
    hits = benchmark.pedantic(lambda: registry.nearest_many(*queries, k=K), rounds=3, iterations=1)
    assert hits.ids.shape == (N_QUERIES, K)
    assert (hits.ids != "").all()
    assert (np.diff(hits.distance_m, axis=1) >= 0).all()
    t_ids, t_d = truth
    assert (hits.ids[:N_GEOD] == t_ids).all()
    assert np.abs(hits.distance_m[:N_GEOD] - t_d).max() < 1e-6
    _record("nearest_many (batch)", benchmark, items=N_QUERIES)


def test_nearest_one_at_a_time(
    benchmark: Any,
    registry: SqliteStore,
    queries: tuple[FloatArray, FloatArray],
    batch_hits: Any,
) -> None:
    benchmark.group = "nearest k=5"
    qx = queries[0][:N_SINGLE].tolist()
    qy = queries[1][:N_SINGLE].tolist()

    def run() -> list[list[str]]:
        return [
            [h.station.id for h in registry.nearest(x, y, k=K)] for x, y in zip(qx, qy, strict=True)
        ]

    got = benchmark.pedantic(run, rounds=3, iterations=1)
    assert np.array_equal(np.array(got, dtype=object), batch_hits.ids[:N_SINGLE])
    _record("nearest (one at a time)", benchmark, items=N_SINGLE)


def test_brute_force_haversine(
    benchmark: Any,
    open_arrays: tuple[npt.NDArray[np.object_], FloatArray, FloatArray],
    queries: tuple[FloatArray, FloatArray],
    batch_hits: Any,
) -> None:
    benchmark.group = "nearest k=5"
    ids, lon, lat = open_arrays
    hv = Haversine(lon, lat)
    qx, qy = queries[0][:N_HAVERSINE], queries[1][:N_HAVERSINE]

    def run() -> npt.NDArray[np.intp]:
        return np.array([hv.knn(x, y) for x, y in zip(qx, qy, strict=True)])

    idx = benchmark.pedantic(run, rounds=3, iterations=1)
    # The sphere ranks like the ellipsoid except in near-ties: the registry's
    # exact k-th distance is never beaten, and the sets agree almost always.
    d = _geodesic(qx, qy, lon[idx], lat[idx])
    d.sort(axis=1)
    assert (batch_hits.distance_m[:N_HAVERSINE] <= d + 1e-6).all()
    same = [set(a) == set(b) for a, b in zip(ids[idx], batch_hits.ids[:N_HAVERSINE], strict=True)]
    assert np.mean(same) >= 0.95
    benchmark.extra_info["same_set_share"] = float(np.mean(same))
    AGREEMENT["haversine (mean sphere)"] = float(np.mean(same))
    _record("brute force haversine", benchmark, items=N_HAVERSINE)


def test_brute_force_geod(
    benchmark: Any,
    open_arrays: tuple[npt.NDArray[np.object_], FloatArray, FloatArray],
    queries: tuple[FloatArray, FloatArray],
    truth: tuple[npt.NDArray[np.object_], FloatArray],
) -> None:
    benchmark.group = "nearest k=5"
    ids, lon, lat = open_arrays
    qx, qy = queries[0][:N_GEOD], queries[1][:N_GEOD]

    def run() -> list[Any]:
        return [_geod_knn(x, y, lon, lat)[0] for x, y in zip(qx, qy, strict=True)]

    idx = benchmark.pedantic(run, rounds=1, iterations=1)
    assert (np.array([ids[i] for i in idx], dtype=object) == truth[0]).all()
    _record("brute force pyproj.Geod (exact)", benchmark, items=N_GEOD)


def test_ckdtree_query(
    benchmark: Any,
    open_arrays: tuple[npt.NDArray[np.object_], FloatArray, FloatArray],
    queries: tuple[FloatArray, FloatArray],
    batch_hits: Any,
) -> None:
    benchmark.group = "nearest k=5"
    ids, lon, lat = open_arrays
    tree = cKDTree(unit_vectors(lon, lat))
    qv = unit_vectors(*queries)

    _, idx = benchmark.pedantic(lambda: tree.query(qv, k=K, workers=-1), rounds=3, iterations=1)
    d = _geodesic(queries[0], queries[1], lon[idx], lat[idx])
    d.sort(axis=1)
    # The registry is exact: no other set of k stations has a smaller k-th distance.
    assert (batch_hits.distance_m <= d + 1e-6).all()
    same = np.array([set(a) == set(b) for a, b in zip(ids[idx], batch_hits.ids, strict=True)])
    assert same.mean() >= 0.95
    benchmark.extra_info["same_set_share"] = float(same.mean())
    AGREEMENT["cKDTree (unit sphere)"] = float(same.mean())
    _record("cKDTree query (batch)", benchmark, items=N_QUERIES)
