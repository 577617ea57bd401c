"""Eurostat's catalogue (table of contents) and the asynchronous-delivery messages.

Table of contents (https://ec.europa.eu/eurostat/web/user-guides/data-browser/
api-data-access/api-detailed-guidelines/catalogue-api/toc)::

    /eurostat/api/dissemination/catalogue/toc/txt?lang=en   tab-separated, quoted, one line per
                                                            folder/dataset/table; the title is
                                                            indented 4 blanks per tree level
    /eurostat/api/dissemination/catalogue/toc/xml           the same tree as XML ("leaf"
                                                            elements with code, title per
                                                            language, lastUpdate, ...)

Both give each dataset's "last update of data" (``dd.mm.yyyy``), the cheapest freshness stamp
for many datasets at once.

Asynchronous delivery (https://ec.europa.eu/eurostat/web/user-guides/data-browser/
api-data-access/api-detailed-guidelines/asynchronous-api): a data request that Eurostat will
not answer at once gets a SOAP envelope with a key and a status (``SUBMITTED``,
``PROCESSING``, ``AVAILABLE``, ``EXPIRED``); the client polls
``/eurostat/api/dissemination/1.0/async/status/{key}`` and then downloads
``/eurostat/api/dissemination/1.0/async/data/{key}``. Too large requests get HTTP 413 with a
SOAP fault such as ``EXTRACTION_TOO_BIG: ...``.
"""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pandas as pd

from clusteratlas.errors import InputError
from clusteratlas.sources.files import read_source_bytes

Source = str | Path | bytes | IO[bytes]
TOC_COLUMNS = [
    "code",
    "title",
    "type",
    "last_update",
    "last_structure_change",
    "data_start",
    "data_end",
    "values",
    "level",
]


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def read_toc_txt(source: Source, *, name: str | None = None) -> pd.DataFrame:
    """Parse the TXT table of contents into :data:`TOC_COLUMNS` (one row per item).

    ``level`` is the depth in the navigation tree (4 leading blanks of the title per level).

    Examples
    --------
    >>> txt = ('"title"\\t"code"\\t"type"\\t"last update of data"\\t'
    ...        '"last table structure change"\\t"data start"\\t"data end"\\n'
    ...        '"Database by themes"\\t"data"\\t"folder"\\t""\\t""\\t""\\t""\\n'
    ...        '"    Employment by NUTS 2"\\t"lfst_r_lfe2en2"\\t"dataset"\\t"25.04.2024"\\t'
    ...        '"08.02.2024"\\t"2008"\\t"2023"\\n').encode()
    >>> toc = read_toc_txt(txt)
    >>> toc.loc[1, "code"], toc.loc[1, "last_update"], int(toc.loc[1, "level"])
    ('lfst_r_lfe2en2', '25.04.2024', 1)
    """
    raw, label = read_source_bytes(source, name)
    text = raw.decode("utf-8-sig", errors="replace")
    reader = csv.reader(io.StringIO(text), delimiter="\t", quotechar='"')
    header = next(reader, None)
    if not header or "code" not in [h.strip().lower() for h in header]:
        raise InputError("not a Eurostat table of contents (no 'code' column)", file=label, line=1)
    cols = [h.strip().lower() for h in header]
    idx = {c: i for i, c in enumerate(cols)}
    rows = []
    for lineno, fields in enumerate(reader, start=2):
        if not any(f.strip() for f in fields):
            continue

        def get(col: str, fields: list[str] = fields) -> str | None:
            i = idx.get(col)
            value = fields[i].strip() if i is not None and i < len(fields) else ""
            return value or None

        title_raw = fields[idx["title"]] if "title" in idx and idx["title"] < len(fields) else ""
        level = (len(title_raw) - len(title_raw.lstrip(" "))) // 4
        values = get("values")
        rows.append(
            (
                get("code"),
                title_raw.strip(),
                get("type"),
                get("last update of data"),
                get("last table structure change"),
                get("data start"),
                get("data end"),
                int(values) if values and values.isdigit() else None,
                level,
            )
        )
        if rows[-1][0] is None:
            raise InputError("item without a code", file=label, line=lineno, column="code")
    return pd.DataFrame(rows, columns=TOC_COLUMNS)


def read_toc_xml(source: Source, *, lang: str = "en", name: str | None = None) -> pd.DataFrame:
    """Parse the XML table of contents (``leaf`` elements) into :data:`TOC_COLUMNS`."""
    raw, label = read_source_bytes(source, name)
    try:
        root = ET.parse(io.BytesIO(raw)).getroot()
    except ET.ParseError as exc:
        raise InputError(f"not well-formed XML ({exc})", file=label) from None
    rows = []

    def walk(el: ET.Element, depth: int) -> None:
        for child in el:
            tag = _local(child.tag)
            if tag in ("leaf", "branch"):
                fields: dict[str, str] = {}
                titles: dict[str, str] = {}
                for part in child:
                    ptag = _local(part.tag)
                    if ptag == "title":
                        titles[part.get("language", "")] = (part.text or "").strip()
                    elif ptag != "children":
                        fields.setdefault(ptag, (part.text or "").strip())
                values = fields.get("values", "")
                rows.append(
                    (
                        fields.get("code"),
                        titles.get(lang) or titles.get("en") or next(iter(titles.values()), ""),
                        child.get("type") or ("folder" if tag == "branch" else None),
                        fields.get("lastUpdate") or None,
                        fields.get("lastModified") or None,
                        fields.get("dataStart") or None,
                        fields.get("dataEnd") or None,
                        int(values) if values.isdigit() else None,
                        depth,
                    )
                )
                for part in child:
                    if _local(part.tag) == "children":
                        walk(part, depth + 1)
            else:
                walk(child, depth)

    walk(root, 0)
    if not rows:
        raise InputError("no 'leaf' items: not a Eurostat XML table of contents", file=label)
    return pd.DataFrame(rows, columns=TOC_COLUMNS)


# -- asynchronous delivery ------------------------------------------------------------------
@dataclass(frozen=True)
class AsyncStatus:
    key: str
    status: str


def parse_async(payload: bytes) -> AsyncStatus | None:
    """The key and status of an asynchronous-delivery envelope, or ``None`` if it is not one.

    Handles the ``asyncResponse/status/{key,status}`` form and the older
    ``syncResponse/queued/{id,status}`` form.

    >>> env = (b'<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Body>'
    ...        b'<ns0:asyncResponse xmlns:ns0="http://estat.ec.europa.eu/disschain/soap/'
    ...        b'asynchronous" xmlns:ns1="http://estat.ec.europa.eu/disschain/asynchronous">'
    ...        b'<ns1:status><ns1:key>0f16-aa</ns1:key><ns1:status>SUBMITTED</ns1:status>'
    ...        b'</ns1:status></ns0:asyncResponse></S:Body></S:Envelope>')
    >>> parse_async(env)
    AsyncStatus(key='0f16-aa', status='SUBMITTED')
    """
    head = payload[:4096].lstrip()
    if not head.startswith(b"<") or (b"Envelope" not in head and b"Response" not in head):
        return None
    try:
        root = ET.fromstring(payload)
    except ET.ParseError:
        return None
    key = status = None
    for el in root.iter():
        tag = _local(el.tag)
        if tag in ("key", "id") and key is None and el.text:
            key = el.text.strip()
        elif tag == "status" and len(el) == 0 and el.text:
            status = el.text.strip().upper()
    if key and status:
        return AsyncStatus(key, status)
    return None


def parse_soap_fault(payload: bytes) -> tuple[str, str] | None:
    """``(faultcode, faultstring)`` of a SOAP fault, or ``None``.

    >>> parse_soap_fault(b'<S:Fault xmlns:S="http://schemas.xmlsoap.org/soap/envelope/">'
    ...                  b'<faultcode>413</faultcode><faultstring>EXTRACTION_TOO_BIG: too big'
    ...                  b'</faultstring></S:Fault>')
    ('413', 'EXTRACTION_TOO_BIG: too big')
    """
    if b"Fault" not in payload[:8192]:
        return None
    try:
        root = ET.fromstring(payload)
    except ET.ParseError:
        return None
    code = text = None
    for el in root.iter():
        tag = _local(el.tag)
        if tag == "faultcode":
            code = (el.text or "").strip()
        elif tag == "faultstring":
            text = (el.text or "").strip()
    if code is None and text is None:
        return None
    return code or "", text or ""
