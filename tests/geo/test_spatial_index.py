"""The k-d tree index and its compiled exact refinement, against pyproj brute force."""

from __future__ import annotations

import numpy as np
import pyproj
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo._geodesic import SERIES_MAX_M, VINCENTY_MAX_M, ecef, inverse
from geo.spatial_index import SpatialIndex

GEOD = pyproj.Geod(ellps="WGS84")


def brute(
    keys: np.ndarray, lon: np.ndarray, lat: np.ndarray, qx: float, qy: float, k: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    az, _, d = GEOD.inv(np.full(lon.size, qx), np.full(lon.size, qy), lon, lat)
    order = np.lexsort((keys, d))[:k]
    return keys[order], np.asarray(d)[order], np.asarray(az)[order]


def assert_exact(
    ix: SpatialIndex,
    keys: np.ndarray,
    lon: np.ndarray,
    lat: np.ndarray,
    qx: np.ndarray,
    qy: np.ndarray,
    k: int = 5,
    **kw: object,
) -> None:
    got_k, got_d, got_az = ix.nearest_geodesic(qx, qy, k=k, **kw)  # type: ignore[arg-type]
    for i in range(qx.size):
        want_k, want_d, want_az = brute(keys, lon, lat, qx[i], qy[i], k)
        n = want_k.size
        assert got_k[i, :n].tolist() == want_k.tolist(), i
        np.testing.assert_allclose(got_d[i, :n], want_d, rtol=0, atol=1e-6)
        turn = np.radians(np.mod(got_az[i, :n] - want_az + 180, 360) - 180)
        np.testing.assert_allclose(want_d * turn, 0, atol=1e-6)
        assert (got_k[i, n:] == -1).all() and np.isinf(got_d[i, n:]).all()


def china(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Points clustered around a few city centres over China, plus countryside."""
    centres = np.column_stack([rng.uniform(75, 134, 40), rng.uniform(19, 52, 40)])
    c = centres[rng.integers(0, 40, n)]
    spread = np.where(rng.random(n) < 0.85, 0.15, 4.0)
    return c[:, 0] + rng.normal(0, 1, n) * spread, np.clip(
        c[:, 1] + rng.normal(0, 1, n) * spread, -89, 89
    )


# -- the compiled distance ------------------------------------------------
lons = st.floats(-180, 180, allow_nan=False)
lats = st.floats(-89.999, 89.999, allow_nan=False)


@settings(max_examples=300, deadline=None)
@given(lons, lats, st.floats(-0.5, 0.5), st.floats(-0.5, 0.5))
def test_inverse_equals_pyproj_on_short_lines(x: float, y: float, dx: float, dy: float) -> None:
    y2 = float(np.clip(y + dy, -90, 90))
    d, az = inverse([x], [y], [x + dx], [y2])
    a2, _, d2 = GEOD.inv(x, y, x + dx, y2)
    assert abs(d[0] - d2) <= 2e-7
    # azimuths agree to under 1e-6 m of sideways offset at the far end
    assert d2 * np.radians(abs((az[0] - a2 + 180) % 360 - 180)) <= 1e-6


@settings(max_examples=300, deadline=None)
@given(lons, lats, lons, lats)
def test_inverse_equals_pyproj_worldwide(x1: float, y1: float, x2: float, y2: float) -> None:
    d, _ = inverse([x1], [y1], [x2], [y2])
    _, _, d2 = GEOD.inv(x1, y1, x2, y2)
    assert abs(d[0] - d2) <= 2e-7


def test_inverse_in_bulk_over_china_and_near_antipodes() -> None:
    rng = np.random.default_rng(3)
    x1, y1 = china(rng, 200_000)
    x2, y2 = x1 + rng.normal(0, 0.1, x1.size), y1 + rng.normal(0, 0.1, x1.size)
    # nearly antipodal pairs, where Vincenty's iteration fails and pyproj answers
    x1 = np.concatenate([x1, [0.0, 10.0, 116.4]])
    y1 = np.concatenate([y1, [0.0, 0.5, 39.9]])
    x2 = np.concatenate([x2, [179.7, -170.0, -63.6]])
    y2 = np.concatenate([y2, [0.3, -0.5, -39.9]])
    d, _ = inverse(x1, y1, x2, y2)
    _, _, d2 = GEOD.inv(x1, y1, x2, y2)
    assert np.abs(d - d2).max() <= 2e-7
    assert (d2 <= VINCENTY_MAX_M).mean() > 0.9  # most lines took the compiled path


@settings(max_examples=300, deadline=None)
@given(lons, lats, st.floats(0, 360), st.floats(1.0, VINCENTY_MAX_M))
def test_inverse_equals_pyproj_up_to_the_longest_compiled_line(
    x: float, y: float, azimuth: float, length: float
) -> None:
    x2, y2, _ = GEOD.fwd(x, y, azimuth, length)
    d, _ = inverse([x], [y], [x2], [y2])
    _, _, d2 = GEOD.inv(x, y, x2, y2)
    assert abs(d[0] - d2) <= 2e-7


def test_chord_never_exceeds_geodesic() -> None:
    rng = np.random.default_rng(4)
    x1, y1 = rng.uniform(-180, 180, 100_000), np.degrees(np.arcsin(rng.uniform(-1, 1, 100_000)))
    x2, y2 = rng.uniform(-180, 180, 100_000), np.degrees(np.arcsin(rng.uniform(-1, 1, 100_000)))
    chord = np.linalg.norm(ecef(x1, y1) - ecef(x2, y2), axis=1)
    _, _, d = GEOD.inv(x1, y1, x2, y2)
    assert (chord <= d + 1e-9).all()


# -- the exact search -----------------------------------------------------
def test_nearest_over_china_equals_brute_force() -> None:
    rng = np.random.default_rng(5)
    x, y = china(rng, 20_000)
    keys = rng.permutation(50_000)[: x.size].astype(np.int64)
    ix = SpatialIndex(keys, x, y)
    qx, qy = china(rng, 300)
    assert_exact(ix, keys, x, y, qx, qy)


def test_nearest_worldwide_and_near_antipodes() -> None:
    rng = np.random.default_rng(6)
    # stations on one side of the Earth only: queries on the other side are near-antipodal
    x, y = rng.uniform(100, 130, 500), rng.uniform(20, 45, 500)
    keys = np.arange(x.size, dtype=np.int64)
    ix = SpatialIndex(keys, x, y)
    qx = np.concatenate([rng.uniform(-180, 180, 100), x[:20] - 180.0, rng.uniform(-80, -50, 30)])
    qy = np.concatenate(
        [np.degrees(np.arcsin(rng.uniform(-1, 1, 100))), -y[:20], rng.uniform(-45, -20, 30)]
    )
    assert_exact(ix, keys, x, y, qx, qy)


def test_near_ties_follow_pyproj_and_keys() -> None:
    # mirror images about the query's meridian and the equator: equal distances
    qx, qy = np.array([116.0, 0.0, 30.0]), np.array([39.0, 0.0, 0.0])
    dx = np.array([0.01, 0.02, 0.013, 0.05])
    dy = np.array([0.003, -0.01, 0.02, 0.0])
    xs, ys = [], []
    for x0, y0 in zip(qx, qy, strict=True):
        xs += [*(x0 + dx), *(x0 - dx)]
        ys += [*(y0 + dy), *(y0 + dy)]
        if y0 == 0.0:
            xs += [*(x0 + dx)]
            ys += [*(-dy)]
    # and two stations on one spot, and two a few micrometres apart in distance
    xs += [116.2, 116.2, 116.3, 116.3 + 1e-10]
    ys += [39.1, 39.1, 39.0, 39.0]
    x, y = np.array(xs), np.array(ys)
    keys = np.arange(x.size, dtype=np.int64)[::-1].copy()
    ix = SpatialIndex(keys, x, y)
    assert_exact(ix, keys, x, y, np.append(qx, [116.25, 116.3]), np.append(qy, [39.05, 38.9]), k=7)


def test_order_within_vincentys_error_follows_pyproj() -> None:
    # Below EXACT_FROM_M, Vincenty is 9.7e-8 m long eastward and 2e-9 m short
    # northward at 15 km here: a station east, truly 5e-8 m nearer than one north,
    # would come second without the near-tie rule.
    qx, qy = 116.3, 39.9
    x, y, _ = GEOD.fwd(
        [qx, qx, qx], [qy, qy, qy], [0.0, 91.0, 200.0], [15_000.0, 15_000.0 - 5e-8, 9e4]
    )
    keys = np.array([0, 1, 2], dtype=np.int64)
    ix = SpatialIndex(keys, x, y)
    assert_exact(ix, keys, np.asarray(x), np.asarray(y), np.array([qx]), np.array([qy]), k=2)
    assert ix.nearest_geodesic([qx], [qy], k=1)[0][0, 0] == 1


def test_filter_and_max_distance() -> None:
    rng = np.random.default_rng(7)
    x, y = china(rng, 5_000)
    keys = np.arange(x.size, dtype=np.int64)
    ix = SpatialIndex(keys, x, y)
    qx, qy = china(rng, 100)
    odd = keys % 7 == 3  # a sparse filter: most candidates are rejected
    assert_exact(ix, keys[odd], x[odd], y[odd], qx, qy, accept=lambda k: k % 7 == 3)
    got_k, _, _ = ix.nearest_geodesic(qx, qy, k=5, max_dist_m=20_000.0)
    for i in range(qx.size):
        want_k, want_d, _ = brute(keys, x, y, qx[i], qy[i], 5)
        inside = want_d <= 20_000.0
        assert got_k[i][got_k[i] >= 0].tolist() == want_k[inside].tolist()


def test_fewer_points_than_k_and_empty() -> None:
    ix = SpatialIndex([4, 9], [0.0, 1.0], [0.0, 1.0])
    k, d, _ = ix.nearest_geodesic([0.1], [0.1], k=5)
    assert k[0].tolist() == [4, 9, -1, -1, -1] and np.isinf(d[0, 2:]).all()
    k, d, _ = SpatialIndex().nearest_geodesic([0.1, 3.0], [0.1, 3.0], k=2)
    assert (k == -1).all() and np.isinf(d).all()


# -- the write buffer -----------------------------------------------------
@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.integers(0, 10**6)), min_size=1, max_size=700))
def test_writes_through_the_buffer_equal_brute_force(ops: list[tuple[bool, int]]) -> None:
    rng = np.random.default_rng(len(ops))
    x0, y0 = china(rng, 1_000)
    held = {i: (float(a), float(b)) for i, (a, b) in enumerate(zip(x0, y0, strict=True))}
    ix = SpatialIndex(list(held), x0, y0)
    for add, seed in ops:
        if add or len(held) < 10:
            key = max(held) + 1
            held[key] = (float(x0[seed % 1000] + 0.01), float(y0[seed % 1000]))
            ix.insert(key, *held[key])
        else:
            key = sorted(held)[seed % len(held)]
            ix.delete(key, *held.pop(key))
        assert len(ix) == len(held)
    assert set(ix.items()) == {(key, a, b) for key, (a, b) in held.items()}
    keys = np.array(list(held), dtype=np.int64)
    xy = np.array(list(held.values()))
    qx, qy = china(rng, 30)
    assert_exact(ix, keys, xy[:, 0], xy[:, 1], qx, qy)
    want = keys[(xy[:, 0] >= 100) & (xy[:, 0] <= 120) & (xy[:, 1] >= 25) & (xy[:, 1] <= 40)]
    assert ix.bbox(100, 25, 120, 40).tolist() == sorted(want.tolist())


def test_tree_and_buffer_spread_over_the_world_merge_exactly() -> None:
    # Inserted one at a time: the tree and the buffer both hold points everywhere, so a
    # buffer candidate can lie beyond tree points that were not asked for yet.
    rng = np.random.default_rng(9)
    x, y = rng.uniform(-180, 180, 3_000), np.degrees(np.arcsin(rng.uniform(-1, 1, 3_000)))
    ix = SpatialIndex()
    for key in range(x.size):
        ix.insert(key, x[key], y[key])
    assert ix.rebuilds > 0 and len(ix) == x.size
    keys = np.arange(x.size, dtype=np.int64)
    qx, qy = rng.uniform(-180, 180, 300), np.degrees(np.arcsin(rng.uniform(-1, 1, 300)))
    assert_exact(ix, keys, x, y, qx, qy)
    odd = keys % 3 == 0
    assert_exact(ix, keys[odd], x[odd], y[odd], qx, qy, accept=lambda k: k % 3 == 0)


def test_writes_do_not_rebuild_the_tree_each_time() -> None:
    rng = np.random.default_rng(8)
    x, y = china(rng, 100_000)
    ix = SpatialIndex(np.arange(x.size), x, y)
    for key in range(100_000, 100_050):
        ix.insert(key, 116.0 + key * 1e-6, 39.0)
    ix.delete(7, float(x[7]), float(y[7]))
    assert ix.rebuilds == 0  # the writes sit in the buffer beside the tree
    k, _, _ = ix.nearest_geodesic([116.0 + 100_010e-6], [39.0], k=1)
    assert k[0, 0] == 100_010
    for key in range(100_050, 104_000):
        ix.insert(key, 116.0 + key * 1e-6, 39.0)
    assert 1 <= ix.rebuilds <= 2 and len(ix) == 103_999


def test_delete_of_a_missing_point_is_refused() -> None:
    ix = SpatialIndex([1], [0.0], [0.0])
    with pytest.raises(KeyError):
        ix.delete(1, 1.0, 0.0)
    with pytest.raises(KeyError):
        ix.delete(2, 0.0, 0.0)


@pytest.mark.parametrize("polar", [False, True])
def test_chord_series_equals_pyproj_up_to_its_longest_line(polar: bool) -> None:
    # 200,000 lines up to SERIES_MAX_M worldwide, or starting within 0.01 degrees of a pole
    rng = np.random.default_rng(11 + polar)
    n = 200_000
    x1 = rng.uniform(-180, 180, n)
    y1 = (
        rng.choice([-1.0, 1.0], n) * rng.uniform(89.99, 89.999999, n)
        if polar
        else np.degrees(np.arcsin(rng.uniform(-1, 1, n)))
    )
    x2, y2, _ = GEOD.fwd(x1, y1, rng.uniform(0, 360, n), rng.uniform(0, SERIES_MAX_M * 0.999, n))
    d, az = inverse(x1, y1, x2, y2)
    a2, _, d2 = GEOD.inv(x1, y1, x2, y2)
    assert np.abs(d - d2).max() <= 2e-8
    turn = np.radians((az - a2 + 180) % 360 - 180)
    assert np.abs(d2 * turn).max() <= 5e-8


def test_a_large_batch_split_across_threads_equals_brute_force() -> None:
    # 1,500 queries: searched along a Z-order curve, in slices on the thread pool
    rng = np.random.default_rng(12)
    x, y = china(rng, 3_000)
    keys = rng.permutation(9_000)[: x.size].astype(np.int64)
    ix = SpatialIndex(keys, x, y)
    ix.delete(int(keys[0]), float(x[0]), float(y[0]))
    ix.insert(10_001, 116.4, 39.9)
    keys, x, y = np.append(keys[1:], 10_001), np.append(x[1:], 116.4), np.append(y[1:], 39.9)
    qx, qy = china(rng, 1_500)
    assert_exact(ix, keys, x, y, qx, qy)
    odd = keys % 2 == 1
    assert_exact(ix, keys[odd], x[odd], y[odd], qx, qy, accept=lambda k: k % 2 == 1)
