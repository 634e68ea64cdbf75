"""The planner report's shape: titled tables grouped into sheets (no computing, no writing).

A :class:`PlannerReport` is what :func:`geo.report.planner_report` computes and
what the workbook and page writers lay out: sheets, each a list of
:class:`ReportTable` (a key, a plain :class:`pandas.DataFrame` whose columns
and text cells are keys that :mod:`geo.report.labels` translates, and a note).
Missing values are ``None``, never NaN; the table's ``note`` column, or its
note, says why.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

import pandas as pd

from geo.names import Lang

__all__ = ["PlannerReport", "ReportSheet", "ReportTable", "no_nan", "plain_value"]


class _HasKey(Protocol):
    @property
    def key(self) -> str: ...


_Keyed = TypeVar("_Keyed", bound=_HasKey)


@dataclass(frozen=True)
class ReportTable:
    """One titled table.

    Attributes
    ----------
    key
        What the table holds (its title is ``labels.text(key, lang)``).
    frame
        The rows; column names are label keys; shares are 0..1, times minutes or days.
    note
        A label key (or plain text) said under the table, e.g. why it is empty.
    """

    key: str
    frame: pd.DataFrame = field(repr=False)
    note: str = ""


@dataclass(frozen=True)
class ReportSheet:
    """One sheet of the workbook (one section of the page)."""

    key: str
    tables: tuple[ReportTable, ...]

    def table(self, key: str) -> ReportTable:
        """The table called ``key`` (KeyError naming the keys there are)."""
        return _named(self.tables, key, f"the sheet {self.key!r}")


@dataclass(frozen=True)
class PlannerReport:
    """Everything a planner sends upward about one region, as tables.

    Attributes
    ----------
    region_id, region_name
        The region reported on.
    lang
        The language its labels default to (``zh`` for Chinese regions).
    as_of
        ISO 8601 time the report describes (response times are counted to it).
    times
        ``day`` and ``night`` → the local ISO times at which stations were counted.
    sheets
        KPI, gaps, station impact, suggested sites, fairness, response times.
    """

    region_id: str
    region_name: str
    lang: Lang
    as_of: str
    times: dict[str, str]
    sheets: tuple[ReportSheet, ...]

    def sheet(self, key: str) -> ReportSheet:
        """The sheet called ``key`` (KeyError naming the keys there are)."""
        return _named(self.sheets, key, "the report")


def _named(items: tuple[_Keyed, ...], key: str, where: str) -> _Keyed:
    for item in items:
        if item.key == key:
            return item
    raise KeyError(f"{key!r}: {where} has {[i.key for i in items]}")


def plain_value(value: Any) -> Any:
    """A cell's value as plain Python: numpy scalars unwrapped, NaN/inf as None.

    Examples
    --------
    >>> import numpy as np
    >>> plain_value(np.int64(3)), plain_value(float("nan")), plain_value("a")
    (3, None, 'a')
    """
    if hasattr(value, "item"):
        value = value.item()
    return None if _missing(value) else value


def no_nan(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with every NaN/inf replaced by ``None`` (object columns where needed).

    Examples
    --------
    >>> no_nan(pd.DataFrame({"a": [1.0, float("nan")]}))["a"].tolist()
    [1.0, None]
    """
    out = frame.copy()
    for col in out.columns:
        values = out[col].tolist()
        if any(_missing(v) for v in values):
            out[col] = pd.Series(
                [None if _missing(v) else v for v in values], index=out.index, dtype=object
            )
    return out


def _missing(value: Any) -> bool:
    return isinstance(value, float) and not math.isfinite(value)
