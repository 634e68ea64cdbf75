"""The planner report as one HTML page: the map picture and every table of the workbook.

The page has no script and no outside asset (the picture is inline), so it can
be mailed, opened from disk or printed (each part starts a page).
"""

from __future__ import annotations

import base64
from typing import Any

import jinja2

from geo.names import Lang
from geo.report import PlannerReport, localized_frame, text
from geo.report.labels import COORD_COLUMNS, SHARE_COLUMNS
from geo.report.tables import plain_value

__all__ = ["format_cell", "report_html"]

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("maps", "templates"), autoescape=True, keep_trailing_newline=True
)


def format_cell(key: str, value: Any) -> tuple[str, bool]:
    """How a cell is shown, and whether it is a number: shares as percentages, degrees to six
    decimals, other floats to three, missing values as an empty cell (the note says why).

    Examples
    --------
    >>> format_cell("once", 0.1234), format_cell("demand", 2.0), format_cell("note", None)
    (('12.3 %', True), ('2', True), ('', False))
    >>> format_cell("lon", 114.0322088)
    ('114.032209', True)
    """
    if value is None:
        return "", False
    if isinstance(value, bool):
        return ("✓" if value else ""), False
    if isinstance(value, int | float) and not isinstance(value, bool):
        if key in SHARE_COLUMNS:
            return f"{100 * float(value):.1f} %", True
        if key in COORD_COLUMNS:
            return f"{float(value):.6f}", True
        return f"{float(value):,.3f}".rstrip("0").rstrip("."), True
    return str(value), False


def report_html(report: PlannerReport, *, lang: Lang, picture: bytes | None = None) -> str:
    """The report page.

    Parameters
    ----------
    report
        The figures (:func:`geo.report.planner_report`).
    lang
        ``zh`` or ``en``.
    picture
        PNG of the coverage map, shown first.

    Returns
    -------
    str
        A complete HTML page.
    """
    sheets = []
    for sheet in report.sheets:
        tables = []
        for table in sheet.tables:
            keys = [str(c) for c in table.frame.columns]
            shown = localized_frame(table.frame, lang)
            rows = [
                [format_cell(k, plain_value(v)) for k, v in zip(keys, values, strict=True)]
                for values in shown.itertuples(index=False)
            ]
            tables.append(
                {
                    "key": table.key,
                    "title": text(table.key, lang),
                    "header": [str(c) for c in shown.columns],
                    "rows": rows,
                    "note": text(table.note, lang) if table.note else "",
                }
            )
        sheets.append({"key": sheet.key, "title": text(sheet.key, lang), "tables": tables})
    return _ENV.get_template("planner_report.html.j2").render(
        lang=lang,
        title=text("report_title", lang),
        region=report.region_name,
        as_of_label=text("as_of", lang),
        as_of=report.as_of,
        times=[(text(k, lang), v) for k, v in report.times.items()],
        sheets=sheets,
        map_title=text("map", lang),
        map_caption=text("map_caption", lang),
        picture=base64.b64encode(picture).decode("ascii") if picture else "",
    )
