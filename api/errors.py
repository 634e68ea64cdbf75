"""Errors as RFC 9457 problem details (``application/problem+json``)."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.routing import Match

from api.service import NoNetworkError
from geo.errors import (
    ConflictError,
    GeoError,
    ImportValidationError,
    InvalidInputError,
    LocalizedInputError,
    NotFoundError,
    OffNetworkError,
    SolverError,
)
from geo.names import Lang, pick_lang
from geo.plans import PlanChangeError
from geo.siting import InfeasibleTargetError

log = logging.getLogger(__name__)

STATUS_BY_ERROR: dict[type[Exception], tuple[int, str]] = {
    NoNetworkError: (503, "No street network"),
    ImportValidationError: (422, "Invalid station file"),
    InfeasibleTargetError: (422, "Target not reachable"),
    InvalidInputError: (422, "Invalid input"),
    OffNetworkError: (422, "Point is off the street network"),
    NotFoundError: (404, "Not found"),
    ConflictError: (409, "Conflict"),
    SolverError: (503, "Solver gave no answer"),
    GeoError: (400, "Bad request"),
}


def request_lang(request: Request) -> Lang:
    """The language a request asks for: ``lang`` in the query, else Accept-Language."""
    return pick_lang(request.query_params.get("lang"), request.headers.get("accept-language"))


def problem(status: int, title: str, detail: str, request: Request, **extra: Any) -> JSONResponse:
    body = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": str(request.url.path),
        **extra,
    }
    return JSONResponse(body, status_code=status, media_type="application/problem+json")


def _geo_handler(status: int, title: str) -> Any:
    async def handler(request: Request, exc: Exception) -> JSONResponse:
        extra: dict[str, Any] = {}
        if isinstance(exc, ImportValidationError):
            extra["errors"] = [
                {"row": p.row, "column": p.column, "reason": p.reason}  # type: ignore[attr-defined]
                for p in exc.problems
            ]
        if isinstance(exc, PlanChangeError):  # which change of a plan, and which field
            extra.update(change=exc.index, field=exc.field)
        detail = str(exc)
        if isinstance(exc, LocalizedInputError):
            detail = exc.message(request_lang(request))
        return problem(status, title, detail, request, **extra)

    return handler


async def _validation_handler(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = [
        {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
        for e in exc.errors()
    ]
    if request_lang(request) == "zh":
        detail = "；".join(
            f"参数 {'.'.join(str(x) for x in e['loc'])} 无效：{e['msg']}" for e in errors
        )
        return problem(422, "请求无效", detail, request, errors=errors)
    detail = "; ".join(f"{'.'.join(str(x) for x in e['loc'])}: {e['msg']}" for e in errors)
    return problem(422, "Invalid request", detail, request, errors=errors)


async def _http_handler(request: Request, exc: HTTPException) -> JSONResponse:
    resp = problem(exc.status_code, _TITLES.get(exc.status_code, "Error"), str(exc.detail), request)
    for k, v in (exc.headers or {}).items():
        resp.headers[k] = v
    if exc.status_code == 405:
        # Starlette names only the first matching route's methods; list every route's.
        allowed: set[str] = set()
        for route in request.app.routes:
            if route.matches(request.scope)[0] != Match.NONE:
                allowed |= set(getattr(route, "methods", None) or ())
        resp.headers["Allow"] = ", ".join(sorted(allowed))
    return resp


async def _unexpected_handler(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s", request.url.path)
    return problem(500, "Internal error", "The server failed; the error was logged.", request)


_TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    413: "Payload too large",
    422: "Invalid request",
    429: "Too many requests",
}


def register(app: FastAPI) -> None:
    """Install the problem-details handlers on ``app``."""
    # Subclasses first, so the most specific status wins.
    for exc_type, (status, title) in STATUS_BY_ERROR.items():
        app.add_exception_handler(exc_type, _geo_handler(status, title))
    app.add_exception_handler(RequestValidationError, _validation_handler)  # type: ignore[arg-type]
    app.add_exception_handler(HTTPException, _http_handler)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _unexpected_handler)
