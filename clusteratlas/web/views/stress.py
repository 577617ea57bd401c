"""Stress-test pages: a form with one theme per step that works without JavaScript (plain
forms, CSRF double-submit), saved after every step and resumed by a link, and the results.

- ``/stress-test``: what the test is, and the form that starts an assessment;
- ``POST /stress-test/start`` -> 303 to ``/stress-test/a/{token}?step=1``;
- ``/stress-test/a/{token}?step=N``: theme N's questions (state in the URL: the token
  names the assessment, ``step`` the theme); ``POST`` saves them and moves on;
- ``/stress-test/a/{token}/results``: scores, lights, radar, advice, comparison over time
  and against the anonymised aggregate (five or more only), the region's scoreboard;
- ``/stress-test/a/{token}/print`` (printable report) and ``/report.pdf`` (WeasyPrint);
- ``POST .../complete`` and ``POST .../follow-up``.

JSON twins: ``/stress-test.json`` (the questionnaire), ``/stress-test/a/{token}.json``,
``/stress-test/a/{token}/results.json``. The resume token is the only key to an assessment;
pages that show it are ``no-store`` and never cached.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from clusteratlas.appdb import assessments as asm
from clusteratlas.appdb.validation import FieldErrors
from clusteratlas.errors import ConflictError, InputError
from clusteratlas.policy import AnswerErrors, Questionnaire, check_answers, load_questionnaire
from clusteratlas.web.render import json_response
from clusteratlas.web.sessions import check_csrf
from clusteratlas.web.stress_report import (
    report_html,
    report_pdf,
    result_for_token,
    results_for_token,
)
from clusteratlas.web.views.records_common import context, form_data, html

ACTIONS = ("next", "back", "save", "finish")


def questionnaire(app: FastAPI) -> Questionnaire:
    """The questionnaire the site uses (``app.state.questionnaire``, else the packaged one)."""
    q = getattr(app.state, "questionnaire", None)
    return q if q is not None else load_questionnaire()


def _wants_json(request: Request) -> bool:
    return request.url.path.endswith(".json") or request.query_params.get("format") == "json"


def parse_step(raw: Any, n: int) -> int:
    """A step number 1..n from a query parameter or form field (InputError otherwise)."""
    if raw in (None, ""):
        return 1
    try:
        step = int(str(raw))
    except ValueError:
        raise InputError(
            f"must be a whole number, got {str(raw)[:20]!r}", parameter="step"
        ) from None
    if not 1 <= step <= n:
        raise InputError(f"must be between 1 and {n}, got {step}", parameter="step")
    return step


def theme_answers(q: Questionnaire, step: int, form: dict[str, Any]) -> tuple[dict, list[str]]:
    """The answers of step ``step``'s questions in a form (``q:<id>`` fields), checked, and
    the ids left unanswered. Fields of other themes or unknown fields are errors."""
    theme = q.themes[step - 1]
    ids = {x.id for x in theme.questions}
    given: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for key, value in form.items():
        if not key.startswith("q:"):
            continue
        qid = key[2:]
        if qid not in ids:
            errors[qid] = "not a question of this step"
        elif isinstance(value, list):
            errors[qid] = "give one answer"
        else:
            given[qid] = value
    try:
        clean = check_answers(q, given)
    except AnswerErrors as exc:
        errors.update(exc.errors)
        clean = {}
    if errors:
        raise AnswerErrors(errors)
    return clean, sorted(ids - set(clean))


def _steps(q: Questionnaire, answers: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "n": i,
            "theme": t.id,
            "title": t.title,
            "answered": sum(1 for x in t.questions if x.id in answers),
            "total": len(t.questions),
        }
        for i, t in enumerate(q.themes, start=1)
    ]


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def conflict(request: Request, exc: ConflictError) -> Response:
    """The 409 page of a write to a completed assessment."""
    from clusteratlas.web.errors import error_response

    return _no_store(error_response(request, 409, str(exc)))


def register(app: FastAPI) -> None:
    def db():
        return app.state.db

    async def intro(request: Request) -> Response:
        q = questionnaire(app)
        if _wants_json(request):
            return json_response(q.to_json())
        return _intro_page(request, q)

    def _intro_page(request, q, errors=None, values=None, status=200) -> Response:
        ctx = context(
            request,
            q.title,
            quest=q,
            errors=errors or {},
            values=values or {},
            data=q.to_json(),
        )
        return html(request, "stress.html", ctx, status)

    async def start(request: Request) -> Response:
        form = await form_data(request)
        check_csrf(request, form.get("csrf_token"))
        q = questionnaire(app)
        values = {k: form.get(k, "") for k in ("programme", "region", "title")}
        bad = {k: "must be text" for k, v in values.items() if not isinstance(v, str)}
        if bad:
            return _intro_page(request, q, errors=bad, values={}, status=422)
        try:
            _, token = await run_in_threadpool(
                lambda: asm.start(db(), questionnaire=q.id, version=q.version, **values)
            )
        except FieldErrors as exc:
            return _intro_page(request, q, errors=exc.errors, values=values, status=422)
        return _no_store(RedirectResponse(f"/stress-test/a/{token}?step=1", status_code=303))

    def _step_page(request, q, a, token, step, errors=None, status=200) -> Response:
        theme = q.themes[step - 1]
        base = str(request.base_url).rstrip("/")
        ctx = context(
            request,
            f"{theme.title} — {q.title}",
            quest=q,
            theme=theme,
            step=step,
            steps=_steps(q, a["answers"]),
            a=a,
            token=token,
            answers=a["answers"],
            errors=errors or {},
            resume_url=f"{base}/stress-test/a/{token}?step={step}",
        )
        return _no_store(html(request, "stress_step.html", ctx, status))

    async def step_page(request: Request, token: str) -> Response:
        q = questionnaire(app)
        step = parse_step(request.query_params.get("step"), len(q.themes))
        a = await run_in_threadpool(asm.resume, db(), token)
        if _wants_json(request):
            public = {k: v for k, v in a.items() if k != "series"}
            body = {"assessment": public, "step": step, "steps": _steps(q, a["answers"])}
            return _no_store(json_response(body))
        if a["status"] == "complete":
            return _no_store(RedirectResponse(f"/stress-test/a/{token}/results", status_code=303))
        return _step_page(request, q, a, token, step)

    async def save_step(request: Request, token: str) -> Response:
        form = await form_data(request)
        check_csrf(request, form.get("csrf_token"))
        q = questionnaire(app)
        step = parse_step(form.get("step"), len(q.themes))
        action = form.get("action") or "next"
        if action not in ACTIONS:
            raise InputError(f"must be one of {', '.join(ACTIONS)}", parameter="action")
        a = await run_in_threadpool(asm.resume, db(), token)
        try:
            clean, unanswered = theme_answers(q, step, form)
        except AnswerErrors as exc:
            return _step_page(request, q, a, token, step, errors=exc.errors, status=422)

        def save() -> None:
            asm.save_answers(db(), token, clean)
            asm.clear_answers(db(), token, unanswered)

        try:
            await run_in_threadpool(save)
        except ConflictError as exc:
            return conflict(request, exc)
        target = {
            "next": min(step + 1, len(q.themes)),
            "back": max(step - 1, 1),
            "save": step,
        }.get(action)
        if action == "finish" or (action == "next" and step == len(q.themes)):
            return _no_store(RedirectResponse(f"/stress-test/a/{token}/results", status_code=303))
        return _no_store(
            RedirectResponse(f"/stress-test/a/{token}?step={target}&saved=1", status_code=303)
        )

    async def results(request: Request, token: str) -> Response:
        q = questionnaire(app)
        try:
            data = await run_in_threadpool(results_for_token, app.state.atlas, db(), q, token)
        except InputError as exc:
            if exc.parameter != "answers":
                raise
            a = await run_in_threadpool(asm.resume, db(), token)
            ctx = context(request, "No answers yet", a=a, token=token, quest=q, data=None)
            return _no_store(html(request, "stress_results.html", ctx, 200))
        if _wants_json(request):
            return _no_store(json_response(data))
        ctx = context(request, f"Results — {q.title}", data=data, token=token, quest=q)
        return _no_store(html(request, "stress_results.html", ctx))

    async def printable(request: Request, token: str) -> Response:
        q = questionnaire(app)
        data = await run_in_threadpool(results_for_token, app.state.atlas, db(), q, token)
        body = await run_in_threadpool(report_html, data)
        return _no_store(Response(body, media_type="text/html; charset=utf-8"))

    async def pdf(request: Request, token: str) -> Response:
        q = questionnaire(app)
        data = await run_in_threadpool(results_for_token, app.state.atlas, db(), q, token)
        body = await run_in_threadpool(report_pdf, data)
        return _no_store(
            Response(
                body,
                media_type="application/pdf",
                headers={"Content-Disposition": 'attachment; filename="stress-test.pdf"'},
            )
        )

    async def complete(request: Request, token: str) -> Response:
        form = await form_data(request)
        check_csrf(request, form.get("csrf_token"))
        q = questionnaire(app)
        result = await run_in_threadpool(result_for_token, db(), q, token)
        try:
            await run_in_threadpool(asm.complete, db(), token, result)
        except ConflictError as exc:
            return conflict(request, exc)
        return _no_store(RedirectResponse(f"/stress-test/a/{token}/results", status_code=303))

    async def follow_up(request: Request, token: str) -> Response:
        form = await form_data(request)
        check_csrf(request, form.get("csrf_token"))
        _, new = await run_in_threadpool(asm.follow_up, db(), token)
        return _no_store(RedirectResponse(f"/stress-test/a/{new}?step=1", status_code=303))

    route = app.add_api_route
    for path in ("/stress-test", "/stress-test.json"):
        route(path, intro, methods=["GET"], include_in_schema=False)
    route("/stress-test/start", start, methods=["POST"], include_in_schema=False)
    route("/stress-test/a/{token}.json", step_page, methods=["GET"], include_in_schema=False)
    route("/stress-test/a/{token}", step_page, methods=["GET"], include_in_schema=False)
    route("/stress-test/a/{token}", save_step, methods=["POST"], include_in_schema=False)
    for path in ("/stress-test/a/{token}/results", "/stress-test/a/{token}/results.json"):
        route(path, results, methods=["GET"], include_in_schema=False)
    route("/stress-test/a/{token}/print", printable, methods=["GET"], include_in_schema=False)
    route("/stress-test/a/{token}/report.pdf", pdf, methods=["GET"], include_in_schema=False)
    route("/stress-test/a/{token}/complete", complete, methods=["POST"], include_in_schema=False)
    route("/stress-test/a/{token}/follow-up", follow_up, methods=["POST"], include_in_schema=False)
