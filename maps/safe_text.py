"""Text put into map pages safely: JavaScript literals, escaped HTML, tooltips."""

from __future__ import annotations

import html
import json
from typing import Any

import branca.element
import folium
from folium.template import Template as FoliumTemplate

__all__ = ["SafeGeoJsonTooltip", "escape_html", "js_literal", "safe_tooltip"]


def js_literal(value: Any) -> str:
    """``value`` as a JavaScript literal that is safe inside a ``<script>`` element."""
    return (
        json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        .replace("</", "<\\/")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


# -- text in pages ---------------------------------------------------------------
_JS_TEMPLATE_CHARS = str.maketrans({"`": "&#96;", "$": "&#36;", "\\": "&#92;"})


def escape_html(value: object) -> str:
    """``value`` as text that is safe in HTML, in an attribute, and inside a JavaScript
    template literal (folium writes tooltip text between backticks).

    Examples
    --------
    >>> escape_html("x<img src=x onerror=alert(1)>`${1}`")
    'x&lt;img src=x onerror=alert(1)&gt;&#96;&#36;{1}&#96;'
    """
    return html.escape(str(value), quote=True).translate(_JS_TEMPLATE_CHARS)


def safe_tooltip(value: object, **kwargs: Any) -> folium.Tooltip:
    """A plain-text tooltip: ``value`` escaped (see :func:`escape_html`)."""
    return folium.Tooltip(escape_html(value), **kwargs)


class SafeGeoJsonTooltip(folium.GeoJsonTooltip):
    """folium's ``GeoJsonTooltip`` with every field value and alias escaped.

    folium writes the feature properties into the tooltip with ``innerHTML``
    as they are, so a station id such as ``x<img src=x onerror=…>`` would run
    script when a planner hovers its circle.
    """

    _template = FoliumTemplate(
        """
    {% macro script(this, kwargs) %}
    {{ this._parent.get_name() }}.bindTooltip(function (layer) {
        var E = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"};
        function esc(s) { return String(s).replace(/[&<>"']/g, function (c) { return E[c]; }); }
        var fields = {{ this.fields | tojson }}, aliases = {{ this.aliases | tojson }};
        var rows = fields.map(function (f, i) {
            var v = layer.feature.properties[f];
            v = v === null || v === undefined ? "" : typeof v === "object" ? JSON.stringify(v) : v;
            return "<tr><th>" + esc(aliases[i]) + "</th><td>" + esc(v) + "</td></tr>";
        });
        var div = L.DomUtil.create("div");
        div.innerHTML = "<table>" + rows.join("") + "</table>";
        return div;
    }, {{ this.tooltip_options | tojavascript }});
    {% endmacro %}
    """
    )

    def render(self, **kwargs: Any) -> None:
        """Render; a layer with no feature (nothing open of a kind, say) still renders."""
        parent = self._parent
        if isinstance(parent, folium.GeoJson) and not parent.data.get("features"):
            # folium checks the fields against the first feature and refuses an empty layer.
            branca.element.MacroElement.render(self, **kwargs)
            return
        super().render(**kwargs)
