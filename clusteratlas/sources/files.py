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
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

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
def read_file_bytes(path: Path, label: str) -> bytes:
    """The raw bytes of a file; a missing or unreadable file is an :class:`InputError`."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError("no such file", file=label) from None
    except IsADirectoryError:
        raise InputError("is a directory, not a file", file=label) from None
    except OSError as exc:
        raise InputError(f"cannot read the file ({exc.strerror})", file=label) from None


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
        raw = read_file_bytes(path, label)
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
    out.attrs["measures"] = [m for m in MEASURES if m in frame.column_names]
    return out, lines


def _read_csv_cells(path: str | Path, label: str) -> tuple[pa.Table, np.ndarray]:
    """All cells as strings (Arrow's CSV reader, no NA guessing) and each row's line."""
    raw, label = read_source_bytes(path, label)
    decode_utf8(raw, label)  # validates: names the line of a non-UTF-8 byte
    data = raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw
    if not data or data.isspace():
        raise InputError("empty file (expected a header and data rows)", file=label)
    lines, nfields = record_shape(data)
    first = next(r for r in csv.reader(io.StringIO(data[: 1 << 16].decode("utf-8", "ignore"))) if r)
    names = [c.strip().lower() for c in first]
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
    _check_header(names, label)
    quoted = b'"' in data
    columns = [f"c{i}" for i in range(ncols)]
    try:
        table = pacsv.read_csv(
            pa.BufferReader(pa.py_buffer(data)),
            read_options=pacsv.ReadOptions(column_names=columns, skip_rows=int(lines[0])),
            parse_options=pacsv.ParseOptions(
                quote_char='"' if quoted else False, newlines_in_values=quoted
            ),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(columns, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid as exc:  # pragma: no cover - shapes are checked before
        raise InputError(f"not a readable CSV file ({exc})", file=label) from None
    if table.num_rows != len(lines) - 1:  # pragma: no cover - guards the line bookkeeping
        raise InputError("could not line up CSV records with lines", file=label)
    return table.rename_columns(names), lines[1:]


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


def _read_parquet_cells(path: str | Path, label: str) -> tuple[pa.Table, np.ndarray]:
    import pyarrow.parquet as pq

    if not Path(path).exists():
        raise InputError("no such file", file=label)
    try:
        table = pq.read_table(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise InputError(f"not a readable Parquet file ({exc})", file=label) from None
    names = [str(c).strip().lower() for c in table.column_names]
    _check_header(names, label)
    table = table.rename_columns(names)
    for col in ("region", "industry"):
        if col in names and not _is_text(table.schema.field(col).type):
            raise InputError(
                f"codes must be stored as strings, not {table.schema.field(col).type} (leading "
                "zeros would be lost); cast the column to string before writing the file",
                file=label,
                column=col,
            )
    # Parquet has no lines: row i is reported as line i + 2, as if the schema were a header.
    return table, np.arange(2, table.num_rows + 2, dtype=np.int64)


def _is_text(kind: pa.DataType) -> bool:
    inner = kind.value_type if pa.types.is_dictionary(kind) else kind
    return (
        pa.types.is_string(inner)
        or pa.types.is_large_string(inner)
        or (pa.types.is_string_view(inner))
    )


def _check_header(cols: list[str], label: str) -> None:
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
    if not any(m in cols for m in MEASURES):
        raise InputError(
            f"no measure column: need at least one of {', '.join(MEASURES)} "
            f"(header has: {', '.join(cols)})",
            file=label,
            line=1,
        )


def _text(col: pa.ChunkedArray) -> pa.ChunkedArray:
    """Cells as trimmed strings ('' for null), whatever the column's storage type."""
    if pa.types.is_dictionary(col.type) or not _is_text(col.type):
        col = col.cast(pa.string())
    return pc.utf8_trim_whitespace(col.fill_null(""))


def _mask(expr: pa.ChunkedArray | pa.Array) -> np.ndarray:
    return np.asarray(expr.to_numpy(zero_copy_only=False), dtype=bool)


def _fail_at(mask: np.ndarray, lines: np.ndarray, label: str, column: str, message) -> None:
    """Raise for the first row where ``mask`` is true; ``message(i)`` builds the text."""
    if mask.any():
        i = int(np.flatnonzero(mask)[0])
        extra = int(mask.sum()) - 1
        more = f" (and {extra} more row{'s' if extra > 1 else ''})" if extra else ""
        raise InputError(message(i) + more, file=label, line=int(lines[i]), column=column)


_NUMBER = r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$"


def _validate(table: pa.Table, lines: np.ndarray, label: str) -> pd.DataFrame:
    if table.num_rows == 0:
        raise InputError("no data rows (header only)", file=label)
    cols = table.column_names
    out: dict[str, object] = {}
    for col in ("region", "industry"):
        text = _text(table.column(col))
        _fail_at(_mask(pc.equal(text, "")), lines, label, col, lambda i, c=col: f"empty {c} code")
        out[col] = text.to_pandas().astype(object)

    year = _text(table.column("year"))
    _fail_at(
        ~_mask(pc.match_substring_regex(year, r"^[0-9]{4}(\.0+)?$")),
        lines,
        label,
        "year",
        lambda i: f"year must be a 4-digit integer, found {year[i].as_py()!r}",
    )
    out["year"] = pc.cast(pc.utf8_slice_codeunits(year, 0, 4), pa.int64()).to_numpy()

    present = [m for m in MEASURES if m in cols]
    for m in MEASURES:
        if m in present:
            out[m] = _parse_measure(table.column(m), lines, label, m)
        else:
            out[m] = np.full(table.num_rows, np.nan)

    row_flag = _text(table.column("flag")) if "flag" in cols else None
    for m, fc in zip(MEASURES, FLAG_COLUMNS, strict=True):
        flag = _text(table.column(fc)) if fc in cols else None
        if flag is not None and row_flag is not None:
            flag = pc.if_else(pc.equal(flag, ""), row_flag, flag)
        elif flag is None:
            flag = row_flag
        if flag is not None and m in present:
            values = _objects(flag)
        else:
            values = np.full(table.num_rows, None, dtype=object)
        out[fc] = pd.Series(values, dtype=object, copy=False)  # None, not NaN
    frame = pd.DataFrame(out, columns=PANEL_COLUMNS)
    _check_duplicates(frame, lines, label)
    return frame


def _objects(text: pa.ChunkedArray) -> np.ndarray:
    """Strings as a numpy object array, '' -> None, indexed from the few distinct values."""
    encoded = text.combine_chunks().dictionary_encode()
    lookup = np.array([v or None for v in encoded.dictionary.to_pylist()] + [None], dtype=object)
    return lookup[encoded.indices.to_numpy(zero_copy_only=False)]


def _parse_measure(col: pa.ChunkedArray, lines: np.ndarray, label: str, name: str) -> np.ndarray:
    if pa.types.is_boolean(col.type):
        raise InputError("values must be numbers, not booleans", file=label, column=name)
    if pa.types.is_integer(col.type) or pa.types.is_floating(col.type):
        values = col.cast(pa.float64()).to_numpy()  # nulls become NaN
    else:
        text = _text(col)
        missing = pc.is_in(text, value_set=pa.array(sorted(MISSING_MARKERS)))
        bad = ~_mask(missing) & ~_mask(pc.match_substring_regex(text, _NUMBER))
        _fail_at(bad, lines, label, name, lambda i: f"not a number: {text[i].as_py()!r}")
        values = pc.cast(pc.if_else(missing, None, text), pa.float64()).to_numpy()
    _fail_at(np.isinf(values), lines, label, name, lambda i: "infinite value")
    _fail_at(
        values < 0,
        lines,
        label,
        name,
        lambda i: f"negative value {values[i]:g} ({name} cannot be below 0)",
    )
    return values


def _check_duplicates(out: pd.DataFrame, lines: np.ndarray, label: str) -> None:
    key = list(KEY_COLUMNS)
    keys = pa.table({k: out[k] for k in key})
    if keys.group_by(key).aggregate([]).num_rows == keys.num_rows:
        return  # the common case, decided without materialising a mask in pandas
    dup = out.duplicated(key, keep=False).to_numpy()
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
