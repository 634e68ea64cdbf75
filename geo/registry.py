"""Old import path of the station store, kept so older callers still import.

New code imports :mod:`geo.stations` (:func:`geo.stations.open_store`,
:class:`geo.stations.StationStore`).
"""

from __future__ import annotations

from geo.stations import HistoryEntry, StationFilter, check_station_write, open_store, wgs84_points
from geo.stations.sqlite import SqliteStore as StationRegistry

__all__ = [
    "HistoryEntry",
    "StationFilter",
    "StationRegistry",
    "check_station_write",
    "open_registry",
    "wgs84_points",
]

open_registry = open_store
