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
total the local clusters, and the all-industry total sums traded and local clusters
(emerging clusters overlap the others and are left out). A row with cluster ``*`` gives the
all-industry total explicitly instead (e.g. total EU-27 employment, which also counts
industries that belong to no cluster).
"""

from __future__ import annotations

from pathlib import Path

import ibis
import numpy as np
import pandas as pd

from clusteratlas.errors import InputError

TOTAL_ROW = "*"
REQUIRED = ("cluster", "year", "employment")


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
        raise InputError("benchmark file not found", file=path, parameter="--benchmark")
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
    where = {"file": file} if file is not None else {"parameter": "--benchmark"}
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
