"""The stations layer, the stations map and the embeddable "locate me" map.

Stations are drawn by :class:`StationCluster`: compact column arrays, binned
in the browser on every map move into a grid of square cells over the view
(:func:`geo.clusters.grid_clusters` is the same binning in Python), with
markers and popups made only for what is on screen (popups only when opened).
A folium ``Marker`` per station would write about 1 kB of JavaScript each,
150 MB for 150,000 stations; the columns take about a tenth of that. A
cluster tree (Leaflet.markercluster) took 11 s to build for 141,005 stations;
one binning pass over the view takes milliseconds.

The layer is :mod:`maps.station_cluster`, the kind legend and filter
:mod:`maps.kinds`, the embeddable map :mod:`maps.embed`; their public names
are importable from here too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from datetime import datetime

from geo.hours import DEFAULT_TZ
from geo.types import Kind, Station
from maps.base import NO_TILES, OfflineMap, TileConfig, base_map, fit_to
from maps.embed import LocateControl, embed_map
from maps.i18n import Lang, text
from maps.kinds import KindFilter, kind_legend
from maps.station_cluster import KINDS, StationCluster, station_layer

__all__ = [
    "KindFilter",
    "LocateControl",
    "StationCluster",
    "embed_map",
    "kind_legend",
    "station_layer",
    "stations_map",
]


def stations_map(
    stations: Sequence[Station],
    *,
    lang: Lang = "en",
    tiles: TileConfig = NO_TILES,
    now: datetime | None = None,
    tz: str = DEFAULT_TZ,
    title: str | None = None,
    notes: Mapping[str, str] | None = None,
    closed_ids: AbstractSet[str] = frozenset(),
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
    notes, closed_ids
        Popup lines per station, and stations temporarily closed (see :class:`StationCluster`).
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
        station_layer(
            stations, lang=lang, tiles=tiles, now=now, tz=tz, notes=notes, closed_ids=closed_ids
        ).add_to(m)
    else:
        remote = {"url": clusters_url, "total": len(stations), "kinds": list(kinds or []) or None}
        StationCluster([], lang=lang, tiles=tiles, now=now, tz=tz, remote=remote).add_to(m)
    present = sorted({Kind(s.kind) for s in stations}, key=KINDS.index)
    kind_legend(present or None, lang=lang).add_to(m)
    if len(present) > 1:
        KindFilter(present, lang=lang).add_to(m)
    folium.LayerControl(collapsed=True).add_to(m)
    fit_to(m, [s.lon for s in stations], [s.lat for s in stations], tiles=tiles)
    return m
