"""An open-loop HTTP load generator: requests leave on a fixed schedule, whatever the server does.

``wrk`` is closed-loop: each connection waits for its answer before sending the
next, so a slow server is offered less load and its latency looks better than a
user would see (coordinated omission). Here request ``i`` is due at
``start + i / rate``; its latency runs from that due time to the last byte of
the answer, so time spent queued for a connection counts. (Debian has no
``wrk2``, which does the same in C.) Run on its own::

    .venv/bin/python bench/openloop.py http://127.0.0.1:8000/healthz --rate 500 --duration 10
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import numpy as np

__all__ = ["OpenLoopResult", "run_open_loop"]


@dataclass(frozen=True)
class OpenLoopResult:
    """Latencies (ms, from each request's due time) and counts of one run."""

    offered_rps: float
    achieved_rps: float
    sent: int
    non_2xx: int
    errors: int
    p50_ms: float
    p99_ms: float
    max_ms: float


async def _request(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str, path: str
) -> int:
    writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    await reader.readexactly(length)
    return status


async def _run(
    base: str, paths: Callable[[int], str], rate: float, duration: float, connections: int
) -> OpenLoopResult:
    url = urlsplit(base)
    host, port = url.hostname or "127.0.0.1", url.port or 80
    pool: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.Queue()
    for _ in range(connections):
        pool.put_nowait(await asyncio.open_connection(host, port))
    n = int(rate * duration)
    lat = np.full(n, np.nan)
    bad = [0, 0]
    start = time.perf_counter() + 0.05

    async def one(i: int) -> None:
        due = start + i / rate
        conn = await pool.get()
        try:
            status = await _request(*conn, host, paths(i))
            if not 200 <= status < 300:
                bad[0] += 1
        except (OSError, asyncio.IncompleteReadError, ValueError):
            bad[1] += 1
            conn = await asyncio.open_connection(host, port)
        lat[i] = (time.perf_counter() - due) * 1e3
        pool.put_nowait(conn)

    tasks = []
    for i in range(n):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i)))
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - start
    while not pool.empty():
        pool.get_nowait()[1].close()
    done = lat[~np.isnan(lat)]
    return OpenLoopResult(
        offered_rps=rate,
        achieved_rps=n / elapsed,
        sent=n,
        non_2xx=bad[0],
        errors=bad[1],
        p50_ms=float(np.percentile(done, 50)),
        p99_ms=float(np.percentile(done, 99)),
        max_ms=float(done.max()),
    )


def run_open_loop(
    base: str,
    paths: Callable[[int], str],
    *,
    rate: float,
    duration: float,
    connections: int = 64,
) -> OpenLoopResult:
    """Offer ``rate`` requests a second for ``duration`` s; ``paths(i)`` is request i's path."""
    return asyncio.run(_run(base, paths, rate, duration, connections))


def nearest_paths(seed: int = 42) -> Callable[[int], str]:
    """``/nearest?k=5`` at random points over eastern China (the wrk script's box)."""
    rng = random.Random(seed)
    pts = [(100 + rng.random() * 22, 22 + rng.random() * 18) for _ in range(100_000)]
    return lambda i: "/nearest?lon={:.5f}&lat={:.5f}&k=5".format(*pts[i % len(pts)])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("url", help="base URL and path, e.g. http://127.0.0.1:8000/healthz")
    ap.add_argument("--rate", type=float, default=500)
    ap.add_argument("--duration", type=float, default=10)
    ap.add_argument("--connections", type=int, default=64)
    args = ap.parse_args()
    u = urlsplit(args.url)
    path = u.path + (f"?{u.query}" if u.query else "")
    r = run_open_loop(
        f"{u.scheme}://{u.netloc}",
        lambda _: path,
        rate=args.rate,
        duration=args.duration,
        connections=args.connections,
    )
    print(r)
    return 0 if r.non_2xx == r.errors == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
