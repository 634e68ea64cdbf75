"""What the service computes for a region, each cached: coverage, gaps, station impact,
walking areas, accessibility, fairness, suggested sites, proposal groups and nearest by
travel time.

:class:`Measures` is the half of :class:`api.service.Service` that computes; the other half
(settings, registry, regions, the stations that count, travel-mode networks) is in
:mod:`api.service`, which builds on this class.
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

import geopandas as gpd
import pandas as pd

from api.cache import ResultCache
from api.settings import Settings
from geo.access_report import AccessReport, accessibility_report
from geo.coverage import CoverageReport, StationSet, coverage_report, isochrones
from geo.coverage import walk_nearest as geo_walk_nearest
from geo.errors import InvalidInputError
from geo.fairness import FairnessReport, fairness_report
from geo.feedback import Feedback, ProposalGroup, rank_groups
from geo.gaps import gap_pieces
from geo.impact import StationImpact, station_impact
from geo.mode_nearest import travel_nearest
from geo.mode_networks import reach_m
from geo.modes import TravelMode
from geo.network import StreetNetwork, walk_limit_m
from geo.objective_sites import Objective, ObjectiveSummary, suggest_by_objective
from geo.regions import (
    Region,
    region_candidates,
)
from geo.siting import SitingResult
from geo.stations import StationFilter, StationStore
from geo.types import Station, StationHit

if TYPE_CHECKING:
    from api.service import RegionStations


__all__ = ["Measures"]


class Measures:
    """The computations of :class:`api.service.Service`, each through its result cache."""

    settings: Settings
    registry: StationStore
    cache: ResultCache
    feedback: Feedback

    # Defined by Service (api/service.py), which subclasses this.
    def region(self, region_id: str | None) -> Region:
        raise NotImplementedError

    def stations_for(
        self,
        region: Region,
        *,
        reach_m: float,
        at: datetime | None,
        kind: tuple[str, ...] = (),
    ) -> RegionStations:
        raise NotImplementedError

    def result_key(self, kind: str, region: Region, *parts: Any) -> tuple[Any, ...]:
        raise NotImplementedError

    def notes(self, region: Region, stations: RegionStations, *, layer: str | None) -> list[str]:
        raise NotImplementedError

    def net(self, region: Region, mode: TravelMode = "walk") -> StreetNetwork:
        raise NotImplementedError

    def mode_network(self, region: Region, mode: TravelMode) -> StreetNetwork:
        raise NotImplementedError

    def region_of_point(self, lon: float, lat: float, *, crs: str = "wgs84") -> Region:
        raise NotImplementedError

    def limit_m(
        self,
        standard: str,
        minutes: float,
        radius_m: float,
        *,
        region: Region | None = None,
        mode: TravelMode = "walk",
    ) -> float:
        """The straight distance a standard reaches: the walking limit (the farthest the
        mode gets in ``minutes`` on the region's network), or the straight radius."""
        if standard == "walk":
            if mode != "walk" and region is not None:
                net = self.mode_network(region, mode)
                return reach_m(net, minutes, walk_speed_kmh=self.settings.walk_speed_kmh)
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
        mode: TravelMode = "walk",
    ) -> tuple[Region, CoverageReport, RegionStations, tuple[Any, ...]]:
        """The region, its coverage report, the stations counted and the report's cache key."""
        region = self.region(region_id)
        limit = self.limit_m(standard, minutes, radius_m, region=region, mode=mode)
        counted = self.stations_for(region, reach_m=limit, at=at, kind=kind)
        key = self.result_key("coverage", region, standard, minutes, radius_m, layer, counted.state)
        key += (mode,)
        net = self.net(region, mode)

        def compute() -> CoverageReport:
            ids, lon, lat = counted.arrays()
            return coverage_report(
                net,
                StationSet.build(net, ids, lon, lat),
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
        net = self.net(region, params.get("mode", "walk"))

        def compute() -> gpd.GeoDataFrame:
            ids, lon, lat = counted.arrays()
            return gap_pieces(
                report,
                net,
                StationSet.build(net, ids, lon, lat),
                demand=region.demand(params.get("layer")),
                districts=region.districts,
                walk_speed_kmh=self.settings.walk_speed_kmh,
            )

        return self.cache.get(("gaps", *key), compute)  # type: ignore[no-any-return]

    def station_impact(self, region_id: str | None = None, **params: Any) -> StationImpact:
        """Per open station of a region: catchment, what only it covers, the loss if it closed."""
        region, _, counted, key = self._coverage(region_id, **params)
        net = self.net(region, params.get("mode", "walk"))

        def compute() -> StationImpact:
            ids, lon, lat = counted.arrays()
            return station_impact(
                net,
                StationSet.build(net, ids, lon, lat),
                standard=params["standard"],
                minutes=params["minutes"],
                radius_m=params["radius_m"],
                walk_speed_kmh=self.settings.walk_speed_kmh,
                demand=region.demand(params.get("layer")),
                area=region.boundary,
            )

        return self.cache.get(("station_impact", *key), compute)  # type: ignore[no-any-return]

    def isochrone(
        self,
        station_id: str,
        minutes: float,
        region_id: str | None = None,
        mode: TravelMode = "walk",
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
            net = self.net(region, mode)
            s = StationSet.build(net, [st.id], [st.lon], [st.lat])
            return isochrones(net, s, minutes=minutes, walk_speed_kmh=self.settings.walk_speed_kmh)

        key = self.result_key("isochrone", region, station_id, minutes, mode)
        return self.cache.get(key, compute)  # type: ignore[no-any-return]

    def walk_areas(
        self,
        region_id: str | None,
        minutes: float,
        kind: tuple[str, ...] = (),
        mode: TravelMode = "walk",
    ) -> gpd.GeoDataFrame:
        """Every open station's area within ``minutes`` by ``mode`` in a region (of ``kind``
        when given; for the coverage map)."""
        region = self.region(region_id)
        limit = self.limit_m("walk", minutes, 0.0, region=region, mode=mode)
        counted = self.stations_for(region, reach_m=limit, at=None, kind=kind)
        net = self.net(region, mode)

        def compute() -> gpd.GeoDataFrame:
            ids, lon, lat = counted.arrays()
            return isochrones(
                net,
                StationSet.build(net, ids, lon, lat),
                minutes=minutes,
                walk_speed_kmh=self.settings.walk_speed_kmh,
            )

        key = self.result_key("walk_areas", region, minutes, kind, mode)
        return self.cache.get(key, compute)  # type: ignore[no-any-return]

    def _open_in(
        self, region_id: str | None, *, minutes: float, at: datetime | None, mode: TravelMode
    ) -> tuple[Region, list[Station], str]:
        """The region, its stations open at ``at`` within the mode's reach, and their state."""
        region = self.region(region_id)
        reach = self.limit_m("walk", minutes, 0.0, region=region, mode=mode)
        counted = self.stations_for(region, reach_m=reach, at=at)
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
        mode: TravelMode = "walk",
    ) -> AccessReport:
        """E2SFCA of a region's demand against its open stations' capacity."""
        region, stations, state = self._open_in(region_id, minutes=minutes, at=at, mode=mode)
        net = self.net(region, mode)
        demand = region.demand(layer)
        if demand is None:
            raise InvalidInputError(
                f"region={region.id!r} has no demand layer: accessibility needs demand points"
            )

        def compute() -> AccessReport:
            return accessibility_report(
                net,
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

        key = self.result_key(
            "accessibility", region, minutes, threshold, default_capacity, layer, mode
        )
        return self.cache.get((*key, state), compute)  # type: ignore[no-any-return]

    def fairness(
        self,
        region_id: str | None = None,
        *,
        minutes: float,
        at: datetime | None,
        layer: str | None = None,
        mode: TravelMode = "walk",
    ) -> FairnessReport | None:
        """Travel-time distribution and inequality of a region's demand (None without demand)."""
        region, stations, state = self._open_in(region_id, minutes=minutes, at=at, mode=mode)
        net = self.net(region, mode)
        demand = region.demand(layer)
        if demand is None:
            return None

        def compute() -> FairnessReport:
            return fairness_report(
                net,
                [s.lon for s in stations],
                [s.lat for s in stations],
                [s.capacity for s in stations],
                demand,
                minutes=minutes,
                walk_speed_kmh=self.settings.walk_speed_kmh,
                districts=region.districts,
            )

        key = self.result_key("fairness", region, minutes, layer, mode)
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
        solver: Literal["auto", "cbc", "highs", "reduce"] = "auto",
        layer: str | None = None,
        objective: Objective | None = None,
        site_capacity: float | None = None,
        mode: TravelMode = "walk",
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
        limit = self.limit_m(standard, minutes, radius_m, region=region, mode=mode)
        counted = self.stations_for(region, reach_m=limit, at=None)
        stations = counted.picked()
        net = self.net(region, mode)

        def compute() -> tuple[SitingResult, pd.DataFrame, ObjectiveSummary]:
            return suggest_by_objective(
                cands,
                demand,
                [s.lon for s in stations],
                [s.lat for s in stations],
                objective=objective,
                network=net,
                standard=standard,
                minutes=minutes,
                radius_m=radius_m,
                walk_speed_kmh=self.settings.walk_speed_kmh,
                k=k,
                target_share=target_share,
                double=double,
                method=method,
                solver=solver,
                time_limit_s=self.settings.solver_time_limit_s,
                site_capacity=site_capacity,
                station_capacity=[s.capacity for s in stations],
            )

        if candidates is not None:  # request-specific: not cached
            return compute()
        key = self.result_key("suggest", region, standard, minutes, radius_m, k, target_share)
        key += (double, method, solver, layer, counted.state, objective, site_capacity, mode)
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
        mode: TravelMode = "walk",
        max_time_s: float | None = None,
    ) -> list[StationHit]:
        """Nearest by ``mode`` (fastest first), on the streets of the region holding the point."""
        region = self.region_of_point(lon, lat, crs=crs)
        if mode != "walk":
            return travel_nearest(
                self.registry,
                self.mode_network(region, mode),
                lon,
                lat,
                k=k,
                crs=crs,
                where=where,
                max_dist_m=max_dist_m,
                max_time_s=max_time_s,
                walk_speed_kmh=self.settings.walk_speed_kmh,
            )
        hits = geo_walk_nearest(
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
        return [
            replace(h, travel_mode="walk", travel_time_s=h.walk_time_s,
                    travel_distance_m=h.walk_distance_m)
            for h in hits
            if max_time_s is None or (h.walk_time_s or 0.0) <= max_time_s
        ]  # fmt: skip
