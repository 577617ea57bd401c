"""``/api/events``: events, their public counts, registration and cancellation.

The routes only translate HTTP to :mod:`clusteratlas.appdb.events` and back; every rule
(capacity, wait-list, window, duplicates) is enforced there, in the data layer.

Errors are JSON objects ``{"message": ..., "field": ...}``: 404 unknown event or
registration, 409 registration closed or duplicate email, 422 invalid fields (naming the
first one, ``errors`` listing all) or a malformed body.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from clusteratlas.appdb import events as ev
from clusteratlas.appdb.db import Database
from clusteratlas.appdb.ical import calendar
from clusteratlas.appdb.tokens import cancel_token, check_cancel_token
from clusteratlas.appdb.validation import FieldErrors
from clusteratlas.errors import ConflictError, InputError, NotFoundError


def _error(status: int, message: str, parameter: str | None = None, errors=()) -> JSONResponse:
    body = {"status": status, "message": message, "parameter": parameter, "errors": list(errors)}
    return JSONResponse(body, status_code=status)


def error_response(exc: Exception) -> JSONResponse:
    """The JSON error of a known failure, in the API's shape (never a stack trace):
    ``{"status", "message", "parameter", "errors": [{"parameter", "message"}]}``."""
    if isinstance(exc, FieldErrors):
        first = next(iter(exc.errors))
        errors = [{"parameter": k, "message": v} for k, v in exc.errors.items()]
        return _error(422, f"{first}: {exc.errors[first]}", first, errors)
    if isinstance(exc, InputError):
        return _error(422, exc.message, exc.parameter)
    if isinstance(exc, NotFoundError):
        return _error(404, str(exc))
    if isinstance(exc, ConflictError):
        return _error(409, str(exc))
    raise exc


async def _json_body(request: Request) -> dict:
    try:
        body = json.loads(await request.body() or b"null")
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError("the request body is not valid JSON", parameter="body") from exc
    if not isinstance(body, dict):
        raise InputError("the request body must be a JSON object", parameter="body")
    return body


def events_router(get_db: Callable[[], Database], secret: Callable[[], str]) -> APIRouter:
    """The router; ``get_db`` and ``secret`` are called per request (the app owns both)."""
    router = APIRouter(prefix="/api", tags=["events"])

    @router.get("/events", summary="All events with their public counts")
    async def list_events() -> list[dict]:
        return await run_in_threadpool(ev.list_events, get_db())

    @router.get("/events.ics", summary="All events as an iCalendar file")
    async def all_ics() -> Response:
        events = await run_in_threadpool(ev.list_events, get_db())
        return Response(calendar(events), media_type="text/calendar; charset=utf-8")

    @router.get("/events/{event_id}", summary="One event: details and counts, no personal data")
    async def get_event(event_id: int):
        try:
            return await run_in_threadpool(ev.public_event, get_db(), event_id)
        except NotFoundError as exc:
            return error_response(exc)

    @router.get("/events/{event_id}/calendar.ics", summary="One event as an iCalendar file")
    async def event_ics(event_id: int):
        try:
            event = await run_in_threadpool(ev.public_event, get_db(), event_id)
        except NotFoundError as exc:
            return error_response(exc)
        return Response(calendar([event]), media_type="text/calendar; charset=utf-8")

    @router.post(
        "/events/{event_id}/registrations",
        status_code=201,
        summary="Register: confirmed while seats are left, else wait-listed",
    )
    async def register(event_id: int, request: Request):
        try:
            body = await _json_body(request)
            outcome = await run_in_threadpool(ev.register, get_db(), event_id, body)
        except (InputError, NotFoundError, ConflictError) as exc:
            return error_response(exc)
        token = cancel_token(secret(), outcome.id)
        return JSONResponse(
            {
                "id": outcome.id,
                "status": outcome.status,
                "manage_url": f"/events/registrations/{outcome.id}?token={token}",
                "cancel_api": f"/api/registrations/{outcome.id}/cancel?token={token}",
            },
            status_code=201,
        )

    @router.post("/registrations/{registration_id}/cancel", summary="Cancel with a signed token")
    async def cancel(registration_id: int, request: Request):
        try:
            token = request.query_params.get("token") or (await _json_body(request)).get("token")
            if not isinstance(token, str) or not token:
                raise InputError("a cancellation token is required", parameter="token")
            check_cancel_token(secret(), registration_id, token)
            outcome = await run_in_threadpool(ev.cancel, get_db(), registration_id)
        except (InputError, NotFoundError, ConflictError) as exc:
            return error_response(exc)
        return {"id": outcome.id, "status": outcome.status, "promoted": list(outcome.promoted)}

    return router
