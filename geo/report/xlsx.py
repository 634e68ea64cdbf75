"""The planner report as an XLSX workbook: a map sheet with the picture, then one sheet per
part (KPI, gaps, station impact, suggested sites, fairness, response times).

Each table has a bold title, a header row and its rows; shares are percentages;
missing values are empty cells with the reason in the table's note column or
the line under it. Text cells are always text, never formulas.
"""

from __future__ import annotations

import io
from typing import Any

from geo.export import FORMULA_TRIGGERS
from geo.names import Lang
from geo.report.labels import COORD_COLUMNS, SHARE_COLUMNS, localized_frame, text
from geo.report.tables import PlannerReport, ReportTable, plain_value

__all__ = ["report_xlsx"]

_SHEET_NAME_MAX = 31  # Excel's limit


def _put(ws: Any, row: int, col: int, value: Any) -> Any:
    """Write one cell; strings stay strings (a leading ``=`` is not a formula)."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    cell = ws.cell(row=row, column=col, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
        if value[:1] in FORMULA_TRIGGERS:
            cell.quotePrefix = True
    return cell


def _table(ws: Any, row: int, table: ReportTable, lang: Lang) -> int:
    """Write ``table`` from ``row``; returns the first free row after it and a blank line."""
    from openpyxl.styles import Font

    _put(ws, row, 1, text(table.key, lang)).font = Font(bold=True, size=12)
    row += 1
    keys = [str(c) for c in table.frame.columns]
    shown = localized_frame(table.frame, lang)
    for c, name in enumerate(shown.columns, start=1):
        _put(ws, row, c, str(name)).font = Font(bold=True)
    for values in shown.itertuples(index=False):
        row += 1
        for c, (key, value) in enumerate(zip(keys, values, strict=True), start=1):
            cell = _put(ws, row, c, plain_value(value))
            if key in SHARE_COLUMNS and isinstance(cell.value, float):
                cell.number_format = "0.0%"
            elif key in COORD_COLUMNS and isinstance(cell.value, float):
                cell.number_format = "0.000000"
            elif isinstance(cell.value, float):
                cell.number_format = "0.###"
    if table.note:
        row += 1
        _put(ws, row, 1, text(table.note, lang)).font = Font(italic=True)
    return row + 2


def report_xlsx(report: PlannerReport, *, lang: Lang, picture: bytes | None = None) -> bytes:
    """The workbook's bytes.

    Parameters
    ----------
    report
        The figures (:func:`geo.report.planner_report`).
    lang
        ``zh`` or ``en``: sheet names, titles, headers, text values.
    picture
        PNG of the coverage map, put on the first sheet.

    Returns
    -------
    bytes
        An ``.xlsx`` file.
    """
    from openpyxl import Workbook
    from openpyxl.drawing.image import Image
    from openpyxl.styles import Font

    wb = Workbook()
    first = wb.create_sheet(text("map", lang)[:_SHEET_NAME_MAX], 0)
    wb.remove(wb.worksheets[1])  # the empty default sheet
    _put(first, 1, 1, f"{text('report_title', lang)}: {report.region_name}").font = Font(
        bold=True, size=14
    )
    _put(first, 2, 1, f"{text('as_of', lang)} {report.as_of}")
    for i, (key, when) in enumerate(report.times.items(), start=3):
        _put(first, i, 1, f"{text(key, lang)}: {when}")
    _put(first, 6, 1, text("map_caption", lang))
    if picture is not None:
        img = Image(io.BytesIO(picture))
        first.add_image(img, "A8")
    for sheet in report.sheets:
        ws = wb.create_sheet(text(sheet.key, lang)[:_SHEET_NAME_MAX])
        row = 1
        for table in sheet.tables:
            row = _table(ws, row, table, lang)
        for col in ws.columns:
            width = max(len(str(c.value or "")) for c in col)
            ws.column_dimensions[col[0].column_letter].width = min(max(10, width + 2), 48)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
