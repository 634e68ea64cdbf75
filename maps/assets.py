"""Offline assets of map pages: the vendored JavaScript and CSS, linked or inlined.

Every page's JavaScript and CSS (Leaflet and its plugins) comes from the files
vendored in ``maps/static`` (see its README), never from a CDN:

* served pages link them under :data:`STATIC_URL`, which the service mounts;
* standalone files (:func:`write_standalone`) carry them inline, fonts and
  images as ``data:`` URIs, so the file works with no network at all.

folium's elements name their assets in ``default_js`` / ``default_css``;
:func:`localize` rewrites those names to the vendored files on each element
of a map (never on folium's classes), and raises for an asset it does not
know, so a new plugin cannot silently pull from a CDN.
"""

from __future__ import annotations

import base64
import mimetypes
import re
from pathlib import Path, PurePosixPath

import branca.element
import folium
from folium.elements import JSCSSMixin

__all__ = [
    "ASSETS",
    "DROPPED",
    "STATIC_DIR",
    "STATIC_URL",
    "UnknownAssetError",
    "localize",
    "page_template",
    "render_html",
    "write_standalone",
]

STATIC_DIR = Path(__file__).resolve().parent / "static"
"""Folder of the vendored JavaScript and CSS."""

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
"""Folder of the pages' Jinja templates (their JavaScript lives there, not in strings)."""

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


def page_template(name: str) -> branca.element.Template:
    """A Jinja template of :data:`TEMPLATES_DIR`, for an element's ``_template``."""
    return branca.element.Template((TEMPLATES_DIR / name).read_text(encoding="utf-8"))
