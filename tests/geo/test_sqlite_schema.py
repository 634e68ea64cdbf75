"""A new SQLite file is made at the current schema without a word; only a file written by an
older version is upgraded, and then each added column is said once."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import pytest

from geo.stations import open_store
from geo.stations.model import ADDED_COLUMNS, SCHEMA_VERSION
from tests.geo.test_feedback import OLD_SCHEMA  # the first schema, as the first version wrote it


def _schema(db: Path) -> tuple[list[tuple[str, str, int, object]], str]:
    """The stations table's columns (name, type, not null, default) and the stored schema."""
    con = sqlite3.connect(db)
    try:
        cols = [(r[1], r[2], r[3], r[4]) for r in con.execute("PRAGMA table_info(stations)")]
        (schema,) = con.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
    finally:
        con.close()
    return cols, schema


def _added(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "added the" in r.getMessage()]


def test_a_new_file_is_made_at_the_current_schema_silently(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    open_store(tmp_path / "new.sqlite").close()
    open_store(":memory:").close()
    assert _added(caplog) == []
    cols, schema = _schema(tmp_path / "new.sqlite")
    assert schema == str(SCHEMA_VERSION)
    names = [c[0] for c in cols]
    assert names[-len(ADDED_COLUMNS) :] == [name for name, _, _ in ADDED_COLUMNS]


def test_an_old_file_is_upgraded_and_says_so_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    old = tmp_path / "old.sqlite"
    con = sqlite3.connect(old)
    con.executescript(OLD_SCHEMA)
    con.close()
    caplog.set_level(logging.INFO)
    with open_store(old) as store:
        assert store.get("old").name == "Old Hut" and store.version == 3
    assert _added(caplog) == [f"{old}: added the {name} column" for name, _, _ in ADDED_COLUMNS]
    caplog.clear()
    open_store(old).close()  # reopening an upgraded file says nothing
    assert _added(caplog) == []
    # Upgraded and new files end with the same table, column for column.
    open_store(tmp_path / "new.sqlite").close()
    assert _schema(old) == _schema(tmp_path / "new.sqlite")
