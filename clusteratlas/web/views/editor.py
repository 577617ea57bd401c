"""Editor pages under ``/editor``: sign-in, events (create, capacity, attendee export),
library records (edit, import), personal-data requests and the audit log.

Every page needs a signed-in editor (GET: redirect to the sign-in page; POST: 403); every
POST needs the form's CSRF token; every change is audited by the data layer with the
editor's email. Deleting records and personal-data requests need the ``admin`` role.
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import pandas as pd
from fastapi import FastAPI, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from clusteratlas.appdb import accounts, audit
from clusteratlas.appdb import events as ev
from clusteratlas.appdb import library as lib
from clusteratlas.appdb.library_schema import FIELDS
from clusteratlas.appdb.validation import FieldErrors
from clusteratlas.errors import ConflictError, InputError
from clusteratlas.web.sessions import (
    Forbidden,
    check_csrf,
    current_user,
    sign_in_response,
    sign_out_response,
)
from clusteratlas.web.views.events import KIND_LABELS
from clusteratlas.web.views.records_common import context, form_data, html

SECTIONS = {"programmes": "programme", "practices": "practice"}


class SignInRequired(Exception):
    pass


def _user(request: Request, role: str = "editor") -> dict:
    user = current_user(request)
    if user is None:
        if request.method == "GET":
            raise SignInRequired
        raise Forbidden("sign in as an editor to change records")
    if role == "admin" and user["role"] != "admin":
        raise Forbidden("this needs an administrator")
    return user


def register(app: FastAPI) -> None:
    def db():
        return app.state.db

    @app.exception_handler(SignInRequired)
    async def to_sign_in(request: Request, _exc: SignInRequired) -> Response:
        return RedirectResponse(f"/editor/sign-in?next={request.url.path}", status_code=303)

    async def sign_in_page(request: Request) -> Response:
        nxt = request.query_params.get("next", "/editor")
        return html(
            request,
            "editor/sign_in.html",
            context(request, "Editor sign-in", next=_safe_next(nxt), error=None),
        )

    async def sign_in(request: Request) -> Response:
        form = await form_data(request)
        check_csrf(request, form.get("csrf_token"))
        client = request.client.host if request.client else "unknown"
        try:
            user = await run_in_threadpool(
                accounts.sign_in,
                db(),
                str(form.get("email", "")),
                str(form.get("password", "")),
                client=client,
            )
        except accounts.SignInRefused as exc:
            ctx = context(
                request,
                "Editor sign-in",
                next=_safe_next(form.get("next")),
                error=exc.message,
                email=form.get("email", ""),
            )
            status = 429 if "too many" in exc.message else 401
            return html(request, "editor/sign_in.html", ctx, status)
        response = RedirectResponse(_safe_next(form.get("next")), status_code=303)
        return sign_in_response(request, response, user["id"])

    async def sign_out(request: Request) -> Response:
        form = await form_data(request)
        check_csrf(request, form.get("csrf_token"))
        return sign_out_response(RedirectResponse("/", status_code=303))

    async def dashboard(request: Request) -> Response:
        user = _user(request)
        events = await run_in_threadpool(ev.list_events, db())
        progs = await run_in_threadpool(lambda: lib.search(db(), "programme", per_page=100))
        pracs = await run_in_threadpool(lambda: lib.search(db(), "practice", per_page=100))
        with db().read() as session:
            log = audit.entries(session, limit=20)
        ctx = context(
            request,
            "Editor",
            user=user,
            events=events,
            programmes=progs["items"],
            practices=pracs["items"],
            log=log,
            kinds=KIND_LABELS,
        )
        return html(request, "editor/dashboard.html", ctx)

    async def new_event(request: Request) -> Response:
        user = _user(request)
        if request.method == "GET":
            return html(
                request,
                "editor/event_form.html",
                context(request, "New event", user=user, errors={}, values={}, kinds=KIND_LABELS),
            )
        form = await form_data(request)
        check_csrf(request, form.get("csrf_token"))
        values = {
            k: str(form.get(k, "")).strip()
            for k in (
                "title",
                "capacity",
                "deadline",
                "opens_at",
                "kind",
                "starts_at",
                "ends_at",
                "place",
                "country",
                "description",
                "latitude",
                "longitude",
                "retention_days",
            )
        }
        try:
            event = await run_in_threadpool(
                lambda: ev.create_event(
                    db(),
                    title=values["title"],
                    capacity=_number(values, "capacity", int),
                    deadline=values["deadline"],
                    opens_at=values["opens_at"] or None,
                    kind=values["kind"] or "conference",
                    starts_at=values["starts_at"] or None,
                    ends_at=values["ends_at"] or None,
                    place=values["place"],
                    country=values["country"],
                    description=values["description"],
                    latitude=_number(values, "latitude", float, None),
                    longitude=_number(values, "longitude", float, None),
                    retention_days=_number(values, "retention_days", int, 30),
                    online=form.get("online") == "yes",
                    actor=user["email"],
                )
            )
        except InputError as exc:
            ctx = context(
                request,
                "New event",
                user=user,
                values=values,
                kinds=KIND_LABELS,
                errors={exc.parameter or "form": exc.message},
            )
            return html(request, "editor/event_form.html", ctx, 422)
        return RedirectResponse(f"/editor/events/{event['id']}", status_code=303)

    async def event_admin(request: Request, event_id: int) -> Response:
        user = _user(request)
        event = await run_in_threadpool(ev.public_event, db(), event_id)
        people = await run_in_threadpool(ev.attendees, db(), event_id)
        ctx = context(
            request, f"Edit: {event['title']}", user=user, event=event, attendees=people, error=None
        )
        return html(request, "editor/event.html", ctx)

    async def event_capacity(request: Request, event_id: int) -> Response:
        user = _user(request)
        form = await form_data(request)
        check_csrf(request, form.get("csrf_token"))
        capacity = _number({"capacity": str(form.get("capacity", ""))}, "capacity", int)
        await run_in_threadpool(ev.set_capacity, db(), event_id, capacity, actor=user["email"])
        return RedirectResponse(f"/editor/events/{event_id}", status_code=303)

    async def attendees_csv(request: Request, event_id: int) -> Response:
        user = _user(request)
        people = await run_in_threadpool(ev.attendees, db(), event_id)
        with db().write() as session:
            audit.record(
                session,
                actor=user["email"],
                action="export",
                entity="attendees",
                entity_id=event_id,
                after={"rows": len(people)},
            )
        buf = io.StringIO()
        pd.DataFrame(people, columns=list(ev.REGISTRATION_FIELDS)).to_csv(buf, index=False)
        return Response(
            buf.getvalue(),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="event-{event_id}-attendees.csv"',
                "Cache-Control": "no-store",
            },
        )

    async def record_form(request: Request, section: str, slug: str) -> Response:
        user = _user(request)
        if section not in SECTIONS:
            raise InputError("section must be programmes or practices", parameter="section")
        kind = SECTIONS[section]
        values = {} if slug == "new" else await run_in_threadpool(lib.get, db(), kind, slug)
        if request.method == "POST":
            form = await form_data(request)
            check_csrf(request, form.get("csrf_token"))
            if form.get("action") == "delete":
                _user(request, "admin")
                await run_in_threadpool(lambda: lib.remove(db(), kind, slug, actor=user["email"]))
                return RedirectResponse("/editor", status_code=303)
            values = {f.name: form.get(f.name, "") for f in FIELDS[kind]}
            values["example"] = form.get("example") == "yes"
            try:
                saved = await run_in_threadpool(
                    lambda: lib.save(db(), kind, values, actor=user["email"])
                )
            except FieldErrors as exc:
                ctx = context(
                    request,
                    f"Edit {kind}",
                    user=user,
                    kind=kind,
                    section=section,
                    fields=FIELDS[kind],
                    values=values,
                    errors=exc.errors,
                    slug=slug,
                )
                return html(request, "editor/record_form.html", ctx, 422)
            return RedirectResponse(f"/library/{section}/{saved['slug']}", status_code=303)
        ctx = context(
            request,
            f"Edit {kind}",
            user=user,
            kind=kind,
            section=section,
            fields=FIELDS[kind],
            values=values,
            errors={},
            slug=slug,
        )
        return html(request, "editor/record_form.html", ctx)

    async def import_page(request: Request) -> Response:
        user = _user(request)
        errors: list = []
        done = None
        status = 200
        if request.method == "POST":
            form = await request.form()
            check_csrf(request, form.get("csrf_token"))
            kind = SECTIONS.get(str(form.get("section", "")))
            upload = form.get("file")
            if kind is None or upload is None or not getattr(upload, "filename", ""):
                errors = [(0, "file", "choose a section and a .csv or .json file")]
                status = 422
            else:
                name = Path(upload.filename).name
                with tempfile.TemporaryDirectory() as tmp:
                    path = Path(tmp) / name
                    path.write_bytes(await upload.read())
                    try:
                        done = await run_in_threadpool(
                            lambda: lib.import_file(db(), kind, path, actor=user["email"])
                        )
                    except lib.ImportErrors as exc:
                        errors, status = exc.errors, 422
                    except InputError as exc:
                        errors, status = [(exc.line or 0, exc.column or "file", exc.message)], 422
        ctx = context(request, "Import library records", user=user, errors=errors, done=done)
        return html(request, "editor/import.html", ctx, status)

    async def privacy(request: Request) -> Response:
        user = _user(request, "admin")
        result = None
        if request.method == "POST":
            form = await form_data(request)
            check_csrf(request, form.get("csrf_token"))
            email = str(form.get("email", "")).strip()
            if not email:
                raise InputError("give the person's email address", parameter="email")
            if form.get("action") == "erase":
                n = await run_in_threadpool(
                    lambda: ev.erase_person(db(), email, actor=user["email"])
                )
                result = {"erased": n, "email": email}
            else:
                result = await run_in_threadpool(
                    lambda: ev.export_person(db(), email, actor=user["email"])
                )
        return html(
            request,
            "editor/privacy.html",
            context(request, "Personal data requests", user=user, result=result),
        )

    async def audit_page(request: Request) -> Response:
        user = _user(request)
        with db().read() as session:
            log = audit.entries(session, limit=200)
        return html(request, "editor/audit.html", context(request, "Audit log", user=user, log=log))

    app.add_api_route("/editor/sign-in", sign_in_page, methods=["GET"], include_in_schema=False)
    app.add_api_route("/editor/sign-in", sign_in, methods=["POST"], include_in_schema=False)
    app.add_api_route("/editor/sign-out", sign_out, methods=["POST"], include_in_schema=False)
    app.add_api_route("/editor", dashboard, methods=["GET"], include_in_schema=False)
    app.add_api_route(
        "/editor/events/new", new_event, methods=["GET", "POST"], include_in_schema=False
    )
    app.add_api_route(
        "/editor/events/{event_id:int}", event_admin, methods=["GET"], include_in_schema=False
    )
    app.add_api_route(
        "/editor/events/{event_id:int}/capacity",
        event_capacity,
        methods=["POST"],
        include_in_schema=False,
    )
    app.add_api_route(
        "/editor/events/{event_id:int}/attendees.csv",
        attendees_csv,
        methods=["GET"],
        include_in_schema=False,
    )
    app.add_api_route(
        "/editor/import", import_page, methods=["GET", "POST"], include_in_schema=False
    )
    app.add_api_route("/editor/privacy", privacy, methods=["GET", "POST"], include_in_schema=False)
    app.add_api_route("/editor/audit", audit_page, methods=["GET"], include_in_schema=False)
    app.add_api_route(
        "/editor/library/{section}/{slug}",
        record_form,
        methods=["GET", "POST"],
        include_in_schema=False,
    )


def _safe_next(value) -> str:
    """Only local paths after sign-in (no open redirect)."""
    text = str(value or "/editor")
    return text if text.startswith("/") and not text.startswith("//") else "/editor"


def _number(values: dict, name: str, kind, default=...):
    raw = values.get(name, "")
    if raw == "":
        if default is ...:
            raise InputError("is required", parameter=name)
        return default
    try:
        return kind(raw)
    except ValueError:
        raise InputError(f"must be a number, got {raw[:20]!r}", parameter=name) from None


__all__ = ["ConflictError", "register"]
