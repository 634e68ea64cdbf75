"""The bundled demo as ``scripts/run`` serves it: Futian first, in Chinese, Helsinki second."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Console

pytestmark = pytest.mark.browser


def load(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_function("window.sfReady === true", timeout=30_000)


def api(url: str, body: dict | None = None) -> dict:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read())  # type: ignore[no-any-return]


def shapes(page: Page) -> int:
    return page.evaluate(  # type: ignore[no-any-return]
        """() => {
            const m = Object.values(window).find(v => v instanceof L.Map);
            let n = 0;
            m.eachLayer(l => { if (l instanceof L.Path) n++; });
            return n;
        }"""
    )


def test_the_first_page_is_futian_in_chinese(
    page: Page, demo_url: str, console: Console, shots: Path
) -> None:
    load(page, demo_url + "/")
    assert page.url.endswith("/maps/stations?region=futian")
    assert page.evaluate("document.documentElement.lang").startswith("zh")
    page.wait_for_function("window.sfStations && window.sfStations.sfCount > 0")
    assert page.evaluate("window.sfStations.sfCount") == 40  # Futian's, not Helsinki's
    # What the page fetches for a view holding all of Futian: only Futian's stations.
    view = json.loads(
        urllib.request.urlopen(
            f"{demo_url}/maps/stations/clusters?region=futian&zoom=20"
            "&bbox=113.99,22.51,114.05,22.56",
            timeout=30,
        ).read()
    )
    assert view["total"] == 40 and len(view["stations"]["id"]) == 40
    assert all(i.startswith("demo-futian-") for i in view["stations"]["id"])
    expect(page.locator(".sf-legend")).to_contain_text("工会驿站")
    expect(page.locator(".sf-legend")).to_contain_text("群众安康工作服务站")
    # The base map is the service's own tiles of Futian's streets, and some carry streets.
    page.wait_for_function(
        "document.querySelectorAll('img.leaflet-tile-loaded').length > 0", timeout=15_000
    )
    tiles = page.evaluate(
        "[...document.querySelectorAll('img.leaflet-tile-loaded')].map(t => t.src)"
    )
    assert all(t.startswith(f"{demo_url}/tiles/") for t in tiles)
    sizes = [len(urllib.request.urlopen(t, timeout=10).read()) for t in tiles]
    assert max(sizes) > 2 * min(sizes)  # drawn streets, not only plain land tiles
    page.screenshot(path=str(shots / "futian-stations.png"))
    assert console.unexpected() == []


def test_futian_coverage_and_suggest_pages(
    page: Page, demo_url: str, console: Console, shots: Path
) -> None:
    load(page, f"{demo_url}/maps/coverage?region=futian")
    control = page.locator(".leaflet-control-layers-list")
    for name in ("覆盖网格", "覆盖缺口", "站点"):
        expect(control).to_contain_text(name)
    gaps = api(f"{demo_url}/gaps?region=futian&limit=1000")["features"]
    assert gaps  # some streets are not covered at 15 minutes on foot
    assert shapes(page) > len(gaps)
    page.screenshot(path=str(shots / "futian-coverage.png"))
    load(page, f"{demo_url}/maps/suggest?region=futian&k=3")
    chosen = api(f"{demo_url}/suggest?region=futian", {"k": 3})["features"]
    legend = page.locator(".sf-legend")
    for i, f in enumerate(chosen, start=1):
        expect(legend).to_contain_text(f"{i}. {f['properties']['name']}")
    expect(page.locator(".leaflet-control-layers-list")).to_contain_text("选中站点")
    page.screenshot(path=str(shots / "futian-suggest.png"))
    assert console.unexpected() == []


def test_helsinki_is_the_second_region_in_english(
    page: Page, demo_url: str, console: Console
) -> None:
    load(page, f"{demo_url}/maps/stations?region=helsinki")
    assert page.evaluate("document.documentElement.lang").startswith("en")
    page.wait_for_function("window.sfStations && window.sfStations.sfCount > 0")
    assert page.evaluate("window.sfStations.sfCount") == 30
    expect(page.locator(".sf-legend")).to_contain_text("Worker station")
    assert console.unexpected() == []
