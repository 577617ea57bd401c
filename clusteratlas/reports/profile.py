"""The region profile: every number read live from the atlas, gathered into one context.

Sections (each skipped, with the reason printed, when the atlas cannot fill it):

1. key figures (:meth:`Atlas.region_summary`);
2. the cluster portfolio: bubble chart of LQ against its change (:meth:`Atlas.portfolio`),
   or LQ against size when the atlas has a single year;
3. stars and strong clusters (:meth:`Atlas.region_clusters`): every cluster that is strong or
   has a star, most stars first;
4. trends: traded employment and cluster strength by year, and the clusters whose
   specialisation rose and fell most;
5. the scoreboard against the region's peers, with strengths and bottlenecks
   (:meth:`Atlas.scoreboard_region`), when the atlas has a scoreboard;
6. related and emerging opportunities (``Atlas.opportunities`` / ``Atlas.emerging`` of the
   linkages), when the atlas offers them;
7. a map locating the region.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from clusteratlas.errors import InputError, NotFoundError
from clusteratlas.reports import maps, specs
from clusteratlas.reports.sources import report_sources
from clusteratlas.reports.svg import to_svg

MAX_STAR_ROWS = 20
STRENGTH_LEVELS = {"dimension": 0, "subdimension": 1, "indicator": 2}


def _chart(spec_fn: Any, *args: Any, **kwargs: Any) -> str | None:
    try:
        return to_svg(spec_fn(*args, **kwargs))
    except ValueError:
        return None


def star_table(clusters: list[Mapping[str, Any]], employment: float | None) -> list[dict]:
    """Clusters that are strong or have at least one star: strong ones first, then by
    stars and LQ; with ``share`` = the cluster's share of the region's ``employment``.

    >>> rows = [{"cluster": "a", "stars": 1, "strong": False, "lq": 2.0, "employment": 10.0},
    ...         {"cluster": "b", "stars": 0, "strong": False, "lq": 3.0, "employment": 5.0},
    ...         {"cluster": "c", "stars": 2, "strong": True, "lq": 1.5, "employment": 30.0}]
    >>> [(r["cluster"], r["share"]) for r in star_table(rows, 100.0)]
    [('c', 0.3), ('a', 0.1)]
    """
    keep = [dict(c) for c in clusters if (c.get("stars") or 0) > 0 or c.get("strong")]
    for c in keep:
        emp = c.get("employment")
        c["share"] = emp / employment if emp is not None and employment else None
    keep.sort(
        key=lambda c: (
            not c.get("strong"),
            -(c.get("stars") or 0),
            -(c.get("lq") or 0.0),
            c["cluster"],
        )
    )
    return keep


def movers(items: list[Mapping[str, Any]], n: int = 5) -> dict[str, list[dict]]:
    """The ``n`` portfolio clusters whose LQ rose most and the ``n`` that fell most.

    >>> m = movers([{"cluster": "a", "change": 0.5}, {"cluster": "b", "change": -0.2},
    ...             {"cluster": "c", "change": 0.1}], n=1)
    >>> [r["cluster"] for r in m["rising"]], [r["cluster"] for r in m["falling"]]
    (['a'], ['b'])
    """
    up = sorted((i for i in items if i["change"] > 0), key=lambda i: -i["change"])[:n]
    down = sorted((i for i in items if i["change"] < 0), key=lambda i: i["change"])[:n]
    return {"rising": [dict(i) for i in up], "falling": [dict(i) for i in down]}


def scoreboard_section(atlas: Any, code: str) -> dict[str, Any] | None:
    """The region's scoreboard profile with its peers' mean score on every dimension, or
    None when the atlas has no scoreboard or no scores for the region."""
    try:
        sb = atlas.scoreboard_region(code)
    except NotFoundError:
        return None
    levels = sorted({r["level"] for r in sb["scores"]})
    top = levels[-1]
    dim_level = levels[-2] if len(levels) > 1 else top
    overall = next((r for r in sb["scores"] if r["level"] == top), None)
    dims = [dict(r) for r in sb["scores"] if r["level"] == dim_level]
    peers = list(sb.get("peers") or [])
    names: dict[str, Any] = {}
    if peers:
        board = atlas.scoreboard(sb["year"])
        names = {r["region"]: r.get("name") for r in board["ranking"]}
        for d in dims:
            values = {r["region"]: r["score"] for r in board["dimensions"].get(d["node"], [])}
            got = [values[p] for p in peers if values.get(p) is not None]
            d["peer_mean"] = sum(got) / len(got) if got else None

    def order(rows: list[Mapping[str, Any]], strongest_first: bool) -> list[dict]:
        sign = -1 if strongest_first else 1
        return sorted(
            (dict(r) for r in rows),
            key=lambda r: (STRENGTH_LEVELS.get(r.get("level"), 9), sign * (r.get("relative") or 0)),
        )

    label = sb["region"].get("name") or code
    return {
        "edition": sb["edition"],
        "year": sb["year"],
        "n_regions": sb["n_regions"],
        "overall": overall,
        "dimensions": dims,
        "peers": [{"code": p, "name": names.get(p)} for p in peers],
        "strengths": order(sb.get("strengths") or [], True),
        "bottlenecks": order(sb.get("bottlenecks") or [], False),
        "chart": _chart(specs.scoreboard_chart, dims, label),
        "provenance": sb.get("provenance") or {},
    }


def linkage_section(
    atlas: Any,
    code: str,
    year: int | None,
    scheme: str | None,
    system: str | None = None,
    start: int | None = None,
) -> dict:
    """Growth opportunities and emerging specialisations from the linkages, when the atlas
    has them: ``{"available": bool, "opportunities", "emerging", "note"}``."""
    opp = getattr(atlas, "opportunities", None)
    emg = getattr(atlas, "emerging", None)
    if opp is None and emg is None:
        return {
            "available": False,
            "opportunities": [],
            "emerging": [],
            "note": "this version of the atlas service has no linkages",
        }
    out: dict[str, Any] = {"available": True, "opportunities": [], "emerging": [], "note": None}
    notes = []
    if opp is not None:
        try:
            out["opportunities"] = list(opp(code, year=year, scheme=scheme, system=system, n=10))
        except (NotFoundError, InputError) as exc:
            notes.append(f"opportunities: {exc}")
    if emg is not None:
        try:
            out["emerging"] = list(emg(code, start=start, end=year, scheme=scheme, system=system))
        except (NotFoundError, InputError) as exc:
            notes.append(f"emerging specialisations: {exc}")
    out["note"] = "; ".join(notes) or None
    return out


def region_profile_context(
    atlas: Any,
    code: str,
    *,
    year: int | None = None,
    start: int | None = None,
    scheme: str | None = None,
    system: str | None = None,
) -> dict[str, Any]:
    """Everything the region profile template prints, read from ``atlas``.

    Unknown codes raise :class:`~clusteratlas.errors.NotFoundError` (parameter ``code``).
    """
    info = atlas.info()
    summary = atlas.region_summary(code, year, scheme, system)
    region = summary["region"]
    sys_, scheme, year = region["system"], summary["scheme"], summary["year"]
    table = atlas.region_clusters(code, year, scheme, sys_)
    years = [y for y in region["years"] if y <= year]
    portfolio: list[dict] = []
    if len(years) > 1:
        first = start if start is not None else years[0]
        portfolio = atlas.portfolio(code, first, year, scheme, "lq", sys_)
    if portfolio:
        chart = _chart(specs.portfolio_chart, portfolio)
        chart_kind = "change"
    else:
        chart = _chart(specs.specialisation_chart, table["clusters"], year)
        chart_kind = "size"
    series = [s for s in summary["series"] if s["year"] <= year]
    trends = {
        "series": series,
        "chart": _chart(specs.trend_chart, series) if len(series) > 1 else None,
        "movers": movers(portfolio),
    }
    scoreboard = scoreboard_section(atlas, code)
    provenance = [summary["provenance"]]
    if scoreboard and scoreboard["provenance"]:
        provenance.append(scoreboard["provenance"])
    sources = report_sources(info, provenance)
    figures = summary["figures"]
    stars = star_table(table["clusters"], figures.get("employment"))
    return {
        "kind": "region",
        "title": f"{region.get('name') or code} ({code})",
        "subtitle": f"Region profile · {year} · {scheme}",
        "info": info,
        "region": region,
        "year": year,
        "scheme": scheme,
        "figures": figures,
        "portfolio": {"chart": chart, "kind": chart_kind, "items": portfolio},
        "stars": stars[:MAX_STAR_ROWS],
        "stars_left_out": max(len(stars) - MAX_STAR_ROWS, 0),
        "n_clusters": len(table["clusters"]),
        "trends": trends,
        "scoreboard": scoreboard,
        "linkages": linkage_section(
            atlas, code, year, scheme, sys_, portfolio[0]["start"] if portfolio else None
        ),
        "map": maps.locator(atlas, region),
        "sources": sources,
        "provenance": provenance,
    }
