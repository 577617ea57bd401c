"""The stress test's radar chart as a Vega-Lite spec (same machinery as :mod:`.charts`).

Vega-Lite has no polar line mark, so the radar is drawn on a plain x/y plane: theme ``k`` of
``n`` sits on the spoke at angle ``a_k = 90° - 360° k / n`` (the first theme at the top,
then clockwise), and a score ``s`` (0-100) at ``(s cos a_k, s sin a_k)``. Rings mark 25, 50,
75 and 100. Each series (this assessment, an earlier one, the anonymised median) is one
closed line; themes without a score are left out of that series' line (and marked in the
data table). The same spec draws in the browser and, through vl-convert, in the PDF.
"""

from __future__ import annotations

import math
from typing import Any

from clusteratlas.web.charts import CONFIG, SCHEMA

#: Colour-blind-safe (ColorBrewer Dark2) colours by series order; dashes tell them apart too.
SERIES_COLOURS = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a"]
SERIES_DASH = [[1, 0], [6, 3], [2, 2], [8, 2, 2, 2]]
RINGS = (25, 50, 75, 100)


def spoke_angle(k: int, n: int) -> float:
    """The angle (radians) of theme ``k`` of ``n``: ``pi/2 - 2 pi k / n`` (top, clockwise).

    >>> round(spoke_angle(0, 4), 4), round(spoke_angle(1, 4), 4)
    (1.5708, 0.0)
    """
    return math.pi / 2 - 2 * math.pi * k / n


def polar_point(score: float, k: int, n: int) -> tuple[float, float]:
    """``(x, y) = (s cos a_k, s sin a_k)`` of a score on spoke ``k`` of ``n``.

    >>> [round(v, 6) for v in polar_point(50, 1, 4)]
    [50.0, 0.0]
    """
    a = spoke_angle(k, n)
    return score * math.cos(a), score * math.sin(a)


def two_lines(text: str, width: int = 22) -> str:
    """A label broken at the space nearest its middle when longer than ``width`` characters.

    >>> two_lines("Structural change and emerging industries")
    'Structural change and\\nemerging industries'
    """
    if len(text) <= width or " " not in text:
        return text
    spaces = [i for i, c in enumerate(text) if c == " "]
    cut = min(spaces, key=lambda i: abs(i - len(text) / 2))
    return text[:cut] + "\n" + text[cut + 1 :]


def radar(themes: list[dict[str, str]], series: list[dict[str, Any]], title: str) -> dict[str, Any]:
    """A radar chart of theme scores.

    ``themes`` is ``[{theme, title}]`` in spoke order; ``series`` is ``[{name, scores: {theme:
    score or None}}]``. Returns a Vega-Lite spec with the data inline.
    """
    n = len(themes)
    grid = []
    for ring in RINGS:
        for k in range(n + 1):
            x, y = polar_point(ring, k % n, n)
            grid.append({"ring": ring, "i": k, "x": x, "y": y})
    spokes = []
    labels = []
    for k, t in enumerate(themes):
        x, y = polar_point(100, k, n)
        spokes.append({"x": 0.0, "y": 0.0, "x2": x, "y2": y})
        lx, _ = polar_point(108, k, n)
        align = "center" if abs(lx) < 10 else ("left" if lx > 0 else "right")
        lx, ly = polar_point(108 if align != "center" else 106, k, n)
        baseline = "middle" if align != "center" else ("bottom" if ly > 0 else "top")
        if align == "center" and ly > 0 and "\n" in two_lines(t["title"]):
            ly += 9  # a two-line label above the top spoke: lift its first line clear
        labels.append(
            {"x": lx, "y": ly, "label": two_lines(t["title"]), "align": align, "baseline": baseline}
        )
    points = []
    names = [s["name"] for s in series]
    for s in series:
        scored = [
            (k, t, s["scores"].get(t["theme"]))
            for k, t in enumerate(themes)
            if s["scores"].get(t["theme"]) is not None
        ]
        for i, (k, t, score) in enumerate([*scored, *scored[:1]]):
            x, y = polar_point(float(score), k, n)
            points.append(
                {
                    "series": s["name"],
                    "i": i,
                    "theme": t["title"],
                    "score": float(score),
                    "x": x,
                    "y": y,
                    "closing": i == len(scored),
                }
            )
    scale = {"domain": [-175, 175], "nice": False}
    xy = {
        "x": {"field": "x", "type": "quantitative", "scale": scale, "axis": None},
        "y": {"field": "y", "type": "quantitative", "scale": scale, "axis": None},
    }
    colour = {
        "field": "series",
        "type": "nominal",
        "title": None,
        "sort": names,
        "scale": {"domain": names, "range": SERIES_COLOURS[: len(names)]},
        "legend": {"orient": "bottom", "direction": "vertical"},
    }
    dash = {
        "field": "series",
        "type": "nominal",
        "sort": names,
        "scale": {"domain": names, "range": SERIES_DASH[: len(names)]},
        "legend": None,
    }
    return {
        "$schema": SCHEMA,
        "title": title,
        "description": f"{title}: scores 0-100 of {n} themes"
        + (f" for {', '.join(names)}" if names else ""),
        "width": 440,
        "height": 440,
        "config": CONFIG,
        "layer": [
            {
                "data": {"values": grid},
                "mark": {"type": "line", "color": "#cccccc", "strokeWidth": 1},
                "encoding": {
                    **xy,
                    "detail": {"field": "ring", "type": "nominal"},
                    "order": {"field": "i", "type": "quantitative"},
                },
            },
            {
                "data": {"values": spokes},
                "mark": {"type": "rule", "color": "#cccccc"},
                "encoding": {
                    **xy,
                    "x2": {"field": "x2"},
                    "y2": {"field": "y2"},
                },
            },
            *[
                {
                    # Vega-Lite has no align channel: one text layer per alignment and baseline
                    "data": {
                        "values": [
                            x for x in labels if (x["align"], x["baseline"]) == (align, baseline)
                        ]
                    },
                    "mark": {
                        "type": "text",
                        "fontSize": 11,
                        "color": "#1b1b1b",
                        "lineBreak": "\n",
                        "baseline": baseline,
                        "align": align,
                    },
                    "encoding": {**xy, "text": {"field": "label"}},
                }
                for align, baseline in dict.fromkeys((x["align"], x["baseline"]) for x in labels)
            ],
            {
                "data": {"values": points},
                "mark": {"type": "line", "strokeWidth": 2},
                "encoding": {
                    **xy,
                    "color": colour,
                    "strokeDash": dash,
                    "order": {"field": "i", "type": "quantitative"},
                },
            },
            {
                "data": {"values": points},
                "transform": [{"filter": "!datum.closing"}],
                "mark": {"type": "point", "filled": True, "size": 40},
                "encoding": {
                    **xy,
                    "color": {**colour, "legend": None},
                    "shape": {"field": "series", "type": "nominal", "legend": None},
                    "tooltip": [
                        {"field": "series", "title": "Series"},
                        {"field": "theme", "title": "Theme"},
                        {"field": "score", "title": "Score", "format": ".0f"},
                    ],
                },
            },
        ],
    }
