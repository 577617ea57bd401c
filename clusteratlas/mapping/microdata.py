"""Establishment microdata: records aggregated into a panel on the engine.

A microdata file has one row per establishment (or per establishment × year)::

    region, industry, year, employment[, establishment_id][, payroll]

:func:`aggregate_establishments` turns it into the region × industry × year panel of
cluster mapping, inside the engine (DuckDB or Spark), so that hundreds of millions of records
never reach the driver:

.. math:: E_{r,i,t} = \\sum_{e} emp_e, \\quad W_{r,i,t} = \\sum_e payroll_e, \\quad
          N_{r,i,t} = |\\{ id_e \\}|

where the sums run over the records of region ``r``, industry ``i`` and year ``t``, and ``N``
counts *distinct* establishment ids (an establishment listed twice — two records, two
units of one plant — counts once; records without an id are not counted). Without an
``establishment_id`` column every record is one establishment (``N`` = number of records).
Unknown (NULL) employment or payroll adds nothing; a cell whose records are all unknown is
NULL. This is how the U.S. County Business Patterns and Eurostat's SBS count local units.

A file is microdata when ``--microdata`` says so, or (automatically) when it has an
``establishment_id`` column. Panels have unique region × industry × year keys, microdata
need not.

Example: two records of establishment 7 in region A, industry 01, 2020 (10 and 5 jobs) and
one of establishment 9 (3 jobs) give ``employment = 18``, ``establishments = 2``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ibis

from clusteratlas.engine import (
    is_parquet_folder,
    read_csv_text,
    read_parquet,
    with_memory_fallback,
)
from clusteratlas.errors import InputError
from clusteratlas.sources.files import MISSING_MARKERS, panel_format

REQUIRED = ("region", "industry", "year", "employment")
OPTIONAL_NUMBERS = ("payroll",)
ID_COLUMN = "establishment_id"


def is_microdata(columns: list[str] | tuple[str, ...]) -> bool:
    """Whether columns look like establishment records (an ``establishment_id`` column).

    >>> is_microdata(["region", "industry", "year", "employment", "establishment_id"])
    True
    """
    return ID_COLUMN in {c.strip().lower() for c in columns}


def aggregate_establishments(records: ibis.Table) -> ibis.Table:
    """The panel of establishment records (module docstring), as an Ibis expression.

    ``records`` has ``region, industry, year, employment`` and optionally
    ``establishment_id`` and ``payroll``. Returns ``region, industry, year, employment,
    establishments, payroll`` (``payroll`` NULL when the records have none).
    """
    cols = set(records.columns)
    aggs: dict[str, Any] = {"employment": records.employment.cast("float64").sum()}
    if ID_COLUMN in cols:
        aggs["establishments"] = records[ID_COLUMN].nunique().cast("float64")
    else:
        aggs["establishments"] = records.count().cast("float64")
    if "payroll" in cols:
        aggs["payroll"] = records.payroll.cast("float64").sum()
    panel = records.group_by("region", "industry", "year").aggregate(**aggs)
    if "payroll" not in cols:
        panel = panel.mutate(payroll=ibis.null("float64"))
    return panel.select("region", "industry", "year", "employment", "establishments", "payroll")


def _raw(path: Path, backend: Any) -> ibis.Table:
    if is_parquet_folder(path) or panel_format(path) == "parquet":
        return read_parquet(backend, path)
    from clusteratlas.mapping.panel_file import _csv_header

    header = _csv_header(path)
    if header is None:
        raise InputError("cannot read the header of the establishment records", file=path)
    numeric = [c for c in header if c.lower() in ("employment", *OPTIONAL_NUMBERS)]
    return read_csv_text(backend, path, null_markers=MISSING_MARKERS, numeric=numeric)


def microdata_columns(path: str | Path, backend: Any) -> list[str]:
    """Column names of a file (read by the engine, nothing but the schema)."""
    return [c for c in _raw(Path(path), backend).columns if c != "_unparsed"]


def open_microdata_file(path: str | Path, backend: Any) -> tuple[ibis.Table, list[str]]:
    """Establishment records of a CSV/Parquet file or Parquet folder, checked and aggregated
    on ``backend``: ``(panel, industries)``.

    One aggregate query checks the records; a problem is an :class:`InputError` naming the
    file and column (missing column, a type that is not a number, text in a number column,
    negative or infinite values, empty codes, years that are not 4-digit numbers) and how
    many records have it.
    """
    path = Path(path)
    if not (path.is_file() or path.is_dir()):
        raise InputError("no such file", file=path)
    try:
        raw = _raw(path, backend)
    except InputError:
        raise
    except Exception as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else ""
        raise InputError(f"the engine cannot read it: {first}", file=path) from None
    names = {c.strip().lower(): c for c in raw.columns}
    for col in REQUIRED:
        if col not in names:
            raise InputError("missing column in the establishment records", column=col, file=path)
    fields: dict[str, Any] = {}
    for key in ("region", "industry"):
        fields[key] = raw[names[key]].cast("string")
    from clusteratlas.mapping.panel_file import _year

    fields["year"], bad_year = _year(raw[names["year"]])
    checks: dict[str, Any] = {
        "rows": raw.count(),
        "year": bad_year.cast("int64").sum(),
        "region": fields["region"].isnull().cast("int64").sum(),
        "industry": fields["industry"].isnull().cast("int64").sum(),
    }
    if "_unparsed" in raw.columns:
        checks["unparsed"] = raw._unparsed.cast("int64").sum()
    for col in ("employment", *OPTIONAL_NUMBERS):
        if col not in names:
            continue
        value = raw[names[col]]
        if not value.type().is_numeric() or value.type().is_boolean():
            raise InputError(f"must hold numbers, found type {value.type()}", column=col, file=path)
        value = value.cast("float64")
        fields[col] = value
        checks[col] = ((value < 0) | value.isinf() | value.isnan()).fill_null(False)
        checks[col] = checks[col].cast("int64").sum()
    if ID_COLUMN in names:
        fields[ID_COLUMN] = raw[names[ID_COLUMN]]
    checks["industries"] = fields["industry"].collect(distinct=True)
    records = raw.select(**fields)
    panel = aggregate_establishments(records)
    summary = raw.aggregate(**checks)
    try:
        found = with_memory_fallback(
            backend, summary.to_pyarrow, "the microdata checks"
        ).to_pylist()[0]
    except Exception as error:  # DuckDB's CSV reader fails on a cell that is not a number
        text = str(error).strip()
        first = text.splitlines()[0][:200] if text else type(error).__name__
        raise InputError(
            f"records have text where a number belongs, or the file is malformed ({first})",
            file=path,
        ) from None
    if not found["rows"]:
        raise InputError("no establishment records", file=path)
    if found.get("unparsed"):
        numbers = [c for c in ("employment", *OPTIONAL_NUMBERS) if c in names]
        raise InputError(
            f"{found['unparsed']:,} records have text where a number belongs "
            f"(in {' or '.join(numbers)})",
            file=path,
        )
    for col, what in (
        ("region", "an empty region code"),
        ("industry", "an empty industry code"),
        ("year", "a year that is not a 4-digit number"),
        ("employment", "a negative, infinite or NaN employment"),
        ("payroll", "a negative, infinite or NaN payroll"),
    ):
        if found.get(col):
            raise InputError(f"{found[col]:,} records have {what}", column=col, file=path)
    return panel, [str(i) for i in found["industries"]]
