"""The proposals layer, the popups' "report a problem" link and the report form page."""

from __future__ import annotations

import json
import re

import folium
import geopandas as gpd
import pytest
from fastapi.testclient import TestClient

from geo.types import Station
from maps import TileConfig, coverage_map, embed_map, proposal_layer, render_html, station_layer
from maps.coverage import proposal_radius_px
from maps.report import REPORT_KINDS, report_form_html
from maps.tiles import LOCAL_TILE_URL
from tests.api.conftest import KEY

LOCAL = TileConfig(LOCAL_TILE_URL, "OpenStreetMap contributors")


@pytest.fixture
def groups() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"group_id": [1, 5], "proposers": [4, 1], "gain": [12.0, None]},
        geometry=gpd.points_from_xy([24.940, 24.960], [60.170, 60.180]),
        crs=4326,
    )


def _geojson(layer: folium.FeatureGroup) -> dict:
    (gj,) = [c for c in layer._children.values() if isinstance(c, folium.GeoJson)]
    return gj.data  # type: ignore[no-any-return]


def test_proposal_layer_sizes_circles_by_proposers(groups: gpd.GeoDataFrame) -> None:
    layer = proposal_layer(groups, lang="zh")
    assert layer.layer_name == "建站建议"
    feats = _geojson(layer)["features"]
    assert [f["id"] for f in feats] == ["proposal-1", "proposal-5"]
    assert [f["properties"]["proposers"] for f in feats] == [4, 1]
    assert [f["properties"]["gain"] for f in feats] == [12.0, None]
    assert [f["properties"]["radius"] for f in feats] == [16.0, 8.0]  # area ∝ proposers
    assert tuple(feats[0]["geometry"]["coordinates"]) == (24.94, 60.17)
    assert proposal_radius_px(9) == 24.0
    with pytest.raises(ValueError, match="proposers"):
        proposal_layer(groups.assign(proposers=[0, 1]))
    with pytest.raises(ValueError, match="group_id"):
        proposal_layer(groups.drop(columns="group_id"))


def test_coverage_map_lists_the_proposals_layer(groups: gpd.GeoDataFrame) -> None:
    m = coverage_map(proposals=groups, lang="en", tiles=LOCAL)
    names = [
        c.layer_name for c in m._children.values() if isinstance(c, folium.map.Layer) and c.control
    ]
    assert names == ["Base map", "Proposed sites"]
    html = render_html(m)
    assert '"proposal-1"' in html and '"radius": 16.0' in html


def test_popup_report_link(stations: list[Station]) -> None:
    layer = station_layer(stations, report_url="/maps/report?station={id}&lang=en")
    assert layer.report_js == '"/maps/report?station={id}&lang=en"'
    assert json.loads(layer.text_js)["report_problem"] == "Report a problem"
    html = render_html(embed_map(stations, report_url="/r?station={id}"))
    assert 'var R = "/r?station={id}";' in html and "sf-report" in html
    assert "var R = null;" in render_html(embed_map(stations))


def test_report_form_page(stations: list[Station]) -> None:
    page = report_form_html(stations[0], api="/stations/lib/reports", lang="en")
    assert "Kallio &lt;Library&gt;" in page and "<Library>" not in page
    assert re.findall(r'<option value="(\w+)">', page)[: len(REPORT_KINDS)] == list(REPORT_KINDS)
    assert 'var api = "/stations/lib/reports"' in page


def test_served_pages(client: TestClient) -> None:
    embed = client.get("/maps/embed", params={"lang": "en"})
    assert 'var R = "/maps/report?station={id}&lang=en";' in embed.text
    form = client.get("/maps/report", params={"station": "smart", "lang": "zh"})
    assert form.status_code == 200 and form.headers["content-type"].startswith("text/html")
    # GPS positions are WGS-84 whatever the deployment's default; refusals in the page's language
    assert "Smart Box" in form.text and '"/stations/smart/reports?crs=wgs84&lang=zh"' in form.text
    assert client.get("/maps/report", params={"station": "nope"}).status_code == 404


def test_coverage_page_shows_rounded_proposal_groups(client: TestClient) -> None:
    for dx in (0.0, 0.0004):
        r = client.post(
            "/proposals",
            json={
                "lon": 24.9456789 + dx,
                "lat": 60.1698765,
                "proposer": f"p{dx}",
                "contact": "x@y.z",
            },
        )
        assert r.status_code == 201
    page = client.get("/maps/coverage", params={"lang": "en"}).text
    assert '"proposal-1"' in page and '"proposers": 2' in page
    assert "x@y.z" not in page and "24.9456789" not in page and "60.1698765" not in page
    assert "[24.946, 60.17]" in page  # the centroid, rounded to 0.001°
    # A new proposal shows on the next load (the page cache follows the feedback version).
    client.post("/proposals", json={"lon": 24.99, "lat": 60.2}, headers=KEY)
    assert '"proposal-3"' in client.get("/maps/coverage", params={"lang": "en"}).text
