"""Reads and writes over a DB-API cursor and a :class:`Dialect`, the same for both stores.

:class:`RecordReads` reads library tables over one query method;
:class:`CursorTransaction` implements :class:`~geo.stations.store.Transaction`
on an open database transaction (the stores' :meth:`transaction` blocks yield it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from geo.errors import ConflictError, NotFoundError
from geo.stations.model import (
    STATION_COLUMNS,
    Change,
    check_station_write,
    checked_station,
    history_rows,
    row_to_station,
    station_params,
    update_args,
)
from geo.stations.store import Where
from geo.stations.tables import Dialect, Table
from geo.types import STATION_FIELDS, Station

__all__ = ["CursorTransaction", "InsertMany", "RecordReads"]

InsertMany = Callable[[Any, list[tuple[Any, ...]]], list[int]]
"""Inserts station rows on a cursor and returns their row keys, in order."""


class RecordReads:
    """Reads of library tables over :meth:`_rows`, for a store and for a transaction."""

    dialect: Dialect

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        raise NotImplementedError

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
        """Rows as dicts; ``order_by`` names columns, ``-column`` for descending; ``lock``
        locks them until the transaction ends (PostGIS; SQLite's transactions lock the file)."""
        sql, params = self.dialect.select(
            table, where, order_by=order_by, limit=limit, offset=offset, lock=lock
        )
        return [dict(zip(table.names, r, strict=True)) for r in self._rows(sql, params)]

    def count(self, table: Table, where: Where = None) -> int:
        """How many rows ``where`` selects."""
        cond, params = self.dialect.where(table, where)
        return int(self._rows(f"SELECT count(*) FROM {table.name}{cond}", params)[0][0])

    def count_by(self, table: Table, column: str, where: Where = None) -> dict[Any, int]:
        """Value of ``column`` → how many of the selected rows have it."""
        table.check([column])
        cond, params = self.dialect.where(table, where)
        rows = self._rows(
            f"SELECT {column}, count(*) FROM {table.name}{cond} GROUP BY {column}", params
        )
        return {r[0]: int(r[1]) for r in rows}

    def counter(self, name: str) -> int:
        """A named counter (0 until first bumped)."""
        rows = self._rows(f"SELECT value FROM meta WHERE key={self.dialect.mark}", (name,))
        return int(rows[0][0]) if rows else 0


class CursorTransaction(RecordReads):
    """A :class:`~geo.stations.store.Transaction` on a cursor inside an open transaction.

    Station changes are collected in :attr:`changes`; the store writes their
    history and bumps its version (:meth:`finish`) before it commits.
    """

    def __init__(
        self,
        cursor: Any,
        dialect: Dialect,
        *,
        actor: str,
        note: str,
        at: str,
        insert_many: InsertMany,
    ) -> None:
        self.cursor = cursor
        self.dialect = dialect
        self.actor = actor
        self.note = note
        self.at = at
        self.changes: list[Change] = []
        self._insert_many = insert_many

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        self.cursor.execute(sql, tuple(params))
        return list(self.cursor.fetchall())

    def _lock_suffix(self) -> str:
        return " FOR UPDATE" if self.dialect.mark == "%s" else ""

    # -- stations --------------------------------------------------------------
    def _station_row(self, station_id: str) -> tuple[Any, ...]:
        m = self.dialect.mark
        rows = self._rows(
            f"SELECT pk, {STATION_COLUMNS} FROM stations WHERE id={m}{self._lock_suffix()}",
            (station_id,),
        )
        if not rows:
            raise NotFoundError(f"no station with id {station_id!r}")
        return rows[0]

    def get(self, station_id: str) -> Station:
        return row_to_station(self._station_row(station_id)[1:])

    def add(self, stations: Station | Iterable[Station], *, replace: bool = False) -> list[Station]:
        checked = check_station_write(stations, at=self.at)
        d = self.dialect
        cond = d.in_list.replace("{col}", "id")
        old = {
            r[1]: r
            for r in self._rows(
                # In id order: two writers of overlapping batches lock rows in one order.
                f"SELECT pk, {STATION_COLUMNS} FROM stations WHERE {cond} "
                f"ORDER BY id{self._lock_suffix()}",
                (d.list_param([st.id for st in checked]),),
            )
        }
        if old and not replace:
            raise ConflictError(f"a station with id {next(iter(old))!r} exists already")
        marks = ", ".join([d.mark] * len(STATION_FIELDS))
        for st in checked:
            if st.id in old:
                pk = int(old[st.id][0])
                self.cursor.execute(
                    f"UPDATE stations SET ({STATION_COLUMNS}) = ({marks}) WHERE pk={d.mark}",
                    (*station_params(st), pk),
                )
                self.changes += [("del", pk, row_to_station(old[st.id][1:])), ("ins", pk, st)]
        new = [st for st in checked if st.id not in old]
        if new:
            pks = self._insert_many(self.cursor, [station_params(st) for st in new])
            self.changes += [("ins", pk, st) for pk, st in zip(pks, new, strict=True)]
        return checked

    def update(self, station_id: str, **changes: Any) -> Station:
        fields = update_args(station_id, changes)
        row = self._station_row(station_id)
        before = row_to_station(row[1:])
        # An update keeps a stored id even from before the id rule (new_id=False).
        new = checked_station(before.replace(**fields).replace(updated_at=self.at), new_id=False)
        d = self.dialect
        marks = ", ".join([d.mark] * len(STATION_FIELDS))
        self.cursor.execute(
            f"UPDATE stations SET ({STATION_COLUMNS}) = ({marks}) WHERE pk={d.mark}",
            (*station_params(new), row[0]),
        )
        self.changes += [("del", int(row[0]), before), ("ins", int(row[0]), new)]
        return new

    def delete(self, station_id: str) -> None:
        row = self._station_row(station_id)
        self.cursor.execute(f"DELETE FROM stations WHERE pk={self.dialect.mark}", (row[0],))
        self.changes.append(("del", int(row[0]), row_to_station(row[1:])))

    # -- library tables -------------------------------------------------------
    def insert(self, table: Table, values: Mapping[str, Any], *, if_absent: bool = False) -> Any:
        rows = self._rows(
            self.dialect.insert(table, values, if_absent=if_absent), [*values.values()]
        )
        return rows[0][0] if rows else None

    def upsert(self, table: Table, values: Mapping[str, Any]) -> None:
        self.cursor.execute(self.dialect.upsert(table, values), tuple(values.values()))

    def change(self, table: Table, values: Mapping[str, Any], where: Where = None) -> int:
        sql, params = self.dialect.update(table, values, where)
        self.cursor.execute(sql, tuple(params))
        return int(self.cursor.rowcount)

    def remove(
        self,
        table: Table,
        where: Where = None,
        *,
        order_by: Sequence[str] = (),
        limit: int | None = None,
    ) -> int:
        sql, params = self.dialect.delete(table, where, order_by=order_by, limit=limit)
        self.cursor.execute(sql, tuple(params))
        return int(self.cursor.rowcount)

    def bump(self, name: str) -> None:
        m, integer = self.dialect.mark, self.dialect.types["int"]
        self.cursor.execute(
            f"INSERT INTO meta VALUES ({m}, '0') ON CONFLICT (key) DO NOTHING", (name,)
        )
        self.cursor.execute(
            f"UPDATE meta SET value = CAST(CAST(value AS {integer}) + 1 AS TEXT) WHERE key={m}",
            (name,),
        )

    # -- commit ---------------------------------------------------------------
    def finish(self) -> None:
        """Before the commit: the history of the station changes, and the version bump."""
        if not self.changes:
            return
        m = self.dialect.mark
        self.cursor.executemany(
            "INSERT INTO history (station_id, at, actor, action, changes, note) "
            f"VALUES ({m}, {m}, {m}, {m}, {m}, {m})",
            history_rows(self.changes, actor=self.actor, note=self.note, at=self.at),
        )
        self.bump("version")
