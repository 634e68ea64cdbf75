"""The map of a what-if plan: what it changes, and the coverage before and after it.

Stations the plan adds are green (``+``), those it closes red and crossed
(``✕``), those whose hours or capacity it changes orange (``✎``); each marker's
element has the class ``sf-plan-added``, ``sf-plan-closed`` or
``sf-plan-changed`` and the station id in ``data-id``, so tests and pages can
count them. The hexagons covered 0, 1 or 2+ times come as two layers, before
(hidden at first) and after; the legend lists the marks, the coverage classes
and the headline figures before and after.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import folium

from geo.hours import DEFAULT_TZ
from geo.network import StreetNetwork
from geo.plans import Plan, PlanComparison
from geo.types import Station
from maps.base import (
    NO_TILES,
    Legend,
    OfflineMap,
    TileConfig,
    base_map,
    escape_html,
    fit_to,
    safe_tooltip,
    to_display,
)
from maps.coverage import cell_layer
from maps.i18n import Lang, text
from maps.stations import station_layer
from maps.style import COVERAGE_COLORS
from maps.tiles import add_street_layer

__all__ = ["PLAN_COLORS", "plan_map", "plan_marks"]

PLAN_COLORS: dict[str, str] = {"added": "#1a9641", "closed": "#d7191c", "changed": "#f28e2b"}
"""Colour of each kind of mark."""
_GLYPHS = {"added": ("+", "plus"), "closed": ("✕", "xmark"), "changed": ("✎", "pen")}
_TEXT: dict[str, tuple[str, str]] = {
    "title": ("Plan", "规划方案"),
    "added": ("Added stations", "新增站点"),
    "closed": ("Closed stations", "关闭站点"),
    "changed": ("Changed hours or capacity", "调整时间或容量"),
    "before": ("Coverage before", "方案前覆盖"),
    "after": ("Coverage after", "方案后覆盖"),
    "coverage": ("Coverage, {m:g} min on foot", "覆盖（步行{m:g}分钟）"),
    "figures": ("Before → after", "方案前 → 方案后"),
    "demand": ("Demand covered", "需求覆盖率"),
    "night": ("Demand covered at night", "夜间需求覆盖率"),
    "gaps": ("Gaps", "覆盖缺口"),
}


def _t(key: str, lang: Lang) -> str:
    en, zh = _TEXT[key]
    return zh if lang == "zh" else en


def _mark(kind: str, st: Station, tiles: TileConfig, lang: Lang) -> folium.Marker:
    glyph, _ = _GLYPHS[kind]
    (x,), (y,) = to_display([st.lon], [st.lat], tiles)
    html = (
        f'<div class="sf-plan-mark sf-plan-{kind}" data-id="{escape_html(st.id)}" '
        f'style="background:{PLAN_COLORS[kind]};color:#fff;border:2px solid #fff;'
        f"border-radius:50%;width:22px;height:22px;line-height:18px;text-align:center;"
        f'font-weight:bold;box-shadow:0 0 3px #000">{glyph}</div>'
    )
    popup = (
        f'<div class="sf-plan-popup" data-id="{escape_html(st.id)}"><b>{escape_html(st.name)}'
        f"</b><br>{escape_html(_t(kind, lang))}<br>{escape_html(st.id)}"
        + (
            f"<br>{escape_html(text('capacity', lang))}: {st.capacity:g}"
            if st.capacity is not None
            else ""
        )
        + (f"<br>{escape_html(st.opening_hours)}" if st.opening_hours else "")
        + "</div>"
    )
    return folium.Marker(
        [float(y), float(x)],
        icon=folium.DivIcon(html=html, icon_size=(22, 22), icon_anchor=(11, 11)),
        popup=folium.Popup(popup, max_width=260),
        tooltip=safe_tooltip(st.name),
    )


def plan_marks(comparison: PlanComparison) -> dict[str, list[Station]]:
    """The stations of each mark: ``added`` and ``changed`` as after the plan, ``closed``
    as before it (only those that count for the region)."""
    after = {s.id: s for s in comparison.after.stations}
    before = {s.id: s for s in comparison.before.stations}
    return {
        "added": [after[i] for i in comparison.added if i in after],
        "closed": [before[i] for i in comparison.closed if i in before],
        "changed": [after[i] for i in comparison.changed if i in after],
    }


def _pct(value: Any) -> str:
    return "–" if value is None else f"{value:.1%}"


def plan_map(
    plan: Plan,
    comparison: PlanComparison,
    *,
    lang: Lang = "en",
    tiles: TileConfig = NO_TILES,
    now: datetime | None = None,
    tz: str = DEFAULT_TZ,
    streets: StreetNetwork | None = None,
) -> OfflineMap:
    """A page with a plan's marks, the coverage before and after, and a legend.

    Parameters
    ----------
    plan
        The plan (its name heads the legend).
    comparison
        Its comparison (:func:`geo.plans.compare_changes`).
    lang, tiles, now, tz
        Language, tile source, "open now" time and time zone of popups.
    streets
        Draw this network's streets inline (for written files, which have no tiles).
    """
    title = f"{_t('title', lang)}: {plan.name}"
    m = base_map(tiles=tiles, lang=lang, title=title)
    m.options.setdefault("max_zoom", tiles.max_zoom)
    for key, side, show in (
        ("before", comparison.before, False),
        ("after", comparison.after, True),
    ):
        if side.coverage.cells is None:
            continue
        layer = cell_layer(side.coverage.cells, lang=lang, tiles=tiles)
        layer.layer_name = _t(key, lang)
        layer.show = show
        layer.add_to(m)
    marks = plan_marks(comparison)
    touched = {s.id for group in marks.values() for s in group}
    others = [s for s in comparison.after.stations if s.id not in touched]
    station_layer(others, lang=lang, tiles=tiles, now=now, tz=tz).add_to(m)
    for kind, stations in marks.items():
        group = folium.FeatureGroup(name=f"{_t(kind, lang)} ({len(stations)})", overlay=True)
        for st in stations:
            _mark(kind, st, tiles, lang).add_to(group)
        group.add_to(m)
    rows = {r["figure"]: r for r in comparison.rows()}
    minutes = comparison.after.coverage.minutes or 0.0
    entries = [
        (PLAN_COLORS[k], _GLYPHS[k][1], f"{_t(k, lang)} ({len(marks[k])})") for k in PLAN_COLORS
    ]
    cover = [(c, "", text(k, lang)) for k, c in COVERAGE_COLORS.items()]
    figures = [
        (
            "#777777",
            "",
            f"{_t(label, lang)}: {_pct(rows[key]['before'])} → {_pct(rows[key]['after'])}",
        )
        for label, key in (("demand", "demand covered"), ("night", "demand covered at night"))
    ]
    gaps = rows["gaps"]
    figures.append(("#777777", "", f"{_t('gaps', lang)}: {gaps['before']} → {gaps['after']}"))
    Legend(
        title,
        entries,
        sections=[(_t("coverage", lang).format(m=minutes), cover), (_t("figures", lang), figures)],
    ).add_to(m)
    if streets is not None:
        add_street_layer(m, streets, lang=lang, tiles=tiles)
    folium.LayerControl(collapsed=False).add_to(m)
    every: Sequence[Station] = [*comparison.before.stations, *comparison.after.stations]
    if every:
        fit_to(m, [s.lon for s in every], [s.lat for s in every], tiles=tiles)
    return m
