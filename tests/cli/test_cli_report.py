"""stationfinder report on the bundled Futian demo: the workbook is opened with openpyxl and
each sheet is checked against the command that computes the same figures on its own
(coverage, gaps, stations-impact, suggest, response-times), the picture is a real PNG."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from PIL import Image

from cli.main import main
from geo.feedback import Feedback, response_times
from geo.feedback.workflow import Workflow
from geo.report.labels import TEXT
from geo.stations import open_store

ROOT = Path(__file__).resolve().parents[2]
AS_OF = datetime(2030, 1, 7, 4, 0, tzinfo=UTC)  # a Monday, noon in Shenzhen; after the reports
ZH = {zh: key for key, (_, zh) in TEXT.items()}  # header → column key
ZH_SHEETS = ["地图", "关键指标", "空白区", "驿站作用", "建议选址", "公平性", "响应时间"]


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The demo store (with two riders' reports, one answered), and the report in both forms."""
    tmp = tmp_path_factory.mktemp("report")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("STATIONFINDER_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "nc"))
        db = tmp / "futian.sqlite"
        assert main(["import", str(ROOT / "data" / "futian_stations.csv"), "--db", str(db)]) == 0
        with open_store(str(db)) as store:
            fb = Feedback(store)
            first = fb.report("demo-futian-1116501199", "full")
            fb.report("demo-futian-1116501212", "closed")
            Workflow(fb).reply("report", first.id, "we will look", actor="planner-li")
        out = {"db": db, "xlsx": tmp / "report.xlsx", "html": tmp / "report.html"}
        common = ["report", "--db", str(db), "--region", "futian", "--as-of", AS_OF.isoformat()]
        assert main([*common, "--out", str(out["xlsx"])]) == 0
        assert main([*common, "--out", str(out["html"])]) == 0
        yield out


def sheet_tables(ws: Any) -> dict[str, tuple[pd.DataFrame, str]]:
    """Each table of a sheet (title → rows under column keys, the note under it)."""
    blocks: list[list[tuple[Any, ...]]] = [[]]
    for row in ws.iter_rows(values_only=True):
        if all(v is None for v in row):
            blocks.append([])
        else:
            blocks[-1].append(row)
    tables = {}
    for block in filter(None, blocks):
        title, header, *rows = block
        width = sum(h is not None for h in header)
        note = ""
        if rows and all(v is None for v in rows[-1][1:]) and width > 1:
            note = rows.pop()[0]
        keys = [ZH[h] for h in header[:width]]
        frame = pd.DataFrame([r[:width] for r in rows], columns=keys, dtype=object)
        tables[title[0]] = (frame, note)
    return tables


@pytest.fixture(scope="module")
def book(written: dict[str, Any]) -> Any:
    return openpyxl.load_workbook(written["xlsx"])


def cli_json(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    capsys.readouterr()
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


def day_night(book: Any) -> dict[str, str]:
    kpi = sheet_tables(book["关键指标"])["各标准覆盖率（白天与夜间）"][0]
    names = {"day": "白天", "night": "夜间"}
    return {t: str(kpi[kpi["time"] == zh]["at"].iloc[0]) for t, zh in names.items()}


def test_sheets_and_chinese_labels(book: Any) -> None:
    assert book.sheetnames == ZH_SHEETS
    kpi = sheet_tables(book["关键指标"])
    assert list(kpi) == ["各类驿站数量", "各标准覆盖率（白天与夜间）", "各街道/辖区覆盖率"]
    cov = kpi["各标准覆盖率（白天与夜间）"][0]
    assert set(cov["standard"]) == {"步行", "直线"}
    assert set(cov["measure"]) == {"街道（长度）", "面积（六边形）", "需求（权重）"}
    for ws in book.worksheets:
        for row in ws.iter_rows(values_only=True):
            assert not any(isinstance(v, float) and v != v for v in row), ws.title
            assert not any(isinstance(v, str) and v.lower() in ("nan", "none") for v in row)


def test_kpi_equals_coverage_command(
    book: Any, written: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    kpi = sheet_tables(book["关键指标"])
    cov = kpi["各标准覆盖率（白天与夜间）"][0]
    dist = kpi["各街道/辖区覆盖率"][0]
    when = day_night(book)
    assert when["day"].endswith("T12:00:00+08:00") and when["night"].endswith("T02:00:00+08:00")
    seen = 0
    for time_zh, t in (("白天", "day"), ("夜间", "night")):
        for std_zh, std in (("步行", "walk"), ("直线", "radius")):
            want = cli_json(capsys, "coverage", "--db", str(written["db"]), "--region", "futian",
                            "--at", when[t], "--standard", std, "--json")  # fmt: skip
            rows = cov[(cov["time"] == time_zh) & (cov["standard"] == std_zh)]
            assert rows["stations"].tolist() == [want["stations"]] * 3
            assert rows["limit_m"].iloc[0] == pytest.approx(want["limit_m"])
            for measure, key in (("街道（长度）", "street_share"), ("面积（六边形）", "area_share"),
                                 ("需求（权重）", "demand_share")):  # fmt: skip
                got = rows[rows["measure"] == measure].iloc[0]
                for part in ("none", "once", "multiple"):
                    assert got[part] == pytest.approx(want[key][part], abs=1e-12)
                assert got["covered"] == pytest.approx(1 - want[key]["none"], abs=1e-12)
                for name, parts in want["districts"].items():
                    d = dist[
                        (dist["district"] == name)
                        & (dist["time"] == time_zh)
                        & (dist["standard"] == std_zh)
                        & (dist["measure"] == measure)
                    ]
                    assert d["once"].tolist() == pytest.approx([parts[key]["once"]])
                    seen += 1
    assert seen == 12  # one district, 2 times × 2 standards × 3 measures
    # The night counts fewer stations than the day (some close in the evening).
    night, day = cov[cov["time"] == "夜间"], cov[cov["time"] == "白天"]
    assert night["stations"].max() < day["stations"].min()


def test_stations_by_kind_against_the_csv(book: Any) -> None:
    kinds = sheet_tables(book["关键指标"])["各类驿站数量"][0]
    csv = pd.read_csv(ROOT / "data" / "futian_stations.csv")
    csv = csv[csv["status"] == "open"]
    from geo.names import kind_label

    want = {kind_label(k, "zh"): n for k, n in csv["kind"].value_counts().items()}
    got = dict(zip(kinds["kind"], kinds["stations"], strict=True))
    assert got.pop("合计") == len(csv) and got == want


def test_gaps_impact_sites_equal_their_commands(
    book: Any, written: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    at = day_night(book)["day"]
    common = ["--db", str(written["db"]), "--region", "futian", "--at", at]
    gaps, note = sheet_tables(book["空白区"])["空白区"]
    want = cli_json(capsys, "gaps", *common, "--json")
    assert len(gaps) == len(want) > 0 and note == ""
    for got, w in zip(gaps.to_dict(orient="records"), want, strict=True):
        assert {k: got[k] for k in w} == {k: (v if v != "" else None) for k, v in w.items()}
    impact = sheet_tables(book["驿站作用"])["驿站作用"][0]
    want_i = cli_json(capsys, "stations-impact", *common, "--json")["stations"]
    assert impact["station_id"].tolist() == [r["station_id"] for r in want_i]
    assert impact["only_demand"].tolist() == [r["only_demand"] for r in want_i]
    sites = sheet_tables(book["建议选址"])["建议选址"][0]
    want_s = cli_json(capsys, "suggest", *common, "--method", "greedy", "-k", "5", "--json")
    assert sites["id"].tolist() == [f["id"] for f in want_s["features"]]
    assert sites["gain"].tolist() == pytest.approx([f["properties"]["gain"] for f in
                                                    want_s["features"]])  # fmt: skip
    summary = sheet_tables(book["建议选址"])["建议选址的效果"][0].iloc[0]
    assert summary["share_after"] == pytest.approx(want_s["share_after"])


def test_fairness_and_response_times(
    book: Any, written: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    at = day_night(book)["day"]
    fair, note = sheet_tables(book["公平性"])["公平性"]
    want = cli_json(capsys, "coverage", "--db", str(written["db"]), "--region", "futian",
                    "--at", at, "--json")["fairness"]  # fmt: skip
    region = fair[(fair["time"] == "白天") & (fair["scope"] == "区域")].iloc[0]
    assert region["median_min"] == pytest.approx(want["median_s"] / 60)
    assert region["p95_min"] == pytest.approx(want["p95_s"] / 60)
    assert region["gini"] == pytest.approx(want["gini"]) and "基尼" in note
    assert set(fair["scope"]) == {"区域", "福田区"}
    tables = sheet_tables(book["响应时间"])
    with open_store(str(written["db"])) as store:
        rt = response_times(store, at=AS_OF)
    overall = tables["全部报告与建议"][0].iloc[0]
    assert (overall["items"], overall["replied"], overall["resolved"]) == (2, 1, 0)
    assert overall["open_past_limit"] == rt.overall.open_past_limit == 2  # years later
    assert overall["reply_median_days"] == pytest.approx(rt.overall.reply_median_days)
    planners = tables["按规划人员"][0]
    assert planners["planner"].tolist() == [f.group or "（尚未答复）" for f in rt.by_planner]
    assert "planner-li" in planners["planner"].tolist()


def test_the_picture_is_a_drawn_map(written: dict[str, Any]) -> None:
    with zipfile.ZipFile(written["xlsx"]) as z:
        media = [n for n in z.namelist() if n.startswith("xl/media/")]
        assert len(media) == 1
        png = z.read(media[0])
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    img = Image.open(io.BytesIO(png)).convert("RGB")
    assert img.size == (1200, 800)
    colours = img.getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 200  # hexagons, streets, pins, legend
    top = max(colours)[0] / (img.size[0] * img.size[1])
    assert top < 0.8  # not one background colour


def test_english_and_errors(
    written: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "en.xlsx"
    argv = ["report", "--db", str(written["db"]), "--region", "futian", "--lang", "en",
            "--no-picture", "--as-of", AS_OF.isoformat(), "--out", str(out)]  # fmt: skip
    assert main(argv) == 0
    book = openpyxl.load_workbook(out)
    assert book.sheetnames[:3] == ["Map", "KPI", "Gaps"]
    assert book["KPI"]["A1"].value == "Stations by kind"
    with zipfile.ZipFile(out) as z:
        assert not [n for n in z.namelist() if n.startswith("xl/media/")]
    capsys.readouterr()
    assert main([*argv[:-1], str(tmp_path / "r.pdf")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--out" in err and "r.pdf" in err
    assert not (tmp_path / "r.pdf").exists()
    assert main([*argv[:-1], str(tmp_path / "no" / "r.xlsx")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"no folder {tmp_path / 'no'} to write it in" in err
