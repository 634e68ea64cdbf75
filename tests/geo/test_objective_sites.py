"""suggest_by_objective on the Helsinki network: each objective against brute force."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from geo.access import walk_time_matrix
from geo.errors import InvalidInputError
from geo.network import StreetNetwork
from geo.objective_sites import suggest_by_objective
from geo.siting import suggest_sites
from tests.geo.test_objectives import max_served


@pytest.fixture(scope="module")
def inputs(demo_stations: pd.DataFrame, demo_demand: pd.DataFrame) -> tuple:
    st = demo_stations[demo_stations["status"] == "open"]
    existing, cands = st.iloc[:3], st.iloc[3:10].reset_index(drop=True)
    demand = demo_demand.iloc[::3].reset_index(drop=True)
    return existing, cands, demand


@pytest.mark.parametrize("objective", ["p-median", "p-center"])
def test_p_median_and_p_center_equal_brute_force(
    helsinki: StreetNetwork, inputs: tuple, objective: str
) -> None:
    existing, cands, demand = inputs
    w = demand["weight"].to_numpy(float)
    t_c = walk_time_matrix(
        helsinki, demand["lon"], demand["lat"], cands["lon"], cands["lat"], max_time_s=1e9
    )
    t_e = walk_time_matrix(
        helsinki, demand["lon"], demand["lat"], existing["lon"], existing["lat"], max_time_s=1e9
    ).min(axis=1)
    result, scored, summary = suggest_by_objective(
        cands, demand, existing["lon"], existing["lat"], objective=objective, network=helsinki, k=2
    )  # type: ignore[arg-type]

    def value(sites: tuple[int, ...]) -> float:
        d = np.minimum(t_e, t_c[:, list(sites)].min(axis=1, initial=np.inf))
        return float(d.max()) if objective == "p-center" else float(w @ d)

    best = min(value(s) for s in itertools.combinations(range(len(cands)), 2))
    assert summary.value_after == pytest.approx(best, rel=1e-9)
    assert value(result.chosen) == pytest.approx(best, rel=1e-9)  # chosen are candidate rows
    assert summary.value_before == pytest.approx(value(()), rel=1e-9)
    assert sorted(scored.loc[scored["order"] > 0].index) == sorted(result.chosen)
    limit = 15 * 60.0
    d_after = np.minimum(t_e, t_c[:, list(result.chosen)].min(axis=1))
    assert summary.share_after == pytest.approx(float(w[d_after <= limit].sum() / w.sum()))
    assert summary.unit.startswith("s")


def test_capacitated_equals_exhaustive_search(helsinki: StreetNetwork, inputs: tuple) -> None:
    existing, cands, demand = inputs
    w = demand["weight"].to_numpy(float)
    cands = cands.assign(capacity=[30.0, 5.0, 60.0, 10.0, np.nan, 25.0, 40.0])
    station_cap = [20.0, None, 15.0]
    limit = 450.0  # 7.5 minutes on foot, in seconds
    result, _, summary = suggest_by_objective(
        cands, demand, existing["lon"], existing["lat"], objective="capacitated",
        network=helsinki, minutes=7.5, k=2, site_capacity=12.0, station_capacity=station_cap,
    )  # fmt: skip
    cost = walk_time_matrix(
        helsinki, demand["lon"], demand["lat"],
        np.r_[existing["lon"], cands["lon"]], np.r_[existing["lat"], cands["lat"]],
        max_time_s=limit,
    )  # fmt: skip
    cap = np.array([20.0, 12.0, 15.0, 30.0, 5.0, 60.0, 10.0, 12.0, 25.0, 40.0])
    best = max(
        max_served(cost, w, cap, [0, 1, 2, 3 + a, 3 + b], limit)
        for a, b in itertools.combinations(range(len(cands)), 2)
    )
    assert summary.value_after == pytest.approx(best, rel=1e-6)
    assert summary.value_before == pytest.approx(
        max_served(cost, w, cap, [0, 1, 2], limit), rel=1e-6
    )
    picked = [0, 1, 2, *(3 + j for j in result.chosen)]
    assert max_served(cost, w, cap, picked, limit) == pytest.approx(best, rel=1e-6)
    with pytest.raises(InvalidInputError, match="site_capacity"):
        suggest_by_objective(
            cands, demand, existing["lon"], existing["lat"], objective="capacitated",
            network=helsinki, k=1,
        )  # fmt: skip


def test_coverage_objective_is_suggest_sites(helsinki: StreetNetwork, inputs: tuple) -> None:
    existing, cands, demand = inputs
    a, _, summary = suggest_by_objective(
        cands, demand, existing["lon"], existing["lat"], objective="coverage", network=helsinki, k=2
    )
    b, _ = suggest_sites(cands, demand, existing["lon"], existing["lat"], network=helsinki, k=2)
    assert (a.chosen, a.covered_after) == (b.chosen, b.covered_after)
    assert summary.share_after == b.share_after
    with pytest.raises(InvalidInputError, match="objective='median'"):
        suggest_by_objective(cands, demand, [], [], objective="median", k=1)  # type: ignore[arg-type]
