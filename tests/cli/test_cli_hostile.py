"""Bad and hostile input on the command line: one line naming what is wrong, status 1."""

from __future__ import annotations

import subprocess
import sys
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


@pytest.mark.parametrize(
    ("file_name", "data", "reason"),
    [
        ("empty.csv", b"", "the file is empty"),
        ("empty.xlsx", b"", "not an XLSX workbook"),
        ("cut.xlsx", b"PK\x03\x04\x14\x00", "not a whole ZIP archive"),
        ("broken.geojson", b'{"type": "FeatureCollection"', "not valid JSON"),
    ],
)
def test_malformed_file_is_one_line_naming_it(
    tmp_path: Path, file_name: str, data: bytes, reason: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / file_name
    path.write_bytes(data)
    db = tmp_path / "r.sqlite"
    assert main(["import", str(path), "--db", str(db)]) == 1
    line = one_error_line(capsys)
    assert line.startswith(f"stationfinder import: error: {path}: ") and reason in line


def test_console_script_reports_a_truncated_workbook_without_traceback(tmp_path: Path) -> None:
    path = tmp_path / "cut.xlsx"
    path.write_bytes(b"PK\x03\x04\x14\x00")
    exe = Path(sys.executable).with_name("stationfinder")
    run = subprocess.run(
        [str(exe), "import", str(path), "--db", str(tmp_path / "r.sqlite")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert run.stderr.strip().splitlines() == [
        f"stationfinder import: error: {path}: not an XLSX workbook "
        "(6 bytes that are not a whole ZIP archive; truncated or another format?)"
    ]


def test_unsafe_id_in_a_sheet_is_reported_by_row_and_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "s.csv"
    path.write_text("编号,名称,经度,纬度\n../x,东站,24.94,60.17\n", encoding="utf-8")
    assert main(["import", str(path), "--db", str(tmp_path / "r.sqlite")]) == 1
    err = capsys.readouterr().err
    assert f"{path}: row 2, column '编号': id '../x' is not accepted" in err
