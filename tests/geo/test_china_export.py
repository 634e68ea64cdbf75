"""Spreadsheets that open right in Excel, and import guards for Chinese sheets.

Truth: openpyxl reads the written workbook cell by cell (its own view of what
Excel sees), the CSV bytes are checked directly, and coordinates against
``eviltransform`` (an independent GCJ-02 / BD-09 implementation).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import eviltransform as ev
import openpyxl
import pytest

from geo.errors import ImportValidationError
from geo.export import (
    FORMULA_TRIGGERS,
    ZH_HEADERS,
    escape_cell,
    stations_csv,
    unescape_cell,
    write_stations_table,
)
from geo.import_guard import UNDECLARED_CRS
from geo.io import HEADER_ALIASES, import_stations, read_stations
from geo.stations import StationStore, open_store
from geo.types import Kind, Station, Status

HOSTILE = ['=HYPERLINK("http://x","y")', "+86 731 8888 0000", "-1层", "@SUM(A1)", "\tx", "\rx"]

CHANGSHA = [
    Station(
        "cs-1",
        "五一广场驿站",
        Kind.WORKER_STATION,
        112.9772,
        28.1959,
        address="=1+1 五一大道",
        phone="+86 731 8888 0000",
        amenities=("charging", "water"),
        opening_hours="Mo-Fr 08:00-18:00; Sa,Su 09:00-17:00",
        opening_hours_text="周一至周五8:00-18:00，周六日9:00-17:00",
        district="芙蓉区",
    ),
    Station(
        "cs-2",
        "橘子洲司机之家",
        Kind.DRIVER_HOME,
        112.9593,
        28.1870,
        operator="@长沙交通",
        amenities=("parking", "shower"),
        opening_hours="24/7",
        status=Status.PLANNED,
    ),
    Station("cs-3", "-岳麓山站", Kind.RIDER_STATION, 112.9402, 28.1802, address="\t后湖"),
]


@pytest.mark.parametrize("text", [*HOSTILE, "'=x", "''", "'", "长沙", "", "-73.9", "a=b"])
def test_escape_round_trips_and_defuses(text: str) -> None:
    escaped = escape_cell(text)
    assert unescape_cell(escaped) == text
    assert escaped[:1] not in FORMULA_TRIGGERS


def _registry(stations: list[Station]) -> StationStore:
    reg = open_store(":memory:")
    reg.add(stations)
    return reg


def test_csv_has_bom_chinese_headers_escaped_text_and_numeric_coordinates() -> None:
    buf = io.StringIO()
    stations_csv(CHANGSHA, buf, crs="gcj02", lang="zh")
    text = buf.getvalue()
    assert text.startswith("\ufeff")
    assert text.encode("utf-8")[:3] == b"\xef\xbb\xbf"
    rows = list(csv.reader(io.StringIO(text[1:])))
    header = rows[0]
    assert header[:6] == ["编号", "名称", "类型", "经度", "纬度", "坐标系"]
    rec = dict(zip(header, rows[1], strict=True))
    assert rec["类型"] == "工会驿站" and rec["设施"] == "充电、饮用水" and rec["状态"] == "开放"
    assert rec["坐标系"] == "gcj02"
    assert rec["地址"] == "'=1+1 五一大道" and rec["电话"] == "'+86 731 8888 0000"
    # coordinates are plain numbers in GCJ-02, as eviltransform computes them
    glat, glon = ev.wgs2gcj(28.1959, 112.9772)
    assert float(rec["经度"]) == pytest.approx(glon, abs=3e-7)
    assert float(rec["纬度"]) == pytest.approx(glat, abs=3e-7)
    assert not rec["经度"].startswith("'")
    for row in rows[1:]:
        for cell in row:
            assert cell[:1] not in ("=", "+", "@", "\t", "\r")
            assert not cell.startswith("-") or cell.replace(".", "").lstrip("-").isdigit()


def test_every_zh_header_is_read_back_by_import() -> None:
    accepted = {a for aliases in HEADER_ALIASES.values() for a in aliases}
    assert set(ZH_HEADERS.values()) - accepted == {"更新时间"}  # stamped on write, not read


def test_xlsx_cells_are_text_never_formulas_and_name_the_crs(tmp_path: Path) -> None:
    out = tmp_path / "长沙.xlsx"
    write_stations_table(CHANGSHA, out, fmt="xlsx", crs="bd09", lang="zh")
    wb = openpyxl.load_workbook(out)
    ws = wb["站点"]
    header = [c.value for c in ws[1]]
    assert "坐标系" in header and "经度" in header
    cells = [c for row in ws.iter_rows(min_row=2) for c in row if c.value is not None]
    assert cells and all(c.data_type in ("s", "n") for c in cells)  # never "f"
    by_value = {c.value: c for c in cells}
    assert by_value["=1+1 五一大道"].quotePrefix
    assert by_value["@长沙交通"].quotePrefix
    lon_cell = ws.cell(row=2, column=header.index("经度") + 1)
    assert lon_cell.data_type == "n"
    _, blon = ev.wgs2bd(28.1959, 112.9772)
    assert lon_cell.value == pytest.approx(blon, abs=3e-7)
    note = [[c.value for c in r] for r in wb["说明"].iter_rows()]
    assert note[0][0] == "坐标系" and "BD-09" in note[0][1]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
@pytest.mark.parametrize("crs", ["wgs84", "gcj02", "bd09"])
def test_chinese_sheet_round_trip(tmp_path: Path, fmt: str, crs: str) -> None:
    """Import a Chinese XLSX → export (zh) → import: the same stations."""
    first = tmp_path / "原表.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["编号", "名称", "类型", "经度", "纬度", "地址", "电话", "设施", "开放时间", "状态"])
    ws.append(
        [
            "cs-1",
            "五一广场驿站",
            "工会驿站",
            112.9772,
            28.1959,
            "=1+1 五一大道",
            "+86 731 8888 0000",
            "充电、饮用水",
            "周一至周五8:00-18:00，周六日9:00-17:00",
            "开放",
        ]
    )
    ws.append(
        [
            "cs-2",
            "橘子洲司机之家",
            "司机之家",
            112.9593,
            28.1870,
            "-1层",
            "",
            "停车；淋浴",
            "24小时",
            "筹建",
        ]
    )
    ws.append(["cs-3", "岳麓山站", "骑士驿站", 112.9402, 28.1802, "@后湖", "", "", "", "开放"])
    for row in ws.iter_rows(min_row=2):
        for c in row:
            if isinstance(c.value, str):
                c.data_type = "s"
    wb.save(first)
    reg = open_store(":memory:")
    import_stations(reg, first, crs="gcj02")
    original = sorted(reg.stations(), key=lambda s: s.id)
    assert [s.address for s in original] == ["=1+1 五一大道", "-1层", "@后湖"]
    assert original[0].opening_hours_text == "周一至周五8:00-18:00，周六日9:00-17:00"
    out = tmp_path / f"导出.{fmt}"
    write_stations_table(original, out, fmt=fmt, crs=crs, lang="zh")
    back = open_store(":memory:")
    import_stations(back, out)  # the file names its own crs
    again = sorted(back.stations(), key=lambda s: s.id)
    fields = (
        "id",
        "name",
        "kind",
        "address",
        "phone",
        "amenities",
        "opening_hours",
        "opening_hours_text",
        "status",
        "district",
        "operator",
    )
    for a, b in zip(original, again, strict=True):
        assert [getattr(a, f) for f in fields] == [getattr(b, f) for f in fields]
        assert (b.lon, b.lat) == pytest.approx((a.lon, a.lat), abs=2e-7)


def test_negative_coordinates_and_plus_phone_survive_csv(tmp_path: Path) -> None:
    nyc = Station("ny", "NYC", Kind.WORKER_STATION, -73.9, 40.7, phone="+1 212 555 0100")
    out = tmp_path / "ny.csv"
    write_stations_table([nyc], out, fmt="csv")
    assert ",-73.9," in out.read_text(encoding="utf-8-sig")
    back = open_store(":memory:")
    import_stations(back, out)
    (st,) = back.stations()
    assert (st.lon, st.lat, st.phone) == (-73.9, 40.7, "+1 212 555 0100")


# -- import guards -----------------------------------------------------------

SHEET = "名称,经度,纬度\n东站,112.9772,28.1959\n西站,112.9593,28.1870\n南站,112.9402,28.1802\n"


def _sheet(tmp_path: Path, text: str, name: str = "s.csv") -> Path:
    f = tmp_path / name
    f.write_text(text, encoding="utf-8")
    return f


def test_mainland_sheet_without_crs_is_refused_with_a_question(tmp_path: Path) -> None:
    reg = open_store(":memory:")
    with pytest.raises(ImportValidationError) as info:
        import_stations(reg, _sheet(tmp_path, SHEET))
    (problem,) = info.value.problems
    assert problem.row == 1 and problem.reason == UNDECLARED_CRS  # type: ignore[attr-defined]
    for word in ("WGS-84", "GCJ-02", "Amap", "BD-09", "Baidu", "坐标系"):
        assert word in UNDECLARED_CRS
    assert len(reg) == 0
    # said by the caller, by the deployment, or by the file itself: accepted
    assert import_stations(reg, _sheet(tmp_path, SHEET), crs="gcj02").added == 3
    assert len(read_stations(_sheet(tmp_path, SHEET), default_crs="bd09").stations) == 3
    with_col = SHEET.replace("纬度\n", "纬度,坐标系\n").replace("\n", ",gcj02\n")
    with_col = with_col.replace("坐标系,gcj02", "坐标系")
    assert len(read_stations(_sheet(tmp_path, with_col)).stations) == 3


def test_file_crs_that_contradicts_the_caller_is_refused(tmp_path: Path) -> None:
    text = "name,lon,lat,crs\nA,112.97,28.19,bd09\nB,112.96,28.18,bd09\n"
    res = read_stations(_sheet(tmp_path, text), crs="gcj02")
    assert not res.stations and "bd09" in res.problems[0].reason


def test_outside_china_needs_no_crs(tmp_path: Path) -> None:
    text = "name,lon,lat\nA,24.94,60.17\nB,24.95,60.18\n"
    assert len(read_stations(_sheet(tmp_path, text)).stations) == 2


def test_swapped_and_far_rows_are_named_by_row_and_column(tmp_path: Path) -> None:
    text = SHEET + "北站,28.2102,112.9900\n远站,116.40,39.91\n"
    res = read_stations(_sheet(tmp_path, text), crs="gcj02")
    where = {(p.row, p.column): p.reason for p in res.problems}
    assert set(where) == {(5, "纬度"), (6, "经度/纬度")}
    assert "swapped" in where[(5, "纬度")]
    assert "200 km" in where[(6, "经度/纬度")]
    assert sorted(s.name for s in res.stations) == ["东站", "南站", "西站"]
    # the limit is configurable: at 2000 km Beijing is not far from Changsha
    res = read_stations(_sheet(tmp_path, text), crs="gcj02", far_km=2000)
    assert {(p.row, p.column) for p in res.problems} == {(5, "纬度")}


def test_control_characters_do_not_break_xlsx(tmp_path: Path) -> None:
    bad = Station("x", "站\x01点\x1f", Kind.WORKER_STATION, 112.97, 28.19, address="a\x00b")
    out = tmp_path / "x.xlsx"
    write_stations_table([bad], out, fmt="xlsx")
    ws = openpyxl.load_workbook(out)["stations"]
    row = {h.value: c.value for h, c in zip(ws[1], ws[2], strict=True)}
    assert row["name"] == "站\ufffd点\ufffd" and row["address"] == "a\ufffdb"
