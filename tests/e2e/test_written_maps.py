"""Files written by ``stationfinder map``, opened from disk (``file://``) with no service
and no network: each kind draws its markers, legend and layers, with no JavaScript error."""

from __future__ import annotations

import contextlib
import csv
import io
import json
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from playwright.sync_api import Page

from cli.main import main
from tests.e2e.conftest import Console

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
DEMAND = Path(__file__).resolve().parents[2] / "data" / "helsinki_demand.csv"
SEED = ROOT / "data" / "helsinki_stations.csv"

DRAWN_STATIONS = """() => {
    // Stations a person sees: single pins, plus the count written on each cluster.
    const pins = document.querySelectorAll('.leaflet-marker-pane .sf-pin').length;
    const clustered = [...document.querySelectorAll('.leaflet-marker-pane .marker-cluster')]
        .map(c => parseInt(c.textContent, 10)).reduce((a, b) => a + b, 0);
    return {pins, clustered};
}"""

FEATURE_IDS = """() => {
    const m = Object.values(window).find(v => v instanceof L.Map);
    const ids = [];
    m.eachLayer(l => { if (l.feature && l.feature.id) ids.push(String(l.feature.id)); });
    return ids;
}"""


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory, helsinki_pbf: str) -> dict[str, Path]:
    """The demo registry, and one file of each kind written by the command line."""
    tmp = tmp_path_factory.mktemp("written")
    db = tmp / "s.sqlite"
    assert main(["import", str(SEED), "--db", str(db)]) == 0
    common = ["--db", str(db), "--network", helsinki_pbf, "--lang", "en"]
    out = {"db": db, "districts": tmp / "districts.geojson"}
    # Two districts: the demo's streets split at 24.94° E.
    halves = gpd.GeoDataFrame(
        {"name": ["West <b>", "East"]},
        geometry=[shapely.box(24.90, 60.15, 24.94, 60.20), shapely.box(24.94, 60.15, 24.98, 60.20)],
        crs=4326,
    )
    halves.to_file(out["districts"], driver="GeoJSON")
    demand = str(DEMAND)
    for kind, extra in [
        ("stations", []),
        # No default demand is ever another city's: the map gets the demo's, as coverage below.
        (
            "coverage",
            ["--minutes", "3", "--districts", str(out["districts"]), "--demand", str(DEMAND)],
        ),
        ("suggest", ["--minutes", "3", "-k", "3", "--demand", demand]),
    ]:
        out[kind] = tmp / f"{kind}.html"
        assert main(["map", "--kind", kind, *common, *extra, "--out", str(out[kind])]) == 0
    out["gaps"] = tmp / "gaps.geojson"
    assert main(["gaps", *common[:4], "--minutes", "3", "--out", str(out["gaps"])]) == 0
    return out


def open_file(page: Page, path: Path) -> None:
    page.goto(path.resolve().as_uri())
    page.wait_for_function("window.sfReady === true", timeout=20_000)
    page.wait_for_timeout(300)  # let the first cluster pass draw


def legend_rows(page: Page) -> list[str]:
    return page.locator(".sf-legend .sf-legend-body > div").all_inner_texts()


def seed_rows() -> list[dict[str, str]]:
    with SEED.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_stations_file_draws_every_station_and_the_kinds(
    file_page: Page, written: dict[str, Path], console: Console, shots: Path
) -> None:
    open_file(file_page, written["stations"])
    rows = seed_rows()
    drawn = file_page.evaluate(DRAWN_STATIONS)
    assert drawn["pins"] > 0 or drawn["clustered"] > 0
    assert drawn["pins"] + drawn["clustered"] == len(rows)
    kinds = {r["kind"] for r in rows}
    assert len(legend_rows(file_page)) == len(kinds) > 1
    assert file_page.evaluate("Object.values(window).find(v => v instanceof L.Map).getZoom()") > 10
    # One scale bar, in metres or kilometres (no second bar in feet or miles).
    scale = file_page.locator(".leaflet-control-scale-line").all_inner_texts()
    assert len(scale) == 1 and scale[0].split()[-1] in ("m", "km"), scale
    file_page.screenshot(path=str(shots / "written-stations.png"))
    assert console.blocked == [] and console.unexpected() == []


def test_coverage_file_draws_cells_gaps_and_legend(
    file_page: Page, written: dict[str, Path], console: Console, shots: Path
) -> None:
    open_file(file_page, written["coverage"])
    gaps = json.loads(written["gaps"].read_text(encoding="utf-8"))["features"]
    assert gaps, "3 minutes on foot leave gaps in the demo"
    ids = file_page.evaluate(FEATURE_IDS)
    assert len([i for i in ids if i.startswith("gap-")]) == len(gaps)
    assert any(i.startswith("cell-") for i in ids)
    rows = legend_rows(file_page)
    for label in ("Not covered", "Covered once", "Covered twice or more", "Coverage gaps"):
        assert any(label in r for r in rows), rows
    drawn = file_page.evaluate(DRAWN_STATIONS)
    assert drawn["pins"] + drawn["clustered"] > 0
    file_page.screenshot(path=str(shots / "written-coverage.png"))
    assert console.blocked == [] and console.unexpected() == []


def test_suggest_file_numbers_the_chosen_sites(
    file_page: Page, written: dict[str, Path], console: Console, shots: Path
) -> None:
    open_file(file_page, written["suggest"])
    numbers = file_page.locator(".sf-num").all_inner_texts()
    assert sorted(numbers) == ["1", "2", "3"]
    rows = legend_rows(file_page)
    assert len(rows) == 1 + 3  # the candidates, then each chosen site in order
    assert [r.split(".")[0].strip() for r in rows[1:]] == ["1", "2", "3"]
    file_page.screenshot(path=str(shots / "written-suggest.png"))
    assert console.blocked == [] and console.unexpected() == []


def test_coverage_file_figures_equal_the_coverage_command(
    file_page: Page, written: dict[str, Path], helsinki_pbf: str, console: Console
) -> None:
    """The figures panel and its district table show ``stationfinder coverage --json``."""
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        args = ["coverage", "--db", str(written["db"]), "--network", helsinki_pbf]
        args += ["--demand", str(ROOT / "data" / "helsinki_demand.csv")]  # the map's default
        assert (
            main([*args, "--minutes", "3", "--districts", str(written["districts"]), "--json"]) == 0
        )
    want = json.loads(printed.getvalue())
    open_file(file_page, written["coverage"])
    keys = ("none", "once", "multiple")
    for measure in ("street_share", "area_share", "demand_share"):
        row = file_page.locator(f'.sf-fig-table tr[data-measure="{measure}"] td')
        got = [
            None if v == "" else float(v)
            for v in row.evaluate_all("t => t.map(d => d.dataset.value)")
        ]
        assert got == [want[measure][k] for k in keys], measure
    assert set(want["districts"]) == {"West <b>", "East"}
    file_page.click(".sf-districts summary")
    for name, parts in want["districts"].items():
        row = file_page.locator(f'.sf-district-table tr[data-district="{name}"]')
        expect_values = [
            parts[m][k] for m in ("street_share", "area_share", "demand_share") for k in keys
        ]
        got = [
            None if v == "" else float(v)
            for v in row.locator("td").evaluate_all("t => t.map(d => d.dataset.value)")
        ]
        assert got == expect_values, name
        assert row.locator("th").inner_text() == name  # shown as text, not markup
    assert console.unexpected() == []


def test_coverage_file_by_ebike_names_its_mode(
    file_page: Page, written: dict[str, Path], console: Console, tmp_path: Path, helsinki_pbf: str
) -> None:
    """``stationfinder map --kind coverage --mode ebike`` writes a page that says its mode: in
    the title, the figures panel and the reach layer's legend row, never "walking areas"."""
    out = tmp_path / "ebike.html"
    argv = ["map", "--kind", "coverage", "--db", str(written["db"]), "--network", helsinki_pbf]
    argv += ["--lang", "en", "--minutes", "3", "--mode", "ebike", "--demand", str(DEMAND)]
    assert main([*argv, "--out", str(out)]) == 0
    open_file(file_page, out)
    assert "by e-bike" in file_page.title()
    rows = legend_rows(file_page)
    assert any("3-minute reach by e-bike" in r for r in rows), rows
    assert not any("walking areas" in r for r in rows), rows
    assert "by e-bike" in file_page.locator(".sf-figures").inner_text()
    ids = file_page.evaluate(FEATURE_IDS)
    assert any(i.startswith("cell-") for i in ids)
    assert console.blocked == [] and console.unexpected() == []
