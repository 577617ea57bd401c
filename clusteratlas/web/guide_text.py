"""Texts of the guide: "how to read" notes per chart kind, and the indicator definitions the
methodology page is generated from (the docstrings of the functions that compute them)."""

from __future__ import annotations

import importlib
import inspect
import re
from functools import cache
from typing import Any

HOW_TO_READ: dict[str, str] = {
    "map": (
        "Each region is coloured by its class; the legend gives the class bounds. Grey means "
        "no data, which is not the same as zero. Hover or focus a region for its value; the "
        "table below the map lists every region."
    ),
    "top-map": (
        "Each region is coloured by its strongest traded cluster: the strong cluster with the "
        "most ECO stars and then the highest location quotient (or, without a strong cluster, "
        "the traded cluster with the highest LQ). The nine most frequent clusters have their own "
        "colour; the table lists every region."
    ),
    "portfolio": (
        "Each bubble is a traded cluster. Up means more specialised in the end year (above the "
        "dashed line: a location quotient above 1, i.e. a larger share of the region's jobs than "
        "in the benchmark); right means the specialisation grew since the start year. Bubble area "
        "is employment. Rising: specialised and gaining; mature: specialised but losing ground; "
        "emerging: not yet specialised but gaining; declining: neither."
    ),
    "strong": (
        "Strong clusters pass the US Cluster Mapping Project's test (LQ in the top quarter of "
        "regions, enough jobs and establishments, LQ ≥ 1). Stars are the European Cluster "
        "Observatory's three tests: size, specialisation (LQ ≥ 2) and productivity (wage)."
    ),
    "types": (
        "Traded clusters sell across regions and countries and drive prosperity; local clusters "
        "serve the local market and exist nearly everywhere in proportion to population."
    ),
    "series": (
        "Values by year. Diamonds mark observations that carry a source flag (Eurostat: b = break "
        "in series, u = low reliability, e = estimated, p = provisional, c = confidential); "
        "hover or focus a point to read its flags."
    ),
    "trends": (
        "Small lines show how each key figure moved over the years of the atlas; the dot is the "
        "latest year."
    ),
    "profile": (
        "The dot is the region's score on each dimension (0-100 scale of the scoreboard), the grey "
        "bar the range of its peers and the tick their mean. Strengths are dimensions well above "
        "the peers, bottlenecks well below."
    ),
    "ranking": (
        "Rank 1 is best. The bar is the interval of ranks the region takes in 90 % of the "
        "uncertainty analysis' scenarios (other imputation, normalisation, aggregation and "
        "weights): overlapping bars mean the order of those regions is not robust."
    ),
    "compare": (
        "One bar per region and cluster. A dashed line at LQ 1 marks the benchmark's share. The "
        "table has every cluster; choose the measure above."
    ),
    "top-regions": "The regions with most employment in this cluster, largest first.",
    "members": (
        "The industries (classification codes) whose employment makes up the cluster; a weight "
        "below 1 means only part of an industry is counted."
    ),
}

#: (anchor, label, "module:function") of every cluster indicator the atlas shows.
INDICATORS: list[tuple[str, str, str]] = [
    ("lq", "Location quotient", "clusteratlas.mapping.location_quotient:location_quotient"),
    ("region-share", "Share of regional employment", "clusteratlas.mapping.shares:region_share"),
    (
        "benchmark-share",
        "Share of benchmark employment",
        "clusteratlas.mapping.shares:benchmark_share",
    ),
    ("wage", "Average wage", "clusteratlas.mapping.wages:wage"),
    ("star-size", "Star: size", "clusteratlas.mapping.strength:star_size"),
    (
        "star-specialisation",
        "Star: specialisation",
        "clusteratlas.mapping.strength:star_specialisation",
    ),
    ("star-productivity", "Star: productivity", "clusteratlas.mapping.strength:star_productivity"),
    ("stars", "Stars", "clusteratlas.mapping.strength:star_count"),
    ("strong", "Strong cluster", "clusteratlas.mapping.strength:is_strong"),
    (
        "cluster-strength",
        "Regional cluster strength",
        "clusteratlas.mapping.strength:strong_employment_share",
    ),
    ("cagr", "Compound annual growth rate", "clusteratlas.mapping.growth:cagr"),
    ("lq-change", "Change in LQ", "clusteratlas.mapping.growth:lq_change"),
    ("shift-share", "Shift-share", "clusteratlas.mapping.growth:shift_share"),
]

_SECTION = re.compile(r"^(Parameters|Returns|Notes|References|Examples|Attributes)\n-{3,}\n", re.M)


def split_docstring(doc: str) -> dict[str, str]:
    """Split a numpydoc docstring into ``summary`` and its named sections.

    >>> split_docstring("Sum.\\n\\nNotes\\n-----\\nx + y\\n")["Notes"]
    'x + y'
    """
    parts = _SECTION.split(doc)
    out = {"summary": parts[0].strip()}
    for name, body in zip(parts[1::2], parts[2::2], strict=True):
        out[name] = body.strip()
    return out


@cache
def indicator_definitions() -> list[dict[str, Any]]:
    """Every indicator's definition, read from the docstring of the function computing it."""
    out = []
    for anchor, label, target in INDICATORS:
        module_name, func_name = target.split(":")
        func = getattr(importlib.import_module(module_name), func_name)
        sections = split_docstring(inspect.getdoc(func) or "")
        formula = sections.get("Notes", "")
        formula = formula.replace(".. math::", "").strip()
        out.append(
            {
                "anchor": anchor,
                "label": label,
                "function": target.replace(":", "."),
                "summary": sections["summary"],
                "formula": formula,
                "references": sections.get("References", ""),
                "example": sections.get("Examples", ""),
            }
        )
    return out
