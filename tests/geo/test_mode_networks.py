"""Mode networks in the engine's unit, nearest by travel time, default modes: by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely

from geo.coverage import StationSet, coverage_report
from geo.errors import InvalidInputError
from geo.mode_nearest import travel_from
from geo.mode_networks import (
    ModeNetworks,
    default_mode,
    engine_network,
    parse_default_modes,
    reach_m,
)
from geo.network import StreetNetwork, load_network, network_from_arrays

GEOD = pyproj.Geod(ellps="WGS84")
LON0, LAT0 = 114.0, 22.5


def east(metres: float) -> float:
    """The longitude ``metres`` east of (LON0, LAT0)."""
    lon, _, _ = GEOD.fwd(LON0, LAT0, 90, metres)
    return float(lon)


def line(mode: str = "ebike", kmh: float = 18.0, oneway: bool = False) -> StreetNetwork:
    """Nodes 1-2-3-4 on a line 100 m apart (18 km/h: 20 s a segment)."""
    lon = [east(100.0 * i) for i in range(4)]
    return network_from_arrays(
        [1, 2, 3, 4], lon, [LAT0] * 4, [1, 2, 3], [2, 3, 4],
        GEOD.line_lengths(lon, [LAT0] * 4), mode=mode,  # type: ignore[arg-type]
        oneway=[oneway] * 3, speed_kmh=[kmh] * 3,
    )  # fmt: skip


AREA = shapely.box(LON0 - 0.001, LAT0 - 0.001, LON0 + 0.004, LAT0 + 0.001)


def test_engine_costs_are_walking_metres_of_the_mode_time() -> None:
    net = line()
    view = engine_network(net, walk_speed_kmh=4.8)
    assert view.mode == "walk" and net.mode == "ebike"
    np.testing.assert_allclose(view.edge_cost, net.edge_cost * 4.8 / 3.6)
    np.testing.assert_allclose(net.edge_cost, 20.0, rtol=1e-6)  # 100 m at 5 m/s
    assert engine_network(view) is view  # walking networks as they are


@pytest.mark.parametrize("oneway", [False, True])
def test_coverage_within_minutes_of_riding(oneway: bool) -> None:
    """A station at node 1; demand at nodes 2, 3, 4 (20, 40, 60 s away by e-bike)."""
    net = line(oneway=oneway)
    view = engine_network(net)
    st = StationSet.build(view, ["s"], [east(0.0)], [LAT0])
    demand = pd.DataFrame({"lon": [east(100), east(200), east(300)], "lat": [LAT0] * 3})
    for minutes, covered in ((0.5, 1), (0.9, 2), (1.1, 3)):
        report = coverage_report(view, st, minutes=minutes, demand=demand, area=AREA)
        # One-way 1→2→3→4: riders at 2, 3, 4 cannot ride back to the station at 1.
        want = 0 if oneway else covered
        assert report.demand_share.none == pytest.approx(1 - want / 3), (minutes, oneway)
    # The same 0.5 minutes on foot (40 m) reach none of them.
    foot = line(mode="walk")
    walked = coverage_report(foot, StationSet.build(foot, ["s"], [east(0.0)], [LAT0]),
                             minutes=0.5, demand=demand, area=AREA)  # fmt: skip
    assert walked.demand_share.none == 1.0


def test_travel_from_follows_one_way_streets_and_walks_to_the_street() -> None:
    """A triangle: A–B two-way 100 m, B→C one-way 100 m, A–C two-way 300 m, all 36 km/h."""
    lon = [east(0), east(100), east(150)]
    lat = [LAT0, LAT0, LAT0 + 0.001]
    net = network_from_arrays(
        [1, 2, 3], lon, lat, [1, 2, 1], [2, 3, 3], [100.0, 100.0, 300.0],
        mode="drive", oneway=[False, True, False], speed_kmh=[36.0] * 3,
    )  # fmt: skip
    b_to_c = travel_from(net, lon[1], lat[1], [lon[2]], [lat[2]])
    assert (b_to_c.time_s[0], b_to_c.distance_m[0]) == pytest.approx((10.0, 100.0))
    c_to_b = travel_from(net, lon[2], lat[2], [lon[1]], [lat[1]])  # round by A
    assert (c_to_b.time_s[0], c_to_b.distance_m[0]) == pytest.approx((40.0, 400.0))
    # 30 m south of the middle of A–B: walked to the street at 4.8 km/h (22.5 s), then
    # driven the last 50 m to B (5 s).
    _, off_lat, _ = GEOD.fwd(east(50), LAT0, 180, 30.0)
    off = travel_from(net, east(50), off_lat, [lon[1]], [lat[1]])
    assert off.time_s[0] == pytest.approx(22.5 + 5.0, abs=0.05)
    assert off.distance_m[0] == pytest.approx(80.0, abs=0.05)


def test_reach_bounds_every_path() -> None:
    net = line(kmh=18.0)
    assert reach_m(net, 1.0) == pytest.approx(300.0, rel=1e-6)  # 5 m/s for a minute
    assert reach_m(line(kmh=2.0), 1.0) == pytest.approx(80.0)  # walking is faster


def test_default_modes() -> None:
    table = parse_default_modes("driver_home:truck, rider_station:ebike")
    assert default_mode(["driver_home"], table) == "truck"
    assert default_mode(["rider_station", "rider_station"], table) == "ebike"
    assert default_mode(["driver_home", "rider_station"], table) == "walk"  # they differ
    assert default_mode(["worker_station"], table) == "walk"
    assert default_mode([], table) == "walk"
    for bad, why in (("driver_home", "kind:mode"), ("café:walk", "kind:mode"),
                     ("driver_home:horse", "travel mode")):  # fmt: skip
        with pytest.raises(InvalidInputError, match=why):
            parse_default_modes(bad)


def test_mode_networks_are_built_once_per_mode_and_options(helsinki_pbf: str) -> None:
    from geo.modes import ModeOptions, Vehicle

    held = ModeNetworks(max_held=2)
    walk = load_network(helsinki_pbf)
    assert held.network(helsinki_pbf, "walk", walk=walk) is walk
    a = held.network(helsinki_pbf, "truck")
    assert held.network(helsinki_pbf, "truck") is a
    assert held.engine(helsinki_pbf, "truck").mode == "walk"
    low = ModeOptions(vehicle=Vehicle(height_m=2.0))
    assert held.network(helsinki_pbf, "truck", options=low) is not a
    held.network(helsinki_pbf, "ebike")  # a third: the least recently used goes
    assert len(held._held) == 2
