"""Coverage of many regions at once, one Dask task per region.

A region is a name, an OSM ``.osm.pbf`` and a boundary polygon (WGS-84). Each
region's report is what :func:`geo.coverage.coverage_report` and
:func:`geo.gaps.gap_pieces` give on

* the walking network of its PBF cut to the boundary: nodes inside, the
  edges between them, the largest connected piece (paths that leave the
  boundary are not followed);
* the open stations within the standard's limit of the boundary (a station
  just outside still covers places inside);
* the demand points inside the boundary, and the boundary as the study area.

:func:`run_batch` runs the regions on a Dask cluster (a local one of
``n_workers`` processes by default, or the scheduler at an address). A region
whose task raises is retried; if it still fails it is recorded as failed with
its error, and the other regions' results are still written. Every output is
written to a temporary file and renamed, so an interrupted run leaves no half
file. Each region's inputs are hashed (PBF content, boundary, its stations,
its demand, the parameters); a rerun skips regions whose hash and outputs are
unchanged.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, cast

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.batch_failures import FAILURES_LOG, FailureLog
from geo.coverage import StationSet, coverage_report
from geo.errors import InvalidInputError
from geo.gaps import gap_pieces
from geo.mode_networks import engine_network
from geo.modes import TravelMode
from geo.network import StreetNetwork, _file_hash, load_network, network_from_arrays, walk_limit_m
from geo.stations import StationFilter

__all__ = [
    "Region",
    "RegionParams",
    "read_regions",
    "region_inputs",
    "region_network",
    "run_batch",
    "run_region",
]

log = logging.getLogger(__name__)

SUMMARY_COLUMNS = [
    "region", "status", "inputs_hash", "stations", "gaps", "seconds", "error",
    *[f"{share}_{part}" for share in ("street", "area", "demand")
      for part in ("none", "once", "multiple")],
]  # fmt: skip


@dataclass(frozen=True)
class Region:
    """One region of a batch: a name, its OSM file and its boundary (WGS-84)."""

    name: str
    pbf: str
    boundary: shapely.Polygon | shapely.MultiPolygon


@dataclass(frozen=True)
class RegionParams:
    """The standard every region is measured under."""

    standard: Literal["walk", "radius"] = "walk"
    minutes: float = 15.0
    radius_m: float = 1000.0
    walk_speed_kmh: float = 4.8
    resolution: int = 10
    mode: TravelMode = "walk"
    """Travel mode of the walk standard (:mod:`geo.modes`); minutes are minutes of it."""

    @property
    def limit_m(self) -> float:
        """How far (straight) a counted station may be: the walk, or 130 km/h for the minutes
        (no mode goes faster; a bound, the network decides what is covered)."""
        if self.standard == "walk":
            fastest = self.walk_speed_kmh if self.mode == "walk" else 130.0
            return walk_limit_m(self.minutes, fastest)
        return self.radius_m


def read_regions(path: str | Path) -> list[Region]:
    """Regions from a GeoJSON or GeoPackage with ``name`` and ``pbf`` columns and polygons.

    A relative ``pbf`` is read from the regions file's folder. Errors name the
    file, the row (1 = the first feature) and the column.
    """
    path = Path(path)
    if not path.is_file():
        raise InvalidInputError(f"{path}: no such file")
    try:
        frame = gpd.read_file(path)
    except Exception as exc:  # pyogrio raises several types for unreadable files
        raise InvalidInputError(f"{path}: not a readable GeoJSON or GeoPackage ({exc})") from None
    missing = [c for c in ("name", "pbf") if c not in frame.columns]
    if missing:
        raise InvalidInputError(f"{path}: no column(s) {', '.join(missing)}")
    if frame.crs is not None and frame.crs.to_epsg() != 4326:
        frame = frame.to_crs(4326)
    regions, seen = [], set()
    for row, rec in enumerate(frame.itertuples(index=False), start=1):
        name = str(rec.name or "").strip()
        if not name:
            raise InvalidInputError(f"{path}: row {row}, column 'name': empty")
        if name in seen:
            raise InvalidInputError(f"{path}: row {row}, column 'name': {name!r} appears twice")
        seen.add(name)
        geom = cast("shapely.Polygon | shapely.MultiPolygon | None", rec.geometry)
        if geom is None or geom.geom_type not in ("Polygon", "MultiPolygon") or geom.is_empty:
            kind = "nothing" if geom is None else geom.geom_type
            raise InvalidInputError(f"{path}: row {row}, column 'geometry': {kind}, not a polygon")
        pbf = Path(str(rec.pbf or ""))
        pbf = pbf if pbf.is_absolute() else path.parent / pbf
        if not pbf.is_file():
            raise InvalidInputError(f"{path}: row {row}, column 'pbf': no such file {str(pbf)!r}")
        regions.append(Region(name, str(pbf), geom))
    if not regions:
        raise InvalidInputError(f"{path}: no regions")
    return regions


def region_network(net: StreetNetwork, boundary: shapely.Geometry) -> StreetNetwork:
    """``net`` cut to ``boundary``: its nodes inside and the edges between them."""
    inside = shapely.contains_xy(boundary, net.lon, net.lat)
    keep = inside[net.edge_u] & inside[net.edge_v]
    if not keep.any():
        raise InvalidInputError("the boundary holds no street of the network")
    cost, length = net.edge_cost[keep], net.edge_len_m[keep]
    kmh = None if net.mode == "walk" else np.where(cost > 0, length / cost * 3.6, 1.0)
    return network_from_arrays(
        net.node_id[inside],
        net.lon[inside],
        net.lat[inside],
        net.node_id[net.edge_u[keep]],
        net.node_id[net.edge_v[keep]],
        length,
        mode=net.mode,
        oneway=net.edge_oneway[keep],
        speed_kmh=kmh,
        epsg=net.epsg,
    )


def region_inputs(
    region: Region,
    ids: np.ndarray,
    lon: np.ndarray,
    lat: np.ndarray,
    demand: pd.DataFrame | None,
    params: RegionParams,
) -> tuple[np.ndarray, pd.DataFrame | None]:
    """Which stations (a mask) and which demand points belong to ``region``."""
    area = gpd.GeoSeries([region.boundary], crs=4326)
    reach = area.to_crs(area.estimate_utm_crs()).buffer(params.limit_m).to_crs(4326).iloc[0]
    near = shapely.contains_xy(reach, lon, lat) if lon.size else np.zeros(0, bool)
    if demand is not None:
        inside = shapely.contains_xy(region.boundary, demand["lon"], demand["lat"])
        demand = demand[inside].reset_index(drop=True)
    return near, demand


def run_region(
    region: Region,
    ids: np.ndarray,
    lon: np.ndarray,
    lat: np.ndarray,
    demand: pd.DataFrame | None,
    params: RegionParams,
    *,
    cache_dir: str | Path | None = None,
) -> tuple[dict[str, Any], gpd.GeoDataFrame]:
    """One region's coverage report (as a dict) and gaps, in this process.

    ``ids``, ``lon``, ``lat`` are the stations that count (already chosen by
    :func:`region_inputs`); ``demand`` the points inside the boundary.
    """
    net = region_network(
        load_network(region.pbf, mode=params.mode, cache_dir=cache_dir), region.boundary
    )
    net = engine_network(net, walk_speed_kmh=params.walk_speed_kmh)  # the engine's unit
    stations = StationSet.build(net, ids, lon, lat)
    report = coverage_report(
        net,
        stations,
        standard=params.standard,
        minutes=params.minutes,
        radius_m=params.radius_m,
        walk_speed_kmh=params.walk_speed_kmh,
        demand=demand,
        area=region.boundary,
        resolution=params.resolution,
        keep_cells=True,
    )
    gaps = gap_pieces(report, net, stations, demand=demand, walk_speed_kmh=params.walk_speed_kmh)
    return report.to_dict(), gaps


def _region_task(
    region: Region,
    ids: np.ndarray,
    lon: np.ndarray,
    lat: np.ndarray,
    demand: pd.DataFrame | None,
    params: RegionParams,
    cache_dir: str | None,
    out_dir: str,
    inputs_hash: str,
) -> dict[str, Any]:
    """What a Dask worker runs: compute one region and write its outputs atomically."""
    t = time.perf_counter()
    report, gaps = run_region(region, ids, lon, lat, demand, params, cache_dir=cache_dir)
    folder = Path(out_dir) / "regions" / _slug(region.name)
    folder.mkdir(parents=True, exist_ok=True)
    _atomic(folder / "gaps.parquet", lambda p: gaps.assign(region=region.name).to_parquet(p))
    seconds = time.perf_counter() - t
    record = {"region": region.name, "inputs_hash": inputs_hash, "seconds": seconds, **report}
    _atomic(folder / "report.json", lambda p: Path(p).write_text(json.dumps(record, indent=2)))
    return record


def _slug(name: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "region"
    return f"{slug}-{hashlib.sha1(name.encode()).hexdigest()[:6]}"


def _atomic(path: Path, write: Any) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    write(tmp)
    os.replace(tmp, path)


def _inputs_hash(
    region: Region,
    pbf_hash: str,
    ids: np.ndarray,
    lon: np.ndarray,
    lat: np.ndarray,
    demand: pd.DataFrame | None,
    params: RegionParams,
) -> str:
    h = hashlib.sha256()
    h.update(pbf_hash.encode())
    h.update(shapely.to_wkb(region.boundary, output_dimension=2))
    h.update(json.dumps([list(map(str, ids)), lon.tolist(), lat.tolist()]).encode())
    if demand is not None:
        digest_rows = pd.util.hash_pandas_object(demand[["lon", "lat", "weight"]], index=False)
        h.update(digest_rows.to_numpy().tobytes())
    # Walking runs hash as before the mode existed: their outputs stay valid.
    named = {k: v for k, v in params.__dict__.items() if (k, v) != ("mode", "walk")}
    h.update(json.dumps(named, sort_keys=True).encode())
    return h.hexdigest()


def _shares_row(record: dict[str, Any]) -> dict[str, Any]:
    row = {}
    for share in ("street", "area", "demand"):
        for part in ("none", "once", "multiple"):
            row[f"{share}_{part}"] = record.get(f"{share}_share", {}).get(part)
    return row


def run_batch(
    regions: Sequence[Region],
    registry: Any,
    out_dir: str | Path,
    *,
    params: RegionParams | None = None,
    demand: pd.DataFrame | None = None,
    at: datetime | None = None,
    scheduler: str | None = None,
    n_workers: int = 2,
    retries: int = 2,
    force: bool = False,
    cache_dir: str | Path | None = None,
    progress: bool = False,
    on_failure: Callable[[str], None] | None = None,
) -> pd.DataFrame:
    """Coverage and gaps of every region on Dask; the summary table (also written).

    Parameters
    ----------
    regions
        The regions (names unique).
    registry
        A station registry (SQLite or PostGIS); its open stations count
        (open at ``at`` when given).
    out_dir
        Where ``summary.csv``, ``summary.parquet``, ``gaps.parquet`` (every
        region's gaps, with a ``region`` column), ``failures.log`` (tracebacks of failed
        attempts) and ``regions/<name>-<hash>/`` go: the name with characters other than
        ASCII letters, digits, ``._-`` replaced, then 6 hex digits of its SHA-1, so names
        differing only in replaced characters never share a folder.
    params
        The standard (walking 15 minutes by default).
    demand
        Points with ``lon``, ``lat`` and ``weight``.
    scheduler
        Address of a running Dask scheduler; a local cluster of ``n_workers``
        processes (one thread each) when None.
    retries
        How many times a failed region is tried again.
    on_failure
        Called with one line per failed attempt (region, attempt, reason); default: a
        warning on this module's logger. Tracebacks go to ``failures.log`` in ``out_dir``
        (:mod:`geo.batch_failures`).
    force
        Recompute regions whose inputs are unchanged.

    Returns
    -------
    pandas.DataFrame
        One row per region (``SUMMARY_COLUMNS``): status ``done``, ``skipped``
        (unchanged since the last run) or ``failed`` (with ``error``).
    """
    from distributed import Client, LocalCluster, as_completed

    params = params or RegionParams()
    names = [r.name for r in regions]
    if len(set(names)) != len(names):
        raise InvalidInputError("region names must be unique")
    if demand is not None and "weight" not in demand:
        demand = demand.assign(weight=1.0)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    ids, lon, lat = registry.arrays(StationFilter(open_at=at))
    lon, lat = np.asarray(lon, float), np.asarray(lat, float)
    ids = np.asarray(ids, dtype=object)
    pbf_hashes: dict[str, str] = {}
    failures = FailureLog(out / FAILURES_LOG, say=on_failure)
    rows: dict[str, dict[str, Any]] = {}
    jobs = []
    for region in regions:
        try:
            if region.pbf not in pbf_hashes:
                pbf_hashes[region.pbf] = _file_hash(Path(region.pbf))
            mask, dem = region_inputs(region, ids, lon, lat, demand, params)
            digest = _inputs_hash(
                region, pbf_hashes[region.pbf], ids[mask], lon[mask], lat[mask], dem, params
            )
        except Exception as exc:  # a region's bad input fails that region only
            reason = failures.record(region.name, exc)
            rows[region.name] = {"region": region.name, "status": "failed", "error": reason}
            continue
        folder = out / "regions" / _slug(region.name)
        previous = _read_json(folder / "report.json")
        if (
            not force
            and previous.get("inputs_hash") == digest
            and (folder / "gaps.parquet").exists()
        ):
            rows[region.name] = {**previous, "status": "skipped"}
            continue
        jobs.append((region, ids[mask], lon[mask], lat[mask], dem, digest))

    if jobs:
        cluster = None
        if scheduler is None:
            cluster = LocalCluster(  # type: ignore[no-untyped-call]
                n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=":0",
                silence_logs=logging.CRITICAL,  # failures are told once, by `failures`
            )  # fmt: skip
        try:
            with Client(scheduler or cluster) as client:  # type: ignore[no-untyped-call]

                def submit(job: tuple[Any, ...], attempt: int) -> Any:
                    region, *arrays, digest = job
                    return client.submit(
                        _region_task, region, *arrays, params,
                        str(cache_dir) if cache_dir else None, str(out), digest,
                        pure=False, key=f"{_slug(region.name)}-{digest[:8]}-{attempt}",
                    )  # fmt: skip

                futures = {submit(job, 1): (job, 1) for job in jobs}
                done = as_completed(futures)  # type: ignore[no-untyped-call]
                bar = _bar(len(futures), progress)
                for fut in done:
                    job, attempt = futures.pop(fut)
                    name = job[0].name
                    if fut.status == "error":  # told once per attempt; retried here, not by Dask
                        reason = failures.record(
                            name, fut.exception(), fut.traceback(), attempt=attempt,
                            tries=retries + 1,
                        )  # fmt: skip
                        if attempt <= retries:
                            again = submit(job, attempt + 1)
                            futures[again] = (job, attempt + 1)
                            done.add(again)  # type: ignore[no-untyped-call]
                            continue
                        rows[name] = {"region": name, "status": "failed", "error": reason}
                    else:
                        rows[name] = {**fut.result(), "status": "done"}
                    bar.update()
                bar.close()
        finally:
            if cluster is not None:
                cluster.close()

    summary = pd.DataFrame(
        [
            {
                "region": name,
                "status": rows[name]["status"],
                "inputs_hash": rows[name].get("inputs_hash"),
                "stations": rows[name].get("stations"),
                "gaps": None,
                "seconds": rows[name].get("seconds"),
                "error": rows[name].get("error") or "",  # empty, never NaN, when it worked
                **_shares_row(rows[name]),
            }
            for name in names
        ],
        columns=SUMMARY_COLUMNS,
    )
    frames = []
    for i, name in enumerate(names):
        path = out / "regions" / _slug(name) / "gaps.parquet"
        if summary.at[i, "status"] != "failed" and path.exists():
            gaps = gpd.read_parquet(path)
            summary.at[i, "gaps"] = len(gaps)
            frames.append(gaps)
    all_gaps = (
        gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=4326)
        if frames
        else gpd.GeoDataFrame({"region": []}, geometry=[], crs=4326)
    )
    _atomic(out / "gaps.parquet", all_gaps.to_parquet)
    _atomic(out / "summary.parquet", summary.to_parquet)
    _atomic(out / "summary.csv", lambda p: summary.to_csv(p, index=False))
    return summary


def _read_json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text())  # type: ignore[no-any-return]
    except (OSError, ValueError):
        return {}


def _bar(total: int, progress: bool) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, desc="regions", unit="region", disable=not progress)
