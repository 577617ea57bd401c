"""Panel files read by the engine, with the same checks (and errors) as ``read_panel``.

:func:`clusteratlas.sources.files.read_panel` validates a panel cell by cell in pandas, which
is thorough but slow and memory-hungry on millions of rows. :func:`open_panel_file` lets the
engine read the file instead: measures are parsed as numbers by the engine's reader (with
``read_panel``'s missing-value markers), and one aggregate query over the file runs the other
checks of ``read_panel`` (non-empty codes without surrounding blanks, 4-digit years, numbers
finite and not negative, unique region × industry × year). The mapping then reads the file
again through the same expression: two streaming scans cost less than materialising it.

At the slightest doubt — the engine cannot parse a cell, a check fails, the header or a code
is unusual (a region coded ``NA`` reads as missing) — the file goes to ``read_panel``, so the
error the user sees is exactly its InputError with file, line and column, and a file it
accepts is still mapped. The engine path is a speed-up, never a second definition of what a
valid panel is.
"""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path
from typing import Any

import ibis

from clusteratlas.engine import (
    is_parquet_folder,
    read_csv_text,
    read_parquet,
    with_memory_fallback,
)
from clusteratlas.mapping.aggregate import MEASURES
from clusteratlas.sources.files import KEY_COLUMNS, MISSING_MARKERS, panel_format

_YEAR = r"^\d{4}(\.0+)?$"


def _csv_header(path: Path) -> list[str] | None:
    """Header names as written, or None when anything about the header is unusual."""
    with open(path, "rb") as fh:
        head = fh.read(1 << 16)
    if head[:2] == b"\x1f\x8b":
        if not str(path).lower().endswith(".gz"):
            return None
        with gzip.open(path, "rb") as fh:
            head = fh.read(1 << 16)
    if head.startswith(b"\xef\xbb\xbf") or b"\n" not in head:
        return None
    try:
        first = head.split(b"\n", 1)[0].decode("utf-8").rstrip("\r")
    except UnicodeDecodeError:
        return None
    names = next(csv.reader(io.StringIO(first)), None)
    if not names or any(n != n.strip() or not n for n in names):
        return None
    if len({n.lower() for n in names}) != len(names):
        return None
    return names


def _usable(names: dict[str, str]) -> bool:
    if not all(k in names for k in KEY_COLUMNS) or not any(m in names for m in MEASURES):
        return False
    return not any(f"{m}_flag" in names and m not in names for m in MEASURES)


def _year(col: ibis.Value) -> tuple[ibis.Value, ibis.Value]:
    """Year as int64, and whether it is invalid (not 4 digits, optionally ``.0``)."""
    if col.type().is_integer():
        return col.cast("int64"), ~((col >= 1000) & (col <= 9999)).fill_null(False)
    if col.type().is_floating():
        ok = (col == col.floor()) & (col >= 1000) & (col < 10000)
        return col.cast("int64"), ~ok.fill_null(False)
    ok = col.re_search(_YEAR).fill_null(False)
    return col.re_replace(r"\.0+$", "").try_cast("int64"), ~ok


def _panel(raw: ibis.Table, names: dict[str, str]) -> ibis.Table | None:
    """The typed panel with a ``bad`` flag per row, or None if a column type is unusual."""
    fields: dict[str, Any] = {}
    bad = raw._unparsed if "_unparsed" in raw.columns else ibis.literal(False)
    for key in ("region", "industry"):
        col = raw[names[key]]
        if not col.type().is_string():
            return None
        fields[key] = col
        bad = bad | col.isnull()  # blank codes are checked on the distinct values
    fields["year"], bad_year = _year(raw[names["year"]])
    bad = bad | bad_year
    for m in MEASURES:
        if m not in names:
            fields[m] = ibis.null("float64")
            continue
        col = raw[names[m]]
        if not col.type().is_numeric() or col.type().is_boolean():
            return None
        value = col.cast("float64")
        value = ibis.ifelse(value.isnan(), ibis.null("float64"), value)
        fields[m] = value
        bad = bad | ((value < 0) | value.isinf()).fill_null(False)
    return raw.select(**fields, bad=bad)


def _has_duplicate_key(panel: ibis.Table, backend: Any) -> bool:
    """Whether two rows share region × industry × year.

    A GROUP BY on the key, keeping groups of more than one row, stopped at the first
    (``LIMIT 1``): a grouped aggregate spills to disk past DuckDB's memory budget, where a
    ``COUNT(DISTINCT ...)`` over the whole panel does not (at a 64 MB budget it ran out of memory
    on a 6M-row panel, and lifting the budget made the process peak at ~1.2 GB). The key
    columns themselves are grouped, not a hash of them: Spark's ``hash`` is 32 bits, so a
    1M-row panel has ~100 colliding pairs, each of which sent the whole file to the pandas
    reader on the driver (5.7 GB of driver memory and 10× the time at 10M rows).
    """
    counts = panel.group_by(list(KEY_COLUMNS)).aggregate(n=ibis._.count())
    first = counts.filter(counts.n > 1).select(*KEY_COLUMNS).limit(1)
    return with_memory_fallback(backend, first.to_pyarrow, "the duplicate check").num_rows > 0


def open_panel_file(path: str | Path, backend: Any) -> tuple[ibis.Table | None, list[str]]:
    """The panel of a CSV/Parquet file as a table on ``backend``, if the fast path applies.

    Returns ``(table, industries)`` — the table has ``region, industry, year, employment,
    establishments, payroll`` and the list holds its distinct industry codes — or
    ``(None, [])`` when the file must go through ``read_panel`` (which raises the proper
    InputError for a bad file).
    """
    path = Path(path)
    folder = is_parquet_folder(path)
    fmt = "parquet" if folder else panel_format(path)
    if not (path.is_file() or folder):
        return None, []
    try:
        if fmt == "csv":
            header = _csv_header(path)
            if header is None:
                return None, []
            names = {n.lower(): n for n in header}
            if not _usable(names):
                return None, []
            raw = read_csv_text(
                backend,
                path,
                null_markers=MISSING_MARKERS,
                numeric=[names[m] for m in MEASURES if m in names],
            )
        else:
            raw = read_parquet(backend, path)
            names = {c.strip().lower(): c for c in raw.columns}
            if len(names) != len(raw.columns) or not _usable(names):
                return None, []
        panel = _panel(raw, names)
        if panel is None:
            return None, []
        summary = panel.aggregate(
            rows=panel.count(),
            bad=panel.bad.cast("int64").sum(),
            regions=panel.region.collect(distinct=True),
            industries=panel.industry.collect(distinct=True),
        )
        checks = with_memory_fallback(backend, summary.to_pyarrow, "the panel checks").to_pylist()[
            0
        ]
        duplicated = checks["rows"] and not checks["bad"] and _has_duplicate_key(panel, backend)
    except Exception:  # the engine could not read or parse it: let read_panel explain
        return None, []
    if not checks["rows"] or checks["bad"] or duplicated:
        return None, []
    codes = [*checks["regions"], *checks["industries"]]
    if any(not c or c != c.strip() for c in codes):  # empty, or blanks read_panel would strip
        return None, []
    return panel.select("region", "industry", "year", *MEASURES), list(checks["industries"])
