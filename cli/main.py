"""The ``stationfinder`` command line.

Each subcommand parses its arguments, makes one call into :mod:`geo` (or
starts the service), and prints a table, or JSON with ``--json``. Errors go
to stderr, one line per problem, with exit status 1 (2 for bad usage).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import unicodedata
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from geo.errors import GeoError, ImportValidationError, InvalidInputError

if TYPE_CHECKING:
    from geo.network import StreetNetwork
    from geo.registry import StationRegistry

__all__ = ["main"]

Handler = Callable[[argparse.Namespace], int]
_COMMANDS: dict[str, Handler] = {}


def command(name: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        _COMMANDS[name] = fn
        return fn

    return register


def parse_when(text: str | None) -> datetime | None:
    """``now``, or an ISO 8601 time (naive means local to the registry's time zone)."""
    if text is None:
        return None
    if text.strip().lower() == "now":
        return datetime.now().astimezone()
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInputError(
            f"--open-at/--at {text!r} is not an ISO 8601 time such as 2026-05-01T23:00"
        ) from None


def open_registry(args: argparse.Namespace, *, must_exist: bool = True) -> Any:
    """The registry of ``--db``: a SQLite file, or a ``postgresql://`` URL (PostGIS)."""
    from geo.postgis import PostgisRegistry, is_database_url
    from geo.registry import StationRegistry

    db = (
        args.db
        or os.environ.get("STATIONFINDER_DATABASE_URL")
        or os.environ.get("STATIONFINDER_DB")
    )
    if not db:
        raise InvalidInputError("no database: pass --db FILE or set STATIONFINDER_DB")
    if is_database_url(db):
        return PostgisRegistry(db, tz=os.environ.get("STATIONFINDER_TZ") or None)
    if must_exist and not Path(db).is_file():
        raise InvalidInputError(f"--db {db}: no such file (create it with `stationfinder import`)")
    return StationRegistry(db, tz=os.environ.get("STATIONFINDER_TZ") or None)


def _width(text: str) -> int:
    """Columns a string takes in a terminal: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _print_table(rows: Sequence[Sequence[Any]], header: Sequence[str]) -> None:
    cells = [[str(c) for c in header], *[[str(c) for c in r] for r in rows]]
    widths = [max(_width(r[i]) for r in cells) for i in range(len(header))]
    for j, r in enumerate(cells):
        line = "  ".join(c + " " * (w - _width(c)) for c, w in zip(r, widths, strict=True))
        print(line.rstrip())
        if j == 0:
            print("  ".join("-" * w for w in widths))


@command("import")
def cmd_import(args: argparse.Namespace) -> int:
    from geo.io import import_stations

    reg = open_registry(args, must_exist=False)
    report = import_stations(
        reg, args.file, crs=args.crs, skip_invalid=args.skip_invalid, progress=sys.stderr.isatty()
    )
    for p in report.skipped:
        print(f"{args.file}: skipped {p}", file=sys.stderr)
    print(
        f"{args.file}: {report.added} added, {report.updated} updated, "
        f"{len(report.skipped)} invalid row problem(s) skipped; {len(reg)} stations in {reg.path}"
    )
    return 0


@command("export")
def cmd_export(args: argparse.Namespace) -> int:
    from geo.io import export_stations

    reg = open_registry(args)
    stations = reg.stations()
    if args.out:
        export_stations(stations, args.out, fmt=args.format, crs=args.crs)
        print(f"wrote {len(stations)} stations to {args.out}", file=sys.stderr)
    else:
        export_stations(stations, sys.stdout, fmt=args.format, crs=args.crs)
    return 0


@command("nearest")
def cmd_nearest(args: argparse.Namespace) -> int:
    from geo.io import to_feature_collection
    from geo.registry import StationFilter

    reg = open_registry(args)
    where = StationFilter.build(
        kinds=args.kind,
        amenities=args.amenity,
        open_at=parse_when(args.open_at),
        statuses=args.status,
    )
    if args.mode == "walk":
        from geo.coverage import walk_nearest

        if not args.network:
            raise InvalidInputError("--mode walk needs --network PBF")
        net = network_for(args, reg)
        hits = walk_nearest(
            reg,
            net,
            args.lon,
            args.lat,
            k=args.k,
            crs=args.crs,
            where=where,
            max_dist_m=args.radius,
            walk_speed_kmh=args.walk_speed,
        )
    else:
        hits = reg.nearest(
            args.lon, args.lat, k=args.k, crs=args.crs, where=where, max_dist_m=args.radius
        )
    if args.json:
        print(json.dumps(to_feature_collection(hits, crs=args.crs), ensure_ascii=False, indent=1))
        return 0
    if not hits:
        print("no station matches", file=sys.stderr)
        return 0
    _print_table(
        [
            (
                h.station.id,
                h.station.name,
                h.station.kind,
                f"{h.distance_m:.0f}"
                + (
                    f" (walk {h.walk_distance_m:.0f} m, {h.walk_time_s / 60:.0f} min)"
                    if h.walk_distance_m is not None and h.walk_time_s is not None
                    else ""
                ),
                f"{h.bearing_deg:.0f}",
                ";".join(h.station.amenities),
                h.station.opening_hours,
            )
            for h in hits
        ],
        ["id", "name", "kind", "distance_m", "bearing", "amenities", "hours"],
    )
    return 0


def network_for(args: argparse.Namespace, reg: StationRegistry) -> StreetNetwork:
    """The network of ``--network``, cached beside the registry (or in $STATIONFINDER_CACHE_DIR)."""
    from geo.network import load_network

    beside = Path(reg.path).parent / "cache" if not hasattr(reg, "url") else BUNDLED_CACHE
    cache = Path(os.environ.get("STATIONFINDER_CACHE_DIR", beside))
    return load_network(args.network, cache_dir=cache, progress=sys.stderr.isatty())


def read_demand(path: str) -> Any:
    """Demand points from a CSV with ``lon``, ``lat`` and optionally ``weight`` (default 1)."""
    import pandas as pd

    demand = pd.read_csv(path)
    missing = {"lon", "lat"} - set(demand.columns)
    if missing:
        raise InvalidInputError(f"{path}: no column(s) {', '.join(sorted(missing))}")
    if "weight" not in demand:
        demand["weight"] = 1.0
    return demand


def coverage_inputs(args: argparse.Namespace) -> dict[str, Any]:
    """Network, stations (open at ``--at``), demand and districts for coverage commands."""
    import geopandas as gpd

    from geo.coverage import StationSet
    from geo.registry import StationFilter

    reg = open_registry(args)
    kinds = getattr(args, "station_kind", None)
    where = StationFilter.build(open_at=parse_when(args.at), kinds=kinds, statuses=["open"])
    ids, lon, lat = reg.arrays(where)
    net = network_for(args, reg)
    demand = read_demand(args.demand) if args.demand else None
    districts = gpd.read_file(args.districts) if args.districts else None
    standard = args.standard or ("radius" if args.radius is not None else "walk")
    return {
        "net": net,
        "stations": StationSet.build(net, ids, lon, lat),
        "standard": standard,
        "minutes": args.minutes,
        "radius_m": args.radius if args.radius is not None else 1000.0,
        "walk_speed_kmh": args.walk_speed,
        "demand": demand,
        "districts": districts,
        "resolution": args.resolution,
    }


@command("coverage")
def cmd_coverage(args: argparse.Namespace) -> int:
    from geo.coverage import coverage_report

    if args.profile:
        return coverage_profile(args)
    inputs = coverage_inputs(args)
    report = coverage_report(inputs.pop("net"), inputs.pop("stations"), **inputs)
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
        return 0
    limit = (
        f"{report.minutes:g} min on foot ({report.limit_m:.0f} m)"
        if report.standard == "walk"
        else f"{report.radius_m:g} m straight line"
    )
    print(f"coverage within {limit} of {report.stations} open station(s)")
    rows = [
        (name, f"{sh.none:.1%}", f"{sh.once:.1%}", f"{sh.multiple:.1%}")
        for name, sh in (
            ("streets (length)", report.street_share),
            ("area (hexagons)", report.area_share),
            ("demand (weight)", report.demand_share),
        )
    ]
    for district, parts in report.districts.items():
        rows += [
            (
                f"{district}: {k.split('_')[0]}",
                f"{v.none:.1%}",
                f"{v.once:.1%}",
                f"{v.multiple:.1%}",
            )
            for k, v in parts.items()
        ]
    _print_table(rows, ["share of", "not covered", "once", "twice or more"])
    return 0


def coverage_profile(args: argparse.Namespace) -> int:
    """The week of ``--profile``: one CSV row per hour, counting only stations open then."""
    from geo.coverage import StationSet, weekly_profile
    from geo.registry import StationFilter

    inputs = coverage_inputs(args)
    reg = open_registry(args)
    stations = reg.stations(StationFilter())
    net = inputs.pop("net")
    inputs.pop("stations")
    inputs.pop("districts")
    s = StationSet.build(
        net, [x.id for x in stations], [x.lon for x in stations], [x.lat for x in stations]
    )
    prof = weekly_profile(
        net,
        s,
        [x.opening_hours for x in stations],
        week_start=date.fromisoformat(args.profile),
        tz=reg.tz,
        **inputs,
    )
    prof.to_csv(sys.stdout, index=False, float_format="%.4f")
    return 0


@command("coverage-batch")
def cmd_coverage_batch(args: argparse.Namespace) -> int:
    import pandas as pd

    from geo.batch import RegionParams, read_regions, run_batch

    for flag in ("network", "districts"):
        if getattr(args, flag):
            raise InvalidInputError(
                f"--{flag} does not apply: each region names its PBF and is its own district"
            )
    regions = read_regions(args.regions)
    reg = open_registry(args)
    demand = read_demand(args.demand) if args.demand else None
    standard = args.standard or ("radius" if args.radius is not None else "walk")
    params = RegionParams(
        standard=standard,
        minutes=args.minutes,
        radius_m=args.radius if args.radius is not None else 1000.0,
        walk_speed_kmh=args.walk_speed,
        resolution=args.resolution,
    )
    cache = os.environ.get("STATIONFINDER_CACHE_DIR") or str(BUNDLED_CACHE)
    summary = run_batch(
        regions,
        reg,
        args.out,
        params=params,
        demand=demand,
        at=parse_when(args.at),
        scheduler=args.scheduler,
        n_workers=args.workers,
        retries=args.retries,
        force=args.force,
        cache_dir=cache,
        progress=sys.stderr.isatty(),
    )
    rows = [
        [
            r.region,
            r.status,
            "" if pd.isna(r.street_none) else f"{1 - r.street_none:.1%}",
            "" if pd.isna(r.demand_none) else f"{1 - r.demand_none:.1%}",
            "" if pd.isna(r.gaps) else int(r.gaps),
            r.error or "",
        ]
        for r in summary.itertuples()
    ]
    _print_table(rows, ["region", "status", "streets covered", "demand covered", "gaps", "error"])
    print(f"wrote {args.out}/summary.csv, summary.parquet, gaps.parquet", file=sys.stderr)
    failed = summary.loc[summary["status"] == "failed", "region"].tolist()
    if failed:
        print(f"stationfinder coverage-batch: failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


@command("gaps")
def cmd_gaps(args: argparse.Namespace) -> int:
    from geo.coverage import coverage_report, find_gaps

    inputs = coverage_inputs(args)
    report = coverage_report(inputs.pop("net"), inputs.pop("stations"), keep_cells=True, **inputs)
    gaps = find_gaps(report, demand=inputs["demand"], walk_speed_kmh=args.walk_speed)
    if args.out:
        tmp = Path(args.out).with_suffix(".tmp.geojson")
        gaps.to_file(tmp, driver="GeoJSON")
        tmp.replace(args.out)  # nothing half-written if the write fails
        print(f"wrote {len(gaps)} gap(s) to {args.out}", file=sys.stderr)
    rows = [
        (
            int(g["rank"]),
            f"{g['area_m2']:.0f}",
            f"{g['demand']:g}",
            g["nearest_id"] or "-",
            f"{g['nearest_walk_s'] / 60:.1f}"
            if g["nearest_walk_s"] == g["nearest_walk_s"]
            else "-",
        )
        for _, g in gaps.head(args.top).iterrows()
    ]
    _print_table(rows, ["rank", "area_m2", "demand", "nearest station", "walk min"])
    return 0


BUNDLED_DEMAND = Path(__file__).resolve().parents[1] / "data" / "helsinki_demand.csv"
BUNDLED_CACHE = BUNDLED_DEMAND.parent / "cache"  # networks of a PostGIS registry's commands


def load_candidates(
    spec: str,
    *,
    network_pbf: str,
    crs: str,
    proposals: list[str],
    registry: StationRegistry | None = None,
) -> Any:
    """Candidate sites: ``osm`` (places in the PBF), ``proposals`` (the open proposal
    groups in the registry), or a station file; plus single proposals."""
    import pandas as pd

    from geo.io import read_stations
    from geo.siting import osm_candidates

    if spec == "osm":
        frame = osm_candidates(network_pbf)
    elif spec == "proposals":
        from geo.feedback import Feedback, groups_as_candidates

        assert registry is not None
        frame = groups_as_candidates(Feedback(registry).groups())
        if frame.empty:
            raise InvalidInputError(f"{registry.path}: there are no open proposals to site")
    elif spec:
        result = read_stations(spec, crs=crs)
        if result.problems:
            raise ImportValidationError(result.path, list(result.problems))
        frame = pd.DataFrame(
            [
                {"id": s.id, "name": s.name, "lon": s.lon, "lat": s.lat, "source": s.source}
                for s in result.stations
            ]
        )
    else:
        frame = pd.DataFrame(columns=["id", "name", "lon", "lat", "source"])
    rows = []
    for i, text in enumerate(proposals, start=1):
        parts = text.split(",", 2)
        try:
            lon, lat = float(parts[0]), float(parts[1])
        except (ValueError, IndexError):
            raise InvalidInputError(f"--propose {text!r} must be LON,LAT[,note]") from None
        rows.append(
            {
                "id": f"proposal-{i}",
                "name": parts[2] if len(parts) > 2 else f"proposal {i}",
                "lon": lon,
                "lat": lat,
                "source": "proposal",
            }
        )
    if rows:
        frame = pd.concat([frame, pd.DataFrame(rows)], ignore_index=True)
    return frame


@command("suggest")
def cmd_suggest(args: argparse.Namespace) -> int:
    import pandas as pd

    from geo.coverage import hex_cells, study_area
    from geo.io import to_feature_collection  # noqa: F401  (GeoJSON conventions)
    from geo.siting import suggest_sites

    inputs = coverage_inputs(args)
    net = inputs["net"]
    if args.demand == "cells":
        cells = hex_cells(study_area(net), resolution=args.resolution)
        demand = pd.DataFrame(
            {"lon": cells["lon"], "lat": cells["lat"], "weight": cells["area_m2"]}
        )
    elif inputs["demand"] is not None:
        demand = inputs["demand"]
    else:
        demand = pd.read_csv(BUNDLED_DEMAND)
    cands = load_candidates(
        args.candidates,
        network_pbf=args.network,
        crs=args.crs,
        proposals=args.propose or [],
        registry=open_registry(args) if args.candidates == "proposals" else None,
    )
    stations = inputs["stations"]
    result, scored = suggest_sites(
        cands,
        demand,
        stations.lon,
        stations.lat,
        network=net,
        standard=inputs["standard"],
        minutes=args.minutes,
        radius_m=inputs["radius_m"],
        walk_speed_kmh=args.walk_speed,
        k=None if args.target is not None else args.k,
        target_share=args.target,
        double=args.double,
        method=args.method,
        time_limit_s=args.time_limit,
        solver=args.solver,
    )
    chosen = scored[scored["order"] > 0].sort_values("order")
    summary = {
        "standard": inputs["standard"],
        "method": result.method,
        "solver": result.solver,
        "optimal": result.optimal,
        "gap": result.gap,
        "bound": result.bound,
        "double": args.double,
        "covered_before": result.covered_before,
        "covered_after": result.covered_after,
        "total": result.total,
        "share_before": result.share_before,
        "share_after": result.share_after,
        "seconds": round(result.seconds, 3),
    }
    features = [
        {
            "type": "Feature",
            "id": str(r["id"]),
            "geometry": {"type": "Point", "coordinates": [float(r["lon"]), float(r["lat"])]},
            "properties": {
                "order": int(r["order"]),
                "gain": float(r["gain"]),
                "name": str(r["name"]),
                "source": str(r.get("source", "")),
            },
        }
        for _, r in chosen.iterrows()
    ]
    fc = {"type": "FeatureCollection", "features": features, **summary}
    if args.out:
        tmp = Path(args.out).with_suffix(".tmp")
        tmp.write_text(json.dumps(fc, ensure_ascii=False, indent=1), encoding="utf-8")
        tmp.replace(args.out)
        print(f"wrote {len(features)} site(s) to {args.out}", file=sys.stderr)
    if args.json:
        print(json.dumps(fc, ensure_ascii=False, indent=2))
        return 0
    what = "twice-covered" if args.double else "covered"
    print(
        f"{len(cands)} candidates; {what} demand {result.share_before:.1%} -> "
        f"{result.share_after:.1%} ({result.method}, {result.solver}, "
        f"{'optimal' if result.optimal else f'gap {result.gap:.1%} to bound {result.bound:g}'})"
    )
    _print_table(
        [
            (
                int(r["order"]),
                r["id"],
                r["name"],
                f"{r['gain']:g}",
                f"{r['lon']:.6f}",
                f"{r['lat']:.6f}",
            )
            for _, r in chosen.iterrows()
        ],
        ["#", "id", "name", "gain", "lon", "lat"],
    )
    return 0


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


@command("reports")
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
    _print_table(
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


@command("proposals")
def cmd_proposals(args: argparse.Namespace) -> int:
    import pandas as pd

    from geo.feedback import Feedback, rank_groups
    from geo.registry import StationFilter

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
    demand = pd.read_csv(args.demand or BUNDLED_DEMAND)
    if "weight" not in demand:
        demand["weight"] = 1.0
    net = None
    if args.network:
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
    print(f"{len(ranked)} group(s) of open proposals; gain = demand newly covered ({what})")
    _print_table(
        [
            (
                g.rank,
                g.id,
                f"{g.gain:g}",
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


@command("map")
def cmd_map(args: argparse.Namespace) -> int:
    import maps
    from geo.coverage import coverage_report, find_gaps, isochrones
    from geo.registry import StationFilter
    from maps.tiles import add_street_layer

    net = None
    if args.kind == "stations":
        reg = open_registry(args)
        m = maps.stations_map(reg.stations(StationFilter()), lang=args.lang, tz=reg.tz)
        if args.network:
            net = network_for(args, reg)
    else:
        if not args.network:
            raise InvalidInputError(f"--kind {args.kind} needs --network PBF")
        inputs = coverage_inputs(args)
        reg = open_registry(args)
        kinds = args.station_kind or None
        stations = reg.stations(StationFilter.build(open_at=parse_when(args.at), kinds=kinds))
        net, sset = inputs.pop("net"), inputs.pop("stations")
        demand = inputs["demand"]
        if demand is None and BUNDLED_DEMAND.is_file():
            import pandas as pd

            demand = inputs["demand"] = pd.read_csv(BUNDLED_DEMAND)
        if args.kind == "coverage":
            report = coverage_report(net, sset, keep_cells=True, **inputs)
            m = maps.coverage_map_from(
                report,
                gaps=find_gaps(report, demand=demand, walk_speed_kmh=args.walk_speed),
                walk_areas=isochrones(
                    net, sset, minutes=args.minutes, walk_speed_kmh=args.walk_speed
                ),
                stations=stations,
                demand=demand,
                at=parse_when(args.at),
                lang=args.lang,
                tz=reg.tz,
            )
        else:
            from geo.siting import osm_candidates, suggest_sites

            _, scored = suggest_sites(
                osm_candidates(args.network),
                demand,
                sset.lon,
                sset.lat,
                network=net,
                standard=inputs["standard"],
                minutes=args.minutes,
                radius_m=inputs["radius_m"],
                walk_speed_kmh=args.walk_speed,
                k=args.k,
            )
            m = maps.suggestions_map_from(scored, stations=stations, lang=args.lang, tz=reg.tz)
    if net is not None:  # a file has no tile server: the streets come inline, as vectors
        add_street_layer(m, net, lang=args.lang)
    maps.write_standalone(m, args.out)
    print(
        f"wrote {args.out} ({Path(args.out).stat().st_size:,} bytes, assets inlined)",
        file=sys.stderr,
    )
    return 0


@command("serve")
def cmd_serve(args: argparse.Namespace) -> int:
    import logging

    import uvicorn

    from api.main import create_app
    from api.settings import load_settings

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    settings = load_settings()
    if args.db:
        settings = settings.model_copy(update={"db": Path(args.db)})
    print(
        f"stationfinder: serving {settings.db} on http://{args.host}:{args.port} "
        f"(API docs at /docs)",
        file=sys.stderr,
    )
    uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level="info")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="stationfinder",
        description="Rest stations for outdoor workers: nearest station, coverage, gaps, siting.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    crs_help = "coordinate system: wgs84 (default), gcj02 (Amap, Tencent) or bd09 (Baidu)"

    def with_db(p: argparse.ArgumentParser) -> None:
        p.add_argument("--db", help="SQLite registry file (default: $STATIONFINDER_DB)")

    p = sub.add_parser("import", help="validate a station file and write it to the registry")
    p.add_argument("file", help=".csv, .xlsx, .geojson or .gpkg; English or Chinese headers")
    with_db(p)
    p.add_argument("--crs", default="wgs84", help=crs_help + " of the file")
    p.add_argument(
        "--skip-invalid",
        action="store_true",
        help="write the valid rows and report the rest (default: all or nothing)",
    )

    p = sub.add_parser("export", help="write the registry as CSV or GeoJSON")
    with_db(p)
    p.add_argument("--format", choices=["csv", "geojson"], default="csv")
    p.add_argument("--crs", default="wgs84", help=crs_help)
    p.add_argument("--out", help="output file (default: standard output)")

    p = sub.add_parser("nearest", help="the nearest stations to a point")
    with_db(p)
    p.add_argument("--lat", type=float, required=True)
    p.add_argument("--lon", type=float, required=True)
    p.add_argument("--crs", default="wgs84", help=crs_help + " of the point and of --json output")
    p.add_argument("-k", type=int, default=5, help="how many stations (default 5)")
    p.add_argument("--kind", action="append", help="allowed kind (repeatable)")
    p.add_argument("--amenity", action="append", help="required amenity (repeatable; all required)")
    p.add_argument(
        "--open-at",
        nargs="?",
        const="now",
        metavar="ISO8601",
        help="only stations open then (no value: now)",
    )
    p.add_argument(
        "--status", action="append", default=None, help="allowed status (repeatable; default open)"
    )
    p.add_argument("--radius", type=float, help="maximum distance in metres")
    p.add_argument(
        "--mode",
        choices=["straight", "walk"],
        default="straight",
        help="rank by straight-line distance or by walking along streets",
    )
    p.add_argument("--network", metavar="PBF", help="OSM file for --mode walk")
    p.add_argument("--walk-speed", type=float, default=4.8, help="km/h (default 4.8)")
    p.add_argument("--json", action="store_true", help="print a GeoJSON FeatureCollection")

    def coverage_options(p: argparse.ArgumentParser) -> None:
        with_db(p)
        p.add_argument(
            "--network",
            required=not p.prog.endswith((" map", " coverage-batch")),
            metavar="PBF",
            help="OpenStreetMap .osm.pbf",
        )
        p.add_argument(
            "--standard",
            choices=["walk", "radius"],
            help="walk (default) or radius (default when --radius is given)",
        )
        p.add_argument("--minutes", type=float, default=15.0, help="walking limit (default 15)")
        p.add_argument("--radius", type=float, help="straight-line limit in metres (default 1000)")
        p.add_argument("--walk-speed", type=float, default=4.8, help="km/h (default 4.8)")
        p.add_argument(
            "--demand",
            help="CSV of demand points: lon, lat[, weight]"
            + (" ('cells': hexagons weighted by area)" if p.prog.endswith("suggest") else ""),
        )
        p.add_argument("--districts", help="GeoJSON/GeoPackage of districts with a 'name' column")
        p.add_argument("--at", metavar="ISO8601", help="count only stations open then ('now' ok)")
        p.add_argument(
            "--station-kind", action="append", help="count only stations of this kind (repeatable)"
        )
        p.add_argument("--resolution", type=int, default=10, help="H3 resolution (default 10)")

    p = sub.add_parser("coverage", help="share of streets, area and demand within reach")
    coverage_options(p)
    p.add_argument(
        "--profile",
        metavar="DATE",
        help="print CSV of every hour of the week from DATE (YYYY-MM-DD), counting "
        "only the stations open each hour",
    )
    p.add_argument("--json", action="store_true", help="print the figures as JSON")

    p = sub.add_parser(
        "coverage-batch", help="coverage and gaps of many regions in parallel on Dask"
    )
    coverage_options(p)
    p.add_argument(
        "--regions",
        required=True,
        help="GeoJSON/GeoPackage of region polygons with 'name' and 'pbf' columns",
    )
    p.add_argument("--out", required=True, help="folder for summary and GeoParquet files")
    p.add_argument("--scheduler", metavar="ADDRESS", help="a running Dask scheduler")
    p.add_argument("--workers", type=int, default=2, help="local Dask workers (default 2)")
    p.add_argument("--retries", type=int, default=2, help="tries again per failed region")
    p.add_argument("--force", action="store_true", help="recompute unchanged regions too")

    p = sub.add_parser("gaps", help="uncovered areas ranked by demand")
    coverage_options(p)
    p.add_argument("--out", help="write the gaps as GeoJSON")
    p.add_argument("--top", type=int, default=10, help="rows to print (default 10)")

    p = sub.add_parser("suggest", help="which candidate sites close the most gaps")
    coverage_options(p)
    p.add_argument(
        "--candidates",
        default="osm",
        help="'osm' (places in the PBF: community centres, town halls, supermarkets "
        "…), 'proposals' (the riders' open proposal groups in --db) or a station file "
        "with the import rules (default osm)",
    )
    p.add_argument("--crs", default="wgs84", help="coordinate system of the candidates file")
    p.add_argument(
        "--propose",
        action="append",
        metavar="LON,LAT[,NOTE]",
        help="add a single proposed site (repeatable)",
    )
    p.add_argument("-k", "--k", type=int, default=5, help="how many new sites (default 5)")
    p.add_argument("--target", type=float, help="instead: fewest sites reaching this share (0-1)")
    p.add_argument("--double", action="store_true", help="maximise demand covered twice or more")
    p.add_argument("--method", choices=["exact", "greedy"], default="exact")
    p.add_argument(
        "--solver",
        choices=["auto", "highs", "cbc"],
        default="auto",
        help="exact solver: auto (CBC where its binary runs, else HiGHS), cbc or highs",
    )
    p.add_argument("--time-limit", type=float, default=60.0, help="solver seconds (default 60)")
    p.add_argument("--out", help="write the chosen sites as GeoJSON")
    p.add_argument("--json", action="store_true", help="print the result as GeoJSON")

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

    p = sub.add_parser("proposals", help="proposed sites grouped and ranked; accept or reject")
    with_db(p)
    p.add_argument("--network", metavar="PBF", help="rank by the 15-minute walk (else 1 km radius)")
    p.add_argument("--demand", help="CSV of demand points: lon, lat[, weight] (default: bundled)")
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

    p = sub.add_parser("map", help="write a standalone map page (works offline)")
    coverage_options(p)
    p.add_argument("--kind", choices=["stations", "coverage", "suggest"], default="stations")
    p.add_argument("--out", required=True, help="the .html file to write")
    p.add_argument("--lang", choices=["zh", "en"], default="zh")
    p.add_argument("-k", "--k", type=int, default=5, help="sites to suggest (--kind suggest)")

    p = sub.add_parser("serve", help="start the HTTP service with its maps")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--db", help="SQLite registry (default: $STATIONFINDER_DB or the bundled demo)")

    for extra in _EXTRA_PARSERS:
        extra(sub)
    return parser


# Subcommands defined in other modules of this package register here.
_EXTRA_PARSERS: list[Callable[[Any], None]] = []


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "status", None) is None and "status" in args:
        args.status = ["open"]
    try:
        return _COMMANDS[args.command](args)
    except ImportValidationError as exc:
        for p in exc.problems:
            print(f"{exc.path}: {p}", file=sys.stderr)
        print(
            f"{exc.path}: {len(exc.problems)} problem(s); nothing was written "
            "(fix them, or pass --skip-invalid)",
            file=sys.stderr,
        )
        return 1
    except GeoError as exc:
        print(f"stationfinder {args.command}: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
