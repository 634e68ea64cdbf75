"""The accessibility map file (``stationfinder access --map``) in headless Chromium:
every hexagon drawn, the legend, and a station popup that shows its capacity."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import Browser, Page, Route, expect

from cli.main import main
from tests.cli.test_cli_access import ROOT, stations_with_capacity
from tests.e2e.conftest import Console

pytestmark = pytest.mark.browser


@pytest.fixture
def file_page(browser: Browser, console: Console, tmp_path: Path) -> Iterator[Page]:
    """A page that may open files under ``tmp_path`` and nothing else (no network at all)."""
    ctx = browser.new_context(viewport={"width": 900, "height": 650}, locale="en-GB")

    def offline(route: Route) -> None:
        if route.request.url.startswith(tmp_path.as_uri()):
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
    assert console.unexpected() == [] and console.blocked == []


def test_access_map_file(file_page: Page, helsinki_pbf: str, tmp_path: Path, shots: Path) -> None:
    db, html, hexes = tmp_path / "cap.sqlite", tmp_path / "access.html", tmp_path / "hex.geojson"
    assert main(["import", str(stations_with_capacity(tmp_path)), "--db", str(db)]) == 0
    args = ["access", "--db", str(db), "--network", helsinki_pbf, "--threshold", "1.2"]
    args += ["--demand", str(ROOT / "data" / "helsinki_demand.csv")]
    assert main([*args, "--map", str(html), "--out", str(hexes), "--lang", "en"]) == 0
    want = json.loads(hexes.read_text())["features"]
    below = sum(f["properties"]["score"] < 1.2 for f in want)
    assert 0 < below < len(want)
    page = file_page
    page.goto(html.as_uri())
    page.wait_for_function("window.sfReady === true", timeout=15_000)
    drawn = page.evaluate(
        """() => {
            const m = Object.keys(window).filter(k => k.startsWith('map_'))
                .map(k => window[k]).find(v => v instanceof L.Map);
            const out = {hex: 0, below: 0};
            m.eachLayer(l => {
                const f = l.feature;
                if (f && String(f.id).startsWith('hex-')) {
                    out.hex += 1; out.below += f.properties.below ? 1 : 0;
                }
            });
            return out;
        }"""
    )
    assert drawn == {"hex": len(want), "below": below}
    expect(page.locator(".sf-legend")).to_contain_text("Capacity within reach")
    expect(page.locator(".sf-legend")).to_contain_text("Below threshold 1.2")
    page.hover(".leaflet-control-layers")
    expect(page.locator(".leaflet-control-layers-list")).to_contain_text("Accessibility")
    # A station with a capacity shows it in its popup; one without shows no capacity row.
    st = pd.read_csv(tmp_path / "stations.csv", keep_default_na=False, dtype=str)
    st = st[st["status"] == "open"]
    want_cap = {
        r.id: (str(int(float(r.capacity))) if r.capacity else None) for r in st.itertuples()
    }
    for station_id, cap in want_cap.items():
        assert page.evaluate("id => window.sfStations.openStation(id)", station_id)
        popup = page.locator(f'.leaflet-popup-content .sf-popup[data-id="{station_id}"]')
        expect(popup).to_have_count(1)
        if cap is None:
            expect(popup.locator(".sf-capacity")).to_have_count(0)
        else:
            expect(popup.locator(".sf-capacity")).to_have_text(cap)
    sid = next(k for k, v in want_cap.items() if v)
    assert page.evaluate("id => window.sfStations.openStation(id)", sid)
    last = page.locator(f'.leaflet-popup-content .sf-popup[data-id="{sid}"]')
    expect(last.locator(".sf-capacity")).to_have_text(want_cap[sid])
    expect(last).to_contain_text("Capacity")
    page.screenshot(path=str(shots / "access.png"))
