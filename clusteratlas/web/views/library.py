"""Library pages: ``/library`` (full-text and faceted search; all state in the URL),
``/library/programmes/{slug}``, ``/library/practices/{slug}``, ``/library/compare?programmes=a,b``.

JSON twins: the same paths with ``.json``.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from clusteratlas.appdb import library as lib
from clusteratlas.errors import InputError
from clusteratlas.web.library_api import facet_filters
from clusteratlas.web.views.records_common import context, html, page_or_json

FACET_LABELS = {
    "country": "Country",
    "level": "Level",
    "themes": "Theme",
    "target_groups": "Target group",
    "regions": "Region",
    "clusters": "Cluster",
    "programme_slug": "Programme",
}
SECTIONS = {"programmes": "programme", "practices": "practice"}


def _int(request: Request, name: str, default: int) -> int:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError:
        raise InputError(f"must be a whole number, got {raw[:20]!r}", parameter=name) from None


def _wants_json(request: Request) -> bool:
    return request.url.path.endswith(".json") or request.query_params.get("format") == "json"


def register(app: FastAPI) -> None:
    def db():
        return app.state.db

    async def search(request: Request) -> Response:
        section = request.query_params.get("section", "programmes")
        if section not in SECTIONS:
            raise InputError("section must be programmes or practices", parameter="section")
        kind = SECTIONS[section]
        q = request.query_params.get("q", "")[:200]
        result = await run_in_threadpool(
            lambda: lib.search(
                db(),
                kind,
                q=q,
                filters=facet_filters(request, kind),
                page=_int(request, "page", 1),
                per_page=_int(request, "per_page", 20),
            )
        )
        result["section"] = section
        if _wants_json(request):
            return page_or_json(request, "library.html", "Library", result)
        ctx = context(
            request,
            "Programmes and good practices",
            data=result,
            facet_labels=FACET_LABELS,
            sections=SECTIONS,
        )
        return html(request, "library.html", ctx)

    async def record(request: Request, section: str, slug: str) -> Response:
        if section not in SECTIONS:
            raise InputError("section must be programmes or practices", parameter="section")
        kind = SECTIONS[section]
        data = await run_in_threadpool(lib.get, db(), kind, slug)
        return page_or_json(request, f"{kind}.html", data["title"], data)

    async def compare(request: Request) -> Response:
        typed = request.query_params.get("programmes", "").split(",")
        slugs = list(
            dict.fromkeys(
                s.strip() for s in [*typed, *request.query_params.getlist("p")] if s.strip()
            )
        )
        data = {"programmes": [], "fields": [], "shared": {}, "slugs": slugs}
        if slugs:
            data = {**await run_in_threadpool(lib.compare, db(), slugs), "slugs": slugs}
        if _wants_json(request):
            return page_or_json(request, "library_compare.html", "Compare programmes", data)
        options = await run_in_threadpool(lambda: lib.search(db(), "programme", per_page=100))
        ctx = context(request, "Compare programmes", data=data, options=options["items"])
        return html(request, "library_compare.html", ctx)

    async def export(request: Request, section: str, fmt: str) -> Response:
        if section not in SECTIONS or fmt not in ("csv", "json"):
            raise InputError(
                "export is /library/export/programmes|practices.csv|json", parameter="section"
            )
        body = await run_in_threadpool(lib.export, db(), SECTIONS[section], fmt)
        media = "text/csv; charset=utf-8" if fmt == "csv" else "application/json"
        return Response(
            body,
            media_type=media,
            headers={"Content-Disposition": f'attachment; filename="library-{section}.{fmt}"'},
        )

    app.add_api_route(
        "/library/export/{section}.{fmt}", export, methods=["GET"], include_in_schema=False
    )
    for path in ("/library", "/library.json"):
        app.add_api_route(path, search, methods=["GET"], include_in_schema=False)
    for path in ("/library/compare", "/library/compare.json"):
        app.add_api_route(path, compare, methods=["GET"], include_in_schema=False)
    app.add_api_route(
        "/library/{section}/{slug}.json", record, methods=["GET"], include_in_schema=False
    )
    app.add_api_route("/library/{section}/{slug}", record, methods=["GET"], include_in_schema=False)
