"""Navigation links and open state, checked against independent computations.

Each link's coordinates are parsed back out of the URL and compared with the
station's position converted by ``eviltransform`` (not ``prcoords``, which
``geo.crs`` wraps). Open state uses explicit times only.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import parse_qs, urlsplit

import eviltransform as ev
import pytest

from geo.crs import in_china
from geo.errors import InvalidInputError
from geo.io import to_feature_collection
from geo.navigation import navigation_links
from geo.open_state import open_state, open_states
from geo.rider_view import add_rider_properties
from geo.types import Kind, Station

PLACES = [
    ("五一广场驿站", 112.9772, 28.1959),  # Changsha
    ("天安门", 116.3975, 39.9087),  # Beijing
    ("Kallio", 24.95, 60.184),  # Helsinki: all three systems are WGS-84
    ("旺角", 114.1694, 22.3193),  # Hong Kong: not shifted
]


def _query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


@pytest.fixture(scope="module")
def links() -> list[dict[str, str]]:
    names, lons, lats = zip(*PLACES, strict=True)
    return navigation_links(list(lons), list(lats), list(names))


@pytest.mark.parametrize("i", range(len(PLACES)))
def test_links_carry_each_apps_system(links: list[dict[str, str]], i: int) -> None:
    name, lon, lat = PLACES[i]
    china = name not in ("Kallio", "旺角")
    glat, glon = ev.wgs2gcj(lat, lon) if china else (lat, lon)
    blat, blon = ev.wgs2bd(lat, lon) if china else (lat, lon)
    amap = _query(links[i]["amap"])
    x, y, label = amap["to"].split(",")
    assert (float(x), float(y)) == pytest.approx((glon, glat), abs=1e-6)
    assert label == name and amap["coordinate"] == "gaode"
    baidu = _query(links[i]["baidu"])
    by, bx = (float(v) for v in baidu["location"].split(","))
    assert (bx, by) == pytest.approx((blon, blat), abs=1e-6)
    assert baidu["coord_type"] == "bd09ll" and baidu["title"] == name
    tencent = _query(links[i]["tencent"])
    ty, tx = (float(v) for v in tencent["tocoord"].split(","))
    assert (tx, ty) == pytest.approx((glon, glat), abs=1e-6)
    assert tencent["to"] == name and tencent["referer"]
    if china:  # the conversions are real: hundreds of metres
        assert abs(float(x) - lon) > 1e-3 and abs(bx - lon) > 1e-3


# Either side of the Shenzhen River: Hong Kong (not shifted) and Futian (shifted).
BORDER = [(114.0624, 22.515, False), (114.08, 22.53, False), (114.0624, 22.535, True)]


@pytest.mark.parametrize(("lon", "lat", "china"), BORDER)
def test_baidu_link_follows_the_wgs84_position_at_the_border(
    lon: float, lat: float, china: bool
) -> None:
    # Within a GCJ-02 shift of the border, a Hong Kong point's Baidu link stays WGS-84 like
    # its Amap link (it once went through GCJ-02 back to a WGS-84 guess across the river).
    assert bool(in_china([lon], [lat])[0]) is china
    (link,) = navigation_links([lon], [lat], ["x"])
    blat, blon = ev.wgs2bd(lat, lon) if china else (lat, lon)
    by, bx = (float(v) for v in _query(link["baidu"])["location"].split(","))
    assert (bx, by) == pytest.approx((blon, blat), abs=1e-6)
    x, y, _ = _query(link["amap"])["to"].split(",")
    assert ((float(x), float(y)) == pytest.approx((lon, lat), abs=1e-6)) is not china


def test_remembered_links_equal_fresh_ones_in_any_mix(links: list[dict[str, str]]) -> None:
    # links are remembered per station: asked again, in another order, beside new
    # stations and twice in one call, each station gets the links it got alone
    names, lons, lats = zip(*PLACES, strict=True)
    order = [3, 0, 0, 2, 1]
    again = navigation_links(
        [lons[i] for i in order] + [113.0],
        [lats[i] for i in order] + [28.2],
        [names[i] for i in order] + ["新站"],
    )
    assert again[:5] == [links[i] for i in order]
    (alone,) = navigation_links([113.0], [28.2], ["新站"])
    assert again[5] == alone and alone != links[0]
    again[0]["amap"] = "changed by a caller"  # a copy: what is remembered stays
    assert navigation_links([lons[3]], [lats[3]], [names[3]])[0] == links[3]


def test_names_are_encoded_not_injected() -> None:
    (link,) = navigation_links([112.97], [28.19], ['a&to=1,1,x" onclick="y'])
    assert _query(link["amap"])["to"].endswith(',a&to=1,1,x" onclick="y')
    assert '"' not in link["amap"] and " " not in link["baidu"]


TZ = "Asia/Shanghai"
# 2026-11-23 is a Monday.
STATE_CASES = [
    ("Mo-Fr 08:00-18:00", datetime(2026, 11, 23, 10), True, None, "2026-11-23T18:00:00+08:00"),
    ("Mo-Fr 08:00-18:00", datetime(2026, 11, 23, 19), False, "2026-11-24T08:00:00+08:00", None),
    ("Mo-Fr 08:00-18:00", datetime(2026, 11, 27, 18), False, "2026-11-30T08:00:00+08:00", None),
    ("22:00-02:00", datetime(2026, 11, 23, 23, 30), True, None, "2026-11-24T02:00:00+08:00"),
    (
        "08:00-12:00,14:00-18:00",
        datetime(2026, 11, 23, 12, 30),
        False,
        "2026-11-23T14:00:00+08:00",
        None,
    ),
    ("24/7", datetime(2026, 11, 23, 3), True, None, None),
    ("Sa,Su off", datetime(2026, 11, 23, 3), False, None, None),
    ("", datetime(2026, 11, 23, 10), False, None, None),
]


@pytest.mark.parametrize(("expr", "when", "open_now", "opens", "closes"), STATE_CASES)
def test_open_state(
    expr: str, when: datetime, open_now: bool, opens: str | None, closes: str | None
) -> None:
    s = open_state(expr, when, tz=TZ)
    assert s.open_now is open_now
    assert (s.opens_at.isoformat() if s.opens_at else None) == opens
    assert (s.closes_at.isoformat() if s.closes_at else None) == closes


def test_aware_time_is_read_in_the_registry_zone() -> None:
    # 02:00 UTC is 10:00 in Shanghai
    utc = datetime.fromisoformat("2026-11-23T02:00:00+00:00")
    assert open_state("Mo-Fr 08:00-18:00", utc, tz=TZ).open_now
    assert not open_state("Mo-Fr 08:00-18:00", utc, tz="Europe/Helsinki").open_now
    assert [s.open_now for s in open_states(["24/7", "", "24/7"], utc, tz=TZ)] == [
        True,
        False,
        True,
    ]


def test_rider_properties_on_a_collection() -> None:
    st = Station(
        "a",
        "五一广场驿站",
        Kind.DRIVER_HOME,
        112.9772,
        28.1959,
        amenities=("water",),
        opening_hours="Mo-Fr 08:00-18:00",
    )
    fc = to_feature_collection([st], crs="gcj02")
    add_rider_properties(fc, [st], when=datetime(2026, 11, 23, 10), tz=TZ, lang="zh")
    props = fc["features"][0]["properties"]
    assert props["open_now"] is True and props["closes_at"] == "2026-11-23T18:00:00+08:00"
    assert props["kind_label"] == "司机之家" and props["amenity_labels"] == ["饮用水"]
    assert set(props["navigation"]) == {"amap", "baidu", "tencent"}


@pytest.mark.parametrize(
    "when", ["0001-01-01T00:00+14:00", "0001-01-01T00:00", "1899-12-31T23:00", "9999-12-31T23:00"]
)
def test_times_beyond_the_evaluated_years_are_named_errors(when: str) -> None:
    with pytest.raises(InvalidInputError, match="1901-01-01T00:00 to 9998-12-31"):
        open_state("Mo-Fr 08:00-18:00", datetime.fromisoformat(when), tz=TZ)
