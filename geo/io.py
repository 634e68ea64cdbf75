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

import hashlib
import json
import math
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal

import numpy as np
import numpy.typing as npt
from tqdm.auto import tqdm

from geo._tables import read_table
from geo._validate import Problem, capacity_problem, check_station, status_problem
from geo.crs import convert, parse_coord_system
from geo.crs_check import CrsFit, check_crs_against_streets
from geo.errors import (
    ImportValidationError,
    InvalidInputError,
    LocalizedInputError,
    NotFoundError,
)
from geo.export import stations_csv, unescape_cell, write_whole
from geo.hours_zh import HoursTextError, hours_fields
from geo.import_guard import DEFAULT_FAR_KM, far_rows, resolve_crs, swapped_rows
from geo.limits import DEFAULT_MAX_EXPANDED_BYTES
from geo.names import AMENITY_WORDS, KIND_WORDS
from geo.network import StreetNetwork
from geo.sheet_crs import DeclaredCrs
from geo.stations import StationStore
from geo.types import (
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
    "opening_hours_text": ("opening_hours_text", "开放时间原文"),
    "crs": ("crs", "坐标系"),
    "status": ("status", "状态"),
    "source": ("source", "来源", "数据来源"),
    "last_verified": ("last_verified", "verified", "最近核实", "核实时间"),
    "capacity": ("capacity", "seats", "容量", "座位数", "接待能力", "可容纳人数"),
}
"""Accepted headers for each station field (compared case-insensitively)."""

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
_SPLIT = str.maketrans({"，": ";", ",": ";", "、": ";", "；": ";", "|": ";"})


@dataclass(frozen=True, slots=True)
class ReadResult:
    """Stations read from a file, and every problem found (with its row and column)."""

    path: str
    stations: list[Station]
    problems: list[Problem]
    rows: int
    crs: CoordSystem = "wgs84"
    """The system the file's coordinates were read as (given, the file's, or the default)."""
    crs_source: str = ""
    """Who declared ``crs`` when neither the caller nor the file did (empty otherwise)."""


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import wrote: stations added, updated, and rows skipped as invalid."""

    path: str
    added: int
    updated: int
    skipped: list[Problem] = field(default_factory=list)
    crs_fit: CrsFit | None = None
    """With a street network: how the points fit the streets under each system."""
    crs: CoordSystem = "wgs84"
    """The system the file's coordinates were read as."""
    crs_source: str = ""
    """Who declared ``crs`` when neither the caller nor the file did (a region, the registry,
    the deployment); empty otherwise."""


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


def _declared(
    default: CoordSystem | str | DeclaredCrs | None,
    lon: npt.NDArray[np.float64],
    lat: npt.NDArray[np.float64],
) -> tuple[CoordSystem | str | None, str]:
    """A sheet's declared default system and who declares it ("" for a plain default)."""
    if not isinstance(default, DeclaredCrs):
        return default, ""
    found = default.resolve(lon, lat)
    return (None, "") if found is None else found


def read_stations(
    path: str | Path,
    *,
    crs: CoordSystem | str | None = None,
    default_crs: CoordSystem | str | DeclaredCrs | None = None,
    far_km: float = DEFAULT_FAR_KM,
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
        or ``bd09``; converted to WGS-84. None: the file's own ``crs`` /
        ``坐标系`` column, else ``default_crs``; else a sheet with points in
        mainland China is refused with a question (see :mod:`geo.import_guard`),
        and any other is WGS-84.
    default_crs
        The system a deployment or registry declares for undeclared sheets, or the
        declarations to ask (:class:`geo.sheet_crs.DeclaredCrs`: a region holding the
        sheet, the registry, the deployment).
    far_km
        A row farther than this from every other row is reported (a typo).
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
    if crs is not None:
        parse_coord_system(str(crs))  # a bad name is an error before the file is read
    shown = str(p) if name is None else name
    df, first_row, label = read_table(p, name=shown, max_expanded_bytes=max_expanded_bytes)
    if p.suffix.lower() in {".csv", ".txt"}:
        df = df.map(unescape_cell)  # cells our export wrote as '=… are the user's =…
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

    def cell(rec: Mapping[Hashable, Any], fld: str) -> str:
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
                why_zh = "缺少坐标" if not text else f"“{text}”不是数字"
                row_problems[i].append(Problem(row, cols[fld], why, why_zh))
            else:
                arr[i] = v
    # Swapped columns are common in hand-made sheets: say so rather than "out of range".
    for j in np.flatnonzero(swapped_rows(lon, lat)).tolist():
        row_problems[j].append(
            Problem(
                j + first_row,
                cols["lat"],
                f"lon={lon[j]}, lat={lat[j]} look swapped",
                f"经度 {lon[j]}、纬度 {lat[j]} 似乎填反了",
            )
        )
        lon[j] = lat[j] = np.nan
    ok = np.isfinite(lon) & np.isfinite(lat) & (np.abs(lon) <= 180) & (np.abs(lat) <= 90)
    for i in np.flatnonzero(np.isfinite(lon) & np.isfinite(lat) & ~ok).tolist():
        row_problems[i].append(
            Problem(
                int(i) + first_row,
                cols["lon"] + "/" + cols["lat"],
                f"({lon[i]}, {lat[i]}) is outside lon ±180, lat ±90",
            )
        )
    for i in np.flatnonzero(ok)[far_rows(lon[ok], lat[ok], far_km=far_km)]:
        row_problems[i].append(
            Problem(
                int(i) + first_row,
                cols["lon"] + "/" + cols["lat"],
                f"({lon[i]}, {lat[i]}) lies over {far_km:g} km from every other row",
                f"（{lon[i]}, {lat[i]}）离其他各行都超过 {far_km:g} 公里",
            )
        )
        ok[i] = False
    file_problems: list[Problem] = []
    try:
        file_crs = [cell(rec, "crs") for rec in records] if "crs" in cols else []
        default, crs_source = _declared(default_crs, lon[ok], lat[ok])
        system = resolve_crs(crs, file_crs, default, lon[ok], lat[ok])
        if crs is not None or any(file_crs):
            crs_source = ""  # the caller or the file said it
    except InvalidInputError as exc:
        # A question about the whole sheet: every row is reported too, none is read.
        zh = exc.message("zh") if isinstance(exc, LocalizedInputError) else ""
        where = cols.get("crs", cols["lon"] + "/" + cols["lat"])
        file_problems.append(Problem(1, where, str(exc), zh))
        system, crs_source = "wgs84", ""
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
        kind: Any = KIND_WORDS.get(kind_text.lower(), KIND_WORDS.get(kind_text))
        if kind is None:
            probs.append(
                Problem(
                    row,
                    cols.get("kind", "kind"),
                    f"unknown kind {kind_text!r}; use one of {', '.join(Kind)} "
                    "or their Chinese names",
                    f"未知的站点类型“{kind_text}”",
                )
            )
        amenities: list[str] = []
        for word in cell(rec, "amenities").translate(_SPLIT).split(";"):
            w = word.strip()
            if not w:
                continue
            code = AMENITY_WORDS.get(w.lower(), AMENITY_WORDS.get(w))
            if code is None:
                probs.append(
                    Problem(row, cols["amenities"], f"unknown amenity {w!r}", f"未知的设施“{w}”")
                )
            else:
                amenities.append(code)
        status_text = cell(rec, "status") or "open"
        status: Any = _STATUS_WORDS.get(status_text.lower(), _STATUS_WORDS.get(status_text))
        if status is None:
            probs.append(status_problem(row, cols["status"], status_text))
        try:
            hours = hours_fields(cell(rec, "opening_hours"))
        except HoursTextError as exc:
            probs.append(Problem(row, cols["opening_hours"], exc.reason("en"), exc.reason("zh")))
            hours = {}
        if cell(rec, "opening_hours_text"):  # an export of ours: keep the wording it kept
            hours["opening_hours_text"] = cell(rec, "opening_hours_text")
        if not name:
            probs.append(Problem(row, cols["name"], "missing", "缺少名称"))
        capacity_text = cell(rec, "capacity")
        capacity = _parse_float(capacity_text) if capacity_text else None
        if capacity_text and (capacity is None or capacity < 0):
            probs.append(capacity_problem(row, cols["capacity"], capacity_text))
        sid = cell(rec, "id") or (stable_id(name, lon[i], lat[i]) if ok[i] else "")
        if sid and sid in seen_ids:
            probs.append(
                Problem(
                    row,
                    cols.get("id", "id"),
                    f"duplicate id {sid!r} (first at {label} {seen_ids[sid]})",
                    f"编号“{sid}”重复（首次出现在第 {seen_ids[sid]} 行）",
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
            **hours,
            status=status,
            source=cell(rec, "source") or source or Path(shown).name,
            last_verified=cell(rec, "last_verified"),
            capacity=capacity,
        )
        for prob in check_station(st, row=row):
            col = cols.get(prob.column, prob.column)
            probs.append(Problem(prob.row, col, prob.reason, prob.reason_zh))
        stations.append(None if probs else st)
    all_problems = file_problems + [pr for probs in row_problems for pr in probs]
    valid = [] if file_problems else [s for s in stations if s is not None]
    return ReadResult(shown, valid, all_problems, len(records), crs=system, crs_source=crs_source)


def import_stations(
    registry: StationStore,
    path: str | Path,
    *,
    crs: CoordSystem | str | None = None,
    default_crs: CoordSystem | str | DeclaredCrs | None = None,
    far_km: float = DEFAULT_FAR_KM,
    skip_invalid: bool = False,
    source: str | None = None,
    progress: bool = False,
    actor: str = "system",
    network: StreetNetwork | Callable[[float, float], StreetNetwork | None] | None = None,
    name: str | None = None,
    max_expanded_bytes: int = DEFAULT_MAX_EXPANDED_BYTES,
) -> ImportReport:
    """Validate a whole station file, then write it in one transaction.

    Stations whose id exists already are updated. Unless ``skip_invalid``,
    any problem raises :class:`~geo.errors.ImportValidationError` and nothing
    is written; with it, the valid rows are written and the rest reported.
    ``actor`` is who writes, for the stations' history (an API key's name).
    With a street ``network`` of the sheet's area (or a function giving the network
    around a WGS-84 point, asked with the sheet's median point), the report's
    ``crs_fit`` says how far the points lie from the streets under each coordinate
    system and warns when another system fits much better (see :mod:`geo.crs_check`).
    ``name`` and ``max_expanded_bytes`` are as in :func:`read_stations`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "s.csv"
    >>> _ = f.write_text("名称,经度,纬度,类型\\n东站,116.40,39.91,司机之家\\n", encoding="utf-8")
    >>> from geo.stations import open_store
    >>> reg = open_store(":memory:")
    >>> import_stations(reg, f, crs="gcj02").added
    1
    >>> reg.stations()[0].kind
    <Kind.DRIVER_HOME: 'driver_home'>
    """
    result = read_stations(
        path,
        crs=crs,
        default_crs=default_crs,
        far_km=far_km,
        source=source,
        progress=progress,
        name=name,
        max_expanded_bytes=max_expanded_bytes,
    )
    if result.problems and not skip_invalid:
        raise ImportValidationError(result.path, list(result.problems))
    fit = None
    if callable(network) and result.stations:
        network = network(
            float(np.median([s.lon for s in result.stations])),
            float(np.median([s.lat for s in result.stations])),
        )
    if isinstance(network, StreetNetwork) and result.stations:
        # The coordinates as written: the WGS-84 positions taken back to the file's system.
        x, y = convert(
            [s.lon for s in result.stations],
            [s.lat for s in result.stations],
            src="wgs84",
            dst=result.crs,
        )
        fit = check_crs_against_streets(x, y, network, declared=result.crs)
    existing = sum(1 for s in result.stations if s.id in registry)
    registry.add(result.stations, replace=True, actor=actor)
    return ImportReport(
        result.path,
        len(result.stations) - existing,
        existing,
        list(result.problems),
        fit,
        crs=result.crs,
        crs_source=result.crs_source,
    )


_PROPERTY_FIELDS = tuple(f for f in STATION_FIELDS if f not in ("id", "lon", "lat"))


def _feature(
    item: Station | StationHit, x: float, y: float, open_reports: Mapping[str, int] | None
) -> dict[str, Any]:
    """One feature at ``x``, ``y`` (the station's position in the collection's system)."""
    st = item.station if isinstance(item, StationHit) else item
    props: dict[str, Any] = {f: getattr(st, f) for f in _PROPERTY_FIELDS}
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
        if item.travel_mode is not None:
            props["mode"] = item.travel_mode
            props["travel_time_s"] = round(item.travel_time_s or 0.0, 3)
            props["travel_distance_m"] = round(item.travel_distance_m or 0.0, 3)
    return {
        "type": "Feature",
        "id": st.id,
        "geometry": {"type": "Point", "coordinates": [round(x, 7), round(y, 7)]},
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
    stations = [i.station if isinstance(i, StationHit) else i for i in items]
    xs, ys = convert([s.lon for s in stations], [s.lat for s in stations], src="wgs84", dst=system)
    return {
        "type": "FeatureCollection",
        "coord_system": system,
        "features": [
            _feature(i, x, y, open_reports)
            for i, x, y in zip(items, xs.tolist(), ys.tolist(), strict=True)
        ],
    }


def export_stations(
    stations: Sequence[Station],
    out: str | Path | IO[str],
    *,
    fmt: Literal["csv", "geojson"] = "csv",
    crs: CoordSystem | str = "wgs84",
) -> None:
    """Write stations as CSV (see :func:`geo.export.stations_csv`) or GeoJSON, in ``crs``."""
    system = parse_coord_system(str(crs))
    if fmt not in ("csv", "geojson"):
        raise InvalidInputError(f"fmt={fmt!r} is not an export format; use csv or geojson")
    if isinstance(out, str | Path):

        def write(tmp: Path) -> None:
            with open(tmp, "w", encoding="utf-8", newline="") as fh:
                export_stations(stations, fh, fmt=fmt, crs=system)

        write_whole(out, write)
        return
    if fmt == "geojson":
        json.dump(to_feature_collection(stations, crs=system), out, ensure_ascii=False, indent=1)
        out.write("\n")
        return
    stations_csv(stations, out, crs=system)
