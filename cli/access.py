"""``stationfinder access``: E2SFCA accessibility of demand to the stations' capacity."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from cli.modes import add_mode_options, chosen_mode, mode_networks, reach_for
from cli.regions import add_region_options, chosen_region
from geo.errors import InvalidInputError

if TYPE_CHECKING:
    from geo.fairness import FairnessReport
    from geo.objective_sites import ObjectiveSummary

__all__ = [
    "add_arguments",
    "coverage_fairness",
    "objective_arguments",
    "open_station_capacity",
    "print_fairness",
    "print_objective",
    "run",
    "station_capacities",
]


def add_arguments(sub: Any) -> None:
    """Register the ``access`` subcommand on the parser's subparsers."""
    p = sub.add_parser(
        "access", help="capacity per person within walking reach (E2SFCA), per hexagon/district"
    )
    p.add_argument("--db", help="registry file or postgresql:// URL (default: $STATIONFINDER_DB)")
    p.add_argument("--network", metavar="FILE", help="street network (.osm.pbf or .graphml)")
    add_region_options(p)
    p.add_argument("--minutes", type=float, default=15.0, help="catchment on foot (default 15)")
    p.add_argument("--walk-speed", type=float, default=4.8, help="km/h (default 4.8)")
    add_mode_options(p)
    p.add_argument(
        "--demand", help="CSV of demand points: lon, lat[, weight] (default: the region's)"
    )
    p.add_argument("--districts", help="GeoJSON/GeoPackage of districts with a 'name' column")
    p.add_argument("--at", metavar="ISO8601", help="count only stations open then ('now' ok)")
    p.add_argument(
        "--threshold", type=float, help="capacity per person below which demand is underserved"
    )
    p.add_argument(
        "--default-capacity",
        type=float,
        help="capacity assumed where a station has none (default: such stations take no part)",
    )
    p.add_argument("--resolution", type=int, default=10, help="H3 resolution (default 10)")
    p.add_argument("--out", help="write the hexagons as GeoJSON")
    p.add_argument("--map", metavar="HTML", help="write a standalone map page")
    p.add_argument("--lang", choices=["zh", "en"], default="zh", help="map language")
    p.add_argument("--json", action="store_true", help="print the figures as JSON")


def open_station_capacity(args: argparse.Namespace) -> tuple[Any, Any, list[Any], Any]:
    """The registry of ``--db``, the network, its stations open at ``--at`` (with
    ``--region``: those inside it or within the catchment of it) and the region (or None)."""
    from cli.common import open_registry, parse_when
    from geo.regions import open_state, region_stations
    from geo.stations import StationFilter

    reg = open_registry(args)
    mode = chosen_mode(args)
    raw, net = mode_networks(args, reg, mode)  # the engine measures any mode's network
    region = chosen_region(args)
    if region is None:
        return reg, net, reg.stations(StationFilter(open_at=parse_when(args.at))), None
    reach = reach_for(args, raw, mode)
    found = region_stations(reg, region.boundary, reach_m=reach)
    is_open = open_state(found, parse_when(args.at), tz=region.spec.tz)
    return reg, net, [s for s, ok in zip(found, is_open, strict=True) if ok], region


def _write_atomic(path: str, text: str) -> None:
    tmp = Path(path).with_name(f".{Path(path).name}.partial")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)  # nothing half-written if the write fails


def run(args: argparse.Namespace) -> int:
    """Compute and print the accessibility report; write the hexagons and map if asked."""
    from cli.common import print_table, read_demand
    from geo.access_report import accessibility_report
    from geo.regions import read_districts

    reg, net, stations, region = open_station_capacity(args)
    demand = read_demand(args.demand) if args.demand else region and region.demand()
    if demand is None:
        raise InvalidInputError(
            "access needs demand: --demand CSV, or --region NAME with a demand layer"
        )
    districts = read_districts(args.districts) if args.districts else region and region.districts
    report = accessibility_report(
        net,
        [s.id for s in stations],
        [s.lon for s in stations],
        [s.lat for s in stations],
        [np.nan if s.capacity is None else s.capacity for s in stations],
        demand,
        minutes=args.minutes,
        walk_speed_kmh=args.walk_speed,
        threshold=args.threshold,
        districts=districts,
        resolution=args.resolution,
        default_capacity=args.default_capacity,
    )
    if args.out:
        _write_atomic(args.out, report.hexagons.to_json(na="null", drop_id=True))
        print(f"wrote {len(report.hexagons)} hexagon(s) to {args.out}", file=sys.stderr)
    if args.map:
        from maps.access import access_map
        from maps.base import write_standalone

        m = access_map(
            report.hexagons,
            stations=stations,
            threshold=args.threshold,
            lang=args.lang,
            tz=reg.tz,
            streets=net,
        )
        tmp = Path(args.map).with_name(f".{Path(args.map).name}.partial.html")
        write_standalone(m, tmp)
        tmp.replace(args.map)
        print(f"wrote {args.map}", file=sys.stderr)
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=1))
        return 0
    summary = report.to_dict()
    below = (
        f"; {summary['share_below']:.1%} of demand below {args.threshold:g} per person"
        if args.threshold is not None
        else ""
    )
    print(
        f"E2SFCA within {report.minutes:g} min on foot: {summary['stations_used']} station(s) "
        f"with capacity, mean {report.mean_score:.4g} per person{below}"
    )
    if report.stations_without_capacity:
        print(
            f"{len(report.stations_without_capacity)} open station(s) have no capacity and take "
            "no part (set it, or pass --default-capacity)",
            file=sys.stderr,
        )
    rows = [
        (
            r.district,
            f"{r.demand:g}",
            f"{r.score:.4g}",
            "-" if np.isnan(r.share_below) else f"{r.share_below:.1%}",
        )
        for r in report.districts.itertuples()
    ]
    if rows:
        print_table(rows, ["district", "demand", "capacity per person", "below threshold"])
    return 0


def coverage_fairness(
    args: argparse.Namespace, net: Any, demand: Any, districts: Any
) -> FairnessReport | None:
    """``coverage``'s fairness figures: needs ``--demand``; stations open at ``--at``."""
    from cli.common import open_registry, parse_when
    from geo.fairness import fairness_report
    from geo.stations import StationFilter

    if demand is None:
        return None
    where = StationFilter.build(open_at=parse_when(args.at), statuses=["open"])
    stations = open_registry(args).stations(where)
    return fairness_report(
        net,
        [s.lon for s in stations],
        [s.lat for s in stations],
        [s.capacity for s in stations],
        demand,
        minutes=args.minutes,
        walk_speed_kmh=args.walk_speed,
        districts=districts,
    )


def _minutes(seconds: float | None) -> str:
    return "unreachable" if seconds is None else f"{seconds / 60:.1f}"


def print_fairness(report: FairnessReport) -> None:
    """The fairness rows under ``coverage``'s table: walk minutes and inequality."""
    from cli.common import print_table

    basis = "capacity" if report.accessibility_basis == "capacity" else "station count"
    print(
        f"\nwalk to the nearest open station (demand-weighted, minutes); inequality of "
        f"E2SFCA accessibility by {basis}"
    )
    areas = [("region", report.region), *report.districts.items()]
    rows = []
    for name, s in areas:
        d = s.to_dict()
        rows.append(
            (
                name,
                _minutes(d["median_s"]),
                _minutes(d["p90_s"]),
                _minutes(d["p95_s"]),
                _minutes(d["worst5_mean_s"]),
                "-" if d["unreachable_share"] is None else f"{d['unreachable_share']:.1%}",
                "-" if d["gini"] is None else f"{d['gini']:.3f}",
                "-" if d["palma"] is None else f"{d['palma']:.2f}",
            )
        )
    header = ["area", "median", "p90", "p95", "worst 5%", "unreachable", "Gini", "Palma"]
    print_table(rows, header)


def objective_arguments(p: argparse.ArgumentParser) -> None:
    """``suggest``'s ``--objective`` and ``--site-capacity``."""
    from geo.objectives import OBJECTIVES

    p.add_argument(
        "--objective",
        choices=OBJECTIVES,
        help="coverage (default: most demand within the standard), fewest (with --target), "
        "p-median (least total walk), p-center (shortest worst walk), capacitated "
        "(most demand the sites can take)",
    )
    p.add_argument(
        "--site-capacity",
        type=float,
        help="capacity of candidates and stations without one (--objective capacitated)",
    )


def station_capacities(args: argparse.Namespace, ids: Any) -> list[float | None]:
    """The registry's capacity of each station id (None where unknown)."""
    from cli.common import open_registry

    reg = open_registry(args)
    return [reg.get(str(i)).capacity for i in ids]


def print_objective(value: ObjectiveSummary) -> None:
    """One line for the objectives whose value is not the covered share."""
    if value.objective in ("coverage", "fewest"):
        return
    before = (
        "no station for some" if not np.isfinite(value.value_before) else f"{value.value_before:g}"
    )
    left = (
        f"; {value.left_out:g} demand reaches no station and is left out" if value.left_out else ""
    )
    print(f"{value.objective}: {before} -> {value.value_after:g} {value.unit}{left}")


COMMANDS = {"access": run}
