"""The embeddable "locate me" map: :class:`LocateControl` and :func:`embed_map`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from datetime import datetime
from typing import Literal

import branca.element

from geo.hours import DEFAULT_TZ
from geo.types import Kind, Station
from maps.assets import page_template
from maps.base import NO_TILES, OfflineMap, TileConfig, base_map, fit_to, js_literal
from maps.i18n import Lang, kind_label, text
from maps.kinds import kind_legend
from maps.station_cluster import KINDS, station_layer

__all__ = ["LocateControl", "embed_map"]


class LocateControl(branca.element.MacroElement):
    """A "locate me" button and a list of the nearest stations from the API.

    The button asks ``navigator.geolocation`` for the position, calls
    ``{api}?lat=&lon=&mode=&k=&crs=`` (plus ``query``), marks the position
    and lists the stations it returns, nearest first, with the straight-line
    distance and, when the API gives it, the walking time. Clicking an entry
    opens that station's popup. A failed walking query is retried in
    straight-line mode. With GCJ-02 tiles the position is shifted into
    GCJ-02 in the browser and the API is asked in ``crs=gcj02``.

    Parameters
    ----------
    api
        URL of the nearest-stations endpoint (e.g. ``/nearest``).
    lang
        Language of labels.
    tiles
        Tile source of the map.
    mode
        ``straight`` or ``walk`` (only when a street network is available).
    k
        How many stations to list.
    query
        Extra query parameters, repeated per value: every filter the map was
        drawn with (``kind``, ``amenity``, ``status``, ``open_at``), so that
        the list shows only stations the map shows. Each entry is marked open
        or closed now as the station's popup is.
    """

    _template = page_template("locate_control.html.j2")

    def __init__(
        self,
        *,
        api: str = "/nearest",
        lang: Lang = "en",
        tiles: TileConfig = NO_TILES,
        mode: Literal["straight", "walk"] = "straight",
        k: int = 5,
        query: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        super().__init__()
        if mode not in ("straight", "walk"):
            raise ValueError(f"mode={mode!r} is not supported; use one of straight, walk")
        if not 1 <= k <= 100:
            raise ValueError(f"k={k!r} must be between 1 and 100")
        self._name = "LocateControl"
        self.api = api
        self.lang: Lang = lang
        self.tiles = tiles
        self.mode = mode
        self.k = int(k)
        self.query = {key: list(v) for key, v in (query or {}).items()}

    @property
    def text_js(self) -> str:
        """Labels in the control's language."""
        keys = ("locate_me", "locating", "you_are_here", "nearest", "no_station")
        keys += ("geo_denied", "api_error", "walk_min", "open_now", "closed_now", "closes_at")
        keys += ("opens_at", "navigate", "app_amap", "app_baidu", "app_tencent")
        return js_literal({key: text(key, self.lang) for key in keys})

    @property
    def kinds_js(self) -> str:
        """Kind value → label."""
        return js_literal({k.value: kind_label(k, self.lang) for k in Kind})

    @property
    def gcj_js(self) -> str:
        """Whether positions are shifted into GCJ-02."""
        return "true" if self.tiles.crs == "gcj02" else "false"

    @property
    def api_js(self) -> str:
        """The endpoint URL."""
        return js_literal(self.api)

    @property
    def mode_js(self) -> str:
        """The distance mode."""
        return js_literal(self.mode)

    @property
    def query_js(self) -> str:
        """Extra query parameters, URL-encoded, each prefixed with ``&``."""
        from urllib.parse import urlencode

        pairs = [(key, v) for key, values in self.query.items() for v in values]
        return js_literal("&" + urlencode(pairs) if pairs else "")


def embed_map(
    stations: Sequence[Station],
    *,
    lat: float | None = None,
    lon: float | None = None,
    zoom: int = 15,
    lang: Lang = "en",
    tiles: TileConfig = NO_TILES,
    now: datetime | None = None,
    tz: str = DEFAULT_TZ,
    api: str = "/nearest",
    mode: Literal["straight", "walk"] = "straight",
    query: Mapping[str, Sequence[str]] | None = None,
    report_url: str | None = None,
    notes: Mapping[str, str] | None = None,
    closed_ids: AbstractSet[str] = frozenset(),
) -> OfflineMap:
    """A map for iframes: stations, a legend, and a "locate me" button with a nearest list.

    Parameters
    ----------
    stations
        Stations, WGS-84.
    lat, lon
        WGS-84 centre; ``None`` fits the view to the stations.
    zoom
        Initial zoom with a centre.
    lang
        Language of labels.
    tiles
        Tile source.
    now
        When "open now" is evaluated; default: now.
    tz
        Time zone of opening hours.
    api
        URL of the nearest-stations endpoint.
    mode
        ``straight``, or ``walk`` when the service has a street network.
    query
        The filters ``stations`` were selected with (``kind``, ``amenity``,
        ``status``, ``open_at``), passed on to the endpoint.
    report_url
        URL of the "report a problem" link in each popup (``{id}`` = the
        station id); None leaves the link out.
    notes, closed_ids
        Popup lines per station, and stations temporarily closed (see :class:`StationCluster`).

    Returns
    -------
    OfflineMap
        The map.
    """
    center = (lon, lat) if lat is not None and lon is not None else None
    m = base_map(tiles=tiles, lang=lang, location=center, zoom=zoom)
    station_layer(
        stations,
        lang=lang,
        tiles=tiles,
        now=now,
        tz=tz,
        report_url=report_url,
        notes=notes,
        closed_ids=closed_ids,
    ).add_to(m)
    present = sorted({Kind(s.kind) for s in stations}, key=KINDS.index)
    kind_legend(present or None, lang=lang).add_to(m)
    LocateControl(api=api, lang=lang, tiles=tiles, mode=mode, query=query).add_to(m)
    if center is None:
        fit_to(m, [s.lon for s in stations], [s.lat for s in stations], tiles=tiles)
    return m
