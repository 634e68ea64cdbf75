"""The planner report: a region's figures as plain tables, and the workbook writer.

- :mod:`geo.report.figures`: :func:`planner_report` computes KPIs, gaps,
  station impact, suggested sites, fairness and response times;
- :mod:`geo.report.tables`: the report's shape (sheets of titled tables);
- :mod:`geo.report.labels`: their words in Chinese and English;
- :mod:`geo.report.xlsx`: the XLSX workbook (the HTML page is :mod:`maps.planner_report`).
"""

from __future__ import annotations

from geo.report.figures import counted_stations, planner_report
from geo.report.labels import localized_frame, text
from geo.report.tables import PlannerReport, ReportSheet, ReportTable
from geo.report.xlsx import report_xlsx

__all__ = [
    "PlannerReport",
    "ReportSheet",
    "ReportTable",
    "counted_stations",
    "localized_frame",
    "planner_report",
    "report_xlsx",
    "text",
]
