"""Map pages: the stations map and the embeddable "locate me" map, as HTML.

The pages link Leaflet and its plugins from :data:`maps.STATIC_URL`, which
:func:`static_files` serves from the files vendored in ``maps/static``. Who
may frame the pages is set by the app's ``frame-ancestors`` policy.

``/maps/coverage`` and ``/maps/suggest`` draw the coverage and siting results
that the service caches per registry version.
"""

from __future__ import annotations

import gzip
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import replace
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

import maps
from api.deps import FilterParams, Service, ServiceDep
from api.routers.coverage import CoverageParams
from api.settings import Settings
from geo.errors import InvalidInputError
from geo.feedback import ProposalGroup
from geo.registry import StationFilter

router = APIRouter(prefix="/maps", tags=["maps"])

STATIC_URL = maps.STATIC_URL
"""Where :func:`static_files` is mounted."""

_PAGE_CACHE_SIZE = 16
_OPEN_NOW_SLOT_S = 300  # "open now" in popups is at most five minutes old
_GZIP_MIN_BYTES = 4096

LangQuery = Annotated[
    Literal["zh", "en"], Query(description="Language of the page: zh (Chinese) or en (English)")
]


def static_files() -> StaticFiles:
    """The vendored map assets, to mount at :data:`STATIC_URL`."""
    return StaticFiles(directory=maps.STATIC_DIR)


def tile_config(settings: Settings) -> maps.TileConfig:
    """The tile source the settings name."""
    return maps.TileConfig(
        settings.map_tile_url,
        settings.map_tile_attribution,
        crs=settings.map_tile_crs,
        subdomains=settings.map_tile_subdomains,
    )


def nearest_mode(service: Service) -> Literal["straight", "walk"]:
    """The distance mode the "locate me" list asks for.

    Straight-line until the service has a street network to walk on; the
    page falls back to straight-line by itself if a walking query fails.
    """
    return "walk" if getattr(service, "network", None) is not None else "straight"


def _page(request: Request, key: tuple[object, ...], build: Callable[[], str]) -> Response:
    """Build (or reuse) a page and send it, gzip-compressed when the client accepts it."""
    state = request.app.state
    lock: threading.Lock = state.__dict__.setdefault("maps_lock", threading.Lock())
    with lock:
        cache: OrderedDict[tuple[object, ...], bytes] = state.__dict__.setdefault(
            "maps_pages", OrderedDict()
        )
        body = cache.get(key)
        if body is not None:
            cache.move_to_end(key)
    if body is None:
        body = build().encode("utf-8")
        with lock:
            cache[key] = body
            while len(cache) > _PAGE_CACHE_SIZE:
                cache.popitem(last=False)
    headers = {"Vary": "Accept-Encoding", "Cache-Control": "no-cache"}
    if len(body) >= _GZIP_MIN_BYTES and "gzip" in request.headers.get("accept-encoding", ""):
        body = gzip.compress(body, compresslevel=5)
        headers["Content-Encoding"] = "gzip"
    return HTMLResponse(body, headers=headers)


def public_groups(service: Service) -> list[ProposalGroup]:
    """Open proposal groups for a public page: centroids rounded to 0.001° (about 100 m),
    members dropped, so no proposer's exact position or identity leaves the service."""
    groups, _ = service.proposal_groups()
    return [replace(g, lon=round(g.lon, 3), lat=round(g.lat, 3), proposals=()) for g in groups]


def _filter_key(filters: FilterParams) -> tuple[object, ...]:
    return (
        tuple(sorted(map(str, filters.kind or []))),
        tuple(sorted(map(str, filters.amenity or []))),
        tuple(sorted(map(str, filters.status or []))),
        filters.open_at,
    )


@router.get(
    "/stations",
    response_class=HTMLResponse,
    summary="Map of the stations (HTML)",
    responses={200: {"content": {"text/html": {}}, "description": "The map page"}},
)
def stations_page(
    request: Request,
    service: ServiceDep,
    filters: Annotated[FilterParams, Depends()],
    lang: LangQuery = "zh",
) -> Response:
    """Clustered stations with a legend of kinds and a popup per station."""
    registry = service.registry
    tiles = tile_config(service.settings)
    where = filters.build()
    slot = int(time.time() // _OPEN_NOW_SLOT_S)
    key = ("stations", id(registry), registry.version, _filter_key(filters), lang, tiles, slot)

    def build() -> str:
        m = maps.stations_map(registry.stations(where), lang=lang, tiles=tiles, tz=registry.tz)
        return maps.render_html(m, asset_base=request.scope.get("root_path", "") + STATIC_URL)

    return _page(request, key, build)


@router.get(
    "/embed",
    response_class=HTMLResponse,
    summary="Embeddable map with a 'locate me' button (HTML)",
    responses={200: {"content": {"text/html": {}}, "description": "The map page"}},
)
def embed_page(
    request: Request,
    service: ServiceDep,
    filters: Annotated[FilterParams, Depends()],
    lat: Annotated[
        float | None, Query(ge=-90, le=90, description="Centre latitude, WGS-84")
    ] = None,
    lon: Annotated[
        float | None, Query(ge=-180, le=180, description="Centre longitude, WGS-84")
    ] = None,
    zoom: Annotated[int, Query(ge=1, le=19, description="Initial zoom with a centre")] = 15,
    lang: LangQuery = "zh",
) -> Response:
    """Stations, and a button that lists the nearest ones to the viewer's position."""
    if (lat is None) != (lon is None):
        raise InvalidInputError("lat and lon must be given together (or neither)")
    registry = service.registry
    tiles = tile_config(service.settings)
    where = filters.build()
    mode = nearest_mode(service)
    root = request.scope.get("root_path", "")
    # The nearest list asks with every filter the map was drawn with; "now" is the instant
    # the page was built at, so the list and the map agree on what is open.
    query = {
        "kind": [str(k) for k in filters.kind or []],
        "amenity": [str(a) for a in filters.amenity or []],
        "status": [str(s) for s in filters.status or []],
        "open_at": [where.open_at.isoformat()] if where.open_at is not None else [],
    }
    slot = int(time.time() // _OPEN_NOW_SLOT_S)
    key = ("embed", id(registry), registry.version, _filter_key(filters), lang, tiles, slot)
    key += (lat, lon, zoom, mode, root)

    def build() -> str:
        m = maps.embed_map(
            registry.stations(where),
            lat=lat,
            lon=lon,
            zoom=zoom,
            lang=lang,
            tiles=tiles,
            tz=registry.tz,
            api=root + "/nearest",
            mode=mode,
            query=query,
            report_url=root + f"/maps/report?station={{id}}&lang={lang}",
        )
        return maps.render_html(m, asset_base=root + STATIC_URL)

    return _page(request, key, build)


@router.get(
    "/coverage",
    response_class=HTMLResponse,
    summary="Planner's coverage map (HTML)",
    responses={200: {"content": {"text/html": {}}, "description": "The map page"}},
)
def coverage_page(
    request: Request,
    service: ServiceDep,
    params: Annotated[CoverageParams, Depends()],
    lang: LangQuery = "zh",
) -> Response:
    """1 km circles, 15-minute walking areas, cells covered 0/1/2+ times, ranked gaps, demand."""
    registry = service.registry
    tiles = tile_config(service.settings)
    kwargs = params.as_kwargs()
    key = ("coverage", id(registry), registry.version, tuple(sorted(kwargs.items())), lang, tiles)
    key += (service.feedback.version,)

    def build() -> str:
        m = maps.coverage_map_from(
            service.coverage(**kwargs),
            gaps=service.gaps(**kwargs),
            walk_areas=service.walk_areas(params.minutes, kwargs["kind"]),
            stations=registry.stations(
                StationFilter.build(open_at=kwargs["at"], kinds=kwargs["kind"] or None)
            ),
            demand=service.demand,
            proposals=public_groups(service),
            at=kwargs["at"],
            lang=lang,
            tiles=tiles,
            tz=registry.tz,
        )
        return maps.render_html(m, asset_base=request.scope.get("root_path", "") + STATIC_URL)

    return _page(request, key, build)


@router.get(
    "/suggest",
    response_class=HTMLResponse,
    summary="Suggested new sites (HTML)",
    responses={200: {"content": {"text/html": {}}, "description": "The map page"}},
)
def suggest_page(
    request: Request,
    service: ServiceDep,
    k: Annotated[int, Query(ge=1, le=50, description="How many new sites")] = 5,
    standard: Annotated[Literal["walk", "radius"], Query()] = "walk",
    minutes: Annotated[float, Query(gt=0, le=120)] = 15.0,
    radius_m: Annotated[float, Query(gt=0, le=50_000)] = 1000.0,
    lang: LangQuery = "zh",
) -> Response:
    """Candidate sites (OSM places) and the chosen ones, numbered with their gains."""
    registry = service.registry
    tiles = tile_config(service.settings)
    key = ("suggest", id(registry), registry.version, k, standard, minutes, radius_m, lang, tiles)

    def build() -> str:
        _, scored = service.suggest(
            candidates=None,
            standard=standard,
            minutes=minutes,
            radius_m=radius_m,
            k=k,
            target_share=None,
            double=False,
            method="exact",
        )
        m = maps.suggestions_map_from(
            scored,
            stations=registry.stations(StationFilter()),
            lang=lang,
            tiles=tiles,
            tz=registry.tz,
        )
        return maps.render_html(m, asset_base=request.scope.get("root_path", "") + STATIC_URL)

    return _page(request, key, build)


@router.get(
    "/report",
    response_class=HTMLResponse,
    summary="'Report a problem' form for one station (HTML)",
    responses={200: {"content": {"text/html": {}}, "description": "The form page"}},
)
def report_page(
    request: Request,
    service: ServiceDep,
    station: Annotated[str, Query(min_length=1, max_length=200, description="Station id")],
    lang: LangQuery = "zh",
) -> Response:
    """A small form that posts to ``POST /stations/{id}/reports`` (linked from popups)."""
    from urllib.parse import quote

    from maps.report import report_form_html

    st = service.registry.get(station)  # 404 for an unknown id
    root = request.scope.get("root_path", "")
    api = f"{root}/stations/{quote(st.id, safe='')}/reports"
    return HTMLResponse(
        report_form_html(st, api=api, lang=lang), headers={"Cache-Control": "no-cache"}
    )
