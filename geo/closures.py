"""Temporary closures: a station closed for a while (renovation, an epidemic, a typhoon).

A closure runs from ``since`` until ``until`` (exclusive), or until a planner
reopens the station when ``until`` is empty. Whether a station is temporarily
closed is always judged at a time the caller gives (the query's time), never
read from a status field: the station reopens by itself when ``until`` comes,
with no job to run. Nearest queries, coverage and the maps leave out the
stations :meth:`Closures.closed_at` returns for their time, through
:meth:`Closures.without_closed` (``exclude_ids``), and say which ones they left out.

Closures live in :data:`CLOSURES`, in the stations' store (either backend);
every write bumps the store counter :data:`CLOSURES_COUNTER` (for caches).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, datetime

from geo.errors import ConflictError, InvalidInputError, NotFoundError
from geo.stations import RecordReader, StationFilter, StationStore, Table
from geo.stations.model import stamp
from geo.stations.records import record_from_row, text_columns

__all__ = ["CLOSURES", "CLOSURES_COUNTER", "Closure", "Closures"]

CLOSURES = Table(
    "closures",
    text_columns("station_id", "since", "until", "reason", "actor"),
    indexes=(("station_id", "since"),),
)
"""Temporary closures of stations."""
CLOSURES_COUNTER = "closures_version"
"""Store counter bumped by every closure write."""


@dataclass(frozen=True, slots=True)
class Closure:
    """One temporary closure.

    Attributes
    ----------
    id
        Closure number.
    station_id
        The station.
    since, until
        ISO 8601 UTC; ``until`` is empty while no reopening date is known.
    reason
        Why (shown to riders), e.g. ``typhoon``.
    actor
        Who closed it.
    """

    id: int
    station_id: str
    since: str
    until: str
    reason: str
    actor: str


def _utc(at: datetime) -> datetime:
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def _closure(row: dict[str, object]) -> Closure:
    return record_from_row(Closure, row, id=int)


def _open_at(reader: RecordReader, at: str) -> list[Closure]:
    rows = reader.select(CLOSURES, {"since <=": at}, order_by=("station_id", "since", "id"))
    return [_closure(r) for r in rows if not r["until"] or r["until"] > at]


class Closures:
    """Temporary closures kept beside a store's stations (either backend).

    Examples
    --------
    >>> from geo.stations import open_store
    >>> from geo.types import Kind, Station
    >>> store = open_store(":memory:")
    >>> _ = store.add(Station("a", "Depot", Kind.DRIVER_HOME, 114.0, 22.5))
    >>> closures = Closures(store)
    >>> _ = closures.close("a", since=datetime(2026, 9, 1), until=datetime(2026, 9, 3),
    ...                    reason="typhoon")
    >>> sorted(closures.closed_at(datetime(2026, 9, 2))), closures.closed_at(datetime(2026, 9, 3))
    (['a'], {})
    """

    def __init__(self, store: StationStore) -> None:
        self.store = store
        store.ensure_tables([CLOSURES])

    def close(
        self,
        station_id: str,
        *,
        since: datetime,
        until: datetime | None = None,
        reason: str = "",
        actor: str = "planner",
    ) -> Closure:
        """Close a station from ``since`` until ``until`` (None: until :meth:`reopen`).

        Raises
        ------
        NotFoundError
            When the station does not exist.
        InvalidInputError
            When ``until`` is not after ``since``, or the reason is too long.
        """
        start = stamp(_utc(since))
        end = "" if until is None else stamp(_utc(until))
        if end and end <= start:
            raise InvalidInputError(f"until={end} must be after since={start}")
        why = " ".join(str(reason).split())
        if len(why) > 200:
            raise InvalidInputError(f"reason is {len(why)} characters long; at most 200")
        note = f"temporarily closed from {start}" + (f" until {end}" if end else "")
        with self.store.transaction(actor=actor, note=note) as tx:
            tx.get(station_id)
            row = {"station_id": station_id, "since": start, "until": end, "reason": why}
            cid = int(tx.insert(CLOSURES, {**row, "actor": actor}))
            tx.bump(CLOSURES_COUNTER)
            return _closure(tx.select(CLOSURES, {"id": cid})[0])

    def reopen(self, station_id: str, *, at: datetime, actor: str = "planner") -> int:
        """End the station's closures running at ``at`` (their ``until`` becomes ``at``).

        Returns
        -------
        int
            How many closures ended.

        Raises
        ------
        ConflictError
            When the station is not temporarily closed at ``at``.
        """
        when = stamp(_utc(at))
        with self.store.transaction(actor=actor) as tx:
            running = [c for c in _open_at(tx, when) if c.station_id == station_id]
            if not running:
                raise ConflictError(f"station {station_id!r} is not temporarily closed at {when}")
            n = tx.change(CLOSURES, {"until": when}, {"id in": [c.id for c in running]})
            tx.bump(CLOSURES_COUNTER)
            return n

    def closed_at(self, at: datetime) -> dict[str, Closure]:
        """Station id → the closure holding it closed at ``at`` (the one ending last)."""
        out: dict[str, Closure] = {}
        for c in _open_at(self.store, stamp(_utc(at))):
            have = out.get(c.station_id)
            if have is None or (have.until and (not c.until or c.until > have.until)):
                out[c.station_id] = c
        return out

    def of_station(self, station_id: str) -> list[Closure]:
        """Every closure of one station, oldest first."""
        if station_id not in self.store:
            raise NotFoundError(f"no station with id {station_id!r}")
        rows = self.store.select(CLOSURES, {"station_id": station_id}, order_by=("since", "id"))
        return [_closure(r) for r in rows]

    def without_closed(
        self, where: StationFilter, at: datetime
    ) -> tuple[StationFilter, dict[str, Closure]]:
        """``where`` also leaving out the stations closed at ``at``, and those closures."""
        closed = self.closed_at(at)
        if not closed:
            return where, closed
        return dataclasses.replace(where, exclude_ids=where.exclude_ids | set(closed)), closed

    def state(self, at: datetime) -> tuple[int, frozenset[str]]:
        """What a result computed at ``at`` depends on: the closures' write counter and the
        stations closed then (a cache key)."""
        return self.store.counter(CLOSURES_COUNTER), frozenset(self.closed_at(at))
