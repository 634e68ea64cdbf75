"""The coverage layers: service circles, walking areas, coverage cells and gaps.

Their frames and feature ids are described in :mod:`maps.coverage`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import folium
import geopandas as gpd
import numpy as np

from maps.base import NO_TILES, TileConfig, frame_to_display
from maps.i18n import Lang, text
from maps.layers import feature_collection, geojson_group, or_missing, require_columns
from maps.style import CIRCLE_COLOR, COVERAGE_COLORS, GAP_COLOR, WALK_COLOR, coverage_class

__all__ = ["cell_layer", "circle_layer", "gap_layer", "walk_area_layer"]


def circle_layer(
    circles: gpd.GeoDataFrame,
    *,
    radius_m: float = 1000.0,
    lang: Lang = "en",
    tiles: TileConfig = NO_TILES,
) -> folium.FeatureGroup:
    """Service circles of ``radius_m`` metres around stations.

    Parameters
    ----------
    circles
        Station points with ``station_id``.
    radius_m
        Circle radius in metres.
    lang
        Language of labels.
    tiles
        Tile source.

    Returns
    -------
    folium.FeatureGroup
        Named "1 km service circles" (in ``lang``), holding one ``GeoJson``.
    """
    require_columns(circles, ["station_id"], "circles")
    if not radius_m > 0:
        raise ValueError(f"radius_m={radius_m!r} must be > 0")
    frame = frame_to_display(circles, tiles)
    ids = [f"circle-{s}" for s in frame["station_id"]]
    data = feature_collection(frame, ids, {"station_id": [str(s) for s in frame["station_id"]]})
    # Off at first: overlapping 1 km circles hide the cells beneath; the layer control shows them.
    return geojson_group(
        data,
        text("circles", lang),
        marker=folium.Circle(
            radius=float(radius_m), color=CIRCLE_COLOR, weight=1, fill=True, fill_opacity=0.08
        ),
        style=lambda _f: {},
        tooltip=[("station_id", text("stations", lang))],
        show=False,
    )


def reach_areas_name(minutes: float, mode_label: str | None, lang: Lang = "en") -> str:
    """The name of the reach-area layer: "15-minute walking areas", or the mode's reach.

    Examples
    --------
    >>> reach_areas_name(15, None), reach_areas_name(10, "by e-bike")
    ('15-minute walking areas', '10-minute reach by e-bike')
    >>> reach_areas_name(5, None, "zh")
    '5分钟步行范围'
    >>> reach_areas_name(15, "电动自行车", "zh")
    '电动自行车15分钟可达范围'
    """
    if mode_label is None:
        return text("walk_areas_in", lang).format(m=minutes)
    return text("reach_areas", lang).format(m=minutes, mode=mode_label)


def walk_area_layer(
    walk_areas: gpd.GeoDataFrame,
    *,
    lang: Lang = "en",
    tiles: TileConfig = NO_TILES,
    name: str | None = None,
) -> folium.FeatureGroup:
    """The areas each station reaches in the time limit (15 minutes on foot by default), one
    polygon per station.

    Parameters
    ----------
    walk_areas
        Polygons with ``station_id``.
    lang
        Language of labels.
    tiles
        Tile source.
    name
        The layer's name (:func:`reach_areas_name`); default "15-minute walking areas".

    Returns
    -------
    folium.FeatureGroup
        Named ``name`` (in ``lang``).
    """
    require_columns(walk_areas, ["station_id"], "walk_areas")
    frame = frame_to_display(walk_areas, tiles)
    ids = [f"walk-{s}" for s in frame["station_id"]]
    data = feature_collection(frame, ids, {"station_id": [str(s) for s in frame["station_id"]]})
    return geojson_group(
        data,
        name or text("walk_areas", lang),
        style=lambda _f: {
            "color": WALK_COLOR,
            "weight": 1,
            "fillColor": WALK_COLOR,
            "fillOpacity": 0.12,
        },
        tooltip=[("station_id", text("stations", lang))],
        show=False,
    )


def cell_layer(
    cells: gpd.GeoDataFrame, *, lang: Lang = "en", tiles: TileConfig = NO_TILES
) -> folium.FeatureGroup:
    """Hexagon cells coloured not covered / covered once / covered twice or more.

    Parameters
    ----------
    cells
        Polygons with ``count`` (and optionally ``cell_id``).
    lang
        Language of labels.
    tiles
        Tile source.

    Returns
    -------
    folium.FeatureGroup
        Named "Coverage cells" (in ``lang``); each feature has ``count`` and
        ``coverage`` (its class) in its properties.
    """
    require_columns(cells, ["count"], "cells")
    frame = frame_to_display(cells, tiles)
    counts = frame["count"].to_numpy()
    if len(counts) and (np.isnan(counts.astype(float)).any() or (counts < 0).any()):
        raise ValueError("cells: count must be a whole number ≥ 0 in every row")
    cell_ids = frame["cell_id"] if "cell_id" in frame.columns else frame.index
    classes = [coverage_class(int(c)) for c in counts]
    data = feature_collection(
        frame,
        [f"cell-{c}" for c in cell_ids],
        {
            "count": [int(c) for c in counts],
            "coverage": classes,
            "label": [text(c, lang) for c in classes],
        },
    )
    return geojson_group(
        data,
        text("cells", lang),
        style=lambda f: {
            "color": COVERAGE_COLORS[f["properties"]["coverage"]],
            "weight": 0.5,
            "fillColor": COVERAGE_COLORS[f["properties"]["coverage"]],
            "fillOpacity": 0.35,
        },
        tooltip=[("label", text("cells", lang)), ("count", "n")],
    )


def gap_layer(
    gaps: gpd.GeoDataFrame, *, lang: Lang = "en", tiles: TileConfig = NO_TILES
) -> folium.FeatureGroup:
    """Coverage gaps with their rank, demand and area.

    Parameters
    ----------
    gaps
        Polygons with ``rank``, ``demand`` and ``area_m2``.
    lang
        Language of labels.
    tiles
        Tile source.

    Returns
    -------
    folium.FeatureGroup
        Named "Coverage gaps" (in ``lang``); features ordered by rank. Frames
        from :func:`geo.gaps.gap_pieces` also get a popup with each piece's
        width, district, walk to the nearest station, best site and its gain.
    """
    require_columns(gaps, ["rank", "demand", "area_m2"], "gaps")
    frame = frame_to_display(gaps, tiles).sort_values("rank", kind="stable")
    ranks = [int(r) for r in frame["rank"]]
    props: dict[str, Sequence[Any]] = {
        "rank": ranks,
        "demand": [round(float(d), 1) for d in frame["demand"]],
        "area_m2": [round(float(a)) for a in frame["area_m2"]],
        "area": [f"{float(a) / 1e6:.2f} km²" for a in frame["area_m2"]],
    }
    # The pieces of geo.gaps carry more: shown in a popup, "—" where a value does not
    # exist (the note says why).
    extra = {
        "across": ("diameter_m", "{:.0f} m"),
        "district": ("district", "{}"),
        "walk_to_nearest": ("nearest_walk_s", "{:.1f} min"),
        "best_site": ("site_id", "{}"),
        "site_gain": ("site_gain", "{:g}"),
        "note": ("note", "{}"),
    }
    shown = {k: v for k, v in extra.items() if v[0] in frame.columns}
    for key, (col, pattern) in shown.items():
        values = frame[col].to_numpy(dtype=object)
        if col == "nearest_walk_s":
            values = [None if v is None or v != v else float(v) / 60 for v in values]
        props[key] = [or_missing(v, pattern) for v in values]
    data = feature_collection(frame, [f"gap-{r}" for r in ranks], props)
    popup = None
    if shown:
        fields = ["rank", "demand", "area", *shown]
        popup = folium.GeoJsonPopup(fields, aliases=[text(f, lang) for f in fields])
    return geojson_group(
        data,
        text("gaps", lang),
        style=lambda _f: {
            "color": GAP_COLOR,
            "weight": 2,
            "dashArray": "4 3",
            "fillColor": GAP_COLOR,
            "fillOpacity": 0.25,
        },
        tooltip=[(f, text(f, lang)) for f in ("rank", "demand", "area")],
        popup=popup,
    )
