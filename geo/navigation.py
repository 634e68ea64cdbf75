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
from urllib.parse import quote

import numpy as np
import numpy.typing as npt

from geo.crs import from_wgs84

__all__ = ["APP_SYSTEMS", "NAV_TEMPLATES", "REFERER", "app_coordinates", "navigation_links"]

APP_SYSTEMS = {"amap": "gcj02", "baidu": "bd09", "tencent": "gcj02"}
"""The coordinate system each app expects."""

REFERER = "stationfinder"
"""The app name Baidu's ``src`` and Tencent's ``referer`` ask for."""

NAV_TEMPLATES: dict[str, str] = {
    "amap": "https://uri.amap.com/navigation?to={gcj_lon},{gcj_lat},{name}"
    "&mode=walk&coordinate=gaode&callnative=1",
    "baidu": "https://api.map.baidu.com/marker?location={bd_lat},{bd_lon}&title={name}"
    f"&content={{name}}&coord_type=bd09ll&output=html&src={REFERER}",
    "tencent": "https://apis.map.qq.com/uri/v1/routeplan?type=walk&to={name}"
    f"&tocoord={{gcj_lat}},{{gcj_lon}}&referer={REFERER}",
}
"""Each app's link, with ``{gcj_lon}``, ``{gcj_lat}``, ``{bd_lon}``, ``{bd_lat}`` (6 decimals)
and ``{name}`` (percent-encoded). Map pages fill the same templates in the browser."""


def app_coordinates(lon: npt.ArrayLike, lat: npt.ArrayLike) -> dict[str, npt.NDArray[np.float64]]:
    """WGS-84 points in GCJ-02 and BD-09, rounded to 6 decimals (about 0.1 m)."""
    # BD-09 from the WGS-84 position's GCJ-02 point (no iterative inverse from GCJ-02)
    systems = from_wgs84(lon, lat)
    (gx, gy), (bx, by) = systems["gcj02"], systems["bd09"]
    return {
        "gcj_lon": np.round(gx, 6),
        "gcj_lat": np.round(gy, 6),
        "bd_lon": np.round(bx, 6),
        "bd_lat": np.round(by, 6),
    }


def navigation_links(
    lon: Sequence[float], lat: Sequence[float], names: Sequence[str]
) -> list[dict[str, str]]:
    """Amap, Baidu and Tencent links for stations at WGS-84 ``lon``, ``lat``.

    Each station's links are computed once and remembered (a nearest answer
    names the same few stations again and again; the coordinate conversions
    cost more than the rest of the answer).

    Examples
    --------
    >>> (links,) = navigation_links([116.397], [39.909], ["天安门驿站"])
    >>> links["amap"].split("to=")[1][:22]
    '116.403244,39.910403,%'
    """
    keys = [(float(x), float(y), str(n)) for x, y, n in zip(lon, lat, names, strict=True)]
    found = {key: _LINKS.get(key) for key in keys}
    missing = [key for key, links in found.items() if links is None]
    made: dict[tuple[float, float, str], dict[str, str]] = {}
    if missing:
        # one vectorised conversion for every station not seen lately
        coords = app_coordinates([m[0] for m in missing], [m[1] for m in missing])
        for i, key in enumerate(missing):
            values = {k: f"{float(v[i]):.6f}" for k, v in coords.items()}
            values["name"] = quote(key[2], safe="")
            made[key] = {app: t.format(**values) for app, t in NAV_TEMPLATES.items()}
        if len(_LINKS) + len(made) > _LINKS_MAX:
            _LINKS.clear()
        _LINKS.update(made)
    return [dict(found[key] or made[key]) for key in keys]


# (lon, lat, name) → links, for the stations answered lately (cleared when full)
_LINKS: dict[tuple[float, float, str], dict[str, str]] = {}
_LINKS_MAX = 65_536
