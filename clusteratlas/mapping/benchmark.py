"""External benchmarks: cluster employment of a reference area (US, EU-27 ...) from a file.

A benchmark file has one row per cluster and year:

=============  ==========================================================================
``cluster``    cluster code, as in the definitions
``year``       integer year
``employment`` benchmark employment in the cluster (>= 0)
``cluster_type`` optional: ``traded`` / ``local`` / ``emerging`` for clusters that are not in
               the definitions (otherwise their type comes from the definitions)
=============  ==========================================================================

The benchmark *universe* totals used by the location quotient are sums over the file's
clusters of that universe, per year: the traded total sums the traded clusters, the local
total the local clusters. The all-industry total (the ``total`` LQ base, and emerging
clusters under the ``traded`` base) is the row with cluster ``*`` (e.g. total EU-27
employment, which also counts industries that belong to no cluster).

Universes that match
--------------------
An LQ compares a region's share with the benchmark's share, so both shares must be taken over
the same universe. A region's all-industry total counts every industry of the panel (or the
``total_industry`` rows); the benchmark's must count the same. Hence
(:func:`check_total_universe`):

* with a ``*`` row, the benchmark's total is that row;
* without one, the benchmark's total can only be the sum of its traded and local clusters, and
  that matches the regions' only when every panel industry lies wholly (weights summing to 1)
  in traded and local clusters and no ``total_industry`` is given. Otherwise the mapping
  refuses, naming the fix: add a ``*`` row per year.

So a benchmark equal to the sum of the regions (with its ``*`` row, or without one when the
panel holds only clustered industries) gives exactly the LQs of no benchmark at all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import ibis
import numpy as np
import pandas as pd

from clusteratlas.errors import InputError

TOTAL_ROW = "*"
REQUIRED = ("cluster", "year", "employment")
#: Cluster types whose members partition employment (their weights per industry sum to <= 1).
PARTITION_TYPES = ("traded", "local")
_TOLERANCE = 1e-9


def read_benchmark_file(path: str | Path) -> pd.DataFrame:
    """Read and check a benchmark file (CSV, optionally gzipped, or Parquet).

    Raises
    ------
    InputError
        Naming the file, line (1-based, header = line 1) and column of the first bad value:
        missing columns, a non-integer year, a missing, non-numeric or negative employment,
        a duplicate cluster × year.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("benchmark file not found", file=path, parameter="benchmark")
    try:
        if path.suffix.lower() == ".parquet":
            frame = pd.read_parquet(path)
            frame = frame.astype({c: "string" for c in ("cluster", "year") if c in frame})
        else:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the benchmark file ({exc})", file=path) from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    for col in REQUIRED:
        if col not in frame.columns:
            raise InputError("missing column in the benchmark file", file=path, column=col)

    def fail(index: int, column: str, message: str) -> InputError:
        return InputError(message, file=path, line=index + 2, column=column)

    cluster = frame["cluster"].astype(str).str.strip()
    for i in np.flatnonzero((cluster == "").to_numpy()):
        raise fail(int(i), "cluster", "empty cluster code")
    year_text = frame["year"].astype(str).str.strip()
    year = pd.to_numeric(year_text, errors="coerce")
    bad = year.isna() | (year != np.floor(year))
    for i in np.flatnonzero(bad.to_numpy()):
        raise fail(int(i), "year", f"year must be an integer, got {year_text.iloc[i]!r}")
    emp_text = frame["employment"].astype(str).str.strip()
    emp = pd.to_numeric(emp_text, errors="coerce")
    bad = emp.isna() | ~np.isfinite(emp.to_numpy(dtype=float, na_value=np.nan))
    for i in np.flatnonzero(bad.to_numpy()):
        raise fail(int(i), "employment", f"employment must be a number, got {emp_text.iloc[i]!r}")
    for i in np.flatnonzero((emp < 0).to_numpy()):
        raise fail(int(i), "employment", f"employment must not be negative, got {emp.iloc[i]}")
    out = pd.DataFrame(
        {"cluster": cluster, "year": year.astype("int64"), "employment": emp.astype(float)}
    )
    if "cluster_type" in frame.columns:
        out["cluster_type"] = frame["cluster_type"].astype(str).str.strip().replace("", None)
    dup = out.duplicated(["cluster", "year"], keep="first")
    for i in np.flatnonzero(dup.to_numpy()):
        raise fail(
            int(i),
            "cluster",
            f"duplicate row for cluster {out.cluster.iloc[i]!r}, year {out.year.iloc[i]}",
        )
    return out


def check_benchmark(
    benchmark: pd.DataFrame,
    cluster_types: dict[str, str],
    *,
    file: str | Path | None = None,
    years: list[int] | None = None,
) -> None:
    """Check that a benchmark covers the definitions' clusters (and ``years``, if given).

    Parameters
    ----------
    benchmark:
        Frame with ``cluster``, ``year``, ``employment`` (and optional ``cluster_type``).
    cluster_types:
        Cluster code -> cluster type, from the definitions.
    file:
        The benchmark file, to name in errors.
    years:
        Years the panel holds; each cluster must have a benchmark row for each of them.
    """
    where = {"file": file} if file is not None else {"parameter": "benchmark"}
    clusters = set(benchmark["cluster"].astype(str))
    missing = sorted(set(cluster_types) - clusters)
    if missing:
        shown = ", ".join(missing[:5]) + (" ..." if len(missing) > 5 else "")
        raise InputError(f"benchmark has no rows for cluster(s) {shown}", **where)
    typed = (
        set(benchmark.loc[benchmark["cluster_type"].notna(), "cluster"].astype(str))
        if "cluster_type" in benchmark.columns
        else set()
    )
    unknown = sorted(clusters - set(cluster_types) - typed - {TOTAL_ROW})
    if unknown:
        raise InputError(
            f"benchmark cluster {unknown[0]!r} is not in the definitions (add a cluster_type "
            "column to say which universe it belongs to, or drop the row)",
            **where,
        )
    if years:
        have = set(
            zip(benchmark["cluster"].astype(str), benchmark["year"].astype(int), strict=True)
        )
        for cluster in sorted(cluster_types):
            for year in sorted(years):
                if (cluster, int(year)) not in have:
                    raise InputError(
                        f"benchmark has no row for cluster {cluster!r} in year {year}", **where
                    )


def benchmark_tables(
    benchmark: ibis.Table, cluster_meta: ibis.Table
) -> tuple[ibis.Table, ibis.Table]:
    """Benchmark cluster totals and universe totals as Ibis tables.

    Returns
    -------
    ``(clusters, universes)``: ``clusters`` has ``cluster, year, bench_employment``;
    ``universes`` has ``year, bench_total, bench_traded, bench_local``.
    """
    b = benchmark
    if "cluster_type" in b.columns:
        b = b.rename(file_type="cluster_type")
    b = b.mutate(cluster=b.cluster.cast("string"), year=b.year.cast("int64"))
    meta = cluster_meta.select("cluster", def_type="cluster_type")
    j = b.left_join(meta, "cluster")
    kind = ibis.coalesce(j.def_type, j.file_type) if "file_type" in j.columns else j.def_type
    b = j.select("cluster", "year", employment=j.employment.cast("float64"), kind=kind)
    clusters = b.filter(b.cluster != TOTAL_ROW).select(
        "cluster", "year", bench_employment=b.employment
    )
    explicit = b.employment.max(where=b.cluster == TOTAL_ROW)
    summed = b.employment.sum(where=b.kind.isin(["traded", "local"]))
    universes = b.group_by("year").agg(
        bench_total=ibis.coalesce(explicit, summed),
        bench_traded=b.employment.sum(where=b.kind == "traded"),
        bench_local=b.employment.sum(where=b.kind == "local"),
    )
    return clusters, universes


def years_without_total_row(benchmark: pd.DataFrame) -> list[int]:
    """Years of a benchmark frame that have no ``*`` (all-industry total) row, sorted.

    Examples
    --------
    >>> b = pd.DataFrame({"cluster": ["A", "*", "A"], "year": [2020, 2020, 2021],
    ...                   "employment": [1.0, 9.0, 2.0]})
    >>> years_without_total_row(b)
    [2021]
    """
    years = benchmark["year"].astype(int)
    with_total = set(years[benchmark["cluster"].astype(str) == TOTAL_ROW])
    return sorted(set(years) - with_total)


def covered_industries(definitions: pd.DataFrame) -> set[str]:
    """Industries of the definitions wholly inside traded and local clusters.

    An industry is covered when its weights over traded and local clusters sum to 1: then the
    sum of a benchmark's traded and local clusters counts its employment exactly once.

    Examples
    --------
    >>> d = pd.DataFrame({"industry": ["a", "b", "c"], "cluster": ["T", "T", "E"],
    ...                   "cluster_type": ["traded", "traded", "emerging"],
    ...                   "weight": [1.0, 0.5, 1.0]})
    >>> sorted(covered_industries(d))
    ['a']
    """
    kind = definitions["cluster_type"].astype(str).str.strip().str.lower()
    weight = (
        pd.to_numeric(definitions["weight"], errors="coerce").fillna(1.0)
        if "weight" in definitions.columns
        else pd.Series(1.0, index=definitions.index)
    )
    industry = definitions["industry"].astype(str)
    covered = weight.where(kind.isin(PARTITION_TYPES), 0.0).groupby(industry).sum()
    return set(covered.index[covered >= 1 - _TOLERANCE])


def total_universe(
    benchmark: pd.DataFrame | None, cluster_types: Iterable[str], lq_base: str
) -> str:
    """How the benchmark's all-industry total is taken, in words (for provenance records).

    Examples
    --------
    >>> total_universe(None, ["traded"], "total")
    'sum of the regions of the same level'
    """
    if benchmark is None:
        return "sum of the regions of the same level"
    if not (lq_base == "total" or "emerging" in set(cluster_types)):
        return "not used (traded base, no emerging clusters)"
    if not years_without_total_row(benchmark):
        return f"the benchmark's '{TOTAL_ROW}' row"
    return "sum of the benchmark's traded and local clusters (every panel industry is in them)"


def check_total_universe(
    benchmark: pd.DataFrame,
    definitions: pd.DataFrame,
    panel_industries: Callable[[list[int]], Iterable[str]],
    *,
    lq_base: str,
    total_industry: str | None,
) -> None:
    """Check that the benchmark's all-industry total matches the regions'; say which it is.

    Parameters
    ----------
    benchmark:
        Benchmark frame (``cluster, year, employment``).
    definitions:
        ``industry, cluster, cluster_type`` and optionally ``weight``.
    panel_industries:
        Called with the years that lack a ``*`` row; returns the panel's industry codes in
        those years (called only when needed: it scans the panel).
    lq_base, total_industry:
        As in :func:`~clusteratlas.mapping.build.build_cluster_table`.

    Raises
    ------
    InputError
        (``parameter="benchmark"``) when a year without a ``*`` row needs the all-industry
        total and the sum of the benchmark's traded and local clusters cannot match the
        regions' totals; see the module docstring.
    """
    kinds = set(definitions["cluster_type"].astype(str).str.strip().str.lower())
    missing = years_without_total_row(benchmark)
    if not missing or not (lq_base == "total" or "emerging" in kinds):
        return
    fix = f"add a '{TOTAL_ROW}' row per year holding the benchmark's employment over all industries"
    if lq_base == "traded":
        fix += " (emerging clusters are measured against the all-industry total)"
    if total_industry is not None:
        raise InputError(
            f"the benchmark has no '{TOTAL_ROW}' row for {missing[0]}, but the regions' totals "
            f"come from the {total_industry!r} rows, which the benchmark's clusters cannot "
            f"match: {fix}",
            parameter="benchmark",
        )
    outside = sorted(set(map(str, panel_industries(missing))) - covered_industries(definitions))
    if outside:
        more = f" and {len(outside) - 1} more" if len(outside) > 1 else ""
        raise InputError(
            f"the benchmark has no '{TOTAL_ROW}' row for {missing[0]}, but the regions' totals "
            f"count industries outside the scheme's traded and local clusters "
            f"({outside[0]!r}{more}): {fix}",
            parameter="benchmark",
        )
