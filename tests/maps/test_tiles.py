"""Street tiles drawn by the service, and the vector street layer of standalone files."""

from __future__ import annotations

import io
import math

import numpy as np
import pyproj
import pytest
import shapely
from fastapi.testclient import TestClient
from PIL import Image

from geo.network import StreetNetwork
from maps import base_map, render_html
from maps.tiles import (
    LOCAL_TILE_URL,
    StreetTiles,
    TileRangeError,
    add_street_layer,
    mercator,
    street_layer,
)

LAND = (242, 239, 233)
HALF = 20037508.342789244  # half the Web Mercator world, metres


def slippy_tile(lon: float, lat: float, z: int) -> tuple[int, int]:
    """The OSM wiki's "slippy map tilenames" formula, written independently."""
    n = 2**z
    lat_r = math.radians(lat)
    return int((lon + 180) / 360 * n), int((1 - math.asinh(math.tan(lat_r)) / math.pi) / 2 * n)


def pixels(png: bytes) -> np.ndarray:
    img = Image.open(io.BytesIO(png))
    assert img.size == (256, 256)
    return np.asarray(img.convert("RGB"))


def test_mercator_matches_pyproj_web_mercator() -> None:
    rng = np.random.default_rng(3)
    lon, lat = rng.uniform(-180, 180, 500), rng.uniform(-85, 85, 500)
    mx, my = mercator(lon, lat)
    X, Y = pyproj.Transformer.from_crs(4326, 3857, always_xy=True).transform(lon, lat)
    np.testing.assert_allclose(mx, (X + HALF) / (2 * HALF), atol=1e-12)
    np.testing.assert_allclose(my, (HALF - Y) / (2 * HALF), atol=1e-12)


def test_a_street_is_drawn_where_it_runs() -> None:
    # A west-east street through the middle of the z16 tile holding Helsinki's centre.
    z = 16
    x, y = slippy_tile(24.94, 60.17, z)
    n = 2**z
    lon_w, lon_e = x / n * 360 - 180, (x + 1) / n * 360 - 180
    mid_lat = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * (y + 0.5) / n))))
    tiles = StreetTiles([lon_w - 0.01], [mid_lat], [lon_e + 0.01], [mid_lat])
    px = pixels(tiles.render(z, x, y))
    band = px[124:133, 10:246].min(axis=2)  # the rows around the street's line
    assert (band.max(axis=0) >= 245).all()  # near-white all the way across
    assert tuple(px[20, 128]) == LAND and tuple(px[236, 128]) == LAND
    # The casing is darker than the land just above and below the street.
    assert px[124:133, 128].min() < min(LAND)
    # The tile above has no street in it: plain land, the shared blank tile.
    above = tiles.render(z, x, y - 1)
    assert (pixels(above) == LAND).all()
    assert above is tiles.render(z, x + 5, y + 5)


def test_segments_in_a_tile_match_a_brute_force_envelope_test() -> None:
    rng = np.random.default_rng(7)
    lon0, lat0 = rng.uniform(24.90, 24.98, 400), rng.uniform(60.15, 60.20, 400)
    lon1, lat1 = lon0 + rng.normal(0, 0.003, 400), lat0 + rng.normal(0, 0.002, 400)
    tiles = StreetTiles(lon0, lat0, lon1, lat1)
    z = 15
    x, y = slippy_tile(24.94, 60.17, z)
    picked = set(tiles.segments_in(z, x, y, margin_px=0).tolist())
    # Truth: shapely on the tile's box in Web Mercator metres.
    to3857 = pyproj.Transformer.from_crs(4326, 3857, always_xy=True).transform
    size = 2 * HALF / 2**z
    box = shapely.box(
        -HALF + x * size, HALF - (y + 1) * size, -HALF + (x + 1) * size, HALF - y * size
    )
    ax, ay = to3857(lon0, lat0)
    bx, by = to3857(lon1, lat1)
    lines = shapely.linestrings(np.stack([np.c_[ax, ay], np.c_[bx, by]], axis=1))
    crossing = set(np.flatnonzero(shapely.intersects(lines, box)).tolist())
    touching_envelope = set(
        np.flatnonzero(shapely.intersects(shapely.envelope(lines), box)).tolist()
    )
    assert crossing <= picked  # every segment drawn in the tile is picked
    assert picked == touching_envelope  # and the pick is exactly the envelope test
    assert 0 < len(crossing) < 400


@pytest.mark.parametrize(
    ("z", "x", "y", "message"),
    [(21, 0, 0, "zoom 21"), (3, 8, 0, "x=8"), (3, 0, -1, "y=-1"), (-1, 0, 0, "zoom -1")],
)
def test_tiles_outside_the_pyramid_are_refused(z: int, x: int, y: int, message: str) -> None:
    with pytest.raises(TileRangeError, match=message):
        StreetTiles([], [], [], []).render(z, x, y)


def test_tile_route_serves_the_service_streets(client: TestClient, helsinki: StreetNetwork) -> None:
    z = 16
    x, y = slippy_tile(24.9410, 60.1700, z)  # a station of the map fixtures sits on a street here
    r = client.get(f"/tiles/{z}/{x}/{y}.png")
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    px = pixels(r.content)
    assert (px == 255).all(axis=2).mean() > 0.02  # streets are drawn
    # The same tile drawn from the network the tests load independently.
    assert r.content == StreetTiles.from_network(helsinki).render(z, x, y)
    far = client.get("/tiles/16/0/0.png")
    assert (pixels(far.content) == LAND).all()


def test_tile_route_errors_are_problems(client: TestClient) -> None:
    r = client.get("/tiles/3/8/0.png")
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"
    assert "x=8" in r.json()["detail"]
    r = client.get("/tiles/21/0/0.png")
    assert r.status_code == 422 and "z" in r.text


def test_map_pages_use_the_local_tiles(client: TestClient) -> None:
    for path in ("/maps/stations", "/maps/embed"):
        page = client.get(path).text
        assert f'"{LOCAL_TILE_URL}"' in page, path
        assert "tile.openstreetmap.org" not in page, path


def test_street_layer_carries_every_segment(helsinki: StreetNetwork) -> None:
    layer = street_layer(helsinki, lang="zh")
    lines = layer.data["features"][0]["geometry"]["coordinates"]
    assert len(lines) == helsinki.edge_u.size
    first = np.array(lines[0])
    u, v = helsinki.edge_u[0], helsinki.edge_v[0]
    np.testing.assert_allclose(
        first, [[helsinki.lon[u], helsinki.lat[u]], [helsinki.lon[v], helsinki.lat[v]]], atol=6e-6
    )
    m = base_map(lang="en")
    add_street_layer(m, helsinki)
    page = render_html(m)
    assert '"pane": "streets"' in page and "L.tileLayer" not in page
