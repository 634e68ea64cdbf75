"""Malformed and hostile station files and records: refused in one sentence, by row and column."""

from __future__ import annotations

import re
import sqlite3
import string
import struct
import unicodedata
import zipfile
from datetime import datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo import Kind, Station
from geo._tables import read_table
from geo.errors import ImportValidationError, InvalidInputError
from geo.io import import_stations, read_stations
from geo.limits import (
    STATION_ID_MAX,
    STATION_ID_PATTERN,
    TEXT_MAX_LENGTH,
    check_upload_name,
    station_id_problem,
    text_problem,
)
from geo.stations import open_store

HEADER = "id,name,lon,lat,address,phone\n"


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    import io

    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)  # type: ignore[union-attr]
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


GOOD_XLSX = xlsx_bytes([["name", "lon", "lat"], ["A", 24.94, 60.17]])

MALFORMED = [
    ("s.csv", b"", "the file is empty"),
    ("s.csv", b"\n\n  \n", "the file is empty"),
    ("s.xlsx", b"", "not an XLSX workbook (an empty file"),
    ("s.xlsx", GOOD_XLSX[: len(GOOD_XLSX) // 2], "not a whole ZIP archive"),
    ("s.xlsx", b"name,lon,lat\nA,1,2\n", "not a whole ZIP archive"),
    ("s.geojson", b'{"type": "FeatureCollection", "features": [', "not valid JSON"),
    ("s.geojson", b"", "the file is empty"),
    ("s.geojson", b"[1, 2]", "not GeoJSON"),
    ("s.json", b'{"type": "Topology"}', "not GeoJSON"),
    ("s.gpkg", b"SQLite format 3\x00garbage", "not a readable station file"),
]


@pytest.mark.parametrize(("file_name", "data", "reason"), MALFORMED)
def test_malformed_files_are_refused_naming_the_file(
    tmp_path: Path, file_name: str, data: bytes, reason: str
) -> None:
    stored = tmp_path / "upload-x" / f"tmp{Path(file_name).suffix}"
    stored.parent.mkdir()
    stored.write_bytes(data)
    reg = open_store(":memory:")
    with pytest.raises(InvalidInputError) as err:
        import_stations(reg, stored, name=file_name)
    message = str(err.value)
    assert message.startswith(f"{file_name}: ") and reason in message, message
    # The name the caller gives replaces the stored path everywhere.
    assert str(tmp_path) not in message and "upload-x" not in message
    assert "\n" not in message and len(reg) == 0


def test_zip_that_is_not_a_workbook(tmp_path: Path) -> None:
    with zipfile.ZipFile(tmp_path / "s.xlsx", "w") as z:
        z.writestr("readme.txt", "hello")
    with pytest.raises(InvalidInputError, match=r"^s.xlsx: the ZIP archive holds no workbook"):
        read_stations(tmp_path / "s.xlsx", name="s.xlsx")


def bomb(path: Path, *, padding_bytes: int) -> None:
    """A valid one-row workbook plus a member of zeros: tiny on disk, large unpacked."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        with zipfile.ZipFile(__import__("io").BytesIO(GOOD_XLSX)) as src:
            for info in src.infolist():
                out.writestr(info, src.read(info))
        with out.open("xl/media/padding.bin", "w", force_zip64=True) as member:
            chunk = b"\0" * 1_000_000
            for _ in range(padding_bytes // len(chunk)):
                member.write(chunk)


def test_xlsx_bomb_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "bomb.xlsx"
    bomb(path, padding_bytes=30_000_000)
    assert path.stat().st_size < 100_000  # 30 MB of zeros deflate to about 30 kB
    with pytest.raises(InvalidInputError, match=r"unpacks to 30,0\d\d,\d\d\d bytes, more than"):
        read_stations(path, max_expanded_bytes=10_000_000)
    # Under a limit above what it declares, the same file reads: the refusal is the size.
    assert [s.name for s in read_stations(path, max_expanded_bytes=40_000_000).stations] == ["A"]


def test_xlsx_member_lying_about_its_size_is_refused(tmp_path: Path) -> None:
    """A sheet whose headers declare 100 bytes but which unpacks to megabytes."""
    path = tmp_path / "liar.xlsx"
    big = xlsx_bytes([["name", "lon", "lat"]] + [["A" * 100, 24.94, 60.17]] * 20_000)
    path.write_bytes(big)
    data = bytearray(big)
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
        assert info.file_size > 2_000_000
    # Patch the declared size in the local header and in the central directory.
    old = struct.pack("<I", info.file_size)
    assert data.count(old) >= 2
    data = bytearray(bytes(data).replace(old, struct.pack("<I", 100)))
    path.write_bytes(bytes(data))
    with zipfile.ZipFile(path) as z:
        assert sum(i.file_size for i in z.infolist()) < 100_000
    with pytest.raises(InvalidInputError, match=r"^liar.xlsx: not a readable XLSX workbook"):
        read_stations(path, name="liar.xlsx", max_expanded_bytes=1_000_000)


def test_xlsx_cells_read_as_pandas_reads_them(tmp_path: Path) -> None:
    rows: list[list[object]] = [
        ["name", "lon", "lat", "phone", "opening_hours", None, "name"],
        ["A", 24.94, 60.17, 12345, "24/7", None, "dup"],
        [None, 24.5, 60, 1.5, datetime(2026, 5, 1, 8, 30), "x", None],
        [],
        ["B", -0.0, 1e-7, True, "", None, None],
        [],
    ]
    (tmp_path / "s.xlsx").write_bytes(xlsx_bytes(rows))

    ours, first, _ = read_table(tmp_path / "s.xlsx")
    theirs = pd.read_excel(tmp_path / "s.xlsx", dtype=str, keep_default_na=False)
    assert first == 2
    assert list(ours.columns) == list(theirs.columns)
    assert ours.astype(str).values.tolist() == theirs.values.tolist()


def test_long_and_control_text_refused_by_row_and_column(tmp_path: Path) -> None:
    name_max = TEXT_MAX_LENGTH["name"]
    text = HEADER + (
        f"a,{'N' * (name_max + 1)},24.94,60.17,,\n"
        "b,Fine,24.94,60.17,Street\x001,\n"
        "c,Fine,24.94,60.17,,12\x0734\n"
        f'd,{"N" * name_max},24.94,60.17,"two\nlines\ttab",\n'
    )
    path = tmp_path / "s.csv"
    path.write_text(text, encoding="utf-8")
    result = read_stations(path)
    found = {(p.row, p.column): p.reason for p in result.problems}
    assert set(found) == {(2, "name"), (3, "address"), (4, "phone")}
    assert found[(2, "name")] == f"{name_max + 1} characters, more than the {name_max} allowed"
    assert found[(3, "address")] == "control character U+0000 (NULL) at position 7"
    assert "U+0007" in found[(4, "phone")]
    assert [s.id for s in result.stations] == ["d"]


HOSTILE_IDS = ["a/b", "..", ".", "x<img src=x onerror=alert(1)>", "a b", "é", "a" * 129, "a\x00"]


@pytest.mark.parametrize("bad_id", HOSTILE_IDS)
def test_unsafe_station_ids_refused_at_import_and_in_the_library(
    tmp_path: Path, bad_id: str
) -> None:
    path = tmp_path / "s.csv"
    quoted = '"' + bad_id.replace('"', '""') + '"'
    path.write_text(f"{HEADER}{quoted},Name,24.94,60.17,,\n", encoding="utf-8")
    reg = open_store(":memory:")
    with pytest.raises(ImportValidationError) as err:
        import_stations(reg, path)
    (problem,) = err.value.problems
    assert (problem.row, problem.column) == (2, "id")  # type: ignore[attr-defined]
    assert "ASCII letters, digits" in problem.reason  # type: ignore[attr-defined]
    with pytest.raises(InvalidInputError, match="is not accepted"):
        reg.add(Station(bad_id, "Name", Kind.WORKER_STATION, 24.94, 60.17))
    assert len(reg) == 0


def test_stored_station_with_an_old_style_id_can_still_change(tmp_path: Path) -> None:
    path = tmp_path / "r.sqlite"
    reg = open_store(path)
    reg.add(Station("old", "Name", Kind.WORKER_STATION, 24.94, 60.17))
    reg.close()
    with sqlite3.connect(path) as db:  # a station written before the id rule
        db.execute("UPDATE stations SET id='old id' WHERE id='old'")
    reg = open_store(path)
    assert reg.update("old id", name="Renamed").name == "Renamed"


def _safe_id(text: str) -> bool:
    allowed = set(string.ascii_letters + string.digits + "-_.:")
    return 0 < len(text) <= STATION_ID_MAX and set(text) <= allowed and text not in (".", "..")


@settings(max_examples=500, deadline=None)
@given(
    st.text(alphabet=st.sampled_from(list(".-_:aZ09/ <>\x00é")), max_size=6)
    | st.text(alphabet=st.sampled_from(list("a.")), min_size=126, max_size=130)
)
def test_id_pattern_is_exactly_the_documented_set(text: str) -> None:
    assert (re.fullmatch(STATION_ID_PATTERN, text) is not None) == _safe_id(text)
    assert (station_id_problem(text) is None) == _safe_id(text)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=20))
def test_control_characters_are_unicode_category_cc_but_tab_and_newlines(text: str) -> None:
    expected = any(unicodedata.category(c) == "Cc" and c not in "\t\n\r" for c in text)
    assert (text_problem("address", text) is not None) == expected


@pytest.mark.parametrize(
    ("file_name", "reason"),
    [
        ("a" * 252 + ".csv", "256 bytes long, more than 255"),
        ("驿" * 84 + ".csv", "256 bytes long, more than 255"),
        ("s.pdf", "unsupported file type '.pdf'"),
        ("s", "unsupported file type ''"),
        (None, "unsupported file type ''"),
        ("s\x00.csv", "control character U+0000"),
    ],
)
def test_upload_names(file_name: str | None, reason: str) -> None:
    with pytest.raises(InvalidInputError, match=re.escape(reason)):
        check_upload_name(file_name)


def test_upload_name_at_the_limit_is_accepted() -> None:
    assert check_upload_name("驿" * 83 + ".csv") == "驿" * 83 + ".csv"  # 253 bytes
    assert check_upload_name("a" * 251 + ".CSV") == "a" * 251 + ".CSV"  # 255 bytes
