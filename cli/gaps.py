"""``stationfinder gaps``: uncovered areas cut into pieces one new station could serve."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from cli.common import add_coverage_options, coverage_inputs, print_table
from cli.regions import chosen_region
from cli.suggest import load_candidates

__all__ = ["COMMANDS", "add_arguments", "run"]


def add_arguments(sub: Any) -> None:
    """Register ``gaps`` on the parser's subparsers."""
    p = sub.add_parser("gaps", help="uncovered areas in pieces one station could serve")
    add_coverage_options(p)
    p.add_argument("--out", help="write the pieces as GeoJSON (.geojson) or a table (.csv)")
    p.add_argument("--top", type=int, default=10, help="rows to print (default 10)")
    p.add_argument(
        "--candidates",
        help="also consider these places for each piece's best site: 'osm' (places in "
        "the PBF) or a station file (default: street nodes only)",
    )
    p.add_argument("--crs", default="wgs84", help="coordinate system of the candidates file")
    p.add_argument("--json", action="store_true", help="print every piece as JSON")


def _write(pieces: Any, out: str) -> None:
    """GeoJSON or CSV, written whole or not at all; missing values are null / empty."""
    from geo.coverage import to_geojson

    path = Path(out)
    tmp = path.with_name(path.name + ".tmp")
    if path.suffix.lower() == ".csv":
        pieces.drop(columns="geometry").to_csv(tmp, index=False, na_rep="")
    else:
        tmp.write_text(json.dumps(to_geojson(pieces), ensure_ascii=False), encoding="utf-8")
    tmp.replace(path)
    print(f"wrote {len(pieces)} gap piece(s) to {out}", file=sys.stderr)


def _cell(value: Any, fmt: str = "{}") -> str:
    return "-" if value is None else fmt.format(value)


def run(args: argparse.Namespace) -> int:
    """Coverage, then its gaps as pieces; prints a table (or JSON) and writes ``--out``."""
    from geo.coverage import coverage_report
    from geo.gaps import gap_pieces, json_records

    inputs = coverage_inputs(args)
    net, stations = inputs.pop("net"), inputs.pop("stations")
    report = coverage_report(net, stations, keep_cells=True, **inputs)
    cands = None
    if args.candidates:
        cands = load_candidates(  # a GraphML network's junctions; the --region's own
            args.candidates, network_pbf=args.network, crs=args.crs, proposals=[],
            region=chosen_region(args), net=net,
        )  # fmt: skip
    pieces = gap_pieces(
        report,
        net,
        stations,
        demand=inputs["demand"],
        districts=inputs["districts"],
        candidates=cands,
        walk_speed_kmh=args.walk_speed,
    )
    if args.out:
        _write(pieces, args.out)
    rows = json_records(pieces)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return 0
    limit = f"{report.limit_m:.0f} m"
    print(f"{len(pieces)} gap piece(s), each at most {limit} across; '-': see note")
    print_table(
        [
            (
                r["rank"],
                r["cells"],
                f"{r['area_m2'] / 1e6:.3f}",
                f"{r['diameter_m']:.0f}",
                f"{r['demand']:g}",
                _cell(r["district"]),
                _cell(None if r["nearest_walk_s"] is None else r["nearest_walk_s"] / 60, "{:.1f}"),
                _cell(r["nearest_id"]),
                _cell(r["site_id"]),
                _cell(r["site_gain"], "{:g}"),
                r["note"] or "",
            )
            for r in rows[: args.top]
        ],
        ["rank", "cells", "km²", "across m", "demand", "district", "walk min", "nearest station",
         "best site", "site gain", "note"],
    )  # fmt: skip
    return 0


COMMANDS = {"gaps": run}
