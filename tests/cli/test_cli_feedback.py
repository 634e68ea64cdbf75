"""``stationfinder reports`` and ``stationfinder proposals``: list, accept, reject."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyproj
import pytest

from cli.main import main
from geo.feedback import Feedback
from geo.stations import open_store
from geo.types import Kind, Station, Status

GEOD = pyproj.Geod(ellps="WGS84")


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "r.sqlite"
    reg = open_store(path)
    reg.add(
        [
            Station("lib", "Library", Kind.WORKER_STATION, 24.95, 60.184, amenities=("water",)),
            Station("depot", "Depot", Kind.DRIVER_HOME, 24.93, 60.165, opening_hours="24/7"),
        ]
    )
    fb = Feedback(reg)
    fb.report("lib", "closed", text="boarded up", contact="13800000000")
    fb.report("depot", "wrong_hours", hours="Mo-Fr 06:00-22:00")
    fb.propose(24.9400, 60.1700, proposer="a", note="supermarket", kind="rider_station")
    fb.propose(24.9405, 60.1700, proposer="b")
    fb.propose(24.9700, 60.1900, proposer="c")
    reg.close()
    return path


def test_reports_table_and_json(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["reports", "--db", str(db)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["id", "station", "kind", "status", "detail", "text", "created_at"]
    assert [line.split()[:4] for line in out[2:]] == [
        ["2", "depot", "wrong_hours", "open"],
        ["1", "lib", "closed", "open"],
    ]
    assert main(["reports", "--db", str(db), "--station", "lib", "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert (row["id"], row["kind"], row["contact"]) == (1, "closed", "13800000000")


def test_accept_and_reject(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["reports", "--db", str(db), "--accept", "2", "--actor", "li", "--note", "ok"]) == 0
    assert "report 2 on depot (wrong_hours): accepted" in capsys.readouterr().out
    reg = open_store(db)
    assert reg.get("depot").opening_hours == "Mo-Fr 06:00-22:00"
    last = reg.history("depot")[-1]
    assert (last.actor, last.note) == ("li", "report 2 accepted: ok")
    reg.close()
    assert main(["reports", "--db", str(db), "--reject", "1"]) == 0
    assert open_store(db).get("lib").status is Status.OPEN
    assert main(["reports", "--db", str(db), "--accept", "1"]) == 1
    assert "rejected already" in capsys.readouterr().err
    assert main(["reports", "--db", str(db), "--status", "all", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["id"], r["status"]) for r in rows] == [(2, "accepted"), (1, "rejected")]
    assert main(["reports", "--db", str(db)]) == 0
    assert "no reports" in capsys.readouterr().err


def test_proposals_ranked_by_recount(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    demand = Path(db).parent / "demand.csv"
    pd.DataFrame(
        {"lon": [24.9480, 24.9470, 24.9702, 24.9300], "lat": [60.1720, 60.1730, 60.19, 60.165]}
    ).to_csv(demand, index=False)
    assert main(["proposals", "--db", str(db), "--demand", str(demand), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["rank"], r["id"], r["proposal_ids"], r["proposers"]) for r in rows] == [
        (1, 1, [1, 2], 2),
        (2, 3, [3], 1),
    ]
    # Recount by hand: demand within 1 km of the group's site and of no open station.
    stations = [(24.95, 60.184), (24.93, 60.165)]
    for r in rows:
        want = 0.0
        for x, y in pd.read_csv(demand)[["lon", "lat"]].itertuples(index=False):
            near = GEOD.inv(r["lon"], r["lat"], x, y)[2] <= 1000
            covered = any(GEOD.inv(sx, sy, x, y)[2] <= 1000 for sx, sy in stations)
            want += 1.0 if near and not covered else 0.0
        assert r["gain"] == want
    assert main(["proposals", "--db", str(db), "--demand", str(demand)]) == 0
    table = capsys.readouterr().out.splitlines()
    assert "radius 1000 m" in table[0] and table[1].split()[:4] == [
        "#",
        "group",
        "gain",
        "proposers",
    ]


def test_accept_and_reject_proposals(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["proposals", "--db", str(db), "--accept", "2"]) == 1
    assert "--accept needs --name" in capsys.readouterr().err
    assert main(["proposals", "--db", str(db), "--accept", "2", "--name", "Shop station"]) == 0
    assert "planned station proposal-1 (rider_station)" in capsys.readouterr().out
    st = open_store(db).get("proposal-1")
    assert (st.name, st.status, st.lon) == ("Shop station", Status.PLANNED, pytest.approx(24.94025))
    assert main(["proposals", "--db", str(db), "--reject", "3"]) == 0
    assert "rejected proposal(s) 3" in capsys.readouterr().out
    assert main(["proposals", "--db", str(db), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert main(["proposals", "--db", str(db), "--reject", "9"]) == 1
    assert "no proposal with id 9" in capsys.readouterr().err


def test_suggest_among_proposals(
    db: Path, helsinki_pbf: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two open groups; with one new site and a 1 km radius, the pick is the group whose
    centroid newly covers more demand (counted here by a geodesic brute force)."""
    demand = pd.DataFrame(
        {"lon": [24.9402, 24.9403, 24.9700], "lat": [60.1701, 60.1702, 60.1900], "weight": 1.0}
    )
    demand_csv = tmp_path / "demand.csv"
    demand.to_csv(demand_csv, index=False)
    args = ["suggest", "--db", str(db), "--network", helsinki_pbf, "--candidates", "proposals"]
    args += ["--radius", "300", "-k", "1", "--demand", str(demand_csv), "--json"]
    assert main(args) == 0
    (site,) = json.loads(capsys.readouterr().out)["features"]
    groups = Feedback(open_store(db)).groups()
    assert len(groups) == 2
    stations = [(24.95, 60.184), (24.93, 60.165)]

    def gain(lon: float, lat: float) -> int:
        near = lambda x, y: GEOD.inv(lon, lat, x, y)[2] <= 300  # noqa: E731
        return sum(
            1
            for x, y in zip(demand["lon"], demand["lat"], strict=True)
            if near(x, y) and not any(GEOD.inv(sx, sy, x, y)[2] <= 300 for sx, sy in stations)
        )

    best = max(groups, key=lambda g: gain(g.lon, g.lat))
    assert (
        site["id"] == f"proposal-{best.id}"
        and site["properties"]["gain"] == gain(best.lon, best.lat) == 2
    )
    # No open proposals: said, with the file.
    fb = Feedback(open_store(db))
    for g in fb.groups():
        fb.reject_proposal(g.id, actor="t", note="test")
    assert main(args) == 1
    assert "there are no open proposals" in capsys.readouterr().err
