"""Base-map tiles drawn by the service from its regions' street networks (no tile server).

The map pages' default tile URL is :data:`maps.tiles.LOCAL_TILE_URL`. A tile
is drawn from the region whose boundary it touches (loading it if needed; with
more regions declared than may be held, a region never used on this machine has
no known boundary yet, and its pages load it first); anywhere else it is plain
land colour, so the pages still render.
"""

from __future__ import annotations

import threading
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from api.deps import ServiceDep
from geo.errors import NotFoundError
from maps.tiles import MAX_ZOOM, StreetTiles, TileRangeError, mercator

router = APIRouter(tags=["maps"])

_PNG = {200: {"content": {"image/png": {}}, "description": "A 256-pixel PNG tile"}}
_lock = threading.Lock()
_EMPTY = StreetTiles([], [], [], [])


def street_tiles(request: Request, service: ServiceDep, z: int, x: int, y: int) -> StreetTiles:
    """The renderer of the region under tile ``z/x/y`` (one per region, built once while
    the region is held), or an empty one where no region is."""
    n = 2**z
    regions = service.regions
    # With more regions than may be held, only those whose boundary is known without
    # loading (declared, or seen once): a tile must never load fifty networks to find out
    # where they are.
    may_load = len(regions.ids) <= service.settings.max_regions_loaded
    for region_id in regions.ids:
        boundary = regions.boundary(region_id) if may_load else regions.known_boundary(region_id)
        if boundary is None:
            continue
        w, s, e, north = boundary.bounds
        (left, right), (bottom, top) = mercator([w, e], [s, north])
        if right < x / n or left > (x + 1) / n or bottom < y / n or top > (y + 1) / n:
            continue
        region = service.regions.get(region_id)
        with _lock:
            held: dict[str, tuple[object, StreetTiles]] = request.app.state.__dict__.setdefault(
                "street_tiles", {}
            )
            loaded = set(service.regions.loaded())
            for gone in [k for k in held if k not in loaded]:
                del held[gone]  # evicted regions take their tiles with them
            net, tiles = held.get(region_id, (None, None))  # type: ignore[assignment]
            if net is not region.network or tiles is None:
                tiles = StreetTiles.from_network(region.network)
                held[region_id] = (region.network, tiles)
        return tiles
    return _EMPTY


@router.get(
    "/tiles/{z}/{x}/{y}.png",
    response_class=Response,
    responses=_PNG,  # type: ignore[arg-type]
    summary="Base-map tile of the streets (PNG)",
)
def tile(
    request: Request,
    service: ServiceDep,
    z: Annotated[int, Path(ge=0, le=MAX_ZOOM, description="Zoom level")],
    x: Annotated[int, Path(ge=0, description="Column, 0 … 2**z − 1")],
    y: Annotated[int, Path(ge=0, description="Row, 0 … 2**z − 1")],
) -> Response:
    """XYZ (Web Mercator) tile ``z/x/y`` of the OpenStreetMap streets the service walks on."""
    try:
        png = street_tiles(request, service, z, x, y).render(z, x, y)
    except TileRangeError as exc:
        raise NotFoundError(str(exc)) from None
    return Response(png, media_type="image/png", headers={"Cache-Control": "public, max-age=86400"})
