"""``/api/library``: search, records and compare of the programmes and good-practice library.

Read-only and public; editors change records through the editor pages (signed in, CSRF).
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from clusteratlas.appdb import library as lib
from clusteratlas.appdb.db import Database
from clusteratlas.errors import InputError, NotFoundError
from clusteratlas.web.events_api import error_response


def facet_filters(request: Request, kind: str) -> dict[str, list[str]]:
    """Facet filters from the query string: ``?themes=skills&themes=digital&country=XD``."""
    return {
        f: request.query_params.getlist(f)
        for f in lib.FACETS[kind]
        if request.query_params.getlist(f)
    }


def library_router(get_db: Callable[[], Database]) -> APIRouter:
    router = APIRouter(prefix="/api/library", tags=["library"])

    @router.get("/compare", summary="2 to 4 programmes side by side")
    async def compare(programmes: str = Query(..., description="Comma-separated slugs")):
        try:
            return await run_in_threadpool(lib.compare, get_db(), programmes.split(","))
        except (InputError, NotFoundError) as exc:
            return error_response(exc)

    @router.get("/{kind}", summary="Full-text and faceted search (kind: programmes | practices)")
    async def search(kind: str, request: Request, q: str = "", page: int = 1, per_page: int = 20):
        try:
            k = {"programmes": "programme", "practices": "practice"}.get(kind)
            if k is None:
                raise NotFoundError(f"no library section {kind!r}: programmes or practices")
            return await run_in_threadpool(
                lambda: lib.search(
                    get_db(),
                    k,
                    q=q,
                    filters=facet_filters(request, k),
                    page=page,
                    per_page=per_page,
                )
            )
        except (InputError, NotFoundError) as exc:
            return error_response(exc)

    @router.get("/{kind}/{slug}", summary="One programme or practice")
    async def record(kind: str, slug: str):
        try:
            k = {"programmes": "programme", "practices": "practice"}.get(kind)
            if k is None:
                raise NotFoundError(f"no library section {kind!r}: programmes or practices")
            return await run_in_threadpool(lib.get, get_db(), k, slug)
        except (InputError, NotFoundError) as exc:
            return error_response(exc)

    return router
