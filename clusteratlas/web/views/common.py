"""Helpers the views share: provenance of a page, map panels, selectors."""

from __future__ import annotations

from typing import Any

import pandas as pd

from clusteratlas.web import maps
from clusteratlas.web.guide_text import HOW_TO_READ
from clusteratlas.web.panels import Column, Panel

MEASURE_LABELS = {
    "lq": "Location quotient",
    "benchmark_share": "Share of benchmark employment",
    "region_share": "Share of regional employment",
    "employment": "Employment",
}
MEASURE_FORMATS = {
    "lq": ".2f",
    "benchmark_share": ".2%",
    "region_share": ".2%",
    "employment": ",.0f",
}


def page_provenance(
    atlas: Any, result: dict[str, Any] | None, system: str | None, classification: str | None
) -> dict[str, Any]:
    """Where a page's numbers come from, in the shape the downloads and templates use.

    ``sources`` (source names), ``datasets``, ``extraction_dates``, ``region_system`` (NUTS
    version or other system), ``classification`` (cluster scheme or scoreboard edition),
    ``attribution`` lines, ``synthetic`` and the stored ``result_id``.
    """
    info = atlas.info()
    result = result or {}
    if isinstance(result.get("provenance"), dict):  # Atlas.provenance() nests the record
        result = {**result["provenance"], "result_id": result.get("result_id")}
    datasets = result.get("datasets") or info.get("sources") or []
    names, codes, dates = [], [], []
    for d in datasets:
        if not isinstance(d, dict):
            continue
        src = d.get("source")
        if src and src not in names:
            names.append(str(src))
        if d.get("dataset") and str(d["dataset"]) not in codes:
            codes.append(str(d["dataset"]))
        date = (
            d.get("extraction_date")
            or d.get("retrieved_at")
            or d.get("extracted_at")
            or d.get("ingested_at")
        )
        if date and str(date) not in dates:
            dates.append(str(date))
    attribution = list(
        dict.fromkeys([*(result.get("attribution") or []), *(info.get("attribution") or [])])
    )
    if not dates and info.get("built_at"):
        dates.append(str(info["built_at"]))
    return {
        "sources": names
        or [s for s in attribution if s.lower().startswith("source")]
        or ["unknown"],
        "datasets": codes,
        "extraction_dates": dates,
        "region_system": system,
        "classification": classification,
        "attribution": attribution,
        "synthetic": bool(info.get("synthetic")),
        "result_id": result.get("result_id"),
        "built_at": info.get("built_at"),
    }


def system_levels(atlas: Any, system: str) -> list[int]:
    for row in atlas.info().get("region_systems", []):
        if row.get("system") == system:
            return [int(v) for v in row.get("levels", [])]
    return []


def default_level(atlas: Any, system: str) -> int | None:
    """The level a map shows by default: 2 (NUTS 2) where it exists, else the finest."""
    levels = system_levels(atlas, system)
    if not levels:
        return None
    return 2 if 2 in levels else max(levels)


def map_panel(
    app_geometry: Any,
    rows: pd.DataFrame,
    *,
    panel_id: str,
    title: str,
    system: str,
    level: int | None,
    value: str,
    value_label: str,
    method: str,
    columns: list[Column],
    value_format: str = ",.2f",
    categories: pd.Series | None = None,
    category_domain: list[str] | None = None,
    category_colours: list[str] | None = None,
    highlight: str | None = None,
    how_to_read: str = "",
    extra_tooltip: tuple[tuple[str, str, str | None], ...] = (),
    height: int = 420,
) -> Panel:
    """A choropleth panel: classes computed here, geometry by URL, data = ``rows``.

    ``rows`` has one row per region (``region``, ``name``, ``value`` and more); the class of
    each row is added as ``class_label``. Regions with a row but no polygon are named in the
    panel's notes, never dropped silently.
    """
    topo = app_geometry(system, level)
    frame = rows.copy()
    if categories is not None:
        frame["class_label"] = categories.to_numpy()
        domain, colours = category_domain or [], category_colours or []
    else:
        labels, domain, colours = maps.classify(frame[value], method, fmt=value_format)
        frame["class_label"] = labels.to_numpy()
    spec = maps.choropleth(
        frame,
        geometry_url=maps.geo_url(system, level),
        system=system,
        bbox=topo.bbox,
        value=value,
        value_label=value_label,
        domain=domain,
        colours=colours,
        title=title,
        legend_title=value_label if categories is None else "Cluster",
        value_format=value_format,
        highlight=highlight,
        extra_tooltip=extra_tooltip,
        height=height,
    )
    notes = []
    missing = sorted(set(frame["region"]) - set(topo.codes))
    if missing:
        shown = ", ".join(missing[:30]) + (" …" if len(missing) > 30 else "")
        notes.append(f"{len(missing)} region(s) have data but no boundary in this map: {shown}.")
    method_note = {
        "quantiles": "Classes: quantiles (about equal numbers of regions per class).",
        "natural": "Classes: natural breaks (Fisher-Jenks).",
        "lq": "Classes: fixed LQ classes around 1 (the benchmark's share).",
        "stars": "Classes: number of ECO stars (0-3).",
    }.get(method if categories is None else "", "")
    if method_note:
        notes.append(method_note)
    notes.append("Grey: no data (distinct from zero).")
    return Panel(
        id=panel_id,
        title=title,
        data=frame,
        columns=[*columns, Column("class_label", "Class")],
        spec=spec,
        kind="map",
        how_to_read=how_to_read or HOW_TO_READ["map"],
        notes=notes,
        geometry={"system": system, "level": level},
        summary=_map_summary(frame, value, value_label, value_format),
    )


def _map_summary(frame: pd.DataFrame, value: str, label: str, fmt: str) -> str:
    numeric = pd.to_numeric(frame[value], errors="coerce")
    if numeric.notna().sum() == 0:
        return f"No region has a value of {label}."
    top = frame.loc[numeric.idxmax()]
    return (
        f"{int(numeric.notna().sum())} regions with a value; highest {label}: "
        f"{top.get('name') or top['region']} ({format(numeric.max(), fmt)})."
    )


def options(
    values: list[Any], current: Any, labels: dict[Any, str] | None = None
) -> list[dict[str, Any]]:
    """Options of a ``<select>``: ``{value, label, selected}``."""
    labels = labels or {}
    return [
        {"value": v, "label": labels.get(v, str(v)), "selected": str(v) == str(current)}
        for v in values
    ]
