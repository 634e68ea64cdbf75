"""``stationfinder registry-crs``, and who declares the coordinate system of an imported sheet.

A sheet of mainland-Chinese points that names no system is read in the one its region
(``crs`` in the regions file), the registry (``registry-crs``) or
``$STATIONFINDER_DEFAULT_CRS`` declares (:mod:`geo.sheet_crs`), else refused with a question.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from cli.common import open_registry, with_db
from cli.regions import cache_dir, regions_file
from geo.stations import StationStore


def add_arguments(sub: Any) -> None:
    """Register ``registry-crs`` on the parser's subparsers."""
    p = sub.add_parser(
        "registry-crs",
        help="show, or declare, the coordinate system of the registry's undeclared sheets",
    )
    with_db(p)
    p.add_argument(
        "system",  # not "crs": that name is checked as --crs by cli.common.check_arguments
        metavar="CRS",
        nargs="?",
        help="wgs84, gcj02 (Amap, Tencent) or bd09 (Baidu); 'none' withdraws it "
        "(default: show the declaration)",
    )


def sheet_declarations(args: argparse.Namespace, reg: StationStore) -> Any:
    """What may declare the system of the sheet ``import`` reads: ``--region``, the region of
    the regions file holding every point, the registry, ``$STATIONFINDER_DEFAULT_CRS``."""
    from geo.regions import RegionCatalog, read_regions
    from geo.sheet_crs import declared_crs

    path = regions_file(args)
    named = getattr(args, "region", None)
    specs = read_regions(path) if named or path.is_file() else []
    catalog = RegionCatalog(specs, cache_dir=cache_dir())
    return declared_crs(
        reg,
        specs,
        boundary=catalog.boundary,
        named_region=named,
        deployment=os.environ.get("STATIONFINDER_DEFAULT_CRS") or None,
    )


def cmd_registry_crs(args: argparse.Namespace) -> int:
    from geo.sheet_crs import declare_registry_crs, registry_crs

    reg = open_registry(args)
    if args.system is None:
        print(registry_crs(reg) or "none")
        return 0
    value = None if args.system.strip().lower() == "none" else args.system
    system = declare_registry_crs(reg, value, actor=os.environ.get("USER", "cli"))
    print(f"{reg.location}: undeclared sheets are read as {system}" if system else
          f"{reg.location}: no coordinate system declared")  # fmt: skip
    return 0


COMMANDS = {"registry-crs": cmd_registry_crs}
