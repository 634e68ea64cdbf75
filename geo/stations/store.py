"""The store protocol: what every station store offers, whichever database holds it.

:class:`StationStore` is the public surface the API, the CLI and the library
use. Two classes implement it, :class:`geo.stations.sqlite.SqliteStore` (one
file, the embedded default) and :class:`geo.stations.postgis.PostgisStore`
(PostgreSQL + PostGIS, for many workers); :func:`geo.stations.open_store`
picks one.

Writes that must commit together run in :meth:`StationStore.transaction`: the
:class:`Transaction` it yields changes stations (each change recorded in the
history with the transaction's actor and note) and the rows of library tables
(:class:`~geo.stations.model.Table`: reports, proposals, rate-limit buckets)
that live in the same database. Everything commits at the end of the ``with``
block, or nothing does when it raises.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt
from numpy.typing import ArrayLike

from geo.stations.model import (
    HistoryEntry,
    StationFilter,
)
from geo.stations.tables import Table
from geo.types import CoordSystem, NearestHits, Station, StationHit

__all__ = ["RecordReader", "StationStore", "Transaction"]

Where = Mapping[str, Any] | None


class RecordReader(Protocol):
    """Reads of library tables; keys of ``where`` are ``"column"`` or ``"column op"``
    (``=``, ``!=``, ``<``, ``<=``, ``>``, ``>=``, ``in`` with a list)."""

    def select(
        self,
        table: Table,
        where: Where = None,
        *,
        order_by: Sequence[str] = (),
        limit: int | None = None,
        offset: int = 0,
    ) -> list[dict[str, Any]]:
        """Rows as dicts; ``order_by`` names columns, ``-column`` for descending."""
        ...

    def count(self, table: Table, where: Where = None) -> int:
        """How many rows ``where`` selects."""
        ...

    def count_by(self, table: Table, column: str, where: Where = None) -> dict[Any, int]:
        """Value of ``column`` → how many of the selected rows have it."""
        ...

    def counter(self, name: str) -> int:
        """A named counter (0 until first bumped), for caches keyed on a table's writes."""
        ...


@runtime_checkable
class Transaction(RecordReader, Protocol):
    """Writes that commit together; yielded by :meth:`StationStore.transaction`.

    Reads in a transaction see its own writes. On PostGIS, :meth:`get` and
    :meth:`select` with ``lock=True`` lock the rows they read until the
    commit, so a concurrent transaction wanting them waits and then sees the
    committed values.
    """

    actor: str
    """Who writes (recorded in each station's history)."""
    note: str
    """Why (recorded in each station's history)."""
    at: str
    """The transaction's time, an ISO 8601 UTC stamp (stations' ``updated_at``, history)."""

    def get(self, station_id: str) -> Station:
        """One station, locked for this transaction; NotFoundError when absent."""
        ...

    def add(self, stations: Station | Iterable[Station], *, replace: bool = False) -> list[Station]:
        """Insert stations (``replace`` updates existing ids, else ConflictError)."""
        ...

    def update(self, station_id: str, **changes: Any) -> Station:
        """Change fields of one station (not its id); the new record."""
        ...

    def delete(self, station_id: str) -> None:
        """Remove one station; NotFoundError when absent."""
        ...

    def select(
        self,
        table: Table,
        where: Where = None,
        *,
        order_by: Sequence[str] = (),
        limit: int | None = None,
        offset: int = 0,
        lock: bool = False,
    ) -> list[dict[str, Any]]:
        """As :meth:`RecordReader.select`; ``lock`` locks the rows until commit (PostGIS)."""
        ...

    def insert(self, table: Table, values: Mapping[str, Any], *, if_absent: bool = False) -> Any:
        """Insert a row; its key (None when ``if_absent`` and the key existed)."""
        ...

    def upsert(self, table: Table, values: Mapping[str, Any]) -> None:
        """Insert a row, or replace the other columns of the row with its key."""
        ...

    def change(self, table: Table, values: Mapping[str, Any], where: Where = None) -> int:
        """Set ``values`` on the rows ``where`` selects; how many rows changed."""
        ...

    def remove(
        self,
        table: Table,
        where: Where = None,
        *,
        order_by: Sequence[str] = (),
        limit: int | None = None,
    ) -> int:
        """Delete the rows ``where`` selects (the first ``limit`` by ``order_by``); how many."""
        ...

    def bump(self, name: str) -> None:
        """Add one to a named counter (see :meth:`RecordReader.counter`)."""
        ...


@runtime_checkable
class StationStore(RecordReader, Protocol):
    """Stations with nearest, radius and box queries, history, and transactions.

    Every method may be called from many threads. Implementations are context
    managers; :meth:`close` releases the database.
    """

    tz: str
    """IANA time zone in which opening hours are read."""
    backend: str
    """``"sqlite"`` or ``"postgis"``."""
    location: str
    """The file or the database URL (its password masked), for messages."""

    # -- lifecycle ---------------------------------------------------------
    def close(self) -> None:
        """Release the database; the store is unusable afterwards."""
        ...

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        ...

    def __enter__(self) -> StationStore: ...

    def __exit__(self, *exc: object) -> None: ...

    def now(self) -> datetime:
        """The store's clock (UTC), used for every stamp it writes."""
        ...

    @property
    def version(self) -> int:
        """A counter that grows with every committed station write, in every process."""
        ...

    def ensure_tables(self, tables: Iterable[Table]) -> None:
        """Create library tables (and their indexes) that do not exist yet."""
        ...

    # -- reads -------------------------------------------------------------
    def __len__(self) -> int: ...

    def __contains__(self, station_id: object) -> bool: ...

    def __iter__(self) -> Iterator[Station]: ...

    def get(self, station_id: str) -> Station:
        """The station with this id; :class:`~geo.errors.NotFoundError` when absent."""
        ...

    def stations(self, where: StationFilter | None = None) -> list[Station]:
        """All stations passing ``where`` (every station when None), ordered by id."""
        ...

    def query(
        self,
        *,
        where: StationFilter | None = None,
        bbox: tuple[float, float, float, float] | None = None,
        text: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> tuple[int, list[Station]]:
        """A page of stations matching filters, a WGS-84 box and a text; (total, page by id)."""
        ...

    def arrays(
        self, where: StationFilter | None = None
    ) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Ids, lon and lat of the stations passing ``where``, ordered by id."""
        ...

    def history(self, station_id: str) -> list[HistoryEntry]:
        """Every committed write to a station, oldest first (also after it was deleted)."""
        ...

    # -- spatial queries ----------------------------------------------------
    def nearest_many(
        self,
        lon: ArrayLike,
        lat: ArrayLike,
        *,
        k: int = 5,
        crs: CoordSystem | str = "wgs84",
        where: StationFilter | None = None,
        max_dist_m: float | None = None,
    ) -> NearestHits:
        """The ``k`` nearest stations of many points by geodesic distance (arrays ``(n, k)``)."""
        ...

    def nearest(
        self,
        lon: float,
        lat: float,
        *,
        k: int = 5,
        crs: CoordSystem | str = "wgs84",
        where: StationFilter | None = None,
        max_dist_m: float | None = None,
    ) -> list[StationHit]:
        """The ``k`` nearest stations to one point, nearest first, with full records."""
        ...

    def within(
        self,
        lon: float,
        lat: float,
        radius_m: float,
        *,
        crs: CoordSystem | str = "wgs84",
        where: StationFilter | None = None,
    ) -> list[StationHit]:
        """Every station within ``radius_m`` metres (geodesic) of a point, nearest first."""
        ...

    def in_bbox(
        self,
        west: float,
        south: float,
        east: float,
        north: float,
        *,
        crs: CoordSystem | str = "wgs84",
        where: StationFilter | None = None,
    ) -> list[Station]:
        """Every station in a lon/lat box (``west > east`` crosses the antimeridian), by id."""
        ...

    def read_now(self) -> AbstractContextManager[bool]:
        """Hold the store for reads that must not wait (an answer on a server's event loop):
        ``True`` when they can run at once from memory, ``False`` (nothing held) when a
        write holds the store, records are still to be loaded, or every read waits on I/O."""
        ...

    # -- writes --------------------------------------------------------------
    def transaction(
        self, *, actor: str = "system", note: str = ""
    ) -> AbstractContextManager[Transaction]:
        """Writes that commit together at the end of the block, or not at all."""
        ...

    def add(
        self,
        stations: Station | Iterable[Station],
        *,
        replace: bool = False,
        actor: str = "system",
        note: str = "",
    ) -> list[Station]:
        """Insert stations in one transaction; the stored records (``updated_at`` set)."""
        ...

    def update(
        self, station_id: str, *, actor: str = "system", note: str = "", **changes: Any
    ) -> Station:
        """Change fields of one station in one transaction; the new record."""
        ...

    def delete(self, station_id: str, *, actor: str = "system", note: str = "") -> None:
        """Remove one station; NotFoundError when absent."""
        ...
