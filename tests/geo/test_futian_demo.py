"""The committed Futian demo: reproducible, labelled DEMO, on the network, every kind, night."""

from __future__ import annotations

import csv
import importlib.util
import json
import sys
from datetime import datetime
from pathlib import Path
from types import ModuleType

import pytest
import shapely

from geo.hours import is_open
from geo.network import read_street_frames
from geo.types import KIND_LABELS, STATION_FIELDS, Kind

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"
SHARED = next(
    (p / "shared" / "data" / "shenzhen" for p in ROOT.parents if (p / "shared" / "data").is_dir()),
    ROOT / "no-shared-folder",
)


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("_make_demo_futian", DATA / "make_demo.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def stations() -> list[dict[str, str]]:
    return _rows(DATA / "futian_stations.csv")


def test_stations_regenerate_byte_for_byte(tmp_path: Path) -> None:
    fresh = _script().write_futian(tmp_path)
    assert fresh.read_bytes() == (DATA / "futian_stations.csv").read_bytes()


@pytest.mark.skipif(not SHARED.is_dir(), reason="the shared Shenzhen folder is not beside the repo")
def test_extracted_files_regenerate_byte_for_byte(tmp_path: Path) -> None:
    written = _script()._futian().extract(SHARED, tmp_path)
    assert [p.name for p in written] == [
        "futian_osm.graphml.gz",
        "futian_taxi_pickups.csv",
        "futian_taxi_dropoffs.csv",
        "futian_districts.geojson",
    ]
    for path in written:
        assert path.read_bytes() == (DATA / path.name).read_bytes(), path.name


def test_demand_is_the_trip_ends_in_the_networks_bbox() -> None:
    # The shared folder's README counts 634 pickups and 599 drop-offs inside the bbox
    # lon 113.99702-114.03988, lat 22.51666-22.55052.
    for layer, count in (("taxi_pickups", 634), ("taxi_dropoffs", 599)):
        rows = _rows(DATA / f"futian_{layer}.csv")
        assert len(rows) == count
        assert all(113.99702 <= float(r["lon"]) <= 114.03988 for r in rows)
        assert all(22.51666 <= float(r["lat"]) <= 22.55052 for r in rows)


def test_shipped_files_are_small() -> None:
    sizes = {p.name: p.stat().st_size for p in DATA.glob("futian_*")}
    assert len(sizes) == 5
    assert sum(sizes.values()) < 400_000, sizes


def test_forty_labelled_stations_of_every_kind(stations: list[dict[str, str]]) -> None:
    assert list(stations[0]) == [*STATION_FIELDS, "crs"]  # and they say their system
    assert 38 <= len(stations) <= 42
    assert {Kind(s["kind"]) for s in stations} == set(Kind)
    for s in stations:
        label = KIND_LABELS[Kind(s["kind"])][1]
        assert s["name"].startswith(f"DEMO {label}："), s["name"]
        assert s["operator"] == "DEMO" and s["source"] == "demo:osm-futian"
        assert s["address"].startswith("深圳市福田区")
    ids = [s["id"] for s in stations]
    assert ids == sorted(set(ids))


def test_stations_stand_on_intersections_of_the_network(stations: list[dict[str, str]]) -> None:
    nodes, _ = read_street_frames(DATA / "futian_osm.graphml.gz", mode="walk")
    by_id = nodes.set_index("id")
    for s in stations:
        node = by_id.loc[int(s["id"].removeprefix("demo-futian-"))]
        assert (float(s["lon"]), float(s["lat"])) == pytest.approx(
            (node["lon"], node["lat"]), abs=1e-7
        )


def test_night_differs_from_day(stations: list[dict[str, str]]) -> None:
    noon = datetime(2026, 5, 6, 12, 0)  # a Wednesday
    night = datetime(2026, 5, 6, 3, 0)
    open_noon = sum(is_open(s["opening_hours"], noon) for s in stations)
    open_night = sum(is_open(s["opening_hours"], night) for s in stations)
    assert open_noon == len(stations)
    assert 0 < open_night < len(stations) / 2
    assert any(s["opening_hours"] == "24/7" for s in stations)


def test_district_holds_every_station(stations: list[dict[str, str]]) -> None:
    districts = json.loads((DATA / "futian_districts.geojson").read_text(encoding="utf-8"))
    (futian,) = districts["features"]
    assert futian["properties"] == {"name": "福田区"}
    poly = shapely.geometry.shape(futian["geometry"])
    assert all(poly.contains(shapely.Point(float(s["lon"]), float(s["lat"]))) for s in stations)
