"""What a station record and an uploaded file may hold: one source for import, library and API.

Station ids end up in URLs (``/stations/{id}``), file names and map pages, so
they are kept to a small safe set. Text fields have length limits, and no
field may hold control characters (NUL and the like; tab, line feed and
carriage return are text). The HTTP schema declares the same limits from
these constants, so what the schema calls valid the library accepts.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from types import MappingProxyType

from geo.errors import InvalidInputError

__all__ = [
    "DEFAULT_MAX_EXPANDED_BYTES",
    "HOURS_FORMAT",
    "MAX_FILE_NAME_BYTES",
    "MAX_SQL_INT",
    "NAME_PATTERN",
    "STATION_FILE_SUFFIXES",
    "STATION_ID_MAX",
    "STATION_ID_PATTERN",
    "STATION_ID_RULE",
    "TEXT_MAX_LENGTH",
    "TEXT_PATTERN",
    "check_upload_name",
    "control_character",
    "station_id_problem",
    "text_problem",
]

STATION_ID_MAX = 128
"""Longest station id, in characters."""
_ID_CHAR = "A-Za-z0-9_:-"
# Every run of 1..128 safe characters except "." and "..": a first character that is not
# a dot, or a dot then a non-dot, or two dots then anything (no lookahead: JSON Schema
# validators and pydantic's regex engine have none).
STATION_ID_PATTERN = (
    rf"^([{_ID_CHAR}][.{_ID_CHAR}]{{0,{STATION_ID_MAX - 1}}}"
    rf"|\.[{_ID_CHAR}][.{_ID_CHAR}]{{0,{STATION_ID_MAX - 2}}}"
    rf"|\.\.[.{_ID_CHAR}]{{1,{STATION_ID_MAX - 2}}})$"
)
"""Accepted station ids: ASCII letters, digits, ``-``, ``_``, ``.``, ``:``; not ``.``, ``..``."""
STATION_ID_RULE = (
    f"use ASCII letters, digits, '-', '_', '.' and ':' only, at most {STATION_ID_MAX} "
    "characters, not '.' or '..'"
)

TEXT_MAX_LENGTH: Mapping[str, int] = MappingProxyType(
    {
        "name": 200,
        "address": 500,
        "district": 200,
        "operator": 200,
        "phone": 50,
        "opening_hours": 500,
        "source": 200,
        "last_verified": 40,
    }
)
"""Longest value, in characters, of each text field of a station."""

# C0 and C1 controls and DEL, except tab, line feed and carriage return.
_CONTROL = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
TEXT_PATTERN = rf"^[^{_CONTROL}]*$"
"""Text without control characters (the HTTP schema's ``pattern`` of text fields)."""
NAME_PATTERN = rf"^[^{_CONTROL}]*[^\s{_CONTROL}][^{_CONTROL}]*$"
"""Text without control characters and not blank (a station's name)."""
HOURS_FORMAT = "osm-opening-hours"
"""The HTTP schema's ``format`` of opening hours: OSM ``opening_hours`` syntax."""
_CONTROL_RE = re.compile(f"[{_CONTROL}]")

MAX_SQL_INT = 2**63 - 1
"""Largest page offset or limit: SQL integers (SQLite, PostgreSQL bigint) are signed 64-bit."""
MAX_FILE_NAME_BYTES = 255
"""Longest uploaded file name, in UTF-8 bytes (what file systems store)."""
DEFAULT_MAX_EXPANDED_BYTES = 200_000_000
"""Default bound on what a compressed upload (XLSX) may declare it unpacks to."""
STATION_FILE_SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm", ".geojson", ".json", ".gpkg")
"""The station file types read (by suffix, in any case)."""


def control_character(text: str) -> str | None:
    """Describe the first control character in ``text`` and where it is, or None.

    Examples
    --------
    >>> control_character("ab\\x00c")
    'control character U+0000 (NULL) at position 3'
    >>> control_character("line one\\nline two") is None
    True
    """
    m = _CONTROL_RE.search(text)
    if m is None:
        return None
    ch = m.group()
    label = unicodedata.name(ch, "") or {"\x00": "NULL", "\x7f": "DELETE"}.get(ch, "control")
    return f"control character U+{ord(ch):04X} ({label}) at position {m.start() + 1}"


def station_id_problem(station_id: str) -> str | None:
    """Why ``station_id`` is not an accepted station id, or None.

    Examples
    --------
    >>> station_id_problem("hel-001:a.b_c") is None
    True
    >>> station_id_problem("../etc")
    "id '../etc' is not accepted: use ASCII letters, digits, '-', '_', '.' and ':' only, at most 128 characters, not '.' or '..'"
    """  # noqa: E501
    if re.fullmatch(STATION_ID_PATTERN, station_id) is not None:
        return None
    shown = station_id if len(station_id) <= 60 else station_id[:60] + "…"
    return f"id {shown!r} is not accepted: {STATION_ID_RULE}"


def text_problem(field: str, value: str) -> str | None:
    """Why ``value`` cannot be the text of station field ``field``, or None.

    Examples
    --------
    >>> text_problem("phone", "x" * 51)
    '51 characters, more than the 50 allowed'
    """
    limit = TEXT_MAX_LENGTH.get(field)
    if limit is not None and len(value) > limit:
        return f"{len(value)} characters, more than the {limit} allowed"
    return control_character(value)


def check_upload_name(file_name: str | None) -> str:
    """Return an uploaded file's name if it can name a station file, else raise saying why.

    The name is only shown in messages (the file is stored under a name of the
    service's own), so it must be short, printable, and end in a known suffix.

    Examples
    --------
    >>> check_upload_name("驿站.xlsx")
    '驿站.xlsx'
    >>> check_upload_name("a" * 300 + ".csv")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    geo.errors.InvalidInputError: file 'aaaa…': the name is 304 bytes long, more than 255
    """
    name = (file_name or "").strip()
    shown = name if len(name) <= 60 else name[:4] + "…"
    size = len(name.encode("utf-8", "surrogatepass"))
    if size > MAX_FILE_NAME_BYTES:
        raise InvalidInputError(
            f"file {shown!r}: the name is {size} bytes long, more than {MAX_FILE_NAME_BYTES}"
        )
    why = control_character(name)
    if why:
        raise InvalidInputError(f"file {shown!r}: the name holds a {why}")
    suffix = name[name.rfind(".") :].lower() if "." in name else ""
    if suffix not in STATION_FILE_SUFFIXES:
        raise InvalidInputError(
            f"file {shown!r}: unsupported file type {suffix!r}; name it .csv, .xlsx, "
            ".geojson or .gpkg"
        )
    return name
