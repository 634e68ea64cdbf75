"""``stationfinder stations-impact``: what each station adds, and what closing it would lose."""

from __future__ import annotations

import argparse
import json
from typing import Any

from cli.common import add_coverage_options, coverage_inputs, print_table

__all__ = ["COMMANDS", "add_arguments", "run"]


def add_arguments(sub: Any) -> None:
    """Register ``stations-impact`` on the parser's subparsers."""
    p = sub.add_parser("stations-impact", help="what each station adds; the loss if it closed")
    add_coverage_options(p)
    p.add_argument("--top", type=int, help="rows to print (default: every station)")
    p.add_argument("--json", action="store_true", help="print the table as JSON")


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.2%}"


def run(args: argparse.Namespace) -> int:
    """Per open station: catchment, what only it covers, the loss if it closed."""
    from geo.impact import station_impact

    inputs = coverage_inputs(args)
    inputs.pop("districts")
    result = station_impact(inputs.pop("net"), inputs.pop("stations"), **inputs)
    out = result.to_dict()
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=1))
        return 0
    rows = out["stations"]
    limit = result.minutes if result.standard == "walk" else result.radius_m
    unit = "min on foot" if result.standard == "walk" else "m straight line"
    print(f"{len(rows)} open station(s), {limit:g} {unit}; most lost if closed first")
    print_table(
        [
            (
                r["rank"],
                r["station_id"],
                f"{r['catchment_street_m'] / 1000:.2f}",
                _pct(r["loss_street_share"]),
                "-" if r["catchment_demand"] is None else f"{r['catchment_demand']:g}",
                "-" if r["only_demand"] is None else f"{r['only_demand']:g}",
                _pct(r["loss_demand_share"]),
                "closing loses nothing" if r["loses_nothing"] else "",
                r["note"] or "",
            )
            for r in rows[: args.top]
        ],
        ["rank", "station", "catchment km", "streets lost", "catchment demand",
         "demand only it covers", "demand lost", "", "note"],
    )  # fmt: skip
    nothing = [r["station_id"] for r in rows if r["loses_nothing"]]
    if nothing:
        print(f"{len(nothing)} station(s) whose closing loses no coverage: {', '.join(nothing)}")
    return 0


COMMANDS = {"stations-impact": run}
