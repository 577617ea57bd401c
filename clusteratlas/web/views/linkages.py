"""Linkage pages and panels: related clusters, growth opportunities, emerging specialisations,
the partner finder (``/partners``) and the hot-spot map (``/hotspots``).

The region and cluster pages get their linkage panels from :func:`region_panels` and
:func:`cluster_panels` (one call each in :mod:`~clusteratlas.web.views.region` and
:mod:`~clusteratlas.web.views.cluster`), so they share those pages' JSON twin, downloads and
embeds. Every number comes from the Atlas linkage methods
(:mod:`clusteratlas.atlas.linkages`); ``docs/linkages.md`` documents the measures and rules.

Query of ``/partners``: ``region`` (code), ``cluster`` (optional), ``n`` (1–50) for one region's
partners; ``regions`` (2–10 comma-separated codes), ``add`` (one more code, the form's "add a
region") and ``n`` for a partnership (:func:`build_partnership`).
Query of ``/hotspots``: ``cluster``, ``system``, ``level``, ``year``, ``permutations``
(99–9999), ``seed``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pandas as pd
from fastapi import FastAPI

from clusteratlas.errors import InputError, NotFoundError
from clusteratlas.web import charts, linkage_charts
from clusteratlas.web.panels import Column, Page, Panel
from clusteratlas.web.routing import ViewContext, add_page
from clusteratlas.web.views.common import map_panel, options, page_provenance

HOW = {
    "opportunities": (
        "Clusters the region is not specialised in yet (RCA below 1 among the linkage "
        "clusters) but is well placed for: its relatedness density there (the share of the "
        "related clusters it is specialised in, weighted by how related they are) is in its top "
        "quarter, and the cluster is more complex than average (PCI above 0). Ranked by the "
        "complexity outlook gain: how much entering it would bring the region closer to other "
        "complex clusters. Bars: relatedness density (0–1)."
    ),
    "emerging": (
        "Clusters that became specialisations (RCA crossed 1) or whose RCA rose fastest (top "
        "10 % of all changes of regions of this level) between the two years; 'high density' "
        "marks those surrounded by related specialisations. Bars: change of the RCA."
    ),
    "related": (
        "This cluster (diamond) and the clusters related to it by co-location: their "
        "employment rises and falls together across regions. Solid lines: strongly related "
        "(top 10 % of all pairs); dashed: weakly related (kept only for clusters without strong "
        "links). Closer to the centre: more related. Circle size: employment."
    ),
    "related-ranked": (
        "Every other cluster by its co-location relatedness with this one (correlation of "
        "log employment across regions) and its percentile among all pairs."
    ),
    "similar": (
        "Regions in other countries with a specialisation profile like this region's (cosine "
        "of the symmetric RCA profiles, 1 = identical): partners for exchange between peers."
    ),
    "complementary": (
        "Regions in other countries specialised where this region is not but has related "
        "capabilities (high relatedness density): the score is the share of the region's "
        "density-weighted gaps the partner covers."
    ),
    "needs": (
        "Each member needs the clusters it is not specialised in (RCA below 1) but is well "
        "placed for: its relatedness density there is in its top quarter. A need is covered "
        "when another member is specialised in it (RCA at least 1): the partnership brings "
        "that capability. Bars: the highest density of the members needing the cluster; "
        "colour: covered or not."
    ),
    "candidates": (
        "Regions of the same level outside the partnership (in other countries than every "
        "member) ranked by the share of the uncovered needs they are specialised in, each need "
        "weighted by its density (1 = they hold every uncovered need); among equal shares, the "
        "more strongly specialised there first (strength: the symmetric RCA, 0 at RCA 1, near 1 "
        "for a high RCA, weighted the same way). 'Add' opens the partnership with that region "
        "in it."
    ),
    "members": (
        "Per member: its specialisations (RCA at least 1), the clusters it needs, how many of "
        "those another member covers, and how many of the other members' needs it covers."
    ),
    "hotspots": (
        "Local Moran's I of the cluster's LQ on contiguous regions (queen contiguity, islands "
        "joined to their nearest region; pseudo p-values from seeded permutations). HH: high "
        "LQ among high neighbours (a hot spot); LL: low among low; HL / LH: outliers; ns: not "
        "significant at 5 %."
    ),
}
QUADRANT_LABELS = {
    "HH": "High-high (hot spot)",
    "LL": "Low-low (cold spot)",
    "HL": "High-low (outlier)",
    "LH": "Low-high (outlier)",
    "ns": "Not significant",
}
OPPORTUNITY_FIELDS = [
    *("cluster", "name", "density", "density_rank", "pci", "cog", "rca", "lq"),
    *("employment", "related", "reasons"),
]
EMERGING_FIELDS = [
    *("cluster", "name", "lq_start", "lq_end", "change", "density", "kind"),
    *("high_density", "employment_start", "employment_end", "reasons"),
]
HOTSPOT_FIELDS = [
    *("region", "name", "lq", "employment", "quadrant", "position", "p_value"),
    *("local_i", "significant", "zone"),
]
QUADRANT_COLOURS = ["#d7191c", "#2c7bb6", "#fdae61", "#abd9e9", "#e0e0e0"]


def _joined(items: list[dict], key: str) -> list[str]:
    return ["; ".join(i.get(key) or []) for i in items]


# -- region page ----------------------------------------------------------------------------
def region_panels(
    atlas: Any,
    code: str,
    *,
    year: int,
    start: int | None,
    scheme: str,
    system: str,
) -> list[Panel]:
    """Growth opportunities (``year``) and emerging specialisations (``start`` → ``year``)."""
    panels = []
    opp = pd.DataFrame(
        atlas.opportunities(code, year=year, scheme=scheme, system=system, n=10),
        columns=OPPORTUNITY_FIELDS,
    )
    opp["related"] = _joined(opp.to_dict("records"), "related")
    opp["reasons"] = _joined(opp.to_dict("records"), "reasons")
    opp["href"] = [f"/clusters/{c}" for c in opp["cluster"]]
    panels.append(
        Panel(
            id="opportunities",
            title=f"Growth opportunities, {year}",
            data=opp,
            columns=[
                Column("name", "Cluster", link="{href}"),
                Column("density", "Relatedness density", ".3f"),
                Column("pci", "Complexity (PCI)", "+.2f"),
                Column("cog", "Outlook gain", "+.3f"),
                Column("rca", "RCA", ".2f"),
                Column("employment", "Employment (persons)", ",.0f"),
                Column("reasons", "Why"),
            ],
            spec=charts.bars(
                opp,
                "density",
                "name",
                "Relatedness density",
                f"Growth opportunities, {year}",
                ".3f",
            )
            if len(opp)
            else None,
            kind="chart" if len(opp) else "table",
            how_to_read=HOW["opportunities"],
            summary=(
                f"{len(opp)} clusters: " + ", ".join(opp["name"].fillna(opp["cluster"]).head(3))
                if len(opp)
                else "No cluster meets the rule (or the region has no employment this year)."
            ),
        )
    )
    if start is None or start >= year:
        return panels
    em = pd.DataFrame(
        atlas.emerging(code, start=start, end=year, scheme=scheme, system=system),
        columns=EMERGING_FIELDS,
    )
    em["reasons"] = _joined(em.to_dict("records"), "reasons")
    em["href"] = [f"/clusters/{c}" for c in em["cluster"]]
    title = f"Emerging specialisations, {start}–{year}"
    panels.append(
        Panel(
            id="emerging",
            title=title,
            data=em,
            columns=[
                Column("name", "Cluster", link="{href}"),
                Column("kind", "Kind"),
                Column("lq_start", f"RCA {start}", ".2f"),
                Column("lq_end", f"RCA {year}", ".2f"),
                Column("change", "Change", "+.2f"),
                Column("density", "Relatedness density", ".3f"),
                Column("employment_end", f"Employment {year}", ",.0f"),
                Column("reasons", "Why"),
            ],
            spec=charts.bars(
                em, "change", "name", "Change of the RCA", title, "+.2f", "kind", "Kind"
            )
            if len(em)
            else None,
            kind="chart" if len(em) else "table",
            how_to_read=HOW["emerging"],
            summary=(
                f"{int((em['kind'] == 'new').sum())} new and {int((em['kind'] == 'rising').sum())}"
                " fast-rising specialisations."
                if len(em)
                else "No new or fast-rising specialisation between these years."
            ),
        )
    )
    return panels


# -- cluster page ---------------------------------------------------------------------------
def cluster_panels(atlas: Any, code: str, *, scheme: str, year: int | None) -> list[Panel]:
    """The related-clusters network and the ranked list of this cluster."""
    try:
        net = atlas.related(code, scheme=scheme, year=year)
    except NotFoundError:  # the network's region system lacks this year: take its latest
        net = atlas.related(code, scheme=scheme)
    nodes, edges = linkage_charts.network_frames(net)
    name = net["cluster"]["cluster_name"]
    where = f"{net['system']}" + (f" level {net['level']}" if net["level"] is not None else "")
    title = f"Clusters related to {name}, {net['year']}"
    table = (
        edges[["a", "a_name", "b", "b_name", "relatedness", "percentile", "strength"]]
        if not edges.empty
        else pd.DataFrame(
            columns=["a", "a_name", "b", "b_name", "relatedness", "percentile", "strength"]
        )
    )
    n_strong = int((table["strength"] == "strong").sum())
    related = Panel(
        id="related",
        title=title,
        data=table.reset_index(drop=True),
        columns=[
            Column("a_name", "Cluster"),
            Column("b_name", "Related cluster"),
            Column("relatedness", "Relatedness", ".3f"),
            Column("percentile", "Percentile", ".0f"),
            Column("strength", "Link"),
        ],
        spec=linkage_charts.network(nodes, edges, title) if len(nodes) > 1 else None,
        kind="chart" if len(nodes) > 1 else "table",
        how_to_read=HOW["related"],
        notes=[f"Co-location across {net['regions']} regions ({where}). {net['rule']}"]
        + ([net["note"]] if net.get("note") else []),
        summary=(
            f"{len(nodes) - 1} related clusters, {n_strong} links strong."
            if len(nodes) > 1
            else net.get("note", "No related cluster.")
        ),
    )
    ranked = pd.DataFrame(
        net["ranked"], columns=["cluster", "name", "relatedness", "percentile", "strength"]
    )
    ranked["href"] = [f"/clusters/{c}" for c in ranked["cluster"]]
    listing = Panel(
        id="related-ranked",
        title=f"Every cluster by relatedness to {name}",
        data=ranked,
        columns=[
            Column("name", "Cluster", link="{href}"),
            Column("relatedness", "Relatedness", ".3f"),
            Column("percentile", "Percentile", ".0f"),
            Column("strength", "Link"),
        ],
        kind="table",
        how_to_read=HOW["related-ranked"],
        summary=f"{len(ranked)} clusters.",
        table_rows=20,
    )
    return [related, listing]


# -- partner finder -------------------------------------------------------------------------
def _partner_panel(kind: str, items: list[dict], region: str, extra: str, code: str) -> Panel:
    frame = pd.DataFrame(
        items, columns=["region", "name", "country", "score", extra, "reasons"]
    ).assign(**{extra: lambda f: _joined(f.to_dict("records"), extra)})
    frame["reasons"] = _joined(frame.to_dict("records"), "reasons")
    frame["label"] = frame["name"].fillna(frame["region"]) + " (" + frame["region"] + ")"
    frame["partnership"] = [f"Partnership with {r}" for r in frame["region"]]
    frame["partnership_url"] = [_partners_url([code, r], 10) for r in frame["region"]]
    title = f"{kind.capitalize()} partners of {region}"
    label = "Profile similarity (cosine)" if kind == "similar" else "Share of gaps covered"
    return Panel(
        id=kind,
        title=title,
        data=frame,
        columns=[
            Column("region", "Region code", link="/regions/{region}"),
            Column("name", "Region"),
            Column("country", "Country"),
            Column("score", label, ".3f"),
            Column("reasons", "Why"),
            Column("partnership", "Partnership", link="{partnership_url}"),
        ],
        spec=charts.bars(frame, "score", "label", label, title, ".3f") if len(frame) else None,
        kind="chart" if len(frame) else "table",
        how_to_read=HOW[kind],
        summary=f"{len(frame)} partners." if len(frame) else "No partner found.",
    )


def _partners_url(members: list[str], n: int) -> str:
    """The partner finder's URL of a partnership (2+ members) or of one region's partners."""
    if len(members) == 1:
        return "/partners?" + urlencode({"region": members[0]}) + "#partnership"
    return "/partners?" + urlencode({"regions": ",".join(members), "n": n}, safe=",")


def _form_context(
    atlas: Any,
    system: str | None,
    scheme: str | None,
    cluster: str | None,
    level: int | None = None,
) -> dict:
    clusters = atlas.clusters(scheme) if scheme else []
    regions = atlas.regions(system=system, level=level, per_page=500)["items"] if system else []
    return {
        "cluster_options": [
            {"value": "", "label": "Any cluster", "selected": cluster is None},
            *options(
                [c["cluster"] for c in clusters],
                cluster,
                {c["cluster"]: c["cluster_name"] for c in clusters},
            ),
        ],
        "region_list": [{"code": r["code"], "name": r["name"]} for r in regions],
    }


def build_partners(ctx: ViewContext) -> Page:
    atlas, q = ctx.atlas, ctx.query
    if q.raw("regions") is not None or q.raw("add") is not None:
        return build_partnership(ctx)
    code = q.code("region")
    cluster = q.code("cluster")
    n = q.integer("n", 1, 50) or 10
    info = atlas.info()
    system = info.get("default_system")
    panels: list[Panel] = []
    context: dict[str, Any] = {"mode": "region", "region": None, "method": None}
    if code is not None:
        got = atlas.partners(code, cluster=cluster, n=n)
        system = got["system"]
        label = got["region"]["name"] or code
        panels += [
            _partner_panel("similar", got["similar"], label, "shared", code),
            _partner_panel("complementary", got["complementary"], label, "adds", code),
        ]
        context.update(
            region=got["region"], method=got["method"], year=got["year"], note=got.get("note")
        )
    elif cluster is not None:
        raise InputError("give a region to find partners for", parameter="region")
    scheme = got["scheme"] if code is not None else info.get("default_scheme")
    context.update(_form_context(atlas, system, scheme, cluster), n=n)
    prov = got["provenance"] if code is not None else None
    return Page(
        kind="partners",
        title="Partner finder" + (f": {context['region']['name'] or code}" if code else ""),
        template="partners.html",
        path="/partners",
        params={"region": code, "cluster": cluster, "n": n},
        context=context,
        panels=panels,
        provenance=page_provenance(atlas, prov, system, scheme),
    )


# -- partnership ----------------------------------------------------------------------------
NEED_STATUS = {True: "Covered by a member", False: "Not covered"}
NEED_COLOURS = ["#1b9e77", "#d95f02"]


def _need_bars(needs: pd.DataFrame, title: str) -> dict:
    """Bars of the needs' density, coloured by covered (green) or not (orange) whichever
    appears first."""
    spec = charts.bars(
        needs, "density", "label", "Relatedness density", title, ".3f", "status", "Covered"
    )
    spec["encoding"]["color"]["scale"] = {
        "domain": [NEED_STATUS[True], NEED_STATUS[False]],
        "range": NEED_COLOURS,
    }
    return spec


def _members(q: Any) -> list[str]:
    """``regions`` (comma-separated) plus ``add`` (one code, the form's "add a region"; ignored
    when already a member)."""
    from clusteratlas.atlas.linkages import MAX_PARTNERSHIP

    codes = q.codes("regions", MAX_PARTNERSHIP)
    add = q.code("add")
    if add is not None and add not in codes:
        codes.append(add)
    return codes


def build_partnership(ctx: ViewContext) -> Page:
    """``/partners?regions=A,B[&add=C][&n=10]``: what a set of regions covers together."""
    from clusteratlas.atlas.linkages import MAX_PARTNERSHIP

    atlas, q = ctx.atlas, ctx.query
    if q.raw("region") is not None:
        raise InputError(
            "give either region (one region's partners) or regions (a partnership)",
            parameter="regions",
        )
    if q.raw("cluster") is not None:
        raise InputError(
            "a partnership is over every cluster: leave cluster out", parameter="cluster"
        )
    n = q.integer("n", 1, 50) or 10
    codes = _members(q)
    got = atlas.partnership(codes, n=n)
    names = {m["region"]: m["name"] or m["region"] for m in got["members"]}
    full = len(codes) >= MAX_PARTNERSHIP
    cluster_names = {x["cluster"]: x["name"] or x["cluster"] for x in got["needs"]}

    needs = pd.DataFrame(
        got["needs"],
        columns=["cluster", "name", "density", "needed_by", "covered_by", "covered"],
    )
    needs["needed_by"] = [", ".join(v) for v in needs["needed_by"]]
    needs["covered_by"] = [", ".join(v) or None for v in needs["covered_by"]]
    needs["status"] = needs["covered"].map(NEED_STATUS)
    needs["label"] = needs["name"].fillna(needs["cluster"])
    needs["href"] = [f"/clusters/{c}" for c in needs["cluster"]]
    k = len(codes)
    coverage = got["coverage"]
    title = f"What the partnership needs and covers, {got['year']}"
    need_panel = Panel(
        id="needs",
        title=title,
        data=needs,
        columns=[
            Column("label", "Cluster", link="{href}"),
            Column("density", "Relatedness density", ".3f"),
            Column("needed_by", "Needed by"),
            Column("status", "Covered"),
            Column("covered_by", "Specialised member"),
        ],
        spec=_need_bars(needs, title) if len(needs) else None,
        kind="chart" if len(needs) else "table",
        how_to_read=HOW["needs"],
        summary=(
            f"Together the {k} regions cover {len(got['covered'])} of the "
            f"{len(got['needed'])} clusters they need ({coverage:.0%}); "
            f"{len(got['uncovered'])} uncovered."
            if coverage is not None
            else "The members need nothing: no cluster with related capabilities is missing."
        ),
    )

    cand = pd.DataFrame(
        got["candidates"],
        columns=["region", "name", "country", "score", "strength", "fills", "reasons"],
    )
    cand["fills"] = [", ".join(cluster_names.get(u, u) for u in v) for v in cand["fills"]]
    cand["reasons"] = _joined(cand.to_dict("records"), "reasons")
    cand["label"] = cand["name"].fillna(cand["region"]) + " (" + cand["region"] + ")"
    cand["add"] = [None if full else f"Add {r}" for r in cand["region"]]
    cand["add_url"] = [_partners_url([*codes, r], n) for r in cand["region"]]
    ctitle = "Regions that would fill the gaps"
    cand_panel = Panel(
        id="candidates",
        title=ctitle,
        data=cand,
        columns=[
            Column("region", "Region code", link="/regions/{region}"),
            Column("name", "Region"),
            Column("country", "Country"),
            Column("score", "Share of uncovered needs filled", ".3f"),
            Column("strength", "Strength", ".3f"),
            Column("fills", "Fills"),
            Column("reasons", "Why"),
            Column("add", "Partnership", link="{add_url}"),
        ],
        spec=charts.bars(cand, "score", "label", "Share of uncovered needs filled", ctitle, ".3f")
        if len(cand)
        else None,
        kind="chart" if len(cand) else "table",
        how_to_read=HOW["candidates"],
        summary=(
            f"{len(cand)} regions; the first fills {cand['score'].iloc[0]:.0%} of the "
            "uncovered needs."
            if len(cand)
            else (
                "Nothing to fill: the members cover every need together."
                if not got["uncovered"]
                else "No region outside the partnership is specialised in an uncovered need."
            )
        ),
    )

    mem = pd.DataFrame(
        [
            {
                "region": m["region"],
                "name": m["name"],
                "country": m["country"],
                "specialisations": len(m["specialisations"]),
                "needs": len(m["needs"]),
                "needs_covered": sum(1 for u in m["needs"] if u in set(got["covered"])),
                "covers": len(m["covers"]),
                "needs_list": ", ".join(cluster_names.get(u, u) for u in m["needs"]),
            }
            for m in got["members"]
        ],
        columns=[
            *("region", "name", "country", "specialisations", "needs", "needs_covered"),
            *("covers", "needs_list"),
        ],
    )
    mem_panel = Panel(
        id="members",
        title="The members",
        data=mem,
        columns=[
            Column("region", "Region code", link="/regions/{region}"),
            Column("name", "Region"),
            Column("country", "Country"),
            Column("specialisations", "Specialisations (RCA ≥ 1)", ".0f"),
            Column("needs", "Needs", ".0f"),
            Column("needs_covered", "Needs covered by the others", ".0f"),
            Column("covers", "Others' needs it covers", ".0f"),
            Column("needs_list", "What it needs"),
        ],
        kind="table",
        how_to_read=HOW["members"],
        summary=f"{k} regions of {got['system']}"
        + (f" level {got['level']}" if got["level"] is not None else "")
        + f", {got['year']}.",
    )
    members = [
        {
            **m,
            "label": names[m["region"]],
            "remove_url": _partners_url([c for c in codes if c != m["region"]], n),
            "partners_url": "/partners?" + urlencode({"region": m["region"]}),
        }
        for m in got["members"]
    ]
    context: dict[str, Any] = {
        "mode": "partnership",
        "members": members,
        "year": got["year"],
        "system": got["system"],
        "level": got["level"],
        "coverage": coverage,
        "needed": got["needed"],
        "covered": got["covered"],
        "uncovered": got["uncovered"],
        "method": got["method"],
        "full": full,
        "max_members": MAX_PARTNERSHIP,
        "n": n,
        "api_url": "/api/partnership?" + urlencode({"regions": ",".join(codes), "n": n}, safe=","),
        **_form_context(atlas, got["system"], None, None, got["level"]),
    }
    context.pop("cluster_options")
    return Page(
        kind="partners",
        title="Partnership: " + ", ".join(names[c] for c in codes),
        template="partners.html",
        path="/partners",
        params={"regions": ",".join(codes), "n": n},
        context=context,
        panels=[need_panel, cand_panel, mem_panel],
        provenance=page_provenance(atlas, got["provenance"], got["system"], got["scheme"]),
    )


# -- hot-spot map ---------------------------------------------------------------------------
def build_hotspots(ctx: ViewContext) -> Page:
    atlas, q = ctx.atlas, ctx.query
    info = atlas.info()
    scheme = q.code("scheme") or info.get("default_scheme")
    clusters = atlas.clusters(scheme)
    traded = [c for c in clusters if c["cluster_type"] == "traded"] or clusters
    if not traded:
        raise NotFoundError("the atlas has no cluster")
    cluster = q.code("cluster") or traded[0]["cluster"]
    got = atlas.hotspot_map(
        cluster,
        year=q.integer("year", 1900, 2100),
        system=q.code("system"),
        level=q.integer("level", 0, 9),
        permutations=q.integer("permutations", 99, 9999) or 999,
        seed=q.integer("seed", 0, 2**32 - 1) if q.raw("seed") is not None else 12345,
        scheme=scheme,
    )
    system, level, year = got["system"], got["level"], got["year"]
    rows = pd.DataFrame(
        got["regions"],
        columns=HOTSPOT_FIELDS,
    )
    rows["quadrant_label"] = rows["quadrant"].map(QUADRANT_LABELS)
    name = got["cluster"]["cluster_name"]
    title = f"{name}: hot spots of the LQ, {year}"
    panel = map_panel(
        ctx.geometry,
        rows,
        panel_id="hotspots",
        title=title,
        system=system,
        level=level,
        value="lq",
        value_label="Location quotient",
        method="quantiles",
        value_format=".2f",
        categories=rows["quadrant_label"],
        category_domain=list(QUADRANT_LABELS.values()),
        category_colours=QUADRANT_COLOURS,
        columns=[
            Column("region", "Region code", link="/regions/{region}"),
            Column("name", "Region"),
            Column("lq", "LQ", ".2f"),
            Column("quadrant", "Quadrant"),
            Column("p_value", "Pseudo p-value", ".3f"),
            Column("local_i", "Local I", ".3f"),
            Column("zone", "Zone", ".0f"),
        ],
        how_to_read=HOW["hotspots"],
        extra_tooltip=(("p_value", "Pseudo p-value", ".3f"),),
    )
    panel.notes.append(
        f"{got['permutations']} permutations, seed {got['seed']}; islands joined to their "
        f"nearest region: {', '.join(got['islands']) or 'none'}; regions without a value or a "
        f"polygon left out: {len(got['left_out'])}."
    )
    counts = rows["quadrant"].value_counts()
    panel.summary = ", ".join(
        f"{QUADRANT_LABELS[k]}: {int(counts.get(k, 0))}" for k in QUADRANT_LABELS
    )
    zones = pd.DataFrame(
        [
            {
                "zone": z["zone"],
                "regions": ", ".join(z["regions"]),
                "size": len(z["regions"]),
                "countries": ", ".join(z["countries"]),
                "cross_border": z["cross_border"],
            }
            for z in got["zones"]
        ],
        columns=["zone", "regions", "size", "countries", "cross_border"],
    )
    zone_panel = Panel(
        id="zones",
        title=f"Hot-spot zones of {name}, {year}",
        data=zones,
        columns=[
            Column("zone", "Zone", ".0f"),
            Column("size", "Regions", ".0f"),
            Column("regions", "Region codes"),
            Column("countries", "Countries"),
            Column("cross_border", "Cross-border"),
        ],
        kind="table",
        how_to_read="Connected groups of contiguous high-high regions; a zone whose regions "
        "lie in more than one country is cross-border.",
        summary=f"{len(zones)} zones, {int(zones['cross_border'].sum())} cross-border."
        if len(zones)
        else "No hot spot.",
    )
    systems = atlas.cluster(cluster, scheme)["region_systems"]
    levels = [r["levels"] for r in info.get("region_systems", []) if r.get("system") == system] or [
        []
    ]
    years = next(
        (
            s["years"]
            for s in info["schemes"]
            if (s["scheme"], s["region_system"]) == (scheme, system)
        ),
        [year],
    )
    return Page(
        kind="hotspots",
        title=f"Hot spots: {name}",
        template="hotspots.html",
        path="/hotspots",
        params={
            "cluster": cluster,
            "scheme": scheme,
            "system": system,
            "level": level,
            "year": year,
            "permutations": got["permutations"],
            "seed": got["seed"],
        },
        context={
            "cluster": got["cluster"],
            "cluster_options": options(
                [c["cluster"] for c in clusters],
                cluster,
                {c["cluster"]: c["cluster_name"] for c in clusters},
            ),
            "system_options": options(systems, system),
            "level_options": options(levels[0], level, {v: f"Level {v}" for v in levels[0]}),
            "year_options": options(sorted(years, reverse=True), year),
            "islands": got["islands"],
            "left_out": got["left_out"],
        },
        panels=[panel, zone_panel],
        provenance=page_provenance(atlas, got["provenance"], system, scheme),
    )


def register(app: FastAPI) -> None:
    add_page(app, "/partners", "partners", build_partners)
    add_page(app, "/hotspots", "hotspots", build_hotspots)
