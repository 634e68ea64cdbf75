"""Station file import and export: headers, coordinate systems, validation, all-or-nothing."""

from __future__ import annotations

import io
import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from geo import ImportValidationError, Kind, Station, Status
from geo.crs import convert
from geo.io import export_stations, import_stations, read_stations
from geo.stations import StationStore, open_store

GOOD = """名称,经度,纬度,类型,设施,开放时间,电话,区县,地址
东站驿站,116.404,39.915,工会驿站,"饮用水,充电",24小时,123,东城区,东大街1号
西站,116.30,39.90,司机之家,淋浴;停车,Mo-Fr 08:00-20:00,,西城区,
"""


def write(tmp_path: Path, text: str, name: str = "s.csv") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


@pytest.fixture
def reg() -> StationStore:
    r = open_store(":memory:")
    r.add(Station("keep", "Existing", Kind.WORKER_STATION, 116.0, 39.0))
    return r


def test_chinese_headers_and_gcj02(tmp_path: Path, reg: StationStore) -> None:
    report = import_stations(reg, write(tmp_path, GOOD), crs="gcj02")
    assert (report.added, report.updated, report.skipped) == (2, 0, [])
    east = next(s for s in reg if s.name == "东站驿站")
    assert east.kind is Kind.DRIVER_HOME or east.kind is Kind.WORKER_STATION
    assert east.kind is Kind.WORKER_STATION
    assert east.amenities == ("charging", "water")
    assert east.opening_hours == "24/7"
    assert (east.district, east.phone, east.address) == ("东城区", "123", "东大街1号")
    wx, wy = convert(116.404, 39.915, src="gcj02", dst="wgs84")
    assert (east.lon, east.lat) == pytest.approx((float(wx), float(wy)), abs=1e-9)
    # GCJ-02 is several hundred metres off WGS-84 in Beijing: the conversion happened.
    assert abs(east.lon - 116.404) > 0.004


def test_reimport_updates_by_stable_id(tmp_path: Path, reg: StationStore) -> None:
    f = write(tmp_path, GOOD)
    import_stations(reg, f, crs="gcj02")
    again = import_stations(reg, f, crs="gcj02")
    assert (again.added, again.updated) == (0, 2) and len(reg) == 3


BAD_ROWS = [
    ("name,lon,lat\n,116.4,39.9\n", "row 2, column 'name': missing"),
    ("name,lon,lat\nA,abc,39.9\n", "row 2, column 'lon': not a number: 'abc'"),
    ("name,lon,lat\nA,116.4,\n", "row 2, column 'lat': missing"),
    ("name,lon,lat\nA,39.9,116.4\n", "look swapped"),
    ("name,lon,lat\nA,200,10\n", "outside lon ±180"),
    (
        "id,name,lon,lat\nx,A,1,1\nx,B,2,2\n",
        "row 3, column 'id': duplicate id 'x' (first at row 2)",
    ),
    ("name,lon,lat,kind\nA,1,1,bus_stop\n", "column 'kind': unknown kind 'bus_stop'"),
    (
        "name,lon,lat,amenities\nA,1,1,water;jacuzzi\n",
        "column 'amenities': unknown amenity 'jacuzzi'",
    ),
    ("name,lon,lat,hours\nA,1,1,8 till late\n", "column 'hours': cannot parse '8 till late'"),
    ("name,lon,lat,status\nA,1,1,maybe\n", "column 'status': unknown status 'maybe'"),
    ("名称,经度\nA,1\n", "no column for 'lat'"),
]


@pytest.mark.parametrize(("text", "message"), BAD_ROWS)
def test_every_rejection_leaves_registry_unchanged(
    tmp_path: Path, reg: StationStore, text: str, message: str
) -> None:
    before = (list(reg), reg.version)
    # A valid row after the bad one must not be written either: all or nothing.
    header = text.splitlines()[0].split(",")
    valid = {
        "id": "v",
        "name": "Valid",
        "lon": "10",
        "lat": "10",
        "kind": "worker_station",
        "amenities": "water",
        "hours": "24/7",
        "status": "open",
    }
    if {"lon", "lat"} <= set(header):
        text += ",".join(valid[c] for c in header) + "\n"
    f = write(tmp_path, text)
    with pytest.raises(ImportValidationError) as info:
        import_stations(reg, f)
    assert any(message in str(p) for p in info.value.problems), info.value.problems
    assert (list(reg), reg.version) == before


def test_swapped_in_gcj02_file(tmp_path: Path, reg: StationStore) -> None:
    f = write(tmp_path, "name,lon,lat\nA,39.9,116.4\nB,39.9,100.4\n")
    res = read_stations(f, crs="gcj02")
    assert [p.row for p in res.problems if "swapped" in p.reason] == [2, 3]


def test_skip_invalid_writes_valid_rows_only(tmp_path: Path, reg: StationStore) -> None:
    f = write(
        tmp_path, "name,lon,lat,kind\nA,1,1,worker_station\nB,1,1,spaceport\nC,2,2,smart_station\n"
    )
    report = import_stations(reg, f, skip_invalid=True)
    assert report.added == 2 and [p.row for p in report.skipped] == [3]
    assert sorted(s.name for s in reg) == ["A", "C", "Existing"]


def test_xlsx_geojson_gpkg(tmp_path: Path) -> None:
    df = pd.DataFrame(
        {
            "Name": ["A", "B"],
            "Longitude": [24.94, 24.95],
            "Latitude": [60.17, 60.16],
            "Type": ["rider_station", "骑士驿站"],
        }
    )
    df.to_excel(tmp_path / "s.xlsx", index=False)
    gdf = gpd.GeoDataFrame(
        {"name": ["A", "B"], "kind": ["driver_home", "smart_station"]},
        geometry=[Point(24.94, 60.17), Point(24.95, 60.16)],
        crs=4326,
    )
    gdf.to_file(tmp_path / "s.geojson", driver="GeoJSON")
    gdf.to_crs(3067).to_file(
        tmp_path / "s.gpkg", driver="GPKG"
    )  # a metric CRS: reprojected on read
    for name, kinds in [
        ("s.xlsx", {Kind.RIDER_STATION}),
        ("s.geojson", {Kind.DRIVER_HOME, Kind.SMART_STATION}),
        ("s.gpkg", {Kind.DRIVER_HOME, Kind.SMART_STATION}),
    ]:
        res = read_stations(tmp_path / name)
        assert res.problems == [] and len(res.stations) == 2, name
        assert {s.kind for s in res.stations} == kinds
        a = next(s for s in res.stations if s.name == "A")
        assert (a.lon, a.lat) == pytest.approx((24.94, 60.17), abs=1e-7)


def test_gb18030_csv(tmp_path: Path) -> None:
    p = tmp_path / "gbk.csv"
    p.write_bytes(GOOD.encode("gb18030"))
    assert [s.name for s in read_stations(p, crs="gcj02").stations] == ["东站驿站", "西站"]


@pytest.mark.parametrize("crs", ["wgs84", "gcj02", "bd09"])
@pytest.mark.parametrize("fmt", ["csv", "geojson"])
def test_export_round_trip(tmp_path: Path, crs: str, fmt: str) -> None:
    reg = open_store(":memory:")
    src = [
        Station(
            "a",
            "东站",
            Kind.WORKER_STATION,
            116.397,
            39.909,
            amenities=("water",),
            opening_hours="24/7",
            district="东城区",
        ),
        Station("b", "Helsinki", Kind.DRIVER_HOME, 24.94, 60.17, status=Status.PLANNED),
    ]
    reg.add(src)
    out = tmp_path / f"out.{fmt}"
    export_stations(reg.stations(), out, fmt=fmt, crs=crs)  # type: ignore[arg-type]
    if fmt == "geojson":
        fc = json.loads(out.read_text(encoding="utf-8"))
        xy = {f["id"]: f["geometry"]["coordinates"] for f in fc["features"]}
        ex, ey = convert(116.397, 39.909, src="wgs84", dst=crs)
        assert xy["a"] == pytest.approx([float(ex), float(ey)], abs=1e-7)
        assert xy["b"] == [24.94, 60.17]  # outside China: unshifted in every system
    back = open_store(":memory:")
    import_stations(back, out, crs=crs)
    for s in src:
        got = back.get(s.id)
        assert (got.name, got.kind, got.amenities, got.status, got.district) == (
            s.name,
            s.kind,
            s.amenities,
            s.status,
            s.district,
        )
        assert (got.lon, got.lat) == pytest.approx((s.lon, s.lat), abs=2e-7)


def test_export_to_stream() -> None:
    buf = io.StringIO()
    export_stations([Station("a", "A", Kind.WORKER_STATION, 1.0, 2.0)], buf, fmt="csv")
    assert buf.getvalue().splitlines()[1].startswith("a,A,worker_station,1.0,2.0,")
