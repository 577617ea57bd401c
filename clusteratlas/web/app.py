"""The web application: wiring only (pages, JSON API, static files, geometries, errors).

``create_app(atlas_path)`` opens the atlas read-only through
:class:`clusteratlas.atlas.service.Atlas` and returns a FastAPI app serving:

- the pages of :mod:`clusteratlas.web.views` (each with a JSON twin, downloads and embeds);
- the JSON API router :mod:`clusteratlas.web.api` under ``/api/`` (OpenAPI at
  ``/openapi.json``; no /docs page, which would load scripts from a CDN);
- ``/static/...`` (the Vega bundle from vl-convert and our own JS/CSS) and
  ``/geo/{system}/{level}.topojson`` (simplified, cached geometries), both with ETags;
- error pages: HTML for pages, JSON for ``/api/`` and ``.json`` URLs, never a traceback.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import Response

from clusteratlas.errors import InputError, NotFoundError
from clusteratlas.web import errors as error_pages
from clusteratlas.web import maps, records
from clusteratlas.web.cache import ResponseCache, atlas_identity
from clusteratlas.web.routing import PageCache
from clusteratlas.web.security import SecurityHeaders
from clusteratlas.web.static_files import asset, respond
from clusteratlas.web.static_files import router as static_router
from clusteratlas.web.views import PAGE_MODULES


def create_app(atlas_path: str | Path, atlas: Any | None = None, db: Any = None) -> FastAPI:
    """The FastAPI application serving the atlas at ``atlas_path`` (read-only).

    ``db`` is the application database (events, library, editors): a URL, an open
    :class:`~clusteratlas.appdb.Database`, or ``None`` for the one beside the atlas.
    """
    from clusteratlas.atlas.service import Atlas

    atlas = atlas if atlas is not None else Atlas.open(atlas_path)
    app = FastAPI(
        title="Cluster Atlas API",
        description=(
            "Read-only JSON API of a Cluster Atlas: regions, clusters, scoreboard, geometries."
        ),
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.atlas = atlas
    app.state.page_cache = PageCache()
    app.state.response_cache = ResponseCache()

    def geometry(system: str, level: int | None) -> maps.Topology:
        key = (atlas_identity(atlas), system, level)
        geojson = atlas.geometries(system, level, "geojson")
        return maps.topology(geojson, key)

    app.state.geometry = geometry

    @app.get("/geo/{system}/{level}.topojson", include_in_schema=False)
    def geo(system: str, level: str, request: Request) -> Response:
        if level == "all":
            lv = None
        else:
            try:
                lv = int(level)
            except ValueError:
                raise InputError(
                    f"{level[:20]!r} is not a level (a number or 'all')", parameter="level"
                ) from None
        topo = geometry(system, lv)
        from clusteratlas.web.static_files import Asset

        return respond(request, Asset(topo.body, "application/json", topo.etag), max_age=3600)

    try:
        api = importlib.import_module("clusteratlas.web.api")
        app.include_router(api.router)
    except ModuleNotFoundError as exc:  # the API router is built alongside
        if exc.name != "clusteratlas.web.api":
            raise
    app.include_router(static_router)
    importlib.import_module("clusteratlas.web.reports_routes").register(app)  # PDF downloads
    for name in PAGE_MODULES:
        importlib.import_module(name).register(app)
    importlib.import_module("clusteratlas.web.linkages_api").install(app)
    records.install(app, atlas_path, db)
    importlib.import_module("clusteratlas.web.stress_api").install(app)  # stress test
    error_pages.install(app)
    for name in ("vega.js", "atlas.js", "atlas.css", "favicon.svg"):  # built once, not on a request
        asset(name)
    app.add_middleware(GZipMiddleware, minimum_size=2000, compresslevel=5)
    app.add_middleware(SecurityHeaders)
    return app


__all__ = ["NotFoundError", "create_app"]
