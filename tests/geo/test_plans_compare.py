"""A plan's comparison against an independent recomputation (issue 20): the "after" stations
built by hand from the CSV, then coverage_report, gap_pieces, night coverage (each station's
hours read by geo.hours.is_open), E2SFCA and fairness run on them directly."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
import pytest

from geo.access_report import accessibility_report
from geo.coverage import StationSet, coverage_report, study_area
from geo.fairness import fairness_report
from geo.gaps import gap_pieces
from geo.hours import is_open
from geo.io import import_stations
from geo.network import StreetNetwork
from geo.plans import Plans, compare_changes
from geo.stations import open_store
from geo.types import Kind, Station

TZ = "Europe/Helsinki"
NIGHT = datetime(2026, 12, 2, 2, 0)  # a Wednesday, 02:00 local
MINUTES = 4.0  # short, so that one station more or less shows on the small Helsinki extract


def _stations(frame: pd.DataFrame) -> list[Station]:
    out = []
    for r in frame.itertuples():
        if r.status != "open":
            continue
        out.append(
            Station(
                r.id,
                r.name,
                Kind(r.kind),
                float(r.lon),
                float(r.lat),
                opening_hours=r.opening_hours,
                capacity=None,
            )
        )
    return out


def _figures(net: StreetNetwork, stations: list[Station], demand: pd.DataFrame) -> dict[str, Any]:
    area = study_area(net)
    s = StationSet.build(
        net, [x.id for x in stations], [x.lon for x in stations], [x.lat for x in stations]
    )
    cov = coverage_report(net, s, minutes=MINUTES, demand=demand, area=area, keep_cells=True)
    night_open = np.array([is_open(x.opening_hours, NIGHT, tz=TZ) for x in stations])
    night = coverage_report(net, s, minutes=MINUTES, demand=demand, area=area, active=night_open)
    gaps = gap_pieces(cov, net, s, demand=demand)
    cap = [math.nan if x.capacity is None else x.capacity for x in stations]
    acc = accessibility_report(
        net, s.ids, s.lon, s.lat, cap, demand, minutes=MINUTES, threshold=0.05
    )
    fair = fairness_report(
        net, s.lon, s.lat, [x.capacity for x in stations], demand, minutes=MINUTES
    )
    return {
        "coverage": cov.to_dict(),
        "night": {"open_stations": int(night_open.sum()), **night.to_dict()},
        "gaps": {
            "count": len(gaps),
            "demand": float(gaps["demand"].sum()),
            "area_m2": float(gaps["area_m2"].sum()),
        },
        "mean_score": acc.to_dict()["mean_score"],
        "share_below": acc.share_below,
        "fairness": fair.to_dict(),
    }


@pytest.fixture(scope="module")
def case(
    helsinki: StreetNetwork,
    demo_stations: pd.DataFrame,
    demo_demand: pd.DataFrame,
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, Any]:
    frame = demo_stations.copy()
    open_ids = frame.loc[frame["status"] == "open", "id"].tolist()
    hours = dict(zip(frame["id"], frame["opening_hours"], strict=True))
    day_only = [i for i in open_ids if not is_open(hours[i], NIGHT, tz=TZ)]
    closed, retimed, resized = day_only[3], day_only[7], open_ids[11]
    # The capacity of two stations is known (so E2SFCA has something to share).
    frame.loc[frame["id"] == open_ids[5], "capacity"] = "10"
    path = tmp_path_factory.mktemp("plans") / "stations.csv"
    frame.to_csv(path, index=False)
    store = open_store(":memory:", tz=TZ)
    import_stations(store, path)
    lon, lat = float(helsinki.lon.mean()), float(helsinki.lat.min() + 0.002)
    changes = [
        {"kind": "close", "station_id": closed},
        {"kind": "hours", "station_id": retimed, "hours": "24/7"},
        {"kind": "capacity", "station_id": resized, "capacity": 25},
        {
            "kind": "add",
            "lon": lon,
            "lat": lat,
            "station_kind": "rider_station",
            "station_id": "new-south",
            "hours": "24/7",
            "capacity": 8,
        },
    ]
    plan = Plans(store).create("South", "helsinki", changes, actor="li")
    result = compare_changes(
        store,
        plan.changes,
        net=helsinki,
        boundary=study_area(helsinki),
        demand=demo_demand,
        districts=None,
        tz=TZ,
        night_at=NIGHT,
        minutes=MINUTES,
        threshold=0.05,
    )
    # By hand: the CSV's open stations, the plan's changes written out.
    before = [s.replace(capacity=10.0) if s.id == open_ids[5] else s for s in _stations(frame)]
    after = []
    for st in before:
        if st.id == closed:
            continue
        if st.id == retimed:
            st = st.replace(opening_hours="24/7")
        if st.id == resized:
            st = st.replace(capacity=25.0)
        after.append(st)
    after.append(
        Station("new-south", "x", Kind.RIDER_STATION, lon, lat, opening_hours="24/7", capacity=8.0)
    )
    return {
        "result": result,
        "before": _figures(helsinki, before, demo_demand),
        "after": _figures(helsinki, after, demo_demand),
        "ids": (closed, retimed, resized),
        "store": store,
        "frame": frame,
    }


@pytest.mark.parametrize("side", ["before", "after"])
def test_figures_equal_recomputation(case: dict[str, Any], side: str) -> None:
    got = getattr(case["result"], side).to_dict()
    want = case[side]
    assert got["coverage"] == want["coverage"]
    assert got["night"] == want["night"]
    assert got["gaps"] == pytest.approx(want["gaps"], rel=1e-12)
    assert got["accessibility"]["mean_score"] == pytest.approx(want["mean_score"], rel=1e-12)
    assert got["accessibility"]["share_below"] == pytest.approx(want["share_below"], rel=1e-12)
    assert got["fairness"] == want["fairness"]


def test_the_plan_changes_the_figures(case: dict[str, Any]) -> None:
    """The case is not a no-op: the new 24/7 station and the retimed one change coverage,
    night coverage and the gaps, so the equalities above test the changes too."""
    result = case["result"]
    rows = {r["figure"]: r for r in result.rows()}
    assert rows["stations"]["before"] == rows["stations"]["after"]  # one closed, one added
    assert rows["demand covered"]["change"] != 0
    assert rows["stations open at night"]["change"] >= 1
    assert rows["demand covered at night"]["change"] > 0
    assert result.before.to_dict()["gaps"] != result.after.to_dict()["gaps"]
    b, a = case["before"]["coverage"], case["after"]["coverage"]
    assert rows["demand covered"]["before"] == pytest.approx(1 - b["demand_share"]["none"])
    assert rows["demand covered"]["after"] == pytest.approx(1 - a["demand_share"]["none"])
    closed, retimed, resized = case["ids"]
    assert (result.added, result.closed) == (["new-south"], [closed])
    assert result.changed == sorted([retimed, resized])


def test_compare_leaves_the_registry_alone(case: dict[str, Any]) -> None:
    store = case["store"]
    closed, retimed, resized = case["ids"]
    assert str(store.get(closed).status) == "open" and "new-south" not in store
    assert store.get(resized).capacity is None
    assert store.get(retimed).opening_hours != "24/7"
