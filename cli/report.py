"""``stationfinder report``: one workbook (or page) a union office can send upward.

KPIs (stations by kind; coverage of streets, area and demand by standard, day
and night, per district), gaps, station impact, suggested sites, fairness and
response times (:func:`geo.report.planner_report`), with a picture of the
coverage map drawn by headless Chromium from the page ``stationfinder map
--kind coverage`` writes.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cli.common import open_registry, with_db
from cli.regions import add_region_options, chosen_region
from geo.errors import InvalidInputError

__all__ = ["COMMANDS", "add_arguments", "run"]

_FORMATS = {".xlsx": "xlsx", ".html": "html", ".htm": "html"}


def add_arguments(sub: Any) -> None:
    """Register ``report`` on the parser's subparsers."""
    p = sub.add_parser("report", help="a planner's report of a region: .xlsx or .html")
    with_db(p)
    add_region_options(p)
    p.add_argument("--out", required=True, help="report.xlsx or report.html")
    p.add_argument("--lang", choices=["zh", "en"], help="default: the region's language")
    p.add_argument(
        "--as-of",
        metavar="ISO8601",
        help="the time reported (default now): day and night are on its local date; "
        "response times are counted to it",
    )
    p.add_argument("--day-hour", type=_hour, default=12, help="local hour of the day count (12)")
    p.add_argument("--night-hour", type=_hour, default=2, help="local hour of the night count (2)")
    p.add_argument("--minutes", type=float, default=15.0, help="walking limit (default 15)")
    p.add_argument("--radius", type=float, default=1000.0, help="straight-line metres (1000)")
    p.add_argument("--walk-speed", type=float, default=4.8, help="km/h (default 4.8)")
    p.add_argument(
        "--station-kind", action="append", help="count only stations of this kind (repeatable)"
    )
    p.add_argument("-k", "--k", type=int, default=5, help="sites to suggest (default 5)")
    p.add_argument("--method", choices=["greedy", "exact"], default="greedy")
    p.add_argument("--time-limit", type=float, default=60.0, help="exact solver's seconds")
    p.add_argument("--resolution", type=int, default=10, help="H3 resolution (default 10)")
    p.add_argument("--no-picture", action="store_true", help="leave the map picture out")


def _hour(text: str) -> int:
    """An hour of the day, 0 to 23 (argparse names the option when it is not)."""
    try:
        hour = int(text)
    except ValueError:
        hour = -1
    if not 0 <= hour <= 23:
        raise argparse.ArgumentTypeError(f"{text!r} is not an hour, 0 to 23")
    return hour


def _as_of(text: str | None) -> datetime:
    if text in (None, "now"):
        return datetime.now(UTC)
    try:
        when = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInputError(f"--as-of {text!r} is not an ISO 8601 time") from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _picture(args: argparse.Namespace, day: str, lang: str) -> bytes:
    """The coverage map by day on foot, as ``stationfinder map --kind coverage`` writes it."""
    from cli.map_page import map_for
    from maps import render_html
    from maps.picture import page_png

    page = argparse.Namespace(
        kind="coverage", db=args.db, region=args.region, regions_file=args.regions_file,
        network=None, standard="walk", minutes=args.minutes, radius=args.radius,
        walk_speed=args.walk_speed, demand=None, districts=None, at=day,
        station_kind=args.station_kind, resolution=args.resolution, lang=lang, k=args.k,
        mode="walk", ebike_speed=15.0,  # the report measures on foot, whatever the kinds
    )  # fmt: skip
    return page_png(render_html(map_for(page), inline=True))


def run(args: argparse.Namespace) -> int:
    """Compute the report, draw the map, write the file whole."""
    from geo.export import write_whole
    from geo.report import planner_report, report_xlsx

    fmt = _FORMATS.get(Path(args.out).suffix.lower())
    if fmt is None:
        raise InvalidInputError(f"--out {args.out}: give a .xlsx or .html file")
    # A missing folder is refused before any work by cli.common.check_arguments.
    if not args.region:
        raise InvalidInputError("--region NAME is required (see `stationfinder regions list`)")
    tty = sys.stderr.isatty()

    def say(msg: str) -> None:
        if tty:
            print(f"report: {msg} …", file=sys.stderr)

    store = open_registry(args)
    region = chosen_region(args)
    lang = args.lang or region.spec.lang
    report = planner_report(
        store, region, as_of=_as_of(args.as_of), day_hour=args.day_hour,
        night_hour=args.night_hour, minutes=args.minutes, radius_m=args.radius,
        walk_speed_kmh=args.walk_speed, kinds=args.station_kind, k=args.k, method=args.method,
        time_limit_s=args.time_limit, resolution=args.resolution, progress=say,
    )  # fmt: skip
    picture = None
    if not args.no_picture:
        say("map picture (headless Chromium)")
        picture = _picture(args, report.times["day"], lang)
    if fmt == "xlsx":
        data = report_xlsx(report, lang=lang, picture=picture)
        write_whole(args.out, lambda tmp: tmp.write_bytes(data))
    else:
        from maps.planner_report import report_html

        page = report_html(report, lang=lang, picture=picture)
        write_whole(args.out, lambda tmp: tmp.write_text(page, encoding="utf-8"))
    size = Path(args.out).stat().st_size
    print(f"wrote {args.out} ({size:,} bytes, {len(report.sheets)} parts)", file=sys.stderr)
    return 0


COMMANDS = {"report": run}
