"""One page kind, four routes: HTML, its JSON twin, panel downloads and panel embeds.

:func:`add_page` registers, for a page at ``PATH`` built by ``build(ctx) -> Page``:

- ``PATH`` — the HTML page (``?format=json`` gives the JSON twin too);
- ``PATH.json`` (``/index.json`` for ``/``) — the JSON twin: the same Page, other renderer;
- ``PATH/charts/{panel}.{csv|parquet|png|svg}`` — a panel's data or picture;
- ``PATH/charts/{panel}`` — a chrome-less embed page of one panel (may be framed anywhere).

All view state is in the URL (path and query). An atlas is read-only between rebuilds, so
per atlas file identity and URL the built Page is kept (:class:`PageCache`: downloads and
embeds reuse it) and so are the finished HTML and JSON bodies with their gzip twins
(:class:`clusteratlas.web.cache.ResponseCache`): a repeated page request is answered on the
event loop without building, rendering or compressing anything.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from clusteratlas.errors import InputError, NotFoundError
from clusteratlas.web import downloads
from clusteratlas.web.cache import CachedBody, atlas_identity, query_key, response_cache
from clusteratlas.web.panels import Page
from clusteratlas.web.render import JSON, json_bytes, render_text


@dataclass
class ViewContext:
    """What a view gets: the atlas, the path parameters and the parsed query."""

    atlas: Any
    path_params: dict[str, str]
    query: Any  # clusteratlas.web.params.Query
    request_path: str
    geometry: Callable[[str, int | None], Any]  # (system, level) -> maps.Topology


Builder = Callable[[ViewContext], Page]


class PageCache:
    """A small thread-safe LRU of built pages (bounded by ``size`` entries)."""

    def __init__(self, size: int = 512) -> None:
        self.size = size
        self._items: OrderedDict[Any, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any) -> Any:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        return None

    def put(self, key: Any, value: Any) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


def get_page(request: Request, name: str, build: Builder, path_params: dict[str, str]) -> Page:
    """The built Page of this URL (cached while the atlas file is unchanged)."""
    from clusteratlas.web.params import Query

    app = request.app
    atlas = app.state.atlas
    params = tuple(sorted(path_params.items()))
    key = (atlas_identity(atlas), name, params, query_key(request, drop=("format",)))
    cache: PageCache = app.state.page_cache
    page = cache.get(key)
    if page is None:
        ctx = ViewContext(
            atlas, path_params, Query(request.query_params), request.url.path, app.state.geometry
        )
        page = build(ctx)
        cache.put(key, page)
    return page


async def _cached(
    request: Request,
    name: str,
    path_params: dict[str, str],
    what: str,
    make: Callable[[Request, dict[str, str]], CachedBody],
) -> Response:
    """The finished answer ``what`` ("html" or "json") of this URL, from the response cache.

    A hit is answered on the event loop; a miss builds the page in a worker thread (it reads
    the store) and keeps the serialised, compressed body.
    """
    app = request.app
    key = (
        "page",
        what,
        atlas_identity(app.state.atlas),
        name,
        tuple(sorted(path_params.items())),
        query_key(request, drop=("format",)),
    )
    cache = response_cache(app)
    hit = cache.get(key)
    if hit is None:
        hit = await run_in_threadpool(make, request, path_params)
        cache.put(key, hit)
    return hit.response(request)


def page_context(request: Request, page: Page, **extra: Any) -> dict[str, Any]:
    """Everything a page template needs besides the page's own context."""
    info = request.app.state.atlas.info()
    query = str(request.url.query)
    return {
        "page": page,
        "atlas": info,
        "synthetic": bool(info.get("synthetic")),
        "url": request.url.path + (f"?{query}" if query else ""),
        "query": query,
        "json_url": json_url(page.path) + (f"?{query}" if query else ""),
        **page.context,
        **extra,
    }


def json_url(path: str) -> str:
    return "/index.json" if path == "/" else f"{path}.json"


def charts_base(path: str) -> str:
    return "" if path == "/" else path


def add_page(app: FastAPI, path: str, name: str, build: Builder) -> None:
    """Register the HTML, JSON, download and embed routes of one page kind."""

    def html_body(request: Request, params: dict[str, str]) -> CachedBody:
        page = get_page(request, name, build, params)
        body = render_text(page.template, page_context(request, page)).encode()
        return CachedBody.of(body, "text/html; charset=utf-8")

    def json_body(request: Request, params: dict[str, str]) -> CachedBody:
        return CachedBody.of(json_bytes(get_page(request, name, build, params).to_json()), JSON)

    async def html(request: Request) -> Response:
        params = dict(request.path_params)
        if request.query_params.get("format") == "json":
            return await _cached(request, name, params, "json", json_body)
        return await _cached(request, name, params, "html", html_body)

    async def as_json(request: Request) -> Response:
        return await _cached(request, name, dict(request.path_params), "json", json_body)

    def download(request: Request) -> Response:
        params = dict(request.path_params)
        panel_id, fmt = params.pop("panel"), params.pop("fmt")
        if fmt not in downloads.FORMATS:
            raise NotFoundError(f"no download format {fmt!r}; use csv, parquet, png or svg")
        page = get_page(request, name, build, params)
        panel = page.panel(panel_id)
        if panel is None:
            raise NotFoundError(f"no panel {panel_id!r} on this page")
        if fmt in {"png", "svg"} and panel.spec is None:
            raise NotFoundError(f"panel {panel_id!r} is a table: download csv or parquet")
        geometry = None
        if panel.geometry is not None:
            geometry = request.app.state.geometry(
                panel.geometry["system"], panel.geometry["level"]
            ).data
        query = str(request.url.query)
        url = page.path + (f"?{query}" if query else "")
        body = downloads.render(page, panel, fmt, url, geometry)
        headers = {
            "Content-Disposition": f'attachment; filename="{downloads.filename(page, panel, fmt)}"',
            "Cache-Control": "no-cache",
        }
        return Response(body, media_type=downloads.FORMATS[fmt], headers=headers)

    def embed(request: Request) -> Response:
        params = dict(request.path_params)
        panel_id = params.pop("panel")
        page = get_page(request, name, build, params)
        panel = page.panel(panel_id)
        if panel is None:
            raise NotFoundError(f"no panel {panel_id!r} on this page")
        body = render_text("embed.html", page_context(request, page, panel=panel, embed=True))
        return Response(body, media_type="text/html; charset=utf-8")

    base = charts_base(path)
    app.add_api_route(
        json_url(path), as_json, methods=["GET"], include_in_schema=False, name=f"{name}-json"
    )
    app.add_api_route(
        f"{base}/charts/{{panel}}.{{fmt}}",
        download,
        methods=["GET"],
        include_in_schema=False,
        name=f"{name}-download",
    )
    app.add_api_route(
        f"{base}/charts/{{panel}}",
        embed,
        methods=["GET"],
        include_in_schema=False,
        name=f"{name}-embed",
    )
    app.add_api_route(path, html, methods=["GET"], include_in_schema=False, name=name)


__all__ = ["InputError", "PageCache", "ViewContext", "add_page", "get_page"]
