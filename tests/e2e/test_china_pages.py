"""Map pages as Chinese riders use them: "导航" links, open now, a report form that asks."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import eviltransform as ev
import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.conftest import Console
from tests.e2e.test_map_pages import api, load, locate_me_at_here, open_nearest_popup

pytestmark = pytest.mark.browser


def _query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def _check_links(hrefs: dict[str, str], lon: float, lat: float) -> None:
    """Each app's coordinates, against eviltransform's conversion of the station."""
    china = not ev.outOfChina(lat, lon)  # the demo is Helsinki: outside, unshifted
    glat, glon = ev.wgs2gcj(lat, lon) if china else (lat, lon)
    blat, blon = ev.wgs2bd(lat, lon) if china else (lat, lon)
    x, y, _ = _query(hrefs["amap"])["to"].split(",", 2)
    assert (float(x), float(y)) == pytest.approx((glon, glat), abs=2e-6)
    by, bx = (float(v) for v in _query(hrefs["baidu"])["location"].split(","))
    assert (bx, by) == pytest.approx((blon, blat), abs=2e-6)
    ty, tx = (float(v) for v in _query(hrefs["tencent"])["tocoord"].split(","))
    assert (tx, ty) == pytest.approx((glon, glat), abs=2e-6)


def test_embed_list_says_open_now_and_links_to_map_apps(
    context: BrowserContext, page: Page, service_url: str, console: Console, shots: Path
) -> None:
    items, answer = locate_me_at_here(context, page, service_url, "zh")
    for i, f in enumerate(answer["features"]):
        item = items.nth(i)
        assert item.get_attribute("data-id") == f["id"]
        expect(item).to_contain_text("导航")
        word = "正在开放" if f["properties"]["open_now"] else "当前关闭"
        expect(item.locator(".sf-open, .sf-closed")).to_have_text(word)
        hrefs = {
            app: item.locator(f"a.sf-nav-{app}").get_attribute("href") or ""
            for app in ("amap", "baidu", "tencent")
        }
        assert hrefs == f["properties"]["navigation"]
        station = api(f"{service_url}/stations/{f['id']}")
        _check_links(hrefs, *station["geometry"]["coordinates"])
    expect(items.first.locator("a.sf-nav-amap")).to_have_text("高德")
    # A navigation link opens the app, not the station's popup.
    with page.context.expect_page() as opened:
        items.first.locator("a.sf-nav-amap").click()
    assert opened.value.url.startswith("https://uri.amap.com/") or console.blocked
    opened.value.close()
    expect(page.locator(".leaflet-popup")).to_have_count(0)
    page.screenshot(path=str(shots / "embed-nav-zh.png"))
    assert console.unexpected() == []


def test_popup_has_navigation_links(
    page: Page, service_url: str, console: Console, shots: Path
) -> None:
    feature = open_nearest_popup(page, service_url, "zh")
    nav = page.locator(".leaflet-popup-content .sf-popup .sf-nav")
    expect(nav).to_contain_text("导航")
    expect(nav.locator("a")).to_have_count(3)
    hrefs = {
        app: nav.locator(f"a.sf-nav-{app}").get_attribute("href") or ""
        for app in ("amap", "baidu", "tencent")
    }
    assert hrefs == feature["properties"]["navigation"]
    _check_links(hrefs, *feature["geometry"]["coordinates"])
    page.screenshot(path=str(shots / "popup-nav-zh.png"))
    assert console.unexpected() == []


def test_report_form_starts_with_no_kind_and_says_what_to_choose(
    page: Page, service_url: str, console: Console, shots: Path
) -> None:
    sid = api(f"{service_url}/stations?limit=1")["features"][0]["id"]
    before = api(f"{service_url}/stations/{sid}")["properties"]["open_reports"]
    page.goto(f"{service_url}/maps/report?station={sid}&lang=zh")
    assert page.input_value("#sf-kind") == ""
    expect(page.locator("#sf-kind option:checked")).to_have_text("请选择问题类型…")
    page.click("#sf-send")
    result = page.locator("#sf-result")
    expect(result).to_have_attribute("data-status", "choose")
    expect(result).to_contain_text("请先选择问题类型")
    expect(result).to_contain_text("开放时间不对")
    assert api(f"{service_url}/stations/{sid}")["properties"]["open_reports"] == before
    # Chinese hours are accepted from the form.
    page.select_option("#sf-kind", "wrong_hours")
    expect(page.locator("#sf-hours")).to_have_attribute("placeholder", "周一至周五 8:00-20:00")
    page.fill("#sf-hours", "每天9点到21点")
    page.click("#sf-send")
    expect(result).to_have_attribute("data-status", "201")
    assert api(f"{service_url}/stations/{sid}")["properties"]["open_reports"] == before + 1
    page.screenshot(path=str(shots / "report-choose-zh.png"))
    assert console.unexpected() == []


def test_written_map_of_changsha_shows_the_wording_and_shifted_links(
    page: Page, console: Console, shots: Path
) -> None:
    """A map file as `stationfinder map` writes it (assets inline), served from loopback."""
    from datetime import datetime

    from geo.types import Kind, Station
    from maps import OSM_TILES, render_html, stations_map

    station = Station(
        "cs-1",
        "五一广场驿站",
        Kind.WORKER_STATION,
        112.9772,
        28.1959,
        opening_hours="Mo-Fr 08:00-18:00; Sa,Su 09:00-17:00",
        opening_hours_text="周一至周五8:00-18:00，周六日9:00-17:00",
    )
    html = render_html(
        stations_map(
            [station],
            lang="zh",
            tiles=OSM_TILES,  # its tiles are off the host: aborted, the page must not mind
            now=datetime(2026, 11, 23, 10),
            tz="Asia/Shanghai",
        ),
        inline=True,
    )
    url = "http://127.0.0.1:9/changsha.html"
    page.route(url, lambda route: route.fulfill(body=html, content_type="text/html"))
    load(page, url)
    assert page.evaluate("(id) => window.sfStations.openStation(id)", "cs-1")
    popup = page.locator(".leaflet-popup-content .sf-popup")
    expect(popup.locator(".sf-hours")).to_have_text("周一至周五8:00-18:00，周六日9:00-17:00")
    expect(popup.locator(".sf-open")).to_have_text("正在开放")
    nav = popup.locator(".sf-nav")
    expect(nav).to_contain_text("导航")
    hrefs = {
        app: nav.locator(f"a.sf-nav-{app}").get_attribute("href") or ""
        for app in ("amap", "baidu", "tencent")
    }
    _check_links(hrefs, station.lon, station.lat)  # shifted: Changsha is in mainland China
    x, _, name = _query(hrefs["amap"])["to"].split(",", 2)
    assert name == station.name and abs(float(x) - station.lon) > 1e-3
    page.screenshot(path=str(shots / "changsha-popup.png"))
    assert console.unexpected() == []
