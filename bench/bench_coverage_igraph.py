"""Coverage pass beside igraph's super-source Dijkstra: São Paulo's walking network, then growth.

Run::

    .venv/bin/python bench/bench_coverage_igraph.py            # about 3 minutes
    .venv/bin/python bench/bench_coverage_igraph.py --quick    # São Paulo only, about 30 s

python-igraph is a peer only (``bench/run`` installs it; not a dependency).

1. The real São Paulo walking network (``shared/data/sao-paulo/spo_osm.pbf``; skipped,
   saying so, when absent) with 300 stations on random street nodes (seed 0). Ours is
   ``geo.coverage.station_labels``: nearest *and* second-nearest station of every node
   (1,200 m limit on the second). The peer is one igraph Dijkstra from a super source
   joined to the 300 stations by zero-cost edges (nearest cost only). Both are timed in
   alternation, 41 rounds each; the table gives the minimum and the median (on a shared,
   loaded machine the median carries the scheduler's time slices, the minimum does not).
   The nearest cost of every node must be equal in both (1e-6 m) or the run fails. The
   ratio is printed against the target (3x igraph).
2. Growth: square grid street graphs of 100k, 1M and 4M nodes (50 m blocks) with one
   station per 500 nodes, each method in a fresh process: time of the pass (minimum of
   3 runs after a first one), the process's peak resident memory (``VmHWM``: building
   the grid and the network included) and a digest of the nearest costs, which must be
   equal for both methods.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGET = 3.0
LIMIT_M = 1200.0
ROUNDS = 41
GROWTH = (316, 1000, 2000)  # grid sides: 99,856, 1,000,000 and 4,000,000 nodes


def sao_paulo_pbf() -> Path | None:
    """``spo_osm.pbf`` where the tests find it (``STATIONFINDER_SHARED_DATA``, ``shared/``)."""
    from tests.conftest import shared_data

    folder = shared_data()
    return None if folder is None else folder / "spo_osm.pbf"


def super_source(n: int, csr, nodes: np.ndarray):  # type: ignore[no-untyped-def]
    """igraph graph of ``csr`` plus node ``n`` joined to ``nodes`` at zero cost."""
    import igraph

    coo = csr.tocoo()
    g = igraph.Graph(
        n=n + 1,
        edges=np.column_stack(
            [np.concatenate([coo.row, np.full(nodes.size, n)]), np.concatenate([coo.col, nodes])]
        ),
        directed=True,
    )
    g.es["weight"] = np.concatenate([coo.data, np.zeros(nodes.size)])
    return g


def peak_rss_gb() -> float:
    """Peak resident memory of this process (``VmHWM``), GB."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024 / 1e9
    return float("nan")  # pragma: no cover - not Linux


def digest(d: np.ndarray) -> str:
    return hashlib.sha256(np.round(np.where(np.isfinite(d), d, -1.0), 6).tobytes()).hexdigest()


def sao_paulo() -> dict[str, object] | None:
    import igraph

    from geo.coverage import StationSet, station_labels
    from geo.network import load_network

    pbf = sao_paulo_pbf()
    if pbf is None:
        print("São Paulo: skipped, shared/data/sao-paulo/spo_osm.pbf is absent", file=sys.stderr)
        return None
    net = load_network(pbf, cache_dir=ROOT / "data" / "cache")
    n = net.n_nodes
    nodes = np.random.default_rng(0).choice(n, 300, replace=False)
    st = StationSet.build(net, np.arange(300), net.lon[nodes], net.lat[nodes])
    g = super_source(n, net.csr, nodes)

    def ours() -> np.ndarray:
        return station_labels(net, st, limit=LIMIT_M).d1

    def peer() -> list[list[float]]:
        # timed without turning its Python list into an array (ours to pay, not igraph's)
        return g.distances(source=[n], weights="weight", mode="out")  # type: ignore[no-any-return]

    d_ours, d_peer = ours(), np.asarray(peer()[0][:n])
    worst = float(np.abs(d_ours - d_peer).max())
    a, b = [], []
    for _ in range(ROUNDS):
        for f, out in ((ours, a), (peer, b)):
            t = time.perf_counter()
            f()
            out.append(time.perf_counter() - t)
    return {
        "nodes": n,
        "edges": int(net.csr.nnz),
        "stations": 300,
        "ours_min_ms": min(a) * 1e3,
        "ours_median_ms": float(np.median(a)) * 1e3,
        "igraph_min_ms": min(b) * 1e3,
        "igraph_median_ms": float(np.median(b)) * 1e3,
        "ratio_min": min(b) / min(a),
        "ratio_median": float(np.median(b) / np.median(a)),
        "max_diff_m": worst,
        "igraph": igraph.__version__,
    }


def grid(side: int):  # type: ignore[no-untyped-def]
    """The growth grid: ``bench_coverage.py``'s, one station per 500 nodes."""
    sys.path.insert(0, str(ROOT / "bench"))
    from bench_coverage import grid_case

    return grid_case(side, side * side // 500)


def child(side: int, method: str) -> None:
    """One growth case in this process; prints a JSON line."""
    net, nodes = grid(side)
    n = net.n_nodes
    if method == "ours":
        from geo.coverage import StationSet, station_labels

        st = StationSet.build(net, np.arange(nodes.size), net.lon[nodes], net.lat[nodes])

        def run() -> np.ndarray:
            return station_labels(net, st, limit=LIMIT_M).d1

    else:
        g = super_source(n, net.csr, nodes)

        def run() -> np.ndarray:
            return np.asarray(g.distances(source=[n], weights="weight", mode="out")[0][:n])

    t = time.perf_counter()
    d = run()
    first = time.perf_counter() - t
    times = []
    for _ in range(3):
        t = time.perf_counter()
        run()
        times.append(time.perf_counter() - t)
    print(
        json.dumps(
            {
                "nodes": n,
                "stations": int(nodes.size),
                "method": method,
                "first_s": first,
                "min_s": min(times),
                "peak_gb": peak_rss_gb(),
                "digest": digest(d),
            }
        )
    )


def growth() -> list[dict[str, object]]:
    rows = []
    for side in GROWTH:
        got = {}
        for method in ("ours", "igraph"):
            out = subprocess.run(
                [sys.executable, __file__, "--child", str(side), method],
                capture_output=True,
                text=True,
                check=True,
            )
            got[method] = json.loads(out.stdout.strip().splitlines()[-1])
        if got["ours"]["digest"] != got["igraph"]["digest"]:
            raise SystemExit(f"nearest costs differ on the {side} x {side} grid")
        rows.append(
            {
                "nodes": got["ours"]["nodes"],
                "stations": got["ours"]["stations"],
                **{f"ours_{k}": got["ours"][k] for k in ("first_s", "min_s", "peak_gb")},
                **{f"igraph_{k}": got["igraph"][k] for k in ("min_s", "peak_gb")},
            }
        )
        r = rows[-1]
        print(
            f"grid {r['nodes']:>9,} nodes, {r['stations']:>5,} stations: ours "
            f"{r['ours_min_s'] * 1e3:8.1f} ms (first {r['ours_first_s']:.2f} s, peak "
            f"{r['ours_peak_gb']:.2f} GB); igraph {r['igraph_min_s'] * 1e3:8.1f} ms (peak "
            f"{r['igraph_peak_gb']:.2f} GB); igraph / ours "
            f"{r['igraph_min_s'] / r['ours_min_s']:.2f}x; nearest costs equal",  # type: ignore[operator]
            flush=True,
        )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="São Paulo only")
    parser.add_argument("--child", nargs=2, metavar=("SIDE", "METHOD"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(int(args.child[0]), args.child[1])
        return 0
    try:
        import igraph
    except ImportError:
        print(
            "igraph is not installed: .venv/bin/python -m pip install igraph "
            "(a peer only, not a dependency; bench/run installs it)",
            file=sys.stderr,
        )
        return 2

    print(
        f"nproc = {os.cpu_count()}, load {os.getloadavg()}, igraph {igraph.__version__}",
        flush=True,
    )
    sp = sao_paulo()
    if sp is not None:
        print(
            f"São Paulo walk network, {sp['nodes']:,} nodes, 300 stations: ours (nearest + "
            f"second) min {sp['ours_min_ms']:.2f} ms, median {sp['ours_median_ms']:.2f} ms; "
            f"igraph super source min {sp['igraph_min_ms']:.2f} ms, median "
            f"{sp['igraph_median_ms']:.2f} ms"
        )
        print(
            f"igraph / ours {sp['ratio_min']:.2f}x by minimum, {sp['ratio_median']:.2f}x by "
            f"median (target {TARGET}x); nearest costs differ by at most {sp['max_diff_m']:.2e} m",
            flush=True,
        )
        if float(sp["max_diff_m"]) > 1e-6:  # type: ignore[arg-type]
            return 1
    rows = [] if args.quick else growth()
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "coverage-igraph.json").write_text(
        json.dumps({"load": os.getloadavg(), "sao_paulo": sp, "growth": rows}, indent=2)
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
