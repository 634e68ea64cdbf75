"""POI sheets through the HTTP API (issue 22): coordinates against eviltransform, changes."""

from __future__ import annotations

import io

import eviltransform as ev
import pandas as pd
from fastapi.testclient import TestClient

from tests.api.conftest import PLANNER


def _sheet(body: bytes) -> pd.DataFrame:
    assert body.startswith("\ufeff".encode())
    return pd.read_csv(io.BytesIO(body), encoding="utf-8-sig", dtype={"编号": str})


def test_exports_in_each_platforms_system(client: TestClient) -> None:
    seeded = {
        f["id"]: f["geometry"]["coordinates"]
        for f in client.get("/stations", params={"status": "open"}).json()["features"]
    }
    for platform, to in (("amap", ev.wgs2gcj), ("baidu", ev.wgs2bd)):
        r = client.get(f"/exports/{platform}")
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
        sheet = _sheet(r.content)
        assert sorted(sheet["编号"]) == sorted(seeded)  # open stations only
        for _, row in sheet.iterrows():
            lon, lat = seeded[row["编号"]]
            elat, elon = to(lat, lon)
            assert abs(row["经度"] - elon) < 6e-7 and abs(row["纬度"] - elat) < 6e-7
    assert client.get("/exports/google").status_code == 422


def test_changes_since_the_last_sheet(client: TestClient) -> None:
    last = client.get("/exports/amap").content
    client.patch("/stations/lib", json={"opening_hours": "24/7"}, headers=PLANNER)
    client.patch("/stations/fuel", json={"status": "closed"}, headers=PLANNER)
    client.patch("/stations/plan", json={"status": "open"}, headers=PLANNER)
    r = client.post("/exports/amap/changes", files={"previous": ("last.csv", last, "text/csv")})
    assert r.status_code == 200, r.text
    changes = _sheet(r.content)
    assert list(zip(changes["操作"], changes["编号"], strict=True)) == [
        ("新增", "plan"),
        ("修改", "lib"),
        ("关闭", "fuel"),
    ]
    assert changes.loc[1, "营业时间"] == "24小时"
    bad = client.post("/exports/amap/changes", files={"previous": ("x.csv", b"a,b\n1,2\n")})
    assert bad.status_code == 422 and "not a POI sheet" in bad.json()["detail"]
