"""Error responses: a page or a JSON object with a message, never a stack trace.

- :class:`~clusteratlas.errors.NotFoundError`, unknown routes -> 404;
- :class:`~clusteratlas.errors.InputError` and FastAPI's validation errors -> 422 (naming the
  parameter);
- anything else -> 500 with a generic message (the exception is logged server-side).

JSON is answered to ``/api/...``, ``*.json`` and ``?format=json`` requests, HTML otherwise.
JSON errors have the API's shape: ``{"status": 404, "message": "...", "parameter": null,
"errors": []}``.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import Response

from clusteratlas.errors import ClusterAtlasError, InputError, NotFoundError, StoreError

log = logging.getLogger("clusteratlas.web")
TITLES = {
    404: "Not found",
    405: "Method not allowed",
    422: "Invalid request",
    500: "Server error",
    503: "Atlas unavailable",
}


def wants_json(request: Request) -> bool:
    path = request.url.path
    return (
        path.startswith("/api/")
        or path.endswith(".json")
        or path == "/openapi.json"
        or request.query_params.get("format") == "json"
    )


def error_response(
    request: Request, status: int, message: str, parameter: str | None = None
) -> Response:
    from clusteratlas.web.render import json_response, render_text

    if wants_json(request):
        body = {"status": status, "message": message, "parameter": parameter, "errors": []}
        return json_response(body, status=status)
    try:
        info: Any = request.app.state.atlas.info()
    except Exception:  # the atlas itself may be what failed
        info = {}
    body = render_text(
        "error.html",
        {
            "status": status,
            "title": TITLES.get(status, "Error"),
            "message": message,
            "parameter": parameter,
            "atlas": info,
            "synthetic": bool(info.get("synthetic")),
            "url": request.url.path,
            "page": None,
        },
    )
    return Response(body, status_code=status, media_type="text/html; charset=utf-8")


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""

    @app.exception_handler(NotFoundError)
    async def not_found(request: Request, exc: NotFoundError) -> Response:
        return error_response(
            request, 404, str(getattr(exc, "message", None) or exc), getattr(exc, "parameter", None)
        )

    @app.exception_handler(InputError)
    async def bad_input(request: Request, exc: InputError) -> Response:
        return error_response(request, 422, exc.message, exc.parameter)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        errs = exc.errors()
        first = errs[0] if errs else {}
        loc = [str(p) for p in first.get("loc", []) if p not in ("query", "path", "body")]
        return error_response(
            request, 422, str(first.get("msg", "invalid request")), ".".join(loc) or None
        )

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        message = (
            exc.detail
            if isinstance(exc.detail, str) and exc.status_code != 404
            else "There is no page at this address."
        )
        if (
            exc.status_code == 404
            and isinstance(exc.detail, str)
            and exc.detail not in ("Not Found",)
        ):
            message = exc.detail
        return error_response(request, exc.status_code, message)

    @app.exception_handler(StoreError)
    async def store_error(request: Request, exc: StoreError) -> Response:
        log.error("store error on %s: %s", request.url.path, exc)
        return error_response(request, 503, "The atlas cannot be read right now.")

    @app.exception_handler(ClusterAtlasError)
    async def other_error(request: Request, exc: ClusterAtlasError) -> Response:
        log.error("error on %s: %s", request.url.path, exc)
        return error_response(request, 500, "Something went wrong on our side.")

    @app.exception_handler(Exception)
    async def crash(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s", request.url.path)
        return error_response(request, 500, "Something went wrong on our side.")
