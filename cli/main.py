"""The ``stationfinder`` command line.

Each subcommand lives in a module of this package (``cli/<command>.py``) with
``add_arguments(subparsers)`` and ``COMMANDS`` (name → handler); a handler
parses nothing itself, makes one call into :mod:`geo` (or starts the service),
and prints a table, or JSON with ``--json``. Errors go to stderr, one line per
problem, with exit status 1 (2 for bad usage).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from types import ModuleType

from cli import (
    access,
    closures,
    corridor,
    coverage,
    feedback,
    gaps,
    impact,
    inspection,
    loop,
    map_page,
    plan,
    regions,
    report,
    serve,
    sheet_crs,
    stations,
    suggest,
)
from cli.common import OPEN_STORES, check_arguments
from geo.errors import GeoError, ImportValidationError

__all__ = ["main"]

Handler = Callable[[argparse.Namespace], int]

# In the order `stationfinder --help` lists them.
COMMAND_MODULES: tuple[ModuleType, ...] = (
    stations,
    coverage,
    gaps,
    impact,
    suggest,
    feedback,
    map_page,
    report,
    serve,
    regions,
    access,
    loop,
    inspection,
    closures,
    plan,
    corridor,
    sheet_crs,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="stationfinder",
        description="Rest stations for outdoor workers: nearest station, coverage, gaps, siting.",
    )
    parser.add_argument(
        "--debug", action="store_true", help="show the traceback of an error (before COMMAND)"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMAND_MODULES:
        module.add_arguments(sub)
    return parser


def handlers() -> dict[str, Handler]:
    """Every subcommand's handler, by name."""
    found: dict[str, Handler] = {}
    for module in COMMAND_MODULES:
        found.update(module.COMMANDS)
    return found


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status.

    Every error is one line on stderr naming what failed (the traceback only
    with ``--debug``); every store the command opened is closed.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "status", None) is None and "status" in args:
        args.status = ["open"]
    try:
        with OPEN_STORES:
            check_arguments(args)
            return handlers()[args.command](args)
    except ImportValidationError as exc:
        for p in exc.problems:
            print(f"{exc.path}: {p}", file=sys.stderr)
        print(
            f"{exc.path}: {len(exc.problems)} problem(s); nothing was written "
            "(fix them, or pass --skip-invalid)",
            file=sys.stderr,
        )
        return _debug_trace(args)
    except GeoError as exc:
        print(f"stationfinder {args.command}: error: {exc}", file=sys.stderr)
        return _debug_trace(args)
    except KeyboardInterrupt:
        print(f"stationfinder {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`stationfinder export … | head`): stop quietly. Point stdout
        # at /dev/null so Python's final flush does not raise again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except Exception as exc:  # not the user's fault: one line, the traceback with --debug
        print(f"stationfinder {args.command}: failed: {_one_line(exc)}", file=sys.stderr)
        if not args.debug:
            print("(run again with --debug for the traceback)", file=sys.stderr)
        return _debug_trace(args)


def _one_line(exc: BaseException) -> str:
    """What failed, in one line: the file for OS errors, else the error's type and message."""
    if isinstance(exc, OSError) and exc.filename:
        return f"{exc.filename}: {exc.strerror or exc}"
    text = " ".join(str(exc).split()) or "no message"
    return f"{type(exc).__name__}: {text}"


def _debug_trace(args: argparse.Namespace) -> int:
    """Print the current exception's traceback under ``--debug``; exit status 1."""
    if args.debug:
        import traceback

        traceback.print_exc(file=sys.stderr)
    return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
