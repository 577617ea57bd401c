"""Vega-Lite specs of the printed charts and the locator map, built from Atlas answers.

Printed charts differ from the web's (``clusteratlas.web.charts``): fixed pixel sizes (a page
has no container to fill), every geometry inline (there is no server to fetch
``/geo/...`` from), no tooltips or links, and labels written on the chart instead of revealed
on hover. The colours are the web's, so a page and its PDF read the same: ColorBrewer schemes
readable by colour-blind readers, and meaning never carried by colour alone (quadrant names
are printed in the chart's corners).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"
FONT = "DejaVu Sans"
INK = "#1b1b1b"
ACCENT = "#225ea8"
PEER = "#e66101"
HIGHLIGHT = "#c51b7d"
CONTEXT_FILL = "#e5e5e5"
QUADRANT_COLOURS = {
    "rising": "#1a9850",
    "mature": "#2c7fb8",
    "emerging": "#d95f02",
    "declining": "#6a3d9a",
}
CONFIG = {
    "font": FONT,
    "axis": {"labelColor": INK, "titleColor": INK, "gridColor": "#e5e5e5", "labelFontSize": 10},
    "legend": {"labelColor": INK, "titleColor": INK},
    "title": {"color": INK, "fontSize": 13, "anchor": "start"},
    "view": {"stroke": None},
    "background": "white",
}
#: Width of a full-width chart on an A4 page with 18 mm margins (174 mm at 96 px/in ≈ 650 px).
PAGE_WIDTH = 620


#: The colour channel of a portfolio bubble: its quadrant, in the quadrant colours.
QUADRANT_COLOUR = {
    "field": "quadrant",
    "type": "nominal",
    "title": "Quadrant",
    "scale": {"domain": list(QUADRANT_COLOURS), "range": list(QUADRANT_COLOURS.values())},
}


def portfolio_reference_rules(reference: float) -> list[dict[str, Any]]:
    """The two dashed reference lines of a portfolio chart (Vega-Lite layers): the value
    ``reference`` (LQ 1, or the median share) and no change (x = 0)."""
    dashed = {"type": "rule", "color": "#525252", "strokeDash": [4, 3]}
    return [
        {"mark": dashed, "encoding": {"y": {"datum": reference, "type": "quantitative"}}},
        {"mark": dashed, "encoding": {"x": {"datum": 0, "type": "quantitative"}}},
    ]


def _base(title: str, rows: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {
        "$schema": SCHEMA,
        "title": title,
        "data": {"values": rows},
        "config": CONFIG,
        **extra,
    }


def _finite(x: Any) -> bool:
    return isinstance(x, int | float) and math.isfinite(x)


def portfolio_chart(items: Sequence[Mapping[str, Any]], labels: int = 8) -> dict[str, Any]:
    """The cluster portfolio of :meth:`Atlas.portfolio` items: LQ in ``end`` (y) against its
    change since ``start`` (x), bubble area = employment, the ``labels`` largest named.

    The reference lines are LQ = ``reference`` (1: as specialised as the benchmark) and no
    change; the four quadrants are named in their corners.
    """
    rows = [dict(i) for i in items if _finite(i.get("value")) and _finite(i.get("change"))]
    if not rows:
        raise ValueError("no portfolio items with a value and a change")
    start, end, ref = rows[0]["start"], rows[0]["end"], float(rows[0]["reference"])
    biggest = sorted(rows, key=lambda r: -(r.get("employment") or 0))[:labels]
    named = {r["cluster"] for r in biggest}
    for r in rows:
        r["label"] = r["cluster_name"] if r["cluster"] in named else ""
    xs = [r["change"] for r in rows] + [0.0]
    ys = [r["value"] for r in rows] + [ref]
    corners = [
        {"q": "rising", "x": max(xs), "y": max(ys), "align": "right", "baseline": "top"},
        {"q": "mature", "x": min(xs), "y": max(ys), "align": "left", "baseline": "top"},
        {"q": "emerging", "x": max(xs), "y": min(ys), "align": "right", "baseline": "bottom"},
        {"q": "declining", "x": min(xs), "y": min(ys), "align": "left", "baseline": "bottom"},
    ]
    x = {"field": "change", "type": "quantitative", "title": f"Change in LQ, {start}–{end}"}
    y = {
        "field": "value",
        "type": "quantitative",
        "title": f"Location quotient, {end}",
        "scale": {"zero": False},
    }
    return _base(
        f"Cluster portfolio: specialisation {end} against its change since {start}",
        rows,
        width=PAGE_WIDTH,
        height=330,
        layer=[
            *portfolio_reference_rules(ref),
            {
                "mark": {"type": "circle", "opacity": 0.7, "stroke": "#252525", "strokeWidth": 0.6},
                "encoding": {
                    "x": x,
                    "y": y,
                    "size": {
                        "field": "employment",
                        "type": "quantitative",
                        "title": f"Employment {end}",
                        "scale": {"range": [20, 1400]},
                        "legend": {"format": ",.0f"},
                    },
                    "color": QUADRANT_COLOUR,
                },
            },
            {
                "mark": {"type": "text", "fontSize": 9, "dy": -9, "color": INK},
                "encoding": {"x": x, "y": y, "text": {"field": "label"}},
            },
            *[
                {
                    "data": {"values": [c]},
                    "mark": {
                        "type": "text",
                        "fontWeight": "bold",
                        "fontSize": 11,
                        "color": "#404040",
                        "align": c["align"],
                        "baseline": c["baseline"],
                    },
                    "encoding": {
                        "x": {"field": "x", "type": "quantitative"},
                        "y": {"field": "y", "type": "quantitative"},
                        "text": {"field": "q"},
                    },
                }
                for c in corners
            ],
        ],
    )


def specialisation_chart(
    clusters: Sequence[Mapping[str, Any]], year: int, labels: int = 8
) -> dict[str, Any]:
    """One year only (no change to plot): each traded cluster's LQ (y) against its employment
    (x, log scale), strong clusters in colour, the ``labels`` largest named."""
    rows = [
        {**c, "kind": "strong" if c.get("strong") else "other"}
        for c in clusters
        if c.get("cluster_type") == "traded"
        and _finite(c.get("lq"))
        and (c.get("employment") or 0) > 0
    ]
    if not rows:
        raise ValueError("no traded clusters with employment and an LQ")
    named = {r["cluster"] for r in sorted(rows, key=lambda r: -r["employment"])[:labels]}
    for r in rows:
        r["label"] = r["cluster_name"] if r["cluster"] in named else ""
    x = {
        "field": "employment",
        "type": "quantitative",
        "title": f"Employment {year} (log scale)",
        "scale": {"type": "log"},
        "axis": {"format": "~s"},
    }
    y = {"field": "lq", "type": "quantitative", "title": f"Location quotient, {year}"}
    return _base(
        f"Cluster portfolio: specialisation against size, {year}",
        rows,
        width=PAGE_WIDTH,
        height=330,
        layer=[
            {
                "mark": {"type": "rule", "color": "#525252", "strokeDash": [4, 3]},
                "encoding": {"y": {"datum": 1, "type": "quantitative"}},
            },
            {
                "mark": {"type": "point", "filled": True, "size": 70, "opacity": 0.8},
                "encoding": {
                    "x": x,
                    "y": y,
                    "shape": {
                        "field": "kind",
                        "type": "nominal",
                        "title": "Cluster",
                        "scale": {"domain": ["strong", "other"], "range": ["square", "circle"]},
                    },
                    "color": {
                        "field": "kind",
                        "type": "nominal",
                        "title": "Cluster",
                        "scale": {"domain": ["strong", "other"], "range": [ACCENT, "#969696"]},
                    },
                },
            },
            {
                "mark": {"type": "text", "fontSize": 9, "dy": -9, "color": INK},
                "encoding": {"x": x, "y": y, "text": {"field": "label"}},
            },
        ],
    )


def trend_chart(series: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Traded employment and cluster strength (share of traded employment in strong
    clusters, %) by year, side by side, from :meth:`Atlas.region_summary` ``series``."""
    rows = [
        {
            "year": s["year"],
            "traded_employment": s.get("traded_employment"),
            "strength_pct": None
            if s.get("cluster_strength") is None
            else 100.0 * float(s["cluster_strength"]),
        }
        for s in series
    ]
    if len(rows) < 2:
        raise ValueError("a trend needs two years or more")

    def panel(field: str, title: str, fmt: str) -> dict[str, Any]:
        return {
            "width": PAGE_WIDTH // 2 - 40,
            "height": 150,
            "title": title,
            "mark": {"type": "line", "point": True, "color": ACCENT},
            "encoding": {
                "x": {"field": "year", "type": "ordinal", "title": None},
                "y": {
                    "field": field,
                    "type": "quantitative",
                    "title": None,
                    "scale": {"zero": False},
                    "axis": {"format": fmt},
                },
            },
        }

    return _base(
        "Trends",
        rows,
        hconcat=[
            panel("traded_employment", "Traded employment", "~s"),
            panel("strength_pct", "Cluster strength (% of traded employment)", ".0f"),
        ],
    )


def scoreboard_chart(dimensions: Sequence[Mapping[str, Any]], region_label: str) -> dict[str, Any]:
    """The region's score on each scoreboard dimension (bar) and its peers' mean (tick):
    items ``{node, node_name, score, peer_mean}``."""
    rows = []
    for d in dimensions:
        name = f"{d['node_name']} ({d['node']})"
        if _finite(d.get("score")):
            rows.append({"dimension": name, "who": region_label, "score": d["score"]})
        if _finite(d.get("peer_mean")):
            rows.append({"dimension": name, "who": "peers' mean", "score": d["peer_mean"]})
    if not rows:
        raise ValueError("no dimension scores")
    order = [f"{d['node_name']} ({d['node']})" for d in dimensions]
    y = {"field": "dimension", "type": "nominal", "title": None, "sort": order}
    x = {"field": "score", "type": "quantitative", "title": "Score (0–100)"}
    return _base(
        "Scoreboard dimensions: the region against its peers",
        rows,
        width=PAGE_WIDTH - 260,
        height={"step": 22},
        layer=[
            {
                "transform": [{"filter": {"field": "who", "equal": region_label}}],
                "mark": {"type": "bar", "color": ACCENT, "height": 12},
                "encoding": {"y": y, "x": x},
            },
            {
                "transform": [{"filter": {"field": "who", "equal": "peers' mean"}}],
                "mark": {"type": "tick", "color": PEER, "thickness": 3, "size": 18},
                "encoding": {"y": y, "x": x},
            },
        ],
    )


def locator_map(
    context: Sequence[Mapping[str, Any]],
    code: str | Sequence[str],
    *,
    projection: Mapping[str, Any],
    title: str,
    width: int = 300,
    height: int = 260,
) -> dict[str, Any]:
    """A map of ``context`` features (GeoJSON, wound for d3 with :func:`spherical_winding`)
    with the feature(s) whose id is ``code`` (or one of ``code``) in the highlight colour."""
    feats = [dict(f) for f in context]
    codes = [code] if isinstance(code, str) else list(code)
    return {
        "$schema": SCHEMA,
        "title": title,
        "width": width,
        "height": height,
        "config": {**CONFIG, "title": {**CONFIG["title"], "fontSize": 11}},
        "data": {
            "values": {"type": "FeatureCollection", "features": feats},
            "format": {"type": "json", "property": "features"},
        },
        "projection": dict(projection),
        "layer": [
            {
                "mark": {
                    "type": "geoshape",
                    "fill": CONTEXT_FILL,
                    "stroke": "#ffffff",
                    "strokeWidth": 0.5,
                    "clip": True,
                }
            },
            {
                "transform": [{"filter": {"field": "id", "oneOf": codes}}],
                "mark": {
                    "type": "geoshape",
                    "fill": HIGHLIGHT,
                    "stroke": "#252525",
                    "strokeWidth": 0.8,
                    "clip": True,
                },
            },
        ],
    }


def spherical_winding(feature: Mapping[str, Any]) -> dict[str, Any]:
    """The feature with exterior rings clockwise and holes counter-clockwise.

    GeoJSON (RFC 7946) winds exteriors counter-clockwise, but d3-geo (Vega's projections)
    works on the sphere, where a ring encloses what lies on its right: a counter-clockwise
    region would be drawn as the whole globe minus the region. (The web's maps import it
    from here: ``clusteratlas.web.maps.spherical_winding`` is this function.)
    """
    from shapely.geometry import MultiPolygon, mapping, shape
    from shapely.geometry.polygon import orient

    geom = shape(feature["geometry"])
    if geom.geom_type == "Polygon":
        fixed = orient(geom, sign=-1.0)
    elif geom.geom_type == "MultiPolygon":
        fixed = MultiPolygon([orient(p, sign=-1.0) for p in geom.geoms])
    else:
        return dict(feature)
    return {**feature, "geometry": mapping(fixed)}


def extent_feature(bbox: tuple[float, float, float, float], grow: float = 0.6) -> dict[str, Any]:
    """A clockwise lon/lat rectangle around ``bbox`` grown by ``grow`` × its size on each
    side (at least 1°), to fit a projection to.

    >>> extent_feature((0.0, 0.0, 2.0, 1.0))["geometry"]["coordinates"][0][:2]
    [[-1.2, -1.0], [-1.2, 2.0]]
    """
    x0, y0, x1, y1 = bbox
    dx = max((x1 - x0) * grow, 1.0)
    dy = max((y1 - y0) * grow, 1.0)
    a, b, c, d = x0 - dx, max(y0 - dy, -89.0), x1 + dx, min(y1 + dy, 89.0)
    ring = [[a, b], [a, d], [c, d], [c, b], [a, b]]
    ring = [[round(p, 6) for p in pt] for pt in ring]
    return {
        "type": "Feature",
        "properties": {},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }
