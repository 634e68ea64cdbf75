"""The accessibility layer: hexagons coloured by E2SFCA score (capacity per person).

Five classes from "no capacity in reach" to the best-served; hexagons whose
demand-weighted score is below the planner's threshold carry a dashed edge.
Every feature has ``cell``, ``score``, ``demand``, ``share_below`` and
``access_class`` in its properties, so tests and pages can count them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import folium
import geopandas as gpd
import numpy as np
import shapely

from geo.hours import DEFAULT_TZ
from geo.network import StreetNetwork
from geo.types import Station
from maps.base import NO_TILES, Legend, OfflineMap, TileConfig, base_map, fit_to, frame_to_display
from maps.i18n import Lang, text
from maps.stations import station_layer
from maps.tiles import add_street_layer

__all__ = ["ACCESS_COLORS", "access_classes", "access_layer", "access_map"]

ACCESS_COLORS: tuple[str, ...] = ("#d7191c", "#fdae61", "#ffffbf", "#a6d96a", "#1a9641")
"""Class colours, worst to best (ColorBrewer RdYlGn, colour-blind safe at five classes)."""


def access_classes(score: Sequence[float] | np.ndarray) -> tuple[np.ndarray, list[float]]:
    """Class 0 for a score of 0 (nothing in reach); classes 1–4 by quartiles of the rest.

    Returns the class of each score and the class edges (the quartiles).
    """
    s = np.asarray(score, dtype=float)
    positive = s[s > 0]
    edges = np.quantile(positive, [0.25, 0.5, 0.75]).tolist() if positive.size else []
    cls = np.where(s > 0, 1 + np.searchsorted(np.asarray(edges), s, side="right"), 0)
    return np.minimum(cls, 4), edges


def access_layer(
    hexagons: gpd.GeoDataFrame,
    *,
    threshold: float | None = None,
    lang: Lang = "en",
    tiles: TileConfig = NO_TILES,
) -> folium.FeatureGroup:
    """Hexagons (``cell``, ``score``, ``demand``, ``share_below``) coloured by score class."""
    missing = [c for c in ("cell", "score", "demand") if c not in hexagons.columns]
    if missing:
        raise ValueError(f"hexagons: missing column(s) {', '.join(missing)}")
    frame = frame_to_display(hexagons, tiles)
    cls, _ = access_classes(frame["score"].to_numpy(float))
    below = (
        frame["score"].to_numpy(float) < threshold
        if threshold is not None
        else np.zeros(len(frame), dtype=bool)
    )
    features = []
    for i, geom in enumerate(frame.geometry.to_numpy()):
        features.append(
            {
                "type": "Feature",
                "id": f"hex-{frame['cell'].iloc[i]}",
                "geometry": shapely.geometry.mapping(geom),
                "properties": {
                    "cell": str(frame["cell"].iloc[i]),
                    "score": round(float(frame["score"].iloc[i]), 6),
                    "demand": round(float(frame["demand"].iloc[i]), 3),
                    "access_class": int(cls[i]),
                    "below": bool(below[i]),
                },
            }
        )
    group = folium.FeatureGroup(name=text("access", lang), overlay=True)
    folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        name=text("access", lang),
        style_function=lambda f: {
            "color": "#333333"
            if f["properties"]["below"]
            else ACCESS_COLORS[f["properties"]["access_class"]],
            "weight": 2 if f["properties"]["below"] else 0.5,
            "dashArray": "4 3" if f["properties"]["below"] else None,
            "fillColor": ACCESS_COLORS[f["properties"]["access_class"]],
            "fillOpacity": 0.55,
        },
        tooltip=folium.GeoJsonTooltip(
            ["score", "demand"], aliases=[text("access_score", lang), text("demand", lang)]
        ),
    ).add_to(group)
    return group


def access_map(
    hexagons: gpd.GeoDataFrame,
    *,
    stations: Sequence[Station] = (),
    threshold: float | None = None,
    lang: Lang = "en",
    tiles: TileConfig = NO_TILES,
    now: datetime | None = None,
    tz: str = DEFAULT_TZ,
    streets: StreetNetwork | None = None,
) -> OfflineMap:
    """A page with the accessibility hexagons, the stations on top, a legend and a layer control.

    ``streets`` draws the network's streets inline (for standalone files, which have
    no tile server); they are added before the layer control, which lists them.
    """
    m = base_map(tiles=tiles, lang=lang, title=text("access_title", lang))
    # Without a tile layer (standalone files) Leaflet has no maxZoom, and the
    # station cluster layer refuses to start: give the map one.
    m.options.setdefault("max_zoom", tiles.max_zoom)
    access_layer(hexagons, threshold=threshold, lang=lang, tiles=tiles).add_to(m)
    _, edges = access_classes(hexagons["score"].to_numpy(float))
    labels = [text("access_none", lang)] + [
        f"{lo:.3g}–{hi:.3g}" if np.isfinite(hi) else f"≥ {lo:.3g}"
        for lo, hi in zip([0.0, *edges], [*edges, np.inf], strict=True)
    ]
    entries = [(c, "", label) for c, label in zip(ACCESS_COLORS, labels, strict=False)]
    if threshold is not None:
        entries.append(("#333333", "", f"{text('access_below', lang)} {threshold:g}"))
    Legend(text("access_title", lang), entries).add_to(m)
    if stations:
        station_layer(stations, lang=lang, tiles=tiles, now=now, tz=tz).add_to(m)
    if streets is not None:
        add_street_layer(m, streets, lang=lang, tiles=tiles)
    folium.LayerControl(collapsed=False).add_to(m)
    if len(hexagons):
        west, south, east, north = hexagons.to_crs(4326).total_bounds
        fit_to(m, [west, east], [south, north], tiles=tiles)
    return m
