"""Batches split across the cores: compiled, GIL-free work run in one pool of Python threads.

numba's own parallel loops run on an OpenMP pool whose idle threads spin for a
while after each loop, and scipy's ``cKDTree.query(workers=-1)`` starts threads
of its own; used one after the other, each pool's threads slow the other's
(measured here: k-d tree queries 2-3x slower just after a numba parallel loop).
The nearest search and the bulk distances therefore run their serial kernels
(numba ``nogil``, cKDTree with one worker, both release the GIL) in chunks on
this one shared pool, and a small batch (one API query) stays in the calling
thread, where waking a pool would cost more than the work.
"""

from __future__ import annotations

import itertools
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

__all__ = ["PARALLEL_FROM", "cores", "run_chunks"]

T = TypeVar("T")

PARALLEL_FROM = 256
"""Batches at least this large are split across the cores."""
# Chunks per core: a few, so a core slowed by other work does not hold up the batch.
_CHUNKS_PER_CORE = 4

_pool: ThreadPoolExecutor | None = None
_NAME = "geo-batch"


def cores() -> int:
    """Cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def run_chunks(work: Callable[[int, int], T], n: int, min_chunk: int = PARALLEL_FROM) -> list[T]:
    """``work(start, stop)`` over consecutive slices covering ``range(n)``, on all cores.

    Parameters
    ----------
    work
        Called once per slice; must be safe to run in several threads at once
        (write only to its own slice of shared outputs).
    n
        Items in the batch.
    min_chunk
        Smallest slice worth a thread; a batch under twice this runs in the
        calling thread.

    Returns
    -------
    list
        What each call returned, in slice order.
    """
    global _pool
    parts = min(cores() * _CHUNKS_PER_CORE, n // max(1, min_chunk))
    # a slice that splits again runs serially: waiting on the pool from inside it could
    # leave every worker waiting
    inside = threading.current_thread().name.startswith(_NAME)
    if parts < 2 or cores() < 2 or inside:
        return [work(0, n)]
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=cores(), thread_name_prefix=_NAME)
    bounds = [n * i // parts for i in range(parts + 1)]
    futures = [_pool.submit(work, lo, hi) for lo, hi in itertools.pairwise(bounds)]
    return [f.result() for f in futures]
