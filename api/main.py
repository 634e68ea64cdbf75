"""The FastAPI application factory."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI, Request, Response
from fastapi.middleware.cors import CORSMiddleware
from fastapi_offline import FastAPIOffline

from api import errors
from api.deps import reject_unknown_query
from api.routers import (
    access,
    closures,
    coverage,
    exports,
    feedback,
    impact,
    inspections,
    loop,
    maps,
    nearest,
    plans,
    regions,
    siting,
    stations,
    tiles,
)
from api.schemas import Health, Problem
from api.service import Service
from api.settings import Settings, load_settings
from geo.errors import ConflictError
from geo.hours import DEFAULT_TZ
from geo.io import import_stations
from geo.stations import StationStore, open_store

log = logging.getLogger(__name__)

DESCRIPTION = """Rest stations for outdoor workers: riders, couriers, sanitation workers and
drivers. Find the nearest open station with what you need, measure 1 km / 15-minute coverage,
rank the gaps and choose new sites. Coordinates are GeoJSON (lon, lat), WGS-84 unless `crs`
asks for `gcj02` (Amap, Tencent) or `bd09` (Baidu)."""


_PROBLEM = {"model": Problem, "content": {"application/problem+json": {}}}
PROBLEM_RESPONSES: dict[int | str, dict[str, object]] = {
    code: {**_PROBLEM, "description": text}
    for code, text in [
        (400, "Unreadable request body"),
        (401, "No API key"),
        (403, "Wrong API key"),
        (404, "No such station"),
        (409, "Conflict"),
        (413, "Upload too large"),
        (422, "Invalid input"),
    ]
}


def open_service_store(settings: Settings) -> StationStore:
    """The store the settings name (PostGIS when ``database_url`` is set, else the SQLite
    ``db``), seeded from ``seed_stations`` when it was never written (workers starting
    together seed it once)."""
    seeds = [p for p in settings.seed_stations if p.is_file()]
    store = open_store(
        settings.database_url or settings.db,
        tz=settings.tz,
        default_tz=settings.seed_tz if seeds else DEFAULT_TZ,
    )
    if seeds and len(store) == 0 and store.version == 0:
        try:
            for seed in seeds:
                report = import_stations(store, seed, crs=settings.seed_crs)
                log.info("seeded %s with %d stations from %s", store.location, report.added, seed)
        except ConflictError:  # another worker seeded it first, in its own transaction
            log.info("%s was seeded by another worker", store.location)
    return store


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the service; nothing is loaded until the app starts."""
    settings = settings or load_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        registry = open_service_store(settings)
        app.state.service = Service.start(settings, registry)
        yield
        registry.close()
        app.state.service = None

    # FastAPIOffline serves Swagger UI and ReDoc from files in its package, not a CDN.
    app = FastAPIOffline(
        static_url="/static/docs",
        dependencies=[Depends(reject_unknown_query)],
        title="stationfinder",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.service = None
    errors.register(app)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PATCH", "DELETE"],
            allow_headers=["X-API-Key", "Content-Type"],
        )

    @app.middleware("http")
    async def frame_policy(request: Request, call_next):  # type: ignore[no-untyped-def]
        response: Response = await call_next(request)
        # Only the configured origins may embed our pages in an iframe.
        response.headers.setdefault(
            "Content-Security-Policy", "frame-ancestors " + " ".join(settings.frame_ancestors)
        )
        return response

    @app.get("/healthz", response_model=Health, tags=["health"], summary="Liveness")
    def healthz() -> Health:
        return Health(status="ok")

    @app.get(
        "/readyz",
        response_model=Health,
        tags=["health"],
        summary="Readiness",
        responses={503: {"description": "Still starting"}},
    )
    def readyz(request: Request, response: Response) -> Health:
        service = request.app.state.service
        if service is None:
            response.status_code = 503
            return Health(status="starting")
        return Health(status="ok", stations=len(service.registry))

    routers = (
        stations.router,
        nearest.router,
        coverage.router,
        impact.router,
        siting.router,
        feedback.router,
        loop.router,
        inspections.router,
        exports.router,
        closures.router,
        maps.router,
        tiles.router,
        regions.router,
        access.router,
        plans.router,
    )
    for router in routers:
        app.include_router(router, responses=PROBLEM_RESPONSES)
    app.mount(maps.STATIC_URL, maps.static_files(), name="maps-static")
    specs = settings.region_specs(default_tz=DEFAULT_TZ)
    layers = sorted({layer for spec in specs for layer in spec.layers})
    _declare_regions(app, [spec.id for spec in specs], layers)
    return app


def _declare_regions(app: FastAPI, ids: list[str], layers: list[str]) -> None:
    """Make every ``region`` (and ``layer``) query parameter of the OpenAPI document an enum
    of the regions (demand layers) this service declares, so the document says exactly
    which values it accepts."""
    if not ids:
        return
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        doc = build()
        for path in doc.get("paths", {}).values():
            for operation in path.values():
                for param in operation.get("parameters", []) if isinstance(operation, dict) else ():
                    if param.get("in") != "query":
                        continue
                    choices = {"region": ids, "layer": layers}.get(param.get("name", ""))
                    if choices:
                        param["schema"] = {"type": "string", "enum": choices}
                        param.pop("examples", None)
                        param["example"] = choices[0]
        app.openapi_schema = doc
        return doc

    app.openapi = openapi  # type: ignore[method-assign]
