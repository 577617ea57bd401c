"""The sources-and-attribution line every report page carries in its running footer.

Built from what the atlas says about itself (:meth:`Atlas.info` and the provenance record of
the result a report shows): source and dataset, extraction date, NUTS version, the
classification (NACE revision or the CMP's NAICS-based clusters) and the attribution lines
the data's licences require.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Sources:
    """What a report's footer and its sources section print."""

    attribution: list[str]
    line: str
    details: list[dict[str, str]] = field(default_factory=list)


def classification_label(text: str | None) -> str | None:
    """Readable classification: Eurostat's ``NACE_R2`` code becomes "NACE Rev. 2".

    >>> classification_label("NACE_R2 sections (A10)")
    'NACE Rev. 2 sections (A10)'
    >>> classification_label("USCMP clusters (NAICS 2012)")
    'USCMP clusters (NAICS 2012)'
    """
    if not text:
        return None
    return str(text).replace("NACE_R2", "NACE Rev. 2").replace("NACE_R1", "NACE Rev. 1.1")


def _date(value: Any) -> str | None:
    return str(value)[:10] if value else None


def source_details(
    info: Mapping[str, Any], provenance: Sequence[Mapping[str, Any]]
) -> list[dict[str, str]]:
    """One entry per dataset behind the report: ``{source, dataset, extraction, nuts,
    classification}`` (strings; "not stated" where the atlas does not know).

    ``provenance`` are the ``provenance`` dicts of the results shown (clusters,
    scoreboard ...). The extraction date is the source's own stamp when the atlas has one
    (``extraction_date`` of :meth:`Atlas.info` sources, else the dataset's ``last_update``);
    otherwise the date the file was ingested, labelled so.

    >>> info = {"sources": [{"source": "Eurostat", "dataset": "lfst_r_lfe2en2",
    ...     "extraction_date": None, "classification": "NACE_R2"}]}
    >>> prov = [{"dataset": "lfst_r_lfe2en2", "nuts_versions": ["2013"],
    ...     "classification": "NACE_R2 sections (A10)",
    ...     "datasets": [{"dataset": "lfst_r_lfe2en2", "extracted": "2026-12-02T01:43"}]}]
    >>> source_details(info, prov)[0]["extraction"]
    'ingested 2026-12-02 (no extraction date in the source)'
    >>> source_details(info, prov)[0]["nuts"]
    'NUTS 2013'
    """
    by_dataset: dict[str, Mapping[str, Any]] = {}
    for p in provenance:
        for d in p.get("datasets") or []:
            by_dataset.setdefault(str(d.get("dataset")), d)
    out = []
    seen = set()
    for s in info.get("sources") or []:
        ds = str(s.get("dataset") or "")
        if ds in seen:
            continue
        seen.add(ds)
        rec = by_dataset.get(ds, {})
        prov = next((p for p in provenance if p.get("dataset") == ds), {})
        stamp = _date(s.get("extraction_date")) or _date(rec.get("last_update"))
        if stamp:
            extraction = stamp
        elif rec.get("extracted") or rec.get("ingested_at"):
            ingested = _date(rec.get("extracted") or rec.get("ingested_at"))
            extraction = f"ingested {ingested} (no extraction date in the source)"
        else:
            extraction = "not stated"
        versions = prov.get("nuts_versions") or []
        nuts = ", ".join(f"NUTS {v}" for v in versions) if versions else "no NUTS regions"
        if not versions and s.get("region_system"):
            nuts = f"regions: {s['region_system']}"
        cls = classification_label(prov.get("classification") or s.get("classification"))
        out.append(
            {
                "source": str(s.get("source") or "unknown source"),
                "dataset": ds or "unnamed dataset",
                "extraction": extraction,
                "nuts": nuts,
                "classification": cls or "not stated",
            }
        )
    for p in provenance:  # results with their own inputs (the scoreboard's edition)
        edition = p.get("edition")
        if edition and edition not in seen:
            seen.add(edition)
            versions = p.get("nuts_versions") or []
            out.append(
                {
                    "source": "Cluster Atlas scoreboard",
                    "dataset": f"edition {edition}",
                    "extraction": _date(p.get("created_at")) or "not stated",
                    "nuts": ", ".join(f"NUTS {v}" for v in versions) or "not stated",
                    "classification": "scoreboard framework",
                }
            )
    return out


def report_sources(info: Mapping[str, Any], provenance: Sequence[Mapping[str, Any]]) -> Sources:
    """The footer line and the attribution of a report on this atlas.

    >>> s = report_sources({"attribution": ["Source: Eurostat"], "sources": [
    ...     {"source": "Eurostat", "dataset": "d", "extraction_date": "2017-04-03"}],
    ...     "built_at": "2026-12-02T01:00:00"}, [])
    >>> s.line
    'Eurostat d, extracted 2017-04-03, regions not stated, not stated · atlas built 2026-12-02'
    """
    details = source_details(info, provenance)
    attribution = [str(a) for a in info.get("attribution") or []]
    for p in provenance:
        for a in p.get("attribution") or []:
            if str(a) not in attribution:
                attribution.append(str(a))
    parts = []
    for d in details:
        nuts = d["nuts"] if d["nuts"] != "no NUTS regions" else ""
        nuts = nuts or "regions not stated"
        if nuts == "not stated":
            nuts = "regions not stated"
        extraction = d["extraction"]
        extraction = f"extracted {extraction}" if extraction[:1].isdigit() else extraction
        parts.append(f"{d['source']} {d['dataset']}, {extraction}, {nuts}, {d['classification']}")
    built = _date(info.get("built_at"))
    line = "; ".join(parts) + (f" · atlas built {built}" if built else "")
    if info.get("synthetic"):
        line = "SYNTHETIC DATA · " + line
    return Sources(attribution=attribution, line=line, details=details)
