"""The served map pages in headless Chromium, with no network beyond the service."""

from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.sync_api import BrowserContext, Locator, Page, expect

from geo.crs import convert
from tests.e2e.conftest import Console

pytestmark = pytest.mark.browser

# Near Helsinki's central railway station, among the demo stations.
HERE = {"latitude": 60.1699, "longitude": 24.9384}


def load(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_function("window.sfReady === true", timeout=15_000)


def api(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=5) as r:
        return json.loads(r.read())  # type: ignore[no-any-return]


def open_nearest_popup(page: Page, service_url: str, lang: str) -> dict:
    """Open the embed map on the station nearest ``HERE`` and its popup; its API feature."""
    near = api(f"{service_url}/nearest?lat={HERE['latitude']}&lon={HERE['longitude']}&k=1")
    feature: dict = near["features"][0]
    x, y = feature["geometry"]["coordinates"]
    # At zoom 19 nothing is clustered: the marker is on the map and its popup opens at once.
    load(page, f"{service_url}/maps/embed?lang={lang}&zoom=19&lat={y}&lon={x}")
    assert page.evaluate("(id) => window.sfStations.openStation(id)", feature["id"])
    return feature


def test_stations_page_markers_layers_and_popup(
    page: Page, service_url: str, console: Console, shots: Path
) -> None:
    load(page, f"{service_url}/maps/stations?lang=en")
    n = page.evaluate("window.sfStations.sfCount")
    seeded = api(f"{service_url}/stations?limit=1000&status=open")["number_matched"]
    assert n == seeded > 20
    # Clusters and single markers are drawn; their counts account for every station.
    counts = page.evaluate("window.sfStations.drawnCounts")
    assert sum(counts) == n and len(counts) < n
    labels = page.locator(".sf-cluster").all_inner_texts()
    assert sum(map(int, labels)) + page.locator(".sf-pin").count() == n
    # The layer control names the base map and the stations layer; the legend the kinds.
    page.hover(".leaflet-control-layers")
    expect(page.locator(".leaflet-control-layers-list")).to_contain_text("Stations")
    expect(page.locator(".leaflet-control-layers-list")).to_contain_text("Base map")
    expect(page.locator(".sf-legend")).to_contain_text("Worker station")
    # Clicking a cluster zooms in; then open a popup with a real click on one station's marker.
    zoom = page.evaluate("window.sfStations._map.getZoom()")
    page.locator(".sf-cluster").first.click()
    page.wait_for_function(f"window.sfStations._map.getZoom() > {zoom}")
    page.wait_for_timeout(500)  # the zoom animation ends, and the view is binned again
    page.wait_for_function("window.sfStations.drawnZoom === window.sfStations._map.getZoom()")
    sid = page.evaluate(
        """() => { const s = window.sfStations, view = s._map.getBounds();
                   const m = Object.values(s.markers).find(
                       m => s.hasLayer(m) && view.contains(m.getLatLng()));
                   m._icon.id = 'sf-target';
                   return m.options.sfId; }"""
    )
    page.click("#sf-target")
    popup = page.locator(".leaflet-popup-content .sf-popup")
    expect(popup).to_be_visible()
    station = api(f"{service_url}/stations/{sid}")
    expect(popup).to_have_attribute("data-id", sid)
    expect(popup.locator(".sf-name")).to_have_text(station["properties"]["name"])
    expect(popup).to_contain_text("Opening hours")
    assert popup.locator(".sf-open, .sf-closed").count() == (
        1 if station["properties"]["opening_hours"] else 0
    )
    expect(page.locator(".leaflet-popup")).to_have_css("opacity", "1")
    page.wait_for_timeout(300)  # let the map finish panning the popup into view
    page.screenshot(path=str(shots / "stations.png"))
    # Offline: the base map is the service's own street tiles, and nothing went off the host.
    tiles = page.evaluate(
        """() => [...document.querySelectorAll('img.leaflet-tile-loaded')]
                 .map(t => [t.src, t.naturalWidth])"""
    )
    assert tiles and all(src.startswith(f"{service_url}/tiles/") for src, _ in tiles), tiles
    assert all(width == 256 for _, width in tiles)
    assert console.blocked == []
    assert console.unexpected() == []


def test_tiles_that_fail_never_break_the_page(
    page: Page, service_url: str, console: Console
) -> None:
    """With every tile refused (a tile server out of reach), markers and popups still work."""
    failed: list[str] = []

    def refuse(route) -> None:  # type: ignore[no-untyped-def]
        failed.append(route.request.url)
        console.blocked.append(route.request.url)  # its console error is expected
        route.abort()

    page.route("**/tiles/**", refuse)
    load(page, f"{service_url}/maps/stations?lang=en")
    assert failed  # tiles were asked for, and failed
    assert page.locator("img.leaflet-tile-loaded").count() == 0
    assert page.locator(".marker-cluster").count() + page.locator(".sf-pin").count() > 0
    expect(page.locator(".sf-legend")).to_contain_text("Worker station")


def located(context: BrowserContext, page: Page, url: str) -> Locator:
    """Load an embed page at ``HERE``, press "locate me", and return the five list entries."""
    context.grant_permissions(["geolocation"], origin=url.split("/maps/")[0])
    context.set_geolocation(HERE)
    load(page, url)
    page.click("#sf-locate")
    items = page.locator("#sf-nearest li")
    expect(items).to_have_count(5)
    return items


def locate_me_at_here(
    context: BrowserContext, page: Page, service_url: str, lang: str
) -> tuple[Locator, dict]:
    """The embed map's "locate me" at ``HERE``: the listed items and the API's answer."""
    url = f"{service_url}/maps/embed?lang={lang}&zoom=15&lat=60.17&lon=24.94"
    items = located(context, page, url)
    # The service has a walking network, so the page ranks by walking distance.
    expected = api(
        f"{service_url}/nearest?lat={HERE['latitude']}&lon={HERE['longitude']}&mode=walk&k=5"
    )
    return items, expected


def test_embed_locate_me_lists_nearest(
    context: BrowserContext, page: Page, service_url: str, console: Console, shots: Path
) -> None:
    items, expected = locate_me_at_here(context, page, service_url, "en")
    ids = [f["id"] for f in expected["features"]]
    assert [items.nth(i).get_attribute("data-id") for i in range(5)] == ids
    first = expected["features"][0]["properties"]
    expect(items.first).to_contain_text(first["name"])
    expect(items.first).to_contain_text(f"{round(first['distance_m'])} m")
    expect(items.first).to_contain_text(f"{round(first['walk_time_s'] / 60)} min")
    expect(page.locator(".sf-here")).to_have_count(1)
    # Choosing an entry opens that station's popup.
    items.first.click()
    expect(page.locator(".leaflet-popup-content .sf-popup")).to_have_attribute("data-id", ids[0])
    expect(page.locator(".leaflet-popup")).to_have_css("opacity", "1")
    page.wait_for_timeout(300)
    page.screenshot(path=str(shots / "embed-locate.png"))
    assert console.unexpected() == []


def test_embed_in_chinese_with_a_kind_filter(
    context: BrowserContext, page: Page, service_url: str, console: Console, shots: Path
) -> None:
    context.grant_permissions(["geolocation"], origin=service_url)
    context.set_geolocation(HERE)
    load(page, f"{service_url}/maps/embed?lang=zh&kind=driver_home")
    expect(page.locator("#sf-locate")).to_have_text("定位我")
    page.click("#sf-locate")
    items = page.locator("#sf-nearest li")
    expect(items.first).to_be_visible()
    texts = items.all_inner_texts()
    assert texts and all("司机之家" in t for t in texts)
    expect(page.locator("#sf-nearest h4")).to_have_text("最近的站点")
    page.screenshot(path=str(shots / "embed-zh.png"))
    assert console.unexpected() == []


def test_embed_nearest_list_uses_the_map_filters(
    context: BrowserContext, page: Page, service_url: str, console: Console, shots: Path
) -> None:
    """With open_at, the list shows only stations the map shows, each marked open."""
    when = "2026-11-22T21:00:00+02:00"  # a Sunday night: the libraries are closed
    near = f"{service_url}/nearest?lat={HERE['latitude']}&lon={HERE['longitude']}&mode=walk&k=5"
    unfiltered = [f["id"] for f in api(near)["features"]]
    filtered = [f["id"] for f in api(f"{near}&open_at={quote(when)}")["features"]]
    assert set(unfiltered) - set(filtered), "some nearby station is closed then"
    items = located(context, page, f"{service_url}/maps/embed?lang=en&open_at={quote(when)}")
    listed = [items.nth(i).get_attribute("data-id") for i in range(5)]
    assert listed == filtered
    assert page.evaluate("ids => ids.every(id => window.sfStations.has(id))", listed)
    assert items.locator(".sf-open").count() == 5 and items.locator(".sf-closed").count() == 0
    # Tapping an entry opens that station's popup.
    items.nth(1).click()
    popup = page.locator(".leaflet-popup-content .sf-popup")
    expect(popup).to_have_attribute("data-id", listed[1])
    expect(popup.locator(".sf-open")).to_have_count(1)
    page.screenshot(path=str(shots / "embed-open-at.png"))
    assert console.unexpected() == []


def test_embed_nearest_list_marks_closed_stations(
    context: BrowserContext, page: Page, service_url: str, console: Console
) -> None:
    """Without an open_at filter the list marks each station open or closed, as its popup."""
    items = located(context, page, f"{service_url}/maps/embed?lang=en")
    for i in range(5):
        sid = items.nth(i).get_attribute("data-id")
        state = page.evaluate("id => window.sfStations.openState(id)", sid)
        assert items.nth(i).locator(".sf-open").count() == (state == 1)
        assert items.nth(i).locator(".sf-closed").count() == (state == 0)
    assert console.unexpected() == []


def test_denied_position_is_explained(page: Page, service_url: str, console: Console) -> None:
    load(page, f"{service_url}/maps/embed?lang=en")  # no geolocation permission granted
    page.click("#sf-locate")
    expect(page.locator("#sf-nearest")).to_have_text("Your position is not available.")
    assert console.unexpected() == []


def test_browser_gcj02_shift_matches_geo_crs(page: Page, service_url: str) -> None:
    load(page, f"{service_url}/maps/embed?lang=en")
    for lon, lat in [(116.397, 39.909), (121.47, 31.23), (101.78, 36.62)]:
        x, y = page.evaluate("([x, y]) => window.sfWgs2Gcj(x, y)", [lon, lat])
        gx, gy = convert(lon, lat, src="wgs84", dst="gcj02")
        assert abs(x - float(gx)) < 1e-6 and abs(y - float(gy)) < 1e-6
    assert page.evaluate("window.sfWgs2Gcj(24.94, 60.17)") == [24.94, 60.17]


@pytest.mark.parametrize("framed", [True, False])
def test_only_configured_origins_may_frame_the_embed(
    page: Page, service_url: str, console: Console, framed: bool
) -> None:
    # The service allows 'self' (http://127.0.0.1:port) and PORTAL. http://localhost:port
    # is another origin on the same loopback, so Chromium's local-network rules stay out
    # of the way and only the frame-ancestors header decides.
    parent = service_url if framed else service_url.replace("127.0.0.1", "localhost")
    console.allowed.append(re.compile(r"frame-ancestors"))
    page.goto(f"{parent}/healthz")
    page.evaluate(
        """src => {
            const f = document.createElement("iframe");
            f.id = "f"; f.src = src; f.width = 600; f.height = 400;
            document.body.appendChild(f);
        }""",
        f"{service_url}/maps/embed?lang=en",
    )
    frame = page.frame_locator("#f")
    if framed:
        expect(frame.locator(".folium-map")).to_have_count(1, timeout=10_000)
        expect(frame.locator("#sf-locate")).to_be_visible()
        assert console.errors == []
    else:
        expect(frame.locator(".folium-map")).to_have_count(0)
        page.wait_for_function("document.getElementById('f') !== null")
        page.wait_for_timeout(1_000)
        expect(frame.locator(".folium-map")).to_have_count(0)
        assert any("frame-ancestors" in e for e in console.errors), console.errors


def test_coverage_page_layers(page: Page, service_url: str, console: Console, shots: Path) -> None:
    load(page, f"{service_url}/maps/coverage?lang=en&minutes=3")
    control = page.locator(".leaflet-control-layers-list")
    for name in (
        "Coverage cells",
        "3-minute walking areas",  # the page asked for minutes=3
        "1 km service circles",
        "Coverage gaps",
        "Worker demand",
        "Stations",
    ):
        expect(control).to_contain_text(name)
    gaps = api(f"{service_url}/gaps?minutes=3")["features"]
    assert gaps, "the 3-minute standard leaves gaps in the demo"
    # The page draws on a canvas: count Leaflet's vector shapes on the map instead.
    shapes = page.evaluate(
        """() => {
            const m = Object.values(window).find(v => v instanceof L.Map);
            let n = 0;
            m.eachLayer(l => { if (l instanceof L.Path) n++; });
            return n;
        }"""
    )
    assert shapes > len(gaps)
    page.screenshot(path=str(shots / "coverage.png"))
    assert console.unexpected() == []


def test_suggest_page_numbers_chosen_sites(
    page: Page, service_url: str, console: Console, shots: Path
) -> None:
    load(page, f"{service_url}/maps/suggest?lang=en&k=3&minutes=2")
    chosen = json.loads(
        urllib.request.urlopen(
            urllib.request.Request(
                f"{service_url}/suggest",
                data=json.dumps({"k": 3, "minutes": 2}).encode(),
                headers={"Content-Type": "application/json"},
            ),
            timeout=30,
        ).read()
    )["features"]
    legend = page.locator(".sf-legend")
    for i, f in enumerate(chosen, start=1):
        expect(legend).to_contain_text(f"{i}. {f['properties']['name']}")
    expect(page.locator(".leaflet-control-layers-list")).to_contain_text("Chosen sites")
    page.screenshot(path=str(shots / "suggest.png"))
    assert console.unexpected() == []


def test_popup_report_link_opens_a_form_that_submits(
    page: Page, service_url: str, console: Console, shots: Path
) -> None:
    near = api(f"{service_url}/nearest?lat={HERE['latitude']}&lon={HERE['longitude']}&k=1")
    sid = near["features"][0]["id"]
    x, y = near["features"][0]["geometry"]["coordinates"]
    # At zoom 19 nothing is clustered: the marker is on the map and its popup opens at once.
    load(page, f"{service_url}/maps/embed?lang=en&zoom=19&lat={y}&lon={x}")
    assert page.evaluate("(id) => window.sfStations.openStation(id)", sid)
    expect(page.locator(".leaflet-popup-content .sf-popup")).to_have_attribute("data-id", sid)
    link = page.locator(".leaflet-popup-content .sf-popup a.sf-report")
    expect(link).to_have_text("Report a problem")
    href = link.get_attribute("href")
    assert href == f"/maps/report?station={sid}&lang=en"
    page.goto(service_url + href)
    expect(page.locator(".sf-station")).to_have_attribute("data-id", sid)
    page.select_option("#sf-kind", "amenity_missing")
    expect(page.locator("#sf-amenity")).to_be_visible()
    page.select_option("#sf-kind", "full")
    page.fill("#sf-text", "no seat left at noon")
    page.click("#sf-send")
    expect(page.locator("#sf-result")).to_have_attribute("data-status", "201")
    expect(page.locator("#sf-result")).to_contain_text("Thank you")
    page.screenshot(path=str(shots / "report-form.png"))
    assert api(f"{service_url}/stations/{sid}")["properties"]["open_reports"] == 1
    assert console.unexpected() == []


def overlap(a: dict[str, float] | None, b: dict[str, float] | None) -> bool:
    assert a is not None and b is not None
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


@pytest.mark.parametrize("path", ["/maps/embed?lang=en", "/maps/coverage?lang=en&minutes=3"])
def test_narrow_screen_folds_legend_and_layers(
    context: BrowserContext, page: Page, service_url: str, console: Console, shots: Path, path: str
) -> None:
    """At 390 px the legend and the layer control start folded behind buttons; the nearest
    list is never covered; each button unfolds its control."""
    context.grant_permissions(["geolocation"], origin=service_url)
    context.set_geolocation(HERE)
    page.set_viewport_size({"width": 390, "height": 740})
    load(page, service_url + path)
    page.wait_for_timeout(200)
    expect(page.locator(".sf-legend-toggle")).to_be_visible()
    expect(page.locator(".sf-legend .sf-legend-body")).to_be_hidden()
    expect(page.locator(".leaflet-control-layers-list")).to_be_hidden()
    if "embed" in path:
        page.click("#sf-locate")
        expect(page.locator("#sf-nearest li")).to_have_count(5)
        near = page.locator("#sf-nearest").bounding_box()
        assert not overlap(near, page.locator(".sf-legend").bounding_box())
        expect(page.locator(".leaflet-control-layers")).to_have_count(0)  # none on the embed
        page.screenshot(path=str(shots / "embed-390.png"))
    page.click(".sf-legend-toggle")
    expect(page.locator(".sf-legend .sf-legend-body")).to_be_visible()
    expect(page.locator(".sf-legend .sf-legend-body > div").first).to_be_visible()
    # Unfolded, the legend keeps its own style (not the popups' bold green "open now").
    expect(page.locator(".sf-legend .sf-legend-body > div").first).to_have_css("font-weight", "400")
    if "coverage" in path:
        assert page.evaluate("document.querySelector('.sf-figures').open") is False
        expect(page.locator(".sf-fig-table")).to_be_hidden()
        page.click(".sf-figures summary")
        expect(page.locator(".sf-fig-table")).to_be_visible()
        page.click(".leaflet-control-layers-toggle")
        expect(page.locator(".leaflet-control-layers-list")).to_be_visible()
    page.screenshot(path=str(shots / f"narrow-{path.split('?')[0].rsplit('/', 1)[-1]}.png"))
    # Wide screens show both unfolded, as before.
    page.set_viewport_size({"width": 1000, "height": 700})
    load(page, service_url + path)
    expect(page.locator(".sf-legend-toggle")).to_be_hidden()
    expect(page.locator(".sf-legend .sf-legend-body")).to_be_visible()
    assert console.unexpected() == []


PANEL_VALUES = """() => {
    const out = {};
    document.querySelectorAll('.sf-fig-table tr[data-measure]').forEach(tr => {
        out[tr.dataset.measure] = [...tr.querySelectorAll('td')].map(
            td => td.dataset.value === '' ? null : Number(td.dataset.value));
    });
    return out;
}"""


@pytest.mark.parametrize("kind", [None, "driver_home"])
def test_coverage_figures_panel_equals_the_coverage_endpoint(
    page: Page, service_url: str, console: Console, shots: Path, kind: str | None
) -> None:
    # On foot, named: driver homes alone would default to the truck (STATIONFINDER_DEFAULT_MODES).
    query = "minutes=3" + (f"&kind={kind}&mode=walk" if kind else "")
    load(page, f"{service_url}/maps/coverage?lang=en&{query}")
    want = api(f"{service_url}/coverage?{query}")
    got = page.evaluate(PANEL_VALUES)
    for measure in ("street_share", "area_share", "demand_share"):
        shares = want[measure]
        assert got[measure] == [shares["none"], shares["once"], shares["multiple"]], measure
    # What a person reads: the same shares in per cent, one decimal.
    row = page.locator('.sf-fig-table tr[data-measure="street_share"] td')
    expect(row.first).to_have_text(f"{100 * want['street_share']['none']:.1f} %")
    expect(page.locator(".sf-figures .sf-standard")).to_contain_text("3 min on foot")
    # Every layer in the legend, the demand layer with its scale.
    legend = page.locator(".sf-legend")
    for label in (
        "Not covered",
        "Covered once",
        "Covered twice or more",
        "walking areas",
        "service circles",
        "Coverage gaps",
        "Driver home",
    ):
        expect(legend).to_contain_text(label)
    expect(legend.locator("h5")).to_contain_text("Worker demand per hexagon")
    scale = legend.locator("h5 ~ div")
    assert scale.count() >= 3
    stations = page.evaluate("window.sfStations.sfCount")
    if kind:  # the stations drawn are those counted: driver homes only
        kinds = page.evaluate(
            "() => Object.values(window.sfStations.markers).map(m => m.options.icon.options.html)"
        )
        assert all("sf-kind-driver_home" in k for k in kinds)
        assert stations == want["stations"]
    page.screenshot(path=str(shots / f"coverage-figures-{kind or 'all'}.png"))
    assert console.unexpected() == []


def test_kind_filter_shows_one_kind_only(
    page: Page, service_url: str, console: Console, shots: Path
) -> None:
    """Unticking every kind but driver homes leaves exactly the driver homes drawn."""
    load(page, f"{service_url}/maps/stations?lang=en")
    homes = api(f"{service_url}/stations?limit=1000&kind=driver_home")["number_matched"]
    total = page.evaluate("window.sfStations.sfCount")
    assert 0 < homes < total
    page.click(".sf-kind-filter summary")
    for box in page.locator(".sf-kind-filter input").all():
        if box.get_attribute("value") != "driver_home":
            box.uncheck()
    drawn = "window.sfStations.drawnCounts.reduce((a, b) => a + b, 0)"
    page.wait_for_function(f"{drawn} === {homes}")  # the page asks the service again
    kinds = page.evaluate(
        "() => Object.values(window.sfStations.markers)"
        ".filter(m => window.sfStations.hasLayer(m)).map(m => m.options.icon.options.html)"
    )
    assert kinds and all("sf-kind-driver_home" in k for k in kinds)
    page.screenshot(path=str(shots / "kind-filter.png"))
    page.locator('.sf-kind-filter input[value="worker_station"]').check()
    workers = api(f"{service_url}/stations?limit=1000&kind=worker_station")["number_matched"]
    page.wait_for_function(f"{drawn} === {homes + workers}")
    assert console.unexpected() == []
