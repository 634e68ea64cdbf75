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
from contextlib import ExitStack
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cli import regions as regions_cli
from cli.regions import add_region_options, cache_dir, chosen_region, region_at
from geo.errors import GeoError, ImportValidationError, InvalidInputError
from geo.when import parse_time

if TYPE_CHECKING:
    from geo.network import StreetNetwork
    from geo.stations import StationStore

__all__ = ["main"]

Handler = Callable[[argparse.Namespace], int]
_COMMANDS: dict[str, Handler] = {}


def command(name: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        _COMMANDS[name] = fn
        return fn

    return register


def parse_when(text: str | None, *, option: str = "--at") -> datetime | None:
    """``now``, or an ISO 8601 time (naive means local to the registry's time zone)."""
    return parse_time(text, name=option)


_OPEN_STORES = ExitStack()
"""Every store a command opens; :func:`main` closes them when the command ends."""


def open_registry(args: argparse.Namespace, *, must_exist: bool = True) -> StationStore:
    """The store of ``--db``: a SQLite file, or a ``postgresql://`` URL (PostGIS).

    The store is closed by :func:`main` when the command ends, however it ends.
    """
    from geo.stations import is_database_url, open_store

    db = (
        args.db
        or os.environ.get("STATIONFINDER_DATABASE_URL")
        or os.environ.get("STATIONFINDER_DB")
    )
    if not db:
        raise InvalidInputError("no database: pass --db FILE or set STATIONFINDER_DB")
    if not is_database_url(db) and must_exist and not Path(db).is_file():
        raise InvalidInputError(f"--db {db}: no such file (create it with `stationfinder import`)")
    store = open_store(db, tz=os.environ.get("STATIONFINDER_TZ") or None)
    return _OPEN_STORES.enter_context(store)


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


print_table = _print_table  # for the command modules (cli/<name>.py)


@command("import")
def cmd_import(args: argparse.Namespace) -> int:
    from geo.io import import_stations

    reg = open_registry(args, must_exist=False)
    report = import_stations(
        reg,
        args.file,
        crs=args.crs,
        default_crs=os.environ.get("STATIONFINDER_DEFAULT_CRS") or None,
        far_km=args.far_km,
        skip_invalid=args.skip_invalid,
        progress=sys.stderr.isatty(),
        network=network_for(args, reg) if args.network else None,
    )
    if report.crs_fit is not None:
        medians = ", ".join(f"{s} {m:.0f} m" for s, m in report.crs_fit.median_m.items())
        print(f"{args.file}: median distance to the nearest street: {medians}", file=sys.stderr)
        if report.crs_fit.warning:
            print(f"{args.file}: warning: {report.crs_fit.warning}", file=sys.stderr)
    for p in report.skipped:
        print(f"{args.file}: skipped {p}", file=sys.stderr)
    print(
        f"{args.file}: {report.added} added, {report.updated} updated, "
        f"{len(report.skipped)} invalid row problem(s) skipped; "
        f"{len(reg)} stations in {reg.location}"
    )
    return 0


@command("export")
def cmd_export(args: argparse.Namespace) -> int:
    from geo.export import stations_csv, write_stations_table
    from geo.io import export_stations

    if args.format in poi.POI_FORMATS:
        return poi.run_export(args)
    stations = open_registry(args).stations()
    if args.format == "geojson":
        export_stations(stations, args.out or sys.stdout, fmt="geojson", crs=args.crs)
    elif args.out:
        write_stations_table(stations, args.out, fmt=args.format, crs=args.crs, lang=args.lang)
    elif args.format == "xlsx":
        raise InvalidInputError("--format xlsx needs --out FILE")
    else:
        stations_csv(stations, sys.stdout, crs=args.crs, lang=args.lang)
    if args.out:
        print(f"wrote {len(stations)} stations to {args.out}", file=sys.stderr)
    return 0


@command("nearest")
def cmd_nearest(args: argparse.Namespace) -> int:
    from geo.io import to_feature_collection
    from geo.names import parse_amenity_name, parse_kind_name
    from geo.rider_view import add_rider_properties
    from geo.stations import StationFilter

    reg = open_registry(args)
    where = StationFilter.build(
        kinds=[parse_kind_name(k, argument="--kind") for k in args.kind or ()],
        amenities=[parse_amenity_name(a, argument="--amenity") for a in args.amenity or ()],
        open_at=parse_when(args.open_at, option="--open-at"),
        statuses=args.status,
    )
    where = closures.exclude_closed(reg, where)
    if args.mode == "walk":
        from geo.coverage import walk_nearest

        if args.network or args.region:
            net = network_for(args, reg)
        else:  # the streets of the region that holds the point
            from geo.crs import convert

            (x,), (y,) = convert([args.lon], [args.lat], src=args.crs, dst="wgs84")
            net = region_at(args, float(x), float(y)).network
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
        fc = to_feature_collection(hits, crs=args.crs)
        when = parse_when(args.open_at) or datetime.now().astimezone()
        add_rider_properties(fc, [h.station for h in hits], when=when, tz=reg.tz, lang=args.lang)
        print(json.dumps(fc, ensure_ascii=False, indent=1))
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


def network_for(args: argparse.Namespace, reg: StationStore) -> StreetNetwork:
    """The network of ``--region`` or ``--network`` (cached beside the registry, or in
    $STATIONFINDER_CACHE_DIR)."""
    from geo.network import load_network

    region = chosen_region(args)
    if region is not None:
        return region.network  # type: ignore[no-any-return]
    if not args.network:
        raise InvalidInputError("give --network FILE (.osm.pbf or .graphml) or --region NAME")

    beside = Path(reg.location).parent / "cache" if reg.backend == "sqlite" else BUNDLED_CACHE
    cache = Path(os.environ.get("STATIONFINDER_CACHE_DIR", beside))
    return load_network(args.network, cache_dir=cache, progress=sys.stderr.isatty())


def read_demand(path: str) -> Any:
    """Demand points from a CSV with ``lon``, ``lat`` and optionally ``weight`` (default 1)."""
    from geo.regions import read_demand as read

    return read(path)


def coverage_inputs(args: argparse.Namespace) -> dict[str, Any]:
    """Network, stations (open at ``--at``), demand and districts for coverage commands."""
    import geopandas as gpd

    from geo.coverage import StationSet
    from geo.stations import StationFilter

    reg = open_registry(args)
    kinds = getattr(args, "station_kind", None) or None
    net = network_for(args, reg)
    demand = read_demand(args.demand) if args.demand else None
    districts = gpd.read_file(args.districts) if args.districts else None
    standard = args.standard or ("radius" if args.radius is not None else "walk")
    region = chosen_region(args)
    extra: dict[str, Any] = {}
    if region is None:
        where = StationFilter.build(open_at=parse_when(args.at), kinds=kinds, statuses=["open"])
        ids, lon, lat = reg.arrays(closures.exclude_closed(reg, where))
    else:  # the region's stations and those within reach outside it, its demand and districts
        from geo.network import walk_limit_m
        from geo.regions import open_state, region_stations

        reach = walk_limit_m(args.minutes, args.walk_speed) if standard == "walk" else None
        found = region_stations(reg, region.boundary, reach_m=reach or args.radius or 1000.0)
        is_open = open_state(found, parse_when(args.at), tz=region.spec.tz)
        shut = closures.exclude_closed(reg, StationFilter(open_at=parse_when(args.at))).exclude_ids
        found = [
            s
            for s, ok in zip(found, is_open, strict=True)
            if ok and (not kinds or s.kind in kinds) and s.id not in shut
        ]
        ids, lon, lat = [s.id for s in found], [s.lon for s in found], [s.lat for s in found]
        demand = demand if demand is not None else region.demand()
        districts = districts if districts is not None else region.districts
        extra["area"] = region.boundary
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
        **extra,
    }


@command("coverage")
def cmd_coverage(args: argparse.Namespace) -> int:
    from geo.coverage import coverage_report

    if args.profile:
        return coverage_profile(args)
    inputs = coverage_inputs(args)
    net = inputs.pop("net")
    report = coverage_report(net, inputs.pop("stations"), **inputs)
    fairness = _access.coverage_fairness(args, net, inputs["demand"], inputs["districts"])
    if args.json:
        fair = {"fairness": fairness.to_dict()} if fairness is not None else {}
        print(json.dumps({**report.to_dict(), **fair}, ensure_ascii=False, indent=2))
        return 0
    limit = (
        f"{report.minutes:g} min on foot ({report.limit_m:.0f} m)"
        if report.standard == "walk"
        else f"{report.radius_m:g} m straight line"
    )
    print(f"coverage within {limit} of {report.stations} open station(s)")

    def pct(v: float) -> str:
        return "-" if v != v else f"{v:.1%}"  # NaN: nothing to share

    rows = [
        (name, pct(sh.none), pct(sh.once), pct(sh.multiple))
        for name, sh in (
            ("streets (length)", report.street_share),
            ("area (hexagons)", report.area_share),
            ("demand (weight)", report.demand_share),
        )
    ]
    for district, parts in report.districts.items():
        rows += [
            (f"{district}: {k.split('_')[0]}", pct(v.none), pct(v.once), pct(v.multiple))
            for k, v in parts.items()
        ]
    _print_table(rows, ["share of", "not covered", "once", "twice or more"])
    if any("-" in r[1:] for r in rows):
        print("-: nothing to share (no demand given with --demand, or none in the district)")
    if fairness is not None:
        _access.print_fairness(fairness)
    return 0


def coverage_profile(args: argparse.Namespace) -> int:
    """The week of ``--profile``: one CSV row per hour, counting only stations open then."""
    from geo.coverage import StationSet, weekly_profile
    from geo.stations import StationFilter

    inputs = coverage_inputs(args)
    reg = open_registry(args)
    stations = reg.stations(StationFilter())
    net = inputs.pop("net")
    inputs.pop("stations")
    inputs.pop("districts")
    inputs.pop("area", None)
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

    for flag in ("network", "districts", "region"):
        if getattr(args, flag):
            raise InvalidInputError(
                f"--{flag} does not apply: each region names its network and is its own district"
            )
    demand = read_demand(args.demand) if args.demand else None
    if str(args.regions).endswith(".toml"):  # the declarations the service and --region read
        from geo.regions import batch_regions

        regions, declared = batch_regions(args.regions, cache_dir=cache_dir())
        demand = demand if demand is not None else declared
    else:
        regions = read_regions(args.regions)
    reg = open_registry(args)
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
    from cli import gaps

    return gaps.run(args)


@command("stations-impact")
def cmd_stations_impact(args: argparse.Namespace) -> int:
    from cli import impact

    return impact.run(args)


BUNDLED_CACHE = Path(__file__).resolve().parents[1] / "data" / "cache"
"""Networks of a PostGIS registry's commands."""


def load_candidates(
    spec: str,
    *,
    network_pbf: str | None,
    crs: str,
    proposals: list[str],
    registry: StationStore | None = None,
    region: Any = None,
    net: StreetNetwork | None = None,
) -> Any:
    """Candidate sites: ``osm`` (the region's candidates, or the places in the PBF;
    junctions of an OSMnx file, which has no places), ``proposals`` (the open proposal
    groups in the registry), or a station file; plus single proposals."""
    import pandas as pd

    from geo._graphml import is_graphml
    from geo.io import read_stations
    from geo.regions import junction_candidates, junction_names, region_candidates
    from geo.siting import osm_candidates

    if spec == "osm" and region is not None:
        frame = region_candidates(region)
    elif spec == "osm" and network_pbf and is_graphml(network_pbf) and net is not None:
        frame = junction_candidates(net, names=junction_names(network_pbf))
    elif spec == "osm":
        frame = osm_candidates(network_pbf or "")
    elif spec == "proposals":
        from geo.feedback import Feedback, groups_as_candidates

        assert registry is not None
        frame = groups_as_candidates(Feedback(registry).groups())
        if frame.empty:
            raise InvalidInputError(f"{registry.location}: there are no open proposals to site")
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
    from geo.objective_sites import suggest_by_objective

    objective = args.objective or ("fewest" if args.target is not None else "coverage")
    inputs = coverage_inputs(args)
    net = inputs["net"]
    if args.demand == "cells":
        cells = hex_cells(study_area(net), resolution=args.resolution)
        demand = pd.DataFrame(
            {"lon": cells["lon"], "lat": cells["lat"], "weight": cells["area_m2"]}
        )
    elif inputs["demand"] is not None:
        demand = inputs["demand"]
    else:  # never another city's demand
        raise InvalidInputError(
            "suggest needs demand: --demand CSV, --demand cells, or --region NAME with "
            "demand layers"
        )
    cands = load_candidates(
        args.candidates,
        network_pbf=args.network,
        region=chosen_region(args),
        net=net,
        crs=args.crs,
        proposals=args.propose or [],
        registry=open_registry(args) if args.candidates == "proposals" else None,
    )
    stations = inputs["stations"]
    result, scored, value = suggest_by_objective(
        cands,
        demand,
        stations.lon,
        stations.lat,
        network=net,
        standard=inputs["standard"],
        minutes=args.minutes,
        radius_m=inputs["radius_m"],
        walk_speed_kmh=args.walk_speed,
        k=None if objective == "fewest" else args.k,
        target_share=args.target,
        double=args.double,
        method=args.method,
        time_limit_s=args.time_limit,
        solver=args.solver,
        objective=objective,
        site_capacity=args.site_capacity,
        station_capacity=_access.station_capacities(args, stations.ids)
        if objective == "capacitated"
        else None,
    )
    chosen = scored[scored["order"] > 0].sort_values("order")
    summary = {
        **value.to_dict(),
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
        "share_before": value.share_before,
        "share_after": value.share_after,
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
        f"{len(cands)} candidates; {what} demand {value.share_before:.1%} -> "
        f"{value.share_after:.1%} ({result.method}, {result.solver}, "
        f"{'optimal' if result.optimal else f'gap {result.gap:.1%} to bound {result.bound:g}'})"
    )
    _access.print_objective(value)
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
    _print_table(
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


@command("map")
def cmd_map(args: argparse.Namespace) -> int:
    import maps
    from geo.coverage import coverage_report, isochrones
    from geo.stations import StationFilter
    from maps.tiles import add_street_layer

    net = None
    if args.kind == "stations":
        reg = open_registry(args)
        m = maps.stations_map(reg.stations(StationFilter()), lang=args.lang, tz=reg.tz)
        if args.network or args.region:
            net = network_for(args, reg)
    else:
        if not (args.network or args.region):
            raise InvalidInputError(f"--kind {args.kind} needs --network FILE or --region NAME")
        inputs = coverage_inputs(args)
        reg = open_registry(args)
        net, sset = inputs.pop("net"), inputs.pop("stations")
        shown = set(sset.ids)
        stations = [s for s in reg.stations(StationFilter(open_at=parse_when(args.at)))
                    if s.id in shown]  # fmt: skip
        demand = inputs["demand"]
        if args.kind == "coverage":
            from geo.gaps import gap_pieces
            from geo.impact import station_impact

            report = coverage_report(net, sset, keep_cells=True, **inputs)
            m = maps.coverage_map_from(
                report,
                gaps=gap_pieces(
                    report,
                    net,
                    sset,
                    demand=demand,
                    districts=inputs["districts"],
                    walk_speed_kmh=args.walk_speed,
                ),
                impact=station_impact(
                    net, sset, **{k: v for k, v in inputs.items() if k != "districts"}
                ),
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
            from geo.siting import suggest_sites

            if demand is None:  # never another city's demand
                raise InvalidInputError("--kind suggest needs --demand CSV or --region NAME")
            cands = load_candidates(
                "osm", network_pbf=args.network, crs="wgs84", proposals=[],
                region=chosen_region(args), net=net,
            )  # fmt: skip
            _, scored = suggest_sites(
                cands,
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
    from geo.stations import is_database_url, redacted_url

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    settings = load_settings()
    if args.db and is_database_url(args.db):
        settings = settings.model_copy(update={"database_url": args.db})
    elif args.db:
        settings = settings.model_copy(update={"db": Path(args.db), "database_url": None})
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="stationfinder",
        description="Rest stations for outdoor workers: nearest station, coverage, gaps, siting.",
    )
    parser.add_argument(
        "--debug", action="store_true", help="show the traceback of an error (before COMMAND)"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    crs_help = "coordinate system: wgs84 (default), gcj02 (Amap, Tencent) or bd09 (Baidu)"

    def with_db(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--db",
            help="SQLite file or postgresql:// URL (default: $STATIONFINDER_DATABASE_URL, "
            "else $STATIONFINDER_DB)",
        )

    p = sub.add_parser("import", help="validate a station file and write it to the registry")
    p.add_argument("file", help=".csv, .xlsx, .geojson or .gpkg; English or Chinese headers")
    with_db(p)
    p.add_argument(
        "--crs",
        help=crs_help + " of the file; required when its points lie in mainland China and "
        "neither the file (a crs column) nor $STATIONFINDER_DEFAULT_CRS says",
    )
    p.add_argument(
        "--far-km",
        type=float,
        default=200.0,
        help="report rows this far from every other row (default 200 km)",
    )
    p.add_argument(
        "--network",
        help="OSM .osm.pbf of the sheet's area: check the coordinate system against its "
        "streets (median distance to the nearest street under each system)",
    )
    p.add_argument(
        "--skip-invalid",
        action="store_true",
        help="write the valid rows and report the rest (default: all or nothing)",
    )

    p = sub.add_parser("export", help="write the registry as CSV, XLSX or GeoJSON")
    with_db(p)
    p.add_argument("--format", choices=["csv", "xlsx", "geojson", *poi.POI_FORMATS], default="csv")
    p.add_argument(
        "--lang",
        choices=["en", "zh"],
        default="en",
        help="csv/xlsx: English codes, or Chinese headers and labels (zh)",
    )
    p.add_argument("--crs", default="wgs84", help=crs_help)
    p.add_argument("--out", help="output file (default: standard output)")
    poi.add_export_options(p)

    p = sub.add_parser("nearest", help="the nearest stations to a point")
    with_db(p)
    p.add_argument("--lat", type=float, required=True)
    p.add_argument("--lon", type=float, required=True)
    p.add_argument("--crs", default="wgs84", help=crs_help + " of the point and of --json output")
    p.add_argument("-k", type=int, default=5, help="how many stations (default 5)")
    p.add_argument("--kind", action="append", help="allowed kind, code or 司机之家 … (repeatable)")
    p.add_argument(
        "--amenity", action="append", help="required amenity, water or 饮用水 … (repeatable)"
    )
    p.add_argument("--lang", choices=["en", "zh"], default="en", help="--json labels")
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
    p.add_argument(
        "--network",
        metavar="FILE",
        help="network for --mode walk (default: the region of the regions file holding the point)",
    )
    add_region_options(p)
    p.add_argument("--walk-speed", type=float, default=4.8, help="km/h (default 4.8)")
    p.add_argument("--json", action="store_true", help="print a GeoJSON FeatureCollection")

    def coverage_options(p: argparse.ArgumentParser) -> None:
        with_db(p)
        p.add_argument(
            "--network",
            metavar="FILE",
            help="OpenStreetMap .osm.pbf or OSMnx .graphml[.gz] (or use --region)",
        )
        add_region_options(p)
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
        help="the regions file (regions.toml), or a GeoJSON/GeoPackage of polygons with "
        "'name' and 'pbf' columns",
    )
    p.add_argument("--out", required=True, help="folder for summary and GeoParquet files")
    p.add_argument("--scheduler", metavar="ADDRESS", help="a running Dask scheduler")
    p.add_argument("--workers", type=int, default=2, help="local Dask workers (default 2)")
    p.add_argument("--retries", type=int, default=2, help="tries again per failed region")
    p.add_argument("--force", action="store_true", help="recompute unchanged regions too")

    from cli import gaps, impact

    p = sub.add_parser("gaps", help="uncovered areas in pieces one station could serve")
    coverage_options(p)
    gaps.add_arguments(p)
    p = sub.add_parser("stations-impact", help="what each station adds; the loss if it closed")
    coverage_options(p)
    impact.add_arguments(p)

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
    _access.objective_arguments(p)
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
    p.add_argument(
        "--network", metavar="FILE", help="rank by the 15-minute walk (else 1 km radius)"
    )
    add_region_options(p)
    p.add_argument(
        "--demand", help="CSV of demand points: lon, lat[, weight] (default: the --region's)"
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

    p = sub.add_parser("map", help="write a standalone map page (works offline)")
    coverage_options(p)
    p.add_argument("--kind", choices=["stations", "coverage", "suggest"], default="stations")
    p.add_argument("--out", required=True, help="the .html file to write")
    p.add_argument("--lang", choices=["zh", "en"], default="zh")
    p.add_argument("-k", "--k", type=int, default=5, help="sites to suggest (--kind suggest)")

    p = sub.add_parser("serve", help="start the HTTP service with its maps")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument(
        "--db",
        help="SQLite file or postgresql:// URL (default: $STATIONFINDER_DATABASE_URL, "
        "else $STATIONFINDER_DB, else the bundled demo)",
    )

    for extra in _EXTRA_PARSERS:
        extra(sub)
    return parser


# Subcommands defined in other modules of this package register here.
_EXTRA_PARSERS: list[Callable[[Any], None]] = [regions_cli.add_arguments]
_COMMANDS["regions"] = regions_cli.run

from cli import access as _access  # noqa: E402  (after the helpers it imports lazily)

_EXTRA_PARSERS.append(_access.add_arguments)
command("access")(_access.run)


def _register(module: Any) -> None:
    """Add a command module's subcommands (``add_arguments``) and handlers (``COMMANDS``)."""
    _EXTRA_PARSERS.append(module.add_arguments)
    _COMMANDS.update(module.COMMANDS)


from cli import closures, inspection, loop, poi  # noqa: E402  (they import cli.main lazily)

_register(loop)
_register(inspection)
_register(closures)


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
        with _OPEN_STORES:
            return _COMMANDS[args.command](args)
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
