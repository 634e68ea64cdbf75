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
switches them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import shapely
from folium.plugins import HeatMap

from geo.demand_grid import demand_per_cell, quantile_breaks, quantile_class
from geo.hours import DEFAULT_TZ
from geo.types import Kind, Station
from maps.base import (
    NO_TILES,
    Legend,
    OfflineMap,
    SafeGeoJsonTooltip,
    TileConfig,
    base_map,
    frame_to_display,
    to_display,
)
from maps.figures import FiguresPanel
from maps.i18n import Lang, kind_label, text
from maps.impact import IMPACT_COLORS, impact_frame, impact_layer
from maps.stations import KindFilter, station_layer
from maps.style import (
    CIRCLE_COLOR,
    COVERAGE_COLORS,
    DEMAND_COLORS,
    GAP_COLOR,
    KIND_STYLES,
    PROPOSAL_COLOR,
    WALK_COLOR,
    coverage_class,
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


def _require(frame: gpd.GeoDataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        have = ", ".join(map(str, frame.columns))
        raise ValueError(f"{what}: missing column(s) {', '.join(missing)}; has {have}")


def _collection(
    frame: gpd.GeoDataFrame, ids: Sequence[str], props: dict[str, Sequence[Any]]
) -> dict[str, Any]:
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
    _require(circles, ["station_id"], "circles")
    if not radius_m > 0:
        raise ValueError(f"radius_m={radius_m!r} must be > 0")
    frame = frame_to_display(circles, tiles)
    ids = [f"circle-{s}" for s in frame["station_id"]]
    data = _collection(frame, ids, {"station_id": [str(s) for s in frame["station_id"]]})
    # Off at first: overlapping 1 km circles hide the cells beneath; the layer control shows them.
    group = folium.FeatureGroup(name=text("circles", lang), overlay=True, show=False)
    folium.GeoJson(
        data,
        name=text("circles", lang),
        marker=folium.Circle(
            radius=float(radius_m), color=CIRCLE_COLOR, weight=1, fill=True, fill_opacity=0.08
        ),
        tooltip=SafeGeoJsonTooltip(["station_id"], aliases=[text("stations", lang)]),
    ).add_to(group)
    return group


def walk_area_layer(
    walk_areas: gpd.GeoDataFrame, *, lang: Lang = "en", tiles: TileConfig = NO_TILES
) -> folium.FeatureGroup:
    """15-minute walking areas, one polygon per station.

    Parameters
    ----------
    walk_areas
        Polygons with ``station_id``.
    lang
        Language of labels.
    tiles
        Tile source.

    Returns
    -------
    folium.FeatureGroup
        Named "15-minute walking areas" (in ``lang``).
    """
    _require(walk_areas, ["station_id"], "walk_areas")
    frame = frame_to_display(walk_areas, tiles)
    ids = [f"walk-{s}" for s in frame["station_id"]]
    data = _collection(frame, ids, {"station_id": [str(s) for s in frame["station_id"]]})
    group = folium.FeatureGroup(name=text("walk_areas", lang), overlay=True, show=False)
    folium.GeoJson(
        data,
        name=text("walk_areas", lang),
        style_function=lambda _f: {
            "color": WALK_COLOR,
            "weight": 1,
            "fillColor": WALK_COLOR,
            "fillOpacity": 0.12,
        },
        tooltip=SafeGeoJsonTooltip(["station_id"], aliases=[text("stations", lang)]),
    ).add_to(group)
    return group


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
    _require(cells, ["count"], "cells")
    frame = frame_to_display(cells, tiles)
    counts = frame["count"].to_numpy()
    if len(counts) and (np.isnan(counts.astype(float)).any() or (counts < 0).any()):
        raise ValueError("cells: count must be a whole number ≥ 0 in every row")
    cell_ids = frame["cell_id"] if "cell_id" in frame.columns else frame.index
    classes = [coverage_class(int(c)) for c in counts]
    data = _collection(
        frame,
        [f"cell-{c}" for c in cell_ids],
        {
            "count": [int(c) for c in counts],
            "coverage": classes,
            "label": [text(c, lang) for c in classes],
        },
    )
    group = folium.FeatureGroup(name=text("cells", lang), overlay=True)
    folium.GeoJson(
        data,
        name=text("cells", lang),
        style_function=lambda f: {
            "color": COVERAGE_COLORS[f["properties"]["coverage"]],
            "weight": 0.5,
            "fillColor": COVERAGE_COLORS[f["properties"]["coverage"]],
            "fillOpacity": 0.35,
        },
        tooltip=SafeGeoJsonTooltip(["label", "count"], aliases=[text("cells", lang), "n"]),
    ).add_to(group)
    return group


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
    _require(gaps, ["rank", "demand", "area_m2"], "gaps")
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
        props[key] = ["—" if v is None or v != v else pattern.format(v) for v in values]
    data = _collection(frame, [f"gap-{r}" for r in ranks], props)
    group = folium.FeatureGroup(name=text("gaps", lang), overlay=True)
    popup = None
    if shown:
        fields = ["rank", "demand", "area", *shown]
        popup = folium.GeoJsonPopup(fields, aliases=[text(f, lang) for f in fields])
    folium.GeoJson(
        data,
        name=text("gaps", lang),
        style_function=lambda _f: {
            "color": GAP_COLOR,
            "weight": 2,
            "dashArray": "4 3",
            "fillColor": GAP_COLOR,
            "fillOpacity": 0.25,
        },
        tooltip=SafeGeoJsonTooltip(
            ["rank", "demand", "area"],
            aliases=[text("rank", lang), text("demand", lang), text("area", lang)],
        ),
        popup=popup,
    ).add_to(group)
    return group


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
    _require(groups, ["group_id", "proposers"], "proposals")
    frame = frame_to_display(groups, tiles)
    counts = [int(p) for p in frame["proposers"]]
    if any(c < 1 for c in counts):
        raise ValueError("proposals: proposers must be ≥ 1 in every row")
    gains = frame["gain"].tolist() if "gain" in frame.columns else [None] * len(frame)
    data = _collection(
        frame,
        [f"proposal-{g}" for g in frame["group_id"]],
        {
            "proposers": counts,
            "gain": [None if g is None or g != g else round(float(g), 1) for g in gains],
            "radius": [proposal_radius_px(c) for c in counts],
        },
    )
    group = folium.FeatureGroup(name=text("proposals", lang), overlay=True)
    folium.GeoJson(
        data,
        name=text("proposals", lang),
        marker=folium.CircleMarker(radius=8, weight=2, fill=True, fill_opacity=0.45),
        style_function=lambda f: {
            "radius": f["properties"]["radius"],
            "color": PROPOSAL_COLOR,
            "fillColor": PROPOSAL_COLOR,
        },
        tooltip=SafeGeoJsonTooltip(
            ["proposers", "gain"], aliases=[text("proposers", lang), text("gain", lang)]
        ),
    ).add_to(group)
    return group


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
    _require(demand, ["weight"], "demand")
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
    _require(cells, ["demand"], "demand cells")
    frame = frame_to_display(cells, tiles)
    demand = frame["demand"].to_numpy(dtype=float)
    breaks = quantile_breaks(demand, classes=len(DEMAND_COLORS))
    classes = quantile_class(demand, breaks)
    # With fewer distinct breaks than colours, spread the classes over the whole ramp.
    ramp = np.linspace(0, len(DEMAND_COLORS) - 1, max(breaks.size, 1)).round().astype(int)
    keep = classes >= 0
    frame = frame[keep]
    cell_ids = frame["cell_id"] if "cell_id" in frame.columns else frame.index
    data = _collection(
        frame,
        [f"demand-{c}" for c in cell_ids],
        {
            "demand": [round(float(d), 2) for d in demand[keep]],
            "demand_class": [int(c) for c in classes[keep]],
            "color": [DEMAND_COLORS[ramp[c]] for c in classes[keep]],
        },
    )
    group = folium.FeatureGroup(name=text("demand_cells", lang), overlay=True, show=False)
    folium.GeoJson(
        data,
        name=text("demand_cells", lang),
        style_function=lambda f: {
            "color": f["properties"]["color"],
            "weight": 0.5,
            "fillColor": f["properties"]["color"],
            "fillOpacity": 0.6,
        },
        tooltip=SafeGeoJsonTooltip(["demand"], aliases=[text("demand", lang)]),
    ).add_to(group)
    lows = np.concatenate([[0.0], breaks[:-1]])
    entries = [
        (DEMAND_COLORS[ramp[i]], "", f"{_fmt_demand(lo)} – {_fmt_demand(hi)}")
        for i, (lo, hi) in enumerate(zip(lows, breaks, strict=True))
    ]
    return group, entries


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
        walk_area_layer(walk_areas, lang=lang, tiles=tiles).add_to(m)
        frames.append(walk_areas)
        entries.append((WALK_COLOR, "", text("walk_areas", lang)))
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
        entries += [(IMPACT_COLORS[k], "", text(f"loses_{v}", lang))
                    for k, v in (("loses", "coverage"), ("nothing", "nothing"))]  # fmt: skip
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
