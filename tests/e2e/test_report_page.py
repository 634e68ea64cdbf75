"""The planner report page written by ``stationfinder report --out report.html``, opened from
disk (``file://``) with no network: every table of the report with all its rows, Chinese
headers, and the map picture drawn (many distinct colours), with no JavaScript error."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Page

from cli.main import main
from geo.regions import RegionCatalog, read_regions
from geo.report import localized_frame, planner_report
from geo.stations import open_store
from tests.e2e.conftest import Console

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
AS_OF = datetime(2026, 6, 1, 4, 0, tzinfo=UTC)  # a Monday, noon in Shenzhen

PICTURE_COLOURS = """() => {
    const img = document.getElementById('sf-report-map');
    const c = document.createElement('canvas');
    c.width = img.naturalWidth; c.height = img.naturalHeight;
    const g = c.getContext('2d');
    g.drawImage(img, 0, 0);
    const d = g.getImageData(0, 0, c.width, c.height).data;
    const seen = new Set();
    for (let i = 0; i < d.length; i += 4) seen.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
    return {w: img.naturalWidth, h: img.naturalHeight, colours: seen.size};
}"""


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("report-page")
    cache = tmp_path_factory.getbasetemp() / "nc"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("STATIONFINDER_CACHE_DIR", str(cache))
        db = tmp / "futian.sqlite"
        assert main(["import", str(ROOT / "data" / "futian_stations.csv"), "--db", str(db)]) == 0
        out = tmp / "report.html"
        argv = ["report", "--db", str(db), "--region", "futian", "--as-of", AS_OF.isoformat()]
        assert main([*argv, "--out", str(out)]) == 0
    return {"db": db, "html": out, "cache": cache}


def test_report_page_shows_every_table_and_the_map(
    file_page: Page, written: dict[str, Path], console: Console
) -> None:
    specs = read_regions(ROOT / "data" / "regions.toml")
    catalog = RegionCatalog(specs, cache_dir=written["cache"])
    with open_store(str(written["db"])) as store:
        want = planner_report(store, catalog.get("futian"), as_of=AS_OF)
    tables = [t for s in want.sheets for t in s.tables]
    file_page.goto(written["html"].resolve().as_uri())
    file_page.wait_for_load_state("load")
    assert file_page.locator("html").get_attribute("lang") == "zh"
    shown = file_page.locator("table.sf-table")
    assert shown.count() == len(tables) == 11
    for i, t in enumerate(tables):
        table = shown.nth(i)
        assert table.get_attribute("data-key") == t.key
        assert table.locator("tbody tr").count() == len(t.frame)
        headers = table.locator("thead th").all_inner_texts()
        assert headers == [str(c) for c in localized_frame(t.frame, "zh").columns]
    assert file_page.locator("h2").all_inner_texts()[:3] == ["地图", "关键指标", "空白区"]
    coverage = file_page.locator("table[data-key=coverage] thead").inner_text()
    for header in ("未覆盖", "覆盖一次", "两次及以上", "时段", "标准"):
        assert header in coverage
    cells = file_page.locator("table[data-key=coverage] tbody td").all_inner_texts()
    assert not [c for c in cells if c.lower() in ("nan", "none", "null")]
    picture = file_page.evaluate(PICTURE_COLOURS)
    assert (picture["w"], picture["h"]) == (1200, 800)
    assert picture["colours"] > 200  # a drawn map, not a blank page
    assert console.blocked == [] and console.unexpected() == []
