"""Renderers: Jinja2 templates (autoescaped, gettext-ready) and JSON.

Strings in templates go through ``_()`` (``jinja2.ext.i18n`` with null translations today),
so a message catalogue can be installed later without touching a template. Numbers are
formatted for display only here (``num``, ``pct``); the data behind them stay unrounded in
the JSON twin and the downloads.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import jinja2
from starlette.responses import HTMLResponse, Response

from clusteratlas.web.panels import jsonable
from clusteratlas.web.static_files import asset_url

TEMPLATES = Path(__file__).resolve().parent / "templates"
LANG = "en"


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and not math.isfinite(value))


def num(value: Any, fmt: str = ",.0f") -> str:
    """Format a number for display (``–`` for missing values, never ``0``)."""
    if _missing(value):
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    try:
        return format(value, fmt)
    except (TypeError, ValueError):
        return str(value)


def pct(value: Any, digits: int = 1) -> str:
    """A share as a percentage (``0.1234`` -> ``12.3 %``)."""
    return "–" if _missing(value) else f"{value * 100:.{digits}f} %"


def tojson_script(value: Any) -> str:
    """JSON for a ``<script type="application/json">`` block (``<``, ``>``, ``&`` escaped)."""
    text = json.dumps(jsonable(value), allow_nan=False, separators=(",", ":"), default=str)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def make_env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=jinja2.select_autoescape(["html", "xml"], default=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
    env.filters["num"] = num
    env.filters["pct"] = pct
    env.filters["script_json"] = lambda v: jinja2.utils.markupsafe.Markup(tojson_script(v))
    env.globals["asset_url"] = asset_url
    env.globals["lang"] = LANG
    return env


ENV = make_env()


def render_html(template: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    """Render ``template`` with ``context`` into an HTML response."""
    return HTMLResponse(render_text(template, context), status_code=status)


def render_text(template: str, context: dict[str, Any]) -> str:
    return ENV.get_template(template).render(**context)


JSON = "application/json"


def json_bytes(data: Any) -> bytes:
    """``data`` as compact UTF-8 JSON (NaN -> null; never a bare NaN token)."""
    text = json.dumps(jsonable(data), allow_nan=False, separators=(",", ":"), default=str)
    return text.encode()


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A JSON response of ``data`` (NaN -> null; never a bare NaN token)."""
    return Response(json_bytes(data), status_code=status, media_type=JSON, headers=headers)
