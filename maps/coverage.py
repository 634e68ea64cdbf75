"""The coverage map: service circles, walking areas, coverage cells, gaps and demand.

Each layer is built from a GeoDataFrame (any CRS, which must be set; drawn in
WGS-84, or shifted into GCJ-02 for GCJ-02 tiles) with these columns:

============  ==================  ===============================================
layer         geometry            columns
============  ==================  ===============================================
circles       Point (a station)   ``station_id``; the radius is ``radius_m``
walk areas    (Multi)Polygon      ``station_id``
cells         Polygon (hexagon)   ``count``: stations reaching the cell (0, 1, 2+);
                                  ``cell_id`` optional (default: the index)
gaps          (Multi)Polygon      ``rank`` (1 = hits most workers), ``demand``,
                                  ``area_m2``
demand        Point               ``weight`` (workers, trips … ≥ 0)
proposals     Point (a group's    ``group_id``, ``proposers`` (≥ 1); ``gain``
              centroid)           optional (demand it would newly cover)
============  ==================  ===============================================

Every polygon layer is a ``folium.GeoJson`` whose features carry ids
(``walk-<station_id>``, ``cell-<cell_id>``, ``gap-<rank>``, ``circle-<station_id>``,
``proposal-<group_id>``),
inside a ``FeatureGroup`` named in the page's language; a layer control
switches them. The layers are built in :mod:`maps.coverage_layers` and
:mod:`maps.demand_layers` (importable from here too); this module puts them on one map.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import folium
import geopandas as gpd
import numpy as np

from geo.demand_grid import demand_per_cell
from geo.hours import DEFAULT_TZ
from geo.types import Kind, Station
from maps.base import (
    NO_TILES,
    Legend,
    OfflineMap,
    TileConfig,
    base_map,
    frame_to_display,
    to_display,
)
from maps.coverage_layers import (
    cell_layer,
    circle_layer,
    gap_layer,
    reach_areas_name,
    walk_area_layer,
)
from maps.demand_layers import demand_cell_layer, demand_layer, proposal_layer, proposal_radius_px
from maps.figures import FiguresPanel
from maps.i18n import Lang, kind_label, text
from maps.impact import impact_frame, impact_layer, impact_legend
from maps.stations import KindFilter, station_layer
from maps.style import (
    CIRCLE_COLOR,
    COVERAGE_COLORS,
    GAP_COLOR,
    KIND_STYLES,
    PROPOSAL_COLOR,
    WALK_COLOR,
)

__all__ = [
    "cell_layer",
    "circle_layer",
    "coverage_map",
    "coverage_map_from",
    "demand_cell_layer",
    "demand_layer",
    "gap_layer",
    "proposal_layer",
    "proposal_radius_px",
    "walk_area_layer",
]


def coverage_map(
    *,
    circles: gpd.GeoDataFrame | None = None,
    walk_areas: gpd.GeoDataFrame | None = None,
    cells: gpd.GeoDataFrame | None = None,
    gaps: gpd.GeoDataFrame | None = None,
    demand: gpd.GeoDataFrame | None = None,
    stations: Sequence[Station] | None = None,
    proposals: gpd.GeoDataFrame | None = None,
    impact: gpd.GeoDataFrame | None = None,
    demand_cells: gpd.GeoDataFrame | None = None,
    figures: Mapping[str, Any] | None = None,
    at: datetime | None = None,
    radius_m: float = 1000.0,
    lang: Lang = "en",
    tiles: TileConfig = NO_TILES,
    now: datetime | None = None,
    tz: str = DEFAULT_TZ,
    mode_label: str | None = None,
) -> OfflineMap:
    """The planner's coverage map: the layers that are given, a legend of every one of them,
    a layer control, and a figures panel.

    Parameters
    ----------
    circles, walk_areas, cells, gaps, demand
        The layers' frames (see the module docstring); ``None`` leaves one out.
    stations
        Stations to show on top, clustered.
    proposals
        Riders' proposal groups (see the module docstring), or None.
    impact
        Station impact points (:func:`maps.impact.impact_frame`), or None.
    demand_cells
        Hexagons with the ``demand`` inside each (:func:`demand_cell_layer`);
        drawn instead of the heat layer of ``demand`` when given.
    figures
        The coverage figures (:meth:`geo.coverage.CoverageReport.to_dict`) for
        the figures panel; None leaves the panel out.
    at
        When the stations were counted open (shown with the figures).
    radius_m
        Radius of the service circles, metres.
    lang
        Language of labels.
    tiles
        Tile source.
    now, tz
        When and in which time zone "open now" is evaluated in station popups.

    Returns
    -------
    OfflineMap
        Fitted to everything drawn.
    """
    title = text("coverage_title", lang) + (f" · {mode_label}" if mode_label else "")
    m = base_map(tiles=tiles, lang=lang, title=title)
    frames: list[gpd.GeoDataFrame] = []
    entries: list[tuple[str, str, str]] = []
    if cells is not None and len(cells):  # an empty layer draws nothing
        cell_layer(cells, lang=lang, tiles=tiles).add_to(m)
        frames.append(cells)
        entries += [(COVERAGE_COLORS[c], "", text(c, lang)) for c in COVERAGE_COLORS]
    if walk_areas is not None and len(walk_areas):
        minutes = float((figures or {}).get("minutes") or 15)
        areas_name = reach_areas_name(minutes, mode_label, lang)
        walk_area_layer(walk_areas, lang=lang, tiles=tiles, name=areas_name).add_to(m)
        frames.append(walk_areas)
        entries.append((WALK_COLOR, "", areas_name))
    if circles is not None and len(circles):
        circle_layer(circles, radius_m=radius_m, lang=lang, tiles=tiles).add_to(m)
        frames.append(circles)
        entries.append((CIRCLE_COLOR, "", text("circles", lang)))
    if gaps is not None and len(gaps):
        gap_layer(gaps, lang=lang, tiles=tiles).add_to(m)
        frames.append(gaps)
        entries.append((GAP_COLOR, "", text("gaps", lang)))
    demand_entries: list[tuple[str, str, str]] = []
    if demand_cells is not None and len(demand_cells):
        layer, demand_entries = demand_cell_layer(demand_cells, lang=lang, tiles=tiles)
        layer.add_to(m)
    elif demand is not None and len(demand):
        demand_layer(demand, lang=lang, tiles=tiles).add_to(m)
        frames.append(demand)
        entries.append(("#E69F00", "", text("heat", lang)))
    if proposals is not None and len(proposals):
        proposal_layer(proposals, lang=lang, tiles=tiles).add_to(m)
        frames.append(proposals)
        entries.append((PROPOSAL_COLOR, "", text("proposals", lang)))
    if impact is not None and len(impact):
        impact_layer(impact, lang=lang, tiles=tiles).add_to(m)
        entries += impact_legend(lang)
    if stations:
        station_layer(stations, lang=lang, tiles=tiles, now=now, tz=tz).add_to(m)
        present = {Kind(s.kind) for s in stations}
        if len(present) > 1:
            KindFilter(sorted(present, key=list(Kind).index), lang=lang).add_to(m)
        entries += [
            (KIND_STYLES[k].color, KIND_STYLES[k].icon, kind_label(k, lang))
            for k in Kind
            if k in present
        ]
    if entries or demand_entries:
        sections = [(text("demand_scale", lang), demand_entries)] if demand_entries else []
        Legend(title, entries, sections=sections).add_to(m)
    if figures is not None:
        FiguresPanel(figures, at=at, lang=lang).add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    _fit_frames(m, frames, stations or [], tiles)
    return m


def _fit_frames(
    m: folium.Map,
    frames: Sequence[gpd.GeoDataFrame],
    stations: Sequence[Station],
    tiles: TileConfig,
) -> None:
    boxes = [frame_to_display(f, tiles).total_bounds for f in frames if len(f)]
    if stations:
        x, y = to_display([s.lon for s in stations], [s.lat for s in stations], tiles)
        boxes.append(np.array([x.min(), y.min(), x.max(), y.max()]))
    boxes = [b for b in boxes if np.isfinite(b).all()]
    if not boxes:
        return
    b = np.vstack(boxes)
    west, south = float(b[:, 0].min()), float(b[:, 1].min())
    east, north = float(b[:, 2].max()), float(b[:, 3].max())
    m.fit_bounds(
        [[south, west], [north, east]],
        padding=(20, 20),
        max_zoom=17,
    )


def coverage_map_from(
    report: Any,
    *,
    gaps: gpd.GeoDataFrame | None,
    walk_areas: gpd.GeoDataFrame | None,
    stations: Sequence[Station],
    demand: Any | None = None,
    proposals: Sequence[Any] | None = None,
    impact: Any | None = None,
    at: datetime | None = None,
    lang: Lang = "en",
    tiles: TileConfig = NO_TILES,
    tz: str = DEFAULT_TZ,
    mode_label: str | None = None,
) -> OfflineMap:
    """The coverage map from the engine's results, with the report's figures beside it.

    Parameters
    ----------
    report
        A :class:`geo.coverage.CoverageReport` made with ``keep_cells=True``.
    gaps, walk_areas
        :func:`geo.coverage.find_gaps` and :func:`geo.coverage.isochrones` frames.
    stations
        The stations counted (drawn, and the centres of the service circles).
    demand
        A frame with ``lon``, ``lat`` and ``weight``, or None.
    proposals
        :class:`geo.feedback.ProposalGroup` objects (anything with ``id``,
        ``lon``, ``lat``, ``proposers`` and ``gain``), or None.
    impact
        A :class:`geo.impact.StationImpact`, or None.
    at
        When the stations were counted open (None: hours ignored).
    """
    circles = gpd.GeoDataFrame(
        {"station_id": [s.id for s in stations]},
        geometry=gpd.points_from_xy([s.lon for s in stations], [s.lat for s in stations]),
        crs=4326,
    )
    cells = None
    if report.cells is not None:
        cells = report.cells.rename(columns={"cell": "cell_id"})
    heat = None
    demand_cells = None
    if demand is not None and len(demand) and cells is not None:
        demand_cells = cells.assign(demand=demand_per_cell(cells, demand))
    elif demand is not None and len(demand):
        heat = gpd.GeoDataFrame(
            {"weight": demand.get("weight", 1.0)},
            geometry=gpd.points_from_xy(demand["lon"], demand["lat"]),
            crs=4326,
        )
    groups = None
    if proposals:
        groups = gpd.GeoDataFrame(
            {
                "group_id": [g.id for g in proposals],
                "proposers": [g.proposers for g in proposals],
                "gain": [g.gain for g in proposals],
            },
            geometry=gpd.points_from_xy([g.lon for g in proposals], [g.lat for g in proposals]),
            crs=4326,
        )
    return coverage_map(
        circles=circles,
        walk_areas=walk_areas,
        cells=cells,
        gaps=gaps,
        demand=heat,
        stations=stations,
        proposals=groups,
        impact=impact_frame(impact) if impact is not None else None,
        demand_cells=demand_cells,
        figures={**report.to_dict(), "mode_label": mode_label},
        at=at,
        radius_m=report.radius_m or 1000.0,
        lang=lang,
        tiles=tiles,
        tz=tz,
        mode_label=mode_label,
    )
