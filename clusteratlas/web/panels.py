"""Pages and panels: what a view builds, shared by the HTML and JSON renderers.

A view function returns a :class:`Page`. Its :class:`Panel` s are the charts, maps and tables
of the page; each holds *exactly the data it shows* as a DataFrame (unrounded), the Vega-Lite
spec drawn from that data, the columns of its data-table twin and a "how to read" note. The
HTML template, the JSON twin, the CSV/Parquet/PNG/SVG downloads and the embed page all read
the same Panel, so a download always equals what the chart shows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Column:
    """A column of a panel's data table: field, header (with unit) and display format.

    ``fmt`` is a Python format spec used for display only (``",.0f"``, ``".2f"``, ``".1%"``);
    ``link`` names a URL template filled from the row (``"/regions/{region}"``).
    """

    field: str
    label: str
    fmt: str | None = None
    link: str | None = None


@dataclass
class Panel:
    """One chart, map or table of a page, with the data it shows."""

    id: str
    title: str
    data: pd.DataFrame
    columns: list[Column]
    spec: dict[str, Any] | None = None
    how_to_read: str = ""
    summary: str = ""
    kind: str = "chart"  # chart | map | table
    notes: list[str] = field(default_factory=list)
    #: How the spec gets its geometry: ``{"url": ..., "feature": ...}`` for maps.
    geometry: dict[str, Any] | None = None
    #: Shown in the HTML table twin (all rows are always in the downloads).
    table_rows: int = 200

    def records(self) -> list[dict[str, Any]]:
        """The data as JSON-able records (NaN -> None), unrounded."""
        return frame_records(self.data)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "kind": self.kind,
            "summary": self.summary,
            "how_to_read": self.how_to_read,
            "notes": self.notes,
            "columns": [{"field": c.field, "label": c.label} for c in self.columns],
            "data": self.records(),
        }


@dataclass
class Page:
    """What a view built: template, context for it, panels and the parameters of the view."""

    kind: str
    title: str
    template: str
    path: str
    params: dict[str, Any]
    context: dict[str, Any]
    panels: list[Panel]
    provenance: dict[str, Any]

    def panel(self, panel_id: str) -> Panel | None:
        return next((p for p in self.panels if p.id == panel_id), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "page": self.kind,
            "title": self.title,
            "path": self.path,
            "params": self.params,
            **{k: jsonable(v) for k, v in self.context.items() if not k.startswith("_")},
            "panels": [p.to_json() for p in self.panels],
            "provenance": jsonable(self.provenance),
        }


def jsonable(value: Any) -> Any:
    """Turn numpy scalars, NaN and frames into plain JSON values (NaN -> None)."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, pd.DataFrame):
        return frame_records(value)
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def frame_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Records of a frame with NaN/NA as None and numpy scalars as Python values."""
    if frame.empty:
        return []
    out = frame.astype(object).where(frame.notna(), None).to_dict(orient="records")
    return [{k: jsonable(v) for k, v in row.items()} for row in out]
