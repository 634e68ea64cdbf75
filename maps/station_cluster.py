"""The clustered stations layer: :class:`StationCluster` and :func:`station_layer`.

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

from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from datetime import UTC, datetime
from typing import Any, ClassVar

import numpy as np
from folium.elements import JSCSSMixin
from folium.map import Layer

from geo.clusters import CLUSTER_CELL_PX, CLUSTER_UNTIL_ZOOM
from geo.errors import GeoError
from geo.hours import DEFAULT_TZ, is_open
from geo.navigation import NAV_TEMPLATES, app_coordinates
from geo.types import AMENITIES, Kind, Station, Status
from maps.assets import page_template
from maps.base import NO_TILES, TileConfig, js_literal, to_display
from maps.i18n import Lang, amenity_label, kind_label, text
from maps.style import KIND_STYLES

__all__ = ["KINDS", "StationCluster", "station_layer"]

KINDS = list(Kind)
"""Station kinds in the order pages list them (and the layer numbers them)."""

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
    notes
        Station id → a line the popup shows (a star rating, "temporarily
        closed until …"); its ``sf-note`` element carries it.
    closed_ids
        Stations temporarily closed now: never shown as open now.
    remote
        ``{"url": …, "total": …, "kinds": […] or None}``: the page carries no
        station (``stations`` should be empty) and fetches each view's
        clusters from ``url`` + ``&zoom=&bbox=`` (+ ``&kind=`` per kind shown),
        as :func:`maps.remote.cluster_view` answers.
    """

    _template = page_template("station_cluster.html.j2")

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
        notes: Mapping[str, str] | None = None,
        closed_ids: AbstractSet[str] = frozenset(),
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
        opened = [0 if s.id in closed_ids else o for s, o in zip(stations, opened, strict=True)]
        hours_at = {h: i for i, h in enumerate(hours)}
        self.station_ids: list[str] = [s.id for s in stations]
        self.kinds: list[Kind] = [Kind(s.kind) for s in stations]
        self.open_now: list[int] = opened
        self.data: dict[str, list[Any]] = {
            "id": self.station_ids,
            "name": [s.name for s in stations],
            "k": [KINDS.index(k) for k in self.kinds],
            "x": np.round(x, 7).tolist(),
            "y": np.round(y, 7).tolist(),
            "a": [s.address for s in stations],
            "p": [s.phone for s in stations],
            "m": [sum(_AMENITY_BIT.get(a, 0) for a in s.amenities) for s in stations],
            "h": [hours_at.get(s.opening_hours.strip(), -1) for s in stations],
            "ht": [s.opening_hours_text for s in stations],  # the wording, shown when kept
            "o": opened,
            "s": [_STATUSES.index(Status(s.status)) for s in stations],
            "n": [(notes or {}).get(s.id, "") for s in stations],
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
        return js_literal([[k.value, KIND_STYLES[k].icon, kind_label(k, self.lang)] for k in KINDS])

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
    notes: Mapping[str, str] | None = None,
    closed_ids: AbstractSet[str] = frozenset(),
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
    return StationCluster(
        stations,
        lang=lang,
        tiles=tiles,
        now=now,
        tz=tz,
        report_url=report_url,
        notes=notes,
        closed_ids=closed_ids,
    )
