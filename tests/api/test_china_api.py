"""The API as Chinese planners and riders use it: Chinese hours, names and languages."""

from __future__ import annotations

from fastapi.testclient import TestClient

from geo.hours_zh import HOURS_EXAMPLE
from tests.api.conftest import KEY

NEW = {"name": "长沙东站", "kind": "worker_station", "lon": 24.94, "lat": 60.17}


def test_create_and_patch_take_chinese_hours(client: TestClient) -> None:
    body = {**NEW, "opening_hours": "周一至周五 8:00-18:00"}
    r = client.post("/stations", json=body, headers=KEY)
    assert r.status_code == 201, r.text
    props = r.json()["properties"]
    assert props["opening_hours"] == "Mo-Fr 08:00-18:00"
    assert props["opening_hours_text"] == "周一至周五 8:00-18:00"
    sid = r.json()["id"]
    r = client.patch(f"/stations/{sid}", json={"opening_hours": "24/7"}, headers=KEY)
    assert r.status_code == 200, r.text
    assert r.json()["properties"]["opening_hours"] == "24/7"
    assert r.json()["properties"].get("opening_hours_text", "") == ""  # old wording dropped


def test_unknown_hours_refused_in_the_language_asked(client: TestClient) -> None:
    body = {**NEW, "opening_hours": "看心情"}
    en = client.post("/stations", json=body, headers=KEY)
    zh = client.post("/stations", json=body, headers={**KEY, "Accept-Language": "zh-CN,zh;q=0.9"})
    for r in (en, zh):
        assert r.status_code == 422
        assert r.headers["content-type"].startswith("application/problem+json")
    assert "'看心情'" in en.json()["detail"] and HOURS_EXAMPLE["en"] in en.json()["detail"]
    assert "“看心情”" in zh.json()["detail"] and HOURS_EXAMPLE["zh"] in zh.json()["detail"]
    assert "无法识别" in zh.json()["detail"] and "无法识别" not in en.json()["detail"]
    assert client.get("/stations", params={"q": "长沙"}).json()["number_matched"] == 0


def test_wrong_hours_report_takes_chinese_hours(client: TestClient) -> None:
    r = client.post("/stations/lib/reports", json={"kind": "wrong_hours", "hours": "每天9点到21点"})
    assert r.status_code in (200, 201, 202), r.text
    assert r.json()["hours"] == "Mo-Su 09:00-21:00"
    r = client.post(
        "/stations/lib/reports",
        json={"kind": "wrong_hours", "hours": "看心情"},
        headers={"Accept-Language": "zh"},
    )
    assert r.status_code == 422 and "“看心情”" in r.json()["detail"]
