"""The API as Chinese planners and riders use it: Chinese hours, names and languages."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from pathlib import Path
from typing import Any

import eviltransform as ev
import openpyxl
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import Settings
from geo.hours_zh import HOURS_EXAMPLE
from geo.regions import add_region, read_regions
from tests.api.conftest import KEY

DATA = Path(__file__).resolve().parents[2] / "data"
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


def test_chinese_kind_and_amenity_names_filter_like_codes(client: TestClient) -> None:
    def ids(params: dict[str, object]) -> list[str]:
        r = client.get("/stations", params={**params, "limit": 100})
        assert r.status_code == 200, r.text
        return sorted(f["id"] for f in r.json()["features"])

    assert ids({"kind": "司机之家"}) == ids({"kind": "driver_home"}) == ["fuel"]
    assert ids({"amenity": "饮用水"}) == ids({"amenity": "water"})
    assert len(ids({"amenity": "饮用水"})) == 3
    near = client.get("/nearest", params={"lat": 60.17, "lon": 24.94, "kind": "智能驿站"})
    assert [f["id"] for f in near.json()["features"]] == ["smart"]


def test_labels_and_errors_in_the_language_asked(client: TestClient) -> None:
    zh = client.get("/stations", params={"kind": "driver_home", "lang": "zh"}).json()
    (f,) = zh["features"]
    assert f["properties"]["kind"] == "driver_home"  # the code stays
    assert f["properties"]["kind_label"] == "司机之家"
    assert f["properties"]["amenity_labels"] == ["停车", "淋浴", "货车停车"]
    en = client.get("/stations", params={"kind": "司机之家"}, headers={"Accept-Language": "en"})
    assert en.json()["features"][0]["properties"]["kind_label"] == "Driver home"
    by_header = client.get(
        "/stations", params={"kind": "driver_home"}, headers={"Accept-Language": "zh-CN"}
    )
    assert by_header.json()["features"][0]["properties"]["kind_label"] == "司机之家"
    bad = client.get("/stations", params={"kind": "公交站", "lang": "zh"})
    assert bad.status_code == 422 and "kind" in bad.json()["detail"]
    assert bad.json()["title"] == "请求无效" and "参数" in bad.json()["detail"]


def test_every_coordinate_response_names_its_system(client: TestClient) -> None:
    for path, params in [
        ("/stations", {}),
        ("/stations/lib", {}),
        ("/nearest", {"lat": 60.17, "lon": 24.94}),
    ]:
        for crs in ("wgs84", "gcj02", "bd09"):
            r = client.get(path, params={**params, "crs": crs})
            assert r.status_code == 200, r.text
            assert r.headers["X-Coordinate-System"] == crs
            assert r.json()["coord_system"] == crs
    r = client.get("/stations", params={"format": "csv", "crs": "bd09"})
    assert r.headers["X-Coordinate-System"] == "bd09"


def test_deployment_default_crs(settings: Settings) -> None:
    settings = settings.model_copy(update={"default_crs": "gcj02"})
    with TestClient(create_app(settings)) as c:
        r = c.get("/stations/lib")
        assert r.json()["coord_system"] == "gcj02"
        assert r.headers["X-Coordinate-System"] == "gcj02"
        assert c.get("/stations/lib", params={"crs": "wgs84"}).json()["coord_system"] == "wgs84"
        # an upload with mainland points and no crs takes the deployment's
        body = "名称,经度,纬度\n东站,112.9772,28.1959\n"
        r = c.post(
            "/stations/import",
            files={"file": ("s.csv", body.encode(), "text/csv")},
            headers=KEY,
        )
        assert r.status_code == 200, r.text
        (st,) = [f for f in c.get("/stations", params={"q": "东站"}).json()["features"]]
        assert st["geometry"]["coordinates"] == pytest.approx([112.9772, 28.1959], abs=1e-6)


def test_upload_with_mainland_points_and_no_crs_asks_which(client: TestClient) -> None:
    body = "名称,经度,纬度\n东站,112.9772,28.1959\n"
    r = client.post(
        "/stations/import", files={"file": ("s.csv", body.encode(), "text/csv")}, headers=KEY
    )
    assert r.status_code == 422
    assert "GCJ-02" in r.json()["detail"] and "坐标系" in r.json()["detail"]
    r = client.post(
        "/stations/import",
        files={"file": ("s.csv", body.encode(), "text/csv")},
        data={"crs": "gcj02"},
        headers=KEY,
    )
    assert r.status_code == 200 and r.json()["added"] == 1


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_stations_as_spreadsheet(client: TestClient, fmt: str) -> None:
    r = client.get("/stations", params={"format": fmt, "lang": "zh", "crs": "gcj02"})
    assert r.status_code == 200
    assert "attachment" in r.headers["content-disposition"]
    if fmt == "csv":
        assert r.content.startswith(b"\xef\xbb\xbf")
        header = r.content.decode("utf-8-sig").splitlines()[0].split(",")
    else:
        wb = openpyxl.load_workbook(io.BytesIO(r.content))
        header = [c.value for c in wb["站点"][1]]
    assert header[:6] == ["编号", "名称", "类型", "经度", "纬度", "坐标系"]


def test_nearest_says_open_now_and_when_it_changes(client: TestClient) -> None:
    # lib: Mo-Fr 08:00-20:00 in Europe/Helsinki; 2026-11-23 is a Monday.
    def lib(at: str) -> dict[str, object]:
        r = client.get("/nearest", params={"lat": 60.184, "lon": 24.95, "k": 1, "at": at})
        assert r.status_code == 200, r.text
        (f,) = r.json()["features"]
        assert f["id"] == "lib"
        return f["properties"]  # type: ignore[no-any-return]

    p = lib("2026-11-23T10:00:00")
    assert p["open_now"] is True and p["closes_at"] == "2026-11-23T20:00:00+02:00"
    assert "opens_at" not in p
    p = lib("2026-11-23T18:30:00Z")  # 20:30 in Helsinki
    assert p["open_now"] is False and p["opens_at"] == "2026-11-24T08:00:00+02:00"
    p = lib("2026-11-28T12:00:00+02:00")  # Saturday
    assert p["open_now"] is False and p["opens_at"] == "2026-11-30T08:00:00+02:00"
    r = client.get("/nearest", params={"lat": 60.17, "lon": 24.941, "k": 1, "at": "2026-11-23"})
    smart = r.json()["features"][0]["properties"]
    assert smart["open_now"] is True and "closes_at" not in smart  # 24/7 never closes


def test_nearest_navigation_links(client: TestClient) -> None:
    r = client.get("/nearest", params={"lat": 60.17, "lon": 24.94, "k": 2, "crs": "gcj02"})
    for f in r.json()["features"]:
        nav = f["properties"]["navigation"]
        assert set(nav) == {"amap", "baidu", "tencent"}
        assert nav["amap"].startswith("https://uri.amap.com/navigation?")


def test_upload_reports_how_the_points_fit_the_streets(client: TestClient) -> None:
    body = "name,lon,lat\nA,24.9414,60.1710\nB,24.9450,60.1690\n"
    r = client.post(
        "/stations/import", files={"file": ("s.csv", body.encode(), "text/csv")}, headers=KEY
    )
    assert r.status_code == 200, r.text
    check = r.json()["crs_check"]
    # Helsinki: every system reads the same, so every median is the same and nothing is warned
    medians = check["median_m"]
    assert set(medians) == {"wgs84", "gcj02", "bd09"}
    assert medians["wgs84"] == medians["gcj02"] == medians["bd09"] < 200
    assert check["declared"] == "wgs84" and check.get("warning") is None


def test_bodies_take_chinese_kind_and_amenity_names(client: TestClient) -> None:
    body = {**NEW, "kind": "司机之家", "amenities": ["饮用水", "充电", "water"]}
    r = client.post("/stations", json=body, headers=KEY)
    assert r.status_code == 201, r.text
    props = r.json()["properties"]
    assert props["kind"] == "driver_home" and props["amenities"] == ["charging", "water"]
    sid = r.json()["id"]
    r = client.patch(
        f"/stations/{sid}", json={"kind": "骑士驿站", "amenities": ["热水"]}, headers=KEY
    )
    assert r.status_code == 200, r.text
    assert r.json()["properties"]["kind"] == "rider_station"
    assert r.json()["properties"]["amenities"] == ["hot_water"]
    bad = client.patch(
        f"/stations/{sid}", json={"amenities": ["游泳池"]}, headers={**KEY, "Accept-Language": "zh"}
    )
    assert bad.status_code == 422 and "未知的设施“游泳池”" in bad.json()["detail"]
    rep = client.post(
        f"/stations/{sid}/reports", json={"kind": "amenity_missing", "amenity": "热水"}
    )
    assert rep.status_code == 201, rep.text
    assert rep.json()["amenity"] == "hot_water"


def test_nearest_at_out_of_range_is_a_named_422(client: TestClient) -> None:
    r = client.get("/nearest", params={"lat": 60.17, "lon": 24.94, "at": "0001-01-01T00:00+14:00"})
    assert r.status_code == 422 and "1901-01-01T00:00 to 9998-12-31" in r.json()["detail"]
    assert r.json()["detail"].startswith("at=")


def test_one_station_in_the_language_asked(client: TestClient) -> None:
    p = client.get("/stations/fuel", params={"lang": "zh"}).json()["properties"]
    assert p["kind_label"] == "司机之家" and "淋浴" in p["amenity_labels"]
    p = client.get("/stations/fuel").json()["properties"]
    assert p["kind_label"] == "Driver home" and "Shower" in p["amenity_labels"]


def test_wrong_hours_report_keeps_the_riders_wording(client: TestClient) -> None:
    r = client.post("/stations/lib/reports", json={"kind": "wrong_hours", "hours": "每天9点到21点"})
    assert r.status_code == 201, r.text
    assert (r.json()["hours"], r.json()["hours_text"]) == ("Mo-Su 09:00-21:00", "每天9点到21点")
    listed = client.get("/reports", headers=KEY).json()["reports"]
    (mine,) = [x for x in listed if x["id"] == r.json()["id"]]
    assert mine["hours_text"] == "每天9点到21点"
    assert client.post(f"/reports/{mine['id']}/accept", headers=KEY).status_code == 200
    props = client.get("/stations/lib").json()["properties"]
    assert props["opening_hours"] == "Mo-Su 09:00-21:00"  # stored in OSM form
    assert props["opening_hours_text"] == "每天9点到21点"  # shown as the rider wrote it
    # An OSM answer needs no wording: the station's old wording goes.
    r = client.post("/stations/lib/reports", json={"kind": "wrong_hours", "hours": "24/7"})
    assert r.json()["hours_text"] == ""
    assert client.post(f"/reports/{r.json()['id']}/accept", headers=KEY).status_code == 200
    assert client.get("/stations/lib").json()["properties"].get("opening_hours_text", "") == ""


def test_two_clients_confirming_within_a_week_verify_one_does_not(settings: Settings) -> None:
    """Behind a trusted proxy, each rider's address comes from X-Forwarded-For."""
    settings = settings.model_copy(update={"trusted_proxies": ["10.0.0.1"]})
    app = create_app(settings)
    with TestClient(app, client=("10.0.0.1", 4000)) as c:

        def confirm(rider: str) -> dict[str, Any]:
            r = c.post(
                "/stations/smart/reports",
                json={"kind": "confirmed"},
                headers={"X-Forwarded-For": rider},
            )
            assert r.status_code == 201, r.text
            return r.json()  # type: ignore[no-any-return]

        def verified() -> str:
            return str(c.get("/stations/smart").json()["properties"]["last_verified"])

        assert confirm("203.0.113.5")["status"] == "open"
        assert verified() == ""  # one rider is not enough
        assert confirm("203.0.113.5")["status"] == "open"
        assert verified() == ""  # nor the same rider twice
        second = confirm("198.51.100.7")
        assert second["status"] == "accepted"
        assert verified() == second["created_at"]  # two riders within a week


def test_upload_takes_the_crs_its_region_declares(tmp_path: Path) -> None:
    """Futian declared ``crs = "gcj02"``: a sheet of Futian points as Amap shows them, with no
    crs anywhere, is read in GCJ-02 (and fits the streets best so); a Beijing sheet is asked."""
    (futian,) = [r for r in read_regions(DATA / "regions.toml") if r.id == "futian"]
    regions = tmp_path / "regions.toml"
    add_region(regions, replace(futian, crs="gcj02"))
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        db=tmp_path / "r.sqlite",
        seed_stations=[],
        regions_file=regions,
        cache_dir=tmp_path / "cache",
        api_keys=["secret-key"],
    )
    demo = pd.read_csv(DATA / "futian_stations.csv").head(12)
    lat_lon = [ev.wgs2gcj(la, lo) for lo, la in zip(demo["lon"], demo["lat"], strict=True)]
    sheet = "名称,经度,纬度\n" + "".join(
        f"站{i},{lo:.7f},{la:.7f}\n" for i, (la, lo) in enumerate(lat_lon)
    )
    with TestClient(create_app(settings)) as c:
        r = c.post(
            "/stations/import",
            files={"file": ("福田.csv", sheet.encode(), "text/csv")},
            headers=KEY,
        )
        assert r.status_code == 200, r.text
        out = r.json()
        assert (out["crs"], out["crs_source"]) == ("gcj02", "region futian declares gcj02")
        assert out["added"] == 12 and out["crs_check"]["best"] == "gcj02"
        got = {
            f["properties"]["name"]: f["geometry"]["coordinates"]
            for f in c.get("/stations", params={"crs": "wgs84", "limit": 100}).json()["features"]
        }
        for i, (lo, la) in enumerate(zip(demo["lon"], demo["lat"], strict=True)):
            assert got[f"站{i}"] == pytest.approx([lo, la], abs=1e-6)
        beijing = "名称,经度,纬度\n天安门,116.3975,39.9087\n西单,116.3743,39.9130\n"
        r = c.post(
            "/stations/import",
            files={"file": ("北京.csv", beijing.encode(), "text/csv")},
            headers={**KEY, "Accept-Language": "zh"},
        )
        assert r.status_code == 422 and "坐标系" in r.json()["detail"]
        r = c.post(  # naming the region applies its system wherever the points are
            "/stations/import",
            files={"file": ("北京.csv", beijing.encode(), "text/csv")},
            data={"region": "futian"},
            headers=KEY,
        )
        assert r.status_code == 200 and r.json()["crs"] == "gcj02"


HOSTILE_STATIONS = [
    {**NEW, "id": "cs-1", "lon": 112.9772, "lat": 28.1959, "address": "=1+1 五一大道"},
    {**NEW, "id": "cs-2", "name": "-岳麓山站", "lon": 112.9402, "lat": 28.1802, "phone": "+86 731"},
    {
        **NEW,
        "id": "cs-3",
        "name": "@橘子洲",
        "kind": "司机之家",
        "lon": 112.9593,
        "lat": 28.1870,
        "amenities": ["停车", "淋浴"],
        "opening_hours": "周一至周五8:00-18:00，周六日9:00-17:00",
    },
]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_spreadsheet_download_is_safe_and_imports_back_the_same(
    client: TestClient, settings: Settings, tmp_path: Path, fmt: str
) -> None:
    for body in HOSTILE_STATIONS:
        assert client.post("/stations", json=body, headers=KEY).status_code == 201
    changsha = {"format": fmt, "lang": "zh", "crs": "gcj02", "bbox": "112.9,28.1,113.0,28.3"}
    r = client.get("/stations", params=changsha)
    assert r.status_code == 200 and r.headers["X-Coordinate-System"] == "gcj02"
    if fmt == "xlsx":
        wb = openpyxl.load_workbook(io.BytesIO(r.content))
        ws = wb["站点"]
        header = [c.value for c in ws[1]]
        rows = {row[0].value: row for row in ws.iter_rows(min_row=2)}
        cells = [c for row in rows.values() for c in row if c.value is not None]
        assert all(c.data_type in ("s", "n") for c in cells)  # no formula anywhere
        name = header.index("名称")
        assert rows["cs-2"][name].value == "-岳麓山站" and rows["cs-2"][name].quotePrefix
        assert rows["cs-3"][name].value == "@橘子洲" and rows["cs-3"][name].quotePrefix
        address = rows["cs-1"][header.index("地址")]
        assert address.value == "=1+1 五一大道" and address.quotePrefix
        note = {row[0].value: row[1].value for row in wb["说明"].iter_rows()}
        assert "GCJ-02" in note["坐标系"]
        lon = {k: row[header.index("经度")].value for k, row in rows.items()}
        lat = {k: row[header.index("纬度")].value for k, row in rows.items()}
    else:
        assert r.content.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8, shows 长沙
        text = r.content.decode("utf-8")
        assert "长沙" in text and "'=1+1 五一大道" in text and "'-岳麓山站" in text
        recs = {x["编号"]: x for x in csv.DictReader(io.StringIO(text[1:]))}
        assert {x["坐标系"] for x in recs.values()} == {"gcj02"}
        lon = {k: float(x["经度"]) for k, x in recs.items()}
        lat = {k: float(x["纬度"]) for k, x in recs.items()}
    for body in HOSTILE_STATIONS:  # numbers, in GCJ-02 as eviltransform computes them
        glat, glon = ev.wgs2gcj(body["lat"], body["lon"])
        assert (lon[body["id"]], lat[body["id"]]) == pytest.approx((glon, glat), abs=3e-7)
    # The file imports back into another registry, with no crs given: the same stations.
    other = settings.model_copy(update={"db": tmp_path / "other.sqlite", "seed_stations": []})
    with TestClient(create_app(other)) as c2:
        up = c2.post(
            "/stations/import",
            files={"file": (f"站点.{fmt}", r.content, "application/octet-stream")},
            headers=KEY,
        )
        assert up.status_code == 200, up.text
        assert up.json()["added"] == 3 and up.json()["crs"] == "gcj02"
        for body in HOSTILE_STATIONS:
            a = client.get(f"/stations/{body['id']}").json()
            b = c2.get(f"/stations/{body['id']}").json()
            assert b["geometry"]["coordinates"] == pytest.approx(
                a["geometry"]["coordinates"], abs=3e-7
            )
            same = ("name", "kind", "address", "phone", "amenities", "opening_hours")
            same += ("opening_hours_text", "status")
            assert {k: b["properties"].get(k) for k in same} == {
                k: a["properties"].get(k) for k in same
            }
