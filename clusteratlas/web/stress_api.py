"""``/api/stress-test``: the questionnaire, scoring, saved assessments and the anonymised
aggregate, as JSON (the twins of the stress-test pages).

- ``GET  /api/stress-test/questionnaire``
- ``POST /api/stress-test/score`` ``{"answers": {...}}`` -> result (nothing stored)
- ``POST /api/stress-test/assessments`` ``{"programme", "region", "title", "answers"}`` ->
  ``{"assessment", "token", "resume_url"}`` (201; the token is shown only here)
- ``GET  /api/stress-test/assessments/{token}``
- ``PUT  /api/stress-test/assessments/{token}/answers`` ``{"answers": {...}}`` (merged)
- ``POST /api/stress-test/assessments/{token}/complete`` -> the stored result
- ``GET  /api/stress-test/assessments/{token}/results`` -> what the results page shows
- ``GET  /api/stress-test/aggregate`` -> anonymised aggregate (withheld under five)

The token in the path is the capability: no cookie is involved, so there is nothing for a
cross-site request to borrow. Errors use the API's shape (``status, message, parameter,
errors``): 422 bad fields or answers (every one listed), 404 unknown token, 409 complete.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from clusteratlas.appdb import assessments as asm
from clusteratlas.errors import ConflictError, InputError, NotFoundError
from clusteratlas.policy import AnswerErrors, check_answers, score_answers
from clusteratlas.web.events_api import _json_body, error_response
from clusteratlas.web.stress_report import result_for_token, results_for_token
from clusteratlas.web.views.stress import questionnaire


def _error(exc: Exception) -> JSONResponse:
    if isinstance(exc, AnswerErrors):
        errors = [{"parameter": k, "message": v} for k, v in exc.errors.items()]
        body = {
            "status": 422,
            "message": f"{len(errors)} answer(s) do not fit the questionnaire",
            "parameter": exc.parameter,
            "errors": errors,
        }
        return JSONResponse(body, status_code=422)
    return error_response(exc)


KNOWN = (InputError, NotFoundError, ConflictError)
_ERROR = {
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "properties": {
                    "status": {"type": "integer"},
                    "message": {"type": "string"},
                    "parameter": {"type": ["string", "null"]},
                    "errors": {"type": "array"},
                },
                "required": ["status", "message"],
            }
        }
    }
}
ERRORS = {
    404: {"description": "No assessment with this token", **_ERROR},
    409: {"description": "The assessment is complete", **_ERROR},
    422: {"description": "Bad answers, fields or body (every one listed)", **_ERROR},
}
_ANSWERS = {
    "type": "object",
    "description": "question id -> a value of its scale, or 'na'",
    "additionalProperties": {"type": ["integer", "string", "null"]},
}


def _body(**properties: dict) -> dict:
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"type": "object", "properties": properties}}
            },
        }
    }


def _answers_of(body: dict) -> dict:
    answers = body.get("answers", {})
    if not isinstance(answers, dict):
        raise InputError("answers must be an object of question id -> value", parameter="answers")
    return answers


def stress_router(app: FastAPI) -> APIRouter:
    router = APIRouter(prefix="/api/stress-test", tags=["stress test"])

    def db():
        return app.state.db

    @router.get("/questionnaire", summary="The questionnaire: themes, questions, scales")
    async def get_questionnaire():
        return questionnaire(app).to_json()

    @router.post(
        "/score",
        summary="Score answers without saving them",
        responses=ERRORS,
        openapi_extra=_body(answers=_ANSWERS),
    )
    async def score(request: Request):
        try:
            body = await _json_body(request)
            return score_answers(questionnaire(app), _answers_of(body)).to_json()
        except KNOWN as exc:
            return _error(exc)

    @router.post(
        "/assessments",
        status_code=201,
        summary="Start an assessment (a draft)",
        responses=ERRORS,
        openapi_extra=_body(
            programme={"type": "string"},
            region={"type": "string"},
            title={"type": "string"},
            answers=_ANSWERS,
        ),
    )
    async def create(request: Request):
        q = questionnaire(app)
        try:
            body = await _json_body(request)
            clean = check_answers(q, _answers_of(body))
            fields = {k: body.get(k) or "" for k in ("programme", "region", "title")}
            a, token = await run_in_threadpool(
                lambda: asm.start(
                    db(), questionnaire=q.id, version=q.version, answers=clean, **fields
                )
            )
        except KNOWN as exc:
            return _error(exc)
        base = str(request.base_url).rstrip("/")
        a.pop("series", None)
        return {"assessment": a, "token": token, "resume_url": f"{base}/stress-test/a/{token}"}

    @router.get(
        "/assessments/{token}", summary="A saved assessment (draft or complete)", responses=ERRORS
    )
    async def get(token: str):
        try:
            a = await run_in_threadpool(asm.resume, db(), token)
        except KNOWN as exc:
            return _error(exc)
        a.pop("series", None)
        return a

    @router.put(
        "/assessments/{token}/answers",
        summary="Save answers into a draft (merged)",
        responses=ERRORS,
        openapi_extra=_body(answers=_ANSWERS),
    )
    async def put_answers(token: str, request: Request):
        try:
            body = await _json_body(request)
            clean = check_answers(questionnaire(app), _answers_of(body))
            a = await run_in_threadpool(asm.save_answers, db(), token, clean)
        except KNOWN as exc:
            return _error(exc)
        a.pop("series", None)
        return a

    @router.post(
        "/assessments/{token}/complete",
        summary="Complete a draft (freezes it)",
        responses=ERRORS,
    )
    async def complete(token: str):
        q = questionnaire(app)
        try:
            result = await run_in_threadpool(result_for_token, db(), q, token)
            a = await run_in_threadpool(asm.complete, db(), token, result)
        except KNOWN as exc:
            return _error(exc)
        a.pop("series", None)
        return a

    @router.get(
        "/assessments/{token}/results",
        summary="Scores, comparison, scoreboard",
        responses=ERRORS,
    )
    async def results(token: str):
        try:
            return await run_in_threadpool(
                results_for_token, app.state.atlas, db(), questionnaire(app), token
            )
        except KNOWN as exc:
            return _error(exc)

    @router.get("/aggregate", summary="Anonymised aggregate (only over five or more)")
    async def aggregate():
        return await run_in_threadpool(asm.aggregate, db(), questionnaire(app).id)

    return router


def install(app: FastAPI) -> None:
    """Register the stress-test API and pages on ``app`` (after the application database)."""
    from clusteratlas.web.views import stress

    app.include_router(stress_router(app))
    stress.register(app)
