"""Eurostat TSV files (classic bulk download and 2023+ SDMX-TSV) as a tidy table.

Both formats are a tab-separated matrix. The first header field names the dimensions,
comma-separated, and after a backslash the time marker; the other header fields are the time
periods. Each data row starts with the series' dimension codes, comma-separated, followed by one
cell per period (see :mod:`clusteratlas.store.flags` for the cell syntax)::

    unit,nace_r2,age,geo\\time<TAB>2015 <TAB>2014          (classic bulk download)
    THS,A,Y15-24,AT1<TAB>5.2 u<TAB>: u

    freq,unit,nace_r2,geo\\TIME_PERIOD<TAB>2015<TAB>2014    (SDMX-TSV, API since 2023)
    A,THS,A,AT1<TAB>5.2 u<TAB>:

:func:`read_eurostat_tsv` returns one row per (series, period): the dimension columns
(lowercase codes), ``time``, ``value`` (NaN for ``:``, never 0) and ``flag``. Parsing is
vectorised with Arrow (the CSV tokenizer and regular-expression kernels); there is no Python
loop per row or cell. Every problem is an :class:`~clusteratlas.errors.InputError` naming the
file, the line (header = line 1) and the column (a dimension or a period label).

:func:`eurostat_observations` maps the tidy table onto the store's observations (region =
``geo``, industry = ``nace_r2``, measure = ``unit``, other dimensions in ``dims``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from clusteratlas.errors import InputError
from clusteratlas.sources.files import Source, decode_utf8, read_source_bytes, record_shape
from clusteratlas.store.flags import FLAG_LETTERS, CellError, parse_cells_objects

TIME_MARKERS = {"time": "bulk", "time_period": "sdmx-tsv"}
#: Eurostat dimension holding the industry code, and the classification it uses.
INDUSTRY_DIMENSIONS = {"nace_r2": "NACE_R2", "nace_r21": "NACE_R21"}
#: Eurostat dimensions used as the measure when a table has no ``unit`` (first found wins).
INDICATOR_DIMENSIONS = (
    "na_item",
    "indic",
    "indic_na",
    "indic_sb",
    "indic_sbs",
    "indic_is",
    "indic_em",
)
RESERVED = ("time", "value", "flag")


@dataclass(frozen=True)
class TsvHeader:
    """What the header line of a Eurostat TSV says.

    ``dimensions`` are lowercase codes in file order, ``marker`` is the text after the
    backslash as written (``time`` or ``TIME_PERIOD``), ``format`` is ``'bulk'`` or
    ``'sdmx-tsv'``, ``periods`` are the time labels stripped of blanks.
    """

    dimensions: tuple[str, ...]
    marker: str
    format: str
    periods: tuple[str, ...]


def has_time_marker(first_line: str) -> bool:
    """True when a header line looks like a Eurostat TSV header (``…\\time`` or
    ``…\\TIME_PERIOD`` in its first tab-separated field)."""
    head = first_line.split("\t", 1)[0].strip()
    return "\\" in head and head.rsplit("\\", 1)[1].strip().lower() in TIME_MARKERS


def parse_header(line: str, label: str) -> TsvHeader:
    """Parse and check the header line; errors name the file, line 1 and the column."""
    fields = line.rstrip("\r\n").split("\t")
    head = fields[0].strip()
    if "\\" not in head or head.rsplit("\\", 1)[1].strip().lower() not in TIME_MARKERS:
        raise InputError(
            "not a Eurostat TSV header: the first field must end in '\\time' (bulk download) "
            f"or '\\TIME_PERIOD' (SDMX-TSV), found {head[:60]!r}",
            file=label,
            line=1,
            column=head[:60],
        )
    left, marker = head.rsplit("\\", 1)
    dims = tuple(d.strip().lower() for d in left.split(","))
    for d in dims:
        if not d:
            raise InputError("empty dimension name in the header", file=label, line=1, column=head)
        if d in RESERVED:
            raise InputError(
                f"dimension name {d!r} clashes with an output column", file=label, line=1, column=d
            )
        if dims.count(d) > 1:
            raise InputError("dimension appears twice in the header", file=label, line=1, column=d)
    periods = tuple(f.strip() for f in fields[1:])
    if not periods:
        raise InputError("the header has no time periods", file=label, line=1)
    for i, p in enumerate(periods):
        if not p:
            raise InputError(
                f"empty time period label (field {i + 2} of the header)", file=label, line=1
            )
        if periods.count(p) > 1:
            raise InputError("time period twice in the header", file=label, line=1, column=p)
    marker = marker.strip()
    return TsvHeader(dims, marker, TIME_MARKERS[marker.lower()], periods)


def read_eurostat_tsv(source: Source, *, name: str | None = None) -> pd.DataFrame:
    """Read a Eurostat TSV (bulk or SDMX-TSV; plain or gzip) into a tidy DataFrame.

    Parameters
    ----------
    source:
        A path, the file's bytes, or a binary file-like object. Gzip is recognised by its
        magic bytes.
    name:
        How to name the file in error messages (default: the path, or ``<bytes>``).

    Returns
    -------
    pandas.DataFrame
        One row per series and period, series in file order and periods in header order:
        one column per dimension (lowercase codes, e.g. ``unit, nace_r2, age, geo``), then
        ``time`` (label as published, stripped, e.g. ``'2015'`` or ``'2015-Q1'``), ``value``
        (float64, NaN for ``:``) and ``flag`` (str, or None). ``attrs`` holds ``format``
        (``'bulk'``/``'sdmx-tsv'``), ``dimensions``, ``periods``, ``series`` (data rows) and
        ``file``.

    Raises
    ------
    InputError
        Naming file, line and column: empty file, non-UTF-8 bytes, truncated gzip, a header
        without the time marker, a row with the wrong number of fields or dimension codes, an
        empty code, a cell that is not a number or ``:`` with known flags.

    Examples
    --------
    >>> df = read_eurostat_tsv(b"unit,geo\\\\time\\t2015 \\t2014 \\nTHS,AT1\\t5.2 u\\t: \\n")
    >>> df.to_dict("list")  # doctest: +NORMALIZE_WHITESPACE
    {'unit': ['THS', 'THS'], 'geo': ['AT1', 'AT1'], 'time': ['2015', '2014'],
     'value': [5.2, nan], 'flag': ['u', None]}
    """
    raw, label = read_source_bytes(source, name)
    decode_utf8(raw, label)  # validates (names the line of a bad byte); Arrow reads the bytes
    start = 3 if raw.startswith(b"\xef\xbb\xbf") else 0
    header_line, header_text, body_start = _first_line(raw, start)
    if header_text is None:
        raise InputError("empty file (expected a Eurostat TSV header and data rows)", file=label)
    header = parse_header(header_text, label)
    ncols = len(header.periods) + 1
    lines = _LineNumbers(raw, start, header_line)
    table = _tokenize(memoryview(raw)[body_start:], ncols)
    if table is None or table.num_rows == 0:
        if len(lines.data) == 0:
            raise InputError("no data rows (header only)", file=label)
        _raise_ragged(lines, ncols, header, label)

    columns = _dimension_columns(table.column(0), header, lines, label)
    n_rows, n_periods = table.num_rows, len(header.periods)
    # Cells are parsed period-major (column after column, chunks chained without copying),
    # then put in series-major order: row r, period p goes to position r * n_periods + p.
    cells = pa.chunked_array(
        [chunk for j in range(n_periods) for chunk in table.column(j + 1).chunks], pa.string()
    )
    try:
        values, flags = parse_cells_objects(cells)
    except CellError as exc:
        period, row = divmod(exc.index, n_rows)
        raise InputError(
            f"not a Eurostat value: {exc.text!r} (expected a number or ':' followed by "
            f"flag letters {FLAG_LETTERS})",
            file=label,
            line=lines.of_row(row),
            column=header.periods[period],
        ) from None

    def series_major(period_major: np.ndarray) -> np.ndarray:
        return period_major.reshape(n_periods, n_rows).T.ravel()

    # Dimensions and periods are categorical (few distinct codes, repeated per cell).
    frame = pd.DataFrame(
        {
            dim: _categorical(col, n_periods)
            for dim, col in zip(header.dimensions, columns, strict=True)
        },
        copy=False,
    )
    frame["time"] = pd.Categorical.from_codes(
        np.tile(np.arange(n_periods, dtype=np.int32), n_rows), categories=list(header.periods)
    )
    frame["value"] = series_major(values)
    frame["flag"] = pd.Series(series_major(flags), dtype=object, copy=False)
    frame.attrs.update(
        format=header.format,
        dimensions=list(header.dimensions),
        periods=list(header.periods),
        series=n_rows,
        file=label,
    )
    return frame


def _categorical(col: pa.DictionaryArray, repeat: int) -> pd.Categorical:
    """Each value of ``col`` repeated ``repeat`` times, as a pandas Categorical."""
    codes = np.repeat(col.indices.to_numpy(zero_copy_only=False), repeat)
    return pd.Categorical.from_codes(codes, categories=col.dictionary.to_pylist())


def _first_line(raw: bytes, start: int) -> tuple[int, str | None, int]:
    """The first non-blank line: its number, its text and the offset just after it."""
    number, pos = 1, start
    while pos < len(raw):
        end = raw.find(b"\n", pos)
        end = len(raw) if end < 0 else end
        text = raw[pos:end].decode("utf-8")
        if text.strip():
            return number, text, min(end + 1, len(raw))
        number, pos = number + 1, end + 1
    return number, None, len(raw)


class _LineNumbers:
    """Line numbers of the data rows, counted only when an error needs one."""

    def __init__(self, raw: bytes, start: int, header_line: int) -> None:
        self._raw, self._start, self.header_line = raw, start, header_line
        self._shape: tuple[np.ndarray, np.ndarray] | None = None

    def _records(self) -> tuple[np.ndarray, np.ndarray]:
        if self._shape is None:
            lines, counts = record_shape(memoryview(self._raw)[self._start :], "\t", False)
            self._shape = (lines[1:], counts[1:])  # without the header record
        return self._shape

    @property
    def data(self) -> np.ndarray:
        """First line of every data record (blank lines skipped, header excluded)."""
        return self._records()[0]

    @property
    def fields(self) -> np.ndarray:
        return self._records()[1]

    def of_row(self, row: int) -> int:
        return int(self.data[row])


def _raise_ragged(lines: _LineNumbers, ncols: int, header: TsvHeader, label: str) -> None:
    ragged = np.flatnonzero(lines.fields != ncols)
    if not ragged.size:  # pragma: no cover - Arrow and numpy disagree on the records
        raise InputError("could not line up TSV rows with lines", file=label)
    i = int(ragged[0])
    found = int(lines.fields[i])
    raise InputError(
        f"expected {ncols} tab-separated fields (as in the header), found {found}",
        file=label,
        line=lines.of_row(i),
        column=header.periods[found - 1] if found < ncols else None,
    )


def _tokenize(body: memoryview, ncols: int) -> pa.Table | None:
    """Split the data rows into string columns (Arrow's CSV reader); ``None`` if ragged."""
    names = [f"c{i}" for i in range(ncols)]
    try:
        return pacsv.read_csv(
            pa.BufferReader(pa.py_buffer(body)),
            read_options=pacsv.ReadOptions(column_names=names, block_size=1 << 20),
            parse_options=pacsv.ParseOptions(
                delimiter="\t", quote_char=False, double_quote=False, ignore_empty_lines=True
            ),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid:
        return None


def _dimension_columns(
    first: pa.ChunkedArray, header: TsvHeader, lines: _LineNumbers, label: str
) -> list[pa.DictionaryArray]:
    """Split the leading 'A,THS,AT1' field into one trimmed string array per dimension."""
    parts = pc.split_pattern(first.combine_chunks(), ",")
    counts = pc.list_value_length(parts).to_numpy(zero_copy_only=False)
    n = len(header.dimensions)
    wrong = np.flatnonzero(counts != n)
    if wrong.size:
        i = int(wrong[0])
        raise InputError(
            f"expected {n} comma-separated codes ({','.join(header.dimensions)}), "
            f"found {int(counts[i])}: {first[i].as_py()!r}",
            file=label,
            line=lines.of_row(i),
            column=",".join(header.dimensions),
        )
    columns = []
    for k, dim in enumerate(header.dimensions):
        # Blanks are trimmed on the distinct codes only (few), unless that merges two codes.
        encoded = pc.list_element(parts, k).dictionary_encode()
        codes = pc.utf8_trim_whitespace(encoded.dictionary)
        if len(pc.unique(codes)) != len(codes):
            encoded = pc.utf8_trim_whitespace(encoded.cast(pa.string())).dictionary_encode()
            codes = encoded.dictionary
        empty = np.flatnonzero(pc.equal(codes, "").to_numpy(zero_copy_only=False))
        if empty.size:
            indices = encoded.indices.to_numpy(zero_copy_only=False)
            row = int(np.flatnonzero(indices == empty[0])[0])
            raise InputError("empty code", file=label, line=lines.of_row(row), column=dim)
        columns.append(pa.DictionaryArray.from_arrays(encoded.indices, codes))
    return columns


# -- to the store's observations ----------------------------------------------------------
def eurostat_observations(
    table: pd.DataFrame,
    *,
    dataset: str,
    region_system: str,
    label: str,
    warnings: list[str],
) -> tuple[pd.DataFrame, str]:
    """Turn :func:`read_eurostat_tsv` output into observations; return them and the
    classification of the industry column.

    region = ``geo``; industry = ``nace_r2`` (``''`` when the table has none); measure =
    ``unit``, else the first indicator dimension (:data:`INDICATOR_DIMENSIONS`), else the
    dataset code; ``freq`` only selects annual rows; every other dimension goes to ``dims`` as
    ``k=v;k=v`` sorted by key; year = the 4-digit period. Non-annual rows are skipped with a
    warning, and a table with no annual period at all is an error.
    """
    dims = list(table.attrs.get("dimensions") or [c for c in table.columns[:-3]])
    if "geo" not in dims:
        raise InputError(
            f"no 'geo' dimension (dimensions: {', '.join(dims)}); cannot tell the regions",
            file=label,
            line=1,
        )
    industry_dim = next((d for d in dims if d in INDUSTRY_DIMENSIONS), None)
    classification = INDUSTRY_DIMENSIONS[industry_dim] if industry_dim else ""
    indicators = (d for d in INDICATOR_DIMENSIONS if d in dims)
    measure_dim = "unit" if "unit" in dims else next(indicators, None)
    rest = sorted(d for d in dims if d not in {"geo", industry_dim, measure_dim, "freq"})

    time = table["time"].astype("category")
    labels = [str(c) for c in time.cat.categories]
    annual_label = np.array([bool(re.fullmatch(r"\d{4}", t)) for t in labels], dtype=bool)
    codes = time.cat.codes.to_numpy()
    keep = annual_label[codes]
    if "freq" in dims:
        keep &= table["freq"].astype(str).to_numpy() == "A"
    if not keep.all():
        if not keep.any():
            odd = next((t for t, ok in zip(labels, annual_label, strict=True) if not ok), None)
            raise InputError(
                "the store holds annual observations only and this table has none "
                f"(periods like {odd or labels[0]!r}, freq not 'A')",
                file=label,
                line=1,
                column=odd,
            )
        warnings.append(
            f"{label}: skipped {int((~keep).sum()):,} non-annual observations "
            "(the store holds annual data only)"
        )
        table, codes = table.loc[keep], codes[keep]
    years = np.array([int(t) if ok else -1 for t, ok in zip(labels, annual_label, strict=True)])

    def text(col: str) -> pd.Series:
        # Categorical (as the reader returns it): DuckDB casts the codes to VARCHAR on insert.
        return table[col].astype("category")

    n = len(table)

    def const(value: str) -> pd.Categorical:  # a constant column without n string copies
        return pd.Categorical.from_codes(np.zeros(n, dtype=np.int8), categories=[value])

    obs = pd.DataFrame(
        {
            "source": const("eurostat"),
            "dataset": const(dataset),
            "region": text("geo"),
            "region_system": const(region_system),
            "industry": text(industry_dim) if industry_dim else const(""),
            "classification": const(classification),
            "year": years[codes].astype(np.int32),
            "measure": text(measure_dim) if measure_dim else const(dataset),
            "dims": _canonical_dims({d: text(d) for d in rest}) if rest else const(""),
            "value": table["value"].to_numpy(),
            "flag": table["flag"].to_numpy(),
        },
        index=table.index,
    )
    return obs, classification  # index = rows of ``table`` (for line numbers in errors)


def _canonical_dims(columns: dict[str, pd.Series]) -> pd.Categorical:
    """Row-wise ``'k=v;k=v'`` (keys in the given, sorted, order), built once per distinct
    combination of codes rather than once per row."""
    codes = np.stack([s.cat.codes.to_numpy() for s in columns.values()], axis=1)
    combos, inverse = np.unique(codes, axis=0, return_inverse=True)
    cats = [s.cat.categories for s in columns.values()]
    labels = [
        ";".join(f"{k}={cats[i][c]}" for i, (k, c) in enumerate(zip(columns, combo, strict=True)))
        for combo in combos
    ]
    return pd.Categorical.from_codes(inverse.ravel(), categories=labels)
