"""``stationfinder export --format amap|tencent|baidu``: the POI sheet for a map platform,
and with ``--previous`` the changes since the sheet sent last (issue 22)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from geo.poi_export import POI_PLATFORMS

__all__ = ["POI_FORMATS", "add_export_options", "run_export"]

POI_FORMATS = tuple(POI_PLATFORMS)
"""The ``--format`` values this module handles."""


def add_export_options(p: Any) -> None:
    """Add ``--previous`` and ``--changes`` to the ``export`` parser."""
    p.add_argument(
        "--previous", metavar="CSV", help="amap/tencent/baidu: the sheet sent last, to diff against"
    )
    p.add_argument(
        "--changes", metavar="CSV", help="with --previous: write only what changed (操作 column)"
    )


def run_export(args: argparse.Namespace) -> int:
    from cli.common import open_registry
    from geo.errors import InvalidInputError
    from geo.poi_export import poi_diff, poi_table, read_poi_table, write_poi_table

    if args.changes and not args.previous:
        raise InvalidInputError("--changes needs --previous (the sheet sent last)")
    previous = read_poi_table(args.previous) if args.previous else None
    table = poi_table(open_registry(args).stations(), args.format)
    if previous is not None:
        diff = poi_diff(previous, table)
        print(
            f"since {args.previous}: {len(diff.added)} added, {len(diff.changed)} changed, "
            f"{len(diff.closed)} closed",
            file=sys.stderr,
        )
        if args.changes:
            write_poi_table(diff.table(), args.changes)
    write_poi_table(table, args.out or sys.stdout)
    if args.out:
        print(f"wrote {len(table)} stations for {args.format} to {args.out}", file=sys.stderr)
    return 0
