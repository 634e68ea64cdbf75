"""The catalog of declared regions: their files loaded on first use, checked, and batched.

:class:`RegionCatalog` loads a region on first use and keeps at most
``max_loaded`` of them, dropping the least recently used, so a service that
declares fifty cities starts at once and holds only those in use. The
declarations themselves are :mod:`geo.regions.declarations`; the stations that
count for a region, :mod:`geo.regions.counted`.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.coverage import study_area
from geo.errors import InvalidInputError, LocalizedInputError, NotFoundError
from geo.network import load_network
from geo.regions.declarations import Boundary, Region, RegionSpec, network_file, read_regions

__all__ = [
    "RegionCatalog",
    "batch_regions",
    "check_region",
    "load_region",
    "read_demand",
    "read_districts",
]

log = logging.getLogger(__name__)


def read_demand(path: str | Path) -> pd.DataFrame:
    """Demand points from a CSV of ``lon``, ``lat`` and optional ``weight`` (default 1)."""
    path = Path(path)
    if not path.is_file():
        raise NotFoundError(f"{path}: no such demand file")
    frame = pd.read_csv(path)
    missing = {"lon", "lat"} - set(frame.columns)
    if missing:
        raise InvalidInputError(f"{path}: no column(s) {', '.join(sorted(missing))}")
    if "weight" not in frame:
        frame["weight"] = 1.0
    for col in ("lon", "lat", "weight"):
        bad = pd.to_numeric(frame[col], errors="coerce").isna()
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0]) + 2  # 1 = the header
            raise InvalidInputError(f"{path}: row {row}, column {col!r}: not a number")
    return frame


def _read_polygons(path: Path, what: str) -> gpd.GeoDataFrame:
    if not path.is_file():
        raise NotFoundError(f"{path}: no such {what} file")
    try:
        frame = gpd.read_file(path)
    except Exception as exc:  # pyogrio raises several types for unreadable files
        raise InvalidInputError(f"{path}: not a readable polygon layer ({exc})") from None
    if frame.crs is not None and frame.crs.to_epsg() != 4326:
        frame = frame.to_crs(4326)
    kinds = set(frame.geom_type.dropna())
    if not frame.size or not kinds <= {"Polygon", "MultiPolygon"}:
        raise InvalidInputError(f"{path}: the {what} must be polygons")
    return frame


def read_districts(path: str | Path) -> gpd.GeoDataFrame:
    """A district layer (GeoJSON, GeoPackage …): polygons with a ``name``, in WGS-84.

    Raises
    ------
    NotFoundError, InvalidInputError
        One line naming the file: missing, unreadable, not polygons, or no ``name``.
    """
    frame = _read_polygons(Path(path), "districts")
    if "name" not in frame:
        raise InvalidInputError(f"{path}: no column 'name' (each district's name)")
    return frame


def _union(frame: gpd.GeoDataFrame) -> Boundary:
    return shapely.union_all(frame.geometry.to_numpy())  # type: ignore[return-value]


def load_region(spec: RegionSpec, *, cache_dir: str | Path | None = None) -> Region:
    """Read every file of a region (the network through its cache)."""
    net_path = network_file(spec)
    net = load_network(net_path, cache_dir=cache_dir)
    boundary: Boundary = study_area(net)
    if spec.boundary is not None:
        boundary = _union(_read_polygons(spec.boundary, "boundary"))
    districts = None
    if spec.districts is not None:
        districts = _read_polygons(spec.districts, "districts")
        if "name" not in districts:
            raise InvalidInputError(f"{spec.districts}: districts need a 'name' column")
    layers = {name: read_demand(p) for name, p in spec.demand}
    return Region(spec, net, boundary, layers, districts, str(net_path))


def check_region(spec: RegionSpec, *, cache_dir: str | Path | None = None) -> dict[str, Any]:
    """Load a region and describe it, for ``stationfinder regions check``.

    Returns
    -------
    dict
        ``nodes``, ``edges``, ``street_km``, ``bbox``, ``layers`` (points per
        demand layer), ``demand_outside`` (points per layer outside the
        boundary) and ``districts``.

    Raises
    ------
    GeoError
        The first problem, naming the file.
    """
    region = load_region(spec, cache_dir=cache_dir)
    outside = {}
    for name, frame in region.demand_layers.items():
        inside = shapely.contains_xy(region.boundary, frame["lon"], frame["lat"])
        outside[name] = int((~inside).sum())
    return {
        "nodes": region.network.n_nodes,
        "edges": int(region.network.edge_u.size),
        "street_km": float(region.network.edge_len_m.sum() / 1000.0),
        "bbox": [round(float(v), 6) for v in region.boundary.bounds],
        "layers": {k: len(v) for k, v in region.demand_layers.items()},
        "demand_outside": outside,
        "districts": [] if region.districts is None else list(map(str, region.districts["name"])),
    }


def batch_regions(
    path: str | Path, *, cache_dir: str | Path | None = None
) -> tuple[list[Any], pd.DataFrame | None]:
    """The regions of a regions file as :class:`geo.batch.Region` (id, network, boundary),
    and every region's demand layers together (None without any), for ``coverage-batch``.

    A region without a declared boundary is measured within the hull of its network.
    """
    from geo.batch import Region as BatchRegion

    catalog = RegionCatalog(read_regions(path), cache_dir=Path(cache_dir) if cache_dir else None)
    out, demand = [], []
    for spec in catalog.specs:
        out.append(BatchRegion(spec.id, network_file(spec), catalog.boundary(spec.id)))
        demand += [read_demand(p) for _, p in spec.demand]
    cols = ["lon", "lat", "weight"]
    return out, pd.concat([d[cols] for d in demand], ignore_index=True) if demand else None


def _digest(path: str) -> str:
    h = hashlib.sha256()
    h.update(str(Path(path).resolve()).encode())
    stat = Path(path).stat()
    h.update(f"{stat.st_size}:{stat.st_mtime_ns}".encode())
    return h.hexdigest()[:24]


@dataclass
class RegionCatalog:
    """The declared regions, loaded on first use, at most ``max_loaded`` held at once.

    Thread-safe: two requests for the same unloaded region load it once.
    Boundaries outlive eviction (they are small) and, for regions whose
    boundary is the hull of their network, are kept in ``cache_dir`` so that
    finding the region of a point never loads fifty networks twice.
    """

    specs: Sequence[RegionSpec]
    cache_dir: Path | None = None
    max_loaded: int = 4
    _loaded: OrderedDict[str, Region] = field(default_factory=OrderedDict)
    _boundaries: dict[str, Boundary] = field(default_factory=dict)
    _locks: dict[str, threading.Lock] = field(default_factory=dict)
    _guard: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        if self.max_loaded < 1:
            raise InvalidInputError(f"max_loaded={self.max_loaded!r} must be >= 1")
        ids = [s.id for s in self.specs]
        if len(set(ids)) != len(ids):
            raise InvalidInputError(f"region ids must be unique: {ids}")
        self._locks = {i: threading.Lock() for i in ids}

    @property
    def ids(self) -> list[str]:
        return [s.id for s in self.specs]

    def spec(self, region_id: str) -> RegionSpec:
        """The declaration of ``region_id``; an unknown id is an error listing the choices."""
        for s in self.specs:
            if s.id == region_id:
                return s
        raise LocalizedInputError(
            f"region={region_id!r} is not a region of this service; "
            f"choose one of: {', '.join(self.ids) or '(none declared)'}",
            f"region：本服务没有区域“{region_id}”；可选：{'、'.join(self.ids) or '（未声明区域）'}",
        )

    def resolve(self, region_id: str | None) -> str:
        """``region_id`` checked; None is the only region when exactly one is declared."""
        if region_id is not None:
            return self.spec(region_id).id
        if len(self.specs) == 1:
            return self.specs[0].id
        if not self.specs:
            raise NotFoundError("no region is declared, so there is no street network here")
        raise LocalizedInputError(
            f"region is required: this service has {len(self.specs)} regions; "
            f"choose one of: {', '.join(self.ids)}",
            f"region：本服务有 {len(self.specs)} 个区域，请指定一个：{'、'.join(self.ids)}",
        )

    def loaded(self) -> list[str]:
        """Ids of the regions held now, least recently used first."""
        with self._guard:
            return list(self._loaded)

    def get(self, region_id: str) -> Region:
        """The loaded region (loading it now if needed; the least recently used may go)."""
        spec = self.spec(region_id)
        with self._guard:
            region = self._loaded.get(spec.id)
            if region is not None:
                self._loaded.move_to_end(spec.id)
                return region
        with self._locks[spec.id]:
            with self._guard:
                region = self._loaded.get(spec.id)
            if region is None:
                log.info("loading region %s", spec.id)
                region = load_region(spec, cache_dir=self.cache_dir)
                self._keep_hull(spec, region.boundary)
            with self._guard:
                self._loaded[spec.id] = region
                self._loaded.move_to_end(spec.id)
                self._boundaries[spec.id] = region.boundary
                while len(self._loaded) > self.max_loaded:
                    gone, _ = self._loaded.popitem(last=False)
                    log.info("evicted region %s", gone)
            return region

    def _hull_file(self, spec: RegionSpec) -> Path | None:
        if self.cache_dir is None:
            return None
        return self.cache_dir / f"region-hull-{_digest(network_file(spec))}.wkt"

    def _keep_hull(self, spec: RegionSpec, boundary: Boundary) -> None:
        """Write a network's hull to the cache folder, for the next start."""
        hull = self._hull_file(spec)
        if spec.boundary is not None or hull is None or hull.is_file():
            return
        hull.parent.mkdir(parents=True, exist_ok=True)
        # Named by process and thread: concurrent writers never share a file.
        tmp = hull.with_name(f".{hull.name}.{os.getpid()}.{threading.get_ident()}")
        tmp.write_text(shapely.to_wkt(boundary, rounding_precision=-1), encoding="utf-8")
        tmp.replace(hull)

    def known_boundary(self, region_id: str) -> Boundary | None:
        """The region's boundary when it is declared or remembered (in memory or in the
        cache folder); None when only loading the region would tell."""
        spec = self.spec(region_id)
        with self._guard:
            known = self._boundaries.get(spec.id)
        if known is not None:
            return known
        # A declared boundary is read as it is: the network file is not opened (nor hashed).
        hull = None if spec.boundary is not None else self._hull_file(spec)
        if spec.boundary is not None:
            geom = _union(_read_polygons(spec.boundary, "boundary"))
        elif hull is not None and hull.is_file():
            geom = shapely.from_wkt(hull.read_text(encoding="utf-8"))  # type: ignore[assignment]
        else:
            return None
        with self._guard:
            self._boundaries[spec.id] = geom
        return geom

    def boundary(self, region_id: str) -> Boundary:
        """The region's boundary, without loading it when it is declared or remembered."""
        known = self.known_boundary(region_id)
        return known if known is not None else self.get(region_id).boundary

    def containing(self, lon: float, lat: float) -> str | None:
        """The first declared region whose boundary holds the point, or None."""
        for spec in self.specs:
            if shapely.intersects_xy(self.boundary(spec.id), lon, lat):
                return spec.id
        return None
