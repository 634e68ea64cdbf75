"""Library tables kept beside the stations, declared once, and the SQL of each database.

A module that keeps records in the stations' database (reports, proposals,
rate-limit buckets) declares a :class:`Table`; each store passes its
:class:`Dialect` (:data:`SQLITE` or :data:`POSTGRES`) to write the SQL, so the
same declaration and the same queries work on both backends.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["POSTGRES", "SQLITE", "Column", "Dialect", "Table"]


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a library table: name, type and default (None: nullable, no default)."""

    name: str
    type: Literal["int", "real", "text"]
    default: int | float | str | None = None


@dataclass(frozen=True, slots=True)
class Table:
    """A table that a library module (feedback, rate limits) keeps in the stations' store.

    Parameters
    ----------
    name
        Table name.
    columns
        Every column but the key.
    key
        ``"id"``: an automatic integer key named ``id``; else the name of a
        text key (one of ``columns``) that the caller chooses.
    indexes
        Column tuples to index.
    """

    name: str
    columns: tuple[Column, ...]
    key: str = "id"
    indexes: tuple[tuple[str, ...], ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        """Every column name, the key first."""
        own = tuple(c.name for c in self.columns)
        return own if self.key in own else ("id", *own)

    def check(self, names: Iterable[str]) -> None:
        """Raise ``ValueError`` for a column this table does not have (a programming error)."""
        bad = sorted(set(names) - set(self.names))
        if bad:
            raise ValueError(f"table {self.name} has no column(s) {', '.join(bad)}")


_OPS = {"": "=", "=": "=", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">=", "in": "in"}


@dataclass(frozen=True, slots=True)
class Dialect:
    """The SQL that differs between SQLite and PostgreSQL.

    Attributes
    ----------
    mark
        The parameter placeholder (``?`` or ``%s``).
    columns_of
        A query of the column names of the table named by its one parameter.
    serial_key
        The column definition of an automatic integer key.
    types
        SQL type of each :class:`Column` type.
    in_list
        SQL testing a column against one list parameter (``{col}`` is replaced).
    list_param
        Turns a Python list into that parameter.
    """

    mark: str
    columns_of: str
    serial_key: str
    types: Mapping[str, str]
    in_list: str
    list_param: Callable[[list[Any]], Any]

    def column(self, table: Table, c: Column) -> str:
        """The definition of one column."""
        sql = f"{c.name} {self.types[c.type]}"
        if c.name == table.key:
            return sql + " PRIMARY KEY"
        if c.default is None:
            return sql
        default = f"{c.default!r}" if c.type == "text" else f"{c.default}"
        return f"{sql} NOT NULL DEFAULT {default}"

    def create(self, table: Table) -> list[str]:
        """``CREATE TABLE`` and ``CREATE INDEX`` statements (idempotent)."""
        cols = []
        if table.key == "id" and "id" not in {c.name for c in table.columns}:
            cols.append(f"id {self.serial_key}")
        cols += [self.column(table, c) for c in table.columns]
        out = [f"CREATE TABLE IF NOT EXISTS {table.name} ({', '.join(cols)})"]
        for idx in table.indexes:
            table.check(idx)
            out.append(
                f"CREATE INDEX IF NOT EXISTS {table.name}_{'_'.join(idx)} "
                f"ON {table.name} ({', '.join(idx)})"
            )
        return out

    def add_missing(self, table: Table, have: Iterable[str]) -> list[str]:
        """``ALTER TABLE … ADD COLUMN`` for each column declared since the table was made
        (a later version's new column; rows already there get its default)."""
        present = set(have)
        return [
            f"ALTER TABLE {table.name} ADD COLUMN {self.column(table, c)}"
            for c in table.columns
            if c.name not in present and c.name != table.key
        ]

    def where(self, table: Table, where: Mapping[str, Any] | None) -> tuple[str, list[Any]]:
        """A ``WHERE`` clause (or ``""``) and its parameters.

        Keys are a column name, or a column and an operator: ``"created_at >="``,
        ``"status !="``, ``"id in"`` (the value a list).
        """
        if not where:
            return "", []
        conds, params = [], []
        for key, value in where.items():
            col, _, op = key.partition(" ")
            table.check([col])
            if op not in _OPS:
                raise ValueError(f"unknown operator {op!r} in {key!r}")
            if _OPS[op] == "in":
                conds.append(self.in_list.replace("{col}", col))
                params.append(self.list_param(list(value)))
            elif value is None and _OPS[op] in ("=", "<>"):
                conds.append(f"{col} IS {'NOT ' if op == '!=' else ''}NULL")
            else:
                conds.append(f"{col} {_OPS[op]} {self.mark}")
                params.append(value)
        return " WHERE " + " AND ".join(conds), params

    def select(
        self,
        table: Table,
        where: Mapping[str, Any] | None,
        *,
        order_by: Sequence[str],
        limit: int | None,
        offset: int,
        lock: bool,
    ) -> tuple[str, list[Any]]:
        """A ``SELECT`` of every column, ordered (a column, or ``-column`` for descending)."""
        cond, params = self.where(table, where)
        table.check(o.lstrip("-") for o in order_by)
        order = ", ".join(
            f"{o.lstrip('-')}{' DESC' if o.startswith('-') else ''}" for o in order_by
        )
        sql = f"SELECT {', '.join(table.names)} FROM {table.name}{cond}"
        if order:
            sql += f" ORDER BY {order}"
        if limit is not None or offset:
            sql += f" LIMIT {self.mark} OFFSET {self.mark}"
            params += [limit if limit is not None else 2**63 - 1, offset]
        if lock and self.mark == "%s":  # SQLite locks the whole file for a write transaction
            sql += " FOR UPDATE"
        return sql, params

    def insert(self, table: Table, values: Mapping[str, Any], *, if_absent: bool) -> str:
        """An ``INSERT`` of ``values`` (column → value) returning the key."""
        table.check(values)
        cols = ", ".join(values)
        marks = ", ".join([self.mark] * len(values))
        tail = f" ON CONFLICT ({table.key}) DO NOTHING" if if_absent else ""
        return f"INSERT INTO {table.name} ({cols}) VALUES ({marks}){tail} RETURNING {table.key}"

    def upsert(self, table: Table, values: Mapping[str, Any]) -> str:
        """An ``INSERT`` that replaces the other columns of a row whose key exists."""
        table.check(values)
        cols = ", ".join(values)
        marks = ", ".join([self.mark] * len(values))
        sets = ", ".join(f"{c} = excluded.{c}" for c in values if c != table.key)
        return (
            f"INSERT INTO {table.name} ({cols}) VALUES ({marks}) "
            f"ON CONFLICT ({table.key}) DO UPDATE SET {sets}"
        )

    def update(
        self, table: Table, values: Mapping[str, Any], where: Mapping[str, Any] | None
    ) -> tuple[str, list[Any]]:
        """An ``UPDATE`` setting ``values`` on the rows ``where`` selects."""
        table.check(values)
        cond, params = self.where(table, where)
        sets = ", ".join(f"{c} = {self.mark}" for c in values)
        return f"UPDATE {table.name} SET {sets}{cond}", [*values.values(), *params]

    def delete(
        self,
        table: Table,
        where: Mapping[str, Any] | None,
        *,
        order_by: Sequence[str],
        limit: int | None,
    ) -> tuple[str, list[Any]]:
        """A ``DELETE`` of the rows ``where`` selects (the first ``limit`` in ``order_by``).

        With a limit, PostgreSQL passes over rows another transaction holds (``SKIP
        LOCKED``): concurrent clean-ups then take different rows and never wait on each
        other.
        """
        if limit is None:
            cond, params = self.where(table, where)
            return f"DELETE FROM {table.name}{cond}", params
        inner, params = self.select(
            table, where, order_by=order_by, limit=limit, offset=0, lock=False
        )
        inner = inner.replace(f"SELECT {', '.join(table.names)}", f"SELECT {table.key}", 1)
        if self.mark == "%s":
            inner += " FOR UPDATE SKIP LOCKED"
        return f"DELETE FROM {table.name} WHERE {table.key} IN ({inner})", params


SQLITE = Dialect(
    mark="?",
    columns_of="SELECT name FROM pragma_table_info(?)",
    serial_key="INTEGER PRIMARY KEY AUTOINCREMENT",
    types={"int": "INTEGER", "real": "REAL", "text": "TEXT"},
    in_list="{col} IN (SELECT value FROM json_each(?))",
    list_param=json.dumps,
)
"""SQLite's dialect (3.35 or newer, for ``RETURNING``)."""

POSTGRES = Dialect(
    mark="%s",
    columns_of="SELECT column_name FROM information_schema.columns "
    "WHERE table_schema = current_schema() AND table_name = %s",
    serial_key="BIGSERIAL PRIMARY KEY",
    types={"int": "BIGINT", "real": "DOUBLE PRECISION", "text": "TEXT"},
    in_list="{col} = ANY(%s)",
    list_param=lambda values: values,
)
"""PostgreSQL's dialect."""
