"""Walking and straight-line coverage: nearest station per node, overlap counts, shares, gaps.

The core is :func:`station_labels`: two passes over the street graph
(:mod:`geo._search`) give, for every node, the cost to the nearest station and
which one it is (pass 1, all stations as sources), and the cost to the nearest
*other* station (pass 2). Pass 2 uses a property of shortest-path cells: the
best path from the second-nearest station into a node's cell enters it over
one boundary edge and then stays inside the cell. So its sources are the
boundary edges, each with the cost of the station on the far side, searched
inside each cell. Together they say whether 0, 1 or 2+ distinct stations lie
within a limit, exactly. Single-source searches (walking queries,
isochrones) use scipy's Dijkstra.

Stations and other points attach to the nearest street segment (see
:meth:`geo.network.StreetNetwork.snap`); the leg to the street counts at
walking speed.
"""

from __future__ import annotations

from geo.coverage.isochrones import isochrones
from geo.coverage.labels import Labels, StationSet, point_labels, station_labels
from geo.coverage.report import (
    CoverageReport,
    Shares,
    coverage_report,
    hex_cells,
    street_samples,
    study_area,
)
from geo.coverage.straight import straight_counts
from geo.coverage.uncovered import find_gaps, to_geojson
from geo.coverage.walks import WalkCosts, walk_costs, walk_nearest, walk_to_stations
from geo.coverage.weekly import weekly_profile

__all__ = [
    "CoverageReport",
    "Labels",
    "Shares",
    "StationSet",
    "WalkCosts",
    "coverage_report",
    "find_gaps",
    "hex_cells",
    "isochrones",
    "point_labels",
    "station_labels",
    "straight_counts",
    "street_samples",
    "study_area",
    "to_geojson",
    "walk_costs",
    "walk_nearest",
    "walk_to_stations",
    "weekly_profile",
]
