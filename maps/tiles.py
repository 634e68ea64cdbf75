"""Base-map tiles drawn locally from the street network, so no page needs a tile server.

The service serves them at ``/tiles/{z}/{x}/{y}.png`` (the default tile URL):
256-pixel Web Mercator (XYZ) tiles of the OpenStreetMap streets it already
loaded for walking, drawn with Pillow. Segments are picked per tile with
numpy bounding-box masks over arrays precomputed once; lines are drawn at
twice the size and scaled down, which anti-aliases them.

A standalone file has no server to ask for tiles, so it carries the streets
as one vector layer instead (:func:`street_layer`), in a pane under every
overlay.
"""

from __future__ import annotations

import io
import threading
from collections import OrderedDict

import folium
import numpy as np
import numpy.typing as npt
from numpy.typing import ArrayLike
from PIL import Image, ImageDraw

from geo.network import StreetNetwork
from maps.base import NO_TILES, TileConfig, to_display
from maps.i18n import Lang, text

__all__ = [
    "LOCAL_TILE_ATTRIBUTION",
    "LOCAL_TILE_URL",
    "MAX_ZOOM",
    "StreetTiles",
    "TileRangeError",
    "add_street_layer",
    "street_layer",
]

LOCAL_TILE_URL = "/tiles/{z}/{x}/{y}.png"
"""Where the service serves :class:`StreetTiles` (relative, so any host and port work)."""

LOCAL_TILE_ATTRIBUTION = (
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
)
"""The street data is OpenStreetMap's, whoever draws it."""

MAX_ZOOM = 20
TILE_PX = 256
_SCALE = 2  # drawn at 2× and scaled down: anti-aliased lines
_LAND = (242, 239, 233)
_CASING = (176, 170, 158)
_STREET = (255, 255, 255)
_MAX_LAT = 85.0511287798  # Web Mercator's edge


class TileRangeError(ValueError):
    """A tile address outside the pyramid (zoom 0–20, 0 ≤ x, y < 2**zoom)."""


def mercator(
    lon: ArrayLike, lat: ArrayLike
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """WGS-84 degrees → Web Mercator world coordinates in [0, 1] (y down, as tiles count)."""
    lam = np.radians(np.asarray(lon, dtype=float))
    phi = np.radians(np.clip(np.asarray(lat, dtype=float), -_MAX_LAT, _MAX_LAT))
    mx = (lam + np.pi) / (2 * np.pi)
    my = (1 - np.log(np.tan(phi) + 1 / np.cos(phi)) / np.pi) / 2
    return mx, my


def _width(z: int) -> int:
    """Street width in final pixels at zoom ``z``."""
    return 1 if z < 14 else 2 if z < 16 else 4 if z < 18 else 7


class StreetTiles:
    """PNG tiles of street segments.

    Parameters
    ----------
    lon0, lat0, lon1, lat1
        Segment ends in WGS-84 degrees, one entry per segment.
    cache_size
        How many rendered tiles to keep (least recently used go first).

    Examples
    --------
    >>> tiles = StreetTiles([24.94], [60.17], [24.95], [60.17])
    >>> tiles.render(0, 0, 0)[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
    True
    """

    def __init__(
        self,
        lon0: ArrayLike,
        lat0: ArrayLike,
        lon1: ArrayLike,
        lat1: ArrayLike,
        *,
        cache_size: int = 2048,
    ) -> None:
        x0, y0 = mercator(lon0, lat0)
        x1, y1 = mercator(lon1, lat1)
        self._xy = np.column_stack([x0, y0, x1, y1])
        self._lo = np.column_stack([np.minimum(x0, x1), np.minimum(y0, y1)])
        self._hi = np.column_stack([np.maximum(x0, x1), np.maximum(y0, y1)])
        self._cache: OrderedDict[tuple[int, int, int], bytes] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()
        self._blank = _png(Image.new("RGB", (TILE_PX, TILE_PX), _LAND))

    @classmethod
    def from_network(cls, net: StreetNetwork, **kwargs: int) -> StreetTiles:
        """The tiles of every segment of ``net``."""
        return cls(
            net.lon[net.edge_u],
            net.lat[net.edge_u],
            net.lon[net.edge_v],
            net.lat[net.edge_v],
            **kwargs,
        )

    def __len__(self) -> int:
        return int(self._xy.shape[0])

    def segments_in(
        self, z: int, x: int, y: int, *, margin_px: float = 8.0
    ) -> npt.NDArray[np.intp]:
        """Indices of the segments whose bounding box touches tile ``z/x/y`` (with a margin)."""
        _check(z, x, y)
        n = 2**z
        pad = margin_px / TILE_PX / n
        left, top = x / n - pad, y / n - pad
        right, bottom = (x + 1) / n + pad, (y + 1) / n + pad
        hit = (
            (self._hi[:, 0] >= left)
            & (self._lo[:, 0] <= right)
            & (self._hi[:, 1] >= top)
            & (self._lo[:, 1] <= bottom)
        )
        return np.flatnonzero(hit)

    def render(self, z: int, x: int, y: int) -> bytes:
        """Tile ``z/x/y`` as PNG bytes; land colour only where there are no streets."""
        key = (z, x, y)
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        picked = self.segments_in(z, x, y)
        png = self._blank if picked.size == 0 else self._draw(z, x, y, picked)
        with self._lock:
            self._cache[key] = png
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return png

    def _draw(self, z: int, x: int, y: int, picked: npt.NDArray[np.intp]) -> bytes:
        size = TILE_PX * _SCALE
        scale = 2**z * size
        px = self._xy[picked] * scale - np.array([x, y, x, y], dtype=float) * size
        img = Image.new("RGB", (size, size), _LAND)
        draw = ImageDraw.Draw(img)
        width = _width(z) * _SCALE
        lines = px.tolist()
        # Casing first, then the street on top, so crossings join cleanly.
        for colour, w in ((_CASING, width + 2 * _SCALE), (_STREET, width)):
            for x0, y0, x1, y1 in lines:
                draw.line((x0, y0, x1, y1), fill=colour, width=w)
        return _png(img.resize((TILE_PX, TILE_PX), Image.Resampling.LANCZOS))


def street_layer(
    net: StreetNetwork, *, lang: Lang = "en", tiles: TileConfig = NO_TILES
) -> folium.GeoJson:
    """Every street segment of ``net`` as one non-interactive vector layer, under the overlays.

    Parameters
    ----------
    net
        The street network.
    lang
        Language of the layer's name.
    tiles
        The page's tile source (GCJ-02 tiles shift the streets to match).

    Returns
    -------
    folium.GeoJson
        Add it to a map made without tiles; coordinates are rounded to 1e-5° (about 1 m).
    """
    x, y = to_display(net.lon, net.lat, tiles)
    xy = np.round(np.column_stack([x, y]), 5)
    lines = np.stack([xy[net.edge_u], xy[net.edge_v]], axis=1).tolist()
    data = {
        "type": "Feature",
        "properties": {},
        "geometry": {"type": "MultiLineString", "coordinates": lines},
    }
    layer = folium.GeoJson(
        data,
        name=text("streets", lang),
        style_function=lambda _: {"color": "#9a9488", "weight": 1.5, "opacity": 0.8},
        interactive=False,
        control=True,
        overlay=True,
    )
    return layer


def add_street_layer(
    m: folium.Map, net: StreetNetwork, *, lang: Lang = "en", tiles: TileConfig = NO_TILES
) -> None:
    """Add :func:`street_layer` to ``m`` in its own pane below the overlays (z-index 250)."""
    folium.map.CustomPane("streets", z_index=250, pointer_events=False).add_to(m)
    layer = street_layer(net, lang=lang, tiles=tiles)
    layer.options["pane"] = "streets"
    layer.add_to(m)
    # A layer control lists the layers added before it; move it last so it lists the streets
    # too (before, it named a layer not yet defined and the page stopped with an error).
    for key, child in list(m._children.items()):
        if isinstance(child, folium.LayerControl):
            del m._children[key]
            m.add_child(child, name=key)


def _check(z: int, x: int, y: int) -> None:
    if not 0 <= z <= MAX_ZOOM:
        raise TileRangeError(f"zoom {z} is outside 0–{MAX_ZOOM}")
    n = 2**z
    if not (0 <= x < n and 0 <= y < n):
        raise TileRangeError(f"tile x={x}, y={y} is outside 0–{n - 1} at zoom {z}")


def _png(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=False)
    return buf.getvalue()
