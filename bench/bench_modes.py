"""Each travel mode's network of the demo region (Futian) beside the walking one.

    .venv/bin/python bench/bench_modes.py   # ~10 s; writes bench/results/modes.json

Per mode (walk, ebike, bike, drive, truck): nodes and edges of its network (largest
connected piece), the cold build from the OSMnx file (read, rules, CSR; no cache),
the coverage pass (nearest and second-nearest station of every node,
``geo.coverage.station_labels``) and the whole 15-minute coverage report (streets,
hexagons, the region's 1,233 demand points), with the 40 demo stations, on the
mode's network in the engine's unit (``geo.mode_networks.engine_network``). Medians
of 3 runs; the machine's load average is recorded before and after.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from geo.coverage import StationSet, coverage_report, station_labels  # noqa: E402
from geo.mode_networks import engine_network  # noqa: E402
from geo.network import load_network, walk_limit_m  # noqa: E402

DATA = ROOT / "data"
FUTIAN = DATA / "futian_osm.graphml.gz"
MODES = ("walk", "ebike", "bike", "drive", "truck")
REPEATS = 3


def timed(fn: Any) -> tuple[float, Any]:
    """Median seconds of ``REPEATS`` calls, and the last result."""
    times, out = [], None
    for _ in range(REPEATS):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def main() -> int:
    from bench.bench_nearest import machine

    load_before = os.getloadavg()
    st = pd.read_csv(DATA / "futian_stations.csv", keep_default_na=False)
    demand = pd.concat(
        [pd.read_csv(DATA / f"futian_taxi_{x}.csv") for x in ("pickups", "dropoffs")]
    )
    warm = load_network(FUTIAN, mode="walk")  # imports and numba's kernels, outside the timings
    coverage_report(warm, StationSet.build(warm, st["id"], st["lon"], st["lat"]), demand=demand)
    rows = []
    for mode in MODES:
        build_s, raw = timed(lambda m=mode: load_network(FUTIAN, mode=m))
        net = engine_network(raw)
        stations = StationSet.build(net, st["id"], st["lon"], st["lat"])
        pass_s, _ = timed(lambda n=net, s=stations: station_labels(n, s, limit=walk_limit_m(15)))
        report_s, report = timed(lambda n=net, s=stations: coverage_report(n, s, demand=demand))
        share = report.demand_share
        row = {
            "mode": mode,
            "nodes": raw.n_nodes,
            "edges": int(raw.edge_u.size),
            "one_way_edges": int(raw.edge_oneway.sum()),
            "build_s": build_s,
            "coverage_pass_s": pass_s,
            "coverage_report_s": report_s,
            "demand_covered": 1.0 - share.none,
            "demand_once": share.once,
            "demand_multiple": share.multiple,
            "street_covered": 1.0 - report.street_share.none,
        }
        assert raw.n_nodes > 500 and 0.0 < row["demand_covered"] <= 1.0
        rows.append(row)
        print(
            f"{mode:6s} {row['nodes']:6d} nodes {row['edges']:6d} edges "
            f"({row['one_way_edges']} one-way): build {build_s:.2f} s, "
            f"coverage pass {pass_s * 1000:.1f} ms, report {report_s:.2f} s, "
            f"demand covered {row['demand_covered']:.1%}"
        )
    by = {r["mode"]: r for r in rows}
    # Faster modes reach at least as far in the same 15 minutes.
    assert by["ebike"]["demand_covered"] >= by["walk"]["demand_covered"]
    load_after = os.getloadavg()
    print(f"load average before {load_before}, after {load_after}")
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "modes.json").write_text(
        json.dumps(
            {
                "machine": machine(),
                "load_before": load_before,
                "load_after": load_after,
                "rows": rows,
            },
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
