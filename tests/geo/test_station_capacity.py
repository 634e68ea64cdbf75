"""Station capacity in both stores: stored, updated, cleared, in the history, and added to
files and databases written before the column existed."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
import pytest

from geo import InvalidInputError, Kind, Station
from geo.stations import open_store
from geo.stations.model import SCHEMA_VERSION

HUT = Station("hut", "Hut", Kind.RIDER_STATION, 24.94, 60.17, opening_hours="24/7")


def test_capacity_is_stored_updated_cleared_and_kept_in_history(
    make_registry: Callable[..., Any],
) -> None:
    reg = make_registry()
    reg.add([HUT, HUT.replace(id="big", capacity=40.0)])
    assert (reg.get("hut").capacity, reg.get("big").capacity) == (None, 40.0)
    reg.update("hut", capacity=12.5, actor="planner")
    assert reg.get("hut").capacity == 12.5
    assert reg.history("hut")[-1].changes == {"capacity": [None, 12.5]}
    reg.update("hut", capacity=None)  # back to "unknown"
    assert reg.get("hut").capacity is None
    for bad in (-1.0, float("nan"), float("inf"), "many"):
        with pytest.raises(InvalidInputError, match="capacity"):
            reg.update("big", capacity=bad)
    assert reg.get("big").capacity == 40.0


SCHEMA_2 = """
CREATE TABLE stations (
    pk INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, name TEXT NOT NULL,
    kind TEXT NOT NULL, lon REAL NOT NULL, lat REAL NOT NULL,
    address TEXT NOT NULL DEFAULT '', district TEXT NOT NULL DEFAULT '',
    operator TEXT NOT NULL DEFAULT '', phone TEXT NOT NULL DEFAULT '',
    amenities TEXT NOT NULL DEFAULT '', opening_hours TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'open', source TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL, last_verified TEXT NOT NULL DEFAULT ''
);
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO meta VALUES ('schema', '2'), ('version', '5'), ('tz', 'Asia/Shanghai');
INSERT INTO stations (id, name, kind, lon, lat, updated_at)
VALUES ('old', 'Old Hut', 'worker_station', 114.05, 22.54, '2025-01-01T00:00:00Z');
"""


def test_sqlite_file_without_capacity_gets_the_column(tmp_path: Path) -> None:
    db = tmp_path / "old.sqlite"
    con = sqlite3.connect(db)
    con.executescript(SCHEMA_2)
    con.close()
    reg = open_store(db)
    assert reg.get("old").capacity is None and reg.version == 5
    reg.update("old", capacity=8)
    reg.close()
    again = open_store(db)  # reopening a migrated file changes nothing
    assert again.get("old").capacity == 8.0
    con = sqlite3.connect(db)
    columns = [r[1] for r in con.execute("PRAGMA table_info(stations)")]
    assert columns.count("capacity") == 1 and columns.index("capacity") > columns.index("name")
    assert con.execute("SELECT value FROM meta WHERE key='schema'").fetchone() == (
        str(SCHEMA_VERSION),
    )
    con.close()


def test_postgis_table_without_capacity_gets_the_column(postgis_url: str) -> None:
    open_store(postgis_url).close()
    with psycopg.connect(postgis_url, autocommit=True) as conn:  # as a schema-2 table was
        conn.execute("ALTER TABLE stations DROP COLUMN capacity")
        conn.execute("UPDATE meta SET value='2' WHERE key='schema'")
        conn.execute(
            "INSERT INTO stations (id, name, kind, lon, lat, updated_at) "
            "VALUES ('old', 'Old', 'worker_station', 114.05, 22.54, '2025-01-01T00:00:00Z')"
        )
    reg = open_store(postgis_url)
    assert reg.get("old").capacity is None
    reg.update("old", capacity=30)
    reg.close()
    with open_store(postgis_url) as again:
        assert again.get("old").capacity == 30.0
    with psycopg.connect(postgis_url) as conn:
        assert conn.execute("SELECT value FROM meta WHERE key='schema'").fetchone() == (
            str(SCHEMA_VERSION),
        )
        with pytest.raises(psycopg.errors.CheckViolation):
            conn.execute("UPDATE stations SET capacity = -1")


@pytest.mark.parametrize("fmt", ["csv", "geojson"])
def test_capacity_round_trips_through_export_and_import(tmp_path: Path, fmt: str) -> None:
    from geo.io import export_stations, import_stations

    reg = open_store(":memory:")
    reg.add([HUT, HUT.replace(id="big", lon=24.95, capacity=40.0)])
    out = tmp_path / f"s.{fmt}"
    export_stations(reg.stations(), out, fmt=fmt)  # type: ignore[arg-type]
    back = open_store(":memory:")
    import_stations(back, out)
    assert [(s.id, s.capacity) for s in back.stations()] == [("big", 40.0), ("hut", None)]


def test_chinese_capacity_header_and_bad_values_name_row_and_column(tmp_path: Path) -> None:
    from geo.io import read_stations

    f = tmp_path / "s.csv"
    f.write_text(
        "名称,经度,纬度,容量\n甲站,114.05,22.54,20\n乙站,114.06,22.54,\n"
        "丙站,114.07,22.54,很多\n丁站,114.08,22.54,-3\n",
        encoding="utf-8",
    )
    result = read_stations(f, crs="wgs84")  # mainland points: the system must be named
    assert [(s.name, s.capacity) for s in result.stations] == [("甲站", 20.0), ("乙站", None)]
    assert [(p.row, p.column) for p in result.problems] == [(4, "容量"), (5, "容量")]
    assert "很多" in result.problems[0].reason
