"""Guide pages: ``/methodology`` (generated from the indicator definitions and the scoreboard
framework), ``/how-to-read`` (the notes shown beside every chart) and ``/sources``
(sources, attribution and the provenance of every stored result)."""

from __future__ import annotations

from fastapi import FastAPI

from clusteratlas.errors import NotFoundError
from clusteratlas.web.guide_text import HOW_TO_READ, indicator_definitions
from clusteratlas.web.panels import Page
from clusteratlas.web.routing import ViewContext, add_page
from clusteratlas.web.views.common import page_provenance

ATTRIBUTION_LINES = [
    "Source: Eurostat (reuse with acknowledgement of the source).",
    "© EuroGeographics for the administrative boundaries (GISCO NUTS).",
    "US Census Bureau, County Business Patterns (public domain); cluster definitions and "
    "published tables of the U.S. Cluster Mapping Project (Harvard Business School).",
]


def methodology(ctx: ViewContext) -> Page:
    atlas = ctx.atlas
    framework = []
    try:
        board = atlas.scoreboard()
        framework = board["framework"]
    except NotFoundError:
        pass
    return Page(
        kind="methodology",
        title="Methodology",
        template="methodology.html",
        path="/methodology",
        params={},
        context={"indicators": indicator_definitions(), "framework": framework},
        panels=[],
        provenance=page_provenance(atlas, None, None, None),
    )


def how_to_read(ctx: ViewContext) -> Page:
    return Page(
        kind="how-to-read",
        title="How to read the charts",
        template="how_to_read.html",
        path="/how-to-read",
        params={},
        context={"notes": [{"kind": k, "text": v} for k, v in HOW_TO_READ.items()]},
        panels=[],
        provenance=page_provenance(ctx.atlas, None, None, None),
    )


def sources(ctx: ViewContext) -> Page:
    atlas = ctx.atlas
    info = atlas.info()
    return Page(
        kind="sources",
        title="Sources and attribution",
        template="sources.html",
        path="/sources",
        params={},
        context={
            "sources": info.get("sources") or [],
            "attribution": info.get("attribution") or [],
            "general_attribution": ATTRIBUTION_LINES,
            "results": info.get("provenance") or [],
        },
        panels=[],
        provenance=page_provenance(atlas, None, None, None),
    )


def register(app: FastAPI) -> None:
    add_page(app, "/methodology", "methodology", methodology)
    add_page(app, "/how-to-read", "how-to-read", how_to_read)
    add_page(app, "/sources", "sources", sources)
