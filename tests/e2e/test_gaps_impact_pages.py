"""The coverage map's station impact layer and gap popups in headless Chromium.

Served by the running service, and written to a file by ``stationfinder map``
and opened from disk; every count is checked against the API or the library.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, Route, expect

from tests.e2e.conftest import Console
from tests.e2e.test_map_pages import api, load

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]

# Every vector feature on the map whose id starts with a prefix, with its colour.
FEATURES = """(prefix) => {
    const m = Object.values(window).find(v => v instanceof L.Map);
    const out = [];
    m.eachLayer(l => {
        if (l.feature && String(l.feature.id).startsWith(prefix)) {
            out.push({id: String(l.feature.id), color: l.options.color});
        }
    });
    return out;
}"""

OPEN_POPUP = """(id) => {
    const m = Object.values(window).find(v => v instanceof L.Map);
    m.eachLayer(l => {
        if (l.feature && l.feature.id === id) {
            const at = l.getBounds ? l.getBounds().getCenter() : l.getLatLng();
            l.fire('click', {latlng: at}, true);  // propagate: the popup is bound to the layer
        }
    });
}"""


def test_coverage_page_impact_layer_and_gap_popup(
    page: Page, service_url: str, console: Console, shots: Path
) -> None:
    load(page, f"{service_url}/maps/coverage?lang=en&minutes=3")
    expect(page.locator(".leaflet-control-layers-list")).to_contain_text(
        "Station impact (loss if closed)"
    )
    impact = api(f"{service_url}/coverage/stations?minutes=3")["stations"]
    drawn = page.evaluate(FEATURES, "impact-")
    assert sorted(f["id"] for f in drawn) == sorted(f"impact-{r['station_id']}" for r in impact)
    grey = {f["id"] for f in drawn if f["color"] == "#777777"}
    assert grey == {f"impact-{r['station_id']}" for r in impact if r["loses_nothing"]}
    assert 0 < len(grey) < len(drawn)
    legend = page.locator(".sf-legend")
    expect(legend).to_contain_text("Closing it loses coverage")
    expect(legend).to_contain_text("Closing it loses no coverage")
    # The top gap's popup: its best site, the walk from its centre and what the site adds.
    gaps = api(f"{service_url}/gaps?minutes=3")["features"]
    assert len(page.evaluate(FEATURES, "gap-")) == len(gaps)
    top = gaps[0]["properties"]
    page.evaluate(OPEN_POPUP, "gap-1")
    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_contain_text("Best site inside")
    expect(popup).to_contain_text(top["site_id"])
    expect(popup).to_contain_text(f"{top['nearest_walk_s'] / 60:.1f} min")
    expect(popup).to_contain_text(f"{top['site_gain']:g}")
    assert "nan" not in popup.inner_text().lower()
    page.screenshot(path=str(shots / "coverage-impact.png"))
    assert console.unexpected() == []


@pytest.fixture
def file_page(browser: Browser, console: Console) -> Iterator[Page]:
    """A page that may open files from disk and nothing else (no host at all)."""
    ctx = browser.new_context(viewport={"width": 900, "height": 650}, locale="zh-CN")

    def offline(route: Route) -> None:
        if urlsplit(route.request.url).scheme in ("file", "data"):
            route.continue_()
        else:
            console.blocked.append(route.request.url)
            route.abort()

    ctx.route("**/*", offline)
    page = ctx.new_page()
    page.on("console", console.on_console)
    page.on("pageerror", lambda exc: console.errors.append(f"uncaught: {exc}"))
    yield page
    ctx.close()


def test_written_coverage_file_draws_impact_and_gaps(
    file_page: Page, helsinki_pbf: str, tmp_path: Path, console: Console, shots: Path
) -> None:
    page = file_page
    db, out = tmp_path / "demo.sqlite", tmp_path / "coverage.html"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "STATIONFINDER_CACHE_DIR": str(tmp_path)}
    run = [sys.executable, "-m", "cli.main"]
    subprocess.run([*run, "import", str(ROOT / "data" / "helsinki_stations.csv"), "--db", str(db)],
                   check=True, env=env, capture_output=True)  # fmt: skip
    subprocess.run(
        [*run, "map", "--kind", "coverage", "--db", str(db), "--network", helsinki_pbf,
         "--minutes", "3", "--lang", "zh", "--out", str(out)],
        check=True, env=env, capture_output=True,
    )  # fmt: skip
    page.goto(out.as_uri())
    page.wait_for_function("window.sfReady === true", timeout=15_000)
    expect(page.locator(".leaflet-control-layers-list")).to_contain_text("站点贡献（关闭后的损失）")
    stations = [s for s in (ROOT / "data" / "helsinki_stations.csv").read_text().splitlines()]
    n_open = sum(1 for s in stations[1:] if ",open," in s)
    assert len(page.evaluate(FEATURES, "impact-")) == n_open
    assert len(page.evaluate(FEATURES, "gap-")) > 1
    page.evaluate(OPEN_POPUP, "gap-1")
    expect(page.locator(".leaflet-popup-content")).to_contain_text("缺口内最佳站址")
    page.screenshot(path=str(shots / "coverage-file.png"))
    assert console.unexpected() == []
