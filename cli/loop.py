"""``stationfinder receipt | reply | progress | response-times``: the rider's loop (issue 22).

Each command makes one call into :mod:`geo.feedback` and prints a short table,
or JSON with ``--json``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
from datetime import UTC, datetime
from typing import Any

from geo.errors import InvalidInputError

__all__ = ["COMMANDS", "add_arguments"]


def _flow(args: argparse.Namespace) -> Any:
    from cli.common import open_registry
    from geo.feedback import Feedback, Workflow

    return Workflow(Feedback(open_registry(args)))


def _dump(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=1, default=str))


def _print_steps(steps: Any) -> None:
    for s in steps:
        who = f"  {s.actor}" if s.actor else ""
        reply = f"  “{s.reply}”" if s.reply else ""
        print(f"{s.at}  {s.state:<12} {s.event}{who}{reply}")


def run_receipt(args: argparse.Namespace) -> int:
    view = _flow(args).receipt(args.token)
    if args.json:
        _dump(dataclasses.asdict(view))
        return 0
    station = f" ({view.station_id})" if view.station_id else ""
    print(f"{view.item} {view.kind}{station}: {view.state}")
    _print_steps(view.steps)
    return 0


def run_reply(args: argparse.Namespace) -> int:
    item, item_id = ("report", args.report) if args.report else ("proposal", args.proposal)
    step = _flow(args).reply(item, item_id, args.text, actor=args.actor)
    if args.json:
        _dump(dataclasses.asdict(step))
    else:
        print(f"{item} {item_id}: {step.state}, replied by {step.actor} at {step.at}")
    return 0


def run_progress(args: argparse.Namespace) -> int:
    flow = _flow(args)
    if args.link:
        group = flow.link(args.proposal, args.link, actor=args.actor, note=args.note)
        ids = list(group.proposal_ids)
        what = f"answered by station {args.link}"
    else:
        ids = flow.advance(args.proposal, args.step, actor=args.actor, note=args.note)
        what = args.step
    if args.json:
        _dump({"proposal_ids": ids, "step": what})
    else:
        print(f"proposals {', '.join(map(str, ids))}: {what}")
    return 0


def run_response_times(args: argparse.Namespace) -> int:
    from cli.common import open_registry
    from geo.feedback import Feedback, response_times

    store = open_registry(args)
    Feedback(store)  # its tables exist from here on
    if args.at in (None, "now"):
        when = datetime.now(UTC)
    else:
        try:
            when = datetime.fromisoformat(args.at)
        except ValueError:
            raise InvalidInputError(f"--at {args.at!r} is not an ISO 8601 time") from None
    figures = response_times(store, at=when, limit_days=args.limit_days)
    if args.json:
        _dump(dataclasses.asdict(figures))
        return 0
    print(f"as of {figures.at}; open past {figures.limit_days:g} days counted as late")

    def days(v: float | None) -> str:
        return "-" if v is None else f"{v:.1f}"

    header = "group", "items", "replied", "reply p50/p90 d", "resolved", "resolve p50/p90 d", "late"
    print("  ".join(header))
    sections = [("all", [figures.overall]), ("district", figures.by_district)]
    sections.append(("planner", figures.by_planner))
    for title, rows in sections:
        for f in rows:
            name = f"{title}:{f.group or '-'}" if title != "all" else "all"
            print(
                f"{name}  {f.items}  {f.replied}  "
                f"{days(f.reply_median_days)}/{days(f.reply_p90_days)}  {f.resolved}  "
                f"{days(f.resolution_median_days)}/{days(f.resolution_p90_days)}  "
                f"{f.open_past_limit}"
            )
    return 0


COMMANDS = {
    "receipt": run_receipt,
    "reply": run_reply,
    "progress": run_progress,
    "response-times": run_response_times,
}
"""Command name → handler."""


def add_arguments(sub: Any) -> None:
    """Add the loop's subcommands to the ``stationfinder`` parser."""
    actor = os.environ.get("USER") or "planner"

    def base(name: str, text: str) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = sub.add_parser(name, help=text)
        p.add_argument("--db", help="SQLite file or postgresql:// URL (default: $STATIONFINDER_DB)")
        p.add_argument("--json", action="store_true", help="print JSON")
        return p

    p = base("receipt", "where a report or proposal stands, by its rider's receipt token")
    p.add_argument("token")
    p = base("reply", "reply to a report or proposal (the rider sees it on the receipt)")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--report", type=int, metavar="ID")
    which.add_argument("--proposal", type=int, metavar="ID")
    p.add_argument("--text", required=True)
    p.add_argument("--actor", default=actor, help="who replies")
    p = base("progress", "an accepted proposal's station is being built or opened; or link one")
    p.add_argument("proposal", type=int, metavar="ID", help="any proposal of the group")
    step = p.add_mutually_exclusive_group(required=True)
    step.add_argument("--step", choices=["building", "opened"])
    step.add_argument("--link", metavar="STATION", help="an existing station answers the group")
    p.add_argument("--actor", default=actor, help="who takes the step")
    p.add_argument("--note", default="", help="shown to the proposers")
    p = base("response-times", "days to first reply and resolution, per district and planner")
    p.add_argument("--at", help="evaluate as of this ISO 8601 time (default now)")
    p.add_argument("--limit-days", type=float, default=7.0, help="late after (default 7)")
