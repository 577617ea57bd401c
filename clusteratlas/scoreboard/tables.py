"""Scoreboard input and output tables: strict CSV readers and atomic writers.

Input formats (header required, extra columns ignored, gzip accepted):

* data: ``region, year, indicator, value`` — one row per key; an empty value (or ``NA``,
  ``:``) is a missing value, never zero;
* denominators: ``region, year, denominator, value``;
* groups: ``region, group`` (for group-wise imputation);
* structure: ``region`` plus numeric columns (structural variables for default peers).

Every problem is an :class:`~clusteratlas.errors.InputError` naming the file, the line
(header = line 1) and the column.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from clusteratlas.errors import InputError
from clusteratlas.fileio import sha256_file, write_frame_atomic

MISSING = {"", "NA", "N/A", "NaN", "nan", "null", "NULL", ":"}
DATA_COLUMNS = ("region", "year", "indicator", "value")
DENOMINATOR_COLUMNS = ("region", "year", "denominator", "value")
GROUP_COLUMNS = ("region", "group")


def _read_text_table(path: str | Path, required: Sequence[str]) -> pd.DataFrame:
    path = Path(path)
    if not path.is_file():
        raise InputError("file not found", file=path)
    try:
        frame = pd.read_csv(
            path, dtype=str, keep_default_na=False, na_filter=False, skipinitialspace=True
        )
    except pd.errors.EmptyDataError:
        raise InputError("file is empty (a header line is required)", file=path) from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot parse as CSV ({str(exc).splitlines()[0]})", file=path) from None
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise InputError(
            f"missing column(s) {', '.join(missing)}; found {', '.join(frame.columns)}",
            file=path,
            line=1,
        )
    for c in required:
        frame[c] = frame[c].astype(str).str.strip()
    return frame


def _numbers(frame: pd.DataFrame, column: str, path: Path, *, allow_missing: bool) -> np.ndarray:
    text = frame[column]
    missing = text.isin(MISSING)
    values = pd.to_numeric(text.where(~missing, None), errors="coerce").to_numpy(dtype=float)
    bad = ~missing.to_numpy() & ~np.isfinite(values)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(f"not a number: {text.iloc[i]!r}", file=path, line=i + 2, column=column)
    if not allow_missing and missing.any():
        i = int(np.flatnonzero(missing.to_numpy())[0])
        raise InputError("value is required", file=path, line=i + 2, column=column)
    return values


def _years(frame: pd.DataFrame, path: Path) -> np.ndarray:
    years = _numbers(frame, "year", path, allow_missing=False)
    frac = years != np.round(years)
    if frac.any():
        i = int(np.flatnonzero(frac)[0])
        raise InputError(
            f"year must be an integer, got {frame['year'].iloc[i]!r}",
            file=path,
            line=i + 2,
            column="year",
        )
    return years.astype(int)


def _no_empty(frame: pd.DataFrame, columns: Sequence[str], path: Path) -> None:
    for c in columns:
        empty = frame[c].isin(MISSING).to_numpy()
        if empty.any():
            i = int(np.flatnonzero(empty)[0])
            raise InputError("value is required", file=path, line=i + 2, column=c)


def _no_duplicates(frame: pd.DataFrame, key: Sequence[str], path: Path) -> None:
    dup = frame.duplicated(list(key), keep=False).to_numpy()
    if dup.any():
        lines = (np.flatnonzero(dup) + 2)[:2]
        first = frame.iloc[int(lines[0]) - 2]
        what = ", ".join(f"{k}={first[k]}" for k in key)
        raise InputError(
            f"duplicate key ({what}) on lines {lines[0]} and {lines[1]}",
            file=path,
            line=int(lines[1]),
        )


def read_long_table(path: str | Path, key_column: str) -> pd.DataFrame:
    """Read a ``region, year, <key_column>, value`` file (data or denominators).

    Returns a frame with exactly these four columns (``year`` int, ``value`` float, NaN for
    missing) in file order.
    """
    path = Path(path)
    cols = ("region", "year", key_column, "value")
    return _long_table(_read_text_table(path, cols), key_column, path)


def _text_frame(frame: pd.DataFrame, required: Sequence[str], label: str) -> pd.DataFrame:
    """A caller's DataFrame as the text table a file would give (NaN/None → empty)."""
    if not isinstance(frame, pd.DataFrame):
        raise InputError(f"expected a DataFrame, got {type(frame).__name__}", parameter=label)
    out = frame.reset_index(drop=True).copy()
    out.columns = [str(c).strip().lower() for c in out.columns]
    missing = [c for c in required if c not in out.columns]
    if missing:
        raise InputError(
            f"missing column(s) {', '.join(missing)}; found {', '.join(out.columns)}",
            parameter=label,
        )
    for c in out.columns:
        col = out[c]
        out[c] = col.astype(object).where(col.notna(), "").map(str).str.strip()
    return out


def long_frame(frame: pd.DataFrame, key_column: str, label: str) -> pd.DataFrame:
    """A caller's ``region, year, <key_column>, value`` DataFrame, checked like the file.

    Errors name ``label`` (the Python parameter, e.g. ``data``) and the CSV line the row
    would have (row 0 = line 2, as with a header line).
    """
    cols = ("region", "year", key_column, "value")
    return _long_table(_text_frame(frame, cols, label), key_column, Path(label))


def _long_table(frame: pd.DataFrame, key_column: str, path: Path) -> pd.DataFrame:
    _no_empty(frame, ("region", key_column), path)
    out = pd.DataFrame(
        {
            "region": frame["region"].to_numpy(dtype=object),
            "year": _years(frame, path),
            key_column: frame[key_column].to_numpy(dtype=object),
            "value": _numbers(frame, "value", path, allow_missing=True),
        }
    )
    _no_duplicates(out, ("region", "year", key_column), path)
    return out


def read_data_csv(path: str | Path) -> pd.DataFrame:
    """Indicator data ``region, year, indicator, value`` (see module docs)."""
    return read_long_table(path, "indicator")


def read_denominators_csv(path: str | Path) -> pd.DataFrame:
    """Denominators ``region, year, denominator, value``."""
    return read_long_table(path, "denominator")


def read_groups_csv(path: str | Path) -> pd.Series:
    """Groups ``region, group`` → a Series indexed by region (one group per region)."""
    path = Path(path)
    return _groups(_read_text_table(path, GROUP_COLUMNS), path)


def _groups(frame: pd.DataFrame, path: Path) -> pd.Series:
    _no_empty(frame, GROUP_COLUMNS, path)
    _no_duplicates(frame, ("region",), path)
    return pd.Series(
        frame["group"].to_numpy(dtype=object),
        index=frame["region"].to_numpy(dtype=object),
        name="group",
    )


def read_structure_csv(path: str | Path) -> pd.DataFrame:
    """Structural variables: ``region`` plus numeric columns → frame indexed by region."""
    path = Path(path)
    frame = _read_text_table(path, ("region",))
    _no_empty(frame, ("region",), path)
    _no_duplicates(frame, ("region",), path)
    out = pd.DataFrame(index=pd.Index(frame["region"].to_numpy(dtype=object), name="region"))
    for c in frame.columns:
        if c != "region":
            out[c] = _numbers(frame, c, path, allow_missing=True)
    if out.shape[1] == 0:
        raise InputError("needs at least one numeric column besides region", file=path, line=1)
    return out


def parse_region_list(text: str | None, parameter: str, limit: int | None = None) -> list[str]:
    """``"R1,R2"`` → ``['R1', 'R2']``; more than ``limit`` codes is an error."""
    if not text:
        return []
    codes = [c.strip() for c in text.split(",") if c.strip()]
    if limit is not None and len(codes) > limit:
        raise InputError(f"at most {limit} regions allowed, got {len(codes)}", parameter=parameter)
    if len(set(codes)) != len(codes):
        raise InputError("a region is listed twice", parameter=parameter)
    return codes


# -- writing ---------------------------------------------------------------------------------
def write_csv_atomic(frame: pd.DataFrame, path: str | Path) -> None:
    """Write a CSV through a temporary file and ``os.replace`` (never half-written)."""
    write_frame_atomic(frame, path, "csv", float_format="%.10g")


def provenance_path(out: str | Path) -> Path:
    """The sidecar of an output file: ``scores.csv`` → ``scores.csv.provenance.json`` (the one
    sidecar name of :mod:`clusteratlas.store.provenance`; earlier releases wrote
    ``scores.provenance.json``, which :func:`~clusteratlas.store.provenance.read_provenance`
    still reads)."""
    from clusteratlas.store.provenance import sidecar_path

    return sidecar_path(out)


@dataclass
class ScoreboardData:
    """Inputs of a run: long indicator values plus optional denominators and groups."""

    values: pd.DataFrame
    denominators: pd.DataFrame | None = None
    groups: pd.Series | None = None
    inputs: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def from_files(
        cls,
        data: str | Path,
        denominators: str | Path | None = None,
        groups: str | Path | None = None,
    ) -> ScoreboardData:
        """Read the CSV inputs (strictly; see :mod:`.tables`) and note their sha256."""
        values = read_data_csv(data)
        inputs = {"data": {"path": str(data), "sha256": sha256_file(data), "rows": len(values)}}
        den = grp = None
        if denominators is not None:
            den = read_denominators_csv(denominators)
            inputs["denominators"] = {
                "path": str(denominators),
                "sha256": sha256_file(denominators),
            }
        if groups is not None:
            grp = read_groups_csv(groups)
            inputs["groups"] = {"path": str(groups), "sha256": sha256_file(groups)}
        return cls(values, den, grp, inputs)

    @property
    def label(self) -> str:
        return self.inputs.get("data", {}).get("path", "data")


def scoreboard_data(
    data: str | Path | pd.DataFrame,
    denominators: str | Path | pd.DataFrame | None = None,
    groups: str | Path | pd.DataFrame | pd.Series | None = None,
) -> ScoreboardData:
    """:class:`ScoreboardData` from paths (:meth:`ScoreboardData.from_files`) or DataFrames.

    Frames are checked exactly as files are (columns, numbers, empty keys, duplicates);
    their provenance entry says ``DataFrame`` with the row count (no path, no sha256).

    >>> sd = scoreboard_data(pd.DataFrame({"region": ["A"], "year": [2020],
    ...                                    "indicator": ["x"], "value": [1.5]}))
    >>> sd.values.to_dict("records")
    [{'region': 'A', 'year': 2020, 'indicator': 'x', 'value': 1.5}]
    """
    frames = [isinstance(x, pd.DataFrame | pd.Series) for x in (data, denominators, groups)]
    if not any(frames):
        return ScoreboardData.from_files(data, denominators, groups)
    inputs: dict[str, dict[str, Any]] = {}

    def one(value: Any, key: str, label: str) -> pd.DataFrame:
        if isinstance(value, pd.DataFrame):
            table = long_frame(value, key, label)
            inputs[label] = {"path": None, "kind": "DataFrame", "rows": len(table)}
            return table
        table = read_long_table(value, key)
        inputs[label] = {"path": str(value), "sha256": sha256_file(value), "rows": len(table)}
        return table

    values = one(data, "indicator", "data")
    den = one(denominators, "denominator", "denominators") if denominators is not None else None
    grp = None
    if isinstance(groups, pd.Series):
        groups = groups.rename("group").rename_axis("region").reset_index()
    if isinstance(groups, pd.DataFrame):
        grp = _groups(_text_frame(groups, GROUP_COLUMNS, "groups"), Path("groups"))
        inputs["groups"] = {"path": None, "kind": "DataFrame", "rows": len(grp)}
    elif groups is not None:
        grp = read_groups_csv(groups)
        inputs["groups"] = {"path": str(groups), "sha256": sha256_file(groups)}
    return ScoreboardData(values, den, grp, inputs)
