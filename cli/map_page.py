"""``stationfinder map``: a standalone map page that works offline."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cli.common import (
    add_coverage_options,
    coverage_inputs,
    network_for,
    open_registry,
    parse_when,
)
from cli.regions import chosen_region
from geo.errors import InvalidInputError

if TYPE_CHECKING:
    pass

from cli.suggest import load_candidates


def add_arguments(sub: Any) -> None:
    """Register this module's subcommands on the parser's subparsers."""
    p = sub.add_parser("map", help="write a standalone map page (works offline)")
    add_coverage_options(p)
    p.add_argument("--kind", choices=["stations", "coverage", "suggest"], default="stations")
    p.add_argument("--out", required=True, help="the .html file to write")
    p.add_argument("--lang", choices=["zh", "en"], default="zh")
    p.add_argument("-k", "--k", type=int, default=5, help="sites to suggest (--kind suggest)")


def cmd_map(args: argparse.Namespace) -> int:
    import maps
    from geo.coverage import coverage_report, isochrones
    from geo.stations import StationFilter
    from maps.tiles import add_street_layer

    net = None
    if args.kind == "stations":
        reg = open_registry(args)
        m = maps.stations_map(reg.stations(StationFilter()), lang=args.lang, tz=reg.tz)
        if args.network or args.region:
            net = network_for(args, reg)
    else:
        if not (args.network or args.region):
            raise InvalidInputError(f"--kind {args.kind} needs --network FILE or --region NAME")
        inputs = coverage_inputs(args)
        reg = open_registry(args)
        net, sset = inputs.pop("net"), inputs.pop("stations")
        shown = set(sset.ids)
        stations = [s for s in reg.stations(StationFilter(open_at=parse_when(args.at)))
                    if s.id in shown]  # fmt: skip
        demand = inputs["demand"]
        if args.kind == "coverage":
            from geo.gaps import gap_pieces
            from geo.impact import station_impact

            report = coverage_report(net, sset, keep_cells=True, **inputs)
            m = maps.coverage_map_from(
                report,
                gaps=gap_pieces(
                    report,
                    net,
                    sset,
                    demand=demand,
                    districts=inputs["districts"],
                    walk_speed_kmh=args.walk_speed,
                ),
                impact=station_impact(
                    net, sset, **{k: v for k, v in inputs.items() if k != "districts"}
                ),
                walk_areas=isochrones(
                    net, sset, minutes=args.minutes, walk_speed_kmh=args.walk_speed
                ),
                stations=stations,
                demand=demand,
                at=parse_when(args.at),
                lang=args.lang,
                tz=reg.tz,
            )
        else:
            from geo.siting import suggest_sites

            if demand is None:  # never another city's demand
                raise InvalidInputError("--kind suggest needs --demand CSV or --region NAME")
            cands = load_candidates(
                "osm", network_pbf=args.network, crs="wgs84", proposals=[],
                region=chosen_region(args), net=net,
            )  # fmt: skip
            _, scored = suggest_sites(
                cands,
                demand,
                sset.lon,
                sset.lat,
                network=net,
                standard=inputs["standard"],
                minutes=args.minutes,
                radius_m=inputs["radius_m"],
                walk_speed_kmh=args.walk_speed,
                k=args.k,
            )
            m = maps.suggestions_map_from(scored, stations=stations, lang=args.lang, tz=reg.tz)
    if net is not None:  # a file has no tile server: the streets come inline, as vectors
        add_street_layer(m, net, lang=args.lang)
    maps.write_standalone(m, args.out)
    print(
        f"wrote {args.out} ({Path(args.out).stat().st_size:,} bytes, assets inlined)",
        file=sys.stderr,
    )
    return 0


COMMANDS = {
    "map": cmd_map,
}
