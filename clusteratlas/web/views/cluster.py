"""Cluster page ``/clusters/{code}``: a choropleth of LQ, stars or employment with a level and
region-system (NUTS version) selector and a choice of class breaks, the top regions and the
industries inside the cluster with their codes.

Query: ``indicator`` (lq | stars | employment), ``classes`` (quantiles | natural | lq),
``level``, ``system``, ``year``, ``scheme``.
"""

from __future__ import annotations

import pandas as pd
from fastapi import FastAPI

from clusteratlas.store.atlas import SHOWN_MEASURES
from clusteratlas.web import charts
from clusteratlas.web.guide_text import HOW_TO_READ
from clusteratlas.web.panels import Column, Page
from clusteratlas.web.routing import ViewContext, add_page
from clusteratlas.web.views import linkages
from clusteratlas.web.views.common import (
    default_level,
    map_panel,
    options,
    page_provenance,
    system_levels,
)

INDICATORS = {
    "lq": "Location quotient",
    "stars": "Stars (0-3)",
    "employment": "Employment (persons)",
}
FORMATS = {"lq": ".2f", "stars": ".0f", "employment": ",.0f"}
CLASSES = {
    "quantiles": "Quantiles",
    "natural": "Natural breaks (Fisher-Jenks)",
    "lq": "Fixed LQ classes",
}


def build(ctx: ViewContext) -> Page:
    atlas, q = ctx.atlas, ctx.query
    code = ctx.path_params["code"]
    scheme = q.code("scheme")
    cluster = atlas.cluster(code, scheme)
    scheme = cluster["scheme"]
    systems = cluster.get("region_systems") or []
    system = q.code("system")
    indicator = q.choice("indicator", list(INDICATORS), "lq")
    default_classes = (
        "lq" if indicator == "lq" else "natural" if indicator == "employment" else "quantiles"
    )
    classes = q.choice("classes", list(CLASSES), default_classes)
    year = q.integer("year", 1900, 2100)
    level = q.integer("level", 0, 9)
    data = atlas.cluster_regions(code, year=year, level=None, scheme=scheme, system=system)
    system, year = data["system"], data["year"]
    levels = system_levels(atlas, system)
    if level is None:
        level = default_level(atlas, system)
    frame = pd.DataFrame(
        data["regions"],
        columns=["region", "name", "level", "has_geometry", *SHOWN_MEASURES],
    )
    at_level = frame[frame["level"] == level] if level is not None else frame
    panels = []
    method = "stars" if indicator == "stars" else classes
    value_columns = [
        Column("region", "Region code", link="/regions/{region}"),
        Column("name", "Region"),
        Column("lq", "LQ", ".2f"),
        Column("stars", "Stars", ".0f"),
        Column("strong", "Strong"),
        Column("employment", "Employment (persons)", ",.0f"),
    ]
    panels.append(
        map_panel(
            ctx.geometry,
            at_level.drop(columns=["has_geometry"]).reset_index(drop=True),
            panel_id="map",
            title=f"{cluster['cluster_name']}: {INDICATORS[indicator].lower()} by region, {year}",
            system=system,
            level=level,
            value=indicator,
            value_label=INDICATORS[indicator],
            method=method,
            value_format=FORMATS[indicator],
            columns=value_columns,
        )
    )
    top = at_level.sort_values("employment", ascending=False).head(15).reset_index(drop=True)
    top["label"] = top["name"].fillna(top["region"]) + " (" + top["region"] + ")"
    panels.append(_panel_top(top, cluster["cluster_name"], year))
    panels += linkages.cluster_panels(atlas, code, scheme=scheme, year=year)  # related clusters
    members = pd.DataFrame(
        cluster.get("members") or [], columns=["industry", "classification", "label", "weight"]
    )
    from clusteratlas.web.panels import Panel

    panels.append(
        Panel(
            id="members",
            title=f"Industries in {cluster['cluster_name']}",
            data=members,
            columns=[
                Column("industry", "Code"),
                Column("classification", "Classification"),
                Column("label", "Industry"),
                Column("weight", "Weight", ".2f"),
            ],
            kind="table",
            how_to_read=HOW_TO_READ["members"],
            summary=f"{len(members)} industries.",
            table_rows=1000,
        )
    )
    info = atlas.info()
    return Page(
        kind="cluster",
        title=f"{cluster['cluster_name']} ({code})",
        template="cluster.html",
        path=f"/clusters/{code}",
        params={
            "indicator": indicator,
            "classes": classes,
            "level": level,
            "system": system,
            "year": year,
            "scheme": scheme,
        },
        context={
            "cluster": {k: v for k, v in cluster.items() if k != "members"},
            "indicator_options": options(list(INDICATORS), indicator, INDICATORS),
            "classes_options": options(list(CLASSES), classes, CLASSES),
            "level_options": options(levels, level, {lv: f"Level {lv}" for lv in levels}),
            "system_options": options(systems, system),
            "year_options": options(sorted(cluster.get("years") or [year], reverse=True), year),
            "scheme_options": options(
                sorted({s["scheme"] for s in info.get("schemes", [])}), scheme
            ),
        },
        panels=panels,
        provenance=page_provenance(atlas, data["provenance"], system, scheme),
    )


def _panel_top(top: pd.DataFrame, name: str, year: int):
    from clusteratlas.web.panels import Panel

    return Panel(
        id="top-regions",
        title=f"Top regions by employment in {name}, {year}",
        data=top,
        columns=[
            Column("region", "Region code", link="/regions/{region}"),
            Column("name", "Region"),
            Column("employment", "Employment (persons)", ",.0f"),
            Column("lq", "LQ", ".2f"),
            Column("stars", "Stars", ".0f"),
        ],
        spec=charts.bars(
            top, "employment", "label", "Employment (persons)", f"Top regions, {year}"
        ),
        how_to_read=HOW_TO_READ["top-regions"],
        summary=(
            f"Largest: {top['label'].iloc[0]}." if len(top) else "No region has this cluster."
        ),
    )


def register(app: FastAPI) -> None:
    add_page(app, "/clusters/{code}", "cluster", build)
