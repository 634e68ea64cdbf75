"""Coverage pass on the real São Paulo walking network, 300 stations, beside igraph's super source.

Run::

    .venv/bin/python bench/bench_coverage_igraph.py     # about 30 s; needs shared/data/sao-paulo

python-igraph is a peer only (``bench/run`` installs it; not a dependency). Stations are 300
random street nodes (seed 0). Ours is ``geo.coverage.station_labels`` (nearest *and*
second-nearest station of every node, 1,200 m limit on the second); the peer is one igraph
Dijkstra from a super source joined to the 300 stations by zero-cost edges (nearest cost only).
Both are timed in alternation, 21 rounds each (medians); the nearest cost of every node must
be equal in both (1e-6 m) or the run fails. Prints the ratio against the target (3x igraph).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from geo.coverage import StationSet, station_labels  # noqa: E402
from geo.network import load_network  # noqa: E402

TARGET = 3.0


def sao_paulo_pbf() -> Path | None:
    for base in [ROOT.parent, *ROOT.parents]:
        pbf = base / "shared" / "data" / "sao-paulo" / "spo_osm.pbf"
        if pbf.is_file():
            return pbf
    return None


def main() -> int:
    import igraph

    pbf = sao_paulo_pbf()
    if pbf is None:
        print("skipped: shared/data/sao-paulo/spo_osm.pbf is absent", file=sys.stderr)
        return 0
    net = load_network(pbf, cache_dir=ROOT / "data" / "cache")
    n = net.n_nodes
    nodes = np.random.default_rng(0).choice(n, 300, replace=False)
    st = StationSet.build(net, np.arange(300), net.lon[nodes], net.lat[nodes])
    coo = net.csr.tocoo()
    g = igraph.Graph(
        n=n + 1,
        edges=np.column_stack(
            [np.concatenate([coo.row, np.full(300, n)]), np.concatenate([coo.col, nodes])]
        ).tolist(),
        directed=True,
    )
    g.es["weight"] = np.concatenate([coo.data, np.zeros(300)]).tolist()

    def ours() -> np.ndarray:
        return station_labels(net, st, limit=1200.0).d1

    def peer() -> list[list[float]]:
        # timed without turning its Python list into an array (that is ours to pay, not igraph's)
        return g.distances(source=[n], weights="weight", mode="out")  # type: ignore[no-any-return]

    d_ours, d_peer = ours(), np.asarray(peer()[0][:n])
    worst = float(np.abs(d_ours - d_peer).max())
    a, b = [], []
    for _ in range(21):
        for f, out in ((ours, a), (peer, b)):
            t = time.perf_counter()
            f()
            out.append(time.perf_counter() - t)
    t_ours, t_peer = float(np.median(a)), float(np.median(b))
    print(
        f"São Paulo walk network, {n:,} nodes, 300 stations; nproc = {os.cpu_count()}, "
        f"load {os.getloadavg()}, igraph {igraph.__version__}"
    )
    print(
        f"ours (nearest + second) {t_ours * 1e3:.2f} ms; igraph super source {t_peer * 1e3:.2f} ms"
    )
    print(
        f"igraph / ours {t_peer / t_ours:.2f}x (target {TARGET}x: {t_peer / t_ours / TARGET:.2f} "
        f"of it); nearest costs differ by at most {worst:.2e} m"
    )
    return 0 if worst <= 1e-6 else 1


if __name__ == "__main__":
    raise SystemExit(main())
