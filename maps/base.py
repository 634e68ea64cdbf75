"""The base map: tiles and attribution, fitting to bounds, legends, and offline assets.

Every page's JavaScript and CSS (Leaflet and its plugins) comes from the files
vendored in ``maps/static`` (see its README), never from a CDN:

* served pages link them under :data:`STATIC_URL`, which the service mounts;
* standalone files (:func:`write_standalone`) carry them inline, fonts and
  images as ``data:`` URIs, so the file works with no network at all.

folium's elements name their assets in ``default_js`` / ``default_css``;
:func:`localize` rewrites those names to the vendored files on each element
of a map (never on folium's classes), and raises for an asset it does not
know, so a new plugin cannot silently pull from a CDN.

Tiles come from a URL template; by default there is none (:data:`NO_TILES`),
and the service passes its own street tiles (:mod:`maps.tiles`). A GCJ-02 tile
source (Amap-style) is declared with ``crs="gcj02"``; every overlay is then
shifted from WGS-84 into GCJ-02 (:func:`to_display`, :func:`frame_to_display`)
so that it lines up with the streets on the tiles. Tiles that fail to load
leave an empty square; nothing on the page depends on them.
"""

from __future__ import annotations

import base64
import html
import json
import logging
import mimetypes
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Literal

import branca.element
import folium
import geopandas as gpd
import numpy as np
import numpy.typing as npt
import shapely
from folium.elements import JSCSSMixin
from folium.template import Template as FoliumTemplate
from numpy.typing import ArrayLike

from geo.crs import convert
from maps.i18n import Lang, text
from maps.style import NARROW_PX, marker_css

__all__ = [
    "AMAP_TILES",
    "ASSETS",
    "NO_TILES",
    "OSM_TILES",
    "STATIC_DIR",
    "STATIC_URL",
    "Legend",
    "OfflineMap",
    "SafeGeoJsonTooltip",
    "TileConfig",
    "UnknownAssetError",
    "base_map",
    "escape_html",
    "fit_to",
    "frame_to_display",
    "localize",
    "render_html",
    "safe_tooltip",
    "to_display",
    "write_standalone",
]

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"
"""Folder of the vendored JavaScript and CSS."""

STATIC_URL = "/static/maps"
"""URL under which the service mounts :data:`STATIC_DIR`."""

ASSETS: dict[str, str] = {
    # folium's asset name → file under STATIC_DIR
    "leaflet": "leaflet/leaflet.js",
    "leaflet_css": "leaflet/leaflet.css",
    "jquery": "jquery/jquery.min.js",
    "awesome_markers": "awesome-markers/leaflet.awesome-markers.min.js",
    "awesome_markers_css": "awesome-markers/leaflet.awesome-markers.css",
    "awesome_markers_font_css": "fontawesome/css/all.min.css",
    "markerclusterjs": "markercluster/leaflet.markercluster.js",
    "markerclustercss": "markercluster/MarkerCluster.css",
    "markerclusterdefaultcss": "markercluster/MarkerCluster.Default.css",
    "leaflet-heat.js": "heat/leaflet-heat.js",
}
"""The vendored assets, by the names folium's elements give them."""

DROPPED: frozenset[str] = frozenset(
    {"bootstrap", "bootstrap_css", "glyphicons_css", "awesome_rotate_css"}
)
"""folium defaults that no template of ours or folium's needs: left off every page.

Bootstrap and its glyphicons only style notebook widgets; the rotate CSS only
serves ``folium.Icon(angle=...)``, which no builder uses.
"""

_ICON_ASSETS = frozenset({"awesome_markers", "awesome_markers_css"})
"""Left off pages without a ``folium.Icon`` (our pins are HTML with Font Awesome glyphs)."""

_INLINE = "sf-inline:"


class UnknownAssetError(ValueError):
    """A map element wants a JavaScript or CSS file that is not vendored."""


@dataclass(frozen=True, slots=True)
class TileConfig:
    """Where the base map's tiles come from.

    Parameters
    ----------
    url
        Leaflet URL template with ``{z}``, ``{x}``, ``{y}`` (and ``{s}``).
    attribution
        HTML shown in the corner, as the tile licence requires.
    crs
        Datum of the tiles: ``wgs84`` (OpenStreetMap and most others) or
        ``gcj02`` (Amap, Tencent); overlays are shifted to match.
    subdomains
        Values of ``{s}``.
    max_zoom
        Deepest zoom level the source has.
    """

    url: str
    attribution: str
    crs: Literal["wgs84", "gcj02"] = "wgs84"
    subdomains: str = "abc"
    max_zoom: int = 19

    def __post_init__(self) -> None:
        if self.crs not in ("wgs84", "gcj02"):
            raise ValueError(f"tile crs={self.crs!r} is not supported; use one of wgs84, gcj02")
        if not self.url:  # NO_TILES
            return
        missing = [p for p in ("{z}", "{x}", "{y}") if p not in self.url]
        if missing:
            raise ValueError(f"tile url={self.url!r} lacks {', '.join(missing)}")


NO_TILES = TileConfig("", "")
"""No tile layer: the default, as a page must not need a tile server. The service
serves its own street tiles (:mod:`maps.tiles`); standalone files carry the streets
as a vector layer (:func:`maps.tiles.street_layer`)."""

OSM_TILES = TileConfig(
    "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
)
"""OpenStreetMap's standard tiles (WGS-84), for deployments that may reach them."""

AMAP_TILES = TileConfig(
    "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}",
    "&copy; 高德地图 AutoNavi",
    crs="gcj02",
    subdomains="1234",
    max_zoom=18,
)
"""Amap road tiles (GCJ-02): overlays are shifted into GCJ-02 to line up."""


# -- coordinates -----------------------------------------------------------
def to_display(
    lon: ArrayLike, lat: ArrayLike, tiles: TileConfig
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """WGS-84 points in the datum of the tiles (shifted into GCJ-02 for GCJ-02 tiles).

    Parameters
    ----------
    lon, lat
        WGS-84 degrees.
    tiles
        The tile source the points will be drawn on.

    Returns
    -------
    tuple of numpy.ndarray
        ``(lon, lat)`` to draw.

    Examples
    --------
    >>> x, y = to_display([116.397], [39.909], AMAP_TILES)
    >>> round(float(x[0]), 4), round(float(y[0]), 4)
    (116.4032, 39.9104)
    """
    x = np.atleast_1d(np.asarray(lon, dtype=float))
    y = np.atleast_1d(np.asarray(lat, dtype=float))
    if tiles.crs == "gcj02" and x.size:
        return convert(x, y, src="wgs84", dst="gcj02")
    return x, y


def frame_to_display(frame: gpd.GeoDataFrame, tiles: TileConfig) -> gpd.GeoDataFrame:
    """A copy of ``frame`` in lon/lat degrees, shifted into the datum of the tiles.

    Parameters
    ----------
    frame
        Geometries in any CRS; the CRS must be set.
    tiles
        The tile source the geometries will be drawn on.

    Returns
    -------
    geopandas.GeoDataFrame
        In EPSG:4326 (GCJ-02-shifted when ``tiles.crs == "gcj02"``).

    Raises
    ------
    ValueError
        When ``frame`` has no CRS.
    """
    if frame.crs is None:
        raise ValueError("the GeoDataFrame has no CRS; set one (e.g. EPSG:4326) before mapping")
    out = frame.to_crs(4326) if not frame.crs.equals("EPSG:4326") else frame.copy()
    if tiles.crs == "gcj02" and len(out):

        def shift(x: npt.NDArray[np.float64], y: npt.NDArray[np.float64]) -> Any:
            return convert(x, y, src="wgs84", dst="gcj02")

        geoms = shapely.transform(out.geometry.to_numpy(), shift, interleaved=False)
        out = out.set_geometry(gpd.GeoSeries(geoms, index=out.index, crs=4326))
    return out


# -- the map -------------------------------------------------------------------
class OfflineMap(folium.Map):
    """A folium ``Map`` whose page links only vendored assets.

    Rendering it (``m.get_root().render()``, a notebook, :func:`render_html`)
    first rewrites every element's assets to files under ``asset_base``.

    Parameters
    ----------
    *args, **kwargs
        Passed to :class:`folium.Map`.
    asset_base
        URL prefix of the vendored files (:data:`STATIC_URL` when served).
    lang
        Language of the page, written into ``<html lang>``.
    """

    def __init__(
        self, *args: Any, asset_base: str = STATIC_URL, lang: Lang = "en", **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.asset_base = asset_base
        self.lang: Lang = lang

    def render(self, **kwargs: Any) -> None:
        """Localize the assets of every element, then render as folium does."""
        localize(self, asset_base=self.asset_base)
        super().render(**kwargs)


def _walk(element: branca.element.Element) -> list[branca.element.Element]:
    out = [element]
    for child in list(element._children.values()):
        out += _walk(child)
    return out


def _local(name: str, url: str, asset_base: str) -> str:
    if name in ASSETS:
        return f"{asset_base}/{ASSETS[name]}"
    if url.startswith(asset_base + "/"):
        return url
    raise UnknownAssetError(
        f"asset {name!r} ({url}) is not vendored in maps/static; add it there and to "
        "maps.base.ASSETS so that the page does not load it from a CDN"
    )


def localize(element: branca.element.Element, *, asset_base: str = STATIC_URL) -> None:
    """Point every asset of ``element``'s page at the vendored files.

    Sets ``default_js`` / ``default_css`` on each element instance (folium's
    classes are left alone) and removes links to other assets from the
    page header.

    Parameters
    ----------
    element
        A map or any element of one; its whole page is rewritten.
    asset_base
        URL prefix of the vendored files.

    Raises
    ------
    UnknownAssetError
        When an element needs an asset that is not vendored.
    """
    root = element.get_root()
    elements = _walk(root)
    dropped = DROPPED
    if not any(isinstance(el, folium.Icon) for el in elements):
        dropped = dropped | _ICON_ASSETS
    for el in elements:
        if isinstance(el, JSCSSMixin):
            # Keep the element's own list once, so a later render can add back
            # what this one left off (icons added after a first render).
            if "_sf_js" not in el.__dict__:
                el._sf_js = list(el.default_js)  # type: ignore[attr-defined]
                el._sf_css = list(el.default_css)  # type: ignore[attr-defined]
            el.default_js = [
                (n, _local(n, u, asset_base))
                for n, u in el._sf_js  # type: ignore[attr-defined]
                if n not in dropped
            ]
            el.default_css = [
                (n, _local(n, u, asset_base))
                for n, u in el._sf_css  # type: ignore[attr-defined]
                if n not in dropped
            ]
    header = getattr(root, "header", None)
    if header is not None:
        for key, child in list(header._children.items()):
            if isinstance(child, branca.element.Link):
                if key in dropped:
                    del header._children[key]
                else:
                    child.url = _local(key, child.url, asset_base)


def base_map(
    *,
    tiles: TileConfig = NO_TILES,
    lang: Lang = "en",
    title: str | None = None,
    location: tuple[float, float] | None = None,
    zoom: int = 12,
) -> OfflineMap:
    """An empty map with the tile layer, a scale bar, the page title and our CSS.

    Parameters
    ----------
    tiles
        Tile source.
    lang
        Language of labels.
    title
        Page title.
    location
        Initial centre as WGS-84 ``(lon, lat)``; shifted for GCJ-02 tiles.
    zoom
        Initial zoom (ignored once the map is fitted to bounds).

    Returns
    -------
    OfflineMap
        The map, with one base layer named in ``lang``.
    """
    center: list[float] | None = None
    if location is not None:
        x, y = to_display([location[0]], [location[1]], tiles)
        center = [float(y[0]), float(x[0])]
    m = OfflineMap(
        location=center,
        zoom_start=zoom if center is not None else 2,
        tiles=None,
        control_scale=True,
        prefer_canvas=True,
        lang=lang,
    )
    # Leaflet takes its zoom range from the tile layers; with none (a written file, whose
    # streets are vectors) the map has no maxZoom and the station layer cannot cluster.
    m.options["min_zoom"] = 0
    m.options["max_zoom"] = tiles.max_zoom
    if tiles.url:
        folium.TileLayer(
            tiles=tiles.url,
            attr=tiles.attribution,
            name=text("base_map", lang),
            max_zoom=tiles.max_zoom,
            subdomains=tiles.subdomains,
            overlay=False,
            control=True,
        ).add_to(m)
    root = m.get_root()
    root.title = title or text("stations_title", lang)
    # An empty icon: the browser does not ask the server for /favicon.ico.
    root.header.add_child(branca.element.Element('<link rel="icon" href="data:,">'), name="sf_icon")
    root.header.add_child(branca.element.Element(f"<style>{marker_css()}</style>"), name="sf_style")
    NarrowScreen().add_to(m)
    return m


class NarrowScreen(branca.element.MacroElement):
    """On screens up to :data:`NARROW_PX` wide, layer controls start folded behind their button
    and fold again when the map is tapped, so they never cover the map or the nearest list."""

    _template = branca.element.Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }};
            var narrow = window.matchMedia("(max-width: {{ this.narrow_px }}px)");
            function fold() {
                if (!narrow.matches) { return; }
                document.querySelectorAll(".leaflet-control-layers-expanded").forEach(function (c) {
                    c.classList.remove("leaflet-control-layers-expanded");
                });
            }
            setTimeout(fold, 0);  // the layer control is added after this script
            map.on("click", fold);
        })();
        {% endmacro %}
        """
    )

    narrow_px = NARROW_PX

    def __init__(self) -> None:
        super().__init__()
        self._name = "NarrowScreen"


def fit_to(
    m: folium.Map, lon: ArrayLike, lat: ArrayLike, *, tiles: TileConfig, max_zoom: int = 16
) -> None:
    """Fit the map's view to WGS-84 points (shifted like the overlays); no points: no change.

    Parameters
    ----------
    m
        The map.
    lon, lat
        WGS-84 degrees.
    tiles
        The map's tile source.
    max_zoom
        Zoom no closer than this (a single point would zoom all the way in).
    """
    x, y = to_display(lon, lat, tiles)
    ok = np.isfinite(x) & np.isfinite(y)
    if not ok.any():
        return
    x, y = x[ok], y[ok]
    bounds = [[float(y.min()), float(x.min())], [float(y.max()), float(x.max())]]
    m.fit_bounds(bounds, max_zoom=max_zoom, padding=(20, 20))


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


# -- output ------------------------------------------------------------------
_SCRIPT_RE = re.compile(r'<script src="' + re.escape(_INLINE) + r'/([^"]+)"></script>')
_LINK_RE = re.compile(r'<link[^>]*href="' + re.escape(_INLINE) + r'/([^"]+)"[^>]*/?>')
_CSS_URL_RE = re.compile(r"""url\((['"]?)([^)'"]+)\1\)""")
_REMOTE_RE = re.compile(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//|url\(\s*["']?(?:https?:)?//""")


def _data_uri(path: Path) -> str:
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if path.suffix == ".woff2":
        mime = "font/woff2"
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def _inline_css(rel: str) -> str:
    path = STATIC_DIR / rel
    css = path.read_text(encoding="utf-8")
    folder = PurePosixPath(rel).parent

    def repl(match: re.Match[str]) -> str:
        target = match.group(2)
        if target.startswith(("data:", "#")):
            return match.group(0)
        file = STATIC_DIR / str(PurePosixPath(folder, target)).replace("\\", "/")
        file = file.resolve()
        if file.is_file() and STATIC_DIR in file.parents:
            return f"url({_data_uri(file)})"
        return "url(data:,)"  # a format the page never uses (e.g. a TrueType fallback)

    return _CSS_URL_RE.sub(repl, css)


def _inline_assets(page: str) -> str:
    def script(match: re.Match[str]) -> str:
        js = (STATIC_DIR / match.group(1)).read_text(encoding="utf-8")
        return "<script>" + js.replace("</script", "<\\/script") + "</script>"

    def link(match: re.Match[str]) -> str:
        return "<style>" + _inline_css(match.group(1)).replace("</style", "<\\/style") + "</style>"

    page = _SCRIPT_RE.sub(lambda mt: script(mt), page)
    return _LINK_RE.sub(lambda mt: link(mt), page)


def render_html(m: folium.Map, *, asset_base: str = STATIC_URL, inline: bool = False) -> str:
    """The whole HTML page of a map, with vendored assets only.

    Parameters
    ----------
    m
        The map (an :class:`OfflineMap` from a builder, or any folium map).
    asset_base
        URL prefix of the vendored files when they are linked.
    inline
        Put every asset into the page instead of linking it.

    Returns
    -------
    str
        The page.

    Raises
    ------
    UnknownAssetError
        When an element needs an asset that is not vendored, or the page
        would still load a script, style sheet or image from another host.
    """
    base = _INLINE if inline else asset_base
    old = getattr(m, "asset_base", None)
    m.asset_base = base  # type: ignore[attr-defined]
    try:
        localize(m, asset_base=base)
        page = m.get_root().render()
    finally:
        if old is not None:
            m.asset_base = old  # type: ignore[attr-defined]
    for tag in re.findall(r"<(?:script|link|img)\b[^>]*>", page):
        if _REMOTE_RE.search(tag):
            raise UnknownAssetError(f"the page would load a remote asset: {tag}")
    if inline:
        page = _inline_assets(page)
    lang = getattr(m, "lang", None)
    if lang:
        page = page.replace("<html>", f'<html lang="{"zh-CN" if lang == "zh" else "en"}">', 1)
    return page


def write_standalone(m: folium.Map, path: str | Path) -> None:
    """Write ``m`` as one HTML file that works offline (every asset inlined).

    Only the map tiles come from the network; without it the page works
    on an empty background.

    Parameters
    ----------
    m
        The map.
    path
        Output file; its folder must exist.
    """
    Path(path).write_text(render_html(m, inline=True), encoding="utf-8")


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
