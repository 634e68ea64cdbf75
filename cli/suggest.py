"""``stationfinder suggest``: which candidate sites close the most gaps; the candidates."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cli.common import (
    add_coverage_options,
    coverage_inputs,
    open_registry,
    print_table,
)
from cli.regions import chosen_region
from geo.errors import ImportValidationError, InvalidInputError

if TYPE_CHECKING:
    from geo.network import StreetNetwork
    from geo.stations import StationStore

from cli import access


def add_arguments(sub: Any) -> None:
    """Register this module's subcommands on the parser's subparsers."""
    p = sub.add_parser("suggest", help="which candidate sites close the most gaps")
    add_coverage_options(p)
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
    access.objective_arguments(p)
    p.add_argument("--double", action="store_true", help="maximise demand covered twice or more")
    p.add_argument("--method", choices=["exact", "greedy"], default="exact")
    p.add_argument(
        "--solver",
        choices=["auto", "highs", "cbc", "reduce"],
        default="auto",
        help="exact solver: auto (CBC where its binary runs, else HiGHS), cbc, highs, or "
        "reduce (maximal covering: candidates no better set can hold are proven out first, "
        "then HiGHS; fastest on large k=10-type problems)",
    )
    p.add_argument("--time-limit", type=float, default=60.0, help="solver seconds (default 60)")
    p.add_argument("--out", help="write the chosen sites as GeoJSON")
    p.add_argument("--json", action="store_true", help="print the result as GeoJSON")


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
    from geo.candidate_names import named_osm_candidates
    from geo.io import read_stations
    from geo.regions import junction_candidates, junction_names, region_candidates

    if spec == "osm" and region is not None:
        frame = region_candidates(region)
    elif spec == "osm" and network_pbf and is_graphml(network_pbf) and net is not None:
        frame = junction_candidates(net, names=junction_names(network_pbf))
    elif spec == "osm":  # unnamed places: their tag and nearest street
        frame = named_osm_candidates(network_pbf or "")
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
        station_capacity=access.station_capacities(args, stations.ids)
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
        f"{value.share_after:.1%}"
    )
    print(method_line(result))
    access.print_objective(value)
    print("sites in the order picked (gain: what each adds to the sites picked before it):")
    after = result.covered_before + chosen["gain"].astype(float).cumsum()
    print_table(
        [
            (
                int(r["order"]),
                r["id"],
                r["name"],
                f"{r['gain']:g}",
                "-" if not result.total else f"{cum / result.total:.1%}",
                f"{r['lon']:.6f}",
                f"{r['lat']:.6f}",
            )
            for (_, r), cum in zip(chosen.iterrows(), after, strict=True)
        ],
        ["#", "id", "name", "gain", f"{what} after", "lon", "lat"],
    )
    return 0


_SOLVER_NAMES = {"highs": "HiGHS", "cbc": "CBC"}


def method_line(result: Any) -> str:
    """Which method and solver ran, and whether the answer is proven optimal, in words:
    ``method: exact (HiGHS), proven optimal``, ``method: greedy, no optimality proof: …``."""
    solver = _SOLVER_NAMES.get(str(result.solver), str(result.solver))
    ran = f"exact ({solver})" if result.method == "exact" else "greedy"
    if result.optimal:
        proof = "" if result.method == "exact" else f" (it meets the {result.bound_kind} bound)"
        return f"method: {ran}, proven optimal{proof}"
    why = "stopped at the time limit" if result.method == "exact" else "no optimality proof"
    bound = f"the {result.bound_kind} bound {result.bound:g}"
    return f"method: {ran}, {why}: gap {result.gap:.1%} to {bound}"


COMMANDS = {
    "suggest": cmd_suggest,
}
