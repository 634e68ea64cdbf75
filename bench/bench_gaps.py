"""Gap pieces and station impact on São Paulo's centre, each beside a peer in the same run.

Case: the São Paulo walking network (``shared/data/sao-paulo``, ≈ 19,900
nodes), 12 stations on the hexagons with most jobs, jobs as demand, 15 minutes
on foot; skipped with a reason where the folder is absent. Pairs:

- ``gaps``: :func:`geo.gaps.gap_pieces` (pieces no wider than the limit, with
  centre walks and best sites) beside :func:`geo.coverage.find_gaps` (the
  contiguity merge it replaces, which computes much less);
- ``impact``: :func:`geo.impact.station_impact` (all stations from one
  labelling) beside the brute force its tests use, one
  :func:`geo.coverage.coverage_report` per station with that station removed;
  both must give the same demand loss per station, or the run fails.

Run (about a minute)::

    .venv/bin/python -m pytest bench/bench_gaps.py --benchmark-only \\
        --benchmark-json=bench/results/gaps-pytest.json
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from geo.coverage import StationSet, coverage_report, find_gaps  # noqa: E402
from geo.gaps import gap_pieces  # noqa: E402
from geo.impact import station_impact  # noqa: E402
from geo.network import load_network  # noqa: E402
from tests.conftest import shared_data  # noqa: E402


@pytest.fixture(scope="module")
def case():  # type: ignore[no-untyped-def]
    folder = shared_data()
    if folder is None:
        pytest.skip("shared/data/sao-paulo is absent (fresh clone)")
    net = load_network(folder / "spo_osm.pbf")
    hexes = pd.read_csv(folder / "spo_hexgrid.csv")
    top = hexes.nlargest(12, "jobs")
    s = StationSet.build(net, top["id"].astype(str), top["lon"], top["lat"])
    dem = hexes.rename(columns={"jobs": "weight"})
    return net, s, dem, coverage_report(net, s, demand=dem, keep_cells=True)


@pytest.mark.parametrize("method", ["gap_pieces", "find_gaps"])
def test_gaps(benchmark, case, method: str) -> None:  # type: ignore[no-untyped-def]
    net, s, dem, report = case
    benchmark.group = "gaps: São Paulo, 15 min, 12 stations"
    if method == "gap_pieces":
        out = benchmark.pedantic(
            gap_pieces, args=(report, net, s), kwargs={"demand": dem}, rounds=3
        )
        assert out["diameter_m"].max() <= report.limit_m
    else:
        out = benchmark.pedantic(find_gaps, args=(report,), kwargs={"demand": dem}, rounds=3)
    total = dem["weight"].sum() * report.demand_share.none
    benchmark.extra_info.update({"rows": len(out), "uncovered_jobs": float(total)})
    assert len(out) > 0


def removal_losses(net, s, dem) -> np.ndarray:  # type: ignore[no-untyped-def]
    base = coverage_report(net, s, demand=dem).demand_share.none
    out = []
    for j in range(s.ids.size):
        keep = np.ones(s.ids.size, dtype=bool)
        keep[j] = False
        out.append(coverage_report(net, s, demand=dem, active=keep).demand_share.none - base)
    return np.array(out)


@pytest.mark.parametrize("method", ["station_impact", "remove_each"])
def test_impact(benchmark, case, method: str) -> None:  # type: ignore[no-untyped-def]
    net, s, dem, _ = case
    benchmark.group = "impact: São Paulo, 15 min, 12 stations"
    if method == "station_impact":
        t = benchmark.pedantic(station_impact, args=(net, s), kwargs={"demand": dem}, rounds=3)
        loss = t.table.set_index("station_id").loc[list(s.ids), "loss_demand_share"]
        benchmark.extra_info["loses_nothing"] = int(t.table["loses_nothing"].sum())
        np.testing.assert_allclose(loss.to_numpy(float), removal_losses(net, s, dem), atol=1e-12)
    else:
        benchmark.pedantic(removal_losses, args=(net, s, dem), rounds=1)
