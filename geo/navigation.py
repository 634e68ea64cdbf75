"""Links that open a station in the map apps riders use: Amap, Baidu and Tencent.

Each app takes coordinates in its own system: Amap and Tencent GCJ-02, Baidu
BD-09 (outside mainland China all three are WGS-84, see :mod:`geo.crs`). The
links use each vendor's public web URI scheme, which opens the app on a phone
where it is installed and the web map otherwise, routing from where the rider
is to the station:

* Amap: ``https://uri.amap.com/navigation?to=lon,lat,name&mode=walk&coordinate=gaode``
* Baidu: ``https://api.map.baidu.com/marker?location=lat,lng&title=…&coord_type=bd09ll``
* Tencent: ``https://apis.map.qq.com/uri/v1/routeplan?type=walk&to=…&tocoord=lat,lng``
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlencode

import numpy as np

from geo.crs import convert

__all__ = ["APP_SYSTEMS", "REFERER", "navigation_links"]

APP_SYSTEMS = {"amap": "gcj02", "baidu": "bd09", "tencent": "gcj02"}
"""The coordinate system each app expects."""

REFERER = "stationfinder"
"""The app name Baidu's ``src`` and Tencent's ``referer`` ask for."""


def _coord(value: float) -> str:
    return f"{value:.6f}"  # 6 decimals: about 0.1 m


def navigation_links(
    lon: Sequence[float], lat: Sequence[float], names: Sequence[str]
) -> list[dict[str, str]]:
    """Amap, Baidu and Tencent links for stations at WGS-84 ``lon``, ``lat``.

    Vectorised: each system's conversion runs once over all points.

    Examples
    --------
    >>> (links,) = navigation_links([116.397], [39.909], ["天安门驿站"])
    >>> links["amap"].split("to=")[1][:22]
    '116.403244%2C39.910403'
    """
    wlon = np.asarray(lon, dtype=float)
    wlat = np.asarray(lat, dtype=float)
    gx, gy = convert(wlon, wlat, src="wgs84", dst="gcj02")
    bx, by = convert(gx, gy, src="gcj02", dst="bd09")
    out = []
    for i, name in enumerate(names):
        g_lon, g_lat = _coord(float(gx[i])), _coord(float(gy[i]))
        b_lon, b_lat = _coord(float(bx[i])), _coord(float(by[i]))
        amap = {
            "to": f"{g_lon},{g_lat},{name}",
            "mode": "walk",
            "coordinate": "gaode",
            "callnative": "1",
        }
        baidu = {
            "location": f"{b_lat},{b_lon}",
            "title": name,
            "content": name,
            "coord_type": "bd09ll",
            "output": "html",
            "src": REFERER,
        }
        tencent = {"type": "walk", "to": name, "tocoord": f"{g_lat},{g_lon}", "referer": REFERER}
        out.append(
            {
                "amap": "https://uri.amap.com/navigation?" + urlencode(amap),
                "baidu": "https://api.map.baidu.com/marker?" + urlencode(baidu),
                "tencent": "https://apis.map.qq.com/uri/v1/routeplan?" + urlencode(tencent),
            }
        )
    return out
