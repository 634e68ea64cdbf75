"""``stationfinder coverage`` (with ``--profile``) and ``coverage-batch``."""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import date
from typing import TYPE_CHECKING, Any

from cli.common import (
    BUNDLED_CACHE,
    add_coverage_options,
    coverage_inputs,
    open_registry,
    parse_when,
    print_table,
    read_demand,
)
from cli.modes import chosen_mode
from cli.regions import cache_dir
from geo.errors import InvalidInputError

if TYPE_CHECKING:
    pass

from cli import access


def add_arguments(sub: Any) -> None:
    """Register this module's subcommands on the parser's subparsers."""
    p = sub.add_parser("coverage", help="share of streets, area and demand within reach")
    add_coverage_options(p)
    p.add_argument(
        "--profile",
        metavar="DATE",
        help="print CSV of every hour of the week from DATE (YYYY-MM-DD), counting "
        "only the stations open each hour. Each hour is sampled at half past (column "
        "sampled_at, local time): a station is open in hour 23 when it is open at 23:30, "
        "so one closing at 23:00 or 23:30 is not, one closing at 23:45 is",
    )
    p.add_argument("--json", action="store_true", help="print the figures as JSON")

    p = sub.add_parser(
        "coverage-batch", help="coverage and gaps of many regions in parallel on Dask"
    )
    add_coverage_options(p)
    p.add_argument(
        "--regions",
        required=True,
        help="the regions file (regions.toml), or a GeoJSON/GeoPackage of polygons with "
        "'name' and 'pbf' columns",
    )
    p.add_argument(
        "--out",
        required=True,
        help="folder for summary.csv/.parquet, gaps.parquet and regions/<name>-<hash>/ (the "
        "name made safe for a folder name, then 6 hex digits of its SHA-1, so that names "
        "differing only in non-ASCII characters never share a folder)",
    )
    p.add_argument("--scheduler", metavar="ADDRESS", help="a running Dask scheduler")
    p.add_argument("--workers", type=int, default=2, help="local Dask workers (default 2)")
    p.add_argument("--retries", type=int, default=2, help="tries again per failed region")
    p.add_argument("--force", action="store_true", help="recompute unchanged regions too")


def cmd_coverage(args: argparse.Namespace) -> int:
    from geo.coverage import coverage_report
    from geo.mode_networks import mode_label

    if args.profile:
        return coverage_profile(args)
    inputs = coverage_inputs(args)
    net = inputs.pop("net")
    report = coverage_report(net, inputs.pop("stations"), **inputs)
    fairness = access.coverage_fairness(args, net, inputs["demand"], inputs["districts"])
    if args.json:
        fair = {"fairness": fairness.to_dict()} if fairness is not None else {}
        mode = {"mode": args.mode} if report.standard == "walk" else {}
        print(json.dumps({**report.to_dict(), **mode, **fair}, ensure_ascii=False, indent=2))
        return 0
    limit = (
        f"{report.minutes:g} min {mode_label(args.mode)}"
        + (f" ({report.limit_m:.0f} m)" if args.mode == "walk" else "")
        if report.standard == "walk"
        else f"{report.radius_m:g} m straight line"
    )
    print(f"coverage within {limit} of {report.stations} open station(s)")

    def pct(v: float) -> str:
        return "-" if v != v else f"{v:.1%}"  # NaN: nothing to share

    rows = [
        (name, pct(sh.none), pct(sh.once), pct(sh.multiple))
        for name, sh in (
            ("streets (length)", report.street_share),
            ("area (hexagons)", report.area_share),
            ("demand (weight)", report.demand_share),
        )
    ]
    for district, parts in report.districts.items():
        rows += [
            (f"{district}: {k.split('_')[0]}", pct(v.none), pct(v.once), pct(v.multiple))
            for k, v in parts.items()
        ]
    print_table(rows, ["share of", "not covered", "once", "twice or more"])
    if any("-" in r[1:] for r in rows):
        print("-: nothing to share (no demand given with --demand, or none in the district)")
    if fairness is not None:
        access.print_fairness(fairness)
    return 0


def coverage_profile(args: argparse.Namespace) -> int:
    """The week of ``--profile``: one CSV row per hour, counting only stations open then."""
    from geo.coverage import StationSet, weekly_profile
    from geo.stations import StationFilter

    inputs = coverage_inputs(args)
    reg = open_registry(args)
    stations = reg.stations(StationFilter())
    net = inputs.pop("net")
    inputs.pop("stations")
    inputs.pop("districts")
    inputs.pop("area", None)
    s = StationSet.build(
        net, [x.id for x in stations], [x.lon for x in stations], [x.lat for x in stations]
    )
    prof = weekly_profile(
        net,
        s,
        [x.opening_hours for x in stations],
        week_start=profile_start(args.profile),
        tz=reg.tz,
        **inputs,
    )
    # The header says when each hour was looked at (the library's `time`: HH:30 local).
    prof = prof.rename(columns={"time": "sampled_at"})
    prof.to_csv(sys.stdout, index=False, float_format="%.4f")
    return 0


def profile_start(text: str) -> date:
    """The day of ``--profile`` (YYYY-MM-DD); a one-line error naming the option."""
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInputError(f"--profile {text!r}: not a day YYYY-MM-DD ({exc})") from None


def cmd_coverage_batch(args: argparse.Namespace) -> int:
    import pandas as pd

    from geo.batch import RegionParams, read_regions, run_batch

    for flag in ("network", "districts", "region"):
        if getattr(args, flag):
            raise InvalidInputError(
                f"--{flag} does not apply: each region names its network and is its own district"
            )
    demand = read_demand(args.demand) if args.demand else None
    if str(args.regions).endswith(".toml"):  # the declarations the service and --region read
        from geo.regions import batch_regions

        regions, declared = batch_regions(args.regions, cache_dir=cache_dir())
        demand = demand if demand is not None else declared
    else:
        regions = read_regions(args.regions)
    reg = open_registry(args)
    standard = args.standard or ("radius" if args.radius is not None else "walk")
    params = RegionParams(
        standard=standard,
        minutes=args.minutes,
        radius_m=args.radius if args.radius is not None else 1000.0,
        walk_speed_kmh=args.walk_speed,
        resolution=args.resolution,
        mode=chosen_mode(args),
    )
    cache = os.environ.get("STATIONFINDER_CACHE_DIR") or str(BUNDLED_CACHE)
    summary = run_batch(
        regions,
        reg,
        args.out,
        params=params,
        demand=demand,
        at=parse_when(args.at),
        scheduler=args.scheduler,
        n_workers=args.workers,
        retries=args.retries,
        force=args.force,
        cache_dir=cache,
        progress=sys.stderr.isatty(),
        on_failure=lambda line: print(f"stationfinder coverage-batch: {line}", file=sys.stderr),
    )
    rows = [
        [
            r.region,
            r.status,
            "" if pd.isna(r.street_none) else f"{1 - r.street_none:.1%}",
            "" if pd.isna(r.demand_none) else f"{1 - r.demand_none:.1%}",
            "" if pd.isna(r.gaps) else int(r.gaps),
            "" if pd.isna(r.error) else r.error,
        ]
        for r in summary.itertuples()
    ]
    print_table(rows, ["region", "status", "streets covered", "demand covered", "gaps", "error"])
    print(f"wrote {args.out}/summary.csv, summary.parquet, gaps.parquet", file=sys.stderr)
    failed = summary.loc[summary["status"] == "failed", "region"].tolist()
    if failed:
        print(f"stationfinder coverage-batch: failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


COMMANDS = {
    "coverage": cmd_coverage,
    "coverage-batch": cmd_coverage_batch,
}
