"""The suggestions map: candidate sites, the chosen ones numbered in the order chosen.

``candidates`` is a GeoDataFrame (CRS set) of points with:

* ``order``: 1, 2, … for chosen sites in the order the model picked them;
  0 or missing for candidates not chosen;
* ``gain``: the chosen site's marginal gain (demand newly covered when it is
  added after the ones before it); ignored for candidates not chosen;
* ``candidate_id`` (optional, default: the index) and ``name`` (optional).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.hours import DEFAULT_TZ
from geo.types import Station
from maps.base import (
    NO_TILES,
    Legend,
    OfflineMap,
    TileConfig,
    base_map,
    escape_html,
    frame_to_display,
    safe_tooltip,
    to_display,
)
from maps.i18n import Lang, text
from maps.stations import station_layer
from maps.style import CANDIDATE_COLOR, CHOSEN_COLOR

__all__ = ["suggestion_layers", "suggestions_map", "suggestions_map_from"]


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 10 else f"{value:.2f}".rstrip("0").rstrip(".")


def suggestion_layers(
    candidates: gpd.GeoDataFrame, *, lang: Lang = "en", tiles: TileConfig = NO_TILES
) -> tuple[folium.FeatureGroup, folium.FeatureGroup]:
    """Two layers: candidate sites not chosen, and chosen sites numbered in order.

    Parameters
    ----------
    candidates
        Candidate points (see the module docstring).
    lang
        Language of labels.
    tiles
        Tile source.

    Returns
    -------
    tuple of folium.FeatureGroup
        ``(candidates, chosen)``. Each chosen site is a ``Marker`` whose icon
        shows its order and whose tooltip gives the marginal gain; the others
        are grey ``CircleMarker`` s.

    Raises
    ------
    ValueError
        When ``order`` is missing, or chosen orders are not 1, 2, … n.
    """
    if "order" not in candidates.columns:
        raise ValueError("candidates: missing column order (1, 2, … for chosen sites, 0 if not)")
    frame = frame_to_display(candidates, tiles)
    order = pd.to_numeric(frame["order"], errors="coerce").fillna(0).astype(int).to_numpy()
    chosen = order > 0
    if sorted(order[chosen].tolist()) != list(range(1, int(chosen.sum()) + 1)):
        raise ValueError(f"candidates: chosen orders must be 1 … n once each, got {order[chosen]}")
    if chosen.any() and "gain" not in frame.columns:
        raise ValueError("candidates: missing column gain (marginal gain of each chosen site)")
    ids = frame["candidate_id"] if "candidate_id" in frame.columns else frame.index.to_series()
    names = frame["name"] if "name" in frame.columns else pd.Series([""] * len(frame))
    x = shapely.get_x(frame.geometry.to_numpy())
    y = shapely.get_y(frame.geometry.to_numpy())
    rest = folium.FeatureGroup(name=text("candidates", lang), overlay=True)
    picked = folium.FeatureGroup(name=text("chosen", lang), overlay=True)
    for i in np.flatnonzero(~chosen):
        label = f"{text('candidate', lang)} {ids.iloc[i]}" + (
            f" · {names.iloc[i]}" if names.iloc[i] else ""
        )
        folium.CircleMarker(
            [float(y[i]), float(x[i])],
            radius=5,
            color="#fff",
            weight=1,
            fill=True,
            fill_color=CANDIDATE_COLOR,
            fill_opacity=0.9,
            tooltip=safe_tooltip(label),
        ).add_to(rest)
    for i in sorted(np.flatnonzero(chosen), key=lambda j: order[j]):
        gain = float(frame["gain"].iloc[i])
        name = f" · {names.iloc[i]}" if names.iloc[i] else ""
        tip = f"#{order[i]} {ids.iloc[i]}{name} · {text('gain', lang)}: +{_fmt(gain)}"
        folium.Marker(
            [float(y[i]), float(x[i])],
            icon=folium.DivIcon(
                html=f'<div class="sf-num" data-order="{order[i]}" '
                f'data-id="{escape_html(ids.iloc[i])}">{order[i]}</div>',
                icon_size=(24, 24),
                icon_anchor=(12, 12),
                class_name="sf-icon",
            ),
            tooltip=safe_tooltip(tip),
        ).add_to(picked)
    return rest, picked


def suggestions_map(
    candidates: gpd.GeoDataFrame,
    *,
    stations: Sequence[Station] | None = None,
    lang: Lang = "en",
    tiles: TileConfig = NO_TILES,
    now: datetime | None = None,
    tz: str = DEFAULT_TZ,
) -> OfflineMap:
    """Candidate sites and chosen ones (numbered, with gains), over existing stations.

    Parameters
    ----------
    candidates
        Candidate points (see the module docstring).
    stations
        Existing stations, drawn clustered.
    lang
        Language of labels.
    tiles
        Tile source.
    now, tz
        When and in which time zone "open now" is evaluated in station popups.

    Returns
    -------
    OfflineMap
        With a legend listing the chosen sites in order with their gains.
    """
    m = base_map(tiles=tiles, lang=lang, title=text("suggest_title", lang))
    if stations:
        station_layer(stations, lang=lang, tiles=tiles, now=now, tz=tz).add_to(m)
    rest, picked = suggestion_layers(candidates, lang=lang, tiles=tiles)
    rest.add_to(m)
    picked.add_to(m)
    frame = candidates
    order = pd.to_numeric(frame["order"], errors="coerce").fillna(0).astype(int)
    ids = frame["candidate_id"] if "candidate_id" in frame.columns else frame.index.to_series()
    names = frame["name"] if "name" in frame.columns else ids
    entries = [(CANDIDATE_COLOR, "", text("candidates", lang))]
    for pos in np.argsort(order.to_numpy(), kind="stable"):
        if order.iloc[pos] > 0:
            gain = float(frame["gain"].iloc[pos])
            label = names.iloc[pos] or ids.iloc[pos]
            entries.append((CHOSEN_COLOR, "", f"{order.iloc[pos]}. {label}  +{_fmt(gain)}"))
    Legend(f"{text('suggest_title', lang)} ({text('gain', lang)})", entries).add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    shown = frame_to_display(candidates, tiles)
    if len(shown):
        w, s, e, n = shown.total_bounds
        if stations:
            sx, sy = to_display([st.lon for st in stations], [st.lat for st in stations], tiles)
            w, s, e, n = min(w, sx.min()), min(s, sy.min()), max(e, sx.max()), max(n, sy.max())
        m.fit_bounds([[float(s), float(w)], [float(n), float(e)]], padding=(20, 20), max_zoom=17)
    return m


def suggestions_map_from(
    scored: pd.DataFrame,
    *,
    stations: Sequence[Station] | None = None,
    lang: Lang = "en",
    tiles: TileConfig = NO_TILES,
    tz: str = DEFAULT_TZ,
) -> OfflineMap:
    """The suggestions map from :func:`geo.siting.suggest_sites`' scored candidates
    (``id``, ``name``, ``lon``, ``lat``, ``order``, ``gain``)."""
    cands = gpd.GeoDataFrame(
        scored.rename(columns={"id": "candidate_id"}),
        geometry=gpd.points_from_xy(scored["lon"], scored["lat"]),
        crs=4326,
    )
    return suggestions_map(cands, stations=stations, lang=lang, tiles=tiles, tz=tz)
