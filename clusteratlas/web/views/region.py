"""Region page ``/regions/{code}``: key figures with sparklines, the cluster portfolio, stars
and strong clusters, traded vs local, a time series with source flags, the scoreboard
profile against peers and a locator map.

Query: ``year``, ``start`` (portfolio start year), ``measure`` (lq | benchmark_share),
``cluster`` (of the time series), ``scheme``, ``system``.
"""

from __future__ import annotations

import contextlib
from typing import Any

import pandas as pd
from fastapi import FastAPI

from clusteratlas.errors import NotFoundError
from clusteratlas.web import charts
from clusteratlas.web.guide_text import HOW_TO_READ
from clusteratlas.web.panels import Column, Page, Panel
from clusteratlas.web.routing import ViewContext, add_page
from clusteratlas.web.views import linkages
from clusteratlas.web.views.common import (
    MEASURE_FORMATS,
    MEASURE_LABELS,
    map_panel,
    options,
    page_provenance,
)
from clusteratlas.web.views.scoreboard_profile import profile_panel

FIGURES = [
    ("employment", "Employment (traded + local)", ",.0f"),
    ("traded_employment", "Traded employment", ",.0f"),
    ("cluster_strength", "Cluster strength (share in strong clusters)", ".1%"),
    ("n_strong", "Strong clusters", ".0f"),
    ("n_star_clusters", "Clusters with stars", ".0f"),
]
CLUSTER_COLUMNS = [
    Column("cluster", "Code"),
    Column("cluster_name", "Cluster", link="{href}"),
    Column("cluster_type", "Type"),
    Column("employment", "Employment (persons)", ",.0f"),
    Column("lq", "LQ", ".2f"),
    Column("benchmark_share", "Share of benchmark", ".2%"),
    Column("stars", "Stars", ".0f"),
    Column("strong", "Strong"),
]


def build(ctx: ViewContext) -> Page:
    atlas, q = ctx.atlas, ctx.query
    code = ctx.path_params["code"]
    system = q.code("system")
    scheme = q.code("scheme")
    year = q.integer("year", 1900, 2100)
    start = q.integer("start", 1900, 2100)
    measure = q.choice("measure", ["lq", "benchmark_share"], "lq")
    region = atlas.region(code, system)
    system = region["system"]
    if not region.get("schemes"):  # e.g. a region only of the scoreboard's NUTS version
        return scoreboard_only(ctx, region)
    table = atlas.region_clusters(code, year=year, scheme=scheme, system=system)
    scheme, year = table["scheme"], table["year"]
    summary = atlas.region_summary(code, year=year, scheme=scheme, system=system)
    years = region.get("years") or [year]
    qs = f"?scheme={scheme}" if scheme != atlas.info().get("default_scheme") else ""
    panels: list[Panel] = []

    series = pd.DataFrame(summary["series"])
    if not series.empty:
        panels.append(trends_panel(series))

    clusters = pd.DataFrame(
        table["clusters"],
        columns=[c.field for c in CLUSTER_COLUMNS if c.field != "href"]
        + ["region_share", "wage", "establishments", "strong10"],
    )
    clusters["href"] = [f"/regions/{code}/clusters/{c}{qs}" for c in clusters["cluster"]]

    if start is None and len(years) > 1:
        start = int(min(years))
    if start is not None and start < year:
        port = atlas.portfolio(
            code, start=start, end=year, scheme=scheme, measure=measure, system=system
        )
        if port:
            panels.append(portfolio_panel(pd.DataFrame(port), measure, start, year, code, qs))
    panels += linkages.region_panels(
        atlas, code, year=year, start=start, scheme=scheme, system=system
    )

    strong = clusters[
        (clusters["stars"].fillna(0) > 0) | clusters["strong"].fillna(False).astype(bool)
    ]
    strong = strong.sort_values(["stars", "lq"], ascending=False)
    panels.append(
        Panel(
            id="strong",
            title=f"Star and strong clusters, {year}",
            data=strong[
                [
                    "cluster",
                    "cluster_name",
                    "cluster_type",
                    "employment",
                    "lq",
                    "stars",
                    "strong",
                    "strong10",
                    "href",
                ]
            ].reset_index(drop=True),
            columns=[c for c in CLUSTER_COLUMNS if c.field != "benchmark_share"]
            + [Column("strong10", "Strong (top 10 %)")],
            spec=charts.bars(
                strong,
                "lq",
                "cluster_name",
                "Location quotient",
                f"Star and strong clusters by LQ, {year}",
                fmt=".2f",
                color="cluster_type",
                color_title="Type",
            )
            if len(strong)
            else None,
            how_to_read=HOW_TO_READ["strong"],
            summary=f"{len(strong)} clusters have at least one star or are strong.",
            kind="chart" if len(strong) else "table",
        )
    )

    types = (
        clusters[clusters["cluster_type"].isin(["traded", "local"])]
        .groupby("cluster_type", as_index=False)
        .agg(employment=("employment", "sum"), clusters=("cluster", "count"))
    )
    total = types["employment"].sum()
    types["share"] = types["employment"] / total if total else None
    panels.append(
        Panel(
            id="types",
            title=f"Traded and local clusters, {year}",
            data=types,
            columns=[
                Column("cluster_type", "Type"),
                Column("employment", "Employment (persons)", ",.0f"),
                Column("share", "Share", ".1%"),
                Column("clusters", "Clusters", ".0f"),
            ],
            spec=charts.bars(
                types,
                "employment",
                "cluster_type",
                "Employment (persons)",
                f"Traded and local employment, {year}",
            ),
            how_to_read=HOW_TO_READ["types"],
            summary=" ; ".join(
                f"{r.cluster_type}: {r.employment:,.0f}" for r in types.itertuples()
            ),
        )
    )

    traded = clusters[clusters["cluster_type"] == "traded"].sort_values(
        "employment", ascending=False
    )
    chosen = q.code("cluster") or (str(traded["cluster"].iloc[0]) if len(traded) else None)
    if chosen is not None:
        panels.append(series_panel(atlas, code, chosen, scheme, system))

    panels.append(
        Panel(
            id="clusters",
            title=f"All clusters of {region['name']}, {year}",
            data=clusters,
            columns=CLUSTER_COLUMNS,
            kind="table",
            summary=f"{len(clusters)} clusters.",
            table_rows=500,
        )
    )

    with contextlib.suppress(NotFoundError):  # regions without scoreboard scores
        panels.append(profile_panel(atlas, code))

    locator = locator_panel(ctx, region)
    if locator is not None:
        panels.append(locator)

    peers = atlas.peers(code, n=5, scheme=scheme, system=system)
    figures = [
        {"key": k, "label": lbl, "value": summary["figures"].get(k), "fmt": fmt}
        for k, lbl, fmt in FIGURES
    ]
    cluster_opts = traded[["cluster", "cluster_name"]].sort_values("cluster_name")
    return Page(
        kind="region",
        title=f"{region['name']} ({code})",
        template="region.html",
        path=f"/regions/{code}",
        params={
            "year": year,
            "start": start,
            "measure": measure,
            "cluster": chosen,
            "scheme": scheme,
            "system": system,
        },
        context={
            "region": region,
            "figures": figures,
            "peers": peers,
            "compare_url": "/compare?regions=" + ",".join([code, *[p["code"] for p in peers[:4]]]),
            "year_options": options(sorted(years, reverse=True), year),
            "start_options": options(sorted(y for y in years if y < year), start),
            "measure_options": options(["lq", "benchmark_share"], measure, MEASURE_LABELS),
            "cluster_options": options(
                list(cluster_opts["cluster"]),
                chosen,
                dict(zip(cluster_opts["cluster"], cluster_opts["cluster_name"], strict=True)),
            ),
        },
        panels=panels,
        provenance=page_provenance(atlas, table["provenance"], system, scheme),
    )


def locator_panel(ctx: ViewContext, region: dict[str, Any]) -> Panel | None:
    """A map of the region's level with the region outlined (None without a polygon)."""
    if not region.get("has_geometry"):
        return None
    atlas, code, system, level = ctx.atlas, region["code"], region["system"], region.get("level")
    same_level = atlas.regions(system=system, level=level, per_page=500)["items"]
    loc = pd.DataFrame(same_level, columns=["code", "name"]).rename(columns={"code": "region"})
    loc["here"] = (loc["region"] == code).astype(float)
    cats = loc["here"].map({1.0: region["name"], 0.0: "Other regions"})
    return map_panel(
        ctx.geometry,
        loc,
        panel_id="locator",
        title=f"Where {region['name']} is",
        system=system,
        level=level,
        value="here",
        value_label="Selected",
        method="quantiles",
        categories=cats,
        category_domain=[region["name"], "Other regions", "No data"],
        category_colours=["#c51b7d", "#e0e0e0", "#f7f7f7"],
        highlight=code,
        columns=[
            Column("region", "Region code", link="/regions/{region}"),
            Column("name", "Region"),
        ],
        height=260,
        how_to_read="The selected region is outlined in magenta.",
    )


def scoreboard_only(ctx: ViewContext, region: dict[str, Any]) -> Page:
    """The page of a region without a cluster table: its scoreboard profile and locator."""
    panels: list[Panel] = []
    with contextlib.suppress(NotFoundError):
        panels.append(profile_panel(ctx.atlas, region["code"]))
    locator = locator_panel(ctx, region)
    if locator is not None:
        panels.append(locator)
    return Page(
        kind="region",
        title=f"{region['name']} ({region['code']})",
        template="region.html",
        path=f"/regions/{region['code']}",
        params={"system": region["system"]},
        context={
            "region": region,
            "figures": [],
            "peers": [],
            "no_clusters": True,
            "compare_url": None,
            "year_options": [],
            "start_options": [],
            "measure_options": [],
            "cluster_options": [],
        },
        panels=panels,
        provenance=page_provenance(ctx.atlas, None, region["system"], None),
    )


def trends_panel(series: pd.DataFrame) -> Panel:
    fields = [f for f, _, _ in FIGURES if f in series.columns and series[f].notna().any()]
    long = series.melt(id_vars="year", value_vars=fields, var_name="figure", value_name="value")
    labels = {f: lbl for f, lbl, _ in FIGURES}
    long["figure"] = long["figure"].map(labels)
    spec = {
        "$schema": charts.SCHEMA,
        "title": "Key figures by year",
        "description": "Small line charts of each key figure by year.",
        "data": {"values": charts.values(long)},
        "facet": {
            "row": {
                "field": "figure",
                "type": "nominal",
                "title": None,
                "header": {"labelAngle": 0, "labelAlign": "left", "labelColor": charts.INK},
            }
        },
        "spec": {
            "width": 220,
            "height": 34,
            "mark": {"type": "line", "point": {"size": 12}, "color": charts.ACCENT},
            "encoding": {
                "x": {
                    "field": "year",
                    "type": "ordinal",
                    "axis": {"labels": False, "ticks": False, "title": None},
                },
                "y": {
                    "field": "value",
                    "type": "quantitative",
                    "axis": None,
                    "scale": {"zero": False},
                },
                "tooltip": [
                    {"field": "figure", "type": "nominal"},
                    {"field": "year", "type": "ordinal"},
                    {"field": "value", "type": "quantitative", "format": ",.3~f"},
                ],
            },
        },
        "resolve": {"scale": {"y": "independent"}},
        "config": charts.CONFIG,
    }
    return Panel(
        id="trends",
        title="Key figures by year",
        data=series,
        columns=[
            Column("year", "Year"),
            *[Column(f, lbl, fmt) for f, lbl, fmt in FIGURES if f in series.columns],
        ],
        spec=spec,
        how_to_read=HOW_TO_READ["trends"],
        summary=f"Years {int(series['year'].min())}–{int(series['year'].max())}.",
    )


def portfolio_panel(
    port: pd.DataFrame, measure: str, start: int, end: int, code: str, qs: str
) -> Panel:
    label = MEASURE_LABELS[measure]
    fmt = MEASURE_FORMATS[measure]
    port = port[
        [
            "cluster",
            "cluster_name",
            "start_value",
            "value",
            "change",
            "employment",
            "quadrant",
            "reference",
            "start",
            "end",
        ]
    ].copy()
    port["href"] = [f"/regions/{code}/clusters/{c}{qs}" for c in port["cluster"]]
    reference = float(port["reference"].iloc[0])
    counts = port["quadrant"].value_counts()
    return Panel(
        id="portfolio",
        title=f"Cluster portfolio: {label}, {start}–{end}",
        data=port,
        columns=[
            Column("cluster_name", "Cluster", link="{href}"),
            Column("start_value", f"{label} {start}", fmt),
            Column("value", f"{label} {end}", fmt),
            Column("change", "Change", fmt),
            Column("employment", f"Employment {end} (persons)", ",.0f"),
            Column("quadrant", "Quadrant"),
        ],
        spec=charts.portfolio_bubbles(port, label, start, end, reference, fmt),
        how_to_read=HOW_TO_READ["portfolio"],
        summary="; ".join(
            f"{q}: {int(counts.get(q, 0))}" for q in ("rising", "mature", "emerging", "declining")
        )
        + " traded clusters.",
    )


def series_panel(atlas: Any, code: str, cluster: str, scheme: str, system: str) -> Panel:
    rows = atlas.region_series(code, cluster, scheme, system)
    frame = pd.DataFrame(rows)
    frame["flag_text"] = [
        " ".join(f) if isinstance(f, list) else "" for f in frame.get("flags", [[]] * len(frame))
    ]
    frame = frame.drop(columns=[c for c in ("flags",) if c in frame.columns])
    name = str(frame["cluster_name"].iloc[0]) if len(frame) else cluster
    keep = [
        c
        for c in [
            "year",
            "cluster",
            "cluster_name",
            "employment",
            "lq",
            "benchmark_share",
            "stars",
            "strong",
            "flag_text",
        ]
        if c in frame.columns
    ]
    frame = frame[keep]
    flagged = int((frame["flag_text"] != "").sum())
    return Panel(
        id="series",
        title=f"{name}: employment by year",
        data=frame,
        columns=[
            Column("year", "Year"),
            Column("employment", "Employment (persons)", ",.0f"),
            Column("lq", "LQ", ".2f"),
            Column("stars", "Stars", ".0f"),
            Column("flag_text", "Flags"),
        ],
        spec=charts.series_with_flags(frame, "employment", f"Employment in {name}"),
        how_to_read=HOW_TO_READ["series"],
        summary=f"{len(frame)} years; {flagged} flagged observations.",
    )


def register(app: FastAPI) -> None:
    add_page(app, "/regions/{code}", "region", build)
