"""Web maps of stations, coverage and suggested sites (folium, with vendored assets).

Builders take :mod:`geo` results and return folium objects; they never save or
serve. :func:`render_html` gives a page that links the assets under
:data:`STATIC_URL`; :func:`write_standalone` writes a file with every asset
inlined, for use with no network.
"""

from maps.base import (
    AMAP_TILES,
    NO_TILES,
    OSM_TILES,
    STATIC_DIR,
    STATIC_URL,
    Legend,
    OfflineMap,
    TileConfig,
    UnknownAssetError,
    base_map,
    fit_to,
    frame_to_display,
    localize,
    render_html,
    to_display,
    write_standalone,
)
from maps.coverage import (
    cell_layer,
    circle_layer,
    coverage_map,
    coverage_map_from,
    demand_layer,
    gap_layer,
    proposal_layer,
    walk_area_layer,
)
from maps.i18n import LANGS, Lang, parse_lang
from maps.siting import suggestion_layers, suggestions_map, suggestions_map_from
from maps.stations import (
    LocateControl,
    StationCluster,
    embed_map,
    kind_legend,
    station_layer,
    stations_map,
)

__all__ = [
    "AMAP_TILES",
    "LANGS",
    "NO_TILES",
    "OSM_TILES",
    "STATIC_DIR",
    "STATIC_URL",
    "Lang",
    "Legend",
    "LocateControl",
    "OfflineMap",
    "StationCluster",
    "TileConfig",
    "UnknownAssetError",
    "base_map",
    "cell_layer",
    "circle_layer",
    "coverage_map",
    "coverage_map_from",
    "demand_layer",
    "embed_map",
    "fit_to",
    "frame_to_display",
    "gap_layer",
    "kind_legend",
    "localize",
    "parse_lang",
    "proposal_layer",
    "render_html",
    "station_layer",
    "stations_map",
    "suggestion_layers",
    "suggestions_map",
    "suggestions_map_from",
    "to_display",
    "walk_area_layer",
    "write_standalone",
]
