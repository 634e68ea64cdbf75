"""stationfinder suggest and map."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli.main import main

ROOT = Path(__file__).resolve().parents[2]
DEMAND = ROOT / "data" / "helsinki_demand.csv"  # a --demand default never comes from a file


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("sug") / "demo.sqlite"
    assert main(["import", str(ROOT / "data" / "helsinki_stations.csv"), "--db", str(db)]) == 0
    return db


def test_suggest_json_exact_and_greedy(
    demo_db: Path, helsinki_pbf: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["suggest", "--db", str(demo_db), "--network", helsinki_pbf, "--minutes", "2", "-k", "3"]
    base += ["--demand", str(DEMAND)]
    capsys.readouterr()
    assert main([*base, "--json", "--out", str(tmp_path / "s.geojson")]) == 0
    exact = json.loads(capsys.readouterr().out)
    assert json.loads((tmp_path / "s.geojson").read_text()) == exact
    assert exact["optimal"] and [f["properties"]["order"] for f in exact["features"]] == [1, 2, 3]
    assert exact["covered_after"] - exact["covered_before"] == pytest.approx(
        sum(f["properties"]["gain"] for f in exact["features"])
    )
    assert main([*base, "--json", "--method", "greedy"]) == 0
    greedy = json.loads(capsys.readouterr().out)
    assert greedy["covered_after"] <= exact["covered_after"] <= greedy["bound"] + 1e-9


def test_suggest_with_a_proposal(
    demo_db: Path, helsinki_pbf: str, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert (
        main(
            [
                "suggest",
                "--db",
                str(demo_db),
                "--network",
                helsinki_pbf,
                "--minutes",
                "2",
                "-k",
                "1",
                "--demand",
                str(DEMAND),
                "--candidates",
                "",
                "--propose",
                "24.9445,60.1712,by the station",
                "--json",
            ]
        )
        == 0
    )
    fc = json.loads(capsys.readouterr().out)
    assert [f["properties"]["name"] for f in fc["features"]] == ["by the station"]
    assert (
        main(
            [
                *["suggest", "--db", str(demo_db), "--network", helsinki_pbf, "--propose", "east"],
                *["--demand", str(DEMAND)],
            ]
        )
        == 1
    )
    assert "--propose 'east' must be LON,LAT" in capsys.readouterr().err


@pytest.mark.parametrize("kind", ["stations", "coverage", "suggest"])
def test_map_writes_a_standalone_page(
    demo_db: Path, helsinki_pbf: str, tmp_path: Path, kind: str
) -> None:
    out = tmp_path / f"{kind}.html"
    assert (
        main(
            [
                "map",
                "--db",
                str(demo_db),
                "--network",
                helsinki_pbf,
                "--demand",
                str(DEMAND),
                "--kind",
                kind,
                "--minutes",
                "3",
                "--out",
                str(out),
                "--lang",
                "en",
            ]
        )
        == 0
    )
    page = out.read_text(encoding="utf-8")
    assert "L.map(" in page and "<script src=" not in page  # everything inlined
    # No tile server: the streets of --network come inline as one vector layer.
    assert "L.tileLayer" not in page and "tile.openstreetmap.org" not in page
    assert '"MultiLineString"' in page and '"pane": "streets"' in page


def test_suggest_with_cbc(
    demo_db: Path, helsinki_pbf: str, capsys: pytest.CaptureFixture[str]
) -> None:
    base = [
        "suggest",
        "--db",
        str(demo_db),
        "--network",
        helsinki_pbf,
        "--minutes",
        "2",
        "-k",
        "2",
        "--demand",
        str(DEMAND),
        "--json",
    ]
    capsys.readouterr()
    main([*base, "--solver", "cbc"])
    cbc = json.loads(capsys.readouterr().out)
    main([*base, "--solver", "highs"])
    highs = json.loads(capsys.readouterr().out)
    assert cbc["solver"] == "cbc" and highs["solver"] == "highs"
    assert cbc["covered_after"] == pytest.approx(highs["covered_after"])
    main([*base, "--solver", "reduce"])  # proves candidates out, then HiGHS: the same optimum
    reduced = json.loads(capsys.readouterr().out)
    assert reduced["solver"] in ("reduce", "none") and reduced["optimal"]
    assert reduced["covered_after"] == pytest.approx(highs["covered_after"])


def _table(out: str) -> list[list[str]]:
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("#  "))
    return [line.split() for line in lines[start + 2 :] if line.strip()]


@pytest.mark.parametrize("method", ["exact", "greedy"])
def test_suggest_double_header_and_rows_in_pick_order(
    demo_db: Path, helsinki_pbf: str, capsys: pytest.CaptureFixture[str], method: str
) -> None:
    base = ["suggest", "--db", str(demo_db), "--network", helsinki_pbf, "--minutes", "3", "-k", "4"]
    base += ["--demand", str(DEMAND), "--double", "--method", method, "--solver", "highs"]
    capsys.readouterr()
    assert main([*base, "--json"]) == 0
    fc = json.loads(capsys.readouterr().out)
    assert main(base) == 0
    out = capsys.readouterr().out
    header = out.splitlines()[1]
    if method == "exact":
        assert fc["optimal"] and header == "method: exact (HiGHS), proven optimal"
    elif fc["optimal"]:
        assert header.startswith("method: greedy, proven optimal (it meets the ")
    else:
        assert header.startswith("method: greedy, no optimality proof: gap ")
    assert "(greedy, greedy" not in out and "twice-covered after" in out
    rows = _table(out)
    feats = fc["features"]
    assert [int(r[0]) for r in rows] == list(range(1, len(feats) + 1))
    assert [r[1] for r in rows] == [f["id"] for f in feats]  # pick order, not sorted by gain
    # Cumulative twice-covered share after each pick, ending at the share after all.
    running = fc["covered_before"]
    for row, f in zip(rows, feats, strict=True):
        running += f["properties"]["gain"]
        assert row[-3] == f"{running / fc['total']:.1%}"
    assert rows[-1][-3] == f"{fc['share_after']:.1%}"
