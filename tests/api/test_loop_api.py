"""The rider's loop through the HTTP API (issue 22): receipts, replies, a proposal's steps to an
open station, and response times."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from api.loop_schemas import ReceiptOut, ResponseTimesOut, StepOut
from tests.api.conftest import KEY, PLANNER

CONTACT = "rider@example.org 13800000000"
PROBLEM = "application/problem+json"


def _propose(client: TestClient, note: str, **extra: Any) -> dict[str, Any]:
    body = {"lon": 24.9525, "lat": 60.1795, "note": note, "contact": CONTACT, **extra}
    r = client.post("/proposals", json=body)
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def _receipt(client: TestClient, token: str) -> ReceiptOut:
    r = client.get(f"/receipts/{token}")
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    assert CONTACT not in r.text and "testclient" not in r.text
    return ReceiptOut.model_validate(r.json())


def test_proposal_followed_through_every_step(client: TestClient) -> None:
    mine = _propose(client, "shade at the metro exit")
    other = _propose(client, "another rider's secret note", proposer="rider-2")
    token = mine["receipt"]
    assert len(token) == 22 and other["receipt"] != token
    assert _receipt(client, token).state == "submitted"
    r = client.post(f"/proposals/{mine['id']}/replies", json={"text": "surveying"}, headers=PLANNER)
    assert r.status_code == 201
    assert StepOut.model_validate(r.json()).actor == "planner-li"
    assert _receipt(client, token).state == "under_review"
    r = client.post(f"/proposals/{mine['id']}/accept", json={"name": "Metro hut"}, headers=PLANNER)
    assert r.status_code == 201
    station_id = r.json()["station"]["id"]
    assert r.json()["proposal_ids"] == [mine["id"], other["id"]]  # one group, 0 m apart
    seen = _receipt(client, token)
    assert seen.state == "accepted" and seen.station is not None
    assert (seen.station.id, seen.station.status) == (station_id, "planned")
    for step in ("building", "opened"):
        r = client.post(f"/proposals/{mine['id']}/steps", json={"step": step}, headers=KEY)
        assert r.status_code == 201 and r.json()["proposal_ids"] == [mine["id"], other["id"]]
    done = _receipt(client, token)
    assert [s.state for s in done.steps] == [
        "submitted",
        "under_review",
        "accepted",
        "building",
        "done",
    ]
    assert [s.actor for s in done.steps] == ["", "planner-li", "planner-li", "key-1", "key-1"]
    assert "another rider" not in str(done.model_dump())
    assert client.get(f"/stations/{station_id}").json()["properties"]["status"] == "open"
    # The other rider's receipt shows its own steps only: no reply was sent to it.
    theirs = _receipt(client, other["receipt"])
    assert theirs.state == "done" and "reply" not in [s.event for s in theirs.steps]
    # A second "opened" is a conflict; the planner's own view lists the same steps.
    r = client.post(f"/proposals/{mine['id']}/steps", json={"step": "opened"}, headers=KEY)
    assert r.status_code == 409 and r.headers["content-type"] == PROBLEM
    steps = client.get(f"/proposals/{mine['id']}/steps", headers=PLANNER).json()
    assert [s["state"] for s in steps] == [s.state for s in done.steps]


def test_report_receipt_and_reply(client: TestClient) -> None:
    r = client.post("/stations/lib/reports", json={"kind": "closed", "contact": CONTACT})
    rep = r.json()
    r = client.post(f"/reports/{rep['id']}/replies", json={"text": "checking"}, headers=PLANNER)
    assert r.status_code == 201
    client.post(f"/reports/{rep['id']}/reject", json={"note": "still open"}, headers=PLANNER)
    seen = _receipt(client, rep["receipt"])
    assert [(s.state, s.reply) for s in seen.steps] == [
        ("submitted", ""),
        ("under_review", "checking"),
        ("rejected", "still open"),
    ]
    assert seen.station is not None and seen.station.id == "lib" and seen.kind == "closed"
    # Planners' lists never carry the receipt: it is the rider's alone.
    assert rep["receipt"] not in client.get("/reports", headers=PLANNER).text


def test_wrong_token_is_404_whether_or_not_receipts_exist(client: TestClient) -> None:
    def problem(token: str) -> tuple[int, str, str]:
        r = client.get(f"/receipts/{token}")
        assert r.headers["content-type"] == PROBLEM
        body = r.json()
        return r.status_code, body["title"], body["detail"]

    before = {problem(t) for t in ["A" * 22, "nope", "x" * 300]}
    real = client.post("/stations/lib/reports", json={"kind": "full"}).json()["receipt"]
    forged = ("B" if real[0] != "B" else "C") + real[1:]
    after = {problem(t) for t in [forged, "A" * 22, "nope", "x" * 300]}
    assert len(before) == 1 and before == after and next(iter(before))[0] == 404
    assert client.get(f"/receipts/{forged}/page").status_code == 404


def test_replies_need_a_planner_key(client: TestClient) -> None:
    prop = _propose(client, "x")
    assert client.post(f"/proposals/{prop['id']}/replies", json={"text": "hi"}).status_code == 401
    r = client.post(f"/proposals/{prop['id']}/replies", json={"text": ""}, headers=PLANNER)
    assert r.status_code == 422 and "text" in str(r.json()["errors"])
    r = client.post("/reports/999/replies", json={"text": "hi"}, headers=PLANNER)
    assert r.status_code == 404
    r = client.post(f"/proposals/{prop['id']}/steps", json={"step": "building"}, headers=PLANNER)
    assert r.status_code == 409  # not accepted yet


def test_response_times_by_api(client: TestClient) -> None:
    rep = client.post("/stations/lib/reports", json={"kind": "full"}).json()
    _propose(client, "y")
    client.post(f"/reports/{rep['id']}/accept", headers=PLANNER)
    assert client.get("/response-times").status_code == 401
    r = client.get(
        "/response-times", params={"at": "2100-01-01T00:00:00Z", "limit_days": 7}, headers=PLANNER
    )
    assert r.status_code == 200
    out = ResponseTimesOut.model_validate(r.json())
    assert (out.overall.items, out.overall.replied, out.overall.resolved) == (2, 1, 1)
    assert out.overall.open_past_limit == 1  # the proposal, 70 years later
    assert {f.group: f.items for f in out.by_planner} == {"": 1, "planner-li": 1}
    r = client.get("/response-times", params={"limit_days": 0}, headers=PLANNER)
    assert r.status_code == 422 and "limit_days" in r.text
