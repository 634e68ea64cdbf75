"""What the vector layers of the maps share: column checks, feature collections with ids,
text for values that do not exist, and one named GeoJSON layer with an escaped tooltip.

Every layer of :mod:`maps.coverage`, :mod:`maps.impact` and the demand and
proposal layers is a ``folium.FeatureGroup`` named in the page's language,
holding one ``folium.GeoJson`` whose features carry ids and whose tooltip
escapes every value (:class:`maps.safe_text.SafeGeoJsonTooltip`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import folium
import geopandas as gpd
import shapely

from maps.safe_text import SafeGeoJsonTooltip

__all__ = ["MISSING", "feature_collection", "geojson_group", "or_missing", "require_columns"]

MISSING = "—"
"""Shown where a value does not exist (the layer's note says why)."""


def require_columns(frame: gpd.GeoDataFrame, columns: Sequence[str], what: str) -> None:
    """Raise ``ValueError`` naming the columns ``frame`` lacks (and those it has)."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        have = ", ".join(map(str, frame.columns))
        raise ValueError(f"{what}: missing column(s) {', '.join(missing)}; has {have}")


def feature_collection(
    frame: gpd.GeoDataFrame, ids: Sequence[str], props: dict[str, Sequence[Any]]
) -> dict[str, Any]:
    """A FeatureCollection of ``frame``'s geometries with ``ids`` and the ``props`` columns;
    empty geometries are left out."""
    feats = []
    geoms = frame.geometry.to_numpy()
    for i, (fid, geom) in enumerate(zip(ids, geoms, strict=True)):
        if geom is None or shapely.is_empty(geom):
            continue
        feats.append(
            {
                "type": "Feature",
                "id": str(fid),
                "geometry": shapely.geometry.mapping(geom),
                "properties": {"id": str(fid), **{k: v[i] for k, v in props.items()}},
            }
        )
    return {"type": "FeatureCollection", "features": feats}


def or_missing(value: Any, pattern: str = "{}") -> str:
    """``value`` formatted with ``pattern``, or :data:`MISSING` for None and NaN.

    Examples
    --------
    >>> or_missing(0.1234, "{:.1%}"), or_missing(float("nan"), "{:g}"), or_missing(None)
    ('12.3%', '—', '—')
    """
    return MISSING if value is None or value != value else pattern.format(value)


def geojson_group(
    data: dict[str, Any],
    name: str,
    *,
    style: Callable[[dict[str, Any]], dict[str, Any]],
    tooltip: Sequence[tuple[str, str]],
    marker: Any = None,
    popup: folium.GeoJsonPopup | None = None,
    show: bool = True,
) -> folium.FeatureGroup:
    """One layer: a FeatureGroup named ``name`` holding ``data`` as GeoJSON.

    Parameters
    ----------
    data
        A FeatureCollection (:func:`feature_collection`).
    name
        The layer's name in the page's language (layer control and legend).
    style
        Leaflet path options per feature.
    tooltip
        ``(property, label)`` pairs shown on hover, escaped.
    marker
        How point features are drawn (a folium ``Circle``/``CircleMarker``).
    popup
        A popup on click, or None.
    show
        Whether the layer is on at first.
    """
    group = folium.FeatureGroup(name=name, overlay=True, show=show)
    fields = [f for f, _ in tooltip]
    folium.GeoJson(
        data,
        name=name,
        marker=marker,
        style_function=style,
        tooltip=SafeGeoJsonTooltip(fields, aliases=[label for _, label in tooltip]),
        popup=popup,
    ).add_to(group)
    return group
