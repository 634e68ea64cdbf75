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
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

import numpy as np

from api.cache import ResultCache
from api.measures import Measures
from api.settings import Settings
from geo.closures import Closures
from geo.crs import convert, parse_coord_system
from geo.errors import GeoError, NoRegionError
from geo.feedback import Feedback, SubmissionLimiter
from geo.mode_networks import ModeNetworks, default_mode, parse_default_modes
from geo.modes import ModeOptions, TravelMode
from geo.network import StreetNetwork
from geo.regions import (
    CountedStations,
    Region,
    RegionCatalog,
    RegionSpec,
    region_stations,
)
from geo.stations import StationStore
from geo.types import Station

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
class Service(Measures):
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
    modes: ModeNetworks = field(init=False)

    def __post_init__(self) -> None:
        self.cache = ResultCache(self.settings.cache_entries)
        # The stations counted per region and reach; results are keyed by which are open.
        self.station_sets = ResultCache(STATION_SETS)
        walk = self.settings.walk_speed_kmh
        options = ModeOptions(walk_kmh=walk, ebike_kmh=self.settings.ebike_speed_kmh)
        self.modes = ModeNetworks(self.settings.cache_dir, options, walk_speed_kmh=walk)
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

    def result_key(self, kind: str, region: Region, *parts: Any) -> tuple[Any, ...]:
        """A cached result's key: what, where, the registry's write counter, the parameters."""
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

    # -- travel modes ----------------------------------------------------

    def mode_for(self, mode: str | None, kinds: Sequence[str] = ()) -> TravelMode:
        """``mode``, or the default of the station kinds asked for (settings' ``default_modes``)."""
        if mode is not None:
            return mode  # type: ignore[return-value]  # checked by the route's Literal
        return default_mode(kinds, parse_default_modes(self.settings.default_modes))

    def net(self, region: Region, mode: TravelMode = "walk") -> StreetNetwork:
        """The region's ``mode`` network in the coverage engine's unit (built on first use)."""
        return self.modes.engine(region.network_path, mode, walk=region.network)

    def mode_network(self, region: Region, mode: TravelMode) -> StreetNetwork:
        """The region's ``mode`` network as built (seconds; walking in metres)."""
        return self.modes.network(region.network_path, mode, walk=region.network)


__all__ = ["NoNetworkError", "RegionStations", "Service"]
