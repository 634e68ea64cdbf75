"""Batch coverage on Dask: the Helsinki extract cut into four regions, run on two workers,
checked against the same reports made in this process; failures retried and reported;
reruns skip what did not change."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

import geo.batch
from geo.batch import Region, RegionParams, region_inputs, region_network, run_batch
from geo.coverage import StationSet, coverage_report
from geo.gaps import gap_pieces
from geo.io import import_stations
from geo.network import StreetNetwork, load_network
from geo.stations import StationFilter, StationStore, open_store
from geo.types import Kind, Station

ROOT = Path(__file__).resolve().parents[2]
PARAMS = RegionParams(minutes=2.0)  # 160 m: leaves gaps on the small demo city


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory, helsinki_pbf: str) -> Path:
    path = tmp_path_factory.mktemp("batch-cache")
    load_network(helsinki_pbf, cache_dir=path)  # built once here, read by the workers
    return path


@pytest.fixture(scope="module")
def regions(helsinki_pbf: str, helsinki: StreetNetwork) -> list[Region]:
    xs = np.linspace(helsinki.lon.min(), helsinki.lon.max(), 3)
    ys = np.linspace(helsinki.lat.min(), helsinki.lat.max(), 3)
    return [
        Region(f"part {i}{j}", helsinki_pbf, shapely.box(xs[i], ys[j], xs[i + 1], ys[j + 1]))
        for i in range(2)
        for j in range(2)
    ]


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as cluster:
        yield cluster.scheduler_address


@pytest.fixture
def registry(tmp_path: Path) -> StationStore:
    reg = open_store(tmp_path / "r.sqlite", tz="Europe/Helsinki")
    import_stations(reg, ROOT / "data" / "helsinki_stations.csv")
    return reg


def demand() -> pd.DataFrame:
    return pd.read_csv(ROOT / "data" / "helsinki_demand.csv")


def in_process(region: Region, reg: StationStore, net: StreetNetwork) -> tuple[dict, Any]:
    """The region's report made here, step by step, without the batch code's runner."""
    ids, lon, lat = reg.arrays(StationFilter())
    mask, dem = region_inputs(region, ids, lon, lat, demand(), PARAMS)
    sub = region_network(net, region.boundary)
    stations = StationSet.build(sub, ids[mask], lon[mask], lat[mask])
    report = coverage_report(
        sub, stations, minutes=PARAMS.minutes, demand=dem, area=region.boundary, keep_cells=True
    )
    return report.to_dict(), gap_pieces(report, sub, stations, demand=dem)


def test_batch_equals_single_process_reports(
    regions: list[Region],
    registry: StationStore,
    helsinki: StreetNetwork,
    scheduler: str,
    cache: Path,
    tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    summary = run_batch(
        regions, registry, out, params=PARAMS, demand=demand(), scheduler=scheduler, cache_dir=cache
    )
    assert summary["status"].tolist() == ["done"] * 4
    assert summary["gaps"].sum() > 0 and (summary["demand_none"] > 0).any()  # gaps to compare
    all_gaps = gpd.read_parquet(out / "gaps.parquet")
    for region, row in zip(regions, summary.itertuples(), strict=True):
        want, want_gaps = in_process(region, registry, helsinki)
        folder = next((out / "regions").glob(f"part_{region.name[-2:]}-*"))
        got = json.loads((folder / "report.json").read_text())
        for key in ("street_share", "area_share", "demand_share", "stations", "limit_m"):
            assert got[key] == pytest.approx(want[key]), (region.name, key)
        assert row.street_none == pytest.approx(want["street_share"]["none"])
        mine = all_gaps[all_gaps["region"] == region.name].sort_values("rank")
        assert row.gaps == len(want_gaps) == len(mine)
        np.testing.assert_allclose(mine["area_m2"], want_gaps["area_m2"])
        np.testing.assert_allclose(mine["demand"], want_gaps["demand"])
    assert (out / "summary.csv").is_file() and (out / "summary.parquet").is_file()
    assert not list(out.rglob("*.tmp"))  # nothing half-written


def test_a_failing_region_is_retried_then_reported(
    regions: list[Region], registry: StationStore, cache: Path, tmp_path: Path
) -> None:
    sea = Region("at sea", regions[0].pbf, shapely.box(24.0, 59.5, 24.01, 59.51))
    missing = Region("no file", str(tmp_path / "gone.osm.pbf"), regions[0].boundary)
    summary = run_batch(
        [*regions[:2], sea, missing], registry, tmp_path / "out", params=PARAMS,
        cache_dir=cache, n_workers=2, retries=1,
    )  # fmt: skip
    status = dict(zip(summary["region"], summary["status"], strict=True))
    assert status == {"part 00": "done", "part 01": "done", "at sea": "failed", "no file": "failed"}
    errors = dict(zip(summary["region"], summary["error"], strict=True))
    assert "holds no street" in errors["at sea"] and "gone.osm.pbf" in errors["no file"]


def test_retries_recover_a_flaky_region(
    regions: list[Region],
    registry: StationStore,
    cache: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Threads in this process (so the patch reaches the worker): the first try of one region
    fails, the retry succeeds, and the region is done."""
    from distributed import LocalCluster

    real, tries = geo.batch.run_region, []

    def flaky(region: Region, *args: Any, **kwargs: Any) -> Any:
        tries.append(region.name)
        if region.name == "part 10" and tries.count("part 10") == 1:
            raise OSError("worker lost its disk for a moment")
        return real(region, *args, **kwargs)

    monkeypatch.setattr(geo.batch, "run_region", flaky)
    with LocalCluster(n_workers=1, processes=False, dashboard_address=":0") as cluster:
        summary = run_batch(
            regions, registry, tmp_path / "out", params=PARAMS, cache_dir=cache,
            scheduler=cluster.scheduler_address, retries=1,
        )  # fmt: skip
    assert summary["status"].tolist() == ["done"] * 4
    assert tries.count("part 10") == 2 and tries.count("part 00") == 1


def test_rerun_skips_unchanged_regions(
    regions: list[Region], registry: StationStore, scheduler: str, cache: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    first = run_batch(regions, registry, out, params=PARAMS, scheduler=scheduler, cache_dir=cache)
    again = run_batch(regions, registry, out, params=PARAMS, scheduler=scheduler, cache_dir=cache)
    assert again["status"].tolist() == ["skipped"] * 4
    pd.testing.assert_frame_equal(
        first.drop(columns="status"), again.drop(columns="status"), check_dtype=False
    )
    # A new station in the middle of one part changes that part only.
    c = regions[3].boundary.centroid
    registry.add(Station("new", "New", Kind.WORKER_STATION, c.x, c.y, opening_hours="24/7"))
    third = run_batch(regions, registry, out, params=PARAMS, scheduler=scheduler, cache_dir=cache)
    assert third["status"].tolist() == ["skipped", "skipped", "skipped", "done"]
    assert third.at[3, "stations"] == first.at[3, "stations"] + 1
    forced = run_batch(
        regions[:1], registry, out, params=PARAMS, scheduler=scheduler, cache_dir=cache, force=True
    )
    assert forced["status"].tolist() == ["done"]
