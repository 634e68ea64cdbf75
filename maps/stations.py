"""The stations layer, the stations map and the embeddable "locate me" map.

Stations are drawn by :class:`StationCluster`: compact column arrays, binned
in the browser on every map move into a grid of square cells over the view
(:func:`geo.clusters.grid_clusters` is the same binning in Python), with
markers and popups made only for what is on screen (popups only when opened).
A folium ``Marker`` per station would write about 1 kB of JavaScript each,
150 MB for 150,000 stations; the columns take about a tenth of that. A
cluster tree (Leaflet.markercluster) took 11 s to build for 141,005 stations;
one binning pass over the view takes milliseconds.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar, Literal

import branca.element
import numpy as np
from folium.elements import JSCSSMixin
from folium.map import Layer

from geo.clusters import CLUSTER_CELL_PX, CLUSTER_UNTIL_ZOOM
from geo.errors import GeoError
from geo.hours import DEFAULT_TZ, is_open
from geo.navigation import NAV_TEMPLATES, app_coordinates
from geo.types import AMENITIES, Kind, Station, Status
from maps.base import (
    NO_TILES,
    Legend,
    OfflineMap,
    TileConfig,
    base_map,
    fit_to,
    js_literal,
    to_display,
)
from maps.i18n import Lang, amenity_label, kind_label, text
from maps.style import KIND_STYLES

__all__ = [
    "KindFilter",
    "LocateControl",
    "StationCluster",
    "embed_map",
    "kind_legend",
    "station_layer",
    "stations_map",
]

_KINDS = list(Kind)
_TEMPLATES = Path(__file__).resolve().parent / "templates"


def _template(name: str) -> branca.element.Template:
    """A Jinja template of ``maps/templates`` (JavaScript lives there, not in strings)."""
    return branca.element.Template((_TEMPLATES / name).read_text(encoding="utf-8"))


_STATUSES = list(Status)
_AMENITY_BIT = {a: 1 << i for i, a in enumerate(AMENITIES)}
_POPUP_KEYS = (
    "address",
    "amenities",
    "hours",
    "hours_unknown",
    "open_now",
    "closed_now",
    "phone",
    "capacity",
    "status",
    "report_problem",
    "navigate",
    "app_amap",
    "app_baidu",
    "app_tencent",
)


def _open_states(
    stations: Sequence[Station], now: datetime, tz: str
) -> tuple[list[int], list[str]]:
    """Per station: 1 open, 0 closed, -1 unknown hours; and the table of distinct hours."""
    states: dict[str, int] = {}
    table: dict[str, int] = {}
    opened: list[int] = []
    for st in stations:
        expr = st.opening_hours.strip()
        if expr not in states:
            try:
                states[expr] = int(is_open(expr, now, tz=tz)) if expr else -1
            except GeoError:
                states[expr] = -1
            if expr:
                table[expr] = len(table)
        opened.append(states[expr])
    return opened, list(table)


class StationCluster(JSCSSMixin, Layer):
    """Stations as clustered markers: one colour and glyph per kind, a popup each.

    The popup shows name, kind, open now or not (at ``now`` in ``tz``),
    address, opening hours, amenities, phone, and the status when it is not
    ``open``. In the page, ``window.sfStations`` is the layer:
    ``openStation(id)`` zooms until the station stands alone and opens its
    popup, ``setKinds([...])`` shows only some kinds, ``drawnCounts`` lists the
    station count of each marker drawn (1 for a single station), and
    ``window.sfReady`` turns true once the first view is drawn.

    Parameters
    ----------
    stations
        Stations, WGS-84.
    lang
        Language of the popups.
    tiles
        Tile source; for GCJ-02 tiles the markers are shifted into GCJ-02.
    now
        Time at which "open now" is evaluated; default: the current time.
    tz
        Time zone in which opening hours are read (the registry's).
    name
        Layer name in the layer control; default: "Stations" in ``lang``.
    report_url
        When given, each popup ends with a "report a problem" link to this
        URL, with ``{id}`` replaced by the station's id (URL-encoded).
    remote
        ``{"url": …, "total": …, "kinds": […] or None}``: the page carries no
        station (``stations`` should be empty) and fetches each view's
        clusters from ``url`` + ``&zoom=&bbox=`` (+ ``&kind=`` per kind shown),
        as :func:`maps.remote.cluster_view` answers.
    """

    _template = _template("station_cluster.html.j2")

    default_js: ClassVar[list[tuple[str, str]]] = []
    default_css: ClassVar[list[tuple[str, str]]] = []

    cell_px: ClassVar[int] = CLUSTER_CELL_PX
    """Side of a cluster cell, screen pixels."""
    cluster_until_zoom: ClassVar[int] = CLUSTER_UNTIL_ZOOM
    """The deepest zoom at which stations are still clustered."""

    def __init__(
        self,
        stations: Sequence[Station],
        *,
        lang: Lang = "en",
        tiles: TileConfig = NO_TILES,
        now: datetime | None = None,
        tz: str = DEFAULT_TZ,
        name: str | None = None,
        report_url: str | None = None,
        remote: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(name=name or text("stations", lang), overlay=True, control=True)
        self.report_url = report_url
        self.remote = dict(remote) if remote is not None else None
        self._name = "StationCluster"
        self.lang: Lang = lang
        now = now or datetime.now(UTC)
        x, y = to_display([s.lon for s in stations], [s.lat for s in stations], tiles)
        opened, hours = _open_states(stations, now, tz)
        hours_at = {h: i for i, h in enumerate(hours)}
        self.station_ids: list[str] = [s.id for s in stations]
        self.kinds: list[Kind] = [Kind(s.kind) for s in stations]
        self.open_now: list[int] = opened
        self.data: dict[str, list[Any]] = {
            "id": self.station_ids,
            "name": [s.name for s in stations],
            "k": [_KINDS.index(k) for k in self.kinds],
            "x": np.round(x, 7).tolist(),
            "y": np.round(y, 7).tolist(),
            "a": [s.address for s in stations],
            "p": [s.phone for s in stations],
            "m": [sum(_AMENITY_BIT.get(a, 0) for a in s.amenities) for s in stations],
            "h": [hours_at.get(s.opening_hours.strip(), -1) for s in stations],
            "ht": [s.opening_hours_text for s in stations],  # the wording, shown when kept
            "o": opened,
            "s": [_STATUSES.index(Status(s.status)) for s in stations],
            "c": [s.capacity for s in stations],  # null where unknown
            # Each app's own coordinates, for the "导航" links (geo.navigation's templates).
            **{
                key: values.tolist()
                for key, values in app_coordinates(
                    [s.lon for s in stations], [s.lat for s in stations]
                ).items()
            },
        }
        self.hours = hours

    def __len__(self) -> int:
        return len(self.station_ids)

    @property
    def data_js(self) -> str:
        """The station columns as a JavaScript literal."""
        return js_literal(self.data)

    @property
    def kinds_js(self) -> str:
        """``[value, glyph, label]`` of each kind, in :class:`Kind` order."""
        return js_literal(
            [[k.value, KIND_STYLES[k].icon, kind_label(k, self.lang)] for k in _KINDS]
        )

    @property
    def amenities_js(self) -> str:
        """Amenity labels in vocabulary order (bit ``i`` of a station's mask)."""
        return js_literal([amenity_label(a, self.lang) for a in AMENITIES])

    @property
    def hours_js(self) -> str:
        """The distinct opening-hours expressions."""
        return js_literal(self.hours)

    @property
    def nav_js(self) -> str:
        """``[app, URL template]`` of each navigation app (see :mod:`geo.navigation`)."""
        return js_literal([[app, t] for app, t in NAV_TEMPLATES.items()])

    @property
    def statuses_js(self) -> str:
        """Status names in :class:`Status` order."""
        return js_literal([str(s) for s in _STATUSES])

    @property
    def remote_js(self) -> str:
        """Where the page fetches its clusters, or null."""
        return js_literal(self.remote)

    @property
    def report_js(self) -> str:
        """The "report a problem" URL template, or null."""
        return js_literal(self.report_url)

    @property
    def text_js(self) -> str:
        """Popup labels in the layer's language."""
        return js_literal({k: text(k, self.lang) for k in _POPUP_KEYS})


def station_layer(
    stations: Sequence[Station],
    *,
    lang: Lang = "en",
    tiles: TileConfig = NO_TILES,
    now: datetime | None = None,
    tz: str = DEFAULT_TZ,
    report_url: str | None = None,
) -> StationCluster:
    """The clustered stations layer (see :class:`StationCluster`).

    Parameters
    ----------
    stations
        Stations, WGS-84.
    lang
        Language of labels.
    tiles
        Tile source (GCJ-02 tiles shift the markers).
    now
        When "open now" is evaluated; default: now.
    tz
        Time zone of opening hours (the registry's ``tz``).
    report_url
        URL of a "report a problem" link in each popup (``{id}`` = the
        station id), or None for no link.

    Returns
    -------
    StationCluster
        A folium layer, to add to a map.
    """
    return StationCluster(stations, lang=lang, tiles=tiles, now=now, tz=tz, report_url=report_url)


def kind_legend(kinds: Sequence[Kind | str] | None = None, *, lang: Lang = "en") -> Legend:
    """A legend of station kinds: colour, glyph and name.

    Parameters
    ----------
    kinds
        Kinds to list, in :class:`Kind` order; ``None`` lists all.
    lang
        Language of labels.

    Returns
    -------
    Legend
        To add to a map.
    """
    wanted = set(Kind) if kinds is None else {Kind(k) for k in kinds}
    entries = [
        (KIND_STYLES[k].color, KIND_STYLES[k].icon, kind_label(k, lang))
        for k in Kind
        if k in wanted
    ]
    return Legend(text("legend", lang), entries)


class KindFilter(branca.element.MacroElement):
    """A checkbox per station kind present ("driver homes only"): unticking a kind hides
    its stations from the clustered layer (``window.sfStations.setKinds``).

    Parameters
    ----------
    kinds
        The kinds to offer, in :class:`Kind` order.
    lang
        Language of labels.
    """

    _template = branca.element.Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var control = L.control({position: "topright"});
            control.onAdd = function () {
                var div = L.DomUtil.create("div", "sf-kind-filter leaflet-control");
                div.innerHTML = {{ this.html|tojson }};
                L.DomEvent.disableClickPropagation(div);
                div.addEventListener("change", function () {
                    var on = [];
                    div.querySelectorAll("input").forEach(function (i) {
                        if (i.checked) { on.push(i.value); }
                    });
                    if (window.sfStations) { window.sfStations.setKinds(on); }
                });
                return div;
            };
            control.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
        """
    )

    def __init__(self, kinds: Sequence[Kind | str], *, lang: Lang = "en") -> None:
        super().__init__()
        self._name = "KindFilter"
        wanted = {Kind(k) for k in kinds}
        rows = [
            f'<label><input type="checkbox" value="{k.value}" checked> '
            f'<span class="sf-swatch sf-kind-{k.value}">'
            f'<i class="fa-solid fa-{KIND_STYLES[k].icon}"></i></span>'
            f"{html.escape(kind_label(k, lang))}</label>"
            for k in Kind
            if k in wanted
        ]
        self.html = (
            f"<details><summary>{html.escape(text('show_kinds', lang))}</summary>"
            + "".join(rows)
            + "</details>"
        )


def stations_map(
    stations: Sequence[Station],
    *,
    lang: Lang = "en",
    tiles: TileConfig = NO_TILES,
    now: datetime | None = None,
    tz: str = DEFAULT_TZ,
    title: str | None = None,
    clusters_url: str | None = None,
    kinds: Sequence[str] | None = None,
) -> OfflineMap:
    """A map of stations: clustered markers, a legend of kinds, a layer control.

    The view is fitted to the stations.

    Parameters
    ----------
    stations
        Stations, WGS-84.
    lang
        Language of labels.
    tiles
        Tile source.
    now
        When "open now" is evaluated; default: now.
    tz
        Time zone of opening hours.
    title
        Page title; default: a title in ``lang``.
    clusters_url
        When given, the page carries no station and fetches each view's
        clusters from this URL (query string included; see
        :func:`maps.remote.cluster_view`): a served page then downloads only
        what is in view.
    kinds
        The kinds ``stations`` were filtered to (asked again with each view).

    Returns
    -------
    OfflineMap
        The map; render it with :func:`maps.base.render_html`.

    Examples
    --------
    >>> from geo.types import Kind, Station
    >>> m = stations_map([Station("a", "Depot", Kind.DRIVER_HOME, 24.93, 60.165)], lang="zh")
    >>> [c.layer_name for c in m._children.values() if isinstance(c, StationCluster)]
    ['站点']
    """
    import folium

    m = base_map(tiles=tiles, lang=lang, title=title or text("stations_title", lang))
    if clusters_url is None:
        station_layer(stations, lang=lang, tiles=tiles, now=now, tz=tz).add_to(m)
    else:
        remote = {"url": clusters_url, "total": len(stations), "kinds": list(kinds or []) or None}
        StationCluster([], lang=lang, tiles=tiles, now=now, tz=tz, remote=remote).add_to(m)
    present = sorted({Kind(s.kind) for s in stations}, key=_KINDS.index)
    kind_legend(present or None, lang=lang).add_to(m)
    if len(present) > 1:
        KindFilter(present, lang=lang).add_to(m)
    folium.LayerControl(collapsed=True).add_to(m)
    fit_to(m, [s.lon for s in stations], [s.lat for s in stations], tiles=tiles)
    return m


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

    _template = _template("locate_control.html.j2")

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

    Returns
    -------
    OfflineMap
        The map.
    """
    center = (lon, lat) if lat is not None and lon is not None else None
    m = base_map(tiles=tiles, lang=lang, location=center, zoom=zoom)
    station_layer(stations, lang=lang, tiles=tiles, now=now, tz=tz, report_url=report_url).add_to(m)
    present = sorted({Kind(s.kind) for s in stations}, key=_KINDS.index)
    kind_legend(present or None, lang=lang).add_to(m)
    LocateControl(api=api, lang=lang, tiles=tiles, mode=mode, query=query).add_to(m)
    if center is None:
        fit_to(m, [s.lon for s in stations], [s.lat for s in stations], tiles=tiles)
    return m
