"""Tidy panels to dense region × unit matrices, one per year.

The linkage measures are matrix algebra on a region × industry (or region × cluster) matrix
``X`` of employment. :func:`year_matrices` builds those matrices from a tidy pandas frame or
Arrow table (``region, <unit>, year, <value>``) without a pivot: the labels are sorted once,
and the rows, read in blocks of codes, are scattered into dense year matrices with
:func:`numpy.add.at`. A panel of millions of rows costs a few hundred milliseconds and no
memory beyond the matrices themselves and one block.

Conventions (those of ``ecomplexity``): missing cells are 0; regions and units whose total in a
year is 0 are dropped from that year's matrix (they have no RCA), and reported as such.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from clusteratlas.errors import InputError


@dataclass(frozen=True)
class YearMatrix:
    """One year of a panel as a dense matrix.

    Attributes
    ----------
    year:
        The year.
    regions, units:
        Row and column labels (numpy arrays of str).
    values:
        ``float64`` array ``(len(regions), len(units))``; missing cells are 0.
    """

    year: int
    regions: np.ndarray
    units: np.ndarray
    values: np.ndarray

    def frame(self) -> pd.DataFrame:
        """The matrix as a labelled DataFrame (rows regions, columns units)."""
        return pd.DataFrame(self.values, index=self.regions, columns=self.units)


def check_columns(frame: pd.DataFrame, columns: list[str], parameter: str = "panel") -> None:
    """Raise :class:`InputError` naming the first of ``columns`` missing from ``frame``."""
    for col in columns:
        if col not in frame.columns:
            raise InputError(f"missing column {col!r}", column=col, parameter=parameter)


#: Panels whose region × unit × year matrices have at most this many cells are scattered in one
#: pass over the rows (8 bytes a cell: 50 M cells = 400 MB); larger ones a group of years
#: (at least one) per pass.
CUBE_LIMIT = 50_000_000
#: Rows per block when a panel is scattered: each block's cell indices and values are a few
#: MB, so no copy of a whole column is ever made.
BLOCK_ROWS = 1 << 20
#: Year spans up to this long are counted with one small array (else with ``numpy.unique``).
YEAR_SPAN_LIMIT = 100_000


@dataclass(frozen=True)
class _Block:
    """Panel rows ``first_row …``: region and unit codes (positions in the sorted labels),
    years and values (float64)."""

    region: np.ndarray
    unit: np.ndarray
    year: np.ndarray
    value: np.ndarray
    first_row: int


def _sorted_rank(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(rank, sorted_labels)``: ``rank[i]`` is the position of ``labels[i]`` once sorted."""
    order = np.argsort(labels, kind="stable")
    rank = np.empty(len(labels), dtype=np.int32)
    rank[order] = np.arange(len(labels), dtype=np.int32)
    return rank, labels[order]


def _block_values(values: np.ndarray, value: str, first_row: int) -> np.ndarray:
    """One block of the measure as float64: NaN is 0 (``ecomplexity``), negative an error
    naming the panel row."""
    if values.dtype.kind not in "iuf":
        values = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(dtype=float)
    values = values.astype(float, copy=False)
    if np.isnan(values).any():
        values = np.nan_to_num(values, nan=0.0)
    negative = values < 0
    if negative.any():
        row = first_row + int(np.argmax(negative))
        raise InputError(f"negative {value} in row {row + 1}", column=value)
    return values


class _PandasPanel:
    """The four columns of a pandas panel as sorted labels and blocks of codes."""

    def __init__(self, frame: pd.DataFrame, unit: str, value: str) -> None:
        check_columns(frame, ["region", unit, "year", value])
        self.value = value
        self._region, self.region_labels = self._codes(frame["region"])
        self._unit, self.unit_labels = self._codes(frame[unit])
        self._year = frame["year"].to_numpy()
        if self._year.dtype.kind not in "iu":
            try:
                self._year = self._year.astype(np.int64)
            except (TypeError, ValueError):
                raise InputError("years must be whole numbers", column="year") from None
        self._value = frame[value].to_numpy()
        self.rows = len(frame)

    @staticmethod
    def _codes(values: pd.Series) -> tuple[tuple[np.ndarray, np.ndarray | None], np.ndarray]:
        """``((codes, rank), sorted labels)``; ``rank`` maps the codes to sorted positions
        (None: the codes already are)."""
        if isinstance(values.dtype, pd.CategoricalDtype):
            codes = np.asarray(values.array.codes)
            if (codes < 0).any():
                raise InputError("missing region or unit code", column=str(values.name))
            rank, labels = _sorted_rank(np.asarray(values.cat.categories.astype(str)))
            return (codes, rank), labels
        if values.isna().any():
            raise InputError("missing region or unit code", column=str(values.name))
        codes, uniques = pd.factorize(values.astype(str), sort=True)
        return (codes, None), np.asarray(uniques, dtype=object).astype(str)

    def years(self) -> Iterator[np.ndarray]:
        for start in range(0, self.rows, BLOCK_ROWS):
            yield self._year[start : start + BLOCK_ROWS]

    def blocks(self) -> Iterator[_Block]:
        (r, r_rank), (u, u_rank) = self._region, self._unit
        for start in range(0, self.rows, BLOCK_ROWS):
            part = slice(start, start + BLOCK_ROWS)
            yield _Block(
                r[part] if r_rank is None else r_rank[r[part]],
                u[part] if u_rank is None else u_rank[u[part]],
                self._year[part],
                _block_values(self._value[part], self.value, start),
                start,
            )


class _ArrowPanel:
    """The four columns of a :class:`pyarrow.Table`, in record batches of at most
    :data:`BLOCK_ROWS` rows (no copy). Dictionary columns stay dictionaries: each batch's
    small dictionary is mapped to the sorted labels, then its indices through that map."""

    def __init__(self, table: Any, unit: str, value: str) -> None:
        import pyarrow as pa
        import pyarrow.compute as pc

        for col in ("region", unit, "year", value):
            if col not in table.column_names:
                raise InputError(f"missing column {col!r}", column=col, parameter="panel")
        self.value = value
        for col in ("region", unit, "year"):
            if table.column(col).null_count:
                what = "year" if col == "year" else "region or unit code"
                raise InputError(f"missing {what}", column=col)
        table = table.select(["region", unit, "year", value])
        if not pa.types.is_integer(table.schema.field("year").type):
            try:
                year = pc.cast(table.column("year"), pa.int64())
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                raise InputError("years must be whole numbers", column="year") from None
            table = table.set_column(2, "year", year)
        for i, col in enumerate(("region", unit)):
            typ = table.schema.field(i).type
            if pa.types.is_dictionary(typ):
                if not pa.types.is_string(typ.value_type):
                    table = table.set_column(i, col, _cast_dictionary(table.column(i)))
            elif not pa.types.is_string(typ):
                table = table.set_column(i, col, pc.cast(table.column(i), pa.string()))
        self._batches = [b for b in table.to_batches(max_chunksize=BLOCK_ROWS) if b.num_rows]
        self.rows = table.num_rows
        self._region_set = self._labels(table.column(0))
        self._unit_set = self._labels(table.column(1))
        self.region_labels = _as_str(self._region_set)
        self.unit_labels = _as_str(self._unit_set)

    @staticmethod
    def _labels(column: Any) -> Any:
        """The sorted distinct labels of a string or dictionary column (Arrow array)."""
        import pyarrow as pa
        import pyarrow.compute as pc

        if pa.types.is_dictionary(column.type):
            parts = [c.dictionary for c in column.chunks if len(c)]
            labels = pa.chunked_array(parts, type=column.type.value_type).unique()
        else:
            labels = pc.unique(column)
        if isinstance(labels, pa.ChunkedArray):
            labels = labels.combine_chunks()
        return labels.take(pc.sort_indices(labels))

    @staticmethod
    def _codes(array: Any, labels: Any) -> np.ndarray:
        import pyarrow as pa
        import pyarrow.compute as pc

        if pa.types.is_dictionary(array.type):
            where = pc.index_in(array.dictionary, value_set=labels)
            mapping = where.to_numpy(zero_copy_only=False).astype(np.int32)
            return mapping[array.indices.to_numpy(zero_copy_only=False)]
        return pc.index_in(array, value_set=labels).to_numpy(zero_copy_only=False)

    def years(self) -> Iterator[np.ndarray]:
        for batch in self._batches:
            yield batch.column(2).to_numpy()

    def blocks(self) -> Iterator[_Block]:
        start = 0
        for batch in self._batches:
            value = batch.column(3).to_numpy(zero_copy_only=False)
            yield _Block(
                self._codes(batch.column(0), self._region_set),
                self._codes(batch.column(1), self._unit_set),
                batch.column(2).to_numpy(),
                _block_values(value, self.value, start),
                start,
            )
            start += batch.num_rows


def _cast_dictionary(column: Any) -> Any:
    """A dictionary column whose values are not strings, as strings."""
    import pyarrow as pa
    import pyarrow.compute as pc

    return pc.cast(pc.cast(column, column.type.value_type), pa.string())


def _release_arrow_memory() -> None:
    """Give the Arrow allocator's free pages back to the OS (it keeps them for reuse
    otherwise), when pyarrow is loaded: the rows of an Arrow panel are freed once its
    matrices are built, and the memory is better spent on the results."""
    import sys

    pa = sys.modules.get("pyarrow")
    if pa is not None:
        pa.default_memory_pool().release_unused()


def _as_str(labels: Any) -> np.ndarray:
    return np.asarray(labels.to_numpy(zero_copy_only=False), dtype=object).astype(str)


def _panel_years(panel: _PandasPanel | _ArrowPanel) -> list[int]:
    """The distinct years of a panel, sorted: a min/max pass, then one count per year."""
    lo = hi = None
    for block in panel.years():
        if len(block):
            b_lo, b_hi = int(block.min()), int(block.max())
            lo = b_lo if lo is None else min(lo, b_lo)
            hi = b_hi if hi is None else max(hi, b_hi)
    if lo is None:
        return []
    if hi - lo >= YEAR_SPAN_LIMIT:
        return sorted({int(y) for block in panel.years() for y in np.unique(block)})
    counts = np.zeros(hi - lo + 1, dtype=np.int64)
    for block in panel.years():
        counts += np.bincount(block - lo, minlength=len(counts))
    return [lo + int(k) for k in np.flatnonzero(counts)]


#: A block of rows spanning more years than this is sorted by year before it is scattered
#: (fewer: one mask per year).
MASKED_YEARS = 16


def _scatter_years(
    panel: _PandasPanel | _ArrowPanel, years: list[int], n_r: int, n_u: int
) -> list[np.ndarray]:
    """The ``(n_r, n_u)`` matrices of ``years`` from one pass over the panel's blocks:
    duplicate cells summed (:func:`numpy.add.at`), rows of other years skipped. Each year is
    its own array, so that a year's memory is freed once its consumer is done with it."""
    mats = [np.zeros(n_r * n_u) for _ in years]
    lo = min(years)
    slot = np.full(max(years) - lo + 1, -1, dtype=np.intp)
    slot[np.asarray(years) - lo] = np.arange(len(years))
    for block in panel.blocks():  # every block, so that every value is checked
        y = block.year.astype(np.intp) - lo
        inside = (y >= 0) & (y < len(slot))
        k = np.where(inside, slot[np.where(inside, y, 0)], -1)
        cell = block.region.astype(np.intp) * n_u
        cell += block.unit
        first, last = int(k.min()), int(k.max())
        if first == last:  # a block of one year (panels sorted by year)
            if first >= 0:
                np.add.at(mats[first], cell, block.value)
        elif last - first <= MASKED_YEARS:
            for kk in range(max(first, 0), last + 1):
                sel = k == kk
                np.add.at(mats[kk], cell[sel], block.value[sel])
        else:
            order = np.argsort(k, kind="stable")
            k, cell, value = k[order], cell[order], block.value[order]
            first = max(first, 0)
            bounds = np.searchsorted(k, np.arange(first, last + 2))
            for kk in range(first, last + 1):
                a, b = bounds[kk - first], bounds[kk - first + 1]
                if b > a:
                    np.add.at(mats[kk], cell[a:b], value[a:b])
    return [m.reshape(n_r, n_u) for m in mats]


def year_matrices(
    frame: pd.DataFrame | Any,
    *,
    unit: str = "industry",
    value: str = "employment",
    years: list[int] | None = None,
    drop_empty: bool = True,
) -> Iterator[YearMatrix]:
    """Yield one :class:`YearMatrix` per year of a tidy panel, in year order.

    Parameters
    ----------
    frame:
        A pandas frame or a :class:`pyarrow.Table` with columns ``region``, ``unit``,
        ``year`` and ``value`` (Arrow dictionary columns, as Parquet readers give them, are
        used as they are: no conversion to pandas). Duplicate (region, unit, year) rows are
        summed (a cluster table with weighted industries gives one row per cell).
    unit:
        The column of the matrix columns (``industry`` or ``cluster``).
    value:
        The measure (default ``employment``). Missing values count 0; negative values are an
        :class:`InputError` naming the row.
    years:
        Only these years (default: all).
    drop_empty:
        Drop regions and units whose total in the year is 0 (the ``ecomplexity`` rule).

    Notes
    -----
    The rows are read in blocks of :data:`BLOCK_ROWS` and scattered into dense year matrices
    (all years in one pass while they have at most :data:`CUBE_LIMIT` cells together, else a
    group of years per pass). The only large allocations are the year matrices yielded, each
    its own array, which the consumer alone holds once yielded.

    Examples
    --------
    >>> df = pd.DataFrame({"region": ["A", "A", "B"], "industry": ["x", "y", "x"],
    ...                    "year": 2020, "employment": [1.0, 2.0, 3.0]})
    >>> m = next(year_matrices(df))
    >>> m.regions.tolist(), m.units.tolist(), m.values.tolist()
    (['A', 'B'], ['x', 'y'], [[1.0, 2.0], [3.0, 0.0]])
    """
    if isinstance(frame, pd.DataFrame):
        panel: _PandasPanel | _ArrowPanel = _PandasPanel(frame, unit, value)
    else:
        panel = _ArrowPanel(frame, unit, value)
    del frame  # the panel object holds what is needed
    present = _panel_years(panel)
    wanted = present if years is None else sorted({int(y) for y in years})
    for y in wanted:
        if y not in present:
            raise InputError(f"the panel has no year {y}", parameter="--year")
    r_labels, u_labels = panel.region_labels, panel.unit_labels
    n_r, n_u = len(r_labels), len(u_labels)
    per_pass = max(1, CUBE_LIMIT // max(1, n_r * n_u))
    groups = [wanted[i : i + per_pass] for i in range(0, len(wanted), per_pass)]
    for g, group in enumerate(groups):
        mats = _scatter_years(panel, group, n_r, n_u)
        if g == len(groups) - 1:
            del panel  # from here on only the matrices are needed (the caller may free the rows)
            _release_arrow_memory()
        for i, y in enumerate(group):
            x, mats[i] = mats[i], None  # the consumer alone holds a yielded year
            if drop_empty:
                rows = np.flatnonzero(x.sum(axis=1) > 0)
                cols = np.flatnonzero(x.sum(axis=0) > 0)
                if len(rows) < n_r or len(cols) < n_u:
                    x = x[np.ix_(rows, cols)]
            else:
                rows, cols = np.arange(n_r), np.arange(n_u)
            yield YearMatrix(int(y), r_labels[rows], u_labels[cols], x)
            del x


def long_frame(
    year: int, regions: np.ndarray, units: np.ndarray, unit: str, columns: dict[str, np.ndarray]
) -> pd.DataFrame:
    """A long ``region, <unit>, year, …`` frame from matrices (and row/column vectors).

    ``columns`` maps names to arrays of shape ``(R, U)`` (cells), ``(R,)`` (region values,
    repeated along the row) or ``(U,)`` (unit values, repeated down the column). ``region``
    and the unit column are categoricals.
    """
    n_r, n_u = len(regions), len(units)
    # categorical codes: no string per cell (the labels are stored once)
    out: dict[str, object] = {
        "region": pd.Categorical.from_codes(np.repeat(np.arange(n_r), n_u), categories=regions),
        unit: pd.Categorical.from_codes(np.tile(np.arange(n_u), n_r), categories=units),
        "year": np.full(n_r * n_u, year, dtype=np.int64),
    }
    for name, arr in columns.items():
        arr = np.asarray(arr)
        if arr.shape == (n_r, n_u):
            out[name] = arr.ravel()
        elif arr.shape == (n_r,):
            out[name] = np.repeat(arr, n_u)
        elif arr.shape == (n_u,):
            out[name] = np.tile(arr, n_r)
        else:
            raise ValueError(f"column {name}: shape {arr.shape} fits neither axis")
    return pd.DataFrame(out)
