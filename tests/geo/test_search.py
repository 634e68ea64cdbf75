"""The compiled two-nearest search against scipy's Dijkstra run once per source."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse.csgraph import dijkstra

from geo import _search
from geo._search import two_nearest
from tests.conftest import shared_data


def per_source_truth(
    g: sp.csr_matrix, seed_node: np.ndarray, seed_cost: np.ndarray, seed_label: np.ndarray
) -> np.ndarray:
    """Cost from each source to each node: one scipy Dijkstra per entry, minimum per source."""
    n_src = int(seed_label.max()) + 1
    out = np.full((n_src, g.shape[0]), np.inf)
    d = dijkstra(g, directed=True, indices=seed_node)
    for i, s in enumerate(seed_label):
        out[s] = np.minimum(out[s], seed_cost[i] + d[i])
    return out


def check(
    g: sp.csr_matrix,
    seed_node: np.ndarray,
    seed_cost: np.ndarray,
    seed_label: np.ndarray,
    limit: float,
) -> None:
    truth = per_source_truth(g, seed_node, seed_cost, seed_label)
    d1, l1, d2, l2 = two_nearest(
        g.indptr, g.indices, g.data, seed_node, seed_cost, seed_label, limit=limit
    )
    ranked = np.sort(truth, axis=0)
    np.testing.assert_allclose(d1, ranked[0], rtol=1e-12, atol=1e-9)
    second = ranked[1] if ranked.shape[0] > 1 else np.full(g.shape[0], np.inf)
    second = np.where(second <= limit, second, np.inf)
    np.testing.assert_allclose(d2, second, rtol=1e-12, atol=1e-9)
    cols = np.arange(g.shape[0])
    reached = np.isfinite(d1)
    assert np.all(l1[~reached] == -1)
    np.testing.assert_allclose(
        truth[l1[reached], cols[reached]], d1[reached], rtol=1e-12, atol=1e-9
    )
    has2 = np.isfinite(d2)
    assert np.all(l2[~has2] == -1)
    assert np.all(l2[has2] != l1[has2])  # distinct sources
    np.testing.assert_allclose(truth[l2[has2], cols[has2]], d2[has2], rtol=1e-12, atol=1e-9)


# Weights mix zero, tiny and long edges so buckets are worked more than once.
weights = st.sampled_from([0.0, 1e-3, 0.5, 1.0, 7.0, 50.0, 333.3, 1000.0])


@st.composite
def graphs(draw: st.DrawFn) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray, np.ndarray, float]:
    n = draw(st.integers(1, 30))
    m = draw(st.integers(0, 90))
    u = np.array(draw(st.lists(st.integers(0, n - 1), min_size=m, max_size=m)), dtype=int)
    v = np.array(draw(st.lists(st.integers(0, n - 1), min_size=m, max_size=m)), dtype=int)
    w = np.array(draw(st.lists(weights, min_size=m, max_size=m)), dtype=float)
    keep = u != v
    # Explicit zeros must stay stored: build from the arrays, keeping the shortest duplicate.
    order = np.lexsort((w[keep], v[keep], u[keep]))
    uu, vv, ww = u[keep][order], v[keep][order], w[keep][order]
    first = np.ones(uu.size, dtype=bool)
    first[1:] = (uu[1:] != uu[:-1]) | (vv[1:] != vv[:-1])
    g = sp.csr_matrix((ww[first], (uu[first], vv[first])), shape=(n, n))
    k = draw(st.integers(1, 12))
    seed_node = np.array(draw(st.lists(st.integers(0, n - 1), min_size=k, max_size=k)))
    seed_cost = np.array(draw(st.lists(weights, min_size=k, max_size=k)), dtype=float)
    n_src = draw(st.integers(1, k))
    seed_label = np.array(draw(st.lists(st.integers(0, n_src - 1), min_size=k, max_size=k)))
    limit = draw(st.sampled_from([0.0, 1.0, 60.0, 500.0, np.inf]))
    return g, seed_node, seed_cost, seed_label, limit


@settings(max_examples=300, deadline=None)
@given(graphs())
def test_matches_per_source_dijkstra(case: tuple) -> None:  # type: ignore[type-arg]
    check(*case)


def test_grid_with_many_sources() -> None:
    """A 60 x 60 grid, 40 sources entering at two nodes each, random edge lengths."""
    rng = np.random.default_rng(3)
    n = 60
    idx = np.arange(n * n).reshape(n, n)
    u = np.concatenate([idx[:, :-1].ravel(), idx[:-1, :].ravel()])
    v = np.concatenate([idx[:, 1:].ravel(), idx[1:, :].ravel()])
    w = rng.uniform(0.0, 80.0, u.size)
    g = sp.csr_matrix(
        (np.concatenate([w, w]), (np.concatenate([u, v]), np.concatenate([v, u]))),
        shape=(n * n, n * n),
    )
    nodes = rng.choice(n * n, 80, replace=False)
    check(g, nodes, rng.uniform(0, 30, 80), np.repeat(np.arange(40), 2), 400.0)


def test_unreachable_and_infinite_entries() -> None:
    # 0 -> 1 -> 2 one way; node 3 is isolated; source 1 enters at an infinite cost.
    g = sp.csr_matrix(([5.0, 5.0], ([0, 1], [1, 2])), shape=(4, 4))
    d1, l1, d2, l2 = two_nearest(
        g.indptr, g.indices, g.data, np.array([0, 2]), np.array([1.0, np.inf]), np.array([0, 1])
    )
    np.testing.assert_array_equal(d1, [1.0, 6.0, 11.0, np.inf])
    np.testing.assert_array_equal(l1, [0, 0, 0, -1])
    np.testing.assert_array_equal(d2, [np.inf] * 4)
    np.testing.assert_array_equal(l2, [-1] * 4)


def test_pool_exhaustion_is_reported_not_overrun() -> None:
    """Too small an entry pool makes the search say so (the wrapper then retries larger)."""
    g = sp.csr_matrix(([1.0, 1.0, 1.0], ([0, 1, 2], [1, 2, 3])), shape=(4, 4))
    dist = np.array([0.0, np.inf, np.inf, np.inf])
    lab = np.array([0, -1, -1, -1])
    assert not _search._nearest(g.indptr, g.indices, g.data, dist, lab, 1.0, 2)
    dist = np.array([0.0, np.inf, np.inf, np.inf])
    assert _search._nearest(g.indptr, g.indices, g.data, dist, lab, 1.0, 4)
    np.testing.assert_array_equal(dist, [0.0, 1.0, 2.0, 3.0])


def test_rejects_bad_costs() -> None:
    g = sp.csr_matrix(([-1.0], ([0], [1])), shape=(2, 2))
    with pytest.raises(ValueError, match="finite and >= 0"):
        two_nearest(g.indptr, g.indices, g.data, np.array([0]), np.array([0.0]), np.array([0]))


@pytest.mark.skipif(shared_data() is None, reason="shared/data/sao-paulo is absent (fresh clone)")
@pytest.mark.parametrize("limit", [1200.0, np.inf])
def test_sao_paulo_walk_network_matches_per_source_dijkstra(limit: float) -> None:
    """A real street graph: edges shorter than the bucket width, so nodes are worked again.

    With a limit pass 2 puts every entry in its ring at once; without one it sorts them.
    """
    from geo.network import load_network

    folder = shared_data()
    assert folder is not None
    g = load_network(folder / "spo_osm.pbf").csr
    rng = np.random.default_rng(11)
    nodes = rng.choice(g.shape[0], 120, replace=False)
    # 60 sources entering at two nodes each, with connector costs.
    check(g, nodes, rng.uniform(0, 40, 120), np.repeat(np.arange(60), 2), limit)
