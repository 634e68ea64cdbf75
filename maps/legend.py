"""The legend box of map pages: entries with a swatch and a glyph, folded on narrow screens."""

from __future__ import annotations

import html
from collections.abc import Sequence

import branca.element

from maps.style import NARROW_PX

__all__ = ["Legend"]


class Legend(branca.element.MacroElement):
    """A legend box in a map corner.

    Parameters
    ----------
    title
        Heading.
    entries
        ``(colour, glyph, label)`` rows; ``glyph`` is a Font Awesome name or ``""``.
    position
        Leaflet control position.
    sections
        Further ``(heading, entries)`` blocks, e.g. a layer's colour scale.
    """

    _template = branca.element.Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            // Narrow screens: folded, up with the layer control, clear of the nearest list.
            var narrow = window.matchMedia("(max-width: {{ this.narrow_px }}px)").matches;
            var legend = L.control({position: narrow ? "topright" : {{ this.position|tojson }}});
            legend.onAdd = function () {
                var div = L.DomUtil.create("div", "sf-legend leaflet-control");
                div.innerHTML = {{ this.html|tojson }};
                L.DomEvent.disableClickPropagation(div);
                // On narrow screens the legend folds behind its button (see marker_css).
                var button = div.querySelector(".sf-legend-toggle");
                button.addEventListener("click", function () {
                    var open = !div.classList.contains("sf-unfolded");
                    div.classList.toggle("sf-unfolded", open);
                    button.setAttribute("aria-expanded", open ? "true" : "false");
                });
                return div;
            };
            legend.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
        """
    )

    def __init__(
        self,
        title: str,
        entries: Sequence[tuple[str, str, str]],
        *,
        position: str = "bottomright",
        sections: Sequence[tuple[str, Sequence[tuple[str, str, str]]]] = (),
    ) -> None:
        super().__init__()
        self._name = "Legend"
        self.sections = [(head, list(rows)) for head, rows in sections]
        self.narrow_px = NARROW_PX
        self.title = title
        self.entries = list(entries)
        self.position = position

    @property
    def html(self) -> str:
        """The legend's inner HTML (labels escaped)."""
        title = html.escape(self.title)
        rows = [
            f'<button type="button" class="sf-legend-toggle" aria-expanded="false">'
            f'<i class="fa-solid fa-list"></i> {title}</button><div class="sf-legend-body">'
            f"<h4>{title}</h4>"
        ]
        blocks = [(None, self.entries), *self.sections]
        for head, entries in blocks:
            if head is not None:
                rows.append(f'<h5 class="sf-legend-scale">{html.escape(head)}</h5>')
            for color, glyph, label in entries:
                icon = f'<i class="fa-solid fa-{html.escape(glyph)}"></i>' if glyph else ""
                rows.append(
                    f'<div><span class="sf-swatch" style="background:{html.escape(color)}">'
                    f"{icon}</span>{html.escape(label)}</div>"
                )
        return "".join(rows) + "</div>"
