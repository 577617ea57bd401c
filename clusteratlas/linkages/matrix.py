"""Tidy panels to dense region × unit matrices, one per year.

The linkage measures are matrix algebra on a region × industry (or region × cluster) matrix
``X`` of employment. :func:`year_matrices` builds those matrices from a tidy frame
(``region, <unit>, year, <value>``) without a pandas pivot: codes are factorised once and the
values scattered with :func:`numpy.bincount`, so a panel of millions of rows costs a few
hundred milliseconds and no more memory than the matrices themselves.

Conventions (those of ``ecomplexity``): missing cells are 0; regions and units whose total in a
year is 0 are dropped from that year's matrix (they have no RCA), and reported as such.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from clusteratlas.errors import InputError

#: Panels with at most this many region × unit × year cells are scattered into one dense
#: year cube in a single pass (8 bytes a cell: 50 M cells = 400 MB); larger ones year by year.
CUBE_LIMIT = 50_000_000


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


def _codes(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    if isinstance(values.dtype, pd.CategoricalDtype):
        labels = np.asarray(values.cat.categories.astype(str))
        order = np.argsort(labels, kind="stable")
        rank = np.empty(len(labels), dtype=np.int32)
        rank[order] = np.arange(len(labels))
        codes = np.asarray(values.array.codes)
        if (codes < 0).any():
            raise InputError("missing region or unit code", column=str(values.name))
        return rank[codes], labels[order]  # labels sorted, as for other dtypes
    codes, uniques = pd.factorize(values.astype(str), sort=True)
    return codes, np.asarray(uniques, dtype=object).astype(str)


def year_matrices(
    frame: pd.DataFrame,
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
        Columns ``region``, ``unit``, ``year`` and ``value``. Duplicate (region, unit, year)
        rows are summed (a cluster table with weighted industries gives one row per cell).
    unit:
        The column of the matrix columns (``industry`` or ``cluster``).
    value:
        The measure (default ``employment``). Negative values are an :class:`InputError`.
    years:
        Only these years (default: all).
    drop_empty:
        Drop regions and units whose total in the year is 0 (the ``ecomplexity`` rule).

    Examples
    --------
    >>> df = pd.DataFrame({"region": ["A", "A", "B"], "industry": ["x", "y", "x"],
    ...                    "year": 2020, "employment": [1.0, 2.0, 3.0]})
    >>> m = next(year_matrices(df))
    >>> m.regions.tolist(), m.units.tolist(), m.values.tolist()
    (['A', 'B'], ['x', 'y'], [[1.0, 2.0], [3.0, 0.0]])
    """
    check_columns(frame, ["region", unit, "year", value])
    col = frame[value]
    if col.dtype.kind in "iuf":
        vals = col.to_numpy(dtype=float, copy=False)
    else:
        vals = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float)
    if np.isnan(vals).any():
        vals = np.nan_to_num(vals, nan=0.0)
    if (vals < 0).any():
        row = int(np.argmax(vals < 0))
        raise InputError(f"negative {value} in row {row + 1}", column=value)
    r_codes, r_labels = _codes(frame["region"])
    u_codes, u_labels = _codes(frame[unit])
    year_col = frame["year"].to_numpy()
    wanted = sorted(set(int(y) for y in pd.unique(year_col))) if years is None else years
    present = set(int(y) for y in pd.unique(year_col))
    for y in wanted:
        if y not in present:
            raise InputError(f"the panel has no year {y}", parameter="--year")
    n_r, n_u = len(r_labels), len(u_labels)
    cells = n_r * n_u
    if cells * len(wanted) <= CUBE_LIMIT:  # one scatter of every row into a year cube
        yrs = np.asarray(wanted, dtype=np.int64)
        flat = np.searchsorted(yrs, year_col)
        keep = (flat < len(yrs)) & (yrs[np.minimum(flat, len(yrs) - 1)] == year_col)
        # cell index (year * R + region) * U + unit; int32 when it fits (half the memory)
        flat = flat.astype(np.int32 if len(yrs) * cells < 2**31 else np.int64, copy=False)
        if not keep.all():
            flat, r_codes, u_codes, vals = flat[keep], r_codes[keep], u_codes[keep], vals[keep]
        flat *= n_r  # in place
        flat += r_codes
        flat *= n_u
        flat += u_codes
        cube = np.bincount(flat, weights=vals, minlength=len(wanted) * cells)
        # from here on only the cube is needed: free the row-level arrays (and the frame)
        del flat, keep, vals, r_codes, u_codes, year_col, frame, col
        slices = (cube[k * cells : (k + 1) * cells].reshape(n_r, n_u) for k in range(len(wanted)))
    else:
        slices = (_scatter(year_col == y, r_codes, u_codes, vals, n_r, n_u) for y in wanted)
    for y, x in zip(wanted, slices, strict=True):
        if drop_empty:
            rows = np.flatnonzero(x.sum(axis=1) > 0)
            cols = np.flatnonzero(x.sum(axis=0) > 0)
            if len(rows) < n_r or len(cols) < n_u:
                x = x[np.ix_(rows, cols)]
        else:
            rows, cols = np.arange(n_r), np.arange(n_u)
        yield YearMatrix(int(y), r_labels[rows], u_labels[cols], x)


def _scatter(mask, r_codes, u_codes, vals, n_r: int, n_u: int) -> np.ndarray:
    flat = r_codes[mask].astype(np.int64) * n_u + u_codes[mask]
    return np.bincount(flat, weights=vals[mask], minlength=n_r * n_u).reshape(n_r, n_u)


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
