"""``stationfinder export --format amap|baidu`` with ``--previous`` (issue 22), run as users do."""

from __future__ import annotations

from pathlib import Path

import eviltransform as ev
import pandas as pd
import pytest

from cli.main import main
from geo.stations import open_store
from geo.types import Kind, Station, Status


def test_export_then_changes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "s.sqlite"
    with open_store(db) as reg:
        reg.add(
            [
                Station("a", "福田驿站", Kind.WORKER_STATION, 114.0579, 22.5431),
                Station("b", "南山驿站", Kind.RIDER_STATION, 113.9305, 22.5333),
            ]
        )
    first = tmp_path / "baidu-1.csv"
    assert main(["export", "--db", str(db), "--format", "baidu", "--out", str(first)]) == 0
    sheet = pd.read_csv(first, encoding="utf-8-sig")
    lat, lon = ev.wgs2bd(22.5431, 114.0579)
    assert abs(sheet.loc[0, "经度"] - lon) < 6e-7 and abs(sheet.loc[0, "纬度"] - lat) < 6e-7
    with open_store(db) as reg:
        reg.update("b", status=Status.CLOSED)
        reg.add(Station("c", "罗湖驿站", Kind.WORKER_STATION, 114.13, 22.55))
    capsys.readouterr()
    changes = tmp_path / "changes.csv"
    argv = ["export", "--db", str(db), "--format", "baidu", "--previous", str(first)]
    assert main([*argv, "--changes", str(changes), "--out", str(tmp_path / "baidu-2.csv")]) == 0
    err = capsys.readouterr().err
    assert f"since {first}: 1 added, 0 changed, 1 closed" in err
    diff = pd.read_csv(changes, encoding="utf-8-sig")
    assert list(zip(diff["操作"], diff["编号"], strict=True)) == [("新增", "c"), ("关闭", "b")]
    assert main(["export", "--db", str(db), "--format", "amap", "--changes", "x.csv"]) == 1
    assert "--changes needs --previous" in capsys.readouterr().err
    missing = ["export", "--db", str(db), "--format", "amap", "--previous", str(db) + ".nope"]
    assert main(missing) == 1
    assert (
        capsys.readouterr().err.strip() == f"stationfinder export: error: {db}.nope: no such file"
    )
