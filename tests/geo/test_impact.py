"""Station impact against brute force: coverage recomputed with each station removed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geo.coverage import StationSet, coverage_report, hex_cells, street_samples, study_area
from geo.errors import InvalidInputError
from geo.impact import IMPACT_COLUMNS, station_impact
from geo.network import StreetNetwork
from tests.conftest import shared_data
from tests.geo.test_coverage import per_station_point_truth
from tests.geo.test_gaps import grid_demand, grid_graph, sao_paulo_case

PARTS = {"street": "street_m", "area": "area_m2", "demand": "demand"}


def check_against_removal(
    net: StreetNetwork, s: StationSet, demand: pd.DataFrame, **kw
) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    """Every station's loss equals the coverage drop when it alone is removed."""
    table = station_impact(net, s, demand=demand, **kw).table
    assert list(table.columns) == IMPACT_COLUMNS
    base = coverage_report(net, s, demand=demand, **kw)
    totals = {
        "street": street_samples(net)[1].sum(),
        "area": hex_cells(study_area(net))["area_m2"].sum(),
        "demand": demand["weight"].sum(),
    }
    rows = table.set_index("station_id")
    for j, sid in enumerate(s.ids):
        keep = np.ones(s.ids.size, dtype=bool)
        keep[j] = False
        after = coverage_report(net, s, demand=demand, active=keep, **kw)
        for part, col in PARTS.items():
            drop = getattr(after, f"{part}_share").none - getattr(base, f"{part}_share").none
            assert rows.loc[sid, f"loss_{part}_share"] == pytest.approx(drop, abs=1e-12)
            assert rows.loc[sid, f"only_{col}"] == pytest.approx(drop * totals[part], abs=1e-6)
        assert rows.loc[sid, "loses_nothing"] == all(
            getattr(after, f"{p}_share").none == pytest.approx(getattr(base, f"{p}_share").none)
            for p in PARTS
        )
    # Catchments partition what is covered.
    for part, col in PARTS.items():
        covered = (1 - getattr(base, f"{part}_share").none) * totals[part]
        assert table[f"catchment_{col}"].sum() == pytest.approx(covered)
    # Ranked by what only each covers: demand, then streets.
    key = list(zip(-table["only_demand"].astype(float), -table["only_street_m"], strict=True))
    assert key == sorted(key) and table["rank"].tolist() == list(range(1, len(table) + 1))
    return table


def test_hand_built_grid_against_removal() -> None:
    net = grid_graph(12)
    demand = grid_demand(net, seed=5)
    # Two stations side by side (each loses little), two far apart, one in a corner.
    k = np.array([0, 26, 27, 90, 143])
    s = StationSet.build(net, [f"s{i}" for i in k], net.lon[k], net.lat[k])
    table = check_against_removal(net, s, demand, minutes=5)
    twins = table.set_index("station_id").loc[["s26", "s27"], "only_demand"]
    alone = table.set_index("station_id").loc["s90", "only_demand"]
    assert alone > twins.max()
    # A station inside another's area (same street corner) loses nothing when closed.
    k2 = np.append(k, 1)
    s2 = StationSet.build(net, [f"s{i}" for i in k2], net.lon[k2], net.lat[k2])
    t2 = check_against_removal(net, s2, demand, minutes=5)
    assert t2["loses_nothing"].any()
    assert t2["rank"][t2["loses_nothing"]].min() > t2["rank"][~t2["loses_nothing"]].max()


def test_catchment_is_the_nearest_station_by_networkx(
    helsinki: StreetNetwork, demo_demand: pd.DataFrame
) -> None:
    k = np.array([300, 1500, 3000, 3010, 4500])
    s = StationSet.build(helsinki, list("abcde"), helsinki.lon[k], helsinki.lat[k])
    table = check_against_removal(helsinki, s, demo_demand, minutes=6)
    pts = helsinki.snap(demo_demand["lon"], demo_demand["lat"])
    truth = per_station_point_truth(helsinki, s, pts)  # stations × points, networkx
    best = truth.min(axis=0)
    w = demo_demand["weight"].to_numpy()
    near = np.argmin(truth, axis=0)
    inside = best <= 480
    tied = (np.sort(truth, axis=0)[1] - best) < 1e-6  # a tie may go either way
    for j, sid in enumerate(s.ids):
        got = table.set_index("station_id").loc[sid, "catchment_demand"]
        lo = w[inside & (near == j) & ~tied].sum()
        assert lo - 1e-9 <= got <= lo + w[inside & tied].sum() + 1e-9
        only = inside & (near == j) & ((truth <= 480).sum(axis=0) == 1)
        assert table.set_index("station_id").loc[sid, "only_demand"] == pytest.approx(w[only].sum())


def test_radius_standard_against_removal(
    helsinki: StreetNetwork, demo_demand: pd.DataFrame
) -> None:
    k = np.array([300, 3000, 3010])
    s = StationSet.build(helsinki, list("abc"), helsinki.lon[k], helsinki.lat[k])
    check_against_removal(helsinki, s, demo_demand, standard="radius", radius_m=350)


def test_counted_stations_only_and_no_demand_says_why(helsinki: StreetNetwork) -> None:
    k = np.array([300, 3000, 3010])
    s = StationSet.build(helsinki, list("abc"), helsinki.lon[k], helsinki.lat[k])
    result = station_impact(helsinki, s, minutes=5, active=np.array([True, False, True]))
    table = result.table
    assert result.to_dict()["stations"][0]["only_demand"] is None
    assert result.to_dict()["minutes"] == 5 and result.to_dict()["limit_m"] == 400
    assert sorted(table["station_id"]) == ["a", "c"]
    assert table["only_demand"].isna().all() and table["loss_demand_share"].isna().all()
    assert all("no demand given" in n for n in table["note"])
    with pytest.raises(InvalidInputError, match="standard"):
        station_impact(helsinki, s, standard="bus")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="one entry per station"):
        station_impact(helsinki, s, active=np.array([True]))


@pytest.mark.skipif(shared_data() is None, reason="shared/data/sao-paulo is absent (fresh clone)")
def test_sao_paulo_against_removal() -> None:
    net, s, dem = sao_paulo_case()
    table = check_against_removal(net, s, dem)
    assert table["loses_nothing"].sum() < len(table)
