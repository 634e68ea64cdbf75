"""The service's state: settings, the national registry, the regions, and cached results.

Stations are national; streets, demand and districts belong to regions
(:mod:`geo.regions`), loaded on first use. Every computed result is cached in
one bounded cache (:class:`api.cache.ResultCache`), keyed by its region, its
parameters, the registry's write counter and, for results at a time, the
opening-hours state of the region's stations at that time, so ``at=now``
asked again while no station opens or closes is a hit, not a new entry.
"""

from __future__ import annotations

import hashlib
import logging
import math
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

import geopandas as gpd
import numpy as np
import pandas as pd

from api.cache import ResultCache
from api.settings import Settings
from geo.access_report import AccessReport, accessibility_report
from geo.closures import Closures
from geo.coverage import CoverageReport, StationSet, coverage_report, isochrones
from geo.coverage import walk_nearest as geo_walk_nearest
from geo.crs import convert, parse_coord_system
from geo.errors import GeoError, InvalidInputError, NoRegionError, NotFoundError
from geo.fairness import FairnessReport, fairness_report
from geo.feedback import Feedback, ProposalGroup, SubmissionLimiter, rank_groups
from geo.gaps import gap_pieces
from geo.impact import StationImpact, station_impact
from geo.network import StreetNetwork, walk_limit_m
from geo.objective_sites import Objective, ObjectiveSummary, suggest_by_objective
from geo.regions import (
    CountedStations,
    Region,
    RegionCatalog,
    RegionSpec,
    region_candidates,
    region_stations,
)
from geo.siting import SitingResult
from geo.stations import StationFilter, StationStore
from geo.types import Station, StationHit

log = logging.getLogger(__name__)

STATION_SETS = 32
"""Most station sets (region × reach × registry version) the service holds at once."""


class NoNetworkError(GeoError, LookupError):
    """The service declares no region, so it has no street network."""


@dataclass(frozen=True)
class RegionStations:
    """The stations that count for a region under a standard, and which are open at a time."""

    counted: CountedStations
    open: np.ndarray
    state: str
    """A digest of which stations are open: equal states give equal results."""

    @property
    def stations(self) -> list[Station]:
        """Every station counted for the region, open or not (by id)."""
        return list(self.counted.stations)

    def picked(self) -> list[Station]:
        """The stations open (and of the kinds asked for), by id."""
        return [self.counted.stations[i] for i in np.flatnonzero(self.open)]

    def arrays(self) -> tuple[list[str], list[float], list[float]]:
        """Ids, longitudes and latitudes of the stations open."""
        c, keep = self.counted, self.open
        return c.ids[keep].tolist(), c.lon[keep].tolist(), c.lat[keep].tolist()


def _state_digest(ids: np.ndarray, is_open: np.ndarray) -> str:
    """SHA-1 of the open stations' ids, each followed by a NUL byte."""
    picked = ids[is_open].tolist()
    text = "\0".join(picked) + "\0" if picked else ""
    return hashlib.sha1(text.encode()).hexdigest()


@dataclass
class Service:
    """What the lifespan builds once: the registry, the region catalog and the result cache.

    A computation holds its own key only, so other requests (nearest queries
    above all) go on; results of an old registry version age out of the
    bounded cache like any other.
    """

    settings: Settings
    registry: StationStore
    regions: RegionCatalog
    cache: ResultCache = field(init=False)
    feedback: Feedback = field(init=False)
    limiter: SubmissionLimiter = field(init=False)
    closures: Closures = field(init=False)
    station_sets: ResultCache = field(init=False)

    def __post_init__(self) -> None:
        self.cache = ResultCache(self.settings.cache_entries)
        # The stations counted per region and reach; results are keyed by which are open.
        self.station_sets = ResultCache(STATION_SETS)
        # Both live in the stations' database, so every worker of a deployment shares them.
        self.feedback = Feedback(self.registry)
        self.limiter = SubmissionLimiter(self.registry, self.settings.report_rate_per_hour)
        self.closures = Closures(self.registry)

    def instant(self, at: datetime | None) -> datetime:
        """``at`` as an aware time (naive: the registry's time zone; None: now)."""
        if at is None:
            return datetime.now(UTC)
        return at if at.tzinfo else at.replace(tzinfo=ZoneInfo(self.registry.tz))

    def closed_key(self, at: datetime | None) -> tuple[int, frozenset[str]]:
        """Cache-key part for results that leave out temporarily closed stations."""
        return self.closures.state(self.instant(at))

    @classmethod
    def start(cls, settings: Settings, registry: StationStore) -> Service:
        """Read the region declarations (nothing is loaded until a region is used)."""
        specs = settings.region_specs(default_tz=registry.tz)
        catalog = RegionCatalog(
            specs, cache_dir=settings.cache_dir, max_loaded=settings.max_regions_loaded
        )
        log.info("%d region(s) declared: %s", len(specs), ", ".join(catalog.ids))
        return cls(settings, registry, catalog)

    # -- regions ---------------------------------------------------------

    def region(self, region_id: str | None) -> Region:
        """The region named (or the only one), loaded; 422 naming the choices otherwise."""
        if not self.regions.specs:
            raise NoNetworkError(
                "this service declares no region, so it has no street network "
                "(set STATIONFINDER_REGIONS_FILE)"
            )
        return self.regions.get(self.regions.resolve(region_id))

    def default_lang(self, region_id: str | None) -> Literal["zh", "en"]:
        """The page language of the region named (the first region's when none is)."""
        specs = self.regions.specs
        if region_id is not None:
            return self.regions.spec(region_id).lang
        return specs[0].lang if specs else "zh"

    def region_of_point(self, lon: float, lat: float, *, crs: str = "wgs84") -> Region:
        """The region whose boundary holds the point; :class:`NoRegionError` when none does."""
        if parse_coord_system(crs) != "wgs84":
            (x,), (y,) = convert([lon], [lat], src=crs, dst="wgs84")
            lon, lat = float(x), float(y)
        found = self.regions.containing(lon, lat)
        if found is None:
            declared = ", ".join(self.regions.ids) or "none"
            raise NoRegionError(
                f"lon={lon}, lat={lat}: no street network here (no region holds this point; "
                f"regions: {declared}); mode=straight ranks stations by straight-line "
                "distance anywhere"
            )
        return self.regions.get(found)

    def network_at(self, lon: float, lat: float) -> StreetNetwork | None:
        """The street network of the region holding a WGS-84 point (None outside every region)."""
        found = self.regions.containing(lon, lat)
        return None if found is None else self.regions.get(found).network

    def region_summary(self, spec: RegionSpec) -> dict[str, Any]:
        """What ``GET /regions`` lists of one region (its boundary without loading it
        when declared or remembered)."""
        boundary = self.regions.boundary(spec.id)
        count = len(region_stations(self.registry, boundary, reach_m=0.0))
        return {
            "id": spec.id,
            "name": spec.name,
            "bbox": [round(float(v), 7) for v in boundary.bounds],
            "boundary": boundary,
            "stations": count,
            "demand_layers": spec.layers,
            "districts": spec.districts is not None,
            "tz": spec.tz,
            "lang": spec.lang,
            "loaded": spec.id in self.regions.loaded(),
        }

    def counted_stations(self, region: Region, *, reach_m: float) -> CountedStations:
        """The stations that count for a region within ``reach_m``, as arrays; built once
        per registry version and reach (in a small bounded cache of their own)."""
        key = (region.id, float(reach_m), self.registry.version)

        def compute() -> CountedStations:
            found = region_stations(self.registry, region.boundary, reach_m=reach_m)
            return CountedStations.of(found)

        return self.station_sets.get(key, compute)  # type: ignore[no-any-return]

    def stations_for(
        self,
        region: Region,
        *,
        reach_m: float,
        at: datetime | None,
        kind: tuple[str, ...] = (),
    ) -> RegionStations:
        """The open stations inside the region or within ``reach_m`` of it, and which of
        them are open at ``at`` (in the region's time zone) and of ``kind`` (any when empty).

        Stations temporarily closed at ``at`` count as closed. The choice is a few
        numpy masks over :meth:`counted_stations`, not a pass over the stations.
        """
        counted = self.counted_stations(region, reach_m=reach_m)
        _, closed = self.closed_key(at)
        is_open = counted.mask(at, tz=region.spec.tz, closed=closed, kinds=kind)
        return RegionStations(counted, is_open, _state_digest(counted.ids, is_open))

    def _key(self, kind: str, region: Region, *parts: Any) -> tuple[Any, ...]:
        return (kind, region.id, self.registry.version, *parts)

    def notes(self, region: Region, stations: RegionStations, *, layer: str | None) -> list[str]:
        """What is missing for a meaningful answer, in words (empty when nothing is)."""
        out = []
        if not stations.stations:
            out.append(
                f"no stations in region {region.id!r}: the registry has no open station "
                "inside it or within reach of it, so nothing is covered"
            )
        elif not stations.open.any():
            out.append(f"no station of region {region.id!r} is open at that time")
        if region.demand(layer) is None:
            out.append(f"region {region.id!r} has no demand layer: demand shares are empty")
        return out

    # -- results ---------------------------------------------------------

    def limit_m(self, standard: str, minutes: float, radius_m: float) -> float:
        """The distance a standard reaches: the walking limit, or the straight radius."""
        if standard == "walk":
            return walk_limit_m(minutes, self.settings.walk_speed_kmh)
        return radius_m

    def _coverage(
        self,
        region_id: str | None,
        *,
        standard: Literal["walk", "radius"],
        minutes: float,
        radius_m: float,
        at: datetime | None,
        layer: str | None = None,
        kind: tuple[str, ...] = (),
    ) -> tuple[Region, CoverageReport, RegionStations, tuple[Any, ...]]:
        """The region, its coverage report, the stations counted and the report's cache key."""
        region = self.region(region_id)
        limit = self.limit_m(standard, minutes, radius_m)
        counted = self.stations_for(region, reach_m=limit, at=at, kind=kind)
        key = self._key("coverage", region, standard, minutes, radius_m, layer, counted.state)

        def compute() -> CoverageReport:
            ids, lon, lat = counted.arrays()
            return coverage_report(
                region.network,
                StationSet.build(region.network, ids, lon, lat),
                standard=standard,
                minutes=minutes,
                radius_m=radius_m,
                walk_speed_kmh=self.settings.walk_speed_kmh,
                demand=region.demand(layer),
                districts=region.districts,
                area=region.boundary,
                keep_cells=True,
            )

        return region, self.cache.get(key, compute), counted, key

    def coverage_with_notes(
        self, region_id: str | None = None, **params: Any
    ) -> tuple[Region, CoverageReport, list[str]]:
        """The coverage report of a region, with notes on what is missing."""
        region, report, counted, _ = self._coverage(region_id, **params)
        return region, report, self.notes(region, counted, layer=params.get("layer"))

    def coverage(self, region_id: str | None = None, **params: Any) -> CoverageReport:
        return self._coverage(region_id, **params)[1]

    def gaps(self, region_id: str | None = None, **params: Any) -> gpd.GeoDataFrame:
        """Uncovered areas of a region, ranked (from its cached coverage report)."""
        region, report, counted, key = self._coverage(region_id, **params)

        def compute() -> gpd.GeoDataFrame:
            ids, lon, lat = counted.arrays()
            return gap_pieces(
                report,
                region.network,
                StationSet.build(region.network, ids, lon, lat),
                demand=region.demand(params.get("layer")),
                districts=region.districts,
                walk_speed_kmh=self.settings.walk_speed_kmh,
            )

        return self.cache.get(("gaps", *key), compute)  # type: ignore[no-any-return]

    def station_impact(self, region_id: str | None = None, **params: Any) -> StationImpact:
        """Per open station of a region: catchment, what only it covers, the loss if it closed."""
        region, _, counted, key = self._coverage(region_id, **params)

        def compute() -> StationImpact:
            ids, lon, lat = counted.arrays()
            return station_impact(
                region.network,
                StationSet.build(region.network, ids, lon, lat),
                standard=params["standard"],
                minutes=params["minutes"],
                radius_m=params["radius_m"],
                walk_speed_kmh=self.settings.walk_speed_kmh,
                demand=region.demand(params.get("layer")),
                area=region.boundary,
            )

        return self.cache.get(("station_impact", *key), compute)  # type: ignore[no-any-return]

    def isochrone(
        self, station_id: str, minutes: float, region_id: str | None = None
    ) -> gpd.GeoDataFrame:
        """One station's walking area, on its region's streets (the region named, else the
        one holding the station)."""
        st = self.registry.get(station_id)  # 404 for an unknown id
        region = (
            self.region(region_id)
            if region_id is not None
            else self.region_of_point(st.lon, st.lat)
        )

        def compute() -> gpd.GeoDataFrame:
            net = region.network
            s = StationSet.build(net, [st.id], [st.lon], [st.lat])
            return isochrones(net, s, minutes=minutes, walk_speed_kmh=self.settings.walk_speed_kmh)

        key = self._key("isochrone", region, station_id, minutes)
        return self.cache.get(key, compute)  # type: ignore[no-any-return]

    def walk_areas(
        self, region_id: str | None, minutes: float, kind: tuple[str, ...] = ()
    ) -> gpd.GeoDataFrame:
        """Every open station's walking area in a region (of ``kind`` when given; for the
        coverage map)."""
        region = self.region(region_id)
        limit = walk_limit_m(minutes, self.settings.walk_speed_kmh)
        counted = self.stations_for(region, reach_m=limit, at=None, kind=kind)

        def compute() -> gpd.GeoDataFrame:
            ids, lon, lat = counted.arrays()
            return isochrones(
                region.network,
                StationSet.build(region.network, ids, lon, lat),
                minutes=minutes,
                walk_speed_kmh=self.settings.walk_speed_kmh,
            )

        key = self._key("walk_areas", region, minutes, kind)
        return self.cache.get(key, compute)  # type: ignore[no-any-return]

    def _open_in(
        self, region_id: str | None, *, minutes: float, at: datetime | None
    ) -> tuple[Region, list[Station], str]:
        """The region, its stations open at ``at`` within walking reach, and their state."""
        region = self.region(region_id)
        counted = self.stations_for(
            region, reach_m=walk_limit_m(minutes, self.settings.walk_speed_kmh), at=at
        )
        return region, counted.picked(), counted.state

    def accessibility(
        self,
        region_id: str | None = None,
        *,
        minutes: float,
        threshold: float | None,
        default_capacity: float | None,
        at: datetime | None,
        layer: str | None = None,
    ) -> AccessReport:
        """E2SFCA of a region's demand against its open stations' capacity."""
        region, stations, state = self._open_in(region_id, minutes=minutes, at=at)
        demand = region.demand(layer)
        if demand is None:
            raise InvalidInputError(
                f"region={region.id!r} has no demand layer: accessibility needs demand points"
            )

        def compute() -> AccessReport:
            return accessibility_report(
                region.network,
                [s.id for s in stations],
                [s.lon for s in stations],
                [s.lat for s in stations],
                [math.nan if s.capacity is None else s.capacity for s in stations],
                demand,
                minutes=minutes,
                walk_speed_kmh=self.settings.walk_speed_kmh,
                threshold=threshold,
                default_capacity=default_capacity,
                districts=region.districts,
            )

        key = self._key("accessibility", region, minutes, threshold, default_capacity, layer)
        return self.cache.get((*key, state), compute)  # type: ignore[no-any-return]

    def fairness(
        self,
        region_id: str | None = None,
        *,
        minutes: float,
        at: datetime | None,
        layer: str | None = None,
    ) -> FairnessReport | None:
        """Walk-time distribution and inequality of a region's demand (None without demand)."""
        region, stations, state = self._open_in(region_id, minutes=minutes, at=at)
        demand = region.demand(layer)
        if demand is None:
            return None

        def compute() -> FairnessReport:
            return fairness_report(
                region.network,
                [s.lon for s in stations],
                [s.lat for s in stations],
                [s.capacity for s in stations],
                demand,
                minutes=minutes,
                walk_speed_kmh=self.settings.walk_speed_kmh,
                districts=region.districts,
            )

        key = self._key("fairness", region, minutes, layer)
        return self.cache.get((*key, state), compute)  # type: ignore[no-any-return]

    def candidates(self, region: Region) -> pd.DataFrame:
        """The region's candidate sites (declared file, OSM places, or street junctions)."""
        key = ("candidates", region.id)
        return self.cache.get(key, lambda: region_candidates(region))  # type: ignore[no-any-return]

    def suggest(
        self, region_id: str | None = None, **params: Any
    ) -> tuple[SitingResult, pd.DataFrame]:
        """:meth:`suggest_objective` without its summary (maximal coverage by default)."""
        result, scored, _ = self.suggest_objective(region_id, **params)
        return result, scored

    def suggest_objective(
        self,
        region_id: str | None = None,
        *,
        candidates: pd.DataFrame | None,
        standard: Literal["walk", "radius"],
        minutes: float,
        radius_m: float,
        k: int | None,
        target_share: float | None,
        double: bool,
        method: Literal["exact", "greedy"],
        layer: str | None = None,
        objective: Objective | None = None,
        site_capacity: float | None = None,
    ) -> tuple[SitingResult, pd.DataFrame, ObjectiveSummary]:
        """Choose sites among ``candidates`` (default: the region's), existing stations fixed,
        under ``objective`` (default: coverage for ``k``, fewest for ``target_share``)."""
        region = self.region(region_id)
        demand = region.demand(layer)
        if demand is None:
            raise InvalidInputError(
                f"region={region.id!r} has no demand layer: siting needs demand points "
                "(declare [region.demand] in the regions file)"
            )
        cands = candidates if candidates is not None else self.candidates(region)
        objective = objective or ("fewest" if target_share is not None else "coverage")
        limit = self.limit_m(standard, minutes, radius_m)
        counted = self.stations_for(region, reach_m=limit, at=None)
        stations = counted.picked()

        def compute() -> tuple[SitingResult, pd.DataFrame, ObjectiveSummary]:
            return suggest_by_objective(
                cands,
                demand,
                [s.lon for s in stations],
                [s.lat for s in stations],
                objective=objective,
                network=region.network,
                standard=standard,
                minutes=minutes,
                radius_m=radius_m,
                walk_speed_kmh=self.settings.walk_speed_kmh,
                k=k,
                target_share=target_share,
                double=double,
                method=method,
                time_limit_s=self.settings.solver_time_limit_s,
                site_capacity=site_capacity,
                station_capacity=[s.capacity for s in stations],
            )

        if candidates is not None:  # request-specific: not cached
            return compute()
        key = self._key("suggest", region, standard, minutes, radius_m, k, target_share)
        key += (double, method, layer, counted.state, objective, site_capacity)
        return self.cache.get(key, compute)  # type: ignore[no-any-return]

    def proposal_groups(self, radius_m: float | None = None) -> tuple[list[ProposalGroup], str]:
        """Open proposals grouped and ranked, and the standard used to rank them.

        Each group is ranked within the region that holds it, by the demand its
        site alone would newly cover on foot in the default minutes (the
        15-minute standard); a group in no region gains 0. Without any demand,
        groups are ranked by proposers alone (``gain`` None, standard
        ``proposers``); otherwise the standard is ``walk``.
        """
        radius = radius_m or self.settings.proposal_group_m

        def compute() -> tuple[list[ProposalGroup], str]:
            groups = self.feedback.groups(radius_m=radius)
            by_region: dict[str | None, list[ProposalGroup]] = {}
            for g in groups:
                by_region.setdefault(self.regions.containing(g.lon, g.lat), []).append(g)
            ranked: list[ProposalGroup] = []
            standard = "proposers"
            limit = walk_limit_m(self.settings.default_minutes, self.settings.walk_speed_kmh)
            for region_id, members in by_region.items():
                region = self.regions.get(region_id) if region_id is not None else None
                demand = region.demand() if region is not None else None
                if region is not None and demand is not None:
                    standard = "walk"
                    _, lon, lat = self.stations_for(region, reach_m=limit, at=None).arrays()
                else:
                    lon, lat = [], []
                ranked += rank_groups(
                    members,
                    demand,
                    lon,
                    lat,
                    network=region.network if region is not None else None,
                    standard="walk",
                    minutes=self.settings.default_minutes,
                    radius_m=self.settings.default_radius_m,
                    walk_speed_kmh=self.settings.walk_speed_kmh,
                )
            if standard == "walk":  # a site in no region covers none of any region's demand
                ranked = [g if g.gain is not None else replace(g, gain=0.0) for g in ranked]
            ranked.sort(key=lambda g: (g.gain is None, -(g.gain or 0.0), -g.proposers, g.rank or 0))
            return [replace(g, rank=i) for i, g in enumerate(ranked, start=1)], standard

        key = ("proposal_groups", radius, self.registry.version, self.feedback.version)
        return self.cache.get(key, compute)  # type: ignore[no-any-return]

    def walk_nearest(
        self,
        lon: float,
        lat: float,
        *,
        k: int,
        crs: str,
        where: StationFilter,
        max_dist_m: float | None,
    ) -> list[StationHit]:
        """Nearest on foot, on the streets of the region holding the point."""
        region = self.region_of_point(lon, lat, crs=crs)
        return geo_walk_nearest(
            self.registry,
            region.network,
            lon,
            lat,
            k=k,
            crs=crs,
            where=where,
            max_dist_m=max_dist_m,
            walk_speed_kmh=self.settings.walk_speed_kmh,
        )


__all__ = ["NoNetworkError", "NotFoundError", "RegionStations", "Service"]
