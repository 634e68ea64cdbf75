"""E2SFCA accessibility: against PySAL's ``access`` package, and by hand."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import shapely

from geo.access import StepDecay, e2sfca, share_below
from geo.access_report import accessibility_report, district_of, weighted_mean_by
from geo.errors import InvalidInputError
from geo.network import StreetNetwork

ZONES = StepDecay((300.0, 600.0, 900.0), (1.0, 0.68, 0.22))


def pysal_e2sfca(cost: np.ndarray, demand: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """The same inputs through PySAL access (an independent implementation)."""
    from access import Access, weights

    rows, cols = np.nonzero(np.isfinite(cost))
    model = Access(
        demand_df=pd.DataFrame({"geoid": np.arange(cost.shape[0]), "pop": demand}),
        demand_index="geoid",
        demand_value="pop",
        supply_df=pd.DataFrame({"geoid": np.arange(cost.shape[1]), "seats": capacity}),
        supply_index="geoid",
        supply_value="seats",
        cost_df=pd.DataFrame({"origin": rows, "dest": cols, "cost": cost[rows, cols]}),
        cost_origin="origin",
        cost_dest="dest",
        cost_name="cost",
    )
    out = model.enhanced_two_stage_fca(
        weight_fn=weights.step_fn({300: 1.0, 600: 0.68, 900: 0.22}), max_cost=900
    )
    got = out.iloc[:, 0].reindex(np.arange(cost.shape[0])).fillna(0.0)
    return got.to_numpy(float)


@pytest.mark.filterwarnings("ignore:The inplace keyword")  # inside PySAL access, on pandas 3
@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_equals_pysal_access(seed: int) -> None:
    rng = np.random.default_rng(seed)
    m, n = 60, 9
    cost = rng.uniform(0, 1400, size=(m, n)).round(1)
    cost[rng.random((m, n)) < 0.3] = np.inf  # unreachable pairs
    cost[:, 0] = np.where(np.isfinite(cost[:, 0]), cost[:, 0], 100.0)  # every station has demand
    cost[0, :] = np.minimum(cost[0, :], 800.0)
    demand = rng.integers(1, 50, size=m).astype(float)
    capacity = rng.uniform(5, 60, size=n).round(2)
    want = pysal_e2sfca(cost, demand, capacity)
    got = e2sfca(cost, demand, capacity, decay=ZONES)
    np.testing.assert_allclose(got.score, want, rtol=1e-9, atol=0)
    assert (got.score > 0).sum() > m // 2  # the comparison is not between zeros
    # A sparse matrix of the reachable pairs gives the same scores.
    rows, cols = np.nonzero(np.isfinite(cost))
    sparse = sp.csr_matrix((cost[rows, cols], (rows, cols)), shape=cost.shape)
    np.testing.assert_allclose(e2sfca(sparse, demand, capacity, decay=ZONES).score, want, rtol=1e-9)


def test_three_stations_five_points_by_hand() -> None:
    # Minutes from five demand points (rows) to three stations (columns); zones 5/10/15 min.
    minutes = np.array(
        [
            [2, 12, np.inf],  # zone 1 of A, zone 3 of B
            [7, 4, np.inf],  # zone 2 of A, zone 1 of B
            [14, np.inf, 3],  # zone 3 of A, zone 1 of C
            [np.inf, 8, 9],  # zone 2 of B, zone 2 of C
            [20, np.inf, 16],  # nothing within 15 minutes
        ]
    )
    people = np.array([10.0, 20.0, 30.0, 40.0, 50.0])
    seats = np.array([12.0, 30.0, 8.0])
    r = e2sfca(minutes * 60, people, seats, decay=StepDecay.luo_qi(15))
    # Station A: 10·1 + 20·0.68 + 30·0.22 = 30.2 weighted people for 12 seats.
    # Station B: 10·0.22 + 20·1 + 40·0.68 = 49.4;  station C: 30·1 + 40·0.68 = 57.2.
    ra, rb, rc = 12 / 30.2, 30 / 49.4, 8 / 57.2
    np.testing.assert_allclose(r.catchment_demand, [30.2, 49.4, 57.2], rtol=1e-12)
    np.testing.assert_allclose(r.ratio, [ra, rb, rc], rtol=1e-12)
    want = [ra + 0.22 * rb, 0.68 * ra + rb, 0.22 * ra + rc, 0.68 * rb + 0.68 * rc, 0.0]
    np.testing.assert_allclose(r.score, want, rtol=1e-12)
    # Total capacity is handed out in full to the demand in reach: Σ P_i A_i = Σ S_j.
    assert people @ r.score == pytest.approx(seats.sum())
    assert share_below(r.score, people, 0.4) == pytest.approx((30 + 50) / 150)


def test_unknown_capacity_takes_no_part_and_bad_inputs_are_named() -> None:
    cost = np.array([[60.0, 60.0], [60.0, 1000.0]])
    r = e2sfca(cost, [1, 1], [np.nan, 4.0], decay=ZONES)
    assert np.isnan(r.ratio[0]) and r.ratio[1] == 4.0
    assert r.score.tolist() == [4.0, 0.0]
    with pytest.raises(InvalidInputError, match=r"capacity=-1\.0 at position 1"):
        e2sfca(cost, [1, 1], [1, -1], decay=ZONES)
    with pytest.raises(InvalidInputError, match="demand_weight has 3 values for 2"):
        e2sfca(cost, [1, 1, 1], [1, 1], decay=ZONES)
    with pytest.raises(InvalidInputError, match="increasing"):
        StepDecay((600.0, 300.0), (1.0, 0.5))


def test_per_key_means_and_districts() -> None:
    table = weighted_mean_by(["a", "b", "a", None], [1.0, 2.0, 3.0, 9.0], [1, 1, 3, 1], threshold=2)
    assert table["key"].tolist() == ["a", "b"]
    np.testing.assert_allclose(table["score"], [(1 + 9) / 4, 2.0])
    np.testing.assert_allclose(table["share_below"], [0.25, 0.0])
    d = gpd.GeoDataFrame(
        {"name": ["W", "E"]}, geometry=[shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)], crs=4326
    )
    assert district_of([0.5, 1.5, 3.0], [0.5, 0.5, 0.5], d).tolist() == ["W", "E", None]


def test_report_on_the_helsinki_network(
    helsinki: StreetNetwork, demo_stations: pd.DataFrame, demo_demand: pd.DataFrame
) -> None:
    st = demo_stations[demo_stations["status"] == "open"].head(8)
    cap = np.array([20.0, np.nan, 10.0, 5.0, 40.0, 8.0, 12.0, 6.0])[: len(st)]
    demand = demo_demand.head(120)
    rep = accessibility_report(
        helsinki, st["id"].tolist(), st["lon"], st["lat"], cap, demand, minutes=15, threshold=0.05
    )
    assert rep.stations_without_capacity == [st["id"].iloc[1]]
    # The per-point scores are e2sfca on the walking times of the same points.
    from geo.access import walk_time_matrix

    cost = walk_time_matrix(
        helsinki, demand["lon"], demand["lat"], st["lon"], st["lat"], max_time_s=900
    )
    w = demand["weight"].to_numpy(float) if "weight" in demand else np.ones(len(demand))
    np.testing.assert_allclose(rep.points["score"], e2sfca(cost, w, cap).score, rtol=1e-12)
    # Hexagons and the region agree: the demand-weighted mean of hexagon means is the region's.
    hx = rep.hexagons
    assert hx["demand"].sum() == pytest.approx(w.sum())
    assert (hx["demand"] @ hx["score"]) / hx["demand"].sum() == pytest.approx(rep.mean_score)
    assert rep.share_below == pytest.approx(float(w[rep.points["score"] < 0.05].sum() / w.sum()))
    assert rep.to_dict()["stations_used"] == len(st) - 1


def test_sparse_pairs_equal_the_dense_matrix(
    helsinki: StreetNetwork, demo_stations: pd.DataFrame, demo_demand: pd.DataFrame
) -> None:
    from geo.access import walk_time_matrix, walk_time_pairs

    st, d = demo_stations, demo_demand
    for limit_s in (120.0, 600.0):
        dense = walk_time_matrix(
            helsinki, d["lon"], d["lat"], st["lon"], st["lat"], max_time_s=limit_s
        )
        pairs = walk_time_pairs(
            helsinki, d["lon"], d["lat"], st["lon"], st["lat"], max_time_s=limit_s
        )
        want = np.isfinite(dense)
        assert 0 < want.sum() < dense.size  # the limit leaves some pairs out
        got = np.full(dense.shape, np.inf)
        coo = pairs.tocoo()
        got[coo.row, coo.col] = coo.data
        assert pairs.nnz == want.sum()
        np.testing.assert_allclose(got[want], dense[want], rtol=1e-12)
