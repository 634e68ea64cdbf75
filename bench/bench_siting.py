"""Siting: 2,000 demand points × 300 candidates, k = 20, 1 km straight line (geodesic).

Demand: 2,000 points drawn from São Paulo's 323 H3 cells (``spo_hexgrid.csv``
in ``shared/data/sao-paulo``) in proportion to jobs, each placed uniformly in
the disc inscribed in its cell (so inside the cell, inside the ≈ 7 × 7 km
box), weight 1: covered weight is then the covered share of jobs.
Candidates: 300 points uniform over the box. No existing stations. Fixed seed.
Skipped, with the reason, when the folder is absent.

Cases: the issue's maximal covering with k = 20; k = 10 (the hard one on this
instance); double coverage with k = 20 (under a 15 s time limit, to show the
gap and bound reported at a limit); the fewest sites for 95 %. Each with
exact CBC, exact HiGHS and greedy, and the single-coverage maximal covering
cases also with ``solver="reduce"`` (candidates proven out first,
:mod:`geo.siting.reduce`). Every coverage is recounted from the chosen
indices, proven optima must be equal, and greedy may never beat an exact optimum.

Run with pytest-benchmark (about 2 minutes; the table prints at the end)::

    .venv/bin/python -m pytest bench/bench_siting.py --benchmark-only \\
        --benchmark-json=bench/results/siting-pytest.json

or as a script (``bench/run`` does): ``.venv/bin/python bench/bench_siting.py``.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from geo.siting import (  # noqa: E402
    SitingResult,
    available_solvers,
    cost_matrix,
    max_coverage,
    min_sites,
)

N_DEMAND, N_CAND, RADIUS_M, SEED = 2_000, 300, 1_000.0, 42
Arr = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Case:
    name: str
    problem: str  # "max" or "min"
    k: int = 0
    target: float = 0.0
    double: bool = False
    method: str = "exact"
    solver: str = "auto"
    time_limit_s: float = 300.0

    @property
    def label(self) -> str:
        return f"{self.name}-{self.method}-{self.solver if self.method == 'exact' else 'lp'}"


CASES: list[Case] = [
    Case(name, problem, k, target, double, method, solver, limit)
    for name, problem, k, target, double, limit in (
        ("k20", "max", 20, 0.0, False, 300.0),
        ("k10", "max", 10, 0.0, False, 300.0),
        ("double-k20", "max", 20, 0.0, True, 15.0),
        ("min-95%", "min", 0, 0.95, False, 300.0),
    )
    for method, solver in (
        ("exact", "cbc"),
        ("exact", "highs"),
        ("exact", "reduce"),
        ("greedy", "auto"),
    )
    if solver != "reduce" or (problem == "max" and not double)
]


def data_folder() -> Path | None:
    """``shared/data/sao-paulo`` holding ``spo_hexgrid.csv``, or None."""
    env = os.environ.get("STATIONFINDER_SHARED_DATA")
    found = [Path(env)] if env else []
    found += [p / "shared" / "data" / "sao-paulo" for p in ROOT.parents]
    return next((f for f in found if (f / "spo_hexgrid.csv").is_file()), None)


@dataclass(frozen=True)
class Instance:
    cost: Arr
    weights: Arr
    coords: tuple[Arr, Arr, Arr, Arr]  # demand lon, lat; candidate lon, lat
    box_km: tuple[float, float]
    cost_s: float
    source: str


@cache
def instance() -> Instance:
    """The benchmark instance (built once per process)."""
    import pandas as pd
    import pyproj
    from scipy.spatial import cKDTree

    folder = data_folder()
    if folder is None:
        raise FileNotFoundError("shared/data/sao-paulo/spo_hexgrid.csv is absent")
    hexes = pd.read_csv(folder / "spo_hexgrid.csv")
    lon, lat = hexes["lon"].to_numpy(float), hexes["lat"].to_numpy(float)
    geod = pyproj.Geod(ellps="WGS84")
    # Cell spacing from the nearest neighbouring centre (local metres); the inscribed
    # disc of a hexagon has radius half of it.
    lat0 = float(lat.mean())
    m_per_deg = (111_320.0 * np.cos(np.radians(lat0)), 110_574.0)
    xy = np.column_stack([lon * m_per_deg[0], lat * m_per_deg[1]])
    spacing = float(np.median(cKDTree(xy).query(xy, k=2)[0][:, 1]))
    rng = np.random.default_rng(SEED)
    jobs = hexes["jobs"].to_numpy(float)
    pick = rng.choice(len(hexes), N_DEMAND, p=jobs / jobs.sum())
    r = 0.5 * spacing * np.sqrt(rng.random(N_DEMAND))
    az = rng.uniform(-180, 180, N_DEMAND)
    dlon, dlat, _ = geod.fwd(lon[pick], lat[pick], az, r)
    pad_lon, pad_lat = 0.5 * spacing / m_per_deg[0], 0.5 * spacing / m_per_deg[1]
    west, east = lon.min() - pad_lon, lon.max() + pad_lon
    south, north = lat.min() - pad_lat, lat.max() + pad_lat
    clon = rng.uniform(west, east, N_CAND)
    clat = rng.uniform(south, north, N_CAND)
    box = (
        geod.inv(west, lat0, east, lat0)[2] / 1000,
        geod.inv(lon.mean(), south, lon.mean(), north)[2] / 1000,
    )
    t = time.perf_counter()
    cost = cost_matrix(dlon, dlat, clon, clat, max_cost=RADIUS_M)
    cost_s = time.perf_counter() - t
    return Instance(
        cost,
        np.ones(N_DEMAND),
        (np.asarray(dlon), np.asarray(dlat), clon, clat),
        box,
        cost_s,
        f"São Paulo, {len(hexes)} H3 cells, demand ∝ jobs ({folder})",
    )


def solve(case: Case, inst: Instance) -> SitingResult:
    if case.problem == "max":
        return max_coverage(
            inst.cost,
            inst.weights,
            RADIUS_M,
            case.k,
            double=case.double,
            method=case.method,  # type: ignore[arg-type]
            solver=case.solver,  # type: ignore[arg-type]
            time_limit_s=case.time_limit_s,
        )
    return min_sites(
        inst.cost,
        inst.weights,
        RADIUS_M,
        case.target,
        method=case.method,  # type: ignore[arg-type]
        solver=case.solver,  # type: ignore[arg-type]
        time_limit_s=case.time_limit_s,
    )


def check(case: Case, r: SitingResult, inst: Instance, rows: list[dict[str, Any]]) -> None:
    """Recount from the chosen indices; greedy never beats a proven optimum."""
    counts = (inst.cost[:, list(r.chosen)] <= RADIUS_M).sum(axis=1)
    recount = float(inst.weights[counts >= (2 if case.double else 1)].sum())
    assert abs(recount - r.covered_after) < 1e-9, (case, recount, r.covered_after)
    assert len(set(r.chosen)) == len(r.chosen)
    if case.problem == "max":
        assert len(r.chosen) <= case.k
        assert r.covered_after <= r.bound + 1e-9
    else:
        assert r.share_after >= case.target - 1e-9 and len(r.chosen) >= r.bound
    for other in rows:
        if other["case"] != case.name or not other["optimal"] or other["method"] != "exact":
            continue
        if case.problem == "max":
            assert r.covered_after <= other["covered"] + 1e-9
            if r.optimal and case.method == "exact":  # proven optima are equal
                assert abs(r.covered_after - other["covered"]) < 1e-9, (case, other)
        else:
            assert len(r.chosen) >= other["sites"]


def row(case: Case, r: SitingResult, seconds: float) -> dict[str, Any]:
    bound_share = r.bound / r.total if case.problem == "max" else r.bound
    return {
        "case": case.name,
        "method": case.method,
        "solver": r.solver,
        "seconds": seconds,
        "covered": r.covered_after,
        "share": r.share_after,
        "sites": len(r.chosen),
        "optimal": r.optimal,
        "gap": r.gap,
        "bound": bound_share,
        "bound_kind": r.bound_kind,
        "status": r.status,
        "time_limit_s": case.time_limit_s,
    }


def machine() -> dict[str, Any]:
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next(
                (ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name")), "?"
            )
    except OSError:
        cpu = platform.processor() or "?"
    nproc = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    import scipy

    return {
        "cpu": cpu,
        "nproc": nproc,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "solvers": available_solvers(),
    }


def table(rows: list[dict[str, Any]], inst: Instance, info: dict[str, Any]) -> list[str]:
    out = [
        f"machine: {info['cpu']}, nproc = {info['nproc']}, Python {info['python']}",
        "solvers: " + "; ".join(f"{k} = {v}" for k, v in info["solvers"].items()),
        f"demand: {inst.source}",
        f"{N_DEMAND:,} demand × {N_CAND} candidates, box {inst.box_km[0]:.1f} × "
        f"{inst.box_km[1]:.1f} km, {RADIUS_M:g} m geodesic; cost matrix {inst.cost_s:.2f} s",
        "bound: share of demand for max cases, sites for min-95%",
        "{:<11}{:<7}{:<7}{:>9}{:>9}{:>6}{:>8}{:>8}{:>9}  {}".format(
            "case",
            "method",
            "solver",
            "seconds",
            "covered",
            "sites",
            "optimal",
            "gap",
            "bound",
            "bound kind",
        ),
    ]
    for r in rows:
        bound = f"{r['bound']:.1%}" if r["case"] != "min-95%" else f"{r['bound']:g}"
        out.append(
            "{:<11}{:<7}{:<7}{:>9.3f}{:>9}{:>6}{:>8}{:>8}{:>9}  {}".format(
                r["case"],
                r["method"],
                r["solver"],
                r["seconds"],
                f"{r['share']:.1%}",
                r["sites"],
                "yes" if r["optimal"] else "no",
                f"{r['gap']:.2%}",
                bound,
                r["bound_kind"],
            )
        )
    return out


# ---------------------------------------------------------------------------
# pytest-benchmark

try:
    import pytest
except ImportError:  # pragma: no cover - script use without pytest
    pytest = None  # type: ignore[assignment]

if pytest is not None:

    @pytest.fixture(scope="module")
    def inst() -> Instance:
        if data_folder() is None:
            pytest.skip("shared/data/sao-paulo/spo_hexgrid.csv is absent (São Paulo sample data)")
        return instance()

    @pytest.fixture(scope="module")
    def rows(request: pytest.FixtureRequest, inst: Instance) -> Iterator[list[dict[str, Any]]]:
        collected: list[dict[str, Any]] = []
        yield collected
        if not collected:
            return
        info = machine()
        out = ROOT / "bench" / "results"
        out.mkdir(exist_ok=True)
        (out / "siting-table.json").write_text(
            json.dumps({"machine": info, "demand": inst.source, "rows": collected}, indent=2)
        )
        # Print past pytest's capture, so the table shows without -s.
        capture = request.config.pluginmanager.getplugin("capturemanager")
        with capture.global_and_fixture_disabled():
            print("\n" + "\n".join(table(collected, inst, info)), flush=True)

    def test_cost_matrix(benchmark: Any, inst: Instance) -> None:
        """The geodesic 2,000 × 300 matrix (pyproj.Geod), as every case uses it."""
        cost = benchmark.pedantic(
            lambda: cost_matrix(*inst.coords, max_cost=RADIUS_M), rounds=3, iterations=1
        )
        np.testing.assert_array_equal(cost, inst.cost)
        benchmark.extra_info["machine"] = machine()["cpu"]

    @pytest.mark.parametrize("case", CASES, ids=[c.label for c in CASES])
    def test_siting(benchmark: Any, inst: Instance, rows: list[dict[str, Any]], case: Case) -> None:
        if case.solver == "cbc" and "cbc" not in available_solvers():
            pytest.skip("no CBC binary")
        rounds = 3 if case.method == "greedy" else 1
        times: list[float] = []

        def run() -> SitingResult:
            t = time.perf_counter()
            r = solve(case, inst)
            times.append(time.perf_counter() - t)
            return r

        r = benchmark.pedantic(run, rounds=rounds, iterations=1)
        check(case, r, inst, rows)
        rec = row(case, r, float(np.median(times)))
        rows.append(rec)
        benchmark.extra_info.update(rec)
        benchmark.extra_info["machine"] = machine()["cpu"]


# ---------------------------------------------------------------------------
# Script


def main() -> int:
    if data_folder() is None:
        print("skipped: shared/data/sao-paulo/spo_hexgrid.csv is absent")
        return 0
    inst = instance()
    rows: list[dict[str, Any]] = []
    for case in CASES:
        if case.solver == "cbc" and "cbc" not in available_solvers():
            continue
        t = time.perf_counter()
        r = solve(case, inst)
        secs = time.perf_counter() - t
        check(case, r, inst, rows)
        rows.append(row(case, r, secs))
    info = machine()
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "siting.json").write_text(
        json.dumps(
            {"machine": info, "demand": inst.source, "cost_matrix_s": inst.cost_s, "rows": rows},
            indent=2,
        )
    )
    print("\n".join(table(rows, inst, info)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
