"""Start time and memory of a service declaring many regions (Futian's files under 50 names).

    .venv/bin/python bench/bench_regions.py   # ~1 minute; writes bench/results/regions.json

Each case runs in a fresh Python process (so resident memory is its own): the app is
built and started as ``stationfinder serve`` does (registry opened and seeded, regions
declared, nothing loaded), then regions are *touched*: each answers one
``/coverage?region=…&standard=radius`` request, which loads its network, demand and
districts. Timed: the start (``create_app`` and the lifespan, median of 3 processes);
measured: resident memory (RSS) after the start and after the touches. Peers in the
same run: the same service declaring 1 region (start) and 3 regions (memory), so the
figures are ratios on one machine. The network cache is warmed first, as a second start
of a real service finds it.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DATA = ROOT / "data"
REPEATS = 3


def regions_toml(n: int) -> str:
    """``n`` regions, each Futian's files under its own name."""
    entry = """
[[region]]
id = "futian-{i:02d}"
name = "Futian {i}"
network = "{data}/futian_osm.graphml.gz"
districts = "{data}/futian_districts.geojson"
tz = "Asia/Shanghai"
[region.demand]
taxi_pickups = "{data}/futian_taxi_pickups.csv"
taxi_dropoffs = "{data}/futian_taxi_dropoffs.csv"
"""
    return "".join(entry.format(i=i, data=DATA) for i in range(n))


def case(declared: int, touched: int, max_loaded: int, cache: str) -> dict[str, Any]:
    """Run in a fresh process: start a service declaring ``declared`` regions, touch some."""
    import psutil
    from fastapi.testclient import TestClient

    from api.main import create_app
    from api.settings import Settings

    proc = psutil.Process()
    tmp = Path(tempfile.mkdtemp(prefix="bench-regions-"))
    path = tmp / "regions.toml"
    path.write_text(regions_toml(declared), encoding="utf-8")
    rss_before = proc.memory_info().rss
    t = time.perf_counter()
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        db=tmp / "r.sqlite",
        cache_dir=Path(cache),
        regions_file=path,
        seed_stations=[DATA / "futian_stations.csv"],
        max_regions_loaded=max_loaded,
    )
    with TestClient(create_app(settings)) as client:
        start_s = time.perf_counter() - t
        rss_started = proc.memory_info().rss
        service = client.app.state.service  # type: ignore[attr-defined]
        assert service.regions.loaded() == []  # nothing loaded at start
        t = time.perf_counter()
        for i in range(touched):
            r = client.get("/coverage", params={"region": f"futian-{i:02d}", "standard": "radius"})
            assert r.status_code == 200 and r.json()["stations"] == 40, r.text
        touch_s = time.perf_counter() - t
        held = service.regions.loaded()
        assert len(held) == min(touched, max_loaded)
        rss_touched = proc.memory_info().rss
    return {
        "declared": declared,
        "touched": touched,
        "max_loaded": max_loaded,
        "start_s": start_s,
        "touch_s": touch_s,
        "held": len(held),
        "rss_before_mb": rss_before / 2**20,
        "rss_started_mb": rss_started / 2**20,
        "rss_touched_mb": rss_touched / 2**20,
    }


def run_case(declared: int, touched: int, max_loaded: int, cache: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--case", json.dumps([declared, touched, max_loaded, cache])],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> int:
    from bench.bench_nearest import machine

    cache = tempfile.mkdtemp(prefix="bench-regions-cache-")
    run_case(1, 1, 4, cache)  # warm the network cache (and numba's), as a restart finds it
    plan = [(1, 0, 4), (50, 0, 4), (3, 3, 4), (50, 3, 4), (50, 10, 4)]
    rows = []
    for declared, touched, max_loaded in plan:
        runs = [run_case(declared, touched, max_loaded, cache) for _ in range(REPEATS)]
        row = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        rows.append(row)
        print(
            f"declared {declared:2d}, touched {touched:2d} (max held {max_loaded}): "
            f"start {row['start_s']:.3f} s, RSS after start {row['rss_started_mb']:.0f} MB, "
            f"after touching {row['rss_touched_mb']:.0f} MB ({row['held']:.0f} held), "
            f"touching {row['touch_s']:.2f} s"
        )
    by = {(r["declared"], r["touched"]): r for r in rows}
    start_ratio = by[(50, 0)]["start_s"] / by[(1, 0)]["start_s"]
    mem_ratio = by[(50, 3)]["rss_touched_mb"] / by[(3, 3)]["rss_touched_mb"]
    evict = by[(50, 10)]["rss_touched_mb"] / by[(50, 3)]["rss_touched_mb"]
    print(f"start, 50 regions / 1 region: {start_ratio:.2f}")
    print(f"RSS after touching 3, 50 declared / 3 declared: {mem_ratio:.2f}")
    print(f"RSS after touching 10 of 50 (4 held) / touching 3: {evict:.2f}")
    assert by[(50, 0)]["start_s"] < 5.0  # starts in seconds
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "regions.json").write_text(
        json.dumps(
            {
                "machine": machine(),
                "rows": rows,
                "start_ratio": start_ratio,
                "memory_ratio": mem_ratio,
                "eviction_ratio": evict,
            },
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--case":
        print(json.dumps(case(*json.loads(sys.argv[2]))))
        raise SystemExit(0)
    raise SystemExit(main())
