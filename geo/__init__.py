"""stationfinder's library: stations, nearest queries, street networks, coverage and siting.

One flat namespace for the public names; each lives in its concern module:

- the data model and errors (:mod:`geo.types`, :mod:`geo.errors`), imported at once;
- station stores (:mod:`geo.stations`: :class:`StationStore`, :func:`open_store`),
  riders' feedback (:mod:`geo.feedback`), closures and inspections;
- coordinates (:mod:`geo.crs`), street networks (:mod:`geo.network`), regions
  (:mod:`geo.regions`), stations files (:mod:`geo.io`);
- coverage, gaps, impact, accessibility, fairness (:mod:`geo.coverage`,
  :mod:`geo.gaps`, :mod:`geo.impact`, :mod:`geo.access`, :mod:`geo.fairness`) and
  siting (:mod:`geo.siting`, :mod:`geo.objectives`, :mod:`geo.objective_sites`).

Everything but the data model and errors is imported on first use of one of
its names, so ``import geo`` stays light (numpy, no pandas, shapely or scipy).

>>> import geo
>>> store = geo.open_store(":memory:")
>>> _ = store.add(geo.Station("a", "Library", geo.Kind.WORKER_STATION, 114.05, 22.54))
>>> [hit.station.id for hit in store.nearest(114.06, 22.54)]
['a']
>>> store.close()
"""

# ruff: noqa: F401  (the imports for type checkers re-export; __all__ is built below)
from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from geo.errors import *  # noqa: F403
from geo.errors import __all__ as _errors_all
from geo.types import *  # noqa: F403
from geo.types import __all__ as _types_all

if TYPE_CHECKING:  # the same names as _LAZY, for type checkers and editors
    from geo.access import e2sfca
    from geo.closures import Closures
    from geo.coverage import CoverageReport, coverage_report, find_gaps, isochrones, walk_nearest
    from geo.crs import convert, local_crs, to_wgs84
    from geo.fairness import FairnessReport, fairness_report
    from geo.feedback import (
        Feedback,
        Proposal,
        ProposalGroup,
        Report,
        ReportKind,
        ReviewStatus,
        SubmissionLimiter,
        Workflow,
        response_times,
    )
    from geo.gaps import gap_pieces
    from geo.impact import StationImpact, station_impact
    from geo.inspection import InspectionPolicy, due_stations, record_inspection
    from geo.io import export_stations, import_stations, read_stations
    from geo.network import StreetNetwork, load_network, walk_limit_m
    from geo.objective_sites import suggest_by_objective
    from geo.objectives import p_center, p_median
    from geo.poi_export import poi_diff, poi_table
    from geo.regions import Region, RegionCatalog, RegionSpec, read_regions, region_stations
    from geo.score import score_stations
    from geo.siting import SitingResult, max_coverage, min_sites, suggest_sites
    from geo.stations import HistoryEntry, StationFilter, StationStore, Transaction, open_store

__version__ = "0.1.0"

_LAZY = {
    "geo.stations": (
        "HistoryEntry",
        "StationFilter",
        "StationStore",
        "Transaction",
        "open_store",
    ),
    "geo.feedback": (
        "Feedback",
        "Proposal",
        "ProposalGroup",
        "Report",
        "ReportKind",
        "ReviewStatus",
        "SubmissionLimiter",
        "Workflow",
        "response_times",
    ),
    "geo.closures": ("Closures",),
    "geo.inspection": ("InspectionPolicy", "due_stations", "record_inspection"),
    "geo.poi_export": ("poi_diff", "poi_table"),
    "geo.score": ("score_stations",),
    "geo.crs": ("convert", "local_crs", "to_wgs84"),
    "geo.io": ("export_stations", "import_stations", "read_stations"),
    "geo.network": ("StreetNetwork", "load_network", "walk_limit_m"),
    "geo.regions": ("Region", "RegionCatalog", "RegionSpec", "read_regions", "region_stations"),
    "geo.coverage": (
        "CoverageReport",
        "coverage_report",
        "find_gaps",
        "isochrones",
        "walk_nearest",
    ),
    "geo.gaps": ("gap_pieces",),
    "geo.impact": ("StationImpact", "station_impact"),
    "geo.access": ("e2sfca",),
    "geo.fairness": ("FairnessReport", "fairness_report"),
    "geo.siting": ("SitingResult", "max_coverage", "min_sites", "suggest_sites"),
    "geo.objectives": ("p_center", "p_median"),
    "geo.objective_sites": ("suggest_by_objective",),
}
_HOME = {name: module for module, names in _LAZY.items() for name in names}

__all__ = [*_errors_all, *_types_all, *_HOME, "__version__"]


def __getattr__(name: str) -> Any:
    """A public name of a module not imported yet, imported on its first use."""
    if name in _HOME:
        value = getattr(import_module(_HOME[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'geo' has no attribute {name!r}")


def __dir__() -> list[str]:
    """Every public name, the lazy ones included."""
    return sorted({*globals(), *_HOME})
