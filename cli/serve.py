"""``stationfinder serve``: the HTTP service with its maps."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cli.common import add_tz_option, checked_tz

if TYPE_CHECKING:
    pass


def add_arguments(sub: Any) -> None:
    """Register this module's subcommands on the parser's subparsers."""
    p = sub.add_parser("serve", help="start the HTTP service with its maps")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument(
        "--db",
        help="SQLite file or postgresql:// URL (default: $STATIONFINDER_DATABASE_URL, "
        "else $STATIONFINDER_DB, else the bundled demo)",
    )
    add_tz_option(
        p,
        "IANA time zone of opening hours (e.g. Asia/Shanghai), stored in a new registry; "
        "default: $STATIONFINDER_TZ, else the registry's own (a new one: "
        "$STATIONFINDER_SEED_TZ, else Asia/Shanghai)",
    )


def cmd_serve(args: argparse.Namespace) -> int:
    import logging

    import uvicorn

    from api.main import create_app
    from api.settings import load_settings
    from geo.stations import is_database_url, redacted_url

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    settings = load_settings()
    if args.db and is_database_url(args.db):
        settings = settings.model_copy(update={"database_url": args.db})
    elif args.db:
        settings = settings.model_copy(update={"db": Path(args.db), "database_url": None})
    if args.tz is not None:  # read hours in it, and store it in a registry made now
        settings = settings.model_copy(update={"tz": checked_tz(args.tz), "seed_tz": args.tz})
    if settings.database_url:
        where = f"PostGIS database {redacted_url(settings.database_url)}"
    else:
        where = f"SQLite file {settings.db}"
    print(
        f"stationfinder: serving the {where} on http://{args.host}:{args.port} (API docs at /docs)",
        file=sys.stderr,
    )
    # The service reads X-Forwarded-For itself, and only from STATIONFINDER_TRUSTED_PROXIES:
    # uvicorn's own proxy handling would trust it from loopback by default.
    uvicorn.run(
        create_app(settings),
        host=args.host,
        port=args.port,
        log_level="info",
        proxy_headers=False,
    )
    return 0


COMMANDS = {
    "serve": cmd_serve,
}
