"""The compiled k-d tree against brute force: k nearest with dead rows and a bound, and balls."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial import cKDTree

from geo._kdtree import LEAF_SIZE, KDTree


def brute_knn(
    pts: np.ndarray, live: np.ndarray, q: np.ndarray, m: int, bound: float
) -> tuple[np.ndarray, np.ndarray]:
    d = np.linalg.norm(pts[None, :, :] - q[:, None, :], axis=2)
    d[:, ~live] = np.inf
    d[d > bound] = np.inf
    order = np.argsort(d, axis=1, kind="stable")[:, :m]
    return order, np.take_along_axis(d, order, axis=1)


@pytest.mark.parametrize("n", [0, 1, LEAF_SIZE, LEAF_SIZE + 1, 1_000, 20_000])
@pytest.mark.parametrize("bound", [np.inf, 0.05])
def test_knn_equals_brute_force(n: int, bound: float) -> None:
    rng = np.random.default_rng(n)
    # clustered points with exact duplicates, as stations in a city
    pts = rng.normal(0, 0.1, (n, 3)) + rng.integers(0, 5, (n, 1))
    if n > 10:
        pts[-5:] = pts[:5]
    tree = KDTree(pts)
    live_rows = rng.random(n) > 0.2  # dead rows are skipped inside the search
    live = live_rows[tree.perm]
    q = rng.normal(0, 0.1, (200, 3)) + rng.integers(0, 5, (200, 1))
    m = 7
    pos, dist, reach, xyz = tree.query(q, m, bound, live, coords=True)
    _, want_d = brute_knn(pts, live_rows, q, m, bound)
    want_d = np.pad(want_d, ((0, 0), (0, m - want_d.shape[1])), constant_values=np.inf)
    found = np.isfinite(want_d)
    np.testing.assert_allclose(dist[found], want_d[found], rtol=0, atol=1e-12)
    assert (pos[~found] == -1).all() and np.isinf(dist[~found]).all()
    # positions are rows in tree order: the same points (ties may swap rows)
    np.testing.assert_array_equal(xyz[found], tree.pts[pos[found]])  # the points themselves
    rows = tree.perm[pos[found]]
    np.testing.assert_allclose(
        np.linalg.norm(pts[rows] - q[np.nonzero(found)[0]], axis=1), want_d[found]
    )
    # reach: the m-th distance, or inf when fewer than m live points are within the bound
    assert np.array_equal(np.isinf(reach), ~found[:, -1])
    np.testing.assert_array_equal(reach[found[:, -1]], dist[found[:, -1], -1])


def test_tree_order_keeps_every_point_once() -> None:
    rng = np.random.default_rng(1)
    pts = rng.random((5_000, 3))
    tree = KDTree(pts)
    assert sorted(tree.perm.tolist()) == list(range(5_000))
    np.testing.assert_array_equal(tree.pts, pts[tree.perm])


@pytest.mark.parametrize("radius", [0.0, 0.01, 0.2, 5.0])
def test_ball_equals_cKDTree(radius: float) -> None:
    rng = np.random.default_rng(2)
    pts = rng.random((3_000, 3))
    tree = KDTree(pts)
    live_rows = np.ones(3_000, dtype=bool)
    live_rows[::3] = False
    live = live_rows[tree.perm]
    peer = cKDTree(pts)
    for q in rng.random((50, 3)):
        got = sorted(tree.perm[tree.ball(q, radius, live)].tolist())
        assert got == sorted(r for r in peer.query_ball_point(q, radius) if live_rows[r])


def test_an_empty_live_mask_counts_every_point() -> None:
    rng = np.random.default_rng(3)
    pts = rng.random((2_000, 3))
    tree = KDTree(pts)
    q = rng.random((100, 3))
    every = np.ones(0, dtype=bool)
    got = tree.query(q, 5, np.inf, every)
    want = tree.query(q, 5, np.inf, np.ones(2_000, dtype=bool))
    np.testing.assert_array_equal(got[1], want[1])
    assert sorted(tree.ball(q[0], 0.2, every).tolist()) == sorted(
        tree.ball(q[0], 0.2, np.ones(2_000, dtype=bool)).tolist()
    )
