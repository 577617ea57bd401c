"""Tidy panels from local files (CSV, gzipped CSV, Parquet), validated cell by cell.

A *tidy panel* has one row per (region, industry, year) and one column per measure::

    region,industry,year,employment,establishments,payroll,flag
    AT11,C10,2015,1234,56,,e

:func:`read_panel` always returns the columns of :data:`PANEL_COLUMNS`: codes as strings
exactly as written (``'01'`` stays ``'01'``), ``year`` as an integer, measures as floats (NaN
when the column is absent or the cell empty) and one flag column per measure. Every problem is
an :class:`~clusteratlas.errors.InputError` naming the file, the line (header = line 1) and the
column. ``docs/ingest.md`` describes the format for users.

The byte-level helpers (:func:`read_source_bytes`, :func:`decode_utf8`) are shared with the
Eurostat TSV reader: gzip is recognised by its magic bytes, a truncated archive and non-UTF-8
bytes are errors that name the place.
"""

from __future__ import annotations

import csv
import gzip
import io
import zlib
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd

from clusteratlas.errors import InputError

MEASURES = ("employment", "establishments", "payroll")
KEY_COLUMNS = ("region", "industry", "year")
FLAG_COLUMNS = tuple(f"{m}_flag" for m in MEASURES)
PANEL_COLUMNS = [*KEY_COLUMNS, *MEASURES, *FLAG_COLUMNS]

#: Cell texts read as "missing" in a measure column (besides the empty cell).
MISSING_MARKERS = frozenset({"", "NA", "N/A", "NaN", "nan", "null", "NULL", ":"})

CSV_SUFFIXES = (".csv", ".csv.gz")
PARQUET_SUFFIXES = (".parquet", ".pq")
GZIP_MAGIC = b"\x1f\x8b"

Source = str | Path | bytes | IO[bytes]


# -- bytes ---------------------------------------------------------------------------------
def read_source_bytes(source: Source, name: str | None = None) -> tuple[bytes, str]:
    """Return the (decompressed) bytes of ``source`` and a name to use in messages.

    ``source`` is a path, raw bytes or a binary file-like object. Gzip is detected by its magic
    bytes (``1f 8b``), whatever the file is called. A truncated or corrupt archive is an
    :class:`InputError`.
    """
    if isinstance(source, bytes | bytearray):
        raw, label = bytes(source), name or "<bytes>"
    elif isinstance(source, str | Path):
        path = Path(source)
        label = name or str(path)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raise InputError("no such file", file=label) from None
        except IsADirectoryError:
            raise InputError("is a directory, not a file", file=label) from None
        except OSError as exc:
            raise InputError(f"cannot read the file ({exc.strerror})", file=label) from None
    else:
        raw = source.read()
        if isinstance(raw, str):
            raw = raw.encode("utf-8")
        label = name or str(getattr(source, "name", "<stream>"))
    if raw[:2] == GZIP_MAGIC:
        try:
            raw = gzip.decompress(raw)
        except EOFError:
            raise InputError(
                "truncated gzip archive (the download or copy is incomplete)", file=label
            ) from None
        except (gzip.BadGzipFile, zlib.error) as exc:
            raise InputError(f"corrupt gzip archive ({exc})", file=label) from None
    return raw, label


def decode_utf8(raw: bytes, label: str) -> str:
    """Decode UTF-8 (a leading byte-order mark is dropped); other bytes name the bad line."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        bad = raw[exc.start : exc.start + 1].hex()
        raise InputError(
            f"not UTF-8 (byte 0x{bad} at offset {exc.start}); save the file as UTF-8",
            file=label,
            line=line,
        ) from None
    return text[1:] if text.startswith("\ufeff") else text


# -- panels --------------------------------------------------------------------------------
def panel_format(path: str | Path) -> str:
    """``'csv'`` or ``'parquet'`` from the file name; anything else is an :class:`InputError`."""
    lower = str(path).lower()
    if lower.endswith(CSV_SUFFIXES):
        return "csv"
    if lower.endswith(PARQUET_SUFFIXES):
        return "parquet"
    known = ", ".join((*CSV_SUFFIXES, *PARQUET_SUFFIXES))
    raise InputError(f"unknown file type (expected one of {known})", file=path)


def read_panel(path: str | Path, *, name: str | None = None) -> pd.DataFrame:
    """Read and validate a tidy panel (CSV, ``.csv.gz`` or Parquet).

    Parameters
    ----------
    path:
        The file. Its extension chooses the format (``.csv``, ``.csv.gz``, ``.parquet``,
        ``.pq``); CSV is UTF-8 with commas.
    name:
        How to name the file in error messages (default: the path).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`PANEL_COLUMNS`: ``region``, ``industry`` (str), ``year`` (int64),
        ``employment``, ``establishments``, ``payroll`` (float64, NaN = missing or column
        absent), ``employment_flag``, ``establishments_flag``, ``payroll_flag`` (str or None).
        A ``flag`` column applies to every measure of its row; ``<measure>_flag`` overrides it.

    Raises
    ------
    InputError
        Naming the file, line (header = line 1) and column: unknown extension, empty file,
        non-UTF-8 bytes, ragged rows, missing ``region``/``industry``/``year``, no measure
        column, empty code, non-integer year, non-numeric or negative value, duplicate
        (region, industry, year) (both lines named).

    Examples
    --------
    A file ``panel.csv`` holding::

        region,industry,year,employment
        AT11,01,2015,12

    reads as one row with ``industry == '01'``, ``year == 2015``, ``employment == 12.0`` and
    ``establishments`` NaN.
    """
    return read_panel_lines(path, name=name)[0]


def read_panel_lines(
    path: str | Path, *, name: str | None = None
) -> tuple[pd.DataFrame, np.ndarray]:
    """:func:`read_panel`, plus the line of each returned row (for later error messages).

    The frame's ``attrs["measures"]`` lists the measure columns the file has (the others
    are all-NaN fillers).
    """
    label = name or str(path)
    fmt = panel_format(path)
    if fmt == "csv":
        frame, lines = _read_csv_cells(path, label)
    else:
        frame, lines = _read_parquet_cells(path, label)
    out = _validate(frame, lines, label)
    out.attrs["measures"] = [m for m in MEASURES if m in frame.columns]
    return out, lines


def _read_csv_cells(path: str | Path, label: str) -> tuple[pd.DataFrame, np.ndarray]:
    """All cells as strings (no NA guessing) and each row's 1-based line number."""
    raw, label = read_source_bytes(path, label)
    text = decode_utf8(raw, label)
    if not text.strip():
        raise InputError("empty file (expected a header and data rows)", file=label)
    lines, nfields = record_shape(text)
    names = [c.strip().lower() for c in next(r for r in csv.reader(io.StringIO(text)) if r)]
    ncols = int(nfields[0])
    ragged = nfields[1:] != ncols
    if ragged.any():
        i = int(np.flatnonzero(ragged)[0]) + 1
        found = int(nfields[i])
        raise InputError(
            f"expected {ncols} fields (as in the header), found {found}",
            file=label,
            line=int(lines[i]),
            column=names[found] if found < len(names) else None,
        )
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            index_col=False,
        )
    except pd.errors.ParserError as exc:
        raise InputError(f"not a readable CSV file ({exc})", file=label) from None
    if len(frame) != len(lines) - 1:  # pragma: no cover - guards the line bookkeeping
        raise InputError("could not line up CSV records with lines", file=label)
    frame.columns = names  # as written: pandas would rename a repeated name to 'name.1'
    return frame, lines[1:]


def record_shape(
    text: str | bytes | memoryview, delimiter: str = ",", quoting: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """First line (1-based) and field count of every non-blank record, the header included.

    Without quotes (or with ``quoting=False``) a record is a line, and the delimiters are
    counted with numpy; with quotes the :mod:`csv` module walks the records, so that a quoted
    line break does not shift the line numbers.
    """
    if not quoting or (b'"' if isinstance(text, bytes) else '"') not in text:
        data = text.encode("utf-8") if isinstance(text, str) else text
        arr = np.frombuffer(data, dtype=np.uint8)
        nl = np.flatnonzero(arr == 10)
        starts = np.concatenate([[0], nl + 1])
        ends = np.concatenate([nl, [arr.size]])
        width = ends - starts
        cr = (width > 0) & (arr[np.maximum(ends - 1, 0)] == 13)
        blank = (width - cr) == 0
        commas = np.flatnonzero(arr == ord(delimiter))
        counts = np.searchsorted(commas, ends) - np.searchsorted(commas, starts) + 1
        keep = ~blank
        return np.flatnonzero(keep) + 1, counts[keep]
    if not isinstance(text, str):
        text = bytes(text).decode("utf-8")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    lines, counts, previous = [], [], 0
    for row in reader:
        if row:
            lines.append(previous + 1)
            counts.append(len(row))
        previous = reader.line_num
    return np.asarray(lines, dtype=np.int64), np.asarray(counts, dtype=np.int64)


def _read_parquet_cells(path: str | Path, label: str) -> tuple[pd.DataFrame, np.ndarray]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    if not Path(path).exists():
        raise InputError("no such file", file=label)
    try:
        table = pq.read_table(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise InputError(f"not a readable Parquet file ({exc})", file=label) from None
    names = [str(c).strip().lower() for c in table.column_names]
    table = table.rename_columns(names)
    for col in ("region", "industry"):
        if col in names:
            kind = table.schema.field(col).type
            inner = kind.value_type if pa.types.is_dictionary(kind) else kind
            if not (
                pa.types.is_string(inner)
                or pa.types.is_large_string(inner)
                or pa.types.is_string_view(inner)
            ):
                raise InputError(
                    f"codes must be stored as strings, not {kind} (leading zeros would be "
                    "lost); cast the column to string before writing the file",
                    file=label,
                    column=col,
                )
    frame = table.to_pandas(types_mapper=None)
    if len(frame) == 0:
        raise InputError("no data rows (header only)", file=label)
    # Parquet has no lines: row i is reported as line i + 2, as if the schema were a header.
    return frame, np.arange(2, len(frame) + 2, dtype=np.int64)


def _as_text(series: pd.Series) -> pd.Series:
    """Cells as stripped strings ('' for missing), whatever the column's storage type."""
    if pd.api.types.is_float_dtype(series) or pd.api.types.is_integer_dtype(series):
        out = series.astype(object).where(series.notna(), "")
        return out.map(lambda v: v if v == "" else str(v)).astype(str)
    return series.astype(object).where(series.notna(), "").astype(str).str.strip()


def _fail_at(mask: np.ndarray, lines: np.ndarray, label: str, column: str, message) -> None:
    """Raise for the first row where ``mask`` is true; ``message(i)`` builds the text."""
    if mask.any():
        i = int(np.flatnonzero(mask)[0])
        extra = int(mask.sum()) - 1
        more = f" (and {extra} more row{'s' if extra > 1 else ''})" if extra else ""
        raise InputError(message(i) + more, file=label, line=int(lines[i]), column=column)


def _validate(frame: pd.DataFrame, lines: np.ndarray, label: str) -> pd.DataFrame:
    cols = list(frame.columns)
    dupe_names = sorted({c for c in cols if cols.count(c) > 1})
    if dupe_names:
        raise InputError(
            "column appears twice in the header", file=label, line=1, column=dupe_names[0]
        )
    missing = [c for c in KEY_COLUMNS if c not in cols]
    if missing:
        raise InputError(
            f"missing required column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)} (header has: {', '.join(cols)})",
            file=label,
            line=1,
            column=missing[0],
        )
    for fc in FLAG_COLUMNS:
        if fc in cols and fc.removesuffix("_flag") not in cols:
            raise InputError(
                f"flag column without its measure column {fc.removesuffix('_flag')!r}",
                file=label,
                line=1,
                column=fc,
            )
    measures = [m for m in MEASURES if m in cols]
    if not measures:
        raise InputError(
            f"no measure column: need at least one of {', '.join(MEASURES)} "
            f"(header has: {', '.join(cols)})",
            file=label,
            line=1,
        )
    if len(frame) == 0:
        raise InputError("no data rows (header only)", file=label)

    out = pd.DataFrame(index=frame.index)
    for col in ("region", "industry"):
        text = _as_text(frame[col])
        _fail_at((text == "").to_numpy(), lines, label, col, lambda i, c=col: f"empty {c} code")
        out[col] = text.astype(object)

    year_text = _as_text(frame["year"]).str.replace(r"\.0+$", "", regex=True)
    year_ok = year_text.str.fullmatch(r"\d{4}").fillna(False).to_numpy(dtype=bool)
    _fail_at(
        ~year_ok,
        lines,
        label,
        "year",
        lambda i: f"year must be a 4-digit integer, found {year_text.iloc[i]!r}",
    )
    out["year"] = year_text.astype(np.int64)

    for m in MEASURES:
        if m not in cols:
            out[m] = np.nan
            continue
        out[m] = _parse_measure(frame[m], lines, label, m)

    row_flag = _flag_text(frame["flag"]) if "flag" in cols else None
    for m, fc in zip(MEASURES, FLAG_COLUMNS, strict=True):
        own = _flag_text(frame[fc]) if fc in cols else None
        if own is not None and row_flag is not None:
            flag = own.where(own.notna(), row_flag)
        else:
            flag = own if own is not None else row_flag
        out[fc] = flag if flag is not None and m in cols else None
        out[fc] = out[fc].astype(object).where(out[fc].notna(), None)

    _check_duplicates(out, lines, label)
    return out[PANEL_COLUMNS].reset_index(drop=True)


def _parse_measure(series: pd.Series, lines: np.ndarray, label: str, col: str) -> pd.Series:
    if pd.api.types.is_bool_dtype(series):
        raise InputError("values must be numbers, not booleans", file=label, column=col)
    if pd.api.types.is_numeric_dtype(series):
        values = series.astype(np.float64)
        text = None
    else:
        text = series.astype(object).where(series.notna(), "").astype(str).str.strip()
        empty = text.isin(MISSING_MARKERS).to_numpy()
        values = pd.to_numeric(text.where(~empty, None), errors="coerce").astype(np.float64)
        bad = values.isna().to_numpy() & ~empty
        _fail_at(bad, lines, label, col, lambda i: f"not a number: {text.iloc[i]!r}")
    arr = values.to_numpy()
    _fail_at(np.isinf(arr), lines, label, col, lambda i: "infinite value")
    _fail_at(
        arr < 0, lines, label, col, lambda i: f"negative value {arr[i]:g} ({col} cannot be below 0)"
    )
    return values


def _flag_text(series: pd.Series) -> pd.Series:
    text = series.astype(object).where(series.notna(), "").astype(str).str.strip()
    return text.where(text != "", None).astype(object)


def _check_duplicates(out: pd.DataFrame, lines: np.ndarray, label: str) -> None:
    key = list(KEY_COLUMNS)
    dup = out.duplicated(key, keep=False).to_numpy()
    if not dup.any():
        return
    first = int(np.flatnonzero(dup)[0])
    same = (out[key] == out[key].iloc[first]).all(axis=1).to_numpy()
    where = [int(x) for x in lines[np.flatnonzero(same)]]
    region, industry, year = out[key].iloc[first]
    n_keys = int(out.loc[dup].drop_duplicates(key).shape[0])
    more = f"; {n_keys - 1} more duplicated key(s)" if n_keys > 1 else ""
    raise InputError(
        f"duplicate (region, industry, year) = ({region}, {industry}, {year}) on lines "
        f"{where[0]} and {where[1]}{more}",
        file=label,
        line=where[1],
        column="region, industry, year",
    )
