"""Compare page ``/compare?regions=A,B,...``: up to 10 regions side by side (key figures,
cluster LQ or employment), with structural peers of the first region offered to add.

Query: ``regions`` (comma-separated codes), ``measure`` (lq | employment | benchmark_share),
``year``, ``scheme``, ``system``.
"""

from __future__ import annotations

import pandas as pd
from fastapi import FastAPI

from clusteratlas.web import charts
from clusteratlas.web.guide_text import HOW_TO_READ
from clusteratlas.web.panels import Column, Page, Panel
from clusteratlas.web.routing import ViewContext, add_page
from clusteratlas.web.views.common import MEASURE_FORMATS, MEASURE_LABELS, options, page_provenance

MAX = 10
MEASURES = ["lq", "employment", "benchmark_share"]
TOP = 12


def build(ctx: ViewContext) -> Page:
    atlas, q = ctx.atlas, ctx.query
    codes = q.codes("regions", MAX)
    measure = q.choice("measure", MEASURES, "lq")
    year = q.integer("year", 1900, 2100)
    panels: list[Panel] = []
    context: dict = {
        "codes": codes,
        "measure_options": options(MEASURES, measure, MEASURE_LABELS),
        "suggested": [],
        "regions": [],
    }
    params = {"regions": ",".join(codes), "measure": measure}
    provenance = page_provenance(atlas, None, None, None)
    if codes:
        data = atlas.compare(codes, year=year, scheme=q.code("scheme"), system=q.code("system"))
        params.update(year=data["year"], scheme=data["scheme"], system=data["system"])
        figures = pd.DataFrame(
            [{"region": r["code"], "name": r["name"], **r["figures"]} for r in data["regions"]]
        )
        panels.append(
            Panel(
                id="figures",
                title=f"Key figures, {data['year']}",
                data=figures,
                columns=[
                    Column("region", "Region code", link="/regions/{region}"),
                    Column("name", "Region"),
                    Column("employment", "Employment (persons)", ",.0f"),
                    Column("traded_employment", "Traded employment", ",.0f"),
                    Column("cluster_strength", "Cluster strength", ".1%"),
                    Column("n_strong", "Strong clusters", ".0f"),
                    Column("n_star_clusters", "Clusters with stars", ".0f"),
                ],
                kind="table",
                summary=f"{len(figures)} regions.",
            )
        )
        names = {r["code"]: f"{r['name']} ({r['code']})" for r in data["regions"]}
        long = pd.DataFrame(
            [
                {
                    "cluster": c["cluster"],
                    "cluster_name": c["cluster_name"],
                    "cluster_type": c["cluster_type"],
                    "region": code,
                    "region_label": names[code],
                    measure: c["values"].get(code, {}).get(measure),
                }
                for c in data["clusters"]
                for code in codes
            ]
        )
        traded = long[long["cluster_type"] == "traded"]
        best = (
            traded.groupby("cluster_name")[measure]
            .max()
            .sort_values(ascending=False)
            .head(TOP)
            .index
        )
        shown = traded[traded["cluster_name"].isin(best)].reset_index(drop=True)
        label = MEASURE_LABELS[measure]
        panels.append(
            Panel(
                id="clusters",
                title=(
                    f"{label}: the {len(best)} traded clusters where these regions score "
                    f"highest, {data['year']}"
                ),
                data=shown,
                columns=[
                    Column("cluster_name", "Cluster"),
                    Column("region_label", "Region"),
                    Column(measure, label, MEASURE_FORMATS[measure]),
                ],
                spec=charts.grouped_bars(
                    shown,
                    measure,
                    "cluster_name",
                    "region_label",
                    label,
                    f"{label} by cluster and region",
                    fmt=MEASURE_FORMATS[measure],
                    reference=1.0 if measure == "lq" else None,
                ),
                how_to_read=HOW_TO_READ["compare"],
                summary=f"{len(codes)} regions, {len(best)} clusters.",
            )
        )
        wide = long.pivot_table(
            index=["cluster", "cluster_name", "cluster_type"],
            columns="region",
            values=measure,
            aggfunc="first",
            dropna=False,
        ).reset_index()
        wide.columns = [str(c) for c in wide.columns]
        panels.append(
            Panel(
                id="matrix",
                title=f"{label} of every cluster, {data['year']}",
                data=wide,
                columns=[
                    Column("cluster", "Code"),
                    Column("cluster_name", "Cluster"),
                    Column("cluster_type", "Type"),
                    *[
                        Column(c, names[c], MEASURE_FORMATS[measure])
                        for c in codes
                        if c in wide.columns
                    ],
                ],
                kind="table",
                summary=f"{len(wide)} clusters.",
                table_rows=500,
            )
        )
        peers = atlas.peers(codes[0], n=8, scheme=data["scheme"], system=data["system"])
        context["suggested"] = [
            {**p, "url": "/compare?" + _qs(",".join([*codes, p["code"]]), measure)}
            for p in peers
            if p["code"] not in codes
        ][: max(0, MAX - len(codes)) or 0]
        context["regions"] = [
            {
                "code": r["code"],
                "name": r["name"],
                "remove_url": "/compare?"
                + _qs(",".join(c for c in codes if c != r["code"]), measure),
            }
            for r in data["regions"]
        ]
        provenance = page_provenance(atlas, data["provenance"], data["system"], data["scheme"])
    return Page(
        kind="compare",
        title="Compare regions",
        template="compare.html",
        path="/compare",
        params=params,
        context=context,
        panels=panels,
        provenance=provenance,
    )


def _qs(regions: str, measure: str) -> str:
    from urllib.parse import urlencode

    return urlencode({"regions": regions, "measure": measure})


def register(app: FastAPI) -> None:
    add_page(app, "/compare", "compare", build)
