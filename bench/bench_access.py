"""E2SFCA and the new siting objectives, each beside an independent peer in the same run.

- E2SFCA (``geo.access.e2sfca``) against PySAL ``access`` (``enhanced_two_stage_fca``) on
  4,000 demand points × 400 stations with random walking times (one in five pairs
  within 15 minutes), Luo & Qi's zones; scores must agree within 1e-9 relative.
- p-median and p-center (``geo.objectives``, HiGHS) against spopt's ``PMedian`` and
  ``PCenter`` (PuLP's CBC) on 150 demand points × 40 candidates, k = 5 (p-center: 60 × 25,
  k = 4); the optima must be equal.

Run as a script (about a minute)::

    .venv/bin/python bench/bench_access.py

It prints a table (median of 3 rounds, seconds, and the ratio to the peer) and writes
``bench/results/access.json`` with the machine.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from geo.access import StepDecay, e2sfca  # noqa: E402
from geo.objectives import p_center, p_median  # noqa: E402
from tests.geo.test_access import pysal_e2sfca  # noqa: E402  (the peers, as the tests run them)
from tests.geo.test_objectives import spopt_optimum  # noqa: E402

warnings.filterwarnings("ignore")  # PySAL access on pandas 3 and PuLP's CBC command warn


def timed(fn: Callable[[], Any], rounds: int = 3) -> tuple[float, Any]:
    times, out = [], None
    for _ in range(rounds):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def e2sfca_case(seed: int = 0) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    m, n = 4_000, 400
    cost = np.where(rng.random((m, n)) < 0.2, rng.uniform(0, 900, (m, n)).round(1), np.inf)
    demand = rng.integers(1, 30, m).astype(float)
    capacity = rng.uniform(5, 50, n).round(1)
    decay = StepDecay.luo_qi(15)
    ours_s, ours = timed(lambda: e2sfca(cost, demand, capacity, decay=decay).score)

    peer_s, want = timed(lambda: pysal_e2sfca(cost, demand, capacity))
    np.testing.assert_allclose(ours, want, rtol=1e-9)
    return {"case": "e2sfca 4000×400", "ours_s": ours_s, "peer": "PySAL access", "peer_s": peer_s}


def objective_case(center: bool, seed: int = 1) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    m, n, k = (60, 25, 4) if center else (150, 40, 5)
    d, s = rng.uniform(0, 5000, (m, 2)), rng.uniform(0, 5000, (n, 2))
    cost = np.hypot(*(d[:, None, :] - s[None, :, :]).transpose(2, 0, 1)).round(1)
    w = rng.integers(1, 20, m).astype(float)
    fn = p_center if center else p_median
    ours_s, ours = timed(lambda: fn(cost, w, k).covered_after)

    peer_s, want = timed(lambda: spopt_optimum(cost, w, k, center=center))
    assert abs(ours - want) <= 1e-6 * max(abs(want), 1.0), (ours, want)
    name = f"p-center {m}×{n} k={k}" if center else f"p-median {m}×{n} k={k}"
    return {"case": name, "ours_s": ours_s, "peer": "spopt (CBC)", "peer_s": peer_s}


def main() -> None:
    rows = [e2sfca_case(), objective_case(False), objective_case(True)]
    print(f"{'case':28} {'ours s':>9} {'peer':>14} {'peer s':>9} {'× peer':>8}")
    for r in rows:
        r["speedup"] = r["peer_s"] / r["ours_s"]
        print(
            f"{r['case']:28} {r['ours_s']:9.4f} {r['peer']:>14} {r['peer_s']:9.4f} "
            f"{r['speedup']:8.1f}"
        )
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    info = {"python": platform.python_version(), "cores": os.cpu_count(), "load": os.getloadavg()}
    (out / "access.json").write_text(json.dumps({"machine": info, "rows": rows}, indent=1))


if __name__ == "__main__":
    main()
