"""The planner report's figures for one region: KPIs, gaps, station impact, sites, fairness,
response times — each a plain table, computed by the library's own functions.

Stations are counted as ``stationfinder coverage --region`` counts them: the
region's open stations and those within reach of its boundary (the walking
limit, or the radius), open at the time (their opening hours, in the region's
time zone), not temporarily closed then, of the kinds asked. Two times are
reported, day and night (by default 12:00 and 02:00 local on the day of
``as_of``), under two standards, 15 minutes on foot and 1 km in a straight
line. Gaps, station impact, suggested sites are those of the day on foot.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, time
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo

import pandas as pd

from geo.coverage import CoverageReport, StationSet, coverage_report
from geo.errors import InvalidInputError
from geo.network import WALK_SPEED_KMH, walk_limit_m
from geo.report.tables import PlannerReport, ReportSheet, ReportTable, no_nan
from geo.types import Station

if TYPE_CHECKING:
    from geo.regions import Region
    from geo.stations import StationStore

__all__ = [
    "MEASURES",
    "STANDARDS",
    "TIMES",
    "counted_stations",
    "planner_report",
    "report_times",
]

TIMES = ("day", "night")
"""The two times of day the KPIs are given at."""
STANDARDS: tuple[Literal["walk", "radius"], ...] = ("walk", "radius")
"""The two coverage standards: minutes on foot, metres in a straight line."""
MEASURES = ("streets", "area", "demand")
"""What coverage shares are shares of."""

Progress = Callable[[str], None]
_SHARE_KEYS = ("street_share", "area_share", "demand_share")
_UNNAMED = {"group": "*", "district": "no_district", "planner": "nobody_yet"}


def counted_stations(
    store: StationStore,
    region: Region,
    *,
    at: datetime,
    reach_m: float,
    kinds: Sequence[str] | None = None,
) -> list[Station]:
    """The stations that count for ``region`` at ``at``: open (hours and status), within
    ``reach_m`` of its boundary, not temporarily closed, of ``kinds`` (all when None)."""
    from geo.closures import Closures
    from geo.regions import CountedStations, region_stations

    found = CountedStations.of(region_stations(store, region.boundary, reach_m=reach_m))
    keep = found.mask(
        at, tz=region.spec.tz, closed=set(Closures(store).closed_at(at)), kinds=kinds or ()
    )
    return [s for s, k in zip(found.stations, keep, strict=True) if k]


def _station_set(region: Region, stations: Sequence[Station]) -> StationSet:
    return StationSet.build(
        region.network, [s.id for s in stations], [s.lon for s in stations],
        [s.lat for s in stations],
    )  # fmt: skip


def _share_rows(rep: CoverageReport) -> list[dict[str, Any]]:
    """One row per measure: not covered, once, twice or more, covered (None: nothing to share)."""
    rows = []
    for measure, sh in zip(
        MEASURES, (rep.street_share, rep.area_share, rep.demand_share), strict=True
    ):
        rows.append(
            {
                "measure": measure,
                "none": sh.none,
                "once": sh.once,
                "multiple": sh.multiple,
                "covered": sh.once + sh.multiple,
                "note": "no_demand" if sh.none != sh.none else "",
            }
        )
    return rows


def _kinds_table(
    store: StationStore, region: Region, counted: dict[str, list[Station]]
) -> pd.DataFrame:
    """Stations inside the region by kind (status open), and those counted at each time."""
    from geo.regions import region_stations

    inside = region_stations(store, region.boundary, reach_m=0.0)
    ids = {s.id for s in inside}
    shown = {t: [s for s in counted[t] if s.id in ids] for t in TIMES}
    kinds = sorted({s.kind.value for s in inside})
    rows = [
        {
            "kind": k,
            "stations": sum(s.kind == k for s in inside),
            **{f"open_{t}": sum(s.kind == k for s in shown[t]) for t in TIMES},
        }
        for k in kinds
    ]
    rows.append(
        {"kind": "total", "stations": len(inside), **{f"open_{t}": len(shown[t]) for t in TIMES}}
    )
    return pd.DataFrame(rows, columns=["kind", "stations", *(f"open_{t}" for t in TIMES)])


def _fairness_rows(time_key: str, fair: Any) -> list[dict[str, Any]]:
    rows = []
    for scope, summary in [("region", fair.region), *fair.districts.items()]:
        d = summary.to_dict()

        def minutes(key: str, d: dict[str, Any] = d) -> float | None:
            return None if d[key] is None else d[key] / 60

        rows.append(
            {
                "time": time_key,
                "scope": scope,
                "demand": d["demand"],
                "median_min": minutes("median_s"),
                "p90_min": minutes("p90_s"),
                "p95_min": minutes("p95_s"),
                "worst5_mean_min": minutes("worst5_mean_s"),
                "unreachable_share": d["unreachable_share"],
                "gini": d["gini"],
                "palma": d["palma"],
                "note": "" if d["demand"] else "no_demand",
            }
        )
    return rows


def _responses(store: StationStore, at: datetime, limit_days: float) -> tuple[ReportTable, ...]:
    from geo.feedback import Feedback, response_times

    Feedback(store)  # its tables exist from here on (a store nobody reported to yet)
    rt = response_times(store, at=at, limit_days=limit_days)

    def frame(groups: Sequence[Any], first: str) -> pd.DataFrame:
        cols = ["items", "replied", "resolved", "reply_median_days", "reply_p90_days",
                "resolution_median_days", "resolution_p90_days", "open_past_limit"]  # fmt: skip
        rows = [
            {first: g.group or _UNNAMED[first], **{c: getattr(g, c) for c in cols},
             "note": "" if g.items else "no_items"}
            for g in groups
        ]  # fmt: skip
        return no_nan(pd.DataFrame(rows, columns=[first, *cols, "note"]))

    by_district, by_planner = frame(rt.by_district, "district"), frame(rt.by_planner, "planner")
    return (
        ReportTable("responses_overall", frame([rt.overall], "group"), "responses_scope"),
        ReportTable("responses_district", by_district, "" if len(by_district) else "no_items"),
        ReportTable("responses_planner", by_planner, "" if len(by_planner) else "no_items"),
    )


def _sites(
    region: Region, stations: StationSet, demand: pd.DataFrame | None, **opts: Any
) -> tuple[ReportTable, ...]:
    from geo.regions import region_candidates
    from geo.siting import suggest_sites

    cols = ["order", "id", "name", "lon", "lat", "gain", "source"]
    if demand is None:
        return (ReportTable("sites", pd.DataFrame(columns=cols), "no_demand"),)
    cands = region_candidates(region)
    result, scored = suggest_sites(cands, demand, stations.lon, stations.lat, **opts)
    chosen = scored[scored["order"] > 0].sort_values("order")
    chosen = chosen.assign(source=chosen.get("source", ""))[cols].reset_index(drop=True)
    summary = pd.DataFrame(
        [
            {
                "candidates": len(cands),
                "method": result.method,
                "solver": result.solver,
                "optimal": result.optimal,
                "share_before": result.share_before,
                "share_after": result.share_after,
                "total": result.total,
            }
        ]
    )
    return (
        ReportTable("sites", no_nan(chosen), "" if len(chosen) else "no_sites"),
        ReportTable("sites_summary", no_nan(summary)),
    )


def report_times(
    as_of: datetime, *, tz: str, day_hour: int = 12, night_hour: int = 2
) -> dict[str, datetime]:
    """The day and night times of a report: those hours on the local date of ``as_of``.

    Parameters
    ----------
    as_of
        The time reported (aware; naive means UTC).
    tz
        The region's time zone.
    day_hour, night_hour
        Local hours, 0 to 23.

    Raises
    ------
    InvalidInputError
        For an hour outside 0..23.

    Examples
    --------
    >>> from datetime import UTC
    >>> t = report_times(datetime(2026, 6, 1, 20, 0, tzinfo=UTC), tz="Asia/Shanghai")
    >>> {k: v.isoformat() for k, v in t.items()}  # 04:00 on 2 June in Shenzhen
    {'day': '2026-06-02T12:00:00+08:00', 'night': '2026-06-02T02:00:00+08:00'}
    """
    for name, hour in (("day_hour", day_hour), ("night_hour", night_hour)):
        if not 0 <= hour <= 23:
            raise InvalidInputError(f"{name}={hour!r} must be an hour, 0 to 23")
    zone = ZoneInfo(tz)
    at = as_of if as_of.tzinfo else as_of.replace(tzinfo=ZoneInfo("UTC"))
    local_day = at.astimezone(zone).date()
    return {
        "day": datetime.combine(local_day, time(day_hour), tzinfo=zone),
        "night": datetime.combine(local_day, time(night_hour), tzinfo=zone),
    }


def planner_report(
    store: StationStore,
    region: Region,
    *,
    as_of: datetime,
    day_hour: int = 12,
    night_hour: int = 2,
    minutes: float = 15.0,
    radius_m: float = 1000.0,
    walk_speed_kmh: float = WALK_SPEED_KMH,
    kinds: Sequence[str] | None = None,
    k: int = 5,
    method: Literal["exact", "greedy"] = "greedy",
    time_limit_s: float = 60.0,
    resolution: int = 10,
    limit_days: float | None = None,
    progress: Progress | None = None,
) -> PlannerReport:
    """Compute a region's planner report.

    Parameters
    ----------
    store
        The stations (and riders' feedback) store.
    region
        A loaded region: its network, boundary, demand, districts, time zone.
    as_of
        The time described (aware; naive means UTC): day and night are on its local
        date, and response times are counted up to it.
    day_hour, night_hour
        Local hours of the two counts (12 and 2).
    minutes, radius_m, walk_speed_kmh
        The two standards (15 min on foot at 4.8 km/h; 1,000 m straight line).
    kinds
        Count only stations of these kinds.
    k, method, time_limit_s
        Suggested sites: how many, ``greedy`` or ``exact``, the solver's limit.
    resolution
        H3 resolution of the area hexagons.
    limit_days
        Open feedback items older than this are past the limit (the library's default).
    progress
        Called with a short message before each step (the CLI prints it on a terminal).

    Returns
    -------
    PlannerReport
        Sheets ``kpi``, ``gaps``, ``impact``, ``sites``, ``fairness``, ``responses``.

    Raises
    ------
    InvalidInputError
        For hours outside 0..23.
    """
    from geo.feedback import DEFAULT_LIMIT_DAYS

    say = progress or (lambda _msg: None)
    at = as_of if as_of.tzinfo else as_of.replace(tzinfo=ZoneInfo("UTC"))
    inp = _Inputs(
        store, region, kinds,
        when=report_times(at, tz=region.spec.tz, day_hour=day_hour, night_hour=night_hour),
        common=dict(
            minutes=minutes, radius_m=radius_m, walk_speed_kmh=walk_speed_kmh,
            demand=region.demand(), area=region.boundary, resolution=resolution,
        ),
    )  # fmt: skip
    kpi, counted, day, day_report = _kpi(inp, say)
    say("gaps")
    gaps = _gaps(inp, day_report, day)
    say("station impact")
    impact = _impact(inp, day)
    say("suggested sites")
    demand = inp.common["demand"]
    sites = _sites(
        region, day, demand, network=region.network, standard="walk", minutes=minutes,
        radius_m=radius_m, walk_speed_kmh=walk_speed_kmh, k=k, method=method,
        time_limit_s=time_limit_s,
    )  # fmt: skip
    say("fairness")
    fairness = _fairness(inp, counted)
    say("response times")
    limit = DEFAULT_LIMIT_DAYS if limit_days is None else limit_days
    return PlannerReport(
        region_id=region.id,
        region_name=region.spec.name,
        lang=region.spec.lang,
        as_of=at.isoformat(),
        times={t: w.isoformat() for t, w in inp.when.items()},
        sheets=(
            kpi,
            ReportSheet("gaps", (ReportTable("gaps", gaps, "" if len(gaps) else "no_gaps"),)),
            ReportSheet("impact", (ReportTable("impact", impact),)),
            ReportSheet("sites", sites),
            ReportSheet("fairness", (fairness,)),
            ReportSheet("responses", _responses(store, at, limit)),
        ),
    )


@dataclass(frozen=True)
class _Inputs:
    """What every part of the report is computed from."""

    store: StationStore
    region: Region
    kinds: Sequence[str] | None
    when: dict[str, datetime]
    common: dict[str, Any]  # the standards, demand, area and resolution


def _kpi(
    inp: _Inputs, say: Progress
) -> tuple[ReportSheet, dict[str, list[Station]], StationSet, CoverageReport]:
    """The KPI sheet; the stations counted at each time on foot; those of the day on foot
    and their coverage report (with its hexagons, for the gaps)."""
    c = inp.common
    reach = {"walk": walk_limit_m(c["minutes"], c["walk_speed_kmh"]), "radius": c["radius_m"]}
    rows: list[dict[str, Any]] = []
    drows: list[dict[str, Any]] = []
    counted: dict[str, list[Station]] = {}
    day: tuple[StationSet, CoverageReport] | None = None
    for t in TIMES:
        for std in STANDARDS:
            say(f"coverage: {t}, {std}")
            found = counted_stations(
                inp.store, inp.region, at=inp.when[t], reach_m=reach[std], kinds=inp.kinds
            )
            if std == "walk":  # fairness walks; the kinds table counts those inside
                counted[t] = found
            s = _station_set(inp.region, found)
            keep = (t, std) == ("day", "walk")
            rep = coverage_report(
                inp.region.network, s, standard=std, districts=inp.region.districts,
                keep_cells=keep, **c,
            )  # fmt: skip
            if keep:
                day = (s, rep)
            head = {"time": t, "at": inp.when[t].isoformat(), "standard": std,
                    "limit_m": rep.limit_m, "stations": len(found)}  # fmt: skip
            rows += [{**head, **r} for r in _share_rows(rep)]
            for name, parts in rep.districts.items():
                for measure, key in zip(MEASURES, _SHARE_KEYS, strict=True):
                    sh = parts[key]
                    drows.append(
                        {"district": name, "time": t, "standard": std, "measure": measure,
                         "none": sh.none, "once": sh.once, "multiple": sh.multiple,
                         "covered": sh.once + sh.multiple,
                         "note": "no_demand" if sh.none != sh.none else ""}
                    )  # fmt: skip
    assert day is not None  # TIMES and STANDARDS hold day and walk
    tables = (
        ReportTable("stations_by_kind", _kinds_table(inp.store, inp.region, counted)),
        ReportTable("coverage", no_nan(pd.DataFrame(rows))),
        ReportTable(
            "coverage_districts", no_nan(pd.DataFrame(drows)), "" if drows else "no_districts"
        ),
    )
    return ReportSheet("kpi", tables), counted, day[0], day[1]


def _gaps(inp: _Inputs, report: CoverageReport, day: StationSet) -> pd.DataFrame:
    """The gap pieces of the day on foot, ranked by demand (:func:`geo.gaps.gap_pieces`)."""
    from geo.gaps import GAP_COLUMNS, gap_pieces, json_records

    pieces = gap_pieces(
        report, inp.region.network, day, demand=inp.common["demand"],
        districts=inp.region.districts, walk_speed_kmh=inp.common["walk_speed_kmh"],
    )  # fmt: skip
    columns = [c for c in GAP_COLUMNS if c != "geometry"]
    return no_nan(pd.DataFrame(json_records(pieces), columns=columns))


def _impact(inp: _Inputs, day: StationSet) -> pd.DataFrame:
    """Each station's impact by day on foot (:func:`geo.impact.station_impact`)."""
    from geo.impact import IMPACT_COLUMNS, station_impact

    impact = station_impact(inp.region.network, day, standard="walk", **inp.common)
    return no_nan(pd.DataFrame(impact.to_dict()["stations"], columns=IMPACT_COLUMNS))


def _fairness(inp: _Inputs, counted: dict[str, list[Station]]) -> ReportTable:
    """Walking times and accessibility inequality, day and night, region and districts."""
    from geo.fairness import fairness_report

    demand = inp.common["demand"]
    if demand is None:
        return ReportTable("fairness", pd.DataFrame(), "no_demand")
    rows: list[dict[str, Any]] = []
    for t in TIMES:
        st = counted[t]
        fair = fairness_report(
            inp.region.network, [s.lon for s in st], [s.lat for s in st],
            [s.capacity for s in st], demand, minutes=inp.common["minutes"],
            walk_speed_kmh=inp.common["walk_speed_kmh"], districts=inp.region.districts,
        )  # fmt: skip
        rows += _fairness_rows(t, fair)
    return ReportTable("fairness", no_nan(pd.DataFrame(rows)), "fairness_basis")
