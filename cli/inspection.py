"""``stationfinder verify``: stations due for verification, by district, and recording an
inspection (issue 22)."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
from contextlib import nullcontext
from datetime import UTC, datetime
from typing import Any

from geo.errors import InvalidInputError

__all__ = ["COMMANDS", "add_arguments"]


def _at(text: str | None) -> datetime:
    if text in (None, "now"):
        return datetime.now(UTC)
    try:
        return datetime.fromisoformat(str(text))
    except ValueError:
        raise InvalidInputError(f"--at {text!r} is not an ISO 8601 time") from None


def run_verify(args: argparse.Namespace) -> int:
    from cli.common import open_registry
    from geo.inspection import InspectionPolicy, due_stations, parse_due, record_inspection

    store = open_registry(args)
    if args.station:
        st = record_inspection(
            store,
            args.station,
            at=_at(args.at),
            inspector=args.inspector,
            amenities_found=args.found,
            hours_seen=args.hours or "",
            notes=args.notes,
            changes={"amenities": args.found} if args.apply and args.found is not None else None,
        )
        print(f"{st.id}: verified {st.last_verified} by {args.inspector}")
        return 0
    due = due_stations(
        store,
        at=_at(args.at),
        within_days=parse_due(args.due),
        policy=InspectionPolicy.parse(args.intervals),
    )
    if args.json:
        rows: list[dict[str, Any]] = [
            {**dataclasses.asdict(d), "station": d.station.id, "district": d.station.district}
            for d in due
        ]
        print(json.dumps(rows, ensure_ascii=False, indent=1, default=str))
        return 0
    district = None
    for d in due:
        if d.station.district != district:
            district = d.station.district
            print(f"{district or '(no district)'}:")
        when = d.due[:10] if d.due else "never verified"
        late = f"{d.days_overdue:.0f} days late" if d.due and d.days_overdue > 0 else ""
        print(f"  {d.station.id}  {d.station.name}  {when}  {late}".rstrip())
    print(f"{len(due)} station(s) due", file=sys.stderr)
    return 0


def run_scores(args: argparse.Namespace) -> int:
    import csv

    from cli.common import open_registry
    from geo.score import score_stations

    scores = score_stations(open_registry(args), at=_at(args.at))
    fields = ["station_id", "score", "stars", "amenities", "hours", "reports", "inspected_at"]
    with (
        open(args.out, "w", newline="", encoding="utf-8-sig")
        if args.out
        else nullcontext(sys.stdout) as out
    ):
        writer = csv.DictWriter(out, fieldnames=fields)
        writer.writeheader()
        for sid in sorted(scores):
            writer.writerow(dataclasses.asdict(scores[sid]))
    return 0


COMMANDS = {"verify": run_verify, "scores": run_scores}
"""Command name → handler."""


def add_arguments(sub: Any) -> None:
    """Add ``verify`` and ``scores`` to the ``stationfinder`` parser."""
    p = sub.add_parser("scores", help="star rating of every inspected station, as CSV")
    p.add_argument("--db", help="SQLite file or postgresql:// URL (default: $STATIONFINDER_DB)")
    p.add_argument("--at", help="score as of this ISO 8601 time (default now)")
    p.add_argument("--out", help="CSV file (default: standard output)")
    p = sub.add_parser("verify", help="stations due for verification; or record an inspection")
    p.add_argument("--db", help="SQLite file or postgresql:// URL (default: $STATIONFINDER_DB)")
    p.add_argument(
        "--due",
        nargs="?",
        const="overdue",
        default="overdue",
        metavar="overdue|due-within:30d",
        help="which stations to list (default overdue)",
    )
    p.add_argument("--at", help="judge (or record the inspection) at this ISO 8601 time")
    p.add_argument(
        "--intervals",
        default=os.environ.get("STATIONFINDER_INSPECTION_INTERVALS", ""),
        help="KIND=DAYS,default=DAYS,after_report=DAYS (default 365 and 90)",
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--station", help="record an inspection of this station")
    p.add_argument("--inspector", default=os.environ.get("USER") or "planner")
    p.add_argument("--found", action="append", help="amenity found (repeatable)")
    p.add_argument("--hours", help="opening hours seen (OSM opening_hours)")
    p.add_argument("--notes", default="")
    p.add_argument(
        "--apply", action="store_true", help="set the station's amenities to those found"
    )
