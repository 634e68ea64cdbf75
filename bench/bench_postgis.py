"""Nearest-k on 180,000 synthetic stations over China: the PostGIS backend beside the embedded
one, same queries, same run.

    .venv/bin/python bench/bench_postgis.py   # ~30 s; writes bench/results/postgis.json

A throwaway PostgreSQL + PostGIS server (Debian's packages, as the tests use; ``scripts/test``
installs them) runs on a loopback port with fsync off. Both backends get the same stations and
the same 1,000 query points (k = 5, status open, no other filter); the answers must be equal
(ids and geodesic distances) or the run fails. Measured per backend:

* latency of one ``nearest`` call, sequential (p50, p99), and the queries per second that gives;
* throughput with 4 client threads sharing the registry (PostGIS: a pool of 4 connections);
* loading the 180,000 stations (one transaction each) and the resident size afterwards.
"""

from __future__ import annotations

import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_nearest import _synthetic, machine  # noqa: E402
from geo.stations.postgis import PostgisStore  # noqa: E402
from geo.stations.sqlite import SqliteStore  # noqa: E402
from tests.pg import find_bin, fresh_database, postgis_server  # noqa: E402

N_STATIONS = 180_000
N_QUERIES = 1_000
K = 5
THREADS = 4


def query_points(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Points where riders are: near the synthetic stations (another seed), jittered ~2 km."""
    pts = _synthetic().synthetic_china_arrays(n, seed=99)
    rng = np.random.default_rng(5)
    return pts["lon"] + rng.normal(0, 0.02, n), pts["lat"] + rng.normal(0, 0.02, n)


def measure(reg: Any, qx: np.ndarray, qy: np.ndarray) -> dict[str, Any]:
    for x, y in zip(qx[:50], qy[:50], strict=True):  # warm caches and the pool
        reg.nearest(float(x), float(y), k=K)
    lat_s, answers = [], []
    for x, y in zip(qx, qy, strict=True):
        t = time.perf_counter()
        hits = reg.nearest(float(x), float(y), k=K)
        lat_s.append(time.perf_counter() - t)
        answers.append([(h.station.id, h.distance_m) for h in hits])
    lat = np.array(lat_s)

    def one(i: int) -> None:
        reg.nearest(float(qx[i]), float(qy[i]), k=K)

    t = time.perf_counter()
    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(one, range(qx.size)))
    threaded = qx.size / (time.perf_counter() - t)
    return {
        "p50_ms": float(np.percentile(lat, 50) * 1e3),
        "p99_ms": float(np.percentile(lat, 99) * 1e3),
        "sequential_qps": float(1 / lat.mean()),
        f"threads{THREADS}_qps": float(threaded),
        "answers": answers,
    }


def main() -> int:
    bin_dir = find_bin()
    if bin_dir is None:
        print(
            "PostgreSQL with PostGIS is not installed (scripts/test installs it)", file=sys.stderr
        )
        return 1
    stations = _synthetic().synthetic_china_stations(N_STATIONS, seed=0)
    qx, qy = query_points(N_QUERIES)
    results: dict[str, Any] = {"machine": machine(), "stations": N_STATIONS, "queries": N_QUERIES}
    with postgis_server(bin_dir) as template:
        url = fresh_database(template)
        for name, make in [
            ("embedded (SQLite + k-d tree in memory)", lambda: SqliteStore(":memory:")),
            ("PostGIS (GiST, KNN)", lambda: PostgisStore(url, pool_size=THREADS)),
        ]:
            reg = make()
            t = time.perf_counter()
            reg.add(stations)
            load_s = time.perf_counter() - t
            if isinstance(reg, PostgisStore):
                import psycopg

                with psycopg.connect(url, autocommit=True) as conn:
                    conn.execute("ANALYZE stations")
            results[name] = {"load_s": load_s, **measure(reg, qx, qy)}
            reg.close()
    a, b = (results[n].pop("answers") for n in list(results)[3:5])
    same = sum(x == y for x, y in zip(a, b, strict=True))
    results["same_answers"] = same
    if same != N_QUERIES:
        print(f"answers differ on {N_QUERIES - same} of {N_QUERIES} queries", file=sys.stderr)
        return 1
    emb, pg = results["embedded (SQLite + k-d tree in memory)"], results["PostGIS (GiST, KNN)"]
    info = results["machine"]
    print(f"nearest k={K}, {N_STATIONS:,} stations, {N_QUERIES:,} queries;", end=" ")
    print(f"{info['cpu']}, nproc={info['nproc']}")
    print("| backend | p50 ms | p99 ms | q/s sequential | q/s 4 threads | load s |")
    print("|---|---:|---:|---:|---:|---:|")
    for name in ("embedded (SQLite + k-d tree in memory)", "PostGIS (GiST, KNN)"):
        r = results[name]
        print(
            f"| {name} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {r['sequential_qps']:,.0f} "
            f"| {r[f'threads{THREADS}_qps']:,.0f} | {r['load_s']:.1f} |"
        )
    print(
        f"PostGIS / embedded: sequential {pg['sequential_qps'] / emb['sequential_qps']:.2f}×, "
        f"4 threads {pg[f'threads{THREADS}_qps'] / emb[f'threads{THREADS}_qps']:.2f}×; "
        f"answers equal on {same}/{N_QUERIES}"
    )
    out = ROOT / "bench" / "results" / "postgis.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
