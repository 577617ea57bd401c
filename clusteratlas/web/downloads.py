"""Downloads of a panel: CSV, Parquet, PNG and SVG of exactly the data the chart shows.

Every file says where its numbers came from (:func:`file_metadata`): source, dataset,
extraction date, NUTS version (region system), classification (cluster scheme), attribution,
the page it belongs to and whether the data are synthetic.

- CSV: ``#``-comment lines with that metadata, then the unrounded data
  (``pandas.read_csv(f, comment="#")`` reads it back);
- Parquet: the same metadata as key/value pairs in the file footer (``clusteratlas.*`` keys);
- PNG/SVG: the panel's Vega-Lite spec rendered server-side by ``vl-convert`` (no browser),
  with the geometry of maps inlined and the source line as the chart's subtitle.
"""

from __future__ import annotations

import copy
import io
import json
from datetime import UTC, datetime
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from clusteratlas.web.panels import Page, Panel

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "parquet": "application/vnd.apache.parquet",
    "png": "image/png",
    "svg": "image/svg+xml",
}


def file_metadata(page: Page, panel: Panel, url: str) -> dict[str, str]:
    """The provenance lines a downloaded file carries, as ordered string pairs."""
    prov = page.provenance
    meta = {
        "title": f"{page.title} — {panel.title}",
        "page": url,
        "source": "; ".join(prov.get("sources") or []) or "unknown",
        "datasets": "; ".join(prov.get("datasets") or []),
        "extraction_date": "; ".join(prov.get("extraction_dates") or []) or "unknown",
        "nuts_version": prov.get("region_system") or "",
        "classification": prov.get("classification") or "",
        "attribution": " | ".join(prov.get("attribution") or []),
        "synthetic": "true" if prov.get("synthetic") else "false",
        "generated_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "generator": "clusteratlas",
    }
    if prov.get("synthetic"):
        meta["note"] = "SYNTHETIC DATA: Demoland does not exist; no number is a real statistic."
    return meta


def to_csv(panel: Panel, meta: dict[str, str]) -> bytes:
    """CSV with a ``#`` comment header of ``meta``; values unrounded."""
    buf = io.StringIO()
    for key, value in meta.items():
        text = str(value).replace("\n", " ")
        buf.write(f"# {key}: {text}\n")
    panel.data.to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue().encode("utf-8")


def to_parquet(panel: Panel, meta: dict[str, str]) -> bytes:
    """Parquet with ``meta`` as ``clusteratlas.<key>`` entries of the schema metadata."""
    table = pa.Table.from_pandas(panel.data, preserve_index=False)
    extra = {f"clusteratlas.{k}".encode(): str(v).encode() for k, v in meta.items()}
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), **extra})
    buf = io.BytesIO()
    pq.write_table(table, buf)
    return buf.getvalue()


def static_spec(panel: Panel, meta: dict[str, str], geometry: Any | None) -> dict[str, Any]:
    """The panel's spec made self-contained for server-side rendering.

    The geometry URL of a map is replaced by the geometry itself, and the source line and
    extraction date become the subtitle, so an image carries its provenance too.
    """
    if panel.spec is None:
        raise ValueError(f"panel {panel.id!r} has no chart")
    spec = copy.deepcopy(panel.spec)
    if geometry is not None:
        _inline_geometry(spec, geometry)
    credit = f"{meta['source']}; extracted {meta['extraction_date']}"
    if meta.get("attribution"):
        credit += f"; {meta['attribution']}"
    if meta.get("synthetic") == "true":
        credit = "SYNTHETIC DATA (Demoland). " + credit
    title = spec.get("title") or panel.title
    if isinstance(title, str):
        title = {"text": title}
    spec["title"] = {**title, "subtitle": credit, "subtitleFontSize": 9, "anchor": "start"}
    spec.setdefault("background", "white")
    return spec


def _inline_geometry(node: Any, geometry: Any) -> None:
    if isinstance(node, dict):
        data = node.get("data")
        if isinstance(data, dict) and "url" in data and str(data["url"]).startswith("/geo/"):
            node["data"] = {"values": geometry, "format": data.get("format", {})}
        for value in node.values():
            _inline_geometry(value, geometry)
    elif isinstance(node, list):
        for value in node:
            _inline_geometry(value, geometry)


def render_image(spec: dict[str, Any], fmt: str) -> bytes:
    """PNG (2x scale) or SVG of a Vega-Lite spec, rendered by vl-convert."""
    import vl_convert

    text = json.dumps(spec, allow_nan=False, default=str)
    if fmt == "svg":
        return vl_convert.vegalite_to_svg(text).encode("utf-8")
    return vl_convert.vegalite_to_png(text, scale=2)


def render(page: Page, panel: Panel, fmt: str, url: str, geometry: Any | None = None) -> bytes:
    """The bytes of one download of ``panel`` in ``fmt`` (one of :data:`FORMATS`)."""
    meta = file_metadata(page, panel, url)
    if fmt == "csv":
        return to_csv(panel, meta)
    if fmt == "parquet":
        return to_parquet(panel, meta)
    return render_image(static_spec(panel, meta, geometry), fmt)


def filename(page: Page, panel: Panel, fmt: str) -> str:
    """A safe file name: ``<page path slug>_<panel>.<fmt>``."""
    slug = page.path.strip("/").replace("/", "_") or "atlas"
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in f"{slug}_{panel.id}")
    return f"{safe}.{fmt}"


def read_csv_download(data: bytes) -> pd.DataFrame:
    """Read back a CSV download (skipping its ``#`` header) — for tests and users."""
    return pd.read_csv(io.BytesIO(data), comment="#")
