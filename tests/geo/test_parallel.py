"""The batch splitter: every item once, in order, and no waiting on the pool from inside it."""

from __future__ import annotations

import itertools
import threading

import pytest

from geo._parallel import PARALLEL_FROM, cores, run_chunks


@pytest.mark.parametrize("n", [0, 1, PARALLEL_FROM, 2 * PARALLEL_FROM, 10_007])
def test_slices_cover_the_batch_once_in_order(n: int) -> None:
    slices = run_chunks(lambda lo, hi: (lo, hi), n)
    assert slices[0][0] == 0 and slices[-1][1] == n
    assert all(a[1] == b[0] for a, b in itertools.pairwise(slices))
    if n >= 2 * PARALLEL_FROM and cores() > 1:
        assert len(slices) > 1


def test_a_slice_that_splits_again_runs_in_its_own_thread() -> None:
    def outer(lo: int, hi: int) -> set[str]:
        inner = run_chunks(lambda a, b: threading.current_thread().name, 10_000)
        assert len(inner) == 1  # not sent back to the pool it runs on
        return set(inner)

    names = set().union(*run_chunks(outer, 10_000))
    if cores() > 1:  # the outer slices ran on the pool, so the nested case was exercised
        assert names and all(n.startswith("geo-batch") for n in names)
