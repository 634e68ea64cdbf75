"""Regions: named areas with their own streets, demand, districts, time zone and page language.

Stations stay in one national registry; a region is where coverage, gaps,
siting and walking answers are computed.

- :mod:`geo.regions.declarations`: the regions file (``[[region]]`` entries),
  :class:`RegionSpec` and the loaded :class:`Region`;
- :mod:`geo.regions.catalog`: :class:`RegionCatalog` (loading on first use, at
  most a few held), checking a region;
- :mod:`geo.regions.counted`: the stations that count for a region, as arrays
  for the per-request masks (open at a time, kinds, closures);
- :mod:`geo.regions.candidates`: candidate sites of a region.
"""

from __future__ import annotations

from geo.regions.candidates import junction_candidates, junction_names, region_candidates
from geo.regions.catalog import (
    RegionCatalog,
    batch_regions,
    check_region,
    load_region,
    read_demand,
    read_districts,
)
from geo.regions.counted import CountedStations, open_state, region_stations
from geo.regions.declarations import Region, RegionSpec, add_region, read_regions

__all__ = [
    "CountedStations",
    "Region",
    "RegionCatalog",
    "RegionSpec",
    "add_region",
    "batch_regions",
    "check_region",
    "junction_candidates",
    "junction_names",
    "load_region",
    "open_state",
    "read_demand",
    "read_districts",
    "read_regions",
    "region_candidates",
    "region_stations",
]
