"""Scoreboard explorer ``/scoreboard``: the framework tree, a map per dimension and the
ranking with rank intervals from the uncertainty analysis.

Query: ``year``, ``classes`` (quantiles | natural).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from fastapi import FastAPI

from clusteratlas.web import charts
from clusteratlas.web.guide_text import HOW_TO_READ
from clusteratlas.web.panels import Column, Page, Panel
from clusteratlas.web.routing import ViewContext, add_page
from clusteratlas.web.views.common import default_level, map_panel, options, page_provenance

CLASSES = {"quantiles": "Quantiles", "natural": "Natural breaks (Fisher-Jenks)"}


def tree(framework: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Nest the framework's nodes (``node, parent, level``) into a tree, top node(s) first."""
    by_parent: dict[Any, list[dict[str, Any]]] = {}
    codes = {n["node"] for n in framework}
    for n in framework:
        by_parent.setdefault(n["parent"] if n["parent"] in codes else None, []).append(n)

    def grow(parent: Any) -> list[dict[str, Any]]:
        return [
            {**n, "children": grow(n["node"])}
            for n in sorted(by_parent.get(parent, []), key=lambda n: n["node"])
        ]

    return grow(None)


def build(ctx: ViewContext) -> Page:
    atlas, q = ctx.atlas, ctx.query
    year = q.integer("year", 1900, 2100)
    classes = q.choice("classes", list(CLASSES), "quantiles")
    info = atlas.info()
    editions = info.get("scoreboard") or []
    if not editions:  # a page that says so (200), not an error: the atlas is fine
        return Page(
            kind="scoreboard",
            title="Scoreboard explorer",
            template="scoreboard.html",
            path="/scoreboard",
            params={"year": year, "classes": classes, "edition": None},
            context={"missing": True, "framework": [], "year_options": [], "classes_options": []},
            panels=[],
            provenance=page_provenance(atlas, None, None, None),
        )
    board = atlas.scoreboard(year)
    system, year = board["system"], board["year"]
    names = {n["node"]: n["node_name"] or n["node"] for n in board["framework"]}
    ranking = pd.DataFrame(
        board["ranking"],
        columns=["region", "name", "node", "score", "rank", "rank_p05", "rank_median", "rank_p95"],
    )
    ranking["label"] = ranking["name"].fillna(ranking["region"]) + " (" + ranking["region"] + ")"
    panels: list[Panel] = [
        Panel(
            id="ranking",
            title=f"Ranking with rank intervals, {year}",
            data=ranking,
            columns=[
                Column("rank", "Rank", ".0f"),
                Column("region", "Region code", link="/regions/{region}"),
                Column("name", "Region"),
                Column("score", "Score", ".1f"),
                Column("rank_p05", "Rank, 5 %", ".0f"),
                Column("rank_median", "Rank, median", ".0f"),
                Column("rank_p95", "Rank, 95 %", ".0f"),
            ],
            spec=charts.rank_intervals(ranking, f"Ranks and their 90 % intervals, {year}"),
            how_to_read=HOW_TO_READ["ranking"],
            summary=(f"Best: {ranking['label'].iloc[0]}." if len(ranking) else ""),
            table_rows=400,
        )
    ]
    level = default_level(atlas, system)
    level_of = ranking_levels(atlas, system)
    for node, rows in sorted(board["dimensions"].items()):
        frame = pd.DataFrame(rows, columns=["region", "score", "rank"])
        frame.insert(1, "name", [level_of.get(r, (None, None))[1] for r in frame["region"]])
        levels = {level_of.get(r, (None, None))[0] for r in frame["region"]} - {None}
        map_level = next(iter(levels)) if len(levels) == 1 else level
        panels.append(
            map_panel(
                ctx.geometry,
                frame,
                panel_id=f"map-{node}",
                title=f"{names.get(node, node)}, {year}",
                system=system,
                level=map_level,
                value="score",
                value_label="Score",
                method=classes,
                value_format=".1f",
                columns=[
                    Column("region", "Region code", link="/regions/{region}"),
                    Column("name", "Region"),
                    Column("score", "Score", ".1f"),
                    Column("rank", "Rank", ".0f"),
                ],
                height=300,
            )
        )
    years = sorted({y for e in editions for y in e.get("years", [])}, reverse=True)
    return Page(
        kind="scoreboard",
        title="Scoreboard explorer",
        template="scoreboard.html",
        path="/scoreboard",
        params={"year": year, "classes": classes, "edition": board["edition"]},
        context={
            "edition": board["edition"],
            "year": year,
            "framework": tree(board["framework"]),
            "year_options": options(years, year),
            "classes_options": options(list(CLASSES), classes, CLASSES),
        },
        panels=panels,
        provenance=page_provenance(atlas, board["provenance"], system, board["edition"]),
    )


def ranking_levels(atlas: Any, system: str) -> dict[str, tuple[int | None, str | None]]:
    items = atlas.regions(system=system, per_page=500)
    out = {r["code"]: (r["level"], r["name"]) for r in items["items"]}
    page = 1
    while len(out) < items["total"]:
        page += 1
        more = atlas.regions(system=system, per_page=500, page=page)["items"]
        if not more:
            break
        out.update({r["code"]: (r["level"], r["name"]) for r in more})
    return out


def register(app: FastAPI) -> None:
    add_page(app, "/scoreboard", "scoreboard", build)
