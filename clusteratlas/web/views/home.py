"""Home page ``/``: search regions and clusters, the map of each region's strongest traded
cluster, and what the atlas holds (sources, years, schemes, region systems)."""

from __future__ import annotations

import pandas as pd
from fastapi import FastAPI

from clusteratlas.web.guide_text import HOW_TO_READ
from clusteratlas.web.panels import Column, Page
from clusteratlas.web.routing import ViewContext, add_page
from clusteratlas.web.views.common import (
    default_level,
    map_panel,
    options,
    page_provenance,
    system_levels,
)

CATEGORY_COLOURS = [
    "#1b9e77",
    "#d95f02",
    "#7570b3",
    "#e7298a",
    "#66a61e",
    "#e6ab02",
    "#a6761d",
    "#1f78b4",
    "#b15928",
]
OTHER = "Other clusters"


def build(ctx: ViewContext) -> Page:
    atlas, query = ctx.atlas, ctx.query
    info = atlas.info()
    q = query.text("q")
    system = query.code("system") or info.get("default_system")
    scheme = query.code("scheme")
    year = query.integer("year", 1900, 2100)
    level = query.integer("level", 0, 9)
    results = atlas.search(q, limit=30) if q else []
    panels = []
    map_year = map_scheme = None
    if system and any(s.get("region_system") == system for s in info.get("schemes", [])):
        level = level if level is not None else default_level(atlas, system)
        top = atlas.top_clusters(year=year, scheme=scheme, system=system, level=level)
        frame = pd.DataFrame(
            top,
            columns=[
                "region",
                "name",
                "level",
                "cluster",
                "cluster_name",
                "employment",
                "lq",
                "stars",
                "strong",
                "year",
                "scheme",
            ],
        )
        if not frame.empty:
            map_year, map_scheme = int(frame["year"].iloc[0]), str(frame["scheme"].iloc[0])
        counts = frame["cluster_name"].value_counts()
        common = list(counts.index[: len(CATEGORY_COLOURS)])
        cats = frame["cluster_name"].where(frame["cluster_name"].isin(common), OTHER)
        domain = [*common, OTHER, "No data"]
        colours = [*CATEGORY_COLOURS[: len(common)], "#8c8c8c", "#d9d9d9"]
        panels.append(
            map_panel(
                ctx.geometry,
                frame.drop(columns=["year", "scheme"]),
                panel_id="top-clusters",
                title=f"Strongest traded cluster of each region, {map_year}",
                system=system,
                level=level,
                value="lq",
                value_label="Location quotient",
                method="quantiles",
                categories=cats,
                category_domain=domain,
                category_colours=colours,
                columns=[
                    Column("region", "Region code", link="/regions/{region}"),
                    Column("name", "Region"),
                    Column(
                        "cluster_name",
                        "Strongest traded cluster",
                        link="/regions/{region}/clusters/{cluster}",
                    ),
                    Column("lq", "LQ", ".2f"),
                    Column("stars", "Stars", ".0f"),
                    Column("strong", "Strong"),
                    Column("employment", "Employment (persons)", ",.0f"),
                ],
                extra_tooltip=(
                    ("cluster_name", "Strongest cluster", None),
                    ("stars", "Stars", ".0f"),
                ),
                how_to_read=HOW_TO_READ["top-map"],
            )
        )
    result = (
        atlas.provenance(kind="clusters", scheme=map_scheme, system=system)["provenance"]
        if map_scheme
        else None
    )
    levels = system_levels(atlas, system) if system else []
    return Page(
        kind="home",
        title=info.get("title") or "Cluster Atlas",
        template="home.html",
        path="/",
        params={"q": q, "system": system, "scheme": map_scheme, "year": map_year, "level": level},
        context={
            "q": q,
            "results": results,
            "info": {
                k: info.get(k)
                for k in (
                    "title",
                    "preset",
                    "synthetic",
                    "built_at",
                    "sources",
                    "attribution",
                    "schemes",
                    "region_systems",
                    "years",
                    "scoreboard",
                )
            },
            "level_options": options(levels, level, {lv: f"Level {lv}" for lv in levels}),
            "year_options": options(sorted(info.get("years") or [], reverse=True), map_year),
        },
        panels=panels,
        provenance=page_provenance(atlas, result, system, map_scheme),
    )


def register(app: FastAPI) -> None:
    add_page(app, "/", "home", build)
