"""The provenance sidecar of a report file (``X.pdf.provenance.json``), the project's one
record format (``clusteratlas.store.provenance``): the atlas read (path and sha256), the
report's options, the datasets, classifications, NUTS versions and attribution lines of the
results it shows, and their result ids."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from clusteratlas.store.provenance import build_record, input_file


def report_record(
    context: Mapping[str, Any], atlas_path: str | Path, options: Mapping[str, Any]
) -> dict[str, Any]:
    """The record of a report made from ``context`` (a report builder's result) read from
    the atlas at ``atlas_path`` with ``options`` (what the user asked for)."""
    results = [p for p in context.get("provenance") or [] if p]
    datasets: list[dict[str, Any]] = []
    seen = set()
    for p in results:
        for d in p.get("datasets") or []:
            key = (d.get("source"), d.get("dataset"))
            if key not in seen:
                seen.add(key)
                datasets.append(dict(d))
    classifications = [c for p in results for c in (p.get("classifications") or [])]
    nuts = [v for p in results for v in (p.get("nuts_versions") or [])]
    info = context.get("info") or {}
    return build_record(
        f"report {context['kind']}",
        inputs=[input_file("atlas", atlas_path, built_at=info.get("built_at"))],
        options=dict(options),
        datasets=datasets,
        classifications=classifications,
        nuts_versions=nuts,
        attribution=context["sources"].attribution,
        report={
            "kind": context["kind"],
            "title": context["title"],
            "sources_line": context["sources"].line,
            "results": [{"result_id": p.get("result_id"), "kind": p.get("kind")} for p in results],
            "synthetic": bool(info.get("synthetic")),
        },
    )
