"""Stations and frames for the map builder tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import Settings
from geo.types import Kind, Station, Status
from tests.api.conftest import HELSINKI_ONLY

# A Sunday at noon, Helsinki time: Mo-Fr stations are closed, 24/7 ones open.
SUNDAY_NOON = "2026-11-22T12:00:00+02:00"

SEED = """id,name,kind,lon,lat,amenities,opening_hours,status,address,phone
lib,Kallio Library,worker_station,24.95,60.184,water;toilet;wifi,Mo-Fr 08:00-20:00,open,Viides 11,
smart,Smart Box,smart_station,24.9410,60.1700,water;charging,24/7,open,Mannerheimintie 1,+358 9 123
fuel,Depot,driver_home,24.9300,60.1650,parking;shower;truck_parking,24/7,open,Porkkalankatu 3,
plan,Future Hut,rider_station,24.9450,60.1750,water,24/7,planned,Planned street,
"""


@pytest.fixture
def stations() -> list[Station]:
    return [
        Station(
            "lib", "Kallio <Library>", Kind.WORKER_STATION, 24.95, 60.184,
            address="Viides 11", amenities=("toilet", "water"),
            opening_hours="Mo-Fr 08:00-20:00",
        ),
        Station(
            "smart", "Smart Box", Kind.SMART_STATION, 24.941, 60.170,
            amenities=("charging",), opening_hours="24/7", phone="+358 9 123",
        ),
        Station("fuel", "Depot", Kind.DRIVER_HOME, 24.930, 60.165),
        Station(
            "bj", "北京驿站", Kind.RIDER_STATION, 116.397, 39.909,
            opening_hours="24/7", status=Status.PLANNED,
        ),
    ]  # fmt: skip


@pytest.fixture
def points() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"station_id": ["a", "b"]},
        geometry=gpd.points_from_xy([24.94, 24.95], [60.17, 60.18]),
        crs=4326,
    )


@pytest.fixture
def cells() -> gpd.GeoDataFrame:
    boxes = [shapely.box(24.93 + i * 0.01, 60.16, 24.94 + i * 0.01, 60.17) for i in range(4)]
    return gpd.GeoDataFrame(
        {"cell_id": ["h0", "h1", "h2", "h3"], "count": [0, 1, 2, 5]}, geometry=boxes, crs=4326
    )


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    seed = tmp_path / "seed.csv"
    seed.write_text(SEED, encoding="utf-8")
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        db=tmp_path / "maps.sqlite",
        seed_stations=seed,
        cache_dir=tmp_path / "cache",
        tz="Europe/Helsinki",
        frame_ancestors=["'self'", "https://portal.example.org"],
        **HELSINKI_ONLY,  # type: ignore[arg-type]
    )


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as c:
        yield c
