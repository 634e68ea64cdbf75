"""Every 4xx answers in the language asked (``lang=zh|en`` or Accept-Language): the request
validation of kind, amenity, hours, crs and time parameters, the library's refusals, and the
HTTP errors of keys; a Chinese reader never gets an English sentence."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import KEY

N = {"lat": 60.17, "lon": 24.94}
NEW = {"name": "长沙东站", "kind": "worker_station", "lon": 24.94, "lat": 60.17}
ENGLISH = re.compile(r"\b(is|not|should|must|Input|Field|required|unknown|needs|only)\b")
CJK = re.compile(r"[\u4e00-\u9fff]")

# (method, path, query, body, a Chinese fragment, an English fragment)
CASES: list[tuple[str, str, dict[str, Any], dict[str, Any] | None, str, str]] = [
    (
        "GET",
        "/stations",
        {"kind": "公交站"},
        None,
        "未知的站点类型“公交站”",
        "is not a station kind",
    ),
    ("GET", "/nearest", {**N, "kind": "bus"}, None, "未知的站点类型“bus”", "is not a station kind"),
    ("GET", "/stations", {"amenity": "游泳池"}, None, "未知的设施“游泳池”", "amenity vocabulary"),
    ("GET", "/gaps", {"kind": "公交站"}, None, "可选：工会驿站", "is not a station kind"),
    ("GET", "/stations", {"crs": "utm"}, None, "未知的坐标系“utm”", "not a known coordinate"),
    ("GET", "/nearest", {**N, "crs": "baidu09"}, None, "gcj02（高德、腾讯地图）", "use one of"),
    ("GET", "/nearest", {**N, "open_at": "tomorrow"}, None, "不是 ISO 8601 时间", "such as"),
    ("GET", "/nearest", {**N, "at": "0001-01-01T00:00"}, None, "超出可接受的范围", "outside"),
    ("GET", "/coverage", {"at": "明天"}, None, "“明天”不是 ISO 8601 时间", "is not an ISO"),
    ("GET", "/nearest", {"lat": 95, "lon": 24.94}, None, "应小于或等于 90", "less than or equal"),
    ("GET", "/nearest", {"lon": 24.94}, None, "缺少此参数", "Field required"),
    ("GET", "/nearest", {**N, "k": 0}, None, "应大于或等于 1", "greater than or equal"),
    ("GET", "/stations", {"status": "gone"}, None, "应为以下之一", "Input should be"),
    ("GET", "/nearest", {**N, "bogus": 1}, None, "未知的查询参数：bogus", "unknown query"),
    ("GET", "/stations", {"bbox": "25,61,24,60"}, None, "南边界大于北边界", "south > north"),
    ("GET", "/coverage", {"region": "mars"}, None, "没有区域“mars”", "is not a region"),
    ("GET", "/stations/nope", {}, None, "没有编号为 'nope' 的站点", "no station with id"),
    ("POST", "/stations", {}, {**NEW, "opening_hours": "看心情"}, "无法识别开放时间", "cannot be"),
    ("POST", "/stations", {}, {**NEW, "kind": "公交站"}, "未知的站点类型", "is not a station"),
    ("POST", "/stations/lib/reports", {}, {"kind": "wrong_hours"}, "正确的开放时间", "needs"),
    (
        "POST",
        "/stations/lib/reports",
        {},
        {"kind": "wrong_hours", "hours": "看心情"},
        "无法识别开放时间“看心情”",
        "cannot be parsed",
    ),
    (
        "POST",
        "/stations/lib/reports",
        {},
        {"kind": "amenity_missing", "amenity": "游泳池"},
        "未知的设施“游泳池”",
        "amenity vocabulary",
    ),
    ("POST", "/stations/lib/reports", {}, {"kind": "gone"}, "应为以下之一", "Input should be"),
]


def _ask(
    client: TestClient, method: str, path: str, query: dict[str, Any], body: Any, lang: str
) -> dict[str, Any]:
    r = client.request(
        method, path, params=query, json=body, headers={**KEY, "Accept-Language": lang}
    )
    assert 400 <= r.status_code < 500, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    return r.json()  # type: ignore[no-any-return]


@pytest.mark.parametrize(("method", "path", "query", "body", "zh", "en"), CASES)
def test_errors_in_chinese_and_english(
    client: TestClient,
    method: str,
    path: str,
    query: dict[str, Any],
    body: dict[str, Any] | None,
    zh: str,
    en: str,
) -> None:
    got_zh = _ask(client, method, path, query, body, "zh-CN,zh;q=0.9")
    got_en = _ask(client, method, path, query, body, "en-GB,en;q=0.9")
    assert zh in got_zh["detail"] and en not in got_zh["detail"]
    assert en in got_en["detail"] and zh not in got_en["detail"]
    assert CJK.search(got_zh["title"]) and not CJK.search(got_en["title"])
    assert not ENGLISH.search(got_zh["detail"]), got_zh["detail"]  # no English sentence left
    assert got_zh["status"] == got_en["status"]
    assert got_zh.get("errors") == got_en.get("errors")  # the structured list is the same


def test_the_lang_parameter_wins_over_the_header(client: TestClient) -> None:
    r = client.get(
        "/nearest", params={**N, "kind": "公交站", "lang": "zh"}, headers={"Accept-Language": "en"}
    )
    assert r.status_code == 422 and "未知的站点类型" in r.json()["detail"]
    r = client.get(
        "/nearest", params={**N, "crs": "utm", "lang": "en"}, headers={"Accept-Language": "zh"}
    )
    assert r.status_code == 422 and "not a known coordinate system" in r.json()["detail"]


def test_key_errors_in_chinese(client: TestClient) -> None:
    zh = {"Accept-Language": "zh"}
    r = client.post("/stations", json=NEW, headers=zh)
    assert r.status_code == 401 and r.json()["title"] == "需要 API 密钥"
    assert r.json()["detail"] == "此接口需要 X-API-Key 请求头中的 API 密钥"
    r = client.post("/stations", json=NEW, headers={**zh, "X-API-Key": "wrong"})
    assert r.status_code == 403 and r.json()["detail"] == "API 密钥无效"
    r = client.post("/stations", json=NEW, headers={"X-API-Key": "wrong"})
    assert r.json()["detail"] == "the API key is not valid"


def test_a_report_refusal_follows_the_forms_lang(client: TestClient) -> None:
    # The report form posts with its page's lang, whatever the browser's Accept-Language.
    r = client.post(
        "/stations/lib/reports",
        params={"lang": "zh", "crs": "wgs84"},
        json={"kind": "wrong_hours", "hours": "看心情"},
        headers={"Accept-Language": "en"},
    )
    assert r.status_code == 422 and "无法识别开放时间“看心情”" in r.json()["detail"]


def test_an_invalid_upload_is_explained_in_chinese(client: TestClient) -> None:
    sheet = (
        "名称,经度,纬度,类型,开放时间\n"
        "甲站,112.9772,28.1959,公交站,24/7\n"  # unknown kind
        "乙站,112.9593,28.1870,工会驿站,看心情\n"  # hours nobody can read
        "丙站,28.1802,112.9402,工会驿站,24/7\n"  # lon and lat swapped
    )

    def upload(lang: str) -> dict[str, Any]:
        r = client.post(
            "/stations/import",
            files={"file": ("站点.csv", sheet.encode(), "text/csv")},
            data={"crs": "gcj02"},
            headers={**KEY, "Accept-Language": lang},
        )
        assert r.status_code == 422, r.text
        return r.json()  # type: ignore[no-any-return]

    zh, en = upload("zh"), upload("en")
    assert zh["title"] == "站点文件无效" and en["title"] == "Invalid station file"
    assert (
        [(e["row"], e["column"]) for e in zh["errors"]]
        == [(e["row"], e["column"]) for e in en["errors"]]
        == [(2, "类型"), (3, "开放时间"), (4, "纬度")]
    )
    assert [e["reason"] for e in zh["errors"]] == [
        "未知的站点类型“公交站”",
        "无法识别开放时间“看心情”；请按“周一至周五 08:00-18:00，周六日 09:00-17:00”的格式填写，"
        "或用 OSM 格式“Mo-Fr 08:00-18:00; Sa,Su 09:00-17:00”",
        "经度 28.1802、纬度 112.9402 似乎填反了",
    ]
    assert zh["detail"].startswith("站点.csv：3 处问题：第 2 行“类型”列：未知的站点类型")
    assert not ENGLISH.search(zh["detail"])
    assert "unknown kind '公交站'" in en["detail"] and "look swapped" in en["detail"]


def test_every_row_problem_of_an_upload_reads_in_chinese(client: TestClient) -> None:
    """Status, capacity and duplicate ids: the reasons a sheet's rows are refused for, in
    Chinese for a Chinese reader (each a Chinese sentence, none left in English)."""
    sheet = (
        "编号,名称,经度,纬度,类型,状态,容量\n"
        "a1,甲站,112.9772,28.1959,工会驿站,营业中吗,10\n"  # unknown status
        "a2,乙站,112.9593,28.1870,工会驿站,open,很多\n"  # capacity not a number
        "a1,丙站,112.9402,28.1802,工会驿站,open,5\n"  # duplicate id
    )

    def upload(lang: str) -> dict[str, Any]:
        r = client.post(
            "/stations/import",
            files={"file": ("站点.csv", sheet.encode(), "text/csv")},
            data={"crs": "gcj02"},
            headers={**KEY, "Accept-Language": lang},
        )
        assert r.status_code == 422, r.text
        return r.json()  # type: ignore[no-any-return]

    zh, en = upload("zh"), upload("en")
    assert [(e["row"], e["column"]) for e in zh["errors"]] == [
        (2, "状态"),
        (3, "容量"),
        (4, "编号"),
    ]
    reasons = [e["reason"] for e in zh["errors"]]
    assert reasons[0].startswith("未知的状态“营业中吗”")
    assert reasons[1] == "应为不小于 0 的数字：“很多”"
    assert reasons[2] == "编号“a1”重复（首次出现在第 2 行）"
    assert all(CJK.search(r) and not ENGLISH.search(r) for r in reasons)
    assert [e["reason"].split(" ")[0] for e in en["errors"]] == ["unknown", "not", "duplicate"]
