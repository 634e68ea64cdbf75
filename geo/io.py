"""Reading and writing station files: CSV, XLSX, GeoJSON and GeoPackage.

Planners keep station lists in spreadsheets with English or Chinese headers,
often in Amap (GCJ-02) or Baidu (BD-09) coordinates. :func:`read_stations`
maps the headers, converts the declared coordinate system to WGS-84 and
validates every row before anything is written; :func:`import_stations`
writes all rows in one transaction, or none.

Row numbers in reports are those a spreadsheet shows: the header is row 1,
the first record row 2. For GeoJSON and GeoPackage they count features from 1.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal

import numpy as np
from tqdm.auto import tqdm

from geo._tables import read_table
from geo._validate import Problem, check_station
from geo.crs import convert, in_china, parse_coord_system
from geo.errors import ImportValidationError, InvalidInputError, NotFoundError
from geo.limits import DEFAULT_MAX_EXPANDED_BYTES
from geo.registry import StationRegistry
from geo.types import (
    AMENITIES,
    KIND_LABELS,
    STATION_FIELDS,
    CoordSystem,
    Kind,
    Station,
    StationHit,
    Status,
)

__all__ = [
    "HEADER_ALIASES",
    "ImportReport",
    "ReadResult",
    "export_stations",
    "import_stations",
    "read_stations",
    "stable_id",
    "to_feature_collection",
]

HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("id", "station_id", "编号", "站点编号", "序号id"),
    "name": ("name", "station", "名称", "站点名称", "驿站名称", "站名"),
    "kind": ("kind", "type", "category", "类型", "站点类型", "类别"),
    "lon": ("lon", "lng", "long", "longitude", "x", "经度"),
    "lat": ("lat", "latitude", "y", "纬度"),
    "address": ("address", "addr", "地址", "详细地址"),
    "district": ("district", "区县", "区", "所属区县", "区域", "行政区"),
    "operator": ("operator", "运营单位", "管理单位", "运营方", "主管单位"),
    "phone": ("phone", "tel", "telephone", "电话", "联系电话"),
    "amenities": ("amenities", "facilities", "设施", "服务设施", "配套设施"),
    "opening_hours": ("opening_hours", "hours", "开放时间", "营业时间"),
    "status": ("status", "状态"),
    "source": ("source", "来源", "数据来源"),
    "last_verified": ("last_verified", "verified", "最近核实", "核实时间"),
}
"""Accepted headers for each station field (compared case-insensitively)."""

_KIND_WORDS: dict[str, Kind] = {
    **{k.value: k for k in Kind},
    **{zh: k for k, (_, zh) in KIND_LABELS.items()},
    **{en.lower(): k for k, (en, _) in KIND_LABELS.items()},
    "工会户外劳动者服务站点": Kind.WORKER_STATION,
    "户外劳动者服务站点": Kind.WORKER_STATION,
    "爱心驿站": Kind.RIDER_STATION,
    "安康服务站": Kind.SAFETY_STATION,
}
_AMENITY_WORDS: dict[str, str] = {
    **{code: code for code in AMENITIES},
    **{zh: code for code, (_, zh) in AMENITIES.items()},
    **{en.lower(): code for code, (en, _) in AMENITIES.items()},
}
_STATUS_WORDS: dict[str, Status] = {
    **{s.value: s for s in Status},
    "开放": Status.OPEN,
    "运营": Status.OPEN,
    "在用": Status.OPEN,
    "筹建": Status.PLANNED,
    "规划": Status.PLANNED,
    "在建": Status.PLANNED,
    "关闭": Status.CLOSED,
    "停用": Status.CLOSED,
}
_HOURS_WORDS = {"24小时": "24/7", "全天": "24/7", "全天开放": "24/7", "24h": "24/7"}
_SPLIT = str.maketrans({"，": ";", ",": ";", "、": ";", "；": ";", "|": ";"})


@dataclass(frozen=True, slots=True)
class ReadResult:
    """Stations read from a file, and every problem found (with its row and column)."""

    path: str
    stations: list[Station]
    problems: list[Problem]
    rows: int


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import wrote: stations added, updated, and rows skipped as invalid."""

    path: str
    added: int
    updated: int
    skipped: list[Problem] = field(default_factory=list)


def _map_headers(columns: Sequence[str]) -> dict[str, str]:
    """Station field → the file's column holding it."""
    norm = {str(c).strip().lower().replace(" ", "_"): str(c) for c in columns}
    found: dict[str, str] = {}
    for fld, aliases in HEADER_ALIASES.items():
        for a in aliases:
            if a in norm:
                found[fld] = norm[a]
                break
    return found


def stable_id(name: str, lon: float, lat: float) -> str:
    digest = hashlib.sha1(f"{name}|{lon:.6f}|{lat:.6f}".encode()).hexdigest()[:12]
    return f"st-{digest}"


def _parse_float(text: str) -> float | None:
    try:
        v = float(text.strip())
    except ValueError:
        return None
    return v if math.isfinite(v) else None


def read_stations(
    path: str | Path,
    *,
    crs: CoordSystem | str = "wgs84",
    source: str | None = None,
    progress: bool = False,
    name: str | None = None,
    max_expanded_bytes: int = DEFAULT_MAX_EXPANDED_BYTES,
) -> ReadResult:
    """Read and validate a station file without writing anything.

    Parameters
    ----------
    path
        A ``.csv`` (UTF-8 or GB18030), ``.xlsx``, ``.geojson`` or ``.gpkg`` file.
    crs
        The coordinate system of the file's coordinates: ``wgs84``, ``gcj02``
        or ``bd09``; converted to WGS-84.
    source
        Value for the ``source`` field where the file has none (default: the file name).
    progress
        Show a progress bar on standard error while rows are validated.
    name
        What messages and the result call the file (default: ``path``); an
        upload passes the client's file name, so no temporary path shows.
    max_expanded_bytes
        Most bytes an XLSX archive may declare it unpacks to (checked before reading).

    Returns
    -------
    ReadResult
        The valid stations and one :class:`~geo._validate.Problem` per problem
        (row, column as named in the file, reason).
    """
    p = Path(path)
    if not p.is_file():
        raise NotFoundError(f"{p}: no such file")
    system = parse_coord_system(str(crs))
    shown = str(p) if name is None else name
    df, first_row, label = read_table(p, name=shown, max_expanded_bytes=max_expanded_bytes)
    cols = _map_headers(list(df.columns))
    problems: list[Problem] = []
    for required in ("name", "lon", "lat"):
        if required not in cols:
            problems.append(
                Problem(
                    1,
                    required,
                    f"no column for {required!r}; accepted headers: "
                    + ", ".join(HEADER_ALIASES[required]),
                )
            )
    if problems:
        return ReadResult(shown, [], problems, len(df))

    def cell(rec: dict[str, str], fld: str) -> str:
        return str(rec.get(cols[fld], "")).strip() if fld in cols else ""

    records = df.to_dict("records")
    lon = np.full(len(records), np.nan)
    lat = np.full(len(records), np.nan)
    row_problems: list[list[Problem]] = [[] for _ in records]
    for i, rec in enumerate(records):
        row = i + first_row
        for fld, arr in (("lon", lon), ("lat", lat)):
            text = cell(rec, fld)
            v = _parse_float(text)
            if v is None:
                why = "missing" if not text else f"not a number: {text!r}"
                row_problems[i].append(Problem(row, cols[fld], why))
            else:
                arr[i] = v
    # Swapped columns are common in hand-made sheets: say so rather than "out of range".
    swapped = (np.abs(lat) > 90) & (np.abs(lon) <= 90)
    if system != "wgs84":
        swapped |= ~in_china(lon, lat) & in_china(lat, lon)
    for i in np.flatnonzero(swapped):
        row_problems[i].append(
            Problem(int(i) + first_row, cols["lat"], f"lon={lon[i]}, lat={lat[i]} look swapped")
        )
        lon[i] = lat[i] = np.nan
    ok = np.isfinite(lon) & np.isfinite(lat) & (np.abs(lon) <= 180) & (np.abs(lat) <= 90)
    for i in np.flatnonzero(np.isfinite(lon) & np.isfinite(lat) & ~ok):
        row_problems[i].append(
            Problem(
                int(i) + first_row,
                cols["lon"] + "/" + cols["lat"],
                f"({lon[i]}, {lat[i]}) is outside lon ±180, lat ±90",
            )
        )
    wlon, wlat = lon.copy(), lat.copy()
    if system != "wgs84" and ok.any():
        wlon[ok], wlat[ok] = convert(lon[ok], lat[ok], src=system, dst="wgs84")

    stations: list[Station | None] = []
    seen_ids: dict[str, int] = {}
    rows_iter = tqdm(
        records, desc=f"validating {p.name}", unit="row", disable=not progress, leave=False
    )
    for i, rec in enumerate(rows_iter):
        row = i + first_row
        probs = row_problems[i]
        name = cell(rec, "name")
        kind_text = cell(rec, "kind") or Kind.WORKER_STATION.value
        kind: Any = _KIND_WORDS.get(kind_text.lower(), _KIND_WORDS.get(kind_text))
        if kind is None:
            probs.append(
                Problem(
                    row,
                    cols.get("kind", "kind"),
                    f"unknown kind {kind_text!r}; use one of {', '.join(Kind)} "
                    "or their Chinese names",
                )
            )
        amenities: list[str] = []
        for word in cell(rec, "amenities").translate(_SPLIT).split(";"):
            w = word.strip()
            if not w:
                continue
            code = _AMENITY_WORDS.get(w.lower(), _AMENITY_WORDS.get(w))
            if code is None:
                probs.append(Problem(row, cols["amenities"], f"unknown amenity {w!r}"))
            else:
                amenities.append(code)
        status_text = cell(rec, "status") or "open"
        status: Any = _STATUS_WORDS.get(status_text.lower(), _STATUS_WORDS.get(status_text))
        if status is None:
            probs.append(
                Problem(
                    row,
                    cols["status"],
                    f"unknown status {status_text!r}; use one of {', '.join(Status)}",
                )
            )
        hours = cell(rec, "opening_hours")
        hours = _HOURS_WORDS.get(hours, hours)
        if not name:
            probs.append(Problem(row, cols["name"], "missing"))
        sid = cell(rec, "id") or (stable_id(name, lon[i], lat[i]) if ok[i] else "")
        if sid and sid in seen_ids:
            probs.append(
                Problem(
                    row,
                    cols.get("id", "id"),
                    f"duplicate id {sid!r} (first at {label} {seen_ids[sid]})",
                )
            )
        elif sid:
            seen_ids[sid] = row
        if probs or not ok[i]:
            stations.append(None)
            continue
        st = Station(
            id=sid,
            name=name,
            kind=kind,
            lon=float(wlon[i]),
            lat=float(wlat[i]),
            address=cell(rec, "address"),
            district=cell(rec, "district"),
            operator=cell(rec, "operator"),
            phone=cell(rec, "phone"),
            amenities=tuple(sorted(set(amenities))),
            opening_hours=hours,
            status=status,
            source=cell(rec, "source") or source or Path(shown).name,
            last_verified=cell(rec, "last_verified"),
        )
        for prob in check_station(st, row=row):
            col = cols.get(prob.column, prob.column)
            probs.append(Problem(prob.row, col, prob.reason))
        stations.append(None if probs else st)
    all_problems = [pr for probs in row_problems for pr in probs]
    return ReadResult(shown, [s for s in stations if s is not None], all_problems, len(records))


def import_stations(
    registry: StationRegistry,
    path: str | Path,
    *,
    crs: CoordSystem | str = "wgs84",
    skip_invalid: bool = False,
    source: str | None = None,
    progress: bool = False,
    name: str | None = None,
    max_expanded_bytes: int = DEFAULT_MAX_EXPANDED_BYTES,
) -> ImportReport:
    """Validate a whole station file, then write it in one transaction.

    Stations whose id exists already are updated. Unless ``skip_invalid``,
    any problem raises :class:`~geo.errors.ImportValidationError` and nothing
    is written; with it, the valid rows are written and the rest reported.
    ``name`` and ``max_expanded_bytes`` are as in :func:`read_stations`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "s.csv"
    >>> _ = f.write_text("名称,经度,纬度,类型\\n东站,116.40,39.91,司机之家\\n", encoding="utf-8")
    >>> reg = StationRegistry(":memory:")
    >>> import_stations(reg, f, crs="gcj02").added
    1
    >>> reg.stations()[0].kind
    <Kind.DRIVER_HOME: 'driver_home'>
    """
    result = read_stations(
        path,
        crs=crs,
        source=source,
        progress=progress,
        name=name,
        max_expanded_bytes=max_expanded_bytes,
    )
    if result.problems and not skip_invalid:
        raise ImportValidationError(result.path, list(result.problems))
    existing = sum(1 for s in result.stations if s.id in registry)
    registry.add(result.stations, replace=True)
    return ImportReport(
        result.path, len(result.stations) - existing, existing, list(result.problems)
    )


def _feature(
    item: Station | StationHit, crs: CoordSystem, open_reports: Mapping[str, int] | None = None
) -> dict[str, Any]:
    st = item.station if isinstance(item, StationHit) else item
    (x,), (y,) = convert([st.lon], [st.lat], src="wgs84", dst=crs)
    props: dict[str, Any] = {
        f: getattr(st, f) for f in STATION_FIELDS if f not in ("id", "lon", "lat")
    }
    props["kind"] = str(st.kind)
    props["status"] = str(st.status)
    props["amenities"] = list(st.amenities)
    if open_reports is not None:
        props["open_reports"] = int(open_reports.get(st.id, 0))
    if isinstance(item, StationHit):
        props["distance_m"] = round(item.distance_m, 3)
        props["bearing_deg"] = round(item.bearing_deg, 3)
        if item.walk_distance_m is not None:
            props["walk_distance_m"] = round(item.walk_distance_m, 3)
            props["walk_time_s"] = round(item.walk_time_s or 0.0, 3)
    return {
        "type": "Feature",
        "id": st.id,
        "geometry": {"type": "Point", "coordinates": [round(float(x), 7), round(float(y), 7)]},
        "properties": props,
    }


def to_feature_collection(
    items: Sequence[Station | StationHit],
    *,
    crs: CoordSystem | str = "wgs84",
    open_reports: Mapping[str, int] | None = None,
) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of stations or hits, coordinates in ``crs`` (lon, lat).

    Each feature's ``id`` is the station id; hits add ``distance_m`` and
    ``bearing_deg`` (and the walking fields when set) to the properties.
    With ``open_reports`` (station id → number of unresolved reports, as
    :meth:`geo.feedback.Feedback.open_report_counts` gives), every feature
    also gets ``open_reports`` (0 when absent from the mapping).
    """
    system = parse_coord_system(str(crs))
    return {
        "type": "FeatureCollection",
        "features": [_feature(i, system, open_reports) for i in items],
    }


def export_stations(
    stations: Sequence[Station],
    out: str | Path | IO[str],
    *,
    fmt: Literal["csv", "geojson"] = "csv",
    crs: CoordSystem | str = "wgs84",
) -> None:
    """Write stations as CSV (the station fields) or GeoJSON, coordinates in ``crs``."""
    system = parse_coord_system(str(crs))
    if fmt not in ("csv", "geojson"):
        raise InvalidInputError(f"fmt={fmt!r} is not an export format; use csv or geojson")
    if isinstance(out, str | Path):
        # Write beside the target and rename: a failure never leaves half a file.
        target = Path(out)
        tmp = target.with_name(f".{target.name}.partial")
        try:
            with open(tmp, "w", encoding="utf-8", newline="") as fh:
                export_stations(stations, fh, fmt=fmt, crs=system)
            tmp.replace(target)
        finally:
            tmp.unlink(missing_ok=True)
        return
    if fmt == "geojson":
        json.dump(to_feature_collection(stations, crs=system), out, ensure_ascii=False, indent=1)
        out.write("\n")
        return
    x, y = convert([s.lon for s in stations], [s.lat for s in stations], src="wgs84", dst=system)
    writer = csv.DictWriter(out, fieldnames=list(STATION_FIELDS), lineterminator="\n")
    writer.writeheader()
    for st, lon, lat in zip(stations, x, y, strict=True):
        rec = st.to_record()
        rec["lon"], rec["lat"] = round(float(lon), 7), round(float(lat), 7)
        writer.writerow(rec)
