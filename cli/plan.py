"""``stationfinder plan create|list|show|compare|apply|map|delete``: what-if plans.

A plan is kept in the registry's database and touches no station until
``plan apply`` writes all its changes in one transaction. Changes are given in
the order they apply: ``--add LON,LAT,KIND[,NAME]``, ``--close ID``,
``--hours ID=TEXT``, ``--capacity ID=N`` (``ID=`` clears it).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from geo.errors import InvalidInputError

__all__ = ["COMMANDS", "add_arguments", "parse_change_option"]


def parse_change_option(option: str, value: str) -> dict[str, Any]:
    """One change from a command-line option (``--add``, ``--close``, ``--hours``,
    ``--capacity``) as :func:`geo.plans.parse_changes` takes it; an error names the option."""
    if option == "add":
        parts = [p.strip() for p in value.split(",", 3)]
        if len(parts) < 3:
            raise InvalidInputError(f"--add {value!r}: give LON,LAT,KIND[,NAME]")
        try:
            lon, lat = float(parts[0]), float(parts[1])
        except ValueError:
            raise InvalidInputError(f"--add {value!r}: LON and LAT must be numbers") from None
        out: dict[str, Any] = {"kind": "add", "lon": lon, "lat": lat, "station_kind": parts[2]}
        if len(parts) == 4 and parts[3]:
            out["name"] = parts[3]
        return out
    if option == "close":
        return {"kind": "close", "station_id": value}
    sid, sep, text = value.partition("=")
    if not sep or not sid:
        raise InvalidInputError(
            f"--{option} {value!r}: give ID={'TEXT' if option == 'hours' else 'N'}"
        )
    if option == "hours":
        return {"kind": "hours", "station_id": sid, "hours": text}
    if not text.strip():
        return {"kind": "capacity", "station_id": sid, "capacity": None}
    try:
        return {"kind": "capacity", "station_id": sid, "capacity": float(text)}
    except ValueError:
        raise InvalidInputError(f"--capacity {value!r}: N must be a number") from None


class _Change(argparse.Action):
    """Appends ``(option, value)`` to ``changes``, keeping the command line's order."""

    def __call__(self, parser: Any, namespace: Any, values: Any, option_string: Any = None) -> None:
        got = list(getattr(namespace, "changes", None) or [])
        got.append((self.dest, values))
        namespace.changes = got


def add_arguments(sub: Any) -> None:
    """Register ``plan`` and its actions on the parser's subparsers."""
    from cli.common import with_db
    from cli.regions import add_region_options

    p = sub.add_parser("plan", help="what-if plans: add, close, change stations; compare; apply")
    acts = p.add_subparsers(dest="plan_action", required=True, metavar="ACTION")
    c = acts.add_parser("create", help="keep a new plan (touches no station)")
    with_db(c)
    add_region_options(c)
    c.add_argument("--name", required=True, help="the plan's name")
    c.add_argument("--add", action=_Change, metavar="LON,LAT,KIND[,NAME]", help="a new station")
    c.add_argument("--close", action=_Change, metavar="ID", help="close a station")
    c.add_argument("--hours", action=_Change, metavar="ID=TEXT", help="new opening hours")
    c.add_argument("--capacity", action=_Change, metavar="ID=N", help="new capacity (ID= clears)")
    c.add_argument("--actor", default=os.environ.get("USER") or "planner", help="who makes it")
    c.add_argument("--json", action="store_true", help="print the plan as JSON")
    ls = acts.add_parser("list", help="every plan, newest first")
    with_db(ls)
    ls.add_argument("--status", dest="plan_status", choices=["draft", "applied"])
    ls.add_argument("--json", action="store_true")
    for name, text in (
        ("show", "one plan"),
        ("apply", "write a plan's changes"),
        ("delete", "delete a draft plan"),
        ("compare", "before and after"),
        ("map", "write the plan's map"),
    ):
        a = acts.add_parser(name, help=text)
        with_db(a)
        a.add_argument("plan_id", type=int, metavar="ID")
        if name in ("apply", "delete"):
            a.add_argument("--actor", default=os.environ.get("USER") or "planner")
        if name in ("compare", "map"):
            a.add_argument("--regions-file", metavar="TOML", help="regions file")
            a.add_argument("--minutes", type=float, default=15.0, help="walking limit")
            a.add_argument("--walk-speed", type=float, default=4.8, help="km/h (default 4.8)")
            a.add_argument("--threshold", type=float, help="E2SFCA capacity per person")
            a.add_argument("--default-capacity", type=float, help="capacity where unknown")
            a.add_argument("--night", metavar="ISO8601", help="night time (default 02:00 today)")
            a.add_argument("--lang", choices=["zh", "en"], help="map language")
        if name == "compare":
            a.add_argument("--map", metavar="HTML", help="also write the plan's map")
        if name == "map":
            a.add_argument("--out", required=True, metavar="HTML", help="the map file")
        if name in ("show", "compare", "apply"):
            a.add_argument("--json", action="store_true")


def _plans(args: argparse.Namespace) -> Any:
    from cli.common import open_registry
    from geo.plans import Plans

    return Plans(open_registry(args))


def _print_plan(plan: Any) -> None:
    from cli.common import print_table

    print(
        f"plan {plan.id} {plan.name!r} in {plan.region}: {plan.status}"
        + (f" (applied {plan.applied_at} by {plan.applied_by})" if plan.applied_at else "")
    )
    rows = [
        (
            i,
            c.kind,
            c.station_id,
            json.dumps(
                {k: v for k, v in c.to_dict().items() if k not in ("kind", "station_id")},
                ensure_ascii=False,
            ),
        )
        for i, c in enumerate(plan.changes)
    ]
    print_table(rows, ["#", "change", "station", "fields"])


def _create(args: argparse.Namespace) -> int:
    from cli.regions import regions_file
    from geo.regions import RegionCatalog, read_regions

    if not args.region:
        raise InvalidInputError("plan create: --region NAME is needed (the plan is measured there)")
    region = RegionCatalog(read_regions(regions_file(args))).resolve(args.region)
    changes = [parse_change_option(opt, value) for opt, value in args.changes or []]
    if not changes:
        raise InvalidInputError(
            "plan create: give at least one --add, --close, --hours or --capacity"
        )
    plan = _plans(args).create(args.name, region, changes, actor=args.actor)
    if args.json:
        print(json.dumps(plan.to_dict(), ensure_ascii=False, indent=1))
    else:
        _print_plan(plan)
    return 0


def _list(args: argparse.Namespace) -> int:
    from cli.common import print_table

    plans = _plans(args).list(status=args.plan_status)
    if args.json:
        print(json.dumps([p.to_dict() for p in plans], ensure_ascii=False, indent=1))
        return 0
    rows = [(p.id, p.name, p.region, p.status, len(p.changes), p.created_by) for p in plans]
    print_table(rows, ["id", "name", "region", "status", "changes", "by"])
    return 0


def _comparison(args: argparse.Namespace, plan: Any) -> tuple[Any, Any]:
    from cli.common import open_registry, parse_when
    from cli.regions import cache_dir, regions_file
    from geo.plans import compare_in_region
    from geo.regions import RegionCatalog, read_regions

    region = RegionCatalog(read_regions(regions_file(args)), cache_dir=cache_dir()).get(plan.region)
    night = parse_when(args.night, option="--night")
    if night is not None and night.tzinfo is not None:
        raise InvalidInputError(f"--night {args.night!r}: give a local time, without a zone")
    result = compare_in_region(
        open_registry(args),
        plan.changes,
        region,
        minutes=args.minutes,
        walk_speed_kmh=args.walk_speed,
        threshold=args.threshold,
        default_capacity=args.default_capacity,
        night_at=night,
    )
    return region, result


def _fmt(value: Any, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "share":
        return f"{value:.1%}"
    if unit == "seconds":
        return f"{value / 60:.1f} min"
    return f"{value:g}" if isinstance(value, int) else f"{value:.4g}"


def _write_map(args: argparse.Namespace, plan: Any, region: Any, result: Any, path: str) -> None:
    from maps.base import write_standalone
    from maps.plan import plan_map

    m = plan_map(
        plan, result, lang=args.lang or region.spec.lang, tz=region.spec.tz, streets=region.network
    )
    tmp = Path(path).with_name(f".{Path(path).name}.partial.html")
    write_standalone(m, tmp)
    tmp.replace(path)  # nothing half-written if the write fails
    print(f"wrote {path}", file=sys.stderr)


def _compare(args: argparse.Namespace) -> int:
    from cli.common import print_table

    plan = _plans(args).get(args.plan_id)
    region, result = _comparison(args, plan)
    if args.map:
        _write_map(args, plan, region, result, args.map)
    if args.json:
        out = {"plan": plan.to_dict(), "minutes": args.minutes, **result.to_dict()}
        print(json.dumps(out, ensure_ascii=False, indent=1))
        return 0
    print(
        f"plan {plan.id} {plan.name!r} in {plan.region}, {args.minutes:g} min on foot; "
        f"night at {result.night_at:%Y-%m-%d %H:%M}"
    )
    rows = [
        (
            r["figure"],
            _fmt(r["before"], r["unit"]),
            _fmt(r["after"], r["unit"]),
            "-"
            if r["change"] is None
            else ("+" if r["change"] >= 0 else "") + _fmt(r["change"], r["unit"]),
        )
        for r in result.rows()
    ]
    print_table(rows, ["figure", "before", "after", "change"])
    for note in result.notes:
        print(note, file=sys.stderr)
    return 0


def _map(args: argparse.Namespace) -> int:
    plan = _plans(args).get(args.plan_id)
    region, result = _comparison(args, plan)
    _write_map(args, plan, region, result, args.out)
    return 0


def _show(args: argparse.Namespace) -> int:
    plan = _plans(args).get(args.plan_id)
    if args.json:
        print(json.dumps(plan.to_dict(), ensure_ascii=False, indent=1))
    else:
        _print_plan(plan)
    return 0


def _apply(args: argparse.Namespace) -> int:
    plan = _plans(args).apply(args.plan_id, actor=args.actor)
    if args.json:
        print(json.dumps(plan.to_dict(), ensure_ascii=False, indent=1))
        return 0
    print(
        f"plan {plan.id} {plan.name!r} applied: {len(plan.changes)} change(s) written "
        f"by {plan.applied_by} at {plan.applied_at}"
    )
    return 0


def _delete(args: argparse.Namespace) -> int:
    _plans(args).delete(args.plan_id, actor=args.actor)
    print(f"plan {args.plan_id} deleted")
    return 0


_ACTIONS = {
    "create": _create,
    "list": _list,
    "show": _show,
    "compare": _compare,
    "map": _map,
    "apply": _apply,
    "delete": _delete,
}


def run(args: argparse.Namespace) -> int:
    """Run one ``plan`` action."""
    return _ACTIONS[args.plan_action](args)


COMMANDS = {"plan": run}
