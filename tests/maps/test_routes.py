"""The map pages served by the API."""

from __future__ import annotations

import json
import re

from fastapi.testclient import TestClient

from api.routers.maps import tile_config
from api.settings import Settings


def station_ids(page: str) -> list[str]:
    return json.loads(re.search(r'var D = \{"id":(\[.*?\])', page).group(1))  # type: ignore[union-attr]


def mapped_ids(client: TestClient, page: str) -> list[str]:
    """The stations a served stations page shows: it carries none itself and asks its
    clusters URL for each view; at zoom 18 over the world every station stands alone."""
    assert station_ids(page) == []
    remote = json.loads(re.search(r"var REMOTE = (\{.*?\});", page).group(1))  # type: ignore[union-attr]
    kinds = "".join(f"&kind={k}" for k in remote["kinds"] or [])
    view = client.get(f"{remote['url']}&zoom=18&bbox=-180,-85,180,85{kinds}").json()
    assert view["clusters"] == [] and view["total"] == remote["total"]
    return sorted(view["stations"]["id"])


def test_stations_page_shows_open_stations(client: TestClient) -> None:
    r = client.get("/maps/stations", params={"lang": "en"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert mapped_ids(client, r.text) == ["fuel", "lib", "smart"]  # "plan" is planned
    assert '<html lang="en">' in r.text


def test_kind_and_amenity_filters(client: TestClient) -> None:
    r = client.get("/maps/stations", params={"kind": "driver_home"})
    assert mapped_ids(client, r.text) == ["fuel"]
    r = client.get("/maps/stations", params=[("amenity", "water"), ("amenity", "charging")])
    assert mapped_ids(client, r.text) == ["smart"]
    assert client.get("/maps/stations", params={"lang": "fr"}).status_code == 422
    assert client.get("/maps/stations", params={"kind": "castle"}).status_code == 422


def test_frame_ancestors_are_the_configured_origins(client: TestClient) -> None:
    for path in ("/maps/stations", "/maps/embed", "/static/maps/leaflet/leaflet.js"):
        csp = client.get(path).headers["content-security-policy"]
        assert csp == "frame-ancestors 'self' https://portal.example.org", path


def test_pages_are_gzipped_when_asked(client: TestClient) -> None:
    r = client.get("/maps/stations", headers={"Accept-Encoding": "gzip"})
    assert r.headers["content-encoding"] == "gzip"
    plain = client.get("/maps/stations", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert r.content == plain.content  # the client decoded it


def test_embed_page_centre_and_filters(client: TestClient) -> None:
    r = client.get(
        "/maps/embed",
        params={"lat": 60.17, "lon": 24.94, "zoom": 16, "kind": "smart_station", "lang": "zh"},
    )
    assert r.status_code == 200
    assert station_ids(r.text) == ["smart"]
    assert "center: [60.17, 24.94]" in r.text and '"zoom": 16' in r.text
    assert '"&kind=smart_station"' in r.text and '"/nearest"' in r.text
    assert '"straight"' in r.text
    assert client.get("/maps/embed", params={"lat": 60.17}).status_code == 422
    assert client.get("/maps/embed", params={"zoom": 30}).status_code == 422


def test_static_assets_are_served(client: TestClient) -> None:
    r = client.get("/static/maps/markercluster/leaflet.markercluster.js")
    assert r.status_code == 200 and "MarkerClusterGroup" in r.text
    assert client.get("/static/maps/leaflet/leaflet.css").status_code == 200
    assert client.get("/static/maps/../../api/settings.py").status_code == 404


def test_gcj02_tile_settings_reach_the_page(settings: Settings) -> None:
    amap = settings.model_copy(
        update={
            "map_tile_url": "https://webrd0{s}.is.autonavi.com/appmaptile?x={x}&y={y}&z={z}",
            "map_tile_crs": "gcj02",
            "map_tile_subdomains": "1234",
        }
    )
    tiles = tile_config(amap)
    assert tiles.crs == "gcj02" and tiles.subdomains == "1234"
    from api.main import create_app

    with TestClient(create_app(amap)) as c:
        page = c.get("/maps/embed", params={"lang": "en"}).text
    assert "autonavi" in page and "gcj = true" in page


def test_clusters_of_a_view_add_up_to_its_stations(client: TestClient) -> None:
    world = client.get("/maps/stations/clusters?zoom=3&bbox=-180,-85,180,85").json()
    assert (
        world["total"] == 3
        and sum(c[0] for c in world["clusters"]) + len(world["stations"]["id"]) == 3
    )
    r = client.get("/maps/stations/clusters?zoom=3")
    assert r.status_code == 422 and "bbox" in r.json()["detail"]
    assert client.get("/maps/stations/clusters?zoom=30&bbox=0,0,1,1").status_code == 422
