"""Base-map tiles drawn by the service from its street network (no tile server needed).

The map pages' default tile URL is :data:`maps.tiles.LOCAL_TILE_URL`. A service
without a street network answers every tile with plain land colour, so the
pages still render.
"""

from __future__ import annotations

import threading
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from api.deps import ServiceDep
from geo.errors import NotFoundError
from maps.tiles import MAX_ZOOM, StreetTiles, TileRangeError

router = APIRouter(tags=["maps"])

_PNG = {200: {"content": {"image/png": {}}, "description": "A 256-pixel PNG tile"}}
_lock = threading.Lock()


def street_tiles(request: Request, service: ServiceDep) -> StreetTiles:
    """The app's tile renderer, built once from the service's network."""
    state = request.app.state
    with _lock:
        tiles: StreetTiles | None = getattr(state, "street_tiles", None)
        if tiles is None:
            net = service.network
            tiles = (
                StreetTiles.from_network(net) if net is not None else StreetTiles([], [], [], [])
            )
            state.street_tiles = tiles
    return tiles


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
        png = street_tiles(request, service).render(z, x, y)
    except TileRangeError as exc:
        raise NotFoundError(str(exc)) from None
    return Response(png, media_type="image/png", headers={"Cache-Control": "public, max-age=86400"})
