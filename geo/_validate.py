"""Argument and record checks shared by the public functions."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import numpy.typing as npt
from numpy.typing import ArrayLike

from geo.errors import InvalidInputError
from geo.hours import hours_error
from geo.limits import MAX_SQL_INT, TEXT_MAX_LENGTH, station_id_problem, text_problem
from geo.types import AMENITIES, Kind, Station, Status

__all__ = [
    "Problem",
    "capacity_problem",
    "check_lonlat",
    "check_page",
    "check_station",
    "parse_amenities",
    "parse_kinds",
    "status_problem",
]

_MAX_SQL_INT = MAX_SQL_INT


@dataclass(frozen=True, slots=True)
class Problem:
    """One reason a record is invalid: the 1-based data row, the column and why (and, where
    it exists, why in Chinese)."""

    row: int
    column: str
    reason: str
    reason_zh: str = ""

    def __str__(self) -> str:
        where = f"row {self.row}" if self.row else "record"
        return f"{where}, column {self.column!r}: {self.reason}"

    def said(self, lang: str) -> str:
        """Why, in ``lang`` (``zh`` when a Chinese reason exists, else English)."""
        return self.reason_zh if lang == "zh" and self.reason_zh else self.reason


def check_page(limit: int, offset: int) -> None:
    """Raise unless ``limit`` and ``offset`` are page bounds a database accepts."""
    if limit < 0 or offset < 0:
        raise InvalidInputError(f"limit={limit} and offset={offset} must not be negative")
    if max(limit, offset) > _MAX_SQL_INT:
        raise InvalidInputError(
            f"limit={limit} and offset={offset} must be at most {_MAX_SQL_INT} (2**63 - 1)"
        )


def check_lonlat(
    lon: ArrayLike, lat: ArrayLike, *, names: tuple[str, str] = ("lon", "lat")
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Return lon/lat as flat float arrays, raising if any is missing or out of range."""
    x = np.atleast_1d(np.asarray(lon, dtype=float)).reshape(-1)
    y = np.atleast_1d(np.asarray(lat, dtype=float)).reshape(-1)
    if x.shape != y.shape:
        raise InvalidInputError(
            f"{names[0]} and {names[1]} differ in length: {x.size} and {y.size}"
        )
    for arr, name, lim in ((x, names[0], 180.0), (y, names[1], 90.0)):
        bad = ~np.isfinite(arr) | (np.abs(arr) > lim)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InvalidInputError(
                f"{name}={float(arr[i])!r} is not a number in [-{lim:g}, {lim:g}] (position {i})"
            )
    return x, y


def parse_kinds(kinds: Iterable[str] | str | None, *, argument: str = "kind") -> frozenset[Kind]:
    """Validate station kinds; an unknown one raises naming the valid values."""
    if kinds is None:
        return frozenset()
    items = [kinds] if isinstance(kinds, str) else list(kinds)
    out = set()
    for k in items:
        try:
            out.add(Kind(str(k).strip()))
        except ValueError:
            raise InvalidInputError(
                f"{argument}={k!r} is not a station kind; use one of {', '.join(Kind)}"
            ) from None
    return frozenset(out)


def parse_amenities(
    amenities: Iterable[str] | str | None, *, argument: str = "amenity"
) -> tuple[str, ...]:
    """Validate amenity codes (a list or a ``;``/``,``-separated string); sorted, unique."""
    if amenities is None:
        return ()
    if isinstance(amenities, str):
        items = [a for a in amenities.replace(",", ";").replace("，", ";").split(";")]
    else:
        items = list(amenities)
    out = set()
    for a in items:
        code = str(a).strip().lower()
        if not code:
            continue
        if code not in AMENITIES:
            raise InvalidInputError(
                f"{argument}={a!r} is not in the amenity vocabulary; use any of "
                f"{', '.join(AMENITIES)}"
            )
        out.add(code)
    return tuple(sorted(out))


def status_problem(row: int, column: str, value: object) -> Problem:
    """A status outside :class:`Status`, said in English and Chinese."""
    return Problem(
        row,
        column,
        f"unknown status {value!r}; use one of {', '.join(Status)}",
        f"未知的状态“{value}”；可用：{'、'.join(Status)}",
    )


def capacity_problem(row: int, column: str, value: object) -> Problem:
    """A capacity that is not a number ≥ 0, said in English and Chinese."""
    return Problem(row, column, f"not a number ≥ 0: {value!r}", f"应为不小于 0 的数字：“{value}”")


def check_station(st: Station, *, row: int = 0, new_id: bool = True) -> list[Problem]:
    """Every problem with one station record (an empty list when it is valid).

    ``new_id=False`` leaves out the id rule (:data:`geo.limits.STATION_ID_PATTERN`)
    for a record already stored under its id, so stations kept from before the
    rule can still be changed.
    """
    problems: list[Problem] = []
    if not str(st.id).strip():
        problems.append(Problem(row, "id", "missing", "缺少编号"))
    elif new_id and (why := station_id_problem(str(st.id))):
        problems.append(Problem(row, "id", why))
    if not str(st.name).strip():
        problems.append(Problem(row, "name", "missing", "缺少名称"))
    for name in TEXT_MAX_LENGTH:
        why = text_problem(name, str(getattr(st, name)))
        if why:
            problems.append(Problem(row, name, why))
    try:
        Kind(st.kind)
    except ValueError:
        problems.append(
            Problem(
                row,
                "kind",
                f"unknown kind {st.kind!r}; use one of {', '.join(Kind)}",
                f"未知的类型“{st.kind}”；可用：{'、'.join(Kind)}",
            )
        )
    try:
        Status(st.status)
    except ValueError:
        problems.append(status_problem(row, "status", st.status))
    for name, value, lim in (("lon", st.lon, 180.0), ("lat", st.lat, 90.0)):
        if not isinstance(value, int | float) or not math.isfinite(value):
            problems.append(Problem(row, name, f"not a number: {value!r}", f"不是数字：{value!r}"))
        elif abs(value) > lim:
            swapped = name == "lat" and abs(st.lon) <= 90
            hint = " (are lon and lat swapped?)" if swapped else ""
            hint_zh = "（经纬度是否填反了？）" if swapped else ""
            problems.append(
                Problem(
                    row,
                    name,
                    f"{value} is outside [-{lim:g}, {lim:g}]{hint}",
                    f"{value} 超出范围 [-{lim:g}, {lim:g}]{hint_zh}",
                )
            )
    for a in st.amenities:
        if a not in AMENITIES:
            problems.append(Problem(row, "amenities", f"unknown amenity {a!r}", f"未知的设施“{a}”"))
    if st.last_verified:
        try:
            datetime.fromisoformat(str(st.last_verified))
        except ValueError:
            problems.append(
                Problem(
                    row,
                    "last_verified",
                    f"not an ISO 8601 time: {st.last_verified!r}",
                    f"不是 ISO 8601 时间：“{st.last_verified}”",
                )
            )
    cap = st.capacity
    if cap is not None and (
        isinstance(cap, bool) or not isinstance(cap, int | float) or not cap >= 0 or cap == math.inf
    ):
        problems.append(capacity_problem(row, "capacity", cap))
    err = hours_error(st.opening_hours)
    if err:
        problems.append(
            Problem(
                row,
                "opening_hours",
                f"cannot parse {st.opening_hours!r}: {err}",
                f"无法识别营业时间“{st.opening_hours}”：{err}",
            )
        )
    return problems
