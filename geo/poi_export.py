"""Getting stations onto the map apps ("上图"): bulk POI tables for Amap, Tencent and Baidu,
and what changed since the last one sent.

Each platform's bulk POI submission takes a sheet of name, address, category,
phone, hours and coordinates in the platform's own system: GCJ-02 for Amap
(高德) and Tencent (腾讯), BD-09 for Baidu (百度). :func:`poi_table` builds that
sheet from the open stations (closed, planned and temporarily closed ones are
left out: they are not to be found on a map); the station id goes along as
``编号`` so the next export can be compared with this one. :func:`poi_diff`
compares two sheets of one platform: rows added, rows changed and rows gone
(closed), so a union office sends only what changed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Literal

import numpy as np
import pandas as pd

from geo.crs import convert
from geo.errors import InvalidInputError, NotFoundError
from geo.types import KIND_LABELS, Kind, Station, Status

__all__ = [
    "POI_COLUMNS",
    "POI_PLATFORMS",
    "Platform",
    "PoiDiff",
    "poi_diff",
    "poi_table",
    "read_poi_table",
    "write_poi_table",
]

Platform = Literal["amap", "tencent", "baidu"]
POI_PLATFORMS: dict[str, Literal["gcj02", "bd09"]] = {
    "amap": "gcj02",
    "tencent": "gcj02",
    "baidu": "bd09",
}
"""Platform → the coordinate system its POI sheets use."""
POI_COLUMNS = ("编号", "名称", "地址", "分类", "电话", "营业时间", "经度", "纬度")
"""Columns of a POI sheet: id, name, address, category, phone, hours, longitude, latitude."""
CATEGORY = "生活服务;便民服务;"
"""Category path before the kind's Chinese name (life services; public conveniences)."""
_DIGITS = 6  # 1e-6° ≈ 0.1 m: finer than any platform keeps
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _platform(name: str) -> Platform:
    if name not in POI_PLATFORMS:
        raise InvalidInputError(
            f"format={name!r} is not a map platform; use one of {', '.join(POI_PLATFORMS)}"
        )
    return name  # type: ignore[return-value]


def _hours(expr: str) -> str:
    return "24小时" if expr.strip() == "24/7" else expr


def poi_table(stations: Iterable[Station], platform: str) -> pd.DataFrame:
    """The POI sheet of the open stations for one platform, by id.

    Parameters
    ----------
    stations
        Stations (any status; only ``open`` ones are listed).
    platform
        ``amap``, ``tencent`` or ``baidu``.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`POI_COLUMNS`; coordinates in the platform's system, 6 decimals.

    Examples
    --------
    >>> st = Station("a", "福田驿站", Kind.WORKER_STATION, 114.05, 22.54, opening_hours="24/7")
    >>> row = poi_table([st], "baidu").iloc[0]
    >>> row["分类"], row["营业时间"], float(round(row["经度"] - 114.05, 3))
    ('生活服务;便民服务;工会驿站', '24小时', 0.012)
    """
    system = POI_PLATFORMS[_platform(platform)]
    rows = sorted((s for s in stations if s.status is Status.OPEN), key=lambda s: s.id)
    lon = np.array([s.lon for s in rows], dtype=np.float64)
    lat = np.array([s.lat for s in rows], dtype=np.float64)
    x, y = convert(lon, lat, src="wgs84", dst=system) if rows else (lon, lat)
    return pd.DataFrame(
        {
            "编号": [s.id for s in rows],
            "名称": [s.name for s in rows],
            "地址": [s.address for s in rows],
            "分类": [CATEGORY + KIND_LABELS[Kind(s.kind)][1] for s in rows],
            "电话": [s.phone for s in rows],
            "营业时间": [_hours(s.opening_hours) for s in rows],
            "经度": np.round(x, _DIGITS),
            "纬度": np.round(y, _DIGITS),
        },
        columns=list(POI_COLUMNS),
    )


def _safe(value: object) -> object:
    """A text cell a spreadsheet will not run as a formula (a leading ``'``)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _unsafe(value: str) -> str:
    """Undo :func:`_safe` on a cell read back."""
    return value[1:] if value.startswith("'") and value[1:].startswith(_FORMULA_START) else value


def write_poi_table(table: pd.DataFrame, out: str | Path | IO[str]) -> None:
    """Write a POI sheet as UTF-8 CSV with a byte-order mark (Excel opens it in Chinese)."""
    safe = table.copy()
    for col in safe.columns[:6]:
        safe[col] = safe[col].map(_safe)
    if isinstance(out, str | Path):
        safe.to_csv(out, index=False, encoding="utf-8-sig", float_format=f"%.{_DIGITS}f")
    else:
        safe.to_csv(out, index=False, float_format=f"%.{_DIGITS}f")


def read_poi_table(path: str | Path) -> pd.DataFrame:
    """Read a POI sheet written by :func:`write_poi_table` (the last export sent).

    Raises
    ------
    InvalidInputError
        When a column is missing; the message names the file and the column.
    NotFoundError
        When there is no such file.
    """
    if not Path(path).is_file():
        raise NotFoundError(f"{path}: no such file")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        reason = "empty" if isinstance(exc, pd.errors.EmptyDataError) else "not UTF-8 CSV"
        raise InvalidInputError(f"{path}: not a POI sheet ({reason})") from None
    missing = [c for c in POI_COLUMNS if c not in frame.columns]
    if missing:
        raise InvalidInputError(f"{path}: not a POI sheet, column(s) missing: {', '.join(missing)}")
    for col in POI_COLUMNS[:6]:
        frame[col] = frame[col].map(_unsafe)
    try:
        frame["经度"] = frame["经度"].astype(float)
        frame["纬度"] = frame["纬度"].astype(float)
    except ValueError:
        raise InvalidInputError(
            f"{path}: column 经度/纬度 holds a value that is not a number"
        ) from None
    return frame[list(POI_COLUMNS)]


@dataclass(frozen=True, slots=True)
class PoiDiff:
    """What changed between two POI sheets of one platform.

    Attributes
    ----------
    added
        Rows of the new sheet whose id was not in the old one.
    changed
        Rows of the new sheet whose fields differ from the old one's.
    closed
        Rows of the old sheet whose id is gone (the station closed or left the map).
    """

    added: pd.DataFrame
    changed: pd.DataFrame
    closed: pd.DataFrame

    def table(self) -> pd.DataFrame:
        """One sheet of every change, with ``操作`` = 新增 (add), 修改 (change) or 关闭 (close)."""
        parts = [
            frame.assign(操作=action)
            for frame, action in (
                (self.added, "新增"),
                (self.changed, "修改"),
                (self.closed, "关闭"),
            )
        ]
        out = pd.concat(parts, ignore_index=True)
        return out[["操作", *POI_COLUMNS]]


def poi_diff(old: pd.DataFrame, new: pd.DataFrame) -> PoiDiff:
    """Rows added, changed and closed from ``old`` to ``new`` (sheets of one platform).

    Coordinates count as changed when they differ by more than 1e-6°.
    """
    old_i = old.set_index("编号")
    new_i = new.set_index("编号")
    added = new[~new["编号"].isin(old_i.index)]
    closed = old[~old["编号"].isin(new_i.index)]
    both = new_i.index.intersection(old_i.index)
    a, b = old_i.loc[both], new_i.loc[both]
    text_cols = list(POI_COLUMNS[1:6])
    differs = (a[text_cols].astype(str) != b[text_cols].astype(str)).any(axis=1)
    for col in ("经度", "纬度"):
        differs |= (a[col].astype(float) - b[col].astype(float)).abs() > 10 ** (-_DIGITS) * 1.5
    changed_ids = set(both[differs.to_numpy()])
    changed = new[new["编号"].isin(changed_ids)]
    return PoiDiff(
        added.reset_index(drop=True), changed.reset_index(drop=True), closed.reset_index(drop=True)
    )
