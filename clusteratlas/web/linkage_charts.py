"""Vega-Lite specs of the linkage pages: the related-clusters network and score bars.

The network is drawn from positions computed here (a radial layout, so the picture is the
same in the browser and in the PNG/SVG downloads, and no force simulation runs in a page):
the cluster of the page sits in the centre; each related cluster sits on a ring at an angle
given by its rank and at a distance that shrinks as its relatedness percentile grows
(:func:`radial_layout`). Links are lines: solid for strongly related, dashed for weakly
related — style as well as colour, so the meaning does not rest on colour alone.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from clusteratlas.web.charts import ACCENT, CONFIG, INK, SCHEMA, values

X_AXIS = {"axis": None, "scale": {"domain": [-2.1, 2.1]}}  # room for labels at the sides
Y_AXIS = {"axis": None, "scale": {"domain": [-1.2, 1.2]}}


def radial_layout(percentiles: list[int]) -> list[tuple[float, float]]:
    """Positions of the neighbours around a centre at (0, 0).

    Neighbour k of n (most related first) is at angle :math:`2\\pi k / n` clockwise from the
    top and at distance :math:`0.75 + 0.25 (99 - pc) / 49` (pc = its relatedness percentile,
    50–99): the strongest links are the shortest, and every label stays outside the ring.

    Examples
    --------
    >>> [tuple(round(v, 3) for v in p) for p in radial_layout([99, 50])]
    [(0.0, 0.75), (0.0, -1.0)]
    """
    n = len(percentiles)
    out = []
    for k, pc in enumerate(percentiles):
        r = 0.75 + 0.25 * (99 - min(99, max(50, int(pc)))) / 49
        angle = 2 * math.pi * k / max(n, 1)
        out.append((r * math.sin(angle), r * math.cos(angle)))
    return out


def network_frames(net: dict[str, Any]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(nodes, edges)`` of :meth:`Atlas.related` with the layout's ``x, y`` (and ``x2,
    y2`` on edges)."""
    nodes = pd.DataFrame(net["nodes"])
    if nodes.empty:
        return nodes, pd.DataFrame()
    others = nodes[~nodes["focus"].astype(bool)]
    pos = {nodes.loc[nodes["focus"].astype(bool), "cluster"].iloc[0]: (0.0, 0.0)}
    pcs = [int(p) if p == p and p is not None else 50 for p in others.get("percentile", [])]
    for code, xy in zip(others["cluster"], radial_layout(pcs), strict=True):
        pos[code] = xy
    nodes["x"] = [pos[c][0] for c in nodes["cluster"]]
    nodes["y"] = [pos[c][1] for c in nodes["cluster"]]
    nodes["label"] = nodes["name"].fillna(nodes["cluster"])
    nodes["role"] = ["this cluster" if f else "related" for f in nodes["focus"]]
    norm = (nodes["x"] ** 2 + nodes["y"] ** 2) ** 0.5
    scale = (norm + 0.09) / norm.where(norm > 0, 1.0)
    nodes["label_x"] = nodes["x"] * scale.where(norm > 0, 0.0)
    nodes["label_y"] = nodes["y"] * scale.where(norm > 0, 0.0) + (norm == 0) * 0.12
    nodes["side"] = ["right" if x > 0.05 else "left" if x < -0.05 else "centre" for x in nodes["x"]]
    edges = pd.DataFrame(net["edges"])
    if not edges.empty:
        names = dict(zip(nodes["cluster"], nodes["label"], strict=True))
        edges["a_name"] = edges["a"].map(names)
        edges["b_name"] = edges["b"].map(names)
        edges["x"] = [pos[a][0] for a in edges["a"]]
        edges["y"] = [pos[a][1] for a in edges["a"]]
        edges["x2"] = [pos[b][0] for b in edges["b"]]
        edges["y2"] = [pos[b][1] for b in edges["b"]]
        focus = nodes.loc[nodes["focus"].astype(bool), "cluster"].iloc[0]
        edges["ego"] = (edges["a"] == focus) | (edges["b"] == focus)
    return nodes, edges


def _text_layer(nodes: pd.DataFrame, side: str, align: str) -> dict[str, Any]:
    return {
        "data": {"values": values(nodes[nodes["side"] == side])},
        "mark": {
            "type": "text",
            "fontSize": 11,
            "color": INK,
            "align": align,
            "baseline": "middle",
        },
        "encoding": {
            "x": {"field": "label_x", "type": "quantitative", **X_AXIS},
            "y": {"field": "label_y", "type": "quantitative", **Y_AXIS},
            "text": {"field": "label"},
        },
    }


def network(nodes: pd.DataFrame, edges: pd.DataFrame, title: str) -> dict[str, Any]:
    """The related-clusters network: lines (edges; the cluster's own links dark, links among
    its neighbours light), circles sized by employment, labels outside the ring."""
    layers: list[dict[str, Any]] = []
    if not edges.empty:
        layers.append(
            {
                "data": {"values": values(edges)},
                "mark": {"type": "rule"},
                "encoding": {
                    "x": {"field": "x", "type": "quantitative", **X_AXIS},
                    "y": {"field": "y", "type": "quantitative", **Y_AXIS},
                    "x2": {"field": "x2"},
                    "y2": {"field": "y2"},
                    "strokeDash": {
                        "field": "strength",
                        "type": "nominal",
                        "title": "Link",
                        "scale": {"domain": ["strong", "weak"], "range": [[1, 0], [5, 4]]},
                    },
                    "strokeWidth": {
                        "field": "relatedness",
                        "type": "quantitative",
                        "legend": None,
                        "scale": {"range": [0.8, 3.5]},
                    },
                    "opacity": {
                        "field": "ego",
                        "type": "nominal",
                        "legend": None,
                        "scale": {"domain": [True, False], "range": [0.9, 0.18]},
                    },
                    "color": {"value": INK},
                    "tooltip": [
                        {"field": "a_name", "title": "Cluster"},
                        {"field": "b_name", "title": "Related cluster"},
                        {"field": "relatedness", "format": ".3f", "title": "Relatedness"},
                        {"field": "percentile", "title": "Percentile"},
                        {"field": "strength", "title": "Link"},
                    ],
                },
            }
        )
    layers.append(
        {
            "data": {"values": values(nodes)},
            "mark": {"type": "point", "filled": True, "opacity": 1, "stroke": "#ffffff"},
            "encoding": {
                "x": {"field": "x", "type": "quantitative", **X_AXIS},
                "y": {"field": "y", "type": "quantitative", **Y_AXIS},
                "size": {
                    "field": "employment",
                    "type": "quantitative",
                    "title": "Employment",
                    "scale": {"range": [60, 900]},
                },
                "color": {
                    "field": "role",
                    "type": "nominal",
                    "title": "Cluster",
                    "scale": {"domain": ["this cluster", "related"], "range": ["#d95f02", ACCENT]},
                },
                "shape": {
                    "field": "role",
                    "type": "nominal",
                    "title": "Cluster",
                    "scale": {
                        "domain": ["this cluster", "related"],
                        "range": ["diamond", "circle"],
                    },
                },
                "tooltip": [
                    {"field": "label", "title": "Cluster"},
                    {"field": "employment", "format": ",.0f", "title": "Employment"},
                    {"field": "relatedness", "format": ".3f", "title": "Relatedness"},
                    {"field": "degree", "title": "Links in the whole network"},
                ],
            },
        }
    )
    layers += [
        _text_layer(nodes, "right", "left"),
        _text_layer(nodes, "left", "right"),
        _text_layer(nodes, "centre", "center"),
    ]
    return {
        "$schema": SCHEMA,
        "title": title,
        "description": f"Network: {title}",
        "width": 720,  # fixed: the layout is drawn to this shape, and downloads need a width
        "height": 480,
        "layer": layers,
        "resolve": {"scale": {"opacity": "independent"}},
        "config": CONFIG,
    }
