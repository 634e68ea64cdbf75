"""Worker demand on the coverage map: a heat layer of points, or hexagons by quantile class
(so a city's demand never saturates into one colour), and riders' proposed sites."""

from __future__ import annotations

import math

import folium
import geopandas as gpd
import numpy as np
import shapely
from folium.plugins import HeatMap

from geo.demand_grid import quantile_breaks, quantile_class
from maps.base import NO_TILES, TileConfig, frame_to_display
from maps.i18n import Lang, text
from maps.layers import feature_collection, geojson_group, require_columns
from maps.style import DEMAND_COLORS, PROPOSAL_COLOR

__all__ = ["demand_cell_layer", "demand_layer", "proposal_layer", "proposal_radius_px"]


def demand_layer(
    demand: gpd.GeoDataFrame, *, lang: Lang = "en", tiles: TileConfig = NO_TILES
) -> HeatMap:
    """A heat layer of worker demand (Leaflet.heat).

    Parameters
    ----------
    demand
        Points with ``weight``.
    lang
        Language of labels.
    tiles
        Tile source.

    Returns
    -------
    folium.plugins.HeatMap
        Named "Worker demand" (in ``lang``); a layer of its own.
    """
    require_columns(demand, ["weight"], "demand")
    frame = frame_to_display(demand, tiles)
    x = shapely.get_x(frame.geometry.to_numpy())
    y = shapely.get_y(frame.geometry.to_numpy())
    w = frame["weight"].to_numpy(dtype=float)
    ok = np.isfinite(x) & np.isfinite(y) & np.isfinite(w) & (w > 0)
    rows = np.column_stack([y[ok], x[ok], w[ok] / (w[ok].max() if ok.any() else 1.0)])
    return HeatMap(
        np.round(rows, 6).tolist(),
        name=text("heat", lang),
        radius=20,
        blur=15,
        min_opacity=0.3,
        show=False,
    )


def _fmt_demand(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 else f"{value:.2g}"


def demand_cell_layer(
    cells: gpd.GeoDataFrame, *, lang: Lang = "en", tiles: TileConfig = NO_TILES
) -> tuple[folium.FeatureGroup, list[tuple[str, str, str]]]:
    """Demand per hexagon, coloured by quantile class (it never saturates into one colour).

    Parameters
    ----------
    cells
        Polygons with ``demand`` (weight inside each) and optionally ``cell_id``;
        cells without demand are left out.
    lang
        Language of labels.
    tiles
        Tile source.

    Returns
    -------
    tuple
        The layer (named "Worker demand per hexagon", off at first; each feature
        has ``demand`` and ``demand_class``), and its legend rows, lowest class
        first, each labelled with its range of demand.
    """
    require_columns(cells, ["demand"], "demand cells")
    frame = frame_to_display(cells, tiles)
    demand = frame["demand"].to_numpy(dtype=float)
    breaks = quantile_breaks(demand, classes=len(DEMAND_COLORS))
    classes = quantile_class(demand, breaks)
    # With fewer distinct breaks than colours, spread the classes over the whole ramp.
    ramp = np.linspace(0, len(DEMAND_COLORS) - 1, max(breaks.size, 1)).round().astype(int)
    keep = classes >= 0
    frame = frame[keep]
    cell_ids = frame["cell_id"] if "cell_id" in frame.columns else frame.index
    data = feature_collection(
        frame,
        [f"demand-{c}" for c in cell_ids],
        {
            "demand": [round(float(d), 2) for d in demand[keep]],
            "demand_class": [int(c) for c in classes[keep]],
            "color": [DEMAND_COLORS[ramp[c]] for c in classes[keep]],
        },
    )
    group = geojson_group(
        data,
        text("demand_cells", lang),
        style=lambda f: {
            "color": f["properties"]["color"],
            "weight": 0.5,
            "fillColor": f["properties"]["color"],
            "fillOpacity": 0.6,
        },
        tooltip=[("demand", text("demand", lang))],
        show=False,
    )
    lows = np.concatenate([[0.0], breaks[:-1]])
    entries = [
        (DEMAND_COLORS[ramp[i]], "", f"{_fmt_demand(lo)} – {_fmt_demand(hi)}")
        for i, (lo, hi) in enumerate(zip(lows, breaks, strict=True))
    ]
    return group, entries


def proposal_radius_px(proposers: int) -> float:
    """Circle radius in pixels for a group of ``proposers``: its area grows with the count.

    Examples
    --------
    >>> proposal_radius_px(1), proposal_radius_px(4)
    (8.0, 16.0)
    """
    return round(8.0 * math.sqrt(max(int(proposers), 1)), 2)


def proposal_layer(
    groups: gpd.GeoDataFrame, *, lang: Lang = "en", tiles: TileConfig = NO_TILES
) -> folium.FeatureGroup:
    """Riders' proposals for new stations, one circle per group, sized by proposer count.

    Parameters
    ----------
    groups
        Group centroids with ``group_id`` and ``proposers`` (and optionally
        ``gain``), as :class:`geo.feedback.ProposalGroup` gives them.
    lang
        Language of labels.
    tiles
        Tile source.

    Returns
    -------
    folium.FeatureGroup
        Named "Proposed sites" (in ``lang``); each feature has ``proposers``,
        ``gain`` and ``radius`` (pixels, :func:`proposal_radius_px`).
    """
    require_columns(groups, ["group_id", "proposers"], "proposals")
    frame = frame_to_display(groups, tiles)
    counts = [int(p) for p in frame["proposers"]]
    if any(c < 1 for c in counts):
        raise ValueError("proposals: proposers must be ≥ 1 in every row")
    gains = frame["gain"].tolist() if "gain" in frame.columns else [None] * len(frame)
    data = feature_collection(
        frame,
        [f"proposal-{g}" for g in frame["group_id"]],
        {
            "proposers": counts,
            "gain": [None if g is None or g != g else round(float(g), 1) for g in gains],
            "radius": [proposal_radius_px(c) for c in counts],
        },
    )
    return geojson_group(
        data,
        text("proposals", lang),
        marker=folium.CircleMarker(radius=8, weight=2, fill=True, fill_opacity=0.45),
        style=lambda f: {
            "radius": f["properties"]["radius"],
            "color": PROPOSAL_COLOR,
            "fillColor": PROPOSAL_COLOR,
        },
        tooltip=[("proposers", text("proposers", lang)), ("gain", text("gain", lang))],
    )
