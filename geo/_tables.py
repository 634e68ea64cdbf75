"""Station files read as tables of text, with every malformed file refused in one sentence.

A file may come from anyone (an upload): an empty or truncated file, a ZIP
that is not a workbook, broken JSON, or a small XLSX that unpacks to
hundreds of megabytes. Each is refused with :class:`~geo.errors.InvalidInputError`
naming the file by the name the caller gives (never a temporary path) and
saying what is wrong. An XLSX archive's declared sizes are checked before
anything is unpacked (:mod:`zipfile` refuses members that unpack past their
declared size), and its rows are streamed from openpyxl's read-only reader.
"""

from __future__ import annotations

import io
import json
import math
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely

from geo.errors import InvalidInputError
from geo.limits import DEFAULT_MAX_EXPANDED_BYTES, STATION_FILE_SUFFIXES

__all__ = ["check_archive", "read_table"]


def read_table(
    path: Path, *, name: str | None = None, max_expanded_bytes: int = DEFAULT_MAX_EXPANDED_BYTES
) -> tuple[pd.DataFrame, int, str]:
    """Rows as strings, the row number of the first record, and the row label.

    Parameters
    ----------
    path
        The file to read; its suffix says its format.
    name
        What messages call the file (default: ``path``).
    max_expanded_bytes
        Most bytes an XLSX archive may declare it unpacks to.
    """
    label = str(path) if name is None else name
    suffix = path.suffix.lower()
    if suffix in {".csv", ".txt"}:
        return _read_csv(path, label), 2, "row"
    if suffix in {".xlsx", ".xlsm"}:
        return _read_xlsx(path, label, max_expanded_bytes), 2, "row"
    if suffix in {".geojson", ".json", ".gpkg"}:
        return _read_features(path, label), 1, "feature"
    raise InvalidInputError(
        f"{label}: unsupported file type {suffix[:20]!r}; use " + ", ".join(STATION_FILE_SUFFIXES)
    )


def _read_csv(path: Path, label: str) -> pd.DataFrame:
    raw = path.read_bytes()
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise InvalidInputError(f"{label}: not UTF-8 or GB18030 text")
    if not text.strip():
        raise InvalidInputError(f"{label}: the file is empty; a header row is needed")
    try:
        return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else "cannot be parsed"
        raise InvalidInputError(f"{label}: not a readable CSV table: {reason}") from None


def check_archive(path: Path, label: str, max_expanded_bytes: int) -> None:
    """Refuse a file that is not a ZIP archive, or whose members declare more than the limit."""
    try:
        with zipfile.ZipFile(path) as archive:
            declared = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError):
        size = path.stat().st_size
        what = "an empty file" if size == 0 else f"{size} bytes that are not a whole ZIP archive"
        raise InvalidInputError(
            f"{label}: not an XLSX workbook ({what}; truncated or another format?)"
        ) from None
    if declared > max_expanded_bytes:
        raise InvalidInputError(
            f"{label}: the workbook unpacks to {declared:,} bytes, more than the "
            f"{max_expanded_bytes:,} allowed"
        )


def _xlsx_cell(value: Any) -> str:
    """A cell as the text pandas' ``dtype=str`` gives: whole numbers without ``.0``."""
    if value is None:
        return ""
    if isinstance(value, float) and math.isfinite(value) and value == int(value):
        return str(int(value))
    return str(value)


def _xlsx_rows(path: Path) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True, keep_links=False)
    try:
        sheet = book.worksheets[0]
        sheet.reset_dimensions()  # declared dimensions may be wrong: read what is there
        for row in sheet.iter_rows(values_only=True):
            yield [_xlsx_cell(v) for v in row]
    finally:
        book.close()


_XLSX_ERRORS = (
    IndexError,
    ValueError,
    TypeError,
    AttributeError,
    SyntaxError,
    zipfile.BadZipFile,
    OSError,
    EOFError,
)


def _read_xlsx(path: Path, label: str, max_expanded_bytes: int) -> pd.DataFrame:
    check_archive(path, label, max_expanded_bytes)
    rows: list[list[str]] = []
    last = -1
    try:
        for i, row in enumerate(_xlsx_rows(path)):
            while row and row[-1] == "":
                row.pop()
            if row:
                last = i
            rows.append(row)
    except KeyError:
        raise InvalidInputError(
            f"{label}: the ZIP archive holds no workbook; is it an XLSX file?"
        ) from None
    except _XLSX_ERRORS as exc:
        # XML parse errors are SyntaxError subclasses (ElementTree's and lxml's).
        raise InvalidInputError(
            f"{label}: not a readable XLSX workbook ({type(exc).__name__})"
        ) from None
    rows = rows[: last + 1]
    if not rows:
        raise InvalidInputError(f"{label}: the first sheet is empty; a header row is needed")
    width = max(len(r) for r in rows)
    header = _unique_headers([h or f"Unnamed: {i}" for i, h in enumerate(_pad(rows[0], width))])
    body = [_pad(r, width) for r in rows[1:]]
    return pd.DataFrame(body, columns=header, dtype=object)


def _pad(row: list[str], width: int) -> list[str]:
    return row + [""] * (width - len(row))


def _unique_headers(names: Sequence[str]) -> list[str]:
    """Repeated headers get ``.1``, ``.2`` as pandas names them."""
    seen: dict[str, int] = {}
    out = []
    for n in names:
        k = seen.get(n, 0)
        out.append(n if k == 0 else f"{n}.{k}")
        seen[n] = k + 1
    return out


def _read_features(path: Path, label: str) -> pd.DataFrame:
    import geopandas as gpd

    if path.suffix.lower() != ".gpkg":
        try:
            text = path.read_bytes().decode("utf-8-sig")
            if not text.strip():
                raise InvalidInputError(f"{label}: the file is empty")
            doc = json.loads(text)
        except UnicodeDecodeError:
            raise InvalidInputError(f"{label}: not UTF-8 text, so not GeoJSON") from None
        except json.JSONDecodeError as exc:
            raise InvalidInputError(
                f"{label}: not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
            ) from None
        if not isinstance(doc, dict) or doc.get("type") not in ("FeatureCollection", "Feature"):
            raise InvalidInputError(f"{label}: not GeoJSON (no FeatureCollection or Feature)")
    try:
        gdf = gpd.read_file(path)
    except Exception as exc:
        reason = str(exc).replace(str(path), label).splitlines()[0] if str(exc) else ""
        raise InvalidInputError(f"{label}: not a readable station file: {reason}") from None
    if gdf.crs is not None and gdf.crs.to_epsg() not in (4326, None):
        gdf = gdf.to_crs(4326)
    geom = gdf.geometry
    pts = geom.where(geom.geom_type == "Point", geom.representative_point()).to_numpy()
    df = pd.DataFrame(gdf.drop(columns=gdf.geometry.name)).map(_cell_text)
    # Missing and empty geometries give NaN: an empty cell, reported as a missing coordinate.
    df["lon"] = [repr(float(v)) if math.isfinite(v) else "" for v in shapely.get_x(pts)]
    df["lat"] = [repr(float(v)) if math.isfinite(v) else "" for v in shapely.get_y(pts)]
    return df


def _cell_text(value: Any) -> str:
    """A property value as the text a spreadsheet cell would hold (lists joined by ``;``)."""
    if isinstance(value, list | tuple | np.ndarray):
        return ";".join(str(v) for v in value)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)
