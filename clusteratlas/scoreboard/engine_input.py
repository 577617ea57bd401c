"""Scoreboard input files read by the engine (DuckDB or Spark), with the strict readers' checks.

The relational part of a scoreboard is small and sits at its start: reading the long tables
``--data`` (``region, year, indicator, value``), ``--denominators`` (``region, year,
denominator, value``) and ``--groups`` (``region, group``), keeping the framework's
indicators, and the key checks (no empty codes, numbers, integer years, one row per key).
:func:`read_inputs` lets the engine read each CSV file and keep only the framework's
indicators; only the region × year × indicator rows the pipeline scores are collected. The
pipeline itself (screening, denomination, imputation, treatment, normalisation, weights,
aggregation, Monte Carlo) is numpy/pandas on that small table: it is column statistics and
matrix arithmetic over regions, with no join or grouping a database would do better.

The engine reads every cell as text; the collected text goes through the same checks as the
strict pandas readers of :mod:`clusteratlas.scoreboard.tables` (same numbers, bit for bit, on
every engine). At the slightest doubt — the engine cannot read the file, a check fails, an
indicator is not in the framework — the file goes to the strict reader, so the error the
user sees is exactly its one-line InputError with file, line and column, whatever the engine
(Spark does not keep the file's line order, so no line number is ever taken from it).
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from typing import Any

import pandas as pd

from clusteratlas.engine import as_backend, engine_of, read_csv_text, with_memory_fallback
from clusteratlas.errors import InputError
from clusteratlas.fileio import sha256_file
from clusteratlas.scoreboard import tables
from clusteratlas.scoreboard.tables import GROUP_COLUMNS, ScoreboardData


def _engine_text(
    backend: Any, path: Path, columns: tuple[str, ...], key: str | None, keep: Collection[str]
) -> pd.DataFrame | None:
    """The ``columns`` of a CSV file as stripped text (``""`` for empty cells), read by the
    engine; ``None`` when the engine cannot read it as such. With ``key``: only the rows
    whose ``key`` is in ``keep``, plus one other row if there is any (one query)."""
    if not path.is_file():
        return None
    try:
        raw = read_csv_text(backend, path, null_markers=frozenset({""}), numeric=[])
        names = {str(c).strip().lower(): c for c in raw.columns if c != "_unparsed"}
        if len(names) != len(raw.columns) - 1 or any(c not in names for c in columns):
            return None
        t = raw.select(**{c: raw[names[c]] for c in columns})
        if key is not None:  # the rows to keep, and one of the others if there are any
            known = t[key].strip().isin(sorted(keep))
            t = t.filter(known).union(t.filter(~known | t[key].isnull()).limit(1), distinct=False)
        frame = with_memory_fallback(backend, lambda: backend.to_pandas(t))
    except Exception:  # the engine could not read it: the strict reader explains
        return None
    for c in columns:
        col = frame[c]
        frame[c] = col.astype(object).where(col.notna(), "").map(str).str.strip()
    return frame


def read_long(
    backend: Any,
    path: str | Path,
    key_column: str,
    keep: Collection[str] | None = None,
    *,
    drop_others: bool = False,
) -> pd.DataFrame:
    """A ``region, year, <key_column>, value`` file read by the engine, checked like
    :func:`~.tables.read_long_table`, whose one-line error a bad file gets.

    With ``keep``, the engine keeps only the rows whose key is in it. When the file has
    others, they are dropped with ``drop_others``; otherwise the whole file is read by the
    strict reader (in its line order), for the caller to refuse them with their line.
    """
    path = Path(path)
    cols = ("region", "year", key_column, "value")
    key = key_column if keep is not None else None
    frame = _engine_text(backend, path, cols, key, keep or ())
    if frame is not None and keep is not None:
        others = ~frame[key_column].isin(set(keep))
        if drop_others:
            frame = frame[~others].reset_index(drop=True)
        elif others.any():
            frame = None
    if frame is not None:
        try:
            return tables._long_table(frame, key_column, path)
        except InputError:  # the strict reader names the right line
            pass
    return tables.read_long_table(path, key_column)


def read_groups(backend: Any, path: str | Path) -> pd.Series:
    """A ``region, group`` file read by the engine, checked like
    :func:`~.tables.read_groups_csv`."""
    path = Path(path)
    frame = _engine_text(backend, path, GROUP_COLUMNS, None, ())
    if frame is not None:
        try:
            return tables._groups(frame, path)
        except InputError:
            pass
    return tables.read_groups_csv(path)


def read_inputs(
    data: str | Path,
    denominators: str | Path | None = None,
    groups: str | Path | None = None,
    *,
    backend: Any,
    indicators: Collection[str] | None = None,
    unknown_indicators: str = "error",
) -> ScoreboardData:
    """:class:`~.tables.ScoreboardData` of input files read by ``backend`` (an Ibis backend,
    a SparkSession or an engine name, :func:`clusteratlas.engine.as_backend`).

    ``indicators``: the framework's indicator codes; the engine keeps only their rows. Rows
    of other indicators are dropped there with ``unknown_indicators="ignore"`` (what the
    pipeline would do); with ``"error"`` the data file is then read by the strict reader, so
    that the pipeline's *unknown indicator* error names the file's line. The provenance
    entries are those of :meth:`~.tables.ScoreboardData.from_files`.
    """
    backend = as_backend(backend)
    data = Path(data)
    drop = unknown_indicators == "ignore"
    values = read_long(backend, data, "indicator", keep=indicators, drop_others=drop)
    inputs: dict[str, dict[str, Any]] = {
        "data": {
            "path": str(data),
            "sha256": sha256_file(data),
            "rows": len(values),
            "engine": engine_of(backend),
        }
    }
    den = grp = None
    if denominators is not None:
        den = read_long(backend, denominators, "denominator")
        inputs["denominators"] = {
            "path": str(denominators),
            "sha256": sha256_file(denominators),
        }
    if groups is not None:
        grp = read_groups(backend, groups)
        inputs["groups"] = {"path": str(groups), "sha256": sha256_file(groups)}
    return ScoreboardData(values, den, grp, inputs)
