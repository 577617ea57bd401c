"""Static files with strong ETags and cache headers, all held in memory.

- ``/static/vega.js``: the Vega, Vega-Lite and vega-embed bundle that the installed
  ``vl-convert-python`` provides (:func:`vl_convert.javascript_bundle`); no CDN, no vendored
  copy. Built once per process.
- ``/static/{name}``: this package's own ``static/`` folder (``atlas.js``, ``atlas.css``).

Pages link them with ``?v=<etag>``, so they can be cached for a year and change their URL
when their content changes; a plain request revalidates with ``If-None-Match`` -> 304.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from pathlib import Path

from fastapi import APIRouter, Request, Response
from starlette.exceptions import HTTPException

from clusteratlas.errors import ClusterAtlasError

STATIC_DIR = Path(__file__).resolve().parent / "static"
TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
}


class StaticNotFound(ClusterAtlasError):
    """No such static file."""


@dataclass(frozen=True)
class Asset:
    """One static file: its bytes, media type and strong ETag (sha256 prefix)."""

    body: bytes
    media_type: str
    etag: str

    @classmethod
    def of(cls, body: bytes, media_type: str) -> Asset:
        return cls(body, media_type, '"' + hashlib.sha256(body).hexdigest()[:20] + '"')

    @property
    def version(self) -> str:
        return self.etag.strip('"')


_lock = threading.Lock()
_assets: dict[str, Asset] = {}


def asset(name: str) -> Asset:
    """The asset called ``name`` (``vega.js`` or a file of ``static/``), loaded once."""
    with _lock:
        found = _assets.get(name)
        if found is not None:
            return found
        if name == "vega.js":
            import vl_convert

            found = Asset.of(vl_convert.javascript_bundle().encode(), TYPES[".js"])
        else:
            path = (STATIC_DIR / name).resolve()
            if path.parent != STATIC_DIR or not path.is_file() or path.suffix not in TYPES:
                raise StaticNotFound(f"no static file {name!r}")
            found = Asset.of(path.read_bytes(), TYPES[path.suffix])
        _assets[name] = found
        return found


def asset_url(name: str) -> str:
    """The cache-busting URL of an asset, ``/static/NAME?v=ETAG``."""
    return f"/static/{name}?v={asset(name).version}"


def respond(request: Request, item: Asset, max_age: int = 31_536_000) -> Response:
    """A 200 with the asset, or 304 if the client's ``If-None-Match`` matches its ETag."""
    immutable = ", immutable" if request.query_params.get("v") == item.version else ""
    headers = {"ETag": item.etag, "Cache-Control": f"public, max-age={max_age}{immutable}"}
    if not immutable:
        headers["Cache-Control"] = "public, max-age=3600, must-revalidate"
    inm = request.headers.get("if-none-match", "")
    if item.etag in {t.strip() for t in inm.split(",")}:
        return Response(status_code=304, headers=headers)
    return Response(item.body, media_type=item.media_type, headers=headers)


router = APIRouter(include_in_schema=False)


@router.get("/favicon.ico")
def favicon(request: Request) -> Response:
    """The icon, for clients that ask for it by its old name (JSON views, bookmarks)."""
    return respond(request, asset("favicon.svg"), max_age=86_400)


@router.get("/static/{name}")
def static_file(name: str, request: Request) -> Response:
    """Serve one static asset (the 404 page for anything else)."""
    try:
        item = asset(name)
    except StaticNotFound as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc
    return respond(request, item)
