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
from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

import numpy as np
import numpy.typing as npt
import shapely
from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

import maps
from api.deps import (
    BBOX_PATTERN,
    CRS_HEADER,
    FilterParams,
    RegionQuery,
    Service,
    ServiceDep,
    bbox_param,
)
from api.routers.coverage import CoverageParams
from api.settings import Settings
from geo.errors import LocalizedInputError
from geo.feedback import ProposalGroup
from geo.mode_networks import mode_label
from geo.names import parse_kind_name
from geo.types import Station
from maps.i18n import Lang

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


def _cached(request: Request, name: str, key: tuple[object, ...], size: int, build: Any) -> Any:
    """``build()`` kept in the app's LRU cache ``name`` (at most ``size`` entries) by ``key``."""
    state = request.app.state
    lock: threading.Lock = state.__dict__.setdefault("maps_lock", threading.Lock())
    with lock:
        cache: OrderedDict[tuple[object, ...], Any] = state.__dict__.setdefault(name, OrderedDict())
        value = cache.get(key)
        if value is not None:
            cache.move_to_end(key)
    if value is None:
        value = build()
        with lock:
            cache[key] = value
            while len(cache) > size:
                cache.popitem(last=False)
    return value


def _page(request: Request, key: tuple[object, ...], build: Callable[[], str]) -> Response:
    """Build (or reuse) a page and send it, gzip-compressed when the client accepts it."""
    body: bytes = _cached(
        request, "maps_pages", key, _PAGE_CACHE_SIZE, lambda: build().encode("utf-8")
    )
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


def popup_notes(service: Service, lang: Lang) -> tuple[dict[str, str], frozenset[str]]:
    """Popup lines (star ratings, temporary closures) and the stations closed now."""
    from geo.score import score_stations
    from maps.notes import station_notes

    now = datetime.now(UTC)
    closed = service.closures.closed_at(now)
    scores = score_stations(service.registry, at=now)
    return station_notes(scores, closed, lang), frozenset(closed)


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
    """Clustered stations (of one region when named) with a legend of kinds and a popup per
    station.

    The page carries no station: it asks ``/maps/stations/clusters`` for each view.
    """
    registry = service.registry
    tiles = tile_config(service.settings)
    lang = lang or service.default_lang(region)
    slot = int(time.time() // _OPEN_NOW_SLOT_S)
    key = ("stations", id(registry), registry.version, _filter_key(filters), lang, tiles, slot)
    key += (region, service.closed_key(None))
    root = request.scope.get("root_path", "")

    def build() -> str:
        stations, _, _ = _view_stations(request, service, filters, region)
        query = [("lang", lang)] + [
            (name, str(v)) for name in ("amenity", "status") for v in getattr(filters, name) or []
        ]
        if region is not None:
            query.append(("region", region))
        if filters.open_at is not None:
            query.append(("open_at", filters.open_at))
        m = maps.stations_map(
            stations,
            lang=lang,
            tiles=tiles,
            tz=region_tz(service, region),
            clusters_url=f"{root}/maps/stations/clusters?{urlencode(query)}",
            kinds=[str(parse_kind_name(k)) for k in filters.kind or []],
        )
        return maps.render_html(m, asset_base=root + STATIC_URL)

    return _page(request, key, build)


def _view_stations(
    request: Request, service: Service, filters: FilterParams, region: str | None = None
) -> tuple[list[Station], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """The filtered stations (of one region when named) and their drawn positions, kept per
    registry version."""
    registry = service.registry
    tiles = tile_config(service.settings)
    key = (id(registry), registry.version, _filter_key(filters), tiles, region)

    def build() -> tuple[list[Station], Any, Any]:
        stations = in_region(service, region, registry.stations(filters.build()))
        x, y = maps.to_display([s.lon for s in stations], [s.lat for s in stations], tiles)
        return stations, x, y

    hit = _cached(request, "maps_views", key, 4, build)
    return hit  # type: ignore[no-any-return]


@router.get("/stations/clusters", summary="Station clusters of one map view (JSON)")
def station_clusters(
    request: Request,
    response: Response,
    service: ServiceDep,
    filters: Annotated[FilterParams, Depends()],
    zoom: Annotated[int, Query(ge=0, le=20, description="Map zoom")],
    view: Annotated[
        str,
        Query(
            alias="bbox",
            description="west,south,east,north of the view (decimal degrees; south ≤ north)",
            json_schema_extra={"pattern": BBOX_PATTERN},
        ),
    ],
    lang: LangQuery = "zh",
    region: RegionQuery = None,
) -> dict[str, Any]:
    """Clusters (``[count, lon, lat, west, south, east, north]``) and the stations that stand
    alone (popup columns) in ``bbox`` at ``zoom``, for the stations map page."""
    bbox = bbox_param(view)  # the same checks as every bbox
    assert bbox is not None
    stations, x, y = _view_stations(request, service, filters, region)
    slot = int(time.time() // _OPEN_NOW_SLOT_S)
    from maps.remote import cluster_view

    notes, closed = popup_notes(service, lang)  # ratings and temporary closures
    response.headers[CRS_HEADER] = service.settings.map_tile_crs  # drawn on the map's tiles
    return cluster_view(
        stations,
        x,
        y,
        zoom=zoom,
        bounds=bbox,
        lang=lang,
        tiles=tile_config(service.settings),
        now=datetime.fromtimestamp(slot * _OPEN_NOW_SLOT_S, UTC),
        tz=region_tz(service, region),
        notes=notes,
        closed_ids=closed,
    )


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
        raise LocalizedInputError(
            "lat and lon must be given together (or neither)", "lat 和 lon 须同时给出（或都不给）"
        )
    lang = lang or service.default_lang(region)
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
    key += (lat, lon, zoom, mode, root, region, service.closed_key(None))

    def build() -> str:
        notes, closed = popup_notes(service, lang)
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
            notes=notes,
            closed_ids=closed,
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
    kwargs = params.as_kwargs(service)
    region = service.region(params.region)
    lang = lang or region.spec.lang
    mode = kwargs["mode"]
    limit = service.limit_m(
        params.standard, params.minutes, params.radius_m, region=region, mode=mode
    )
    counted = service.stations_for(region, reach_m=limit, at=kwargs["at"], kind=kwargs["kind"])
    fixed = {k: v for k, v in kwargs.items() if k != "at"}  # `at` enters through the state
    key = ("coverage", id(registry), registry.version, region.id, tuple(sorted(fixed.items())))
    key += (counted.state, lang, tiles, service.feedback.version)
    key += (service.closed_key(kwargs["at"]),)

    def build() -> str:
        # counted.open already leaves out stations temporarily closed at `at`.
        m = maps.coverage_map_from(
            service.coverage(region.id, **kwargs),
            gaps=service.gaps(region.id, **kwargs),
            impact=service.station_impact(region.id, **kwargs),
            walk_areas=service.walk_areas(region.id, params.minutes, kwargs["kind"], mode),
            stations=[s for s, ok in zip(counted.stations, counted.open, strict=True) if ok],
            demand=region.demand(params.layer),
            proposals=public_groups(service),
            at=kwargs["at"],
            lang=lang,
            tiles=tiles,
            tz=region.spec.tz,
            mode_label=mode_label(mode, lang)
            if params.standard == "walk" and mode != "walk"
            else None,
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
    # The form sends the phone's GPS position (WGS-84) whatever the deployment's default.
    api = f"{root}/stations/{quote(st.id, safe='')}/reports?crs=wgs84&lang={lang}"
    receipt_url = f"{root}/receipts/{{token}}/page?lang={lang}"
    return HTMLResponse(
        report_form_html(st, api=api, lang=lang, receipt_url=receipt_url),
        headers={"Cache-Control": "no-cache"},
    )
