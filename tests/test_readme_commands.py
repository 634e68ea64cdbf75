"""Every ``stationfinder`` command the README shows runs, as written, on the bundled demo
(issue 23), so the README cannot drift from the code.

The commands come from the README's ``bash`` blocks (:mod:`tests.readme_commands`: every
alternative of ``a|b`` and ``x | y`` is a variant, optional ``[…]`` parts included). Their
placeholders are filled with the bundled Futian demo (Helsinki for a point in Helsinki), a
temporary registry made from it (with a report, an open and an accepted proposal) and a
temporary copy of the regions file; each runs in its own temporary folder, where the files
it names as output must then exist. ``scripts/run`` and ``scripts/test`` are not
``stationfinder`` commands; the few skipped below say why.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from cli.main import main
from geo.feedback import Feedback
from geo.stations import open_store
from tests.readme_commands import Command, readme_commands

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
COMMANDS = readme_commands(ROOT / "README.md")

SKIPPED = {
    "serve": "runs until stopped (tests/cli/test_cli_tz.py runs it with uvicorn stubbed; "
    "tests/e2e serve the app)",
    "coverage-batch": "starts a Dask cluster of worker processes, about a minute "
    "(tests/cli/test_cli_batch.py runs it on two regions)",
}
NEEDS_NETWORK = ("tcp://",)  # a Dask scheduler on another machine
OUTPUT_OPTIONS = ("--out", "--map", "--changes")
FUTIAN_POINT = (114.0550, 22.5400)


@dataclass(frozen=True)
class Demo:
    """What the placeholders become."""

    folder: Path
    db: Path
    xlsx: Path
    regions: Path
    report_id: int
    open_proposal: int
    accepted_proposal: int
    receipt: str
    station_id: str
    plan_id: int
    other_station: str
    route: Path


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    folder = tmp_path_factory.mktemp("readme")
    db = folder / "demo.sqlite"
    for sheet in ("futian_stations.csv", "helsinki_stations.csv"):
        assert main(["import", str(DATA / sheet), "--db", str(db)]) == 0
    xlsx = folder / "stations.xlsx"
    export = ["export", "--db", str(db), "--format", "xlsx", "--crs", "gcj02", "--out", str(xlsx)]
    assert main(export) == 0  # a planner's sheet in Amap's system
    with open_store(str(db)) as store:
        station, other = [s for s in store.stations() if s.lon > 100 and s.status == "open"][:2]
        fb = Feedback(store)
        report = fb.report(station.id, "closed", text="shut all week")
        lon, lat = FUTIAN_POINT
        first = fb.propose(lon, lat, proposer="a", note="near the metro")
        fb.propose(lon + 0.0003, lat, proposer="b")
        later = fb.propose(lon + 0.02, lat + 0.01, proposer="c", note="by the market")
        fb.accept_proposal(later.id, name="市场驿站", actor="li")
    # The regions file with absolute paths, so copies of it work anywhere.
    text = (DATA / "regions.toml").read_text(encoding="utf-8")
    for name in ("futian_osm.graphml.gz", "futian_districts.geojson", "futian_taxi_pickups.csv",
                 "futian_taxi_dropoffs.csv", "helsinki_demand.csv"):  # fmt: skip
        text = text.replace(f'"{name}"', f'"{(DATA / name).as_posix()}"')
    regions = folder / "regions.toml"
    regions.write_text(text, encoding="utf-8")
    plan = ["plan", "create", "--db", str(db), "--name", "night", "--close", station.id]
    with pytest.MonkeyPatch.context() as env:
        env.setenv("STATIONFINDER_CACHE_DIR", str(folder / "cache"))
        assert main([*plan, "--region", "futian", "--regions-file", str(regions)]) == 0
    plan_id = 1  # the first plan of the registry
    route = folder / "route.geojson"  # the corridor example's trip, as a drawn line
    trip = [[114.00, 22.53], [114.02, 22.54], [114.04, 22.545]]
    line = {"type": "LineString", "coordinates": trip}
    route.write_text(json.dumps(line), encoding="utf-8")
    return Demo(
        folder, db, xlsx, regions, report.id, first.id, later.id, first.receipt, station.id,
        plan_id, other.id, route,
    )  # fmt: skip


def _fill(cmd: Command, demo: Demo, here: Path, helsinki_pbf: str) -> list[str]:
    """The command's words with its placeholders filled (see the module)."""
    words = list(cmd.words)
    sub = words[0]
    lat = words[words.index("--lat") + 1] if "--lat" in words else ""
    network = helsinki_pbf if lat.startswith("60.") else str(DATA / "futian_osm.graphml.gz")
    fixed = {
        "my.sqlite": str(here / "my.sqlite"),
        "stations.xlsx": str(demo.xlsx),
        "stations.csv": str(DATA / "futian_stations.csv"),
        "city.osm.pbf": network,
        "city.graphml.gz": str(DATA / "futian_osm.graphml.gz"),
        "riders.csv": str(DATA / "futian_taxi_pickups.csv"),
        "riders=riders.csv": f"riders={DATA / 'futian_taxi_pickups.csv'}",
        "districts.geojson": str(DATA / "futian_districts.geojson"),
        "d.geojson": str(DATA / "futian_districts.geojson"),
        "regions.toml": str(here / "regions.toml"),
        "route.geojson": str(demo.route),
        "TOKEN": demo.receipt,
        "NAME": "新驿站",
        "STATION_ID": demo.station_id,
        "LON,LAT,note": f"{FUTIAN_POINT[0]},{FUTIAN_POINT[1]},near the metro",
    }
    ids = {
        "reports": demo.report_id,
        "proposals": demo.open_proposal,
        "progress": demo.accepted_proposal,
        "close": demo.station_id,
        "verify": demo.station_id,
    }
    out: list[str] = []
    for i, w in enumerate(words):
        prev = words[i - 1] if i else ""
        if w in fixed:
            out.append(fixed[w])
        elif w == "ID" and sub == "regions":
            out.append("futian" if words[1] == "check" else "futian-again")
        elif w == "ID" and sub == "plan" and prev.startswith("--"):  # --close ID: a station
            out.append(demo.station_id)
        elif w.startswith("ID=") and sub == "plan":  # --hours ID=…, --capacity ID=…: another
            out.append(demo.other_station + w[2:])
        elif w == "ID" and sub == "plan":
            out.append(str(demo.plan_id))
        elif w == "ID" and sub == "progress" and "--link" in words:  # links an open group
            out.append(str(demo.open_proposal))
        elif w == "ID" and sub == "reply":
            out.append(str(demo.report_id if prev == "--report" else demo.open_proposal))
        elif w == "ID":
            out.append(str(ids[sub]))
        elif w in ("ISO", "ISO8601"):
            out.append({"--since": "2026-06-01T08:00", "--until": "2026-06-03T08:00"}.get(
                prev, "2026-06-01T12:00"))  # fmt: skip
        elif w == "…":
            text = {"--text": "we will look this week", "--hours": "Mo-Su 08:00-20:00"}
            if prev in text:
                out.append(text[prev])
        else:
            out.append(w)
    return out


def test_the_readme_shows_the_commands_read() -> None:
    subcommands = {c.words[0] for c in COMMANDS}
    assert {"import", "export", "nearest", "coverage", "suggest", "serve"} <= subcommands
    reply = [c.text for c in COMMANDS if c.words[0] == "reply"]
    assert any("--proposal ID" in r for r in reply) and any("--report ID" in r for r in reply)
    assert all(_notation_resolved(c) for c in COMMANDS)


def _notation_resolved(c: Command) -> bool:
    return not any(w.startswith(".venv") or w in ("[", "]", "|") for w in c.words)


@pytest.mark.parametrize("cmd", COMMANDS, ids=[c.text for c in COMMANDS])
def test_readme_command_runs(
    cmd: Command,
    demo: Demo,
    helsinki_pbf: str,
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    if cmd.words[0] in SKIPPED:
        pytest.skip(SKIPPED[cmd.words[0]])
    if any(n in w for w in cmd.words for n in NEEDS_NETWORK):
        pytest.skip("needs a Dask scheduler on the network")
    for name in ("DB", "DATABASE_URL", "TZ", "DEFAULT_CRS"):
        monkeypatch.delenv(f"STATIONFINDER_{name}", raising=False)
    monkeypatch.setenv("STATIONFINDER_CACHE_DIR", str(demo.folder / "cache"))
    monkeypatch.setenv("STATIONFINDER_REGIONS_FILE", str(tmp_path / "regions.toml"))
    monkeypatch.chdir(tmp_path)  # outputs named relative land here
    shutil.copy(demo.db, tmp_path / "my.sqlite")
    shutil.copy(demo.regions, tmp_path / "regions.toml")
    words = _fill(cmd, demo, tmp_path, helsinki_pbf)
    left = [w for w in words if re.fullmatch(r"[A-Z][A-Z_0-9]+|…", w)]
    assert not left, f"{cmd.line}: no demo value for {left} (add one to _fill)"
    if "--previous" in words:  # the sheet sent last time: this command's own export
        fmt = words[words.index("--format") + 1]
        previous = words[words.index("--previous") + 1]
        assert main(["export", "--db", "my.sqlite", "--format", fmt, "--out", previous]) == 0
    capsys.readouterr()
    status = main(words)
    err = capsys.readouterr().err
    assert status == 0, f"README: {cmd.line}\nran: stationfinder {' '.join(words)}\n{err}"
    assert "Traceback" not in err
    for option in OUTPUT_OPTIONS:
        if option in words:
            written = Path(words[words.index(option) + 1])
            assert written.exists(), f"{cmd.text}: {written} was not written"
