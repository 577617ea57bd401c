"""Region × cluster page ``/regions/{code}/clusters/{cluster}``: the cell's series (employment
and LQ with source flags) and its trends (growth, LQ change, shift-share)."""

from __future__ import annotations

import pandas as pd
from fastapi import FastAPI

from clusteratlas.web import charts
from clusteratlas.web.guide_text import HOW_TO_READ
from clusteratlas.web.panels import Column, Page, Panel
from clusteratlas.web.routing import ViewContext, add_page
from clusteratlas.web.views.common import page_provenance

TREND_COLUMNS = [
    Column("start_year", "Start"),
    Column("end_year", "End"),
    Column("employment_start", "Employment, start", ",.0f"),
    Column("employment_end", "Employment, end", ",.0f"),
    Column("employment_cagr", "CAGR", ".2%"),
    Column("lq_start", "LQ, start", ".2f"),
    Column("lq_end", "LQ, end", ".2f"),
    Column("lq_change", "LQ change", "+.2f"),
    Column("shift_national", "National shift", ",.0f"),
    Column("shift_industry_mix", "Industry-mix shift", ",.0f"),
    Column("shift_regional", "Regional shift", ",.0f"),
]


def build(ctx: ViewContext) -> Page:
    atlas, q = ctx.atlas, ctx.query
    code, cluster = ctx.path_params["code"], ctx.path_params["cluster"]
    data = atlas.region_cluster(code, cluster, scheme=q.code("scheme"), system=q.code("system"))
    region, cl = data["region"], data["cluster"]
    frame = pd.DataFrame(data["series"])
    frame["flag_text"] = [" ".join(f) for f in frame["flags"]] if "flags" in frame else ""
    frame = frame.drop(columns=[c for c in ("flags",) if c in frame.columns])
    cols = [
        c
        for c in [
            "year",
            "employment",
            "establishments",
            "wage",
            "lq",
            "benchmark_share",
            "region_share",
            "stars",
            "strong",
            "strong10",
            "flag_text",
        ]
        if c in frame.columns
    ]
    frame = frame[cols]
    panels = [
        Panel(
            id="employment",
            title="Employment by year",
            data=frame[
                [
                    c
                    for c in ("year", "employment", "establishments", "flag_text")
                    if c in frame.columns
                ]
            ],
            columns=[
                Column("year", "Year"),
                Column("employment", "Employment (persons)", ",.0f"),
                Column("establishments", "Establishments", ",.0f"),
                Column("flag_text", "Flags"),
            ],
            spec=charts.series_with_flags(frame, "employment", "Employment"),
            how_to_read=HOW_TO_READ["series"],
            summary=f"{len(frame)} years.",
        ),
        Panel(
            id="lq",
            title="Location quotient by year",
            data=frame[
                [c for c in ("year", "lq", "stars", "strong", "flag_text") if c in frame.columns]
            ],
            columns=[
                Column("year", "Year"),
                Column("lq", "LQ", ".2f"),
                Column("stars", "Stars", ".0f"),
                Column("strong", "Strong"),
                Column("flag_text", "Flags"),
            ],
            spec=charts.series_with_flags(frame, "lq", "Location quotient", fmt=".2f"),
            how_to_read=HOW_TO_READ["series"],
            summary=f"LQ {frame['lq'].iloc[-1]:.2f} in {int(frame['year'].iloc[-1])}."
            if len(frame) and pd.notna(frame["lq"].iloc[-1])
            else "",
        ),
    ]
    trends = pd.DataFrame(data.get("trends") or [], columns=[c.field for c in TREND_COLUMNS])
    panels.append(
        Panel(
            id="trends",
            title="Growth and shift-share",
            data=trends,
            columns=TREND_COLUMNS,
            kind="table",
            summary=f"{len(trends)} periods.",
        )
    )
    return Page(
        kind="region_cluster",
        title=f"{cl['cluster_name']} in {region['name']}",
        template="region_cluster.html",
        path=f"/regions/{code}/clusters/{cluster}",
        params={"scheme": data["scheme"], "system": region["system"]},
        context={"region": region, "cluster": {k: v for k, v in cl.items() if k != "members"}},
        panels=panels,
        provenance=page_provenance(atlas, data["provenance"], region["system"], data["scheme"]),
    )


def register(app: FastAPI) -> None:
    add_page(app, "/regions/{code}/clusters/{cluster}", "region-cluster", build)
