"""Temporary closures (issue 22) at explicit times, on both backends."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from geo.closures import Closures
from geo.errors import ConflictError, InvalidInputError, NotFoundError
from geo.stations import StationFilter
from geo.types import Kind, Station

T = datetime(2026, 9, 1, tzinfo=UTC)


def _at(day: int, hour: int = 0) -> datetime:
    return T.replace(day=day, hour=hour)


@pytest.fixture
def world(make_store: Callable[..., Any]) -> tuple[Any, Closures]:
    store = make_store()
    store.add(
        [
            Station("near", "Near", Kind.WORKER_STATION, 114.000, 22.5),
            Station("mid", "Mid", Kind.WORKER_STATION, 114.010, 22.5),
            Station("far", "Far", Kind.WORKER_STATION, 114.020, 22.5),
        ]
    )
    return store, Closures(store)


def test_closed_until_the_reopening_date(world: tuple[Any, Closures]) -> None:
    store, closures = world
    closures.close("near", since=_at(2), until=_at(5), reason="typhoon", actor="li")
    expected = {1: [], 2: ["near"], 4: ["near"], 5: [], 6: []}  # closed on [2nd, 5th)
    for day, ids in expected.items():
        assert sorted(closures.closed_at(_at(day))) == ids, day
        where, _ = closures.without_closed(StationFilter(), _at(day))
        hits = store.nearest(114.0, 22.5, k=1, where=where)
        assert hits[0].station.id == ("mid" if ids else "near"), day
    assert closures.closed_at(_at(3))["near"].reason == "typhoon"


def test_open_ended_closure_until_reopened(world: tuple[Any, Closures]) -> None:
    _, closures = world
    closures.close("mid", since=_at(2))
    assert "mid" in closures.closed_at(_at(30))
    assert closures.reopen("mid", at=_at(10), actor="li") == 1
    assert "mid" in closures.closed_at(_at(9, 23)) and "mid" not in closures.closed_at(_at(10))
    with pytest.raises(ConflictError):
        closures.reopen("mid", at=_at(11))
    assert [c.until for c in closures.of_station("mid")] == ["2026-09-10T00:00:00Z"]


def test_overlapping_closures_and_errors(world: tuple[Any, Closures]) -> None:
    _, closures = world
    closures.close("far", since=_at(1), until=_at(3))
    closures.close("far", since=_at(2), until=_at(8))
    assert closures.closed_at(_at(2, 12))["far"].until == "2026-09-08T00:00:00Z"
    assert "far" in closures.closed_at(_at(7))
    with pytest.raises(InvalidInputError, match="until"):
        closures.close("far", since=_at(3), until=_at(3))
    with pytest.raises(NotFoundError):
        closures.close("nope", since=_at(3))
    counter = closures.state(_at(2))[0]
    closures.close("near", since=_at(20))
    assert closures.state(_at(2)) == (counter + 1, frozenset({"far"}))
