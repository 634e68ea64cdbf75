"""``stationfinder reports`` and ``proposals``: riders' feedback, reviewed by planners."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import TYPE_CHECKING, Any

from cli.common import (
    network_for,
    open_registry,
    print_table,
    read_demand,
    with_db,
)
from cli.regions import add_region_options, chosen_region
from geo.errors import InvalidInputError

if TYPE_CHECKING:
    pass


def add_arguments(sub: Any) -> None:
    """Register this module's subcommands on the parser's subparsers."""
    p = sub.add_parser("reports", help="list riders' reports on stations, accept or reject one")
    with_db(p)
    p.add_argument(
        "--status",
        dest="report_status",
        choices=["open", "accepted", "rejected", "all"],
        default="open",
        help="which reports to list (default open)",
    )
    p.add_argument("--station", help="only reports on this station id")
    p.add_argument("--limit", type=int, default=100, help="rows to list (default 100)")
    act = p.add_mutually_exclusive_group()
    act.add_argument("--accept", type=int, metavar="ID", help="apply report ID to its station")
    act.add_argument("--reject", type=int, metavar="ID", help="reject report ID")
    p.add_argument("--actor", default=os.environ.get("USER") or "planner", help="who reviews")
    p.add_argument("--note", default="", help="why (kept in the history)")
    p.add_argument("--json", action="store_true", help="print JSON")

    p = sub.add_parser(
        "proposals",
        help="proposed sites grouped and ranked; accept or reject",
        description="Riders' proposals, grouped (within --group-m) and ranked by the demand "
        "each group would newly cover: the --demand file's, else the --region's demand "
        "layers. With neither, no demand is assumed (never another city's): groups are "
        "ranked by their number of proposers, gain is '-', and the table says so.",
    )
    with_db(p)
    p.add_argument(
        "--network",
        metavar="FILE",
        help="measure the gain by the --minutes walk on it (else the --radius circle); "
        "used only with demand",
    )
    add_region_options(p)
    p.add_argument(
        "--demand",
        help="CSV of demand points: lon, lat[, weight] (default: the --region's; with "
        "neither, rank by proposers)",
    )
    p.add_argument("--minutes", type=float, default=15.0, help="walking limit (default 15)")
    p.add_argument("--radius", type=float, default=1000.0, help="radius without --network, m")
    p.add_argument("--group-m", type=float, default=150.0, help="grouping distance (default 150)")
    act = p.add_mutually_exclusive_group()
    act.add_argument(
        "--accept", type=int, metavar="ID", help="make a planned station of ID's group"
    )
    act.add_argument("--reject", type=int, metavar="ID", help="reject ID's group")
    p.add_argument("--name", help="name of the planned station (with --accept)")
    p.add_argument("--kind", help="its kind (default: the kind most asked for)")
    p.add_argument("--station-id", help="its id (default proposal-<group id>)")
    p.add_argument("--actor", default=os.environ.get("USER") or "planner", help="who reviews")
    p.add_argument("--note", default="", help="why (kept in the history)")
    p.add_argument("--json", action="store_true", help="print JSON")


def _report_row(rep: Any) -> dict[str, Any]:
    return {
        "id": rep.id,
        "station_id": rep.station_id,
        "kind": str(rep.kind),
        "status": str(rep.status),
        "text": rep.text,
        "hours": rep.hours,
        "amenity": rep.amenity,
        "lon": rep.lon,
        "lat": rep.lat,
        "contact": rep.contact,
        "client": rep.client,
        "created_at": rep.created_at,
        "resolved_at": rep.resolved_at,
        "resolved_by": rep.resolved_by,
        "resolution": rep.resolution,
    }


def cmd_reports(args: argparse.Namespace) -> int:
    from geo.feedback import Feedback

    fb = Feedback(open_registry(args))
    if args.accept is not None or args.reject is not None:
        if args.accept is not None:
            rep = fb.accept_report(args.accept, actor=args.actor, note=args.note)
        else:
            rep = fb.reject_report(args.reject, actor=args.actor, note=args.note)
        if args.json:
            print(json.dumps(_report_row(rep), ensure_ascii=False, indent=1))
        else:
            print(f"report {rep.id} on {rep.station_id} ({rep.kind}): {rep.status}")
        return 0
    status = None if args.report_status == "all" else args.report_status
    total, page = fb.reports(status=status, station_id=args.station, limit=args.limit)
    if args.json:
        print(json.dumps([_report_row(r) for r in page], ensure_ascii=False, indent=1))
        return 0
    if not page:
        print("no reports", file=sys.stderr)
        return 0
    print_table(
        [
            (
                r.id,
                r.station_id,
                r.kind,
                r.status,
                r.hours or r.amenity or ("" if r.lon is None else f"{r.lon:.6f},{r.lat:.6f}"),
                r.text[:40],
                r.created_at,
            )
            for r in page
        ],
        ["id", "station", "kind", "status", "detail", "text", "created_at"],
    )
    if total > len(page):
        print(f"({total - len(page)} more; raise --limit)", file=sys.stderr)
    return 0


def cmd_proposals(args: argparse.Namespace) -> int:
    from geo.feedback import Feedback, rank_groups
    from geo.stations import StationFilter

    reg = open_registry(args)
    fb = Feedback(reg)
    if args.accept is not None:
        if not args.name:
            raise InvalidInputError("--accept needs --name for the new station")
        st, grp = fb.accept_proposal(
            args.accept,
            name=args.name,
            actor=args.actor,
            note=args.note,
            kind=args.kind,
            station_id=args.station_id,
            radius_m=args.group_m,
        )
        print(
            f"planned station {st.id} ({st.kind}) at {st.lon:.6f},{st.lat:.6f} "
            f"from proposal(s) {', '.join(map(str, grp.proposal_ids))}"
        )
        return 0
    if args.reject is not None:
        grp = fb.reject_proposal(
            args.reject, actor=args.actor, note=args.note, radius_m=args.group_m
        )
        print(f"rejected proposal(s) {', '.join(map(str, grp.proposal_ids))}")
        return 0
    region = chosen_region(args)
    demand = read_demand(args.demand) if args.demand else None  # never another city's
    if demand is None and region is not None:
        demand = region.demand()
    net = None
    if args.network or region is not None:
        net = network_for(args, reg)
    _, lon, lat = reg.arrays(StationFilter())
    ranked = rank_groups(
        fb.groups(radius_m=args.group_m),
        demand,
        lon,
        lat,
        network=net,
        standard="walk" if net is not None else "radius",
        minutes=args.minutes,
        radius_m=args.radius,
    )
    if args.json:
        rows = [
            {
                "rank": g.rank,
                "id": g.id,
                "lon": g.lon,
                "lat": g.lat,
                "gain": g.gain,
                "proposers": g.proposers,
                "kind": None if g.kind is None else str(g.kind),
                "amenities": list(g.amenities),
                "proposal_ids": list(g.proposal_ids),
                "notes": [p.note for p in g.proposals],
            }
            for g in ranked
        ]
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return 0
    if not ranked:
        print("no open proposals", file=sys.stderr)
        return 0
    what = f"walk {args.minutes:g} min" if net is not None else f"radius {args.radius:g} m"
    if demand is None:
        print(f"{len(ranked)} group(s) of open proposals, by proposers (no --demand or --region)")
    else:
        print(f"{len(ranked)} group(s) of open proposals; gain = demand newly covered ({what})")
    print_table(
        [
            (
                g.rank,
                g.id,
                "-" if g.gain is None else f"{g.gain:g}",
                g.proposers,
                ",".join(map(str, g.proposal_ids)),
                g.kind or "",
                f"{g.lon:.6f}",
                f"{g.lat:.6f}",
                "; ".join(p.note for p in g.proposals if p.note)[:40],
            )
            for g in ranked
        ],
        ["#", "group", "gain", "proposers", "proposals", "kind", "lon", "lat", "notes"],
    )
    return 0


COMMANDS = {
    "reports": cmd_reports,
    "proposals": cmd_proposals,
}
