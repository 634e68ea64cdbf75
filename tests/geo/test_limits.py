"""The anonymous-submission rate limit kept in the store: shared by every connection, bounded,
constant work per submission; on both backends, at explicit times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path

import pytest

from geo.errors import InvalidInputError
from geo.feedback import SubmissionLimiter
from geo.feedback.limits import PRUNE_PER_TAKE
from geo.stations import open_store

T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgis"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "limits.sqlite")
    from tests.pg import fresh_database

    return fresh_database(request.getfixturevalue("postgis_template"))


def reference_bucket(per_hour: int, times: list[float]) -> list[bool]:
    """Which of one client's submissions at ``times`` (seconds) pass: a token bucket worked
    the long way, in exact fractions."""
    from fractions import Fraction

    cap, rate = Fraction(per_hour), Fraction(per_hour, 3600)
    tokens, last, out = cap, Fraction(0), []
    for t in map(Fraction, times):
        tokens = min(cap, tokens + (t - last) * rate)
        last = t
        out.append(tokens >= 1)
        if tokens >= 1:
            tokens -= 1
    return out


def test_twenty_an_hour_shared_by_two_connections(target: str) -> None:
    with open_store(target) as one, open_store(target) as two:
        a, b = SubmissionLimiter(one, 20), SubmissionLimiter(two, 20)
        waits = [(a, b)[i % 2].take("10.0.0.1", now=T0 + timedelta(seconds=i)) for i in range(20)]
        assert waits == [0.0] * 20
        # The 21st, through either connection, is refused, with the wait until a token is back:
        # at 20 s, 20 s of refill at 20/3600 a second is 1/9 of a token; 8/9 take 160 s more.
        assert a.take("10.0.0.1", now=T0 + timedelta(seconds=20)) == 160.0
        assert b.take("10.0.0.1", now=T0 + timedelta(seconds=20)) == 160.0
        assert b.take("10.0.0.2", now=T0 + timedelta(seconds=20)) == 0.0  # its own bucket
        assert a.take("10.0.0.1", now=T0 + timedelta(seconds=179)) > 0
        assert b.take("10.0.0.1", now=T0 + timedelta(seconds=181)) == 0.0


def test_same_answers_as_a_reference_bucket(target: str) -> None:
    import numpy as np

    rng = np.random.default_rng(5)
    times = np.cumsum(rng.exponential(90.0, 300)).round(3).tolist()  # ~7 hours, bursts
    with open_store(target) as store:
        limit = SubmissionLimiter(store, 20)
        got = [limit.take("c", now=T0 + timedelta(seconds=t)) == 0.0 for t in times]
    want = reference_bucket(20, times)
    assert got == want and 0 < sum(want) < len(want)


def test_memory_is_bounded_and_work_constant(target: str) -> None:
    with open_store(target) as store:
        limit = SubmissionLimiter(store, 20)
        for i in range(60):
            limit.take(f"10.1.{i // 250}.{i % 250}", now=T0)
        assert limit.held() == 60
        later = T0 + timedelta(hours=1, seconds=1)  # every bucket is full again: forgettable
        held = [limit.held()]
        for i in range(35):
            limit.take(f"10.2.0.{i}", now=later)
            held.append(limit.held())
        # Each submission adds at most one bucket and removes at most PRUNE_PER_TAKE stale ones.
        steps = [b - a for a, b in pairwise(held)]
        assert steps[:30] == [1 - PRUNE_PER_TAKE] * 30
        assert held[-1] == 35  # the 60 stale buckets are gone, the 35 new ones remain


def test_per_hour_must_be_positive(target: str) -> None:
    with open_store(target) as store, pytest.raises(InvalidInputError, match="per_hour=0"):
        SubmissionLimiter(store, 0)
