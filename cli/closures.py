"""``stationfinder close | reopen``: temporary closures (issue 22), and leaving closed stations
out of the command line's nearest and coverage answers."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from geo.errors import InvalidInputError

if TYPE_CHECKING:
    from geo.stations import StationFilter, StationStore

__all__ = ["COMMANDS", "add_arguments", "exclude_closed"]


def _instant(text: str | None, tz: str) -> datetime:
    """``now``/None, or an ISO 8601 time (naive: the registry's time zone)."""
    if text in (None, "now"):
        return datetime.now(UTC)
    try:
        when = datetime.fromisoformat(str(text))
    except ValueError:
        raise InvalidInputError(f"{text!r} is not an ISO 8601 time") from None
    return when if when.tzinfo else when.replace(tzinfo=ZoneInfo(tz))


def exclude_closed(store: StationStore, where: StationFilter) -> StationFilter:
    """``where`` leaving out the stations temporarily closed at its ``open_at`` (else now),
    and a line on stderr naming them."""
    from geo.closures import Closures

    at = where.open_at
    when = _instant(None if at is None else at.isoformat(), store.tz)
    narrowed, closed = Closures(store).without_closed(where, when)
    if closed:
        names = ", ".join(f"{sid} (until {c.until[:10] or '?'})" for sid, c in closed.items())
        print(f"left out, temporarily closed: {names}", file=sys.stderr)
    return narrowed


def run_close(args: argparse.Namespace) -> int:
    from cli.common import open_registry
    from geo.closures import Closures

    store = open_registry(args)
    until = None if args.until is None else _instant(args.until, store.tz)
    c = Closures(store).close(
        args.station,
        since=_instant(args.since, store.tz),
        until=until,
        reason=args.reason,
        actor=args.actor,
    )
    print(f"{c.station_id}: temporarily closed from {c.since} until {c.until or 'reopened'}")
    return 0


def run_reopen(args: argparse.Namespace) -> int:
    from cli.common import open_registry
    from geo.closures import Closures

    store = open_registry(args)
    n = Closures(store).reopen(args.station, at=_instant(args.at, store.tz), actor=args.actor)
    print(f"{args.station}: reopened ({n} closure(s) ended)")
    return 0


COMMANDS = {"close": run_close, "reopen": run_reopen}
"""Command name → handler."""


def add_arguments(sub: Any) -> None:
    """Add ``close`` and ``reopen`` to the ``stationfinder`` parser."""
    import os

    actor = os.environ.get("USER") or "planner"
    p = sub.add_parser("close", help="close a station for a while (it reopens by itself)")
    p.add_argument("station")
    p.add_argument("--db", help="SQLite file or postgresql:// URL (default: $STATIONFINDER_DB)")
    p.add_argument("--since", default="now", help="ISO 8601 time (default now)")
    p.add_argument("--until", help="reopening time, ISO 8601 (default: until `reopen`)")
    p.add_argument("--reason", default="", help="e.g. typhoon, renovation")
    p.add_argument("--actor", default=actor)
    p = sub.add_parser("reopen", help="end a station's temporary closure")
    p.add_argument("station")
    p.add_argument("--db", help="SQLite file or postgresql:// URL (default: $STATIONFINDER_DB)")
    p.add_argument("--at", default="now", help="ISO 8601 time (default now)")
    p.add_argument("--actor", default=actor)
