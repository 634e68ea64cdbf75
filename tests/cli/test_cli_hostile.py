"""Bad and hostile input on the command line: one line naming what is wrong, status 1."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli.main import main

CSV = "id,name,lon,lat,opening_hours\na,East,24.94,60.17,24/7\n"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    f = tmp_path / "s.csv"
    f.write_text(CSV, encoding="utf-8")
    path = tmp_path / "r.sqlite"
    assert main(["import", str(f), "--db", str(path)]) == 0
    return path


def one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    return err[0]


@pytest.mark.parametrize("when", ["0001-01-01T00:00+14:00", "9999-12-31T23:59"])
def test_out_of_range_open_at_is_one_line(
    db: Path, when: str, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    argv = ["nearest", "--db", str(db), "--lat", "60.17", "--lon", "24.94", "--open-at", when]
    assert main(argv) == 1
    line = one_error_line(capsys)
    assert f"--open-at={when}"[:20] in line and "1901-01-01T00:00 to 9998-12-31T23:59:59" in line
