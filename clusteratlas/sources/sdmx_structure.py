"""SDMX-ML 2.1 structure messages: codelists, dataflows (with Eurostat's update stamps), DSDs.

Eurostat serves them from its SDMX 2.1 API (https://ec.europa.eu/eurostat/web/user-guides/
data-browser/api-data-access/api-detailed-guidelines/sdmx2-1/metadata-query)::

    /eurostat/api/dissemination/sdmx/2.1/codelist/ESTAT/NACE_R2          a code list
    /eurostat/api/dissemination/sdmx/2.1/dataflow/ESTAT/lfst_r_lfe2en2   title + annotations
    /eurostat/api/dissemination/sdmx/2.1/datastructure/ESTAT/LFST_R_LFE2EN2   dimensions

A Structure message nests ``mes:Structures / str:Codelists / str:Codelist / str:Code`` (with
``com:Name xml:lang=".."`` and an optional ``str:Parent/Ref``); a dataflow carries
``com:Annotations`` whose ``UPDATE_DATA`` annotation is Eurostat's "last update of data"
stamp (the one the cache compares to decide whether to download again). Elements are matched
by local name, so the readers accept any namespace prefix.
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import pandas as pd

from clusteratlas.errors import InputError
from clusteratlas.sources.files import read_source_bytes

Source = str | Path | bytes | IO[bytes]
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _parse(source: Source, name: str | None) -> tuple[ET.Element, str]:
    raw, label = read_source_bytes(source, name)
    try:
        return ET.parse(io.BytesIO(raw)).getroot(), label
    except ET.ParseError as exc:
        line = exc.position[0] if exc.position else None
        raise InputError(f"not well-formed XML ({exc})", file=label, line=line) from None


def _children(el: ET.Element, name: str) -> list[ET.Element]:
    return [c for c in el if _local(c.tag) == name]


def _iter(el: ET.Element, name: str) -> list[ET.Element]:
    return [c for c in el.iter() if _local(c.tag) == name]


def _name(el: ET.Element, lang: str) -> str | None:
    """The ``Name`` child in ``lang`` (else English, else the first one)."""
    names = _children(el, "Name")
    by_lang = {n.get(XML_LANG, ""): (n.text or "").strip() for n in names}
    for want in (lang, "en", ""):
        if want in by_lang:
            return by_lang[want]
    return next(iter(by_lang.values()), None)


# -- codelists ------------------------------------------------------------------------------
def read_codelists(source: Source, *, lang: str = "en", name: str | None = None) -> pd.DataFrame:
    """Every code of every codelist in an SDMX-ML 2.1 Structure message.

    Returns
    -------
    pandas.DataFrame
        Columns ``codelist, code, label, parent`` (``parent`` None for top-level codes), in
        message order. ``attrs['names']`` maps codelist id to its name.

    Examples
    --------
    >>> msg = b'''<m:Structure xmlns:m="urn:m" xmlns:s="urn:s" xmlns:c="urn:c"><m:Structures>
    ... <s:Codelists><s:Codelist id="NACE_R2" agencyID="ESTAT" version="1.0">
    ... <c:Name xml:lang="en">NACE Rev. 2</c:Name>
    ... <s:Code id="C"><c:Name xml:lang="en">Manufacturing</c:Name></s:Code>
    ... <s:Code id="C10"><c:Name xml:lang="en">Food products</c:Name>
    ... <s:Parent><Ref id="C"/></s:Parent></s:Code>
    ... </s:Codelist></s:Codelists></m:Structures></m:Structure>'''
    >>> read_codelists(msg).values.tolist()
    [['NACE_R2', 'C', 'Manufacturing', None], ['NACE_R2', 'C10', 'Food products', 'C']]
    """
    root, label = _parse(source, name)
    rows = []
    names = {}
    for cl in _iter(root, "Codelist"):
        cl_id = cl.get("id", "")
        names[cl_id] = _name(cl, lang)
        for code in _children(cl, "Code"):
            parent = None
            for p in _children(code, "Parent"):
                ref = next(iter(p), None)
                parent = ref.get("id") if ref is not None else None
            rows.append((cl_id, code.get("id", ""), _name(code, lang), parent))
    if not names:
        raise InputError("no Codelist in this SDMX-ML message", file=label)
    out = pd.DataFrame(rows, columns=["codelist", "code", "label", "parent"], dtype=object)
    out.attrs["names"] = names
    return out


# -- dataflows ------------------------------------------------------------------------------
@dataclass
class Dataflow:
    """What a dataflow message says about one dataset."""

    id: str
    name: str | None
    structure: str | None  # DSD id
    annotations: dict[str, str] = field(default_factory=dict)

    @property
    def last_update(self) -> str | None:
        """Eurostat's "last update of data" (annotation ``UPDATE_DATA``)."""
        return self.annotations.get("UPDATE_DATA")

    @property
    def last_structure_change(self) -> str | None:
        return self.annotations.get("UPDATE_STRUCTURE")

    @property
    def period(self) -> tuple[str | None, str | None]:
        return (
            self.annotations.get("OBS_PERIOD_OVERALL_OLDEST"),
            self.annotations.get("OBS_PERIOD_OVERALL_LATEST"),
        )


def read_dataflows(source: Source, *, lang: str = "en", name: str | None = None) -> list[Dataflow]:
    """The dataflows of an SDMX-ML 2.1 Structure message, with their annotations.

    An annotation's value is its ``AnnotationTitle`` (Eurostat puts timestamps and periods
    there); annotations without a title are kept with their ``AnnotationText``.
    """
    root, label = _parse(source, name)
    flows = []
    for df in _iter(root, "Dataflow"):
        notes: dict[str, str] = {}
        for ann in _iter(df, "Annotation"):
            kind = title = text = None
            for part in ann:
                tag = _local(part.tag)
                if tag == "AnnotationType":
                    kind = (part.text or "").strip()
                elif tag == "AnnotationTitle":
                    title = (part.text or "").strip()
                elif tag == "AnnotationText" and text is None:
                    text = (part.text or "").strip()
            if kind and (title or text) and kind not in notes:
                notes[kind] = title or text or ""
        structure = None
        for s in _children(df, "Structure"):
            ref = next(iter(s), None)
            structure = ref.get("id") if ref is not None else None
        flows.append(Dataflow(df.get("id", ""), _name(df, lang), structure, notes))
    if not flows:
        raise InputError("no Dataflow in this SDMX-ML message", file=label)
    return flows


# -- data structure definitions -------------------------------------------------------------
@dataclass(frozen=True)
class DimensionInfo:
    id: str
    position: int
    codelist: str | None


def read_dsd_dimensions(source: Source, *, name: str | None = None) -> list[DimensionInfo]:
    """The (non-time) dimensions of the first DataStructure in a message, in key order.

    The order is what an SDMX REST key (``A.THS..AT1``) follows.
    """
    root, label = _parse(source, name)
    for dsd in _iter(root, "DataStructure"):
        dims = []
        for d in _iter(dsd, "Dimension"):
            ref = next((r for r in d.iter() if _local(r.tag) == "Ref"), None)
            pos = d.get("position")
            dims.append(
                DimensionInfo(
                    d.get("id", ""),
                    int(pos) if pos and pos.isdigit() else len(dims) + 1,
                    ref.get("id") if ref is not None else None,
                )
            )
        return sorted(dims, key=lambda x: x.position)
    raise InputError("no DataStructure in this SDMX-ML message", file=label)


def sdmx_key(dimensions: list[DimensionInfo], filters: dict[str, list[str]]) -> str:
    """The SDMX REST key for ``filters`` (``+`` joins codes, empty = all).

    >>> dims = [DimensionInfo("freq", 1, None), DimensionInfo("unit", 2, None),
    ...         DimensionInfo("geo", 3, None)]
    >>> sdmx_key(dims, {"geo": ["AT1", "AT2"], "freq": ["A"]})
    'A..AT1+AT2'
    """
    lower = {k.lower(): v for k, v in filters.items()}
    unknown = set(lower) - {d.id.lower() for d in dimensions}
    if unknown:
        known = ", ".join(d.id for d in dimensions)
        raise InputError(
            f"unknown dimension(s) {sorted(unknown)}; this dataset has {known}",
            parameter="where",
        )
    return ".".join("+".join(lower.get(d.id.lower(), [])) for d in dimensions)
