"""A plan's effect: coverage, gaps, night coverage, accessibility and fairness, before and after.

The "after" stations come from an in-memory copy of the region's stations to
which the plan's changes are written by the same code that applies a plan
(:func:`~geo.plans.book.write_changes`); both sides then pick the stations that
count for the region with :func:`geo.regions.region_stations` and are measured
by the library's public functions: :func:`geo.coverage.coverage_report`,
:func:`geo.gaps.gap_pieces`, the same coverage at night (stations open then,
:func:`geo.regions.open_state`), :func:`geo.access_report.accessibility_report`
(where any station has a capacity, or with a default capacity) and
:func:`geo.fairness.fairness_report`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import geopandas as gpd
import pandas as pd
import shapely

from geo.access_report import accessibility_report
from geo.coverage import CoverageReport, StationSet, coverage_report
from geo.errors import NotFoundError
from geo.fairness import fairness_report
from geo.gaps import gap_pieces
from geo.network import WALK_SPEED_KMH, StreetNetwork, walk_limit_m
from geo.plans.book import write_changes
from geo.plans.model import ChangeKind, PlanChange, PlanChangeError
from geo.regions import Region, open_state, region_stations
from geo.stations import StationStore, open_store
from geo.types import Station

__all__ = [
    "PlanComparison",
    "Side",
    "compare_changes",
    "compare_in_region",
    "default_night",
    "measure_side",
]

_ALL_STATUSES = ("open", "planned", "closed")


def default_night(tz: str, *, on: datetime | None = None) -> datetime:
    """02:00 local time in ``tz`` of the day of ``on`` (default today), naive local."""
    day = (on or datetime.now(ZoneInfo(tz))).astimezone(ZoneInfo(tz)).date()
    return datetime.combine(day, time(2, 0))


@dataclass(frozen=True)
class Side:
    """The figures of one side (before or after) and the stations they count.

    Attributes
    ----------
    stations
        The open stations that count for the region.
    coverage
        Coverage report (with its hexagons).
    night
        Coverage by the stations open at the night time.
    night_open
        How many of ``stations`` are open then.
    gaps
        Gap pieces (:func:`geo.gaps.gap_pieces`).
    access
        E2SFCA summary (``mean_score``, ``share_below``, ``stations_used``) or None
        (no demand, or no capacity known and no default).
    fairness
        :meth:`geo.fairness.FairnessReport.to_dict`, or None without demand.
    """

    stations: list[Station]
    coverage: CoverageReport
    night: CoverageReport
    night_open: int
    gaps: gpd.GeoDataFrame
    access: dict[str, Any] | None
    fairness: dict[str, Any] | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready figures."""
        g = self.gaps
        return {
            "stations": len(self.stations),
            "coverage": self.coverage.to_dict(),
            "night": {"open_stations": self.night_open, **self.night.to_dict()},
            "gaps": {
                "count": len(g),
                "demand": float(g["demand"].sum()) if len(g) else 0.0,
                "area_m2": float(g["area_m2"].sum()) if len(g) else 0.0,
            },
            "accessibility": self.access,
            "fairness": self.fairness,
        }


def measure_side(
    net: StreetNetwork,
    stations: Sequence[Station],
    *,
    area: shapely.Polygon | shapely.MultiPolygon,
    demand: pd.DataFrame | None,
    districts: gpd.GeoDataFrame | None,
    tz: str,
    night_at: datetime,
    minutes: float = 15.0,
    walk_speed_kmh: float = WALK_SPEED_KMH,
    threshold: float | None = None,
    default_capacity: float | None = None,
) -> Side:
    """Every figure of one set of open stations (see :class:`Side`)."""
    ids = [s.id for s in stations]
    built = StationSet.build(net, ids, [s.lon for s in stations], [s.lat for s in stations])
    common: dict[str, Any] = {"minutes": minutes, "walk_speed_kmh": walk_speed_kmh}
    report = coverage_report(
        net, built, demand=demand, districts=districts, area=area, keep_cells=True, **common
    )
    at_night = open_state(stations, night_at, tz=tz)
    night = coverage_report(
        net, built, demand=demand, districts=districts, area=area, active=at_night, **common
    )
    gaps = gap_pieces(
        report, net, built, demand=demand, districts=districts, walk_speed_kmh=walk_speed_kmh
    )
    capacity = [math.nan if s.capacity is None else s.capacity for s in stations]
    access = None
    known = any(not math.isnan(c) for c in capacity) or default_capacity is not None
    if demand is not None and known and stations:
        acc = accessibility_report(
            net,
            ids,
            built.lon,
            built.lat,
            capacity,
            demand,
            threshold=threshold,
            default_capacity=default_capacity,
            **common,
        )
        d = acc.to_dict()
        access = {k: d[k] for k in ("mean_score", "share_below", "stations_used", "threshold")}
    fair = None
    if demand is not None:
        fair = fairness_report(
            net,
            built.lon,
            built.lat,
            [s.capacity for s in stations],
            demand,
            districts=districts,
            **common,
        ).to_dict()
    return Side(list(stations), report, night, int(at_night.sum()), gaps, access, fair)


@dataclass(frozen=True)
class PlanComparison:
    """A plan's changes and the region's figures before and after them.

    Attributes
    ----------
    before, after
        The two sides.
    added, closed, changed
        Ids of the stations the plan adds, closes, and whose hours or capacity it changes.
    night_at
        The night time (local) of the night coverage.
    """

    before: Side
    after: Side
    added: list[str]
    closed: list[str]
    changed: list[str]
    night_at: datetime
    notes: list[str] = field(default_factory=list)

    def rows(self) -> list[dict[str, Any]]:
        """The headline figures side by side: ``figure``, ``unit`` (``share``, ``count``,
        ``demand``, ``capacity`` per person, ``seconds`` on foot, ``ratio``), ``before``,
        ``after`` and ``change`` (None where a side has no value)."""
        b, a = self.before.to_dict(), self.after.to_dict()

        def pick(d: dict[str, Any], path: str) -> Any:
            for part in path.split("."):
                if d is None:
                    return None
                d = d.get(part)  # type: ignore[assignment]
            return d

        paths = [
            ("stations", "stations", "count"),
            ("demand covered", "coverage.demand_share.none", "share"),
            ("area covered", "coverage.area_share.none", "share"),
            ("street covered", "coverage.street_share.none", "share"),
            ("demand covered at night", "night.demand_share.none", "share"),
            ("stations open at night", "night.open_stations", "count"),
            ("gaps", "gaps.count", "count"),
            ("demand in gaps", "gaps.demand", "demand"),
            ("capacity per person (mean)", "accessibility.mean_score", "capacity"),
            ("demand below threshold", "accessibility.share_below", "share"),
            ("median walk", "fairness.median_s", "seconds"),
            ("p90 walk", "fairness.p90_s", "seconds"),
            ("worst 5% walk", "fairness.worst5_mean_s", "seconds"),
            ("Gini of accessibility", "fairness.gini", "ratio"),
            ("Palma ratio", "fairness.palma", "ratio"),
        ]
        out = []
        for name, path, unit in paths:
            x, y = pick(b, path), pick(a, path)
            if path.endswith(".none"):  # shares covered = 1 - share not covered
                x = None if x is None else 1.0 - x
                y = None if y is None else 1.0 - y
            change = None if x is None or y is None else y - x
            out.append({"figure": name, "unit": unit, "before": x, "after": y, "change": change})
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (``GET /plans/{id}/compare``, ``plan compare --json``)."""
        return {
            "added": self.added,
            "closed": self.closed,
            "changed": self.changed,
            "night_at": self.night_at.isoformat(),
            "rows": self.rows(),
            "before": self.before.to_dict(),
            "after": self.after.to_dict(),
            "notes": self.notes,
        }


def _copy_with_changes(
    registry: StationStore,
    base: list[Station],
    changes: Sequence[PlanChange],
    *,
    tz: str,
) -> StationStore:
    """An in-memory store holding ``base`` (and every station a change names), the
    changes written to it."""
    have = {s.id for s in base}
    extra = []
    for i, c in enumerate(changes):
        if c.kind is not ChangeKind.ADD and c.station_id not in have:
            try:
                extra.append(registry.get(c.station_id))
            except NotFoundError:
                raise PlanChangeError(
                    i, "station_id", f"no station with id {c.station_id!r}"
                ) from None
            have.add(c.station_id)
    copy = open_store(":memory:", tz=tz)
    if base or extra:
        copy.add([*base, *extra], actor="plan-copy")
    with copy.transaction(actor="plan-copy") as tx:
        write_changes(tx, changes, source="plan")
    return copy


def compare_changes(
    registry: StationStore,
    changes: Sequence[PlanChange],
    *,
    net: StreetNetwork,
    boundary: shapely.Polygon | shapely.MultiPolygon,
    demand: pd.DataFrame | None,
    districts: gpd.GeoDataFrame | None,
    tz: str,
    night_at: datetime | None = None,
    minutes: float = 15.0,
    walk_speed_kmh: float = WALK_SPEED_KMH,
    threshold: float | None = None,
    default_capacity: float | None = None,
) -> PlanComparison:
    """The region's figures with the registry's stations, and with the plan's changes.

    Parameters
    ----------
    registry
        The live stations (only read).
    changes
        The plan's changes.
    net, boundary, demand, districts, tz
        The region: its walking network, boundary (the study area), demand
        points, districts and time zone.
    night_at
        When night coverage is measured (naive: local in ``tz``); default 02:00 today.
    minutes, walk_speed_kmh
        The walking standard.
    threshold, default_capacity
        As :func:`geo.access_report.accessibility_report`.

    Returns
    -------
    PlanComparison
    """
    night = night_at or default_night(tz)
    reach = walk_limit_m(minutes, walk_speed_kmh)
    base = region_stations(registry, boundary, reach_m=reach, statuses=_ALL_STATUSES)
    copy = _copy_with_changes(registry, base, changes, tz=tz)
    try:
        after = region_stations(copy, boundary, reach_m=reach)
    finally:
        copy.close()
    before = region_stations(registry, boundary, reach_m=reach)
    kw: dict[str, Any] = {
        "area": boundary,
        "demand": demand,
        "districts": districts,
        "tz": tz,
        "night_at": night,
        "minutes": minutes,
        "walk_speed_kmh": walk_speed_kmh,
        "threshold": threshold,
        "default_capacity": default_capacity,
    }
    kinds = {k: [c.station_id for c in changes if c.kind is k] for k in ChangeKind}
    changed = sorted(set(kinds[ChangeKind.HOURS]) | set(kinds[ChangeKind.CAPACITY]))
    counted = {s.id for s in after}
    notes = [
        f"station {sid!r} is added outside the region's reach and does not count"
        for sid in kinds[ChangeKind.ADD]
        if sid not in counted
    ]
    return PlanComparison(
        measure_side(net, before, **kw),
        measure_side(net, after, **kw),
        kinds[ChangeKind.ADD],
        kinds[ChangeKind.CLOSE],
        changed,
        night,
        notes,
    )


def compare_in_region(
    registry: StationStore, changes: Sequence[PlanChange], region: Region, **options: Any
) -> PlanComparison:
    """:func:`compare_changes` on a loaded region: its network, boundary, every demand
    layer, districts and time zone; ``options`` as that function takes them."""
    return compare_changes(
        registry,
        changes,
        net=region.network,
        boundary=region.boundary,
        demand=region.demand(),
        districts=region.districts,
        tz=region.spec.tz,
        **options,
    )
