"""The coverage map by another travel mode, as a planner sees it on the bundled demo."""

from __future__ import annotations

import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Console
from tests.e2e.test_demo_regions import api, load
from tests.e2e.test_map_pages import PANEL_VALUES

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("lang", "label", "areas"),
    [
        ("en", "by e-bike", "5-minute reach by e-bike"),
        ("zh", "电动自行车", "电动自行车5分钟可达范围"),
    ],
)
def test_ebike_coverage_page_says_its_mode_and_shows_its_figures(
    page: Page, demo_url: str, console: Console, shots: Path, lang: str, label: str, areas: str
) -> None:
    query = "region=futian&mode=ebike&minutes=5"
    # The first e-bike page builds the network and every layer: fetched once ahead (a
    # shared machine can take longer than the page load's timeout), then served cached.
    url = f"{demo_url}/maps/coverage?{query}&lang={lang}"
    with urllib.request.urlopen(url, timeout=600) as r:
        assert r.status == 200
    load(page, f"{demo_url}/maps/coverage?{query}&lang={lang}")
    assert label in page.title()
    expect(page.locator(".sf-legend")).to_contain_text(label)
    # The reach layer says the mode and time, in the legend and the layer control: never
    # "15-minute walking areas" on a 5-minute e-bike page.
    expect(page.locator(".sf-legend")).to_contain_text(areas)
    expect(page.locator(".leaflet-control-layers")).to_contain_text(areas)
    assert "15" not in page.locator(".leaflet-control-layers").inner_text()
    expect(page.locator(".sf-figures .sf-standard")).to_contain_text(label)
    want = api(f"{demo_url}/coverage?{query}")
    assert want["mode"] == "ebike"
    walk = api(f"{demo_url}/coverage?region=futian&minutes=5")
    # Five minutes on an e-bike reach more demand than five on foot.
    assert want["demand_share"]["none"] < walk["demand_share"]["none"]
    got = page.evaluate(PANEL_VALUES)
    for measure in ("street_share", "area_share", "demand_share"):
        shares = want[measure]
        assert got[measure] == [shares["none"], shares["once"], shares["multiple"]], measure
    legend = page.locator(".sf-legend")
    assert legend.locator("h5 ~ div").count() >= 3  # the demand scale is drawn
    page.screenshot(path=str(shots / f"futian-coverage-ebike-{lang}.png"))
    assert console.unexpected() == []
