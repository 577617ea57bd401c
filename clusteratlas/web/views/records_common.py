"""What the events, library and editor pages share: context, JSON twins, form parsing."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from fastapi import Request
from starlette.responses import Response

from clusteratlas.web.render import json_response, render_text
from clusteratlas.web.sessions import csrf_token, current_user, remember_csrf

MAX_FORM_BYTES = 1 << 20


def context(request: Request, title: str, **extra: Any) -> dict[str, Any]:
    try:
        info = request.app.state.atlas.info()
    except Exception:  # records pages work even when the atlas is being rebuilt
        info = {}
    query = str(request.url.query)
    return {
        "page": None,
        "title": title,
        "atlas": info,
        "synthetic": bool(info.get("synthetic")),
        "url": request.url.path + (f"?{query}" if query else ""),
        "csrf_token": csrf_token(request),
        "user": current_user(request),
        **extra,
    }


def html(request: Request, template: str, ctx: dict[str, Any], status: int = 200) -> Response:
    body = render_text(template, ctx)
    response = Response(body, status_code=status, media_type="text/html; charset=utf-8")
    response.headers["Cache-Control"] = "no-store"
    return remember_csrf(request, response)


def page_or_json(
    request: Request, template: str, title: str, data: dict[str, Any], status: int = 200
) -> Response:
    """The HTML page, or its JSON twin (``.json`` URL or ``?format=json``): the same data."""
    if request.url.path.endswith(".json") or request.query_params.get("format") == "json":
        return json_response(data, status=status)
    return html(request, template, context(request, title, data=data), status)


async def form_data(request: Request) -> dict[str, Any]:
    """A urlencoded form body as a dict (repeated keys become lists); bounded in size."""
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        from clusteratlas.errors import InputError

        raise InputError("the form is too large", parameter="body")
    out: dict[str, Any] = {}
    for key, value in parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True):
        if key in out:
            out[key] = out[key] if isinstance(out[key], list) else [out[key]]
            out[key].append(value)
        else:
            out[key] = value
    return out
