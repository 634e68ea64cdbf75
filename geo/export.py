"""Station tables for spreadsheets: CSV and XLSX that open right in Excel.

* CSV is UTF-8 with a byte-order mark, so Excel on Chinese Windows shows 长沙
  and not mojibake (without it Excel guesses the ANSI code page, GBK there).
* Text cells that begin with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
  return would run as formulas (OWASP, "CSV injection"). In CSV such a cell is
  written with a leading ``'`` (:func:`escape_cell`), which :func:`unescape_cell`
  removes on import, so a station keeps the text that was written; in XLSX it is
  a string cell with Excel's "quote prefix" style, shown as written and never
  evaluated. Coordinates are numbers, never escaped: ``-73.9`` stays a number.
* ``lang="zh"`` gives Chinese headers and kind, amenity and status labels
  (the ones import reads back); the coordinate system is a column on every row
  (``crs`` / ``坐标系``, which import reads), and XLSX adds a note sheet.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any, Literal

import numpy as np

from geo.crs import convert, parse_coord_system
from geo.errors import InvalidInputError
from geo.names import Lang, amenity_label, kind_label
from geo.types import STATION_FIELDS, CoordSystem, Station, Status

__all__ = [
    "CRS_LABELS",
    "FORMULA_TRIGGERS",
    "ZH_HEADERS",
    "escape_cell",
    "station_table",
    "stations_csv",
    "stations_xlsx",
    "unescape_cell",
    "write_stations_table",
    "write_whole",
]

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a cell as a formula (OWASP)."""

ZH_HEADERS: dict[str, str] = {
    "id": "编号",
    "name": "名称",
    "kind": "类型",
    "lon": "经度",
    "lat": "纬度",
    "crs": "坐标系",
    "address": "地址",
    "district": "区县",
    "operator": "运营单位",
    "phone": "电话",
    "amenities": "设施",
    "opening_hours": "开放时间",
    "opening_hours_text": "开放时间原文",
    "status": "状态",
    "source": "来源",
    "updated_at": "更新时间",
    "last_verified": "最近核实",
    "capacity": "容量",
}
"""Chinese header of each exported column (each one import reads back)."""

_STATUS_ZH = {Status.OPEN: "开放", Status.PLANNED: "筹建", Status.CLOSED: "关闭"}

CRS_LABELS: dict[CoordSystem, tuple[str, str]] = {
    "wgs84": ("WGS-84 (GPS)", "WGS-84（GPS 原始坐标）"),
    "gcj02": ("GCJ-02 (Amap, Tencent)", "GCJ-02（高德、腾讯地图坐标）"),
    "bd09": ("BD-09 (Baidu)", "BD-09（百度地图坐标）"),
}

_LEAD = ("id", "name", "kind", "lon", "lat", "crs")
_COLUMNS = (*_LEAD, *(f for f in STATION_FIELDS if f not in _LEAD))
_NUMERIC = frozenset({"lon", "lat", "capacity"})
"""Columns written as numbers (empty where unknown), never escaped."""


def escape_cell(text: str) -> str:
    """``text`` as a CSV cell no spreadsheet runs as a formula.

    A leading ``'`` is added before a formula trigger, and before a ``'``
    that :func:`unescape_cell` would otherwise remove, so every text
    round-trips.

    Examples
    --------
    >>> escape_cell("=HYPERLINK(1)"), escape_cell("+86 731 1234"), escape_cell("长沙")
    ("'=HYPERLINK(1)", "'+86 731 1234", '长沙')
    >>> unescape_cell(escape_cell("'=x")) == "'=x"
    True
    """
    if text[:1] in FORMULA_TRIGGERS or (text[:1] == "'" and text[1:2] in (*FORMULA_TRIGGERS, "'")):
        return "'" + text
    return text


def unescape_cell(text: str) -> str:
    """Undo :func:`escape_cell`: the text the user wrote."""
    if text[:1] == "'" and text[1:2] in (*FORMULA_TRIGGERS, "'"):
        return text[1:]
    return text


def station_table(
    stations: Sequence[Station], *, crs: CoordSystem | str = "wgs84", lang: Lang = "en"
) -> tuple[list[str], list[list[Any]]]:
    """Header and rows of a station table, coordinates in ``crs`` (numbers, 7 decimals).

    With ``lang="zh"`` headers and the kind, amenity and status values are
    Chinese labels; with ``"en"`` they are the codes import and the API use.
    """
    system = parse_coord_system(str(crs))
    x, y = convert(
        np.array([s.lon for s in stations], dtype=float),
        np.array([s.lat for s in stations], dtype=float),
        src="wgs84",
        dst=system,
    )
    header = [ZH_HEADERS[c] if lang == "zh" else c for c in _COLUMNS]
    rows: list[list[Any]] = []
    for st, lon, lat in zip(stations, x, y, strict=True):
        rec: dict[str, Any] = st.to_record()
        rec.update(lon=round(float(lon), 7), lat=round(float(lat), 7), crs=system)
        if rec.get("capacity") is None:
            rec["capacity"] = ""  # unknown: an empty cell, read back as unknown
        if lang == "zh":
            rec["kind"] = kind_label(st.kind, "zh")
            rec["amenities"] = "、".join(amenity_label(a, "zh") for a in st.amenities)
            rec["status"] = _STATUS_ZH[Status(st.status)]
        rows.append([rec[c] for c in _COLUMNS])
    return header, rows


def stations_csv(
    stations: Sequence[Station],
    out: IO[str],
    *,
    crs: CoordSystem | str = "wgs84",
    lang: Lang = "en",
) -> None:
    """Write a CSV table, UTF-8 with a byte-order mark, to a stream opened with ``newline=""``."""
    header, rows = station_table(stations, crs=crs, lang=lang)
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(
            [
                v if c in _NUMERIC else escape_cell(str(v))
                for c, v in zip(_COLUMNS, row, strict=True)
            ]
        )


def stations_xlsx(
    stations: Sequence[Station], *, crs: CoordSystem | str = "wgs84", lang: Lang = "en"
) -> bytes:
    """An XLSX workbook: the station sheet and a note sheet naming the coordinate system."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    system = parse_coord_system(str(crs))
    header, rows = station_table(stations, crs=system, lang=lang)
    wb = Workbook()
    ws = wb.create_sheet("站点" if lang == "zh" else "stations", 0)
    wb.remove(wb.worksheets[1])  # the empty default sheet
    ws.append(header)
    for r, row in enumerate(rows, start=2):
        for c, (col, value) in enumerate(zip(_COLUMNS, row, strict=True), start=1):
            if isinstance(value, str):
                # XLSX cannot hold most C0 control characters: show each as U+FFFD.
                value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
            cell = ws.cell(row=r, column=c, value=value)
            if col not in _NUMERIC:
                # A string cell, never a formula, even when it starts with "=".
                cell.data_type = "s"
                if str(value)[:1] in FORMULA_TRIGGERS:
                    cell.quotePrefix = True
    ws.freeze_panes = "A2"
    en, zh = CRS_LABELS[system]
    note = wb.create_sheet("说明" if lang == "zh" else "about")
    if lang == "zh":
        note.append(["坐标系", zh])
        note.append(["说明", f"经度、纬度为 {zh}；导入时请选择相同的坐标系（--crs {system}）"])
    else:
        note.append(["coordinate system", en])
        note.append(["note", f"lon/lat are {en}; import with --crs {system}"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def write_stations_table(
    stations: Sequence[Station],
    path: str | Path,
    *,
    fmt: Literal["csv", "xlsx"],
    crs: CoordSystem | str = "wgs84",
    lang: Lang = "en",
) -> None:
    """Write a CSV or XLSX file whole: beside the target first, then renamed over it."""
    if fmt not in ("csv", "xlsx"):
        raise InvalidInputError(f"format={fmt!r} is not a table format; use csv or xlsx")

    def write(tmp: Path) -> None:
        if fmt == "xlsx":
            tmp.write_bytes(stations_xlsx(stations, crs=crs, lang=lang))
        else:
            with open(tmp, "w", encoding="utf-8", newline="") as fh:
                stations_csv(stations, fh, crs=crs, lang=lang)

    write_whole(path, write)


def write_whole(path: str | Path, write: Callable[[Path], None]) -> None:
    """Run ``write`` on a file beside ``path``, then rename it over: never half a file."""
    target = Path(path)
    tmp = target.with_name(f".{target.name}.partial")
    try:
        write(tmp)
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)
