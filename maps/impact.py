"""The station impact layer: one circle per open station, sized by what closing it would lose.

Built from :class:`geo.impact.StationImpact`'s table as a point frame
(:func:`impact_frame`). A station whose closing loses coverage is a vermillion
disc whose area grows with the demand share it alone covers (the street share
without demand); one whose closing loses nothing is a small grey ring, so a
planner sees both at a glance. Features carry ids ``impact-<station_id>``.
"""

from __future__ import annotations

import math
from typing import Any

import folium
import geopandas as gpd
import shapely

from maps.base import NO_TILES, TileConfig, frame_to_display
from maps.i18n import Lang, text
from maps.layers import geojson_group, or_missing, require_columns

__all__ = ["IMPACT_COLORS", "impact_frame", "impact_layer", "impact_legend", "impact_radius_px"]

IMPACT_COLORS = {"loses": "#D55E00", "nothing": "#777777"}
"""Okabe–Ito vermillion for stations whose closing loses coverage, grey for the rest."""


def impact_radius_px(share: float, largest: float) -> float:
    """Circle radius in pixels: 6 px, plus up to 18 px whose square grows with ``share``.

    Examples
    --------
    >>> impact_radius_px(0.0, 0.04), impact_radius_px(0.04, 0.04), impact_radius_px(0.01, 0.04)
    (6.0, 24.0, 15.0)
    """
    if largest <= 0 or share <= 0:
        return 6.0
    return round(6.0 + 18.0 * math.sqrt(min(share / largest, 1.0)), 2)


def impact_frame(result: Any) -> gpd.GeoDataFrame:
    """A :class:`geo.impact.StationImpact`'s table as WGS-84 points, for :func:`impact_layer`."""
    t = result.table
    return gpd.GeoDataFrame(t, geometry=gpd.points_from_xy(t["lon"], t["lat"]), crs=4326)


def impact_layer(
    impact: gpd.GeoDataFrame, *, lang: Lang = "en", tiles: TileConfig = NO_TILES
) -> folium.FeatureGroup:
    """Open stations sized by the coverage only they give, grey where closing loses nothing.

    Parameters
    ----------
    impact
        Points with ``station_id``, ``rank``, ``only_demand``,
        ``loss_demand_share``, ``loss_street_share`` and ``loses_nothing``
        (:func:`impact_frame`).
    lang
        Language of labels.
    tiles
        Tile source.

    Returns
    -------
    folium.FeatureGroup
        Named "Station impact" (in ``lang``); features in rank order, each
        with ``radius`` (pixels), ``color`` and the figures as text.
    """
    need = ["station_id", "rank", "only_demand", "loss_demand_share", "loss_street_share",
            "loses_nothing"]  # fmt: skip
    require_columns(impact, need, "impact")
    frame = frame_to_display(impact, tiles).sort_values("rank", kind="stable")
    demand = frame["loss_demand_share"].notna().any()
    measure = (frame["loss_demand_share"] if demand else frame["loss_street_share"]).astype(float)
    largest = float(measure.fillna(0).max()) if len(frame) else 0.0
    feats = []
    ranks = frame["rank"].to_numpy(dtype=int)
    for row, rank, share, geom in zip(
        frame.itertuples(), ranks, measure.fillna(0), frame.geometry, strict=True
    ):  # one feature per station
        nothing = bool(row.loses_nothing)
        fid = f"impact-{row.station_id}"
        feats.append(
            {
                "type": "Feature",
                "id": fid,
                "geometry": shapely.geometry.mapping(geom),
                "properties": {
                    "id": fid,
                    "station_id": str(row.station_id),
                    "rank": int(rank),
                    "only": or_missing(row.only_demand, "{:g}"),
                    "loss": or_missing(
                        row.loss_demand_share if demand else row.loss_street_share, "{:.1%}"
                    ),
                    "verdict": text("loses_nothing" if nothing else "loses_coverage", lang),
                    "radius": 6.0 if nothing else impact_radius_px(float(share), largest),
                    "color": IMPACT_COLORS["nothing" if nothing else "loses"],
                    "fill": 0.0 if nothing else 0.55,
                },
            }
        )
    loss_label = text("loss_demand" if demand else "loss_streets", lang)
    return geojson_group(
        {"type": "FeatureCollection", "features": feats},
        text("impact", lang),
        marker=folium.CircleMarker(radius=6, weight=2, fill=True),
        style=lambda f: {
            "radius": f["properties"]["radius"],
            "color": f["properties"]["color"],
            "fillColor": f["properties"]["color"],
            "fillOpacity": f["properties"]["fill"],
            "dashArray": "3 3" if f["properties"]["fill"] == 0 else None,
        },
        tooltip=[
            ("station_id", text("stations", lang)),
            ("rank", text("rank", lang)),
            ("only", text("only_it", lang)),
            ("loss", loss_label),
            ("verdict", ""),
        ],
    )


def impact_legend(lang: Lang) -> list[tuple[str, str, str]]:
    """The layer's legend rows: closing loses coverage, closing loses nothing."""
    return [
        (IMPACT_COLORS["loses"], "", text("loses_coverage", lang)),
        (IMPACT_COLORS["nothing"], "", text("loses_nothing", lang)),
    ]
