"""Exact k = 5 nearest at growing station counts, beside scipy cKDTree on unit vectors.

Run::

    .venv/bin/python bench/bench_nearest_growth.py                     # 10k, 150k (a few seconds)
    .venv/bin/python bench/bench_nearest_growth.py --sizes 10000,100000,1000000,2000000

Stations and 10,000 query points come from ``data/make_synthetic.py`` (seeds 0
and 1: around cities, 15 % countryside). For each size, in the same process
and on the same queries: the index build, ``SpatialIndex.nearest_geodesic``
(exact on WGS-84) and the peer ``cKDTree.query`` on 3-D unit vectors (both on
all cores), and the resident memory the index added. The two are timed in alternation,
7 rounds each (medians), so both see the same load on a shared machine.
Each size checks its answers: every query's ids and distances equal a
``pyproj.Geod`` brute force over all stations on a sample of queries (0
differing answers, or the run fails), and no cKDTree answer has a smaller
5th geodesic distance than ours. It prints q/s, the ratio to the peer and to
the targets (at least 1,000,000 q/s, within 2x of cKDTree).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from types import ModuleType

import numpy as np
import pyproj
from scipy.spatial import cKDTree

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from geo._geodesic import VINCENTY_MAX_M  # noqa: E402
from geo.spatial_index import SpatialIndex, unit_vectors  # noqa: E402

GEOD = pyproj.Geod(ellps="WGS84")
K = 5
TARGET_QPS = 1_000_000
TARGET_RATIO = 2.0


def _synthetic() -> ModuleType:
    spec = importlib.util.spec_from_file_location("_synth", ROOT / "data" / "make_synthetic.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def paired_medians(
    ours: Callable[[], object], peer: Callable[[], object], rounds: int = 7
) -> tuple[float, float]:
    """Median seconds of each, timed in alternation so both see the same machine load."""
    ours(), peer()
    a, b = [], []
    for _ in range(rounds):
        for f, out in ((ours, a), (peer, b)):
            t = time.perf_counter()
            f()
            out.append(time.perf_counter() - t)
    return float(np.median(a)), float(np.median(b))


def check(
    got: tuple[np.ndarray, np.ndarray, np.ndarray],
    lon: np.ndarray,
    lat: np.ndarray,
    qx: np.ndarray,
    qy: np.ndarray,
    sample: int,
) -> int:
    """How many sampled queries differ from a pyproj brute force over every station."""
    keys, dist, _ = got
    bad = 0
    for i in np.linspace(0, qx.size - 1, sample).astype(int):
        _, _, d = GEOD.inv(np.full(lon.size, qx[i]), np.full(lon.size, qy[i]), lon, lat)
        order = np.lexsort((np.arange(lon.size), d))[:K]
        if keys[i].tolist() != order.tolist() or np.abs(dist[i] - d[order]).max() > 1e-6:
            bad += 1
    return bad


def run(sizes: list[int], n_queries: int, sample: int) -> int:
    synth = _synthetic()
    q = synth.synthetic_china_arrays(n_queries, seed=1)
    qx, qy = np.asarray(q["lon"], float), np.asarray(q["lat"], float)
    print(f"k = {K}, {n_queries:,} queries; nproc = {os.cpu_count()}, load {os.getloadavg()}")
    head = (
        f"{'stations':>10} {'build s':>8} {'ours q/s':>11} {'cKDTree q/s':>12} "
        f"{'x cKDTree':>9} {'/ 1M q/s':>8} {'index MB':>9} {'checked':>8} {'differ':>6} "
        f"{'5th far':>8}"
    )
    print(head)
    failed = 0
    rows: list[dict[str, float]] = []
    for n in sizes:
        a = synth.synthetic_china_arrays(n, seed=0)
        lon, lat = np.asarray(a["lon"], float), np.asarray(a["lat"], float)
        before = rss_mb()
        t = time.perf_counter()
        ix = SpatialIndex(np.arange(n), lon, lat)
        build = time.perf_counter() - t
        mem = rss_mb() - before
        ours = ix.nearest_geodesic(qx, qy, k=K)
        tree = cKDTree(unit_vectors(lon, lat))
        qv = unit_vectors(qx, qy)
        t_ours, t_peer = paired_medians(
            partial(ix.nearest_geodesic, qx, qy, k=K), partial(tree.query, qv, k=K, workers=-1)
        )
        _, idx = tree.query(qv, k=K, workers=-1)
        _, _, d_peer = GEOD.inv(
            np.repeat(qx, K), np.repeat(qy, K), lon[idx].ravel(), lat[idx].ravel()
        )
        # ours is exact: the sphere's five can never have a smaller 5th distance
        worse = int((ours[1][:, -1] > np.sort(d_peer.reshape(-1, K), axis=1)[:, -1] + 1e-6).sum())
        differ = check(ours, lon, lat, qx, qy, sample) + worse
        far = float((ours[1][:, -1] > VINCENTY_MAX_M).mean())
        failed += differ
        qps, peer = n_queries / t_ours, n_queries / t_peer
        rows.append(
            {"stations": n, "build_s": build, "ours_qps": qps, "ckdtree_qps": peer}
            | {"index_mb": mem, "checked": sample, "differing": differ, "far_share": far}
        )
        print(
            f"{n:>10,} {build:>8.2f} {qps:>11,.0f} {peer:>12,.0f} {t_ours / t_peer:>9.2f} "
            f"{qps / TARGET_QPS:>8.2f} {mem:>9.0f} {sample:>8} {differ:>6} {far:>8.1%}"
        )
        del ix, tree
    print(f"targets: >= {TARGET_QPS:,} q/s and <= {TARGET_RATIO}x cKDTree's time; 0 differing")
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    info = {"k": K, "queries": n_queries, "nproc": os.cpu_count(), "load": os.getloadavg()}
    (out / "nearest-growth.json").write_text(json.dumps(info | {"rows": rows}, indent=2))
    return 1 if failed else 0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default="10000,150000", help="station counts, comma-separated")
    p.add_argument("--queries", type=int, default=10_000)
    p.add_argument("--sample", type=int, default=20, help="queries checked by brute force")
    args = p.parse_args()
    return run([int(s) for s in args.sizes.split(",")], args.queries, args.sample)


if __name__ == "__main__":
    raise SystemExit(main())
