"""Station kinds on a map: their legend, and a checkbox per kind that filters the stations."""

from __future__ import annotations

import html
from collections.abc import Sequence

import branca.element

from geo.types import Kind
from maps.base import Legend
from maps.i18n import Lang, kind_label, text
from maps.style import KIND_STYLES

__all__ = ["KindFilter", "kind_legend"]


def kind_legend(kinds: Sequence[Kind | str] | None = None, *, lang: Lang = "en") -> Legend:
    """A legend of station kinds: colour, glyph and name.

    Parameters
    ----------
    kinds
        Kinds to list, in :class:`Kind` order; ``None`` lists all.
    lang
        Language of labels.

    Returns
    -------
    Legend
        To add to a map.
    """
    wanted = set(Kind) if kinds is None else {Kind(k) for k in kinds}
    entries = [
        (KIND_STYLES[k].color, KIND_STYLES[k].icon, kind_label(k, lang))
        for k in Kind
        if k in wanted
    ]
    return Legend(text("legend", lang), entries)


class KindFilter(branca.element.MacroElement):
    """A checkbox per station kind present ("driver homes only"): unticking a kind hides
    its stations from the clustered layer (``window.sfStations.setKinds``).

    Parameters
    ----------
    kinds
        The kinds to offer, in :class:`Kind` order.
    lang
        Language of labels.
    """

    _template = branca.element.Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var control = L.control({position: "topright"});
            control.onAdd = function () {
                var div = L.DomUtil.create("div", "sf-kind-filter leaflet-control");
                div.innerHTML = {{ this.html|tojson }};
                L.DomEvent.disableClickPropagation(div);
                div.addEventListener("change", function () {
                    var on = [];
                    div.querySelectorAll("input").forEach(function (i) {
                        if (i.checked) { on.push(i.value); }
                    });
                    if (window.sfStations) { window.sfStations.setKinds(on); }
                });
                return div;
            };
            control.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
        """
    )

    def __init__(self, kinds: Sequence[Kind | str], *, lang: Lang = "en") -> None:
        super().__init__()
        self._name = "KindFilter"
        wanted = {Kind(k) for k in kinds}
        rows = [
            f'<label><input type="checkbox" value="{k.value}" checked> '
            f'<span class="sf-swatch sf-kind-{k.value}">'
            f'<i class="fa-solid fa-{KIND_STYLES[k].icon}"></i></span>'
            f"{html.escape(kind_label(k, lang))}</label>"
            for k in Kind
            if k in wanted
        ]
        self.html = (
            f"<details><summary>{html.escape(text('show_kinds', lang))}</summary>"
            + "".join(rows)
            + "</details>"
        )
