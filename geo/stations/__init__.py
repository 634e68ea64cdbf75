"""Station stores: one protocol, two backends, and :func:`open_store` to pick one.

>>> store = open_store(":memory:")
>>> store.backend, len(store)
('sqlite', 0)
>>> store.close()
"""

from __future__ import annotations

from pathlib import Path

from geo.hours import DEFAULT_TZ
from geo.stations.model import (
    Clock,
    HistoryEntry,
    StationFilter,
    check_station_write,
    is_database_url,
    redacted_url,
    utc_now,
    wgs84_points,
)
from geo.stations.store import RecordReader, StationStore, Transaction
from geo.stations.tables import Column, Table

__all__ = [
    "Clock",
    "Column",
    "HistoryEntry",
    "RecordReader",
    "StationFilter",
    "StationStore",
    "Table",
    "Transaction",
    "check_station_write",
    "is_database_url",
    "open_store",
    "redacted_url",
    "wgs84_points",
]


def open_store(
    target: str | Path,
    *,
    tz: str | None = None,
    default_tz: str = DEFAULT_TZ,
    pool_size: int = 8,
    clock: Clock = utc_now,
) -> StationStore:
    """The station store at ``target``: PostGIS for a ``postgresql://`` URL, else a SQLite file.

    Parameters
    ----------
    target
        A ``postgresql://user:password@host:port/db`` URL, a SQLite file (created
        when missing), or ``":memory:"``.
    tz
        Time zone of opening hours; None uses the one stored with the stations.
    default_tz
        The time zone stored in a new database when ``tz`` is None.
    pool_size
        Most connections one process keeps open (PostGIS only).
    clock
        The current time (UTC) for every stamp the store writes.

    Returns
    -------
    StationStore
        Close it (or use it as a context manager) when done.

    Raises
    ------
    InvalidInputError
        When the database cannot be reached or ``tz`` is not a time zone.
    """
    if is_database_url(target):
        from geo.stations.postgis import PostgisStore

        return PostgisStore(
            str(target), tz=tz, default_tz=default_tz, pool_size=pool_size, clock=clock
        )
    from geo.stations.sqlite import SqliteStore

    return SqliteStore(target, tz=tz, default_tz=default_tz, clock=clock)
