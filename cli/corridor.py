"""``stationfinder corridor``: stations along a trip, ranked by the time a stop adds."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from cli.common import CRS_HELP, open_registry, parse_when, print_table, with_db
from cli.modes import mode_networks
from cli.regions import add_region_options, region_at
from geo.errors import InvalidInputError, NoRegionError

__all__ = ["COMMANDS", "add_arguments", "run"]


def add_arguments(sub: Any) -> None:
    """Register ``corridor`` on the parser's subparsers."""
    p = sub.add_parser(
        "corridor", help="stations a truck reaches with a small detour from its trip"
    )
    with_db(p)
    p.add_argument("--from", dest="origin", metavar="LON,LAT", help="where the trip starts")
    p.add_argument("--to", dest="destination", metavar="LON,LAT", help="where it ends")
    p.add_argument(
        "--route", metavar="GEOJSON", help="instead: the route, a GeoJSON LineString (or a Feature)"
    )
    p.add_argument("--crs", default="wgs84", help=CRS_HELP)
    p.add_argument("--max-detour", type=float, default=10.0, help="minutes a stop may add")
    p.add_argument(
        "--mode", choices=["truck", "drive", "ebike", "bike"], default="truck", help="default truck"
    )
    p.add_argument("--height", type=float, default=4.0, help="truck height, m (default 4.0)")
    p.add_argument("--weight", type=float, default=49.0, help="truck weight, t (default 49)")
    p.add_argument("--length", type=float, default=18.1, help="truck length, m (default 18.1)")
    p.add_argument("--kind", action="append", help="station kind (repeatable; default driver_home)")
    p.add_argument("--amenity", action="append", help="required amenity (repeatable)")
    p.add_argument("--at", metavar="ISO8601", default="now", help="departure (default now)")
    p.add_argument("--limit", type=int, default=20, help="most stations (default 20)")
    p.add_argument("--network", metavar="FILE", help="street network (default: the region)")
    add_region_options(p)
    p.add_argument("--walk-speed", type=float, default=4.8, help="km/h to and from the streets")
    p.add_argument("--json", action="store_true", help="print GeoJSON (as GET /corridor)")


def _point(text: str | None, option: str) -> tuple[float, float]:
    try:
        lon, lat = (float(v) for v in str(text).split(","))
    except ValueError:
        raise InvalidInputError(f"{option} {text!r}: write LON,LAT") from None
    return lon, lat


def _route(path: str) -> tuple[list[float], list[float]]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidInputError(f"--route {path}: not a readable GeoJSON file ({exc})") from None
    geom = data.get("geometry", data) if isinstance(data, dict) else None
    coords = geom.get("coordinates") if isinstance(geom, dict) else None
    if not (isinstance(geom, dict) and geom.get("type") == "LineString" and coords):
        raise InvalidInputError(f"--route {path}: not a GeoJSON LineString")
    if len(coords) < 2:
        raise InvalidInputError(f"--route {path}: a route needs two points at least")
    try:
        return [float(c[0]) for c in coords], [float(c[1]) for c in coords]
    except (TypeError, ValueError, IndexError):
        raise InvalidInputError(f"--route {path}: coordinates must be [lon, lat] numbers") from None


def run(args: argparse.Namespace) -> int:
    """Find and print the stations along the trip."""
    from geo.corridor import stations_along
    from geo.corridor_geojson import corridor_collection
    from geo.crs import convert
    from geo.names import parse_amenity_name, parse_kind_name
    from geo.stations import StationFilter

    if args.route:
        if args.origin or args.destination:
            raise InvalidInputError("give --route, or --from and --to, not both")
        lon, lat = _route(args.route)
    elif args.origin and args.destination:
        (a, b), (c, d) = _point(args.origin, "--from"), _point(args.destination, "--to")
        lon, lat = [a, c], [b, d]
    else:
        raise InvalidInputError("give --from LON,LAT and --to LON,LAT, or --route FILE")
    x, y = convert(lon, lat, src=args.crs, dst="wgs84")
    reg = open_registry(args)
    if not (args.network or args.region):  # the streets of the region holding the start
        try:
            args.region = region_at(args, float(x[0]), float(y[0])).id
        except NoRegionError:
            raise InvalidInputError(
                f"the trip starts at lon={x[0]:.6f}, lat={y[0]:.6f}, in no region: "
                "pass --network FILE or --region NAME"
            ) from None
    net, _ = mode_networks(args, reg, args.mode)
    where = StationFilter.build(
        kinds=[parse_kind_name(k, argument="--kind") for k in args.kind or ["driver_home"]],
        amenities=[parse_amenity_name(a, argument="--amenity") for a in args.amenity or ()],
    )
    depart = parse_when(args.at)
    result, hits = stations_along(
        reg,
        net,
        (float(x[0]), float(y[0])),
        (float(x[-1]), float(y[-1])),
        max_detour_s=args.max_detour * 60.0,
        where=where,
        depart=depart,
        route=(x, y) if args.route else None,
        connector_kmh=args.walk_speed,
        limit=args.limit,
    )
    if args.json:
        fc = corridor_collection(
            result, hits, crs=args.crs, mode=args.mode, max_detour_s=args.max_detour * 60.0,
            depart=depart, extra={"vehicle": {"height_m": args.height, "weight_t": args.weight,
                                              "length_m": args.length}},
        )  # fmt: skip
        print(json.dumps(fc, ensure_ascii=False, indent=1))
        return 0
    print(
        f"{args.mode} trip: {result.base_time_s / 60:.1f} min, "
        f"{result.route_length_m / 1000:.1f} km; "
        f"stations within {args.max_detour:g} more minutes: {len(hits)}"
    )
    print_table(
        [
            (
                i,
                h.station.id,
                h.station.name,
                f"{h.detour_s / 60:.1f}",
                f"{h.along_route_m / 1000:.2f}",
                h.arrival.strftime("%H:%M") if h.arrival else "-",
                {True: "open", False: "closed", None: "-"}[h.open_on_arrival],
            )
            for i, h in enumerate(hits, start=1)
        ],
        ["#", "id", "name", "detour min", "along km", "arrival", "then"],
    )
    return 0


COMMANDS = {"corridor": run}
