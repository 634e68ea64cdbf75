"""Errors as RFC 9457 problem details (``application/problem+json``)."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.routing import Match

from api import problem_lang
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
        lang = request_lang(request)
        if isinstance(exc, ImportValidationError):
            extra["errors"] = [
                {"row": p.row, "column": p.column, "reason": p.said(lang)}  # type: ignore[attr-defined]
                for p in exc.problems
            ]
        if isinstance(exc, PlanChangeError):  # which change of a plan, and which field
            extra.update(change=exc.index, field=exc.field)
        if isinstance(exc, LocalizedInputError):
            detail = exc.message(lang)
        elif isinstance(exc, ImportValidationError) and lang == "zh":
            detail = problem_lang.file_problems_zh(exc.path, extra["errors"])
        else:
            detail = problem_lang.detail(str(exc), title, lang)
        return problem(status, problem_lang.title(title, lang), detail, request, **extra)

    return handler


async def _validation_handler(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = [
        {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
        for e in exc.errors()
    ]
    lang = request_lang(request)
    said = [problem_lang.validation_message(dict(e), lang) for e in exc.errors()]
    detail = ("；" if lang == "zh" else "; ").join(said)
    return problem(422, problem_lang.title("Invalid request", lang), detail, request, errors=errors)


async def _http_handler(request: Request, exc: HTTPException) -> JSONResponse:
    lang = request_lang(request)
    title = _TITLES.get(exc.status_code, "Error")
    detail = problem_lang.detail(str(exc.detail), title, lang)
    resp = problem(exc.status_code, problem_lang.title(title, lang), detail, request)
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
