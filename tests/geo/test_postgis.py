"""The PostGIS backend: same answers as the embedded one, shared state across connections,
queries planned on the GiST indexes. (The common registry suite runs against both backends
in test_registry.py.)"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import psycopg
import pytest

from geo import InvalidInputError, Kind, Station
from geo.stations import StationFilter, open_store
from geo.stations.postgis import PostgisStore
from tests.geo.test_registry import query_points, random_stations


def test_same_answers_as_the_embedded_backend(postgis_url: str) -> None:
    stations = random_stations(np.random.default_rng(11), 2000)
    # One clock for both: the stamps they write (updated_at) are equal whatever the load.
    clock = lambda: datetime(2026, 5, 1, 9, 0, tzinfo=UTC)  # noqa: E731
    lite, pg = open_store(":memory:", clock=clock), open_store(postgis_url, clock=clock)
    lite.add(stations)
    pg.add(stations)
    rng = np.random.default_rng(12)
    qx, qy = query_points(rng, 200)
    filters = [
        StationFilter(),
        StationFilter.build(kinds=["driver_home", "smart_station"], amenities=["toilet"]),
        StationFilter.build(open_at=datetime(2026, 11, 22, 12, 0), statuses=None),
    ]
    for where in filters:
        a = lite.nearest_many(qx, qy, k=4, where=where)
        b = pg.nearest_many(qx, qy, k=4, where=where)
        assert (a.ids == b.ids).all()
        np.testing.assert_array_equal(a.distance_m, b.distance_m)  # the same geodesic, exactly
        np.testing.assert_array_equal(a.bearing_deg, b.bearing_deg)
    for x, y in zip(qx[:50], qy[:50], strict=True):
        ra = lite.within(x, y, 400_000.0, where=filters[2])
        rb = pg.within(x, y, 400_000.0, where=filters[2])
        assert [(h.station, h.distance_m) for h in ra] == [(h.station, h.distance_m) for h in rb]
        a1 = lite.nearest(x, y, k=3, max_dist_m=900_000.0)
        b1 = pg.nearest(x, y, k=3, max_dist_m=900_000.0)
        assert [(h.station, h.distance_m) for h in a1] == [(h.station, h.distance_m) for h in b1]
    for box in [(-10, -10, 10, 10), (170, -50, -170, 50), (5.9, 0, 6.1, 60)]:
        assert lite.in_bbox(*box) == pg.in_bbox(*box)
    assert lite.query(bbox=(-30, -30, 30, 30), text="station 1", limit=20) == pg.query(
        bbox=(-30, -30, 30, 30), text="station 1", limit=20
    )
    assert [list(x) for x in lite.arrays()] == [list(x) for x in pg.arrays()]


def test_two_connections_see_each_others_writes_at_once(postgis_url: str) -> None:
    one, two = open_store(postgis_url), open_store(postgis_url, tz="UTC")
    assert isinstance(one, PostgisStore) and two.tz == "UTC"
    v = two.version
    one.add(Station("a", "A", Kind.WORKER_STATION, 24.94, 60.17))
    assert two.version == v + 1
    assert two.get("a").name == "A" and len(two) == 1
    assert two.nearest(24.94, 60.17, k=1)[0].station.id == "a"
    two.update("a", name="Renamed", actor="planner")
    assert one.get("a").name == "Renamed" and one.version == v + 2
    assert [e.action for e in one.history("a")] == ["add", "update"]
    two.delete("a")
    assert "a" not in one and one.nearest(24.94, 60.17) == []


def test_spatial_queries_use_the_gist_indexes(postgis_url: str) -> None:
    reg = PostgisStore(postgis_url)
    reg.add(random_stations(np.random.default_rng(3), 3000))
    with psycopg.connect(postgis_url) as conn:
        conn.execute("ANALYZE stations")
        conn.execute("SET enable_seqscan = off")  # a tiny table would not need the index
        point = "ST_SetSRID(ST_MakePoint(10, 50), 4326)::geography"
        plans = {
            "knn": f"SELECT id FROM stations ORDER BY geog <-> {point} LIMIT 5",
            "radius": f"SELECT id FROM stations WHERE ST_DWithin(geog, {point}, 1e5, false)",
            "bbox": "SELECT id FROM stations WHERE geog::geometry && "
            "ST_MakeEnvelope(0, 0, 10, 10, 4326)",
        }
        for name, sql in plans.items():
            plan = "\n".join(r[0] for r in conn.execute(f"EXPLAIN {sql}"))
            index = "stations_geom" if name == "bbox" else "stations_geog"
            assert index in plan, (name, plan)


def test_bad_url_is_named_without_its_password() -> None:
    with pytest.raises(InvalidInputError, match=r"not a postgresql:// URL"):
        PostgisStore("mysql://x")
    with pytest.raises(InvalidInputError, match=r"cannot connect to postgresql://u:\*\*\*@127"):
        PostgisStore("postgresql://u:hunter2@127.0.0.1:1/none", pool_size=1)
