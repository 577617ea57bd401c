"""Report downloads: the region profile and the compared regions' joint-challenges report.

- ``/reports/regions/{code}.pdf`` (or ``.html``) with the region page's query (``year``,
  ``start``, ``scheme``, ``system``): the region profile;
- ``/reports/compare.pdf`` (or ``.html``) with the compare page's ``regions`` (1–10 codes,
  comma-separated; a single region gives its profile) and ``year``: the joint-challenges
  report of those regions.

State comes from the URL only, so a download link is the page's own URL with the report's
path. Bad parameters are InputErrors (HTTP 422), unknown codes NotFoundErrors (404).
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from starlette.responses import Response

from clusteratlas.errors import InputError

router = APIRouter(include_in_schema=False)
CODE = re.compile(r"^[A-Za-z0-9_.-]{1,24}$")
MAX_REGIONS = 10
MEDIA = {"pdf": "application/pdf", "html": "text/html; charset=utf-8"}


def _code(value: str | None, parameter: str) -> str | None:
    if value in (None, ""):
        return None
    if not CODE.match(value):
        raise InputError(f"{value[:30]!r} is not a code", parameter=parameter)
    return value


def _year(value: str | None, parameter: str) -> int | None:
    if value in (None, ""):
        return None
    if not value.isdigit() or not 1900 <= int(value) <= 2100:
        raise InputError(f"{value[:10]!r} is not a year (1900–2100)", parameter=parameter)
    return int(value)


def _fmt(fmt: str) -> str:
    if fmt not in MEDIA:
        raise InputError("reports are .pdf or .html", parameter="format")
    return fmt


def _send(context: dict[str, Any], fmt: str, name: str) -> Response:
    from clusteratlas.reports.render import html_to_pdf, render_html

    html = render_html(context)
    body = html.encode() if fmt == "html" else html_to_pdf(html)
    # Both are downloads: the HTML report inlines its stylesheet, which the site's CSP
    # (style-src 'self') would block if it were shown as a page; saved, it opens as is.
    return Response(
        body,
        media_type=MEDIA[fmt],
        headers={
            "Content-Disposition": f'attachment; filename="{name}.{fmt}"',
            "Cache-Control": "no-store",
        },
    )


@router.get("/reports/regions/{code}.{fmt}")
def region_report(code: str, fmt: str, request: Request) -> Response:
    from clusteratlas.reports.profile import region_profile_context

    q = request.query_params
    context = region_profile_context(
        request.app.state.atlas,
        _code(code, "code") or "",
        year=_year(q.get("year"), "year"),
        start=_year(q.get("start"), "start"),
        scheme=_code(q.get("scheme"), "scheme"),
        system=_code(q.get("system"), "system"),
    )
    return _send(context, _fmt(fmt), f"region-profile-{code}")


@router.get("/reports/compare.{fmt}")
def compare_report(fmt: str, request: Request) -> Response:
    from clusteratlas.reports.joint import joint_context
    from clusteratlas.reports.profile import region_profile_context

    q = request.query_params
    raw = [c.strip() for c in (q.get("regions") or "").split(",") if c.strip()]
    if not 1 <= len(raw) <= MAX_REGIONS:
        raise InputError(f"give 1 to {MAX_REGIONS} region codes", parameter="regions")
    codes = [_code(c, "regions") or "" for c in raw]
    if len(set(codes)) != len(codes):
        raise InputError("a region is listed twice", parameter="regions")
    atlas = request.app.state.atlas
    year = _year(q.get("year"), "year")
    if len(codes) == 1:
        context = region_profile_context(atlas, codes[0], year=year)
        return _send(context, _fmt(fmt), f"region-profile-{codes[0]}")
    context = joint_context(atlas, {c: [c] for c in codes})
    return _send(context, _fmt(fmt), "joint-challenges-" + "-".join(codes))


def register(app: FastAPI) -> None:
    """Add the report routes to ``app``."""
    app.include_router(router)
