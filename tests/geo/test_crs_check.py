"""The street test of a sheet's coordinate system, on real Shenzhen streets and taxi points.

Truth: the taxi points are WGS-84 (see ``tests/geo/data/README.md``); their
GCJ-02 and BD-09 versions are made with ``eviltransform``, and the median
distance to the streets is recomputed by brute force (every point against
every segment, with shapely in pyproj's UTM zone).
"""

from __future__ import annotations

import gzip
from pathlib import Path

import eviltransform as ev
import networkx as nx
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely

from geo.crs_check import check_crs_against_streets
from geo.io import import_stations
from geo.network import StreetNetwork, network_from_arrays
from geo.stations import open_store

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def futian() -> StreetNetwork:
    with gzip.open(DATA / "futian_osm.graphml.gz") as fh:
        g = nx.read_graphml(fh)
    ids = list(g.nodes)
    at = {n: i for i, n in enumerate(ids)}
    u, v, length = zip(
        *((at[a], at[b], float(d["length"])) for a, b, d in g.edges(data=True)), strict=True
    )
    return network_from_arrays(
        np.arange(len(ids)),
        [float(g.nodes[n]["x"]) for n in ids],
        [float(g.nodes[n]["y"]) for n in ids],
        u,
        v,
        length,
        largest_component=False,
    )


@pytest.fixture(scope="module")
def pickups() -> tuple[np.ndarray, np.ndarray]:
    df = pd.read_csv(DATA / "futian_taxi_pickups.csv")
    return df["lon"].to_numpy(float), df["lat"].to_numpy(float)


def _brute_median_m(net: StreetNetwork, lon: np.ndarray, lat: np.ndarray) -> float:
    utm = pyproj.CRS.from_epsg(32650)  # Shenzhen
    t = pyproj.Transformer.from_crs(4326, utm, always_xy=True)
    px, py = t.transform(lon, lat)
    nx_, ny_ = t.transform(net.lon, net.lat)
    lines = shapely.linestrings(
        np.stack(
            [
                np.column_stack([nx_[net.edge_u], ny_[net.edge_u]]),
                np.column_stack([nx_[net.edge_v], ny_[net.edge_v]]),
            ],
            axis=1,
        )
    )
    pts = shapely.points(px, py)
    d = np.array([shapely.distance(p, lines).min() for p in pts])
    return float(np.median(d))


def test_medians_match_brute_force(futian: StreetNetwork, pickups: tuple) -> None:
    lon, lat = pickups
    fit = check_crs_against_streets(lon, lat, futian, declared="wgs84")
    assert fit.points == lon.size == 634
    assert fit.median_m["wgs84"] == pytest.approx(_brute_median_m(futian, lon, lat), abs=0.5)
    glat, glon = np.array([ev.gcj2wgs_exact(b, a) for a, b in zip(lon, lat, strict=True)]).T
    assert fit.median_m["gcj02"] == pytest.approx(_brute_median_m(futian, glon, glat), abs=0.5)
    # the right reading is a few metres off the streets, the wrong ones tens
    assert fit.median_m["wgs84"] < 10 < fit.median_m["gcj02"] < fit.median_m["bd09"]
    assert fit.best == "wgs84" and fit.warning is None


@pytest.mark.parametrize(
    ("written", "declared"),
    [("gcj02", "wgs84"), ("bd09", "wgs84"), ("bd09", "gcj02"), ("wgs84", "gcj02")],
)
def test_a_wrong_declaration_is_warned(
    futian: StreetNetwork, pickups: tuple, written: str, declared: str
) -> None:
    lon, lat = pickups
    fn = {"wgs84": lambda a, b: (a, b), "gcj02": ev.wgs2gcj, "bd09": ev.wgs2bd}[written]
    wlat, wlon = np.array([fn(b, a) for a, b in zip(lon, lat, strict=True)]).T
    fit = check_crs_against_streets(wlon, wlat, futian, declared=declared)
    assert fit.best == written
    assert fit.warning is not None
    assert f"--crs {written}" in fit.warning and "坐标系" in fit.warning
    right = check_crs_against_streets(wlon, wlat, futian, declared=written)
    assert right.warning is None and right.median_m == pytest.approx(fit.median_m)


def test_import_reports_the_fit(futian: StreetNetwork, pickups: tuple, tmp_path: Path) -> None:
    lon, lat = pickups
    glat, glon = np.array([ev.wgs2gcj(b, a) for a, b in zip(lon[:40], lat[:40], strict=True)]).T
    sheet = pd.DataFrame({"名称": [f"站{i}" for i in range(40)], "经度": glon, "纬度": glat})
    f = tmp_path / "福田.csv"
    sheet.to_csv(f, index=False)
    reg = open_store(":memory:")
    report = import_stations(reg, f, crs="wgs84", network=futian)  # wrong on purpose
    assert report.added == 40  # a warning, not a refusal
    assert report.crs_fit is not None and report.crs_fit.best == "gcj02"
    assert report.crs_fit.warning is not None
    assert import_stations(reg, f, crs="gcj02", network=futian).crs_fit.warning is None  # type: ignore[union-attr]
