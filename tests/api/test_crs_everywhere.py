"""A deployment whose default system is GCJ-02 (``STATIONFINDER_DEFAULT_CRS=gcj02``): every route
that takes or returns coordinates reads and writes GCJ-02 unless ``crs`` says otherwise, and
every response with coordinates names its system (the ``X-Coordinate-System`` header).

Truth: the same request with ``crs=wgs84``, converted by eviltransform (an independent
implementation of the published formulas), on the Futian demo, where the shift is ~500 m.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import eviltransform as ev
import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import Settings

TOL = 1e-6  # degrees, ~0.1 m; prcoords and eviltransform agree to ~2e-7
KEY = {"X-API-Key": "ops-secret"}
FUTIAN = {"region": "futian"}


@pytest.fixture(scope="module")
def gcj(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The bundled demo (Futian and Helsinki) with GCJ-02 as the deployment's system."""
    tmp = tmp_path_factory.mktemp("gcj")
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        db=tmp / "g.sqlite",
        cache_dir=tmp / "cache",
        default_crs="gcj02",
        api_keys=["ops:admin:ops-secret"],
    )
    with TestClient(create_app(settings)) as c:
        yield c


def _points(value: Any) -> list[tuple[float, float]]:
    """Every [lon, lat] pair in a GeoJSON coordinates value, in order."""
    if isinstance(value, list) and len(value) == 2 and all(isinstance(v, float) for v in value):
        return [(value[0], value[1])]
    return [p for item in value for p in _points(item)]


def _to_gcj(lon: float, lat: float) -> tuple[float, float]:
    glat, glon = ev.wgs2gcj(lat, lon)
    return glon, glat


def _assert_shifted(got: list[tuple[float, float]], wgs: list[tuple[float, float]]) -> None:
    assert len(got) == len(wgs) > 0
    for (x, y), (lon, lat) in zip(got, wgs, strict=True):
        assert (x, y) == pytest.approx(_to_gcj(lon, lat), abs=TOL)
        assert abs(x - lon) + abs(y - lat) > 1e-3  # really shifted (hundreds of metres)


def _pair(c: TestClient, path: str, params: dict[str, Any]) -> tuple[Any, Any]:
    """The response by default and with crs=wgs84, each checked for its header."""
    default = c.get(path, params=params)
    wgs = c.get(path, params={**params, "crs": "wgs84"})
    assert default.status_code == wgs.status_code == 200, (default.text, wgs.text)
    assert default.headers["X-Coordinate-System"] == "gcj02"
    assert wgs.headers["X-Coordinate-System"] == "wgs84"
    return default.json(), wgs.json()


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/stations", {"limit": 5}),
        ("/stations/demo-futian-1116554193", {}),
        ("/gaps", {**FUTIAN, "limit": 3}),
        ("/isochrones/demo-futian-1116554193", {"minutes": 5}),
        ("/accessibility", FUTIAN),
    ],
)
def test_geojson_routes_default_to_the_deployments_system(
    gcj: TestClient, path: str, params: dict[str, Any]
) -> None:
    default, wgs = _pair(gcj, path, params)
    if "hexagons" in default:  # accessibility: a summary with a hexagon collection
        default, wgs = default["hexagons"], wgs["hexagons"]
    features = default.get("features", [default])
    wgs_features = wgs.get("features", [wgs])
    got = [p for f in features for p in _points(f["geometry"]["coordinates"])]
    _assert_shifted(got, [p for f in wgs_features for p in _points(f["geometry"]["coordinates"])])
    for f, w in zip(features, wgs_features, strict=True):  # property points follow too
        for lon, lat in (("centre_lon", "centre_lat"), ("site_lon", "site_lat")):
            if w["properties"].get(lon) is not None:
                _assert_shifted(
                    [(f["properties"][lon], f["properties"][lat])],
                    [(w["properties"][lon], w["properties"][lat])],
                )


def test_coverage_stations_and_regions(gcj: TestClient) -> None:
    default, wgs = _pair(gcj, "/coverage/stations", FUTIAN)
    _assert_shifted(
        [(s["lon"], s["lat"]) for s in default["stations"]],
        [(s["lon"], s["lat"]) for s in wgs["stations"]],
    )
    default, wgs = _pair(gcj, "/regions", {"boundary": "true"})
    assert (default["coord_system"], wgs["coord_system"]) == ("gcj02", "wgs84")
    futian, w = default["regions"][0], wgs["regions"][0]
    assert futian["id"] == "futian"
    _assert_shifted(
        _points(futian["boundary"]["coordinates"]), _points(w["boundary"]["coordinates"])
    )
    xs, ys = zip(*_points(futian["boundary"]["coordinates"]), strict=True)
    assert futian["bbox"] == pytest.approx([min(xs), min(ys), max(xs), max(ys)], abs=1e-7)
    # Helsinki is outside China: every system is the same there.
    assert default["regions"][1]["bbox"] == wgs["regions"][1]["bbox"]


def test_nearest_reads_and_answers_in_the_default(gcj: TestClient) -> None:
    lon, lat = 114.0200, 22.5350  # WGS-84, in Futian
    glon, glat = _to_gcj(lon, lat)
    default = gcj.get("/nearest", params={"lon": glon, "lat": glat, "k": 5})
    wgs = gcj.get("/nearest", params={"lon": lon, "lat": lat, "k": 5, "crs": "wgs84"})
    assert default.headers["X-Coordinate-System"] == "gcj02" == default.json()["coord_system"]
    assert wgs.headers["X-Coordinate-System"] == "wgs84" == wgs.json()["coord_system"]
    d, w = default.json()["features"], wgs.json()["features"]
    assert [f["id"] for f in d] == [f["id"] for f in w]  # the same point, read in GCJ-02
    assert [f["properties"]["distance_m"] for f in d] == pytest.approx(
        [f["properties"]["distance_m"] for f in w], abs=0.05
    )
    _assert_shifted(
        [tuple(f["geometry"]["coordinates"]) for f in d],
        [tuple(f["geometry"]["coordinates"]) for f in w],
    )


def test_a_report_position_is_read_in_the_default(gcj: TestClient) -> None:
    lon, lat = 114.0300, 22.5400  # WGS-84
    glon, glat = _to_gcj(lon, lat)
    sid = "demo-futian-1116554193"
    r = gcj.post(
        f"/stations/{sid}/reports", json={"kind": "wrong_location", "lon": glon, "lat": glat}
    )
    assert r.status_code == 201, r.text
    assert r.headers["X-Coordinate-System"] == "gcj02"
    rid = r.json()["id"]
    listed = gcj.get("/reports", params={"crs": "wgs84"}, headers=KEY)
    (mine,) = [x for x in listed.json()["reports"] if x["id"] == rid]
    assert mine["position"] == pytest.approx([lon, lat], abs=TOL)  # stored as WGS-84


def test_the_report_form_posts_gps_positions_as_wgs84(gcj: TestClient) -> None:
    # A phone's GPS is WGS-84: the form must not let the deployment's GCJ-02 default shift it.
    page = gcj.get("/maps/report", params={"station": "demo-futian-1116554193", "lang": "zh"})
    assert "/stations/demo-futian-1116554193/reports?crs=wgs84&lang=zh" in page.text


def test_spreadsheets_map_sheets_and_internal_routes_name_their_system(gcj: TestClient) -> None:
    r = gcj.get("/stations", params={"format": "csv", "limit": 3})
    assert r.headers["X-Coordinate-System"] == "gcj02"
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    wgs = gcj.get("/stations", params={"limit": 3, "crs": "wgs84"}).json()["features"]
    assert {row["crs"] for row in rows} == {"gcj02"}
    _assert_shifted(
        [(float(row["lon"]), float(row["lat"])) for row in rows],
        [tuple(f["geometry"]["coordinates"]) for f in wgs],
    )
    for platform, system in (("amap", "gcj02"), ("tencent", "gcj02"), ("baidu", "bd09")):
        assert gcj.get(f"/exports/{platform}").headers["X-Coordinate-System"] == system
    # The map page's own JSON is drawn on its tiles (WGS-84 by default), and history is stored.
    view = gcj.get(
        "/maps/stations/clusters", params={**FUTIAN, "zoom": 14, "bbox": "113.9,22.4,114.1,22.6"}
    )
    assert view.status_code == 200 and view.headers["X-Coordinate-System"] == "wgs84"
    hist = gcj.get("/stations/demo-futian-1116554193/history")
    assert hist.headers["X-Coordinate-System"] == "wgs84"


def test_coverage_kind_takes_chinese_names(gcj: TestClient) -> None:
    by_code = gcj.get("/coverage", params={**FUTIAN, "kind": "smart_station"}).json()
    by_name = gcj.get("/coverage", params={**FUTIAN, "kind": "智能驿站"}).json()
    assert by_code == by_name
    assert by_code["stations"] < gcj.get("/coverage", params=FUTIAN).json()["stations"]
    gaps = gcj.get("/gaps", params={**FUTIAN, "kind": "智能驿站", "limit": 2})
    assert gaps.status_code == 200


@pytest.mark.parametrize("path", ["/stations", "/nearest"])
def test_unknown_crs_is_refused(gcj: TestClient, path: str) -> None:
    r = gcj.get(path, params={"lat": 22.5, "lon": 114.0, "crs": "utm"})
    assert r.status_code == 422 and "crs" in r.json()["detail"]


def test_corridor_reads_and_answers_in_the_default(gcj: TestClient) -> None:
    a, b = (114.0050, 22.5300), (114.0400, 22.5450)  # WGS-84, across Futian
    (ga, gb) = (_to_gcj(*a), _to_gcj(*b))
    trip = {"max_detour_min": 30, "kind": ["driver_home", "rider_station"]}
    default = gcj.get(
        "/corridor",
        params={**trip, "from_lon": ga[0], "from_lat": ga[1], "to_lon": gb[0], "to_lat": gb[1]},
    )
    wgs = gcj.get(
        "/corridor",
        params={**trip, "from_lon": a[0], "from_lat": a[1], "to_lon": b[0], "to_lat": b[1]}
        | {"crs": "wgs84"},
    )
    assert default.status_code == wgs.status_code == 200, (default.text, wgs.text)
    assert default.headers["X-Coordinate-System"] == "gcj02"
    assert wgs.headers["X-Coordinate-System"] == "wgs84"
    d, w = default.json()["features"], wgs.json()["features"]
    assert [f["id"] for f in d] == [f["id"] for f in w] and d  # the same trip, read in GCJ-02
    _assert_shifted(
        [tuple(f["geometry"]["coordinates"]) for f in d],
        [tuple(f["geometry"]["coordinates"]) for f in w],
    )
