"""The coverage map's figures panel: the numbers of ``GET /coverage`` next to the map.

Shares of street length, study area and demand covered not at all, once, and
twice or more, at the standard and time the map shows; and, where the report
has districts, the same per district. Every number carries its exact value in
``data-value`` (the browser test compares it with ``/coverage``); the text is
the percentage to one decimal, "–" where the report has none (no demand given).
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import branca.element

from maps.i18n import Lang, text
from maps.style import NARROW_PX

__all__ = ["FiguresPanel", "figures_html"]

_MEASURES = ("street_share", "area_share", "demand_share")
_CLASSES = (("none", "not_covered"), ("once", "covered_once"), ("multiple", "covered_twice"))


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f} %"


def _cell(value: float | None) -> str:
    raw = "" if value is None else repr(float(value))
    return f'<td data-value="{raw}">{_pct(value)}</td>'


def _standard(figures: Mapping[str, Any], at: datetime | None, lang: Lang) -> str:
    if figures.get("standard") == "radius":
        limit = f"{float(figures.get('radius_m') or figures['limit_m']):,.0f} m " + text(
            "straight_line", lang
        )
    elif figures.get("mode_label"):  # another travel mode than walking
        unit = "分钟" if lang == "zh" else " min "
        limit = f"{float(figures.get('minutes') or 15):g}{unit}{figures['mode_label']}"
    else:
        limit = f"{float(figures.get('minutes') or 15):g} " + text("min_on_foot", lang)
    if at is None:
        return f"{limit} · {text('any_time', lang)}"
    return f"{limit} · {text('at_time', lang)} {at.isoformat(timespec='minutes')}"


def figures_html(
    figures: Mapping[str, Any], *, at: datetime | None = None, lang: Lang = "en"
) -> str:
    """The panel's HTML (every text escaped) from a report's ``to_dict()``.

    Parameters
    ----------
    figures
        :meth:`geo.coverage.CoverageReport.to_dict` (``GET /coverage``'s body).
    at
        The time the stations were counted open at; None: hours ignored.
    lang
        Language of the labels.
    """
    head = "".join(f"<th>{html.escape(text(label, lang))}</th>" for _, label in _CLASSES)
    rows = []
    for measure in _MEASURES:
        shares = figures[measure]
        cells = "".join(_cell(shares.get(key)) for key, _ in _CLASSES)
        rows.append(
            f'<tr data-measure="{measure}"><th>{html.escape(text(measure, lang))}</th>{cells}</tr>'
        )
    out = [
        f'<details class="sf-figures" open><summary>{html.escape(text("figures", lang))}'
        f'</summary><p class="sf-standard">{html.escape(_standard(figures, at, lang))}</p>'
        f'<table class="sf-fig-table"><tr><th></th>{head}</tr>{"".join(rows)}</table>'
    ]
    districts = figures.get("districts") or {}
    if districts:
        sub = "".join(
            f"<th>{html.escape(text(m, lang))}<br>{html.escape(text(label, lang))}</th>"
            for m in _MEASURES
            for _, label in _CLASSES
        )
        body = []
        for name, parts in districts.items():
            cells = "".join(
                _cell((parts.get(m) or {}).get(key)) for m in _MEASURES for key, _ in _CLASSES
            )
            body.append(
                f'<tr data-district="{html.escape(str(name))}"><th>{html.escape(str(name))}</th>'
                f"{cells}</tr>"
            )
        out.append(
            f'<details class="sf-districts"><summary>{html.escape(text("by_district", lang))}'
            f'</summary><table class="sf-district-table"><tr><th>'
            f"{html.escape(text('district', lang))}</th>{sub}</tr>{''.join(body)}</table></details>"
        )
    return "".join(out) + "</details>"


class FiguresPanel(branca.element.MacroElement):
    """The figures panel as a Leaflet control (folded at first on narrow screens).

    Parameters
    ----------
    figures
        :meth:`geo.coverage.CoverageReport.to_dict`.
    at
        The time the stations were counted open at.
    lang
        Language of the labels.
    position
        Leaflet control position.
    """

    _template = branca.element.Template(
        """
        {% macro header(this, kwargs) %}
        <style>
        .sf-figures{background:#fff;padding:6px 8px;border-radius:4px;max-width:30em;
            box-shadow:0 1px 4px rgba(0,0,0,.3);font:12px/1.4 sans-serif;
            max-height:50vh;overflow:auto}
        .sf-figures summary{font-weight:bold;cursor:pointer}
        .sf-figures p{margin:2px 0 4px;color:#444}
        .sf-figures table{border-collapse:collapse}
        .sf-figures th,.sf-figures td{padding:1px 6px;text-align:right;font-weight:normal}
        .sf-figures tr th:first-child{text-align:left;font-weight:bold}
        .sf-district-table{font-size:11px}
        </style>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        (function () {
            var panel = L.control({position: {{ this.position|tojson }}});
            panel.onAdd = function () {
                var div = L.DomUtil.create("div", "sf-figures-box leaflet-control");
                div.innerHTML = {{ this.html|tojson }};
                if (window.matchMedia("(max-width: {{ this.narrow_px }}px)").matches) {
                    div.querySelector("details").open = false;
                }
                L.DomEvent.disableClickPropagation(div);
                L.DomEvent.disableScrollPropagation(div);
                return div;
            };
            panel.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
        """
    )

    def __init__(
        self,
        figures: Mapping[str, Any],
        *,
        at: datetime | None = None,
        lang: Lang = "en",
        position: str = "bottomleft",
    ) -> None:
        super().__init__()
        self._name = "FiguresPanel"
        self.html = figures_html(figures, at=at, lang=lang)
        self.position = position
        self.narrow_px = NARROW_PX
