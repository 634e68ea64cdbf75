"""``stationfinder import``, ``export`` and ``nearest``: stations in and out of the store."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from typing import TYPE_CHECKING, Any

from cli.common import (
    CRS_HELP,
    add_tz_option,
    checked_tz,
    network_for,
    open_registry,
    parse_when,
    print_table,
    with_db,
)
from cli.modes import TRAVEL_MODES, chosen_mode, default_modes, mode_networks
from cli.regions import add_region_options, region_at
from cli.sheet_crs import sheet_declarations
from geo.errors import InvalidInputError

if TYPE_CHECKING:
    pass

from cli import closures, poi


def add_arguments(sub: Any) -> None:
    """Register this module's subcommands on the parser's subparsers."""
    p = sub.add_parser("import", help="validate a station file and write it to the registry")
    p.add_argument("file", help=".csv, .xlsx, .geojson or .gpkg; English or Chinese headers")
    with_db(p)
    p.add_argument(
        "--crs",
        help=CRS_HELP + " of the file; required when its points lie in mainland China and "
        "neither the file (a crs column), its region (crs in the regions file), the registry "
        "(registry-crs) nor $STATIONFINDER_DEFAULT_CRS says",
    )
    add_region_options(p)  # the region the sheet is for: its declared crs applies
    p.add_argument(
        "--far-km",
        type=float,
        default=200.0,
        help="report rows this far from every other row (default 200 km)",
    )
    p.add_argument(
        "--network",
        help="OSM .osm.pbf of the sheet's area: check the coordinate system against its "
        "streets (median distance to the nearest street under each system)",
    )
    p.add_argument(
        "--skip-invalid",
        action="store_true",
        help="write the valid rows and report the rest (default: all or nothing)",
    )
    add_tz_option(p)

    p = sub.add_parser("export", help="write the registry as CSV, XLSX or GeoJSON")
    with_db(p)
    p.add_argument("--format", choices=["csv", "xlsx", "geojson", *poi.POI_FORMATS], default="csv")
    p.add_argument(
        "--lang",
        choices=["en", "zh"],
        default="en",
        help="csv/xlsx: English codes, or Chinese headers and labels (zh)",
    )
    p.add_argument("--crs", default="wgs84", help=CRS_HELP)
    p.add_argument("--out", help="output file (default: standard output)")
    poi.add_export_options(p)

    p = sub.add_parser("nearest", help="the nearest stations to a point")
    with_db(p)
    p.add_argument("--lat", type=float, required=True)
    p.add_argument("--lon", type=float, required=True)
    p.add_argument("--crs", default="wgs84", help=CRS_HELP + " of the point and of --json output")
    p.add_argument("-k", type=int, default=5, help="how many stations (default 5)")
    p.add_argument("--kind", action="append", help="allowed kind, code or 司机之家 … (repeatable)")
    p.add_argument(
        "--amenity", action="append", help="required amenity, water or 饮用水 … (repeatable)"
    )
    p.add_argument("--lang", choices=["en", "zh"], default="en", help="--json labels")
    p.add_argument(
        "--open-at",
        nargs="?",
        const="now",
        metavar="ISO8601",
        help="only stations open then (no value: now)",
    )
    p.add_argument(
        "--status", action="append", default=None, help="allowed status (repeatable; default open)"
    )
    p.add_argument("--radius", type=float, help="maximum distance in metres")
    p.add_argument(
        "--mode",
        choices=["straight", *TRAVEL_MODES],
        help="rank by straight-line distance or by travel time on streets (walk, ebike, bike, "
        "drive, truck); default: straight, or the --kind's mode ($STATIONFINDER_DEFAULT_MODES: "
        "driver homes truck, rider stations ebike) when every kind asked for has one",
    )
    p.add_argument("--minutes", type=float, help="only stations within this travel time")
    p.add_argument("--ebike-speed", type=float, default=15.0, help="e-bike km/h (default 15)")
    p.add_argument(
        "--network",
        metavar="FILE",
        help="network for a travel mode (default: the region of the regions file holding "
        "the point)",
    )
    add_region_options(p)
    p.add_argument("--walk-speed", type=float, default=4.8, help="km/h (default 4.8)")
    p.add_argument("--json", action="store_true", help="print a GeoJSON FeatureCollection")


def cmd_import(args: argparse.Namespace) -> int:
    from geo.io import import_stations

    reg = open_registry(args, must_exist=False, tz=checked_tz(args.tz))
    report = import_stations(
        reg,
        args.file,
        crs=args.crs,
        default_crs=sheet_declarations(args, reg),
        far_km=args.far_km,
        skip_invalid=args.skip_invalid,
        progress=sys.stderr.isatty(),
        network=network_for(args, reg) if args.network else None,
    )
    if report.crs_source:
        print(f"{args.file}: read as {report.crs} ({report.crs_source})", file=sys.stderr)
    if report.crs_fit is not None:
        medians = ", ".join(f"{s} {m:.0f} m" for s, m in report.crs_fit.median_m.items())
        print(f"{args.file}: median distance to the nearest street: {medians}", file=sys.stderr)
        if report.crs_fit.warning:
            print(f"{args.file}: warning: {report.crs_fit.warning}", file=sys.stderr)
    for p in report.skipped:
        print(f"{args.file}: skipped {p}", file=sys.stderr)
    print(
        f"{args.file}: {report.added} added, {report.updated} updated, "
        f"{len(report.skipped)} invalid row problem(s) skipped; "
        f"{len(reg)} stations in {reg.location}"
    )
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from geo.export import stations_csv, write_stations_table
    from geo.io import export_stations

    if args.format in poi.POI_FORMATS:
        return poi.run_export(args)
    stations = open_registry(args).stations()
    if args.format == "geojson":
        export_stations(stations, args.out or sys.stdout, fmt="geojson", crs=args.crs)
    elif args.out:
        write_stations_table(stations, args.out, fmt=args.format, crs=args.crs, lang=args.lang)
    elif args.format == "xlsx":
        raise InvalidInputError("--format xlsx needs --out FILE")
    else:
        stations_csv(stations, sys.stdout, crs=args.crs, lang=args.lang)
    if args.out:
        print(f"wrote {len(stations)} stations to {args.out}", file=sys.stderr)
    return 0


def cmd_nearest(args: argparse.Namespace) -> int:
    from geo.io import to_feature_collection
    from geo.names import parse_amenity_name, parse_kind_name
    from geo.rider_view import add_rider_properties
    from geo.stations import StationFilter

    reg = open_registry(args)
    where = StationFilter.build(
        kinds=[parse_kind_name(k, argument="--kind") for k in args.kind or ()],
        amenities=[parse_amenity_name(a, argument="--amenity") for a in args.amenity or ()],
        open_at=parse_when(args.open_at, option="--open-at"),
        statuses=args.status,
    )
    where = closures.exclude_closed(reg, where)
    kinds = [str(k) for k in where.kinds]
    table = default_modes()
    implied = "straight" if not kinds or any(k not in table for k in kinds) else None
    if not (args.mode or implied or args.network or args.region) and not in_a_region(args):
        implied = "straight"  # a kind's mode needs streets: none here, so straight, as before
    args.mode = args.mode or implied or chosen_mode(args, kinds)
    if args.mode == "straight" and args.minutes is not None:
        raise InvalidInputError("--minutes limits travel time: give --mode other than straight")
    if args.mode not in ("straight", "walk"):
        hits = nearest_by_mode(args, reg, where)
    elif args.mode == "walk":
        from geo.coverage import walk_nearest

        if args.network or args.region:
            net = network_for(args, reg)
        else:  # the streets of the region that holds the point
            from geo.crs import convert

            (x,), (y,) = convert([args.lon], [args.lat], src=args.crs, dst="wgs84")
            net = region_at(args, float(x), float(y)).network
        hits = walk_nearest(
            reg,
            net,
            args.lon,
            args.lat,
            k=args.k,
            crs=args.crs,
            where=where,
            max_dist_m=args.radius,
            walk_speed_kmh=args.walk_speed,
        )
        if args.minutes is not None:
            hits = [h for h in hits if (h.walk_time_s or 0.0) <= args.minutes * 60]
    else:
        hits = reg.nearest(
            args.lon, args.lat, k=args.k, crs=args.crs, where=where, max_dist_m=args.radius
        )
    if args.json:
        fc = to_feature_collection(hits, crs=args.crs)
        when = parse_when(args.open_at) or datetime.now().astimezone()
        add_rider_properties(fc, [h.station for h in hits], when=when, tz=reg.tz, lang=args.lang)
        print(json.dumps(fc, ensure_ascii=False, indent=1))
        return 0
    if not hits:
        print("no station matches", file=sys.stderr)
        return 0
    print_table(
        [
            (
                h.station.id,
                h.station.name,
                h.station.kind,
                f"{h.distance_m:.0f}"
                + (
                    f" (walk {h.walk_distance_m:.0f} m, {h.walk_time_s / 60:.0f} min)"
                    if h.walk_distance_m is not None and h.walk_time_s is not None
                    else ""
                )
                + (
                    f" ({h.travel_mode} {h.travel_distance_m:.0f} m, "
                    f"{h.travel_time_s / 60:.1f} min)"
                    if h.travel_distance_m is not None and h.travel_time_s is not None
                    else ""
                ),
                f"{h.bearing_deg:.0f}",
                ";".join(h.station.amenities),
                h.station.opening_hours,
            )
            for h in hits
        ],
        ["id", "name", "kind", "distance_m", "bearing", "amenities", "hours"],
    )
    return 0


def in_a_region(args: argparse.Namespace) -> bool:
    """Whether a region of the regions file holds the query point."""
    from geo.crs import convert
    from geo.errors import NoRegionError

    (x,), (y,) = convert([args.lon], [args.lat], src=args.crs, dst="wgs84")
    try:
        region_at(args, float(x), float(y))
    except NoRegionError:
        return False
    return True


def nearest_by_mode(args: argparse.Namespace, reg: Any, where: Any) -> list[Any]:
    """``nearest --mode ebike|bike|drive|truck``: fastest first on that mode's network
    (of ``--network``/``--region``, else of the region holding the point)."""
    from geo.mode_nearest import travel_nearest

    if not (args.network or args.region):
        from geo.crs import convert

        (x,), (y,) = convert([args.lon], [args.lat], src=args.crs, dst="wgs84")
        args.region = region_at(args, float(x), float(y)).id
    raw, _ = mode_networks(args, reg, args.mode)
    return travel_nearest(
        reg,
        raw,
        args.lon,
        args.lat,
        k=args.k,
        crs=args.crs,
        where=where,
        max_dist_m=args.radius,
        max_time_s=None if args.minutes is None else args.minutes * 60,
        walk_speed_kmh=args.walk_speed,
    )


COMMANDS = {
    "import": cmd_import,
    "export": cmd_export,
    "nearest": cmd_nearest,
}
