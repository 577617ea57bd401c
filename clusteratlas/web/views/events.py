"""Event pages: ``/events`` (list, calendar, map), ``/events/{id}`` (details and a
registration form that works without JavaScript), cancellation by signed link.

JSON twins: ``/events.json``, ``/events/{id}.json`` (public counts, never personal data).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from fastapi import FastAPI, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from clusteratlas.appdb import events as ev
from clusteratlas.appdb.tokens import cancel_token, check_cancel_token
from clusteratlas.appdb.validation import FieldErrors
from clusteratlas.errors import ConflictError, InputError, NotFoundError
from clusteratlas.web.sessions import check_csrf
from clusteratlas.web.views.records_common import context, form_data, html, page_or_json

KIND_LABELS = {
    "conference": "Conference",
    "partnership-meeting": "Partnership meeting",
    "cluster-week": "Cluster week",
    "workshop": "Workshop",
    "webinar": "Webinar",
}


def _month(iso: str | None) -> str:
    if not iso:
        return "Date to be announced"
    return datetime.fromisoformat(iso).strftime("%B %Y")


def events_map_spec(events: list[dict]) -> dict | None:
    """A Vega-Lite point map of the events that have coordinates (None if none has)."""
    points = [
        {
            "title": e["title"],
            "place": e["place"],
            "id": e["id"],
            "longitude": e["longitude"],
            "latitude": e["latitude"],
            "url": f"/events/{e['id']}",
        }
        for e in events
        if e.get("longitude") is not None and e.get("latitude") is not None
    ]
    if not points:
        return None
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "description": "Events with a place, by longitude and latitude",
        "width": "container",
        "height": 320,
        "projection": {"type": "mercator"},
        "data": {"values": points},
        "mark": {"type": "circle", "size": 120, "color": "#1f5fa8", "opacity": 0.85},
        "encoding": {
            "longitude": {"field": "longitude", "type": "quantitative"},
            "latitude": {"field": "latitude", "type": "quantitative"},
            "href": {"field": "url"},
            "tooltip": [{"field": "title", "title": "Event"}, {"field": "place", "title": "Place"}],
        },
    }


def register(app: FastAPI) -> None:
    def db():
        return app.state.db

    async def listing(request: Request) -> Response:
        events = await run_in_threadpool(ev.list_events, db())
        kind = request.query_params.get("kind")
        if kind:
            if kind not in KIND_LABELS:
                raise InputError(f"kind must be one of {', '.join(KIND_LABELS)}", parameter="kind")
            events = [e for e in events if e["kind"] == kind]
        months: dict[str, list[dict]] = defaultdict(list)
        for e in events:
            months[_month(e["starts_at"])].append(e)
        data = {
            "events": events,
            "kind": kind,
            "calendar": "/api/events.ics",
            "months": [{"month": m, "events": [x["id"] for x in es]} for m, es in months.items()],
        }
        if request.url.path.endswith(".json") or request.query_params.get("format") == "json":
            return page_or_json(request, "events.html", "Events", data)
        ctx = context(
            request,
            "Events",
            data=data,
            months=months,
            kinds=KIND_LABELS,
            map_spec=events_map_spec(events),
        )
        return html(request, "events.html", ctx)

    def _event_page(
        request: Request,
        event: dict,
        *,
        errors=None,
        values=None,
        status: int = 200,
        outcome=None,
        children=(),
    ) -> Response:
        ctx = context(
            request,
            event["title"],
            data=event,
            kinds=KIND_LABELS,
            errors=errors or {},
            values=values or {},
            outcome=outcome,
            children=children,
        )
        return html(request, "event.html", ctx, status)

    async def event_page(request: Request, event_id: int) -> Response:
        event = await run_in_threadpool(ev.public_event, db(), event_id)
        if request.url.path.endswith(".json") or request.query_params.get("format") == "json":
            return page_or_json(request, "event.html", event["title"], event)
        children = await run_in_threadpool(lambda: ev.public_events(db(), event["children"]))
        return _event_page(request, event, children=children)

    async def register_form(request: Request, event_id: int) -> Response:
        form = await form_data(request)
        check_csrf(request, form.get("csrf_token"))
        event = await run_in_threadpool(ev.public_event, db(), event_id)
        values = {k: form.get(k, "") for k in ("name", "email", "organisation", "country", "role")}
        data = {**values, "consent": form.get("consent") == "yes"}
        try:
            outcome = await run_in_threadpool(ev.register, db(), event_id, data)
        except FieldErrors as exc:
            return _event_page(request, event, errors=exc.errors, values=values, status=422)
        except ConflictError as exc:
            return _event_page(request, event, errors={"form": str(exc)}, values=values, status=409)
        token = cancel_token(app.state.secret, outcome.id)
        return RedirectResponse(
            f"/events/registrations/{outcome.id}?token={token}", status_code=303
        )

    async def registration_page(request: Request, registration_id: int) -> Response:
        token = request.query_params.get("token", "")
        check_cancel_token(app.state.secret, registration_id, token)
        reg = await run_in_threadpool(ev.registration, db(), registration_id)
        event = await run_in_threadpool(ev.public_event, db(), reg["event_id"])
        public = {
            k: reg[k]
            for k in ("id", "event_id", "status", "created_at", "confirmed_at", "cancelled_at")
        }
        public["position"] = reg.get("position")
        ctx = context(
            request,
            f"Your registration — {event['title']}",
            data=public,
            event=event,
            token=token,
            name=reg["name"],
        )
        return html(request, "registration.html", ctx)

    async def cancel_form(request: Request, registration_id: int) -> Response:
        form = await form_data(request)
        check_csrf(request, form.get("csrf_token"))
        token = str(form.get("token", ""))
        check_cancel_token(app.state.secret, registration_id, token)
        await run_in_threadpool(ev.cancel, db(), registration_id)
        return RedirectResponse(
            f"/events/registrations/{registration_id}?token={token}", status_code=303
        )

    for path in ("/events", "/events.json"):
        app.add_api_route(path, listing, methods=["GET"], include_in_schema=False)
    app.add_api_route(
        "/events/{event_id:int}.json", event_page, methods=["GET"], include_in_schema=False
    )
    app.add_api_route(
        "/events/{event_id:int}", event_page, methods=["GET"], include_in_schema=False
    )
    app.add_api_route(
        "/events/{event_id:int}/register", register_form, methods=["POST"], include_in_schema=False
    )
    app.add_api_route(
        "/events/registrations/{registration_id:int}",
        registration_page,
        methods=["GET"],
        include_in_schema=False,
    )
    app.add_api_route(
        "/events/registrations/{registration_id:int}/cancel",
        cancel_form,
        methods=["POST"],
        include_in_schema=False,
    )


__all__ = ["NotFoundError", "register"]
