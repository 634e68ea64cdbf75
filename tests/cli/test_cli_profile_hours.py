"""``coverage --profile`` samples each hour at half past (issue 23), checked by hand: stations
closing at 23:00, 23:30 and 23:45 are all open in hour 22 and only the last in hour 23."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest

from cli.main import main

SHEET = """id,name,kind,lon,lat,opening_hours
a,Closes 23:00,worker_station,24.9410,60.1700,Mo-Su 08:00-23:00
b,Closes 23:30,worker_station,24.9450,60.1720,Mo-Su 08:00-23:30
c,Closes 23:45,worker_station,24.9380,60.1690,Mo-Su 08:00-23:45
"""


def test_profile_counts_a_station_open_at_half_past(
    tmp_path: Path, helsinki_pbf: str, capsys: pytest.CaptureFixture[str]
) -> None:
    sheet = tmp_path / "s.csv"
    sheet.write_text(SHEET, encoding="utf-8")
    db = str(tmp_path / "r.sqlite")
    assert main(["import", str(sheet), "--db", db, "--tz", "Europe/Helsinki"]) == 0
    capsys.readouterr()
    run = ["coverage", "--db", db, "--network", helsinki_pbf, "--minutes", "3"]
    assert main([*run, "--profile", "2026-11-23"]) == 0  # a Monday
    prof = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert list(prof.columns[:4]) == ["sampled_at", "weekday", "hour", "open_stations"]
    open_at = dict(zip(prof["sampled_at"], prof["open_stations"], strict=True))
    assert open_at["2026-11-23 07:30:00"] == 0
    assert open_at["2026-11-23 08:30:00"] == 3
    assert open_at["2026-11-23 22:30:00"] == 3
    assert open_at["2026-11-23 23:30:00"] == 1  # only the one closing at 23:45
    # The hour with one station covers no more streets than the hour with three.
    monday = prof[prof["weekday"] == "Mon"].set_index("hour")
    assert monday.loc[23, "street_none"] >= monday.loc[22, "street_none"]
    assert monday.loc[7, "street_none"] == pytest.approx(1.0)
