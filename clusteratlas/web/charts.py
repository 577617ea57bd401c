"""Vega-Lite specs of the charts, built in Python from exactly the rows a panel shows.

Each function takes records (a DataFrame) and returns a spec dict with the data inline, so
the same spec draws in the browser (vega-embed, SVG renderer) and on the server (vl-convert
for PNG/SVG downloads). Colours are ColorBrewer schemes that stay readable for colour-blind
readers; meaning is never carried by colour alone (labels, shapes and the data table twin).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from clusteratlas.reports.specs import (  # the print charts use the same
    QUADRANT_COLOUR,
    portfolio_reference_rules,
)
from clusteratlas.web.panels import frame_records

SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"
INK = "#1b1b1b"
ACCENT = "#225ea8"
FONT = {"font": "DejaVu Sans, Verdana, sans-serif"}
#: ``aria: false``: marks, axes and legends are not announced one by one (screen readers get
#: the chart's description on the container and the data table twin instead).
CONFIG = {
    **FONT,
    "aria": False,
    "axis": {"labelColor": INK, "titleColor": INK, "gridColor": "#e5e5e5"},
    "legend": {"labelColor": INK, "titleColor": INK},
    "title": {"color": INK, "subtitleColor": "#404040"},
    "view": {"stroke": None},
}


def values(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Inline data of a spec: records with NaN as null, floats unrounded (so the chart's data
    equal the downloads to the last bit)."""
    return frame_records(frame)


def _base(title: str, description: str, frame: pd.DataFrame, **extra: Any) -> dict[str, Any]:
    return {
        "$schema": SCHEMA,
        "title": title,
        "description": description,
        "data": {"values": values(frame)},
        "config": CONFIG,
        **extra,
    }


def sparkline(frame: pd.DataFrame, field: str, title: str, fmt: str = ",.0f") -> dict[str, Any]:
    """A small line of ``field`` over ``year`` with the last value marked."""
    return _base(
        title,
        f"{title} by year",
        frame,
        width=140,
        height=36,
        layer=[
            {
                "mark": {"type": "line", "color": ACCENT, "strokeWidth": 1.5},
                "encoding": {
                    "x": {"field": "year", "type": "ordinal", "axis": None},
                    "y": {
                        "field": field,
                        "type": "quantitative",
                        "axis": None,
                        "scale": {"zero": False},
                    },
                    "tooltip": [
                        {"field": "year", "type": "ordinal", "title": "Year"},
                        {"field": field, "type": "quantitative", "title": title, "format": fmt},
                    ],
                },
            },
            {
                "transform": [
                    {
                        "window": [{"op": "rank", "as": "r"}],
                        "sort": [{"field": "year", "order": "descending"}],
                    },
                    {"filter": "datum.r == 1"},
                ],
                "mark": {"type": "point", "filled": True, "color": ACCENT, "size": 25},
                "encoding": {
                    "x": {"field": "year", "type": "ordinal"},
                    "y": {"field": field, "type": "quantitative"},
                },
            },
        ],
    )


def portfolio_bubbles(
    frame: pd.DataFrame,
    measure_label: str,
    start: int,
    end: int,
    reference: float,
    value_format: str = ".2f",
) -> dict[str, Any]:
    """The cluster portfolio: ``value`` (y) against its ``change`` (x), bubble = employment.

    Reference lines: x = 0 (no change) and y = ``reference`` (LQ 1 or the median share);
    the four quadrants are labelled rising (top right), mature (top left), emerging (bottom
    right) and declining (bottom left). Colour repeats the quadrant, the label says it.
    """
    x_lo = min(float(frame["change"].min()), 0.0) if len(frame) else -1.0
    x_hi = max(float(frame["change"].max()), 0.0) if len(frame) else 1.0
    y_lo = min(float(frame["value"].min()), reference) if len(frame) else 0.0
    y_hi = max(float(frame["value"].max()), reference) if len(frame) else 2.0
    corners = pd.DataFrame(
        [
            {"quadrant": "rising", "x": x_hi, "y": y_hi, "align": "right", "baseline": "top"},
            {"quadrant": "mature", "x": x_lo, "y": y_hi, "align": "left", "baseline": "top"},
            {"quadrant": "emerging", "x": x_hi, "y": y_lo, "align": "right", "baseline": "bottom"},
            {"quadrant": "declining", "x": x_lo, "y": y_lo, "align": "left", "baseline": "bottom"},
        ]
    )
    change_title = f"Change in {measure_label}, {start}–{end}"
    return _base(
        f"Cluster portfolio: {measure_label} {end} vs change since {start}",
        f"Bubble chart of {len(frame)} traded clusters: {measure_label} in {end} against "
        f"its change since {start}; bubble area is employment.",
        frame,
        width="container",
        height=420,
        layer=[
            *portfolio_reference_rules(reference),
            {
                "mark": {"type": "circle", "opacity": 0.7, "stroke": "#252525", "strokeWidth": 0.6},
                "encoding": {
                    "x": {
                        "field": "change",
                        "type": "quantitative",
                        "title": change_title,
                        "axis": {"format": value_format},
                    },
                    "y": {
                        "field": "value",
                        "type": "quantitative",
                        "title": f"{measure_label}, {end}",
                        "scale": {"zero": False},
                        "axis": {"format": value_format},
                    },
                    "size": {
                        "field": "employment",
                        "type": "quantitative",
                        "title": f"Employment {end}",
                        "scale": {"range": [30, 1800]},
                        "legend": {"format": ",.0f"},
                    },
                    "color": QUADRANT_COLOUR,
                    "tooltip": [
                        {"field": "cluster_name", "type": "nominal", "title": "Cluster"},
                        {
                            "field": "value",
                            "type": "quantitative",
                            "title": measure_label,
                            "format": value_format,
                        },
                        {
                            "field": "change",
                            "type": "quantitative",
                            "title": "Change",
                            "format": value_format,
                        },
                        {
                            "field": "employment",
                            "type": "quantitative",
                            "title": "Employment",
                            "format": ",.0f",
                        },
                        {"field": "quadrant", "type": "nominal", "title": "Quadrant"},
                    ],
                    "href": {"field": "href", "type": "nominal"},
                },
            },
            *[
                {
                    "data": {"values": values(corners[corners.quadrant == q])},
                    "mark": {
                        "type": "text",
                        "fontWeight": "bold",
                        "fontSize": 12,
                        "color": "#252525",
                        "align": row["align"],
                        "baseline": row["baseline"],
                    },
                    "encoding": {
                        "x": {"field": "x", "type": "quantitative"},
                        "y": {"field": "y", "type": "quantitative"},
                        "text": {"field": "quadrant"},
                    },
                }
                for q, row in corners.set_index("quadrant", drop=False).iterrows()
            ],
        ],
    )


def series_with_flags(
    frame: pd.DataFrame, field: str, label: str, fmt: str = ",.0f", color_field: str | None = None
) -> dict[str, Any]:
    """A time series of ``field`` by ``year``; observations with source flags are drawn as
    hollow diamonds and the flags shown in the tooltip (Eurostat ``b`` break, ``u`` low
    reliability, ``e`` estimated, ``p`` provisional, ``c`` confidential...)."""
    color = (
        {"field": color_field, "type": "nominal", "title": None}
        if color_field
        else {"value": ACCENT}
    )
    tooltip = [
        {"field": "year", "type": "ordinal", "title": "Year"},
        {"field": field, "type": "quantitative", "title": label, "format": fmt},
        {"field": "flag_text", "type": "nominal", "title": "Flags"},
    ]
    if color_field:
        tooltip.insert(0, {"field": color_field, "type": "nominal"})
    return _base(
        f"{label} by year",
        f"Line chart of {label} by year; flagged observations are marked with diamonds.",
        frame,
        width="container",
        height=260,
        layer=[
            {
                "mark": {"type": "line", "point": {"filled": True, "size": 30}},
                "encoding": {
                    "x": {"field": "year", "type": "ordinal", "title": "Year"},
                    "y": {
                        "field": field,
                        "type": "quantitative",
                        "title": label,
                        "axis": {"format": fmt},
                    },
                    "color": color,
                    "tooltip": tooltip,
                },
            },
            {
                "transform": [{"filter": "isValid(datum.flag_text) && datum.flag_text != ''"}],
                "mark": {
                    "type": "point",
                    "shape": "diamond",
                    "size": 140,
                    "filled": False,
                    "strokeWidth": 2,
                    "color": "#b2182b",
                },
                "encoding": {
                    "x": {"field": "year", "type": "ordinal"},
                    "y": {"field": field, "type": "quantitative"},
                    "tooltip": tooltip,
                },
            },
        ],
    )


def bars(
    frame: pd.DataFrame,
    x: str,
    y: str,
    x_label: str,
    title: str,
    fmt: str = ",.0f",
    color: str | None = None,
    color_title: str | None = None,
    sort: str = "-x",
    height_per_bar: int = 18,
) -> dict[str, Any]:
    """Horizontal bars of ``x`` per category ``y`` (largest first)."""
    enc: dict[str, Any] = {
        "x": {"field": x, "type": "quantitative", "title": x_label, "axis": {"format": fmt}},
        "y": {"field": y, "type": "nominal", "title": None, "sort": sort},
        "tooltip": [
            {"field": y, "type": "nominal"},
            {"field": x, "type": "quantitative", "title": x_label, "format": fmt},
        ],
    }
    if color:
        enc["color"] = {
            "field": color,
            "type": "nominal",
            "title": color_title or color,
            "scale": {"scheme": "dark2"},
        }
    else:
        enc["color"] = {"value": ACCENT}
    return _base(
        title,
        f"Bar chart: {title}",
        frame,
        width="container",
        height=max(60, height_per_bar * max(len(frame), 1)),
        mark={"type": "bar"},
        encoding=enc,
    )


def grouped_bars(
    frame: pd.DataFrame,
    x: str,
    y: str,
    group: str,
    x_label: str,
    title: str,
    fmt: str = ".2f",
    reference: float | None = None,
) -> dict[str, Any]:
    """Bars of ``x`` per ``y``, one row of bars per ``group`` (compare regions)."""
    layers: list[dict[str, Any]] = [
        {
            "mark": {"type": "bar"},
            "encoding": {
                "x": {
                    "field": x,
                    "type": "quantitative",
                    "title": x_label,
                    "axis": {"format": fmt},
                },
                "y": {"field": group, "type": "nominal", "title": None, "axis": None},
                "color": {
                    "field": group,
                    "type": "nominal",
                    "title": "Region",
                    "scale": {"scheme": "tableau10"},
                },
                "tooltip": [
                    {"field": group, "type": "nominal", "title": "Region"},
                    {"field": y, "type": "nominal", "title": "Cluster"},
                    {"field": x, "type": "quantitative", "title": x_label, "format": fmt},
                ],
            },
        }
    ]
    if reference is not None:
        layers.append(
            {
                "mark": {"type": "rule", "color": "#525252", "strokeDash": [4, 3]},
                "encoding": {"x": {"datum": reference}},
            }
        )
    return _base(
        title,
        f"Grouped bar chart: {title}",
        frame,
        facet={
            "row": {
                "field": y,
                "type": "nominal",
                "title": None,
                "header": {"labelAngle": 0, "labelAlign": "left", "labelColor": INK},
            }
        },
        spec={"width": 420, "height": {"step": 10}, "layer": layers},
        resolve={"scale": {"y": "independent"}},
    )


def profile_dots(frame: pd.DataFrame, title: str) -> dict[str, Any]:
    """Scoreboard profile: the region's score per dimension (dot) against its peers' mean
    (tick) and the range of peers' scores (rule)."""
    return _base(
        title,
        "Dot plot of the region's score per dimension against its peers' range and mean.",
        frame,
        width="container",
        height=max(80, 26 * max(len(frame), 1)),
        layer=[
            {
                "mark": {"type": "rule", "color": "#969696", "strokeWidth": 3},
                "encoding": {
                    "y": {"field": "node_name", "type": "nominal", "title": None},
                    "x": {"field": "peer_min", "type": "quantitative", "title": "Score"},
                    "x2": {"field": "peer_max"},
                },
            },
            {
                "mark": {"type": "tick", "color": "#525252", "thickness": 2, "size": 16},
                "encoding": {
                    "y": {"field": "node_name", "type": "nominal"},
                    "x": {"field": "peer_mean", "type": "quantitative"},
                },
            },
            {
                "mark": {"type": "point", "filled": True, "size": 90},
                "encoding": {
                    "y": {"field": "node_name", "type": "nominal"},
                    "x": {"field": "score", "type": "quantitative"},
                    "shape": {
                        "field": "assessment",
                        "type": "nominal",
                        "title": "Against peers",
                        "scale": {
                            "domain": ["strength", "bottleneck", "—"],
                            "range": ["triangle-up", "triangle-down", "circle"],
                        },
                    },
                    "color": {
                        "field": "assessment",
                        "type": "nominal",
                        "title": "Against peers",
                        "scale": {
                            "domain": ["strength", "bottleneck", "—"],
                            "range": ["#1a9850", "#b2182b", ACCENT],
                        },
                    },
                    "tooltip": [
                        {"field": "node_name", "type": "nominal", "title": "Dimension"},
                        {
                            "field": "score",
                            "type": "quantitative",
                            "format": ".1f",
                            "title": "Score",
                        },
                        {
                            "field": "peer_mean",
                            "type": "quantitative",
                            "format": ".1f",
                            "title": "Peers' mean",
                        },
                        {"field": "assessment", "type": "nominal", "title": "Against peers"},
                    ],
                },
            },
        ],
    )


def rank_intervals(frame: pd.DataFrame, title: str) -> dict[str, Any]:
    """Ranks with their 5-95 % interval from the uncertainty analysis (best rank on top)."""
    return _base(
        title,
        "Each region's rank (dot) with the 5 to 95 percent interval of its rank under the "
        "uncertainty analysis (bar).",
        frame,
        width="container",
        height=max(80, 14 * max(len(frame), 1)),
        layer=[
            {
                "mark": {"type": "rule", "color": "#969696", "strokeWidth": 3},
                "encoding": {
                    "y": {
                        "field": "label",
                        "type": "nominal",
                        "title": None,
                        "sort": {"field": "rank"},
                    },
                    "x": {"field": "rank_p05", "type": "quantitative", "title": "Rank (1 = best)"},
                    "x2": {"field": "rank_p95"},
                },
            },
            {
                "mark": {"type": "point", "filled": True, "color": ACCENT, "size": 40},
                "encoding": {
                    "y": {"field": "label", "type": "nominal", "sort": {"field": "rank"}},
                    "x": {"field": "rank", "type": "quantitative"},
                    "tooltip": [
                        {"field": "label", "type": "nominal", "title": "Region"},
                        {"field": "rank", "type": "quantitative", "title": "Rank"},
                        {"field": "rank_p05", "type": "quantitative", "title": "Rank, 5 %"},
                        {"field": "rank_p95", "type": "quantitative", "title": "Rank, 95 %"},
                        {
                            "field": "score",
                            "type": "quantitative",
                            "title": "Score",
                            "format": ".1f",
                        },
                    ],
                },
            },
        ],
    )
