"""The stations map with 10,000, 150,000 and 500,000 stations: build time, page weight,
time to interactive, served and as a written file.

Run (not part of the test suite, whose testpaths are ``tests``, ``geo`` and ``maps``)::

    .venv/bin/python -m pytest bench/bench_map.py --benchmark-only -s

Stations come from ``data/make_synthetic.py`` (``synthetic_china_stations``,
seed 0; the ``open`` ones, as ``/maps/stations`` shows by default). For each
size:

* ``build``: :func:`maps.stations_map` plus :func:`maps.render_html`, in Python;
* ``interactive``: the page loaded in headless Chromium, (a) served on loopback
  with the vendored assets, as the service serves them, and (b) written by
  :func:`maps.write_standalone` and opened from disk (``file://``), until the
  first view is binned (``window.sfReady``) with a cluster in the DOM; then a
  click on a cluster that must zoom the map in (timed apart).

Page weight is the HTML (raw and gzip, as the service sends it) plus every
asset the browser fetched. Each run checks its result: every station id is in
the page, the clusters' counts drawn add up to every station (the first view
holds them all), no uncaught JavaScript error, and the click zoomed in. A
summary table with the machine is printed at the end; the machine also goes
into the JSON ``extra_info``. Needs ``/usr/bin/chromium`` for the browser part.
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import http.server
import os
import platform
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from data.make_synthetic import synthetic_china_stations  # noqa: E402
from geo.types import Station, Status  # noqa: E402
from maps import STATIC_DIR, render_html, stations_map, write_standalone  # noqa: E402

SIZES = (10_000, 150_000, 500_000)
FORMS = ("inline", "service", "file")
SEED = 0
NOW = datetime(2026, 6, 1, 4, 0, tzinfo=UTC)  # fixed, so "open now" is the same each run
TZ = "Asia/Shanghai"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
RESULTS: dict[int, dict[str, float]] = {}
(ROOT / "bench" / "results").mkdir(exist_ok=True)  # --benchmark-json writes there; not in git


def machine() -> dict[str, str]:
    """What the figures were measured on."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    chromium = ""
    if CHROMIUM.exists():
        out = subprocess.run([str(CHROMIUM), "--version"], capture_output=True, text=True)
        chromium = out.stdout.strip()
    import folium

    return {
        "cpu": cpu,
        "nproc": str(os.cpu_count()),
        "python": platform.python_version(),
        "folium": folium.__version__,
        "chromium": chromium,
        "platform": platform.platform(),
    }


@functools.cache
def open_stations(n: int) -> list[Station]:
    return [s for s in synthetic_china_stations(n, seed=SEED) if s.status == Status.OPEN]


def build(n: int) -> str:
    stations = open_stations(n)
    return render_html(stations_map(stations, lang="zh", now=NOW, tz=TZ))


def write_file(n: int, path: Path) -> None:
    write_standalone(stations_map(open_stations(n), lang="zh", now=NOW, tz=TZ), path)


@pytest.fixture(scope="module", autouse=True)
def summary() -> Iterator[None]:
    yield
    info = machine()
    print("\n\nStations map (maps.stations_map), synthetic stations over China, seed 0")
    print("machine: " + "; ".join(f"{k} {v}" for k, v in info.items()))
    head = (
        "| stations | build + render s | inline HTML MB (gzip) | inline: ready s | first view MB "
        "| service: ready s | first view MB | click → zoom s | file: ready s | click → zoom s |"
    )
    print(head)
    print("|" + "---:|" * 10)
    nan = float("nan")
    for n, r in sorted(RESULTS.items()):
        print(
            f"| {int(r.get('stations', n)):,} | {r.get('build_s', nan):.2f} "
            f"| {r.get('html_mb', nan):.2f} ({r.get('gzip_mb', nan):.2f}) "
            f"| {r.get('inline_tti_s', nan):.2f} | {r.get('inline_first_view_mb', nan):.2f} "
            f"| {r.get('service_tti_s', nan):.2f} | {r.get('service_first_view_mb', nan):.2f} "
            f"| {r.get('service_click_s', nan):.2f} "
            f"| {r.get('file_tti_s', nan):.2f} | {r.get('file_click_s', nan):.2f} |"
        )


@pytest.mark.parametrize("n", SIZES)
def test_build_and_render(benchmark: Any, n: int) -> None:
    benchmark.group = "map: build + render"
    benchmark.extra_info.update(machine())
    stations = open_stations(n)
    page = benchmark.pedantic(build, args=(n,), rounds=3 if n <= 10_000 else 1, iterations=1)
    ids = re.search(r'var D = \{"id":\[(.*?)\]', page)
    assert ids is not None and ids.group(1).count('"syn-') == len(stations)
    raw = page.encode("utf-8")
    RESULTS.setdefault(n, {}).update(
        stations=len(stations),
        build_s=benchmark.stats.stats.median,
        html_mb=len(raw) / 1e6,
        gzip_mb=len(gzip.compress(raw, compresslevel=5)) / 1e6,
    )


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A loopback web server for the pages and the vendored assets under /static/maps."""
    root = tmp_path_factory.mktemp("site")
    shutil.copytree(STATIC_DIR, root / "static" / "maps")
    handler = functools.partial(_Quiet, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", root
    server.shutdown()


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("n", SIZES)
def test_time_to_interactive(benchmark: Any, n: int, form: str, site: tuple[str, Path]) -> None:
    if not CHROMIUM.exists():
        pytest.skip("needs /usr/bin/chromium (Debian's chromium package)")
    from playwright.sync_api import sync_playwright

    benchmark.group = f"map: time to interactive in headless Chromium ({form})"
    benchmark.extra_info.update(machine())
    base, root = site
    service = contextlib.nullcontext(base)
    if form == "inline":
        (root / f"stations-{n}.html").write_text(build(n), encoding="utf-8")
        url = f"{base}/stations-{n}.html"
    elif form == "service":
        service = serving(n, root)
    else:
        path = root / f"stations-{n}-file.html"
        write_file(n, path)
        url = path.as_uri()
    fetched: dict[str, int] = {}
    first_view: list[int] = []
    clicks: list[float] = []
    ready: list[float] = []
    expected = len(open_stations(n))

    with service as base, sync_playwright() as p:
        if form == "service":
            url = f"{base}/maps/stations?lang=zh"
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)

        def load() -> None:
            ctx = browser.new_context(viewport={"width": 1200, "height": 800})
            ctx.route(
                "**/*",
                lambda r: (
                    r.continue_()
                    if r.request.url.startswith((base, "file:", "data:"))
                    else r.abort()
                ),
            )
            page = ctx.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))

            def count(resp: Any) -> None:
                if resp.url.startswith(base) and resp.ok:  # the server sends Content-Length
                    fetched[resp.url] = int(resp.headers.get("content-length", "0"))

            page.on("response", count)
            responses: list[Any] = []
            page.on("requestfinished", lambda req: responses.append(req))
            start = time.perf_counter()
            page.goto(url, wait_until="commit", timeout=120_000)
            page.wait_for_function(
                "window.sfReady === true && document.querySelector('.sf-cluster') !== null",
                timeout=120_000,
                polling=50,
            )
            t0 = time.perf_counter()
            ready.append(t0 - start)
            # Bytes on the wire for the first view (gzip where the server compressed).
            first_view.append(sum(req.sizes()["responseBodySize"] for req in list(responses)))
            assert sum(page.evaluate("window.sfStations.drawnCounts")) == expected
            zoom = page.evaluate("window.sfStations._map.getZoom()")
            # The biggest cluster: inside the view, never under a control at the edge.
            page.evaluate(
                """() => { const c = Object.values(window.sfStations.clusters)
                               .sort((a, b) => b.options.sfCount - a.options.sfCount)[0];
                           c._icon.id = 'sf-biggest'; }"""
            )
            page.click("#sf-biggest")
            page.wait_for_function(f"window.sfStations._map.getZoom() > {zoom}", polling=20)
            clicks.append(time.perf_counter() - t0)
            assert errors == []
            assert page.evaluate("window.sfStations.sfCount") == expected
            ctx.close()

        benchmark.pedantic(load, rounds=3, iterations=1)
        browser.close()
    RESULTS.setdefault(n, {}).update(
        {
            f"{form}_tti_s": sorted(ready)[len(ready) // 2],
            f"{form}_click_s": sorted(clicks)[len(clicks) // 2],
            f"{form}_first_view_mb": sorted(first_view)[len(first_view) // 2] / 1e6,
        }
    )
    if form == "inline":
        html_bytes = fetched.pop(url)
        RESULTS[n]["assets_kb"] = sum(fetched.values()) / 1e3
        assert html_bytes > 0 and fetched


@contextlib.contextmanager
def serving(n: int, root: Path) -> Iterator[str]:
    """``stationfinder serve`` on a registry of the ``n``-station set's open stations."""
    from geo.stations import open_store
    from tests.serve import running_service

    db = root / f"registry-{n}.sqlite"
    if not db.exists():
        open_store(db, tz=TZ).add(open_stations(n))
    env = {"STATIONFINDER_DB": str(db), "STATIONFINDER_CACHE_DIR": str(root / "cache")}
    with running_service(env, root / f"serve-{n}.log", timeout_s=120) as url:
        # Warm: the page and the station arrays are built once per registry version.
        with urllib.request.urlopen(f"{url}/maps/stations?lang=zh", timeout=300) as r:
            assert r.status == 200
        yield url
