"""The service's state: settings, registry, street network, demand, and cached results."""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import geopandas as gpd
import pandas as pd

from api.settings import Settings
from geo.coverage import CoverageReport, StationSet, coverage_report, find_gaps, isochrones
from geo.coverage import walk_nearest as geo_walk_nearest
from geo.errors import GeoError, NotFoundError
from geo.feedback import Feedback, ProposalGroup, rank_groups
from geo.network import StreetNetwork, load_network
from geo.postgis import PostgisRegistry
from geo.registry import StationFilter, StationRegistry
from geo.siting import SitingResult, osm_candidates, suggest_sites
from geo.types import StationHit

log = logging.getLogger(__name__)


class NoNetworkError(GeoError, LookupError):
    """The service was started without a street network."""


class FeedbackUnavailableError(GeoError, NotImplementedError):
    """Reports and proposals live in the embedded registry's file, not (yet) in PostGIS."""


class NoFeedback:
    """The feedback store of a service on PostGIS: no reports or proposals to show, and
    every review or submission answered with :class:`FeedbackUnavailableError` (HTTP 501)."""

    version = 0

    def reported_closed(self) -> frozenset[str]:
        return frozenset()

    def open_report_counts(self) -> dict[str, int]:
        return {}

    def groups(self, **_: Any) -> list[ProposalGroup]:
        return []

    def __getattr__(self, name: str) -> Any:
        raise FeedbackUnavailableError(
            "reports and proposals need the embedded SQLite registry (STATIONFINDER_DB); "
            "this service runs on PostGIS (STATIONFINDER_DATABASE_URL)"
        )


@dataclass
class RateLimiter:
    """Per-client token buckets: ``per_hour`` requests an hour, bursts up to ``per_hour``.

    A bucket refills continuously at ``per_hour / 3600`` tokens a second.
    Full buckets are forgotten once more than ``max_clients`` are held, so
    memory stays bounded.
    """

    per_hour: int
    max_clients: int = 10_000
    _buckets: dict[str, tuple[float, float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self, client: str, *, now: float | None = None) -> float:
        """Spend one token of ``client``; return 0, or the seconds until one is free."""
        t = time.monotonic() if now is None else now
        rate = self.per_hour / 3600.0
        with self._lock:
            tokens, last = self._buckets.get(client, (float(self.per_hour), t))
            tokens = min(float(self.per_hour), tokens + (t - last) * rate)
            if tokens < 1.0:
                self._buckets[client] = (tokens, t)
                return max(1.0, math.ceil((1.0 - tokens) / rate))
            self._buckets[client] = (tokens - 1.0, t)
            if len(self._buckets) > self.max_clients:
                cap = float(self.per_hour)
                for key, (tok, at) in list(self._buckets.items()):
                    if tok + (t - at) * rate >= cap:
                        del self._buckets[key]
            return 0.0


@dataclass
class Service:
    """What the lifespan builds once; computed results are cached per registry version.

    Heavy results (coverage, gaps, walking areas) are computed once per set of
    parameters and dropped when a station changes. A computation holds its own
    key's lock only, so other requests, nearest queries above all, go on.
    """

    settings: Settings
    registry: StationRegistry | PostgisRegistry
    network: StreetNetwork | None = None
    demand: pd.DataFrame | None = None
    _cache: dict[tuple[Any, ...], Any] = field(default_factory=dict)
    _locks: dict[tuple[Any, ...], threading.Lock] = field(default_factory=dict)
    _guard: threading.Lock = field(default_factory=threading.Lock)
    feedback: Feedback | NoFeedback = field(init=False)
    limiter: RateLimiter = field(init=False)

    def __post_init__(self) -> None:
        self.feedback = (
            Feedback(self.registry) if isinstance(self.registry, StationRegistry) else NoFeedback()
        )
        self.limiter = RateLimiter(self.settings.report_rate_per_hour)

    @classmethod
    def start(cls, settings: Settings, registry: StationRegistry | PostgisRegistry) -> Service:
        """Load the network and demand named in the settings (each optional)."""
        network = None
        if settings.network_pbf:
            try:
                network = load_network(settings.network_pbf, cache_dir=settings.cache_dir)
            except GeoError as exc:
                log.warning("no walking network: %s", exc)
        demand = None
        if settings.demand is not None and settings.demand.is_file():
            demand = pd.read_csv(settings.demand)
            if "weight" not in demand:
                demand["weight"] = 1.0
        return cls(settings, registry, network, demand)

    def cached(self, key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
        """``compute()`` once per key and registry version; older versions are dropped."""
        full = (*key, self.registry.version)
        with self._guard:
            if full in self._cache:
                return self._cache[full]
            lock = self._locks.setdefault(full, threading.Lock())
        with lock:
            with self._guard:
                if full in self._cache:
                    return self._cache[full]
            value = compute()
            with self._guard:
                for old in [k for k in self._cache if k[-1] != full[-1]]:
                    del self._cache[old]
                    self._locks.pop(old, None)
                self._cache[full] = value
            return value

    def need_network(self) -> StreetNetwork:
        if self.network is None:
            raise NoNetworkError(
                "this service has no street network (set STATIONFINDER_NETWORK_PBF)"
            )
        return self.network

    def station_set(self, at: datetime | None, kind: tuple[str, ...] = ()) -> StationSet:
        """The open stations (open at ``at`` when given, of ``kind`` when given), snapped
        to the network."""
        net = self.need_network()
        where = StationFilter.build(open_at=at, kinds=kind or None, statuses=["open"])
        ids, lon, lat = self.registry.arrays(where)
        return StationSet.build(net, ids, lon, lat)

    def coverage(
        self,
        *,
        standard: Literal["walk", "radius"],
        minutes: float,
        radius_m: float,
        at: datetime | None,
        kind: tuple[str, ...] = (),
    ) -> CoverageReport:
        key = ("coverage", standard, minutes, radius_m, at, kind)
        return self.cached(  # type: ignore[no-any-return]
            key,
            lambda: coverage_report(
                self.need_network(),
                self.station_set(at, kind),
                standard=standard,
                minutes=minutes,
                radius_m=radius_m,
                walk_speed_kmh=self.settings.walk_speed_kmh,
                demand=self.demand,
                keep_cells=True,
            ),
        )

    def gaps(self, **params: Any) -> gpd.GeoDataFrame:
        return self.cached(  # type: ignore[no-any-return]
            ("gaps", *sorted(params.items())),
            lambda: find_gaps(
                self.coverage(**params),
                demand=self.demand,
                walk_speed_kmh=self.settings.walk_speed_kmh,
            ),
        )

    def isochrone(self, station_id: str, minutes: float) -> gpd.GeoDataFrame:
        st = self.registry.get(station_id)  # 404 for an unknown id

        def compute() -> gpd.GeoDataFrame:
            net = self.need_network()
            s = StationSet.build(net, [st.id], [st.lon], [st.lat])
            return isochrones(net, s, minutes=minutes, walk_speed_kmh=self.settings.walk_speed_kmh)

        return self.cached(("isochrone", station_id, minutes), compute)  # type: ignore[no-any-return]

    def walk_areas(self, minutes: float, kind: tuple[str, ...] = ()) -> gpd.GeoDataFrame:
        """Every open station's walking area (of ``kind`` when given; for the coverage map)."""

        def compute() -> gpd.GeoDataFrame:
            net = self.need_network()
            return isochrones(
                net,
                self.station_set(None, kind),
                minutes=minutes,
                walk_speed_kmh=self.settings.walk_speed_kmh,
            )

        return self.cached(("walk_areas", minutes, kind), compute)  # type: ignore[no-any-return]

    def osm_candidates(self) -> pd.DataFrame:
        """Candidate sites from the network's OSM file (community centres, town halls …)."""
        if not self.settings.network_pbf:
            raise NoNetworkError("no OSM file to draw candidates from (STATIONFINDER_NETWORK_PBF)")
        return self.cached(("osm_candidates",), lambda: osm_candidates(self.settings.network_pbf))  # type: ignore[no-any-return]

    def suggest(
        self,
        *,
        candidates: pd.DataFrame | None,
        standard: Literal["walk", "radius"],
        minutes: float,
        radius_m: float,
        k: int | None,
        target_share: float | None,
        double: bool,
        method: Literal["exact", "greedy"],
    ) -> tuple[SitingResult, pd.DataFrame]:
        """Choose sites among ``candidates`` (default: the OSM places), existing stations fixed."""
        if self.demand is None:
            raise NotFoundError("no demand points are configured (STATIONFINDER_DEMAND)")
        cands = candidates if candidates is not None else self.osm_candidates()
        _, lon, lat = self.registry.arrays(StationFilter())

        def compute() -> tuple[SitingResult, pd.DataFrame]:
            return suggest_sites(
                cands,
                self.demand,
                lon,
                lat,
                network=self.network,
                standard=standard,  # type: ignore[arg-type]
                minutes=minutes,
                radius_m=radius_m,
                walk_speed_kmh=self.settings.walk_speed_kmh,
                k=k,
                target_share=target_share,
                double=double,
                method=method,
                time_limit_s=self.settings.solver_time_limit_s,
            )

        if candidates is not None:  # request-specific: not cached
            return compute()
        key = ("suggest", standard, minutes, radius_m, k, target_share, double, method)
        return self.cached(key, compute)  # type: ignore[no-any-return]

    def proposal_groups(self, radius_m: float | None = None) -> tuple[list[ProposalGroup], str]:
        """Open proposals grouped and ranked, and the standard used to rank them.

        Gains are the demand each group's site alone would newly cover on
        foot in the default minutes (the 15-minute standard) when the service
        has a street network, else within the default radius in a straight
        line; without demand points, groups are ranked by proposers only
        (``"proposers"``).
        """
        radius = radius_m or self.settings.proposal_group_m
        standard = "walk" if self.network is not None else "radius"
        if self.demand is None:
            standard = "proposers"

        def compute() -> list[ProposalGroup]:
            _, lon, lat = self.registry.arrays(StationFilter())
            return rank_groups(
                self.feedback.groups(radius_m=radius),
                self.demand,
                lon,
                lat,
                network=self.network,
                standard="walk" if standard == "walk" else "radius",
                minutes=self.settings.default_minutes,
                radius_m=self.settings.default_radius_m,
                walk_speed_kmh=self.settings.walk_speed_kmh,
            )

        key = ("proposal_groups", radius, self.feedback.version)
        return self.cached(key, compute), standard

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
        return geo_walk_nearest(
            self.registry,
            self.need_network(),
            lon,
            lat,
            k=k,
            crs=crs,
            where=where,
            max_dist_m=max_dist_m,
            walk_speed_kmh=self.settings.walk_speed_kmh,
        )


__all__ = ["NoNetworkError", "NotFoundError", "RateLimiter", "Service"]
