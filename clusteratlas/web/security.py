"""Security headers on every response (a pure ASGI middleware, so it costs one dict merge).

``Content-Security-Policy`` allows only this origin: scripts, styles, images, fonts and
``fetch`` all come from ``'self'``; nothing external is ever loaded. What Vega needs on top:

- ``'unsafe-eval'`` in ``script-src``: Vega compiles its expression language (used by every
  Vega-Lite spec for tooltips, formats and transforms) with the ``Function`` constructor;
- ``data:`` and ``blob:`` images: vega-embed's "save as PNG/SVG" creates object URLs;
- ``'unsafe-inline'`` in ``style-src``: vega-embed and vega-tooltip insert their own small
  ``<style>`` element and set inline styles on the tooltip box.

Embed pages (``.../charts/{panel}``) may be framed by any site (that is what they are for);
every other page only by this origin.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ASGIApp = Callable[
    [Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]], Awaitable[None]
]

CSP_BASE = (
    "default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'"
)
CSP_PAGE = CSP_BASE + "; frame-ancestors 'self'"
CSP_EMBED = CSP_BASE + "; frame-ancestors *"

COMMON = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"geolocation=(), camera=(), microphone=()"),
]


def is_embed_path(path: str) -> bool:
    """True for chrome-less embed pages: ``.../charts/{panel}`` without a file extension."""
    _, sep, tail = path.rpartition("/charts/")
    return bool(sep) and "." not in tail and "/" not in tail


class SecurityHeaders:
    """Add the CSP and the other security headers to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        csp = CSP_EMBED if is_embed_path(scope.get("path", "")) else CSP_PAGE
        frame = [] if csp is CSP_EMBED else [(b"x-frame-options", b"SAMEORIGIN")]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if k.lower() not in {b"content-security-policy", b"x-frame-options"}
                ]
                headers += [(b"content-security-policy", csp.encode()), *COMMON, *frame]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
