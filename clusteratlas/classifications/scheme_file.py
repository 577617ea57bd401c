"""Read and validate a cluster-scheme definitions file (CSV or YAML).

A cluster scheme says which industries (codes of one classification) make up each cluster,
with an optional weight when only part of an industry belongs. ``docs/schemes.md`` describes
both formats for users; this module is the one place that reads them.

Validation: every rule a scheme obeys lives in
:func:`~clusteratlas.classifications.scheme_rules.validate_scheme`, which this reader, the
mapping (DataFrame schemes) and the store's schemes share; here it names file, line and
column. The reader itself adds the file-level rules: the required columns (with
``cluster_name``) are in the header, the file is UTF-8 and holds at least one cluster row.

Line numbers are physical lines of the file (``#`` comment lines count), so an editor's
"go to line" lands on the row at fault.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from clusteratlas.classifications.scheme_rules import (
    CLUSTER_TYPES,
    DEFAULT_CLASSIFICATION,
    FRAME_COLUMNS,
    parse_weight,
    validate_scheme,
)
from clusteratlas.errors import InputError

__all__ = [
    "CLUSTER_TYPES",
    "FRAME_COLUMNS",
    "OPTIONAL_COLUMNS",
    "REQUIRED_COLUMNS",
    "parse_weight",
    "read_scheme_file",
]

REQUIRED_COLUMNS = ("industry", "cluster", "cluster_name", "cluster_type")
OPTIONAL_COLUMNS = ("weight", "classification")


@dataclass
class _Row:
    """One member row with the place it came from (for error messages)."""

    industry: str
    cluster: str
    cluster_name: str
    cluster_type: str
    weight: Any
    classification: str
    line: int
    extra: dict[str, str]


def read_scheme_file(
    path: str | Path,
    *,
    classification: str | None = None,
    keep_extra: bool = False,
) -> pd.DataFrame:
    """Read a cluster-scheme file (``.csv`` or ``.yaml``/``.yml``) into a validated frame.

    Parameters
    ----------
    path:
        The definitions file. ``.yaml``/``.yml`` are read as YAML, anything else as CSV
        (comma, semicolon or tab separated; leading ``#`` lines are a comment header).
    classification:
        Classification of the member codes when the file does not say (default ``'user'``).
    keep_extra:
        Keep columns beyond the standard ones (e.g. ``rule``, ``link_share`` of the derived
        European scheme) as strings.

    Returns
    -------
    pandas.DataFrame
        Columns ``industry, cluster, cluster_name, cluster_type, weight, classification``
        (strings, ``weight`` float) in file order. ``frame.attrs`` holds ``scheme`` (the YAML
        ``scheme:`` or the file stem), ``source`` (the path), ``sha256`` and ``header`` (the
        comment lines of a CSV file, without ``#``).

    Raises
    ------
    InputError
        On any of the validation failures listed in the module docstring.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the scheme file ({exc.strerror})", file=path) from exc
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            f"not UTF-8 text (byte 0x{data[exc.start]:02x}); save the file as UTF-8",
            file=path,
            line=line,
            column=_column_at(data, exc.start),
        ) from exc
    default_cls = classification or DEFAULT_CLASSIFICATION
    if path.suffix.lower() in (".yaml", ".yml"):
        from clusteratlas.classifications.scheme_yaml import parse_yaml_scheme

        scheme_name, raw = parse_yaml_scheme(text, path, default_cls)
        rows = [_Row(**r) for r in raw]
        header: list[str] = []
    else:
        header, rows = _parse_csv(text, path, default_cls)
        scheme_name = path.name.split(".")[0]
    if not rows:
        raise InputError("the scheme file holds no cluster rows", file=path)
    raw = pd.DataFrame(
        {
            "industry": [r.industry for r in rows],
            "cluster": [r.cluster for r in rows],
            "cluster_name": [r.cluster_name for r in rows],
            "cluster_type": [r.cluster_type for r in rows],
            "weight": pd.Series([r.weight for r in rows], dtype=object),
            "classification": [r.classification for r in rows],
        }
    )
    if keep_extra:
        extra_cols = list(dict.fromkeys(k for r in rows for k in r.extra))
        for col in extra_cols:
            raw[col] = [r.extra.get(col, "") for r in rows]
    frame = validate_scheme(
        raw, file=path, lines=[r.line for r in rows], classification=default_cls
    )
    frame.attrs.update(
        scheme=scheme_name,
        source=str(path),
        sha256=hashlib.sha256(data).hexdigest(),
        header=header,
    )
    return frame


def _column_at(data: bytes, offset: int) -> str | None:
    """Name of the CSV column holding byte ``offset`` (from the header line), if it can tell."""
    lines = data.split(b"\n")
    header = next((ln for ln in lines if ln.strip() and not ln.lstrip().startswith(b"#")), b"")
    start = data.rfind(b"\n", 0, offset) + 1
    if data[start:offset].lstrip().startswith(b"#"):
        return None
    index = data[start:offset].count(b",")
    names = header.decode("utf-8", "replace").strip().split(",")
    return names[index].strip() if index < len(names) else None


# -- CSV -------------------------------------------------------------------------------------
def _is_comment(line: str) -> bool:
    return line.lstrip().startswith("#")


def _parse_csv(text: str, path: Path, default_cls: str) -> tuple[list[str], list[_Row]]:
    lines = text.splitlines(keepends=True)
    header_comments: list[str] = []
    start = 0
    while start < len(lines) and (_is_comment(lines[start]) or not lines[start].strip()):
        if _is_comment(lines[start]):
            header_comments.append(lines[start].strip()[1:].strip())
        start += 1
    if start >= len(lines):
        raise InputError("the scheme file is empty (no header row)", file=path)
    first = lines[start]
    delimiter = max(",;\t", key=first.count)
    reader = csv.reader(io.StringIO("".join(lines[start:])), delimiter=delimiter)
    header_line = start + 1
    try:
        columns = [c.strip().lower() for c in next(reader)]
    except csv.Error as exc:
        raise InputError(f"unreadable header ({exc})", file=path, line=header_line) from exc
    for col in REQUIRED_COLUMNS:
        if col not in columns:
            raise InputError(
                f"missing required column (the header has {', '.join(columns)}; needs "
                f"{', '.join(REQUIRED_COLUMNS)}, optional {', '.join(OPTIONAL_COLUMNS)})",
                file=path,
                line=header_line,
                column=col,
            )
    seen: set[str] = set()
    for col in columns:
        if col and col in seen:
            raise InputError("column appears twice", file=path, line=header_line, column=col)
        seen.add(col)
    rows: list[_Row] = []
    prev = reader.line_num
    while True:
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise InputError(f"malformed CSV ({exc})", file=path, line=start + prev + 1) from exc
        line = start + prev + 1  # physical line where this record starts
        prev = reader.line_num
        if not any(v.strip() for v in record) or record[0].lstrip().startswith("#"):
            continue
        if len(record) > len(columns):
            raise InputError(
                f"{len(record)} fields but the header has {len(columns)}", file=path, line=line
            )
        values = dict(zip(columns, (v.strip() for v in record), strict=False))
        rows.append(_make_row(values, line, path, default_cls, columns))
    return header_comments, rows


def _make_row(
    values: dict[str, str], line: int, path: Path, default_cls: str, columns: list[str]
) -> _Row:
    """One record as a row; :func:`validate_scheme` checks it with the others."""
    extra = {c: values.get(c, "") for c in columns if c and c not in FRAME_COLUMNS}
    return _Row(
        industry=values.get("industry", ""),
        cluster=values.get("cluster", ""),
        cluster_name=values.get("cluster_name", ""),
        cluster_type=values.get("cluster_type", ""),
        weight=values.get("weight", ""),
        classification=values.get("classification", "") or default_cls,
        line=line,
        extra=extra,
    )
