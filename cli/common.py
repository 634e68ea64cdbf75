"""What the ``stationfinder`` commands share: the store, tables, times, networks and
the coverage inputs (``cli/<command>.py`` modules hold the commands)."""

from __future__ import annotations

import argparse
import os
import sys
import unicodedata
from collections.abc import Sequence
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cli import closures
from cli.modes import add_mode_options, chosen_mode, mode_networks, reach_for
from cli.regions import add_region_options, chosen_region
from geo.errors import InvalidInputError
from geo.when import parse_time

if TYPE_CHECKING:
    from geo.network import StreetNetwork
    from geo.stations import StationStore

CRS_HELP = "coordinate system: wgs84 (default), gcj02 (Amap, Tencent) or bd09 (Baidu)"

BUNDLED_CACHE = Path(__file__).resolve().parents[1] / "data" / "cache"
"""Networks of a PostGIS registry's commands."""


def parse_when(text: str | None, *, option: str = "--at") -> datetime | None:
    """``now``, or an ISO 8601 time (naive means local to the registry's time zone)."""
    return parse_time(text, name=option)


OPEN_STORES = ExitStack()
"""Every store a command opens; :func:`main` closes them when the command ends."""


TZ_HELP = (
    "IANA time zone of opening hours (e.g. Asia/Shanghai, Europe/Helsinki), stored in a new "
    "registry; default: $STATIONFINDER_TZ, else the registry's own (a new one: Asia/Shanghai)"
)


def add_tz_option(p: argparse.ArgumentParser, help: str = TZ_HELP) -> None:
    """``--tz``: the registry's time zone."""
    p.add_argument("--tz", metavar="ZONE", help=help)


def checked_tz(tz: str | None) -> str | None:
    """``--tz`` unchanged when it is an IANA time zone name (or None); else a one-line error."""
    from geo.stations.model import check_tz

    try:
        return check_tz(tz)
    except InvalidInputError:
        raise InvalidInputError(
            f"--tz {tz!r} is not an IANA time zone name (e.g. Asia/Shanghai, Europe/Helsinki)"
        ) from None


OUTPUT_OPTIONS = ("out", "map", "changes")
"""Options naming a file a command writes (``coverage-batch --out`` is a folder it makes)."""


def check_arguments(args: argparse.Namespace) -> None:
    """Refuse, in one line naming the option, what no command can use: a coordinate system
    that is none (``--crs``), a kind that is none (``--station-kind``; Chinese names become
    the codes), an output file in a folder that does not exist."""
    from geo.crs import parse_coord_system
    from geo.names import parse_kind_name

    crs = getattr(args, "crs", None)
    if isinstance(crs, str):
        parse_coord_system(crs, argument="--crs")
    if getattr(args, "station_kind", None):
        args.station_kind = [
            parse_kind_name(k, argument="--station-kind").value for k in args.station_kind
        ]
    if args.command == "coverage-batch":
        return
    for option in OUTPUT_OPTIONS:
        target = getattr(args, option, None)
        if isinstance(target, str) and target and not Path(target).parent.is_dir():
            raise InvalidInputError(
                f"--{option} {target}: no folder {Path(target).parent} to write it in"
            )


def open_registry(
    args: argparse.Namespace, *, must_exist: bool = True, tz: str | None = None
) -> StationStore:
    """The store of ``--db``: a SQLite file, or a ``postgresql://`` URL (PostGIS).

    With ``tz`` (``--tz``), a new registry stores that zone, and an existing one must
    already keep its hours in it (else a one-line error naming both). The store is closed
    by :func:`main` when the command ends, however it ends.
    """
    from geo.stations import is_database_url, open_store

    db = (
        args.db
        or os.environ.get("STATIONFINDER_DATABASE_URL")
        or os.environ.get("STATIONFINDER_DB")
    )
    if not db:
        raise InvalidInputError("no database: pass --db FILE or set STATIONFINDER_DB")
    if not is_database_url(db) and must_exist and not Path(db).is_file():
        raise InvalidInputError(f"--db {db}: no such file (create it with `stationfinder import`)")
    if tz is None:
        store = open_store(db, tz=os.environ.get("STATIONFINDER_TZ") or None)
        return OPEN_STORES.enter_context(store)
    store = OPEN_STORES.enter_context(open_store(db, default_tz=checked_tz(tz) or tz))
    if store.tz != tz:
        raise InvalidInputError(
            f"--tz {tz}: the registry {db} keeps its opening hours in {store.tz} (set when "
            "it was created); leave --tz out, or import into a new --db"
        )
    return store


def text_width(text: str) -> int:
    """Columns a string takes in a terminal: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def print_table(rows: Sequence[Sequence[Any]], header: Sequence[str]) -> None:
    cells = [[str(c) for c in header], *[[str(c) for c in r] for r in rows]]
    widths = [max(text_width(r[i]) for r in cells) for i in range(len(header))]
    for j, r in enumerate(cells):
        line = "  ".join(c + " " * (w - text_width(c)) for c, w in zip(r, widths, strict=True))
        print(line.rstrip())
        if j == 0:
            print("  ".join("-" * w for w in widths))


def with_db(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--db",
        help="SQLite file or postgresql:// URL (default: $STATIONFINDER_DATABASE_URL, "
        "else $STATIONFINDER_DB)",
    )


def add_coverage_options(p: argparse.ArgumentParser) -> None:
    with_db(p)
    p.add_argument(
        "--network",
        metavar="FILE",
        help="OpenStreetMap .osm.pbf or OSMnx .graphml[.gz] (or use --region)",
    )
    add_region_options(p)
    p.add_argument(
        "--standard",
        choices=["walk", "radius"],
        help="walk (default) or radius (default when --radius is given)",
    )
    p.add_argument("--minutes", type=float, default=15.0, help="travel limit (default 15)")
    p.add_argument("--radius", type=float, help="straight-line limit in metres (default 1000)")
    p.add_argument("--walk-speed", type=float, default=4.8, help="km/h (default 4.8)")
    add_mode_options(p)
    p.add_argument(
        "--demand",
        help="CSV of demand points: lon, lat[, weight]"
        + (" ('cells': hexagons weighted by area)" if p.prog.endswith("suggest") else ""),
    )
    p.add_argument("--districts", help="GeoJSON/GeoPackage of districts with a 'name' column")
    p.add_argument("--at", metavar="ISO8601", help="count only stations open then ('now' ok)")
    p.add_argument(
        "--station-kind", action="append", help="count only stations of this kind (repeatable)"
    )
    p.add_argument("--resolution", type=int, default=10, help="H3 resolution (default 10)")


def network_for(args: argparse.Namespace, reg: StationStore) -> StreetNetwork:
    """The network of ``--region`` or ``--network`` (cached beside the registry, or in
    $STATIONFINDER_CACHE_DIR)."""
    from geo.network import load_network

    region = chosen_region(args)
    if region is not None:
        return region.network  # type: ignore[no-any-return]
    if not args.network:
        raise InvalidInputError("give --network FILE (.osm.pbf or .graphml) or --region NAME")
    return load_network(args.network, cache_dir=network_cache(reg), progress=sys.stderr.isatty())


def network_cache(reg: StationStore) -> Path:
    """Where networks are cached: $STATIONFINDER_CACHE_DIR, else beside a SQLite registry."""
    beside = Path(reg.location).parent / "cache" if reg.backend == "sqlite" else BUNDLED_CACHE
    return Path(os.environ.get("STATIONFINDER_CACHE_DIR", beside))


def read_demand(path: str) -> Any:
    """Demand points from a CSV with ``lon``, ``lat`` and optionally ``weight`` (default 1)."""
    from geo.regions import read_demand as read

    return read(path)


def coverage_inputs(args: argparse.Namespace) -> dict[str, Any]:
    """Network, stations (open at ``--at``), demand and districts for coverage commands."""
    from geo.coverage import StationSet
    from geo.regions import read_districts
    from geo.stations import StationFilter

    reg = open_registry(args)
    kinds = getattr(args, "station_kind", None) or None
    mode = chosen_mode(args)
    raw, net = mode_networks(args, reg, mode)  # the engine measures any mode's network
    demand = read_demand(args.demand) if args.demand else None
    districts = read_districts(args.districts) if args.districts else None
    standard = args.standard or ("radius" if args.radius is not None else "walk")
    region = chosen_region(args)
    extra: dict[str, Any] = {}
    if region is None:
        where = StationFilter.build(open_at=parse_when(args.at), kinds=kinds, statuses=["open"])
        ids, lon, lat = reg.arrays(closures.exclude_closed(reg, where))
    else:  # the region's stations and those within reach outside it, its demand and districts
        from geo.regions import open_state, region_stations

        reach = reach_for(args, raw, mode) if standard == "walk" else None
        found = region_stations(reg, region.boundary, reach_m=reach or args.radius or 1000.0)
        is_open = open_state(found, parse_when(args.at), tz=region.spec.tz)
        shut = closures.exclude_closed(reg, StationFilter(open_at=parse_when(args.at))).exclude_ids
        found = [
            s
            for s, ok in zip(found, is_open, strict=True)
            if ok and (not kinds or s.kind in kinds) and s.id not in shut
        ]
        ids, lon, lat = [s.id for s in found], [s.lon for s in found], [s.lat for s in found]
        demand = demand if demand is not None else region.demand()
        districts = districts if districts is not None else region.districts
        extra["area"] = region.boundary
    args.mode = mode  # resolved, for what the command prints
    return {
        "net": net,
        "stations": StationSet.build(net, ids, lon, lat),
        "standard": standard,
        "minutes": args.minutes,
        "radius_m": args.radius if args.radius is not None else 1000.0,
        "walk_speed_kmh": args.walk_speed,
        "demand": demand,
        "districts": districts,
        "resolution": args.resolution,
        **extra,
    }
