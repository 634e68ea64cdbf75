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
from typing import Annotated, Any, Literal

import shapely
from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

import maps
from api.deps import FilterParams, RegionQuery, Service, ServiceDep
from api.routers.coverage import CoverageParams
from api.settings import Settings
from geo.errors import InvalidInputError
from geo.feedback import ProposalGroup

router = APIRouter(prefix="/maps", tags=["maps"])

STATIC_URL = maps.STATIC_URL
"""Where :func:`static_files` is mounted."""

_PAGE_CACHE_SIZE = 16
_OPEN_NOW_SLOT_S = 300  # "open now" in popups is at most five minutes old
_GZIP_MIN_BYTES = 4096

LangQuery = Annotated[
    Literal["zh", "en"] | None,
    Query(
        description="Language of the page: zh (Chinese) or en (English); default: the "
        "region's (the first region's without one)"
    ),
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

    Walking when the service has regions with street networks (a point in
    none gets a 422 and the page falls back to straight-line by itself).
    """
    return "walk" if service.regions.specs else "straight"


def region_tz(service: Service, region: str | None) -> str:
    """The time zone "open now" is read in: the region's, else the registry's."""
    return service.regions.spec(region).tz if region is not None else service.registry.tz


def in_region(service: Service, region: str | None, stations: list[Any]) -> list[Any]:
    """``stations`` inside the region's boundary (all of them without a region)."""
    if region is None:
        return stations
    boundary = service.regions.boundary(service.regions.resolve(region))
    lon = [s.lon for s in stations]
    lat = [s.lat for s in stations]
    inside = shapely.intersects_xy(boundary, lon, lat) if stations else []
    return [s for s, ok in zip(stations, inside, strict=True) if ok]


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
    region: RegionQuery = None,
    lang: LangQuery = None,
) -> Response:
    """Clustered stations (of one region when named) with a legend of kinds and popups."""
    registry = service.registry
    tiles = tile_config(service.settings)
    where = filters.build()
    lang = lang or service.default_lang(region)
    slot = int(time.time() // _OPEN_NOW_SLOT_S)
    key = ("stations", id(registry), registry.version, _filter_key(filters), lang, tiles, slot)
    key += (region,)

    def build() -> str:
        shown = in_region(service, region, registry.stations(where))
        m = maps.stations_map(shown, lang=lang, tiles=tiles, tz=region_tz(service, region))
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
    region: RegionQuery = None,
    lang: LangQuery = None,
) -> Response:
    """Stations, and a button that lists the nearest ones to the viewer's position."""
    if (lat is None) != (lon is None):
        raise InvalidInputError("lat and lon must be given together (or neither)")
    lang = lang or service.default_lang(region)
    registry = service.registry
    tiles = tile_config(service.settings)
    where = filters.build()
    mode = nearest_mode(service)
    root = request.scope.get("root_path", "")
    query = {
        "kind": [str(k) for k in filters.kind or []],
        "amenity": [str(a) for a in filters.amenity or []],
    }
    slot = int(time.time() // _OPEN_NOW_SLOT_S)
    key = ("embed", id(registry), registry.version, _filter_key(filters), lang, tiles, slot)
    key += (lat, lon, zoom, mode, root, region)

    def build() -> str:
        m = maps.embed_map(
            in_region(service, region, registry.stations(where)),
            lat=lat,
            lon=lon,
            zoom=zoom,
            lang=lang,
            tiles=tiles,
            tz=region_tz(service, region),
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
    lang: LangQuery = None,
) -> Response:
    """1 km circles, 15-minute walking areas, cells covered 0/1/2+ times, ranked gaps, demand,
    in one region (the only one, or the one named by ``region``)."""
    registry = service.registry
    tiles = tile_config(service.settings)
    kwargs = params.as_kwargs()
    region = service.region(params.region)
    lang = lang or region.spec.lang
    limit = service.limit_m(params.standard, params.minutes, params.radius_m)
    counted = service.stations_for(region, reach_m=limit, at=kwargs["at"])
    fixed = {k: v for k, v in kwargs.items() if k != "at"}  # `at` enters through the state
    key = ("coverage", id(registry), registry.version, region.id, tuple(sorted(fixed.items())))
    key += (counted.state, lang, tiles, service.feedback.version)

    def build() -> str:
        m = maps.coverage_map_from(
            service.coverage(region.id, **kwargs),
            gaps=service.gaps(region.id, **kwargs),
            impact=service.station_impact(region.id, **kwargs),
            walk_areas=service.walk_areas(region.id, params.minutes),
            stations=[s for s, ok in zip(counted.stations, counted.open, strict=True) if ok],
            demand=region.demand(params.layer),
            proposals=public_groups(service),
            lang=lang,
            tiles=tiles,
            tz=region.spec.tz,
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
    region: RegionQuery = None,
    lang: LangQuery = None,
) -> Response:
    """Candidate sites (the region's places or junctions) and the chosen ones, numbered
    with their gains."""
    registry = service.registry
    tiles = tile_config(service.settings)
    chosen = service.region(region)
    lang = lang or chosen.spec.lang
    key = ("suggest", id(registry), registry.version, chosen.id, k, standard, minutes, radius_m)
    key += (lang, tiles)

    def build() -> str:
        _, scored = service.suggest(
            chosen.id,
            candidates=None,
            standard=standard,
            minutes=minutes,
            radius_m=radius_m,
            k=k,
            target_share=None,
            double=False,
            method="exact",
        )
        limit = service.limit_m(standard, minutes, radius_m)
        counted = service.stations_for(chosen, reach_m=limit, at=None)
        m = maps.suggestions_map_from(
            scored,
            stations=counted.stations,
            lang=lang,
            tiles=tiles,
            tz=chosen.spec.tz,
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
    lang: LangQuery = None,
) -> Response:
    """A small form that posts to ``POST /stations/{id}/reports`` (linked from popups)."""
    from urllib.parse import quote

    from maps.report import report_form_html

    st = service.registry.get(station)  # 404 for an unknown id
    lang = lang or service.default_lang(service.regions.containing(st.lon, st.lat))
    root = request.scope.get("root_path", "")
    api = f"{root}/stations/{quote(st.id, safe='')}/reports"
    return HTMLResponse(
        report_form_html(st, api=api, lang=lang), headers={"Cache-Control": "no-cache"}
    )
