"""Cluster tables written by the engine: :func:`map_panel_to_parquet`.

For panels too large to collect (hundreds of millions of records, on Spark or on DuckDB
with a small memory budget), the engine streams the cluster table into Parquet itself; the
driver only sees a few counts (:func:`summarise`), read back from the written file.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import ibis
import pandas as pd

from clusteratlas.engine import (
    as_backend,
    is_out_of_memory,
    read_parquet,
    with_memory_fallback,
    write_parquet,
)
from clusteratlas.fileio import write_text_atomic
from clusteratlas.mapping.api import Status, _benchmark_gap, _expression, _prepare, _quiet, _record
from clusteratlas.mapping.strength import Thresholds


def map_panel_to_parquet(
    panel: pd.DataFrame | ibis.Table | str | Path,
    definitions: pd.DataFrame | str | Path,
    out: str | Path,
    *,
    year: int | Sequence[int] | None = None,
    lq_base: str = "total",
    benchmark: pd.DataFrame | str | Path | None = None,
    thresholds: Thresholds | None = None,
    level: str | None = None,
    total_industry: str | None = None,
    microdata: bool | None = None,
    backend: Any = None,
    status: Status | None = None,
) -> dict[str, Any]:
    """Map clusters like :func:`map_panel`, but let the engine write the table to ``out``.

    Nothing is collected on the driver: the engine streams the cluster table into Parquet
    (DuckDB: one file; Spark: a folder of part files, or a ``s3://``/``hdfs://`` URI),
    written under a temporary name and moved into place when complete, with an
    ``OUT.provenance.json`` sidecar. Returns the provenance record, with ``rows`` and a
    ``summary`` (cells, regions, clusters, years, strong and star counts) read back from the
    written file by the engine.
    """
    status = status or _quiet
    thresholds = thresholds or Thresholds()
    backend = as_backend(backend)
    table, defs, bench, bench_file, inputs, options = _prepare(
        panel,
        definitions,
        year=year,
        lq_base=lq_base,
        benchmark=benchmark,
        level=level,
        total_industry=total_industry,
        microdata=microdata,
        backend=backend,
        status=status,
    )
    out_path = Path(out)
    staged = out_path.with_name(f".{out_path.name}.staged")
    status(f"computing indicators into {out}")

    def write(stage_dir: Path | None) -> None:
        expr = _expression(
            table, defs, bench, bench_file, options, thresholds, backend, stage_dir=stage_dir
        )
        write_parquet(backend, expr, staged)

    plan = "in memory"
    try:
        try:
            write(None)  # in memory: the fast plan, when the cluster table fits the budget
        except Exception as error:
            if not (is_out_of_memory(error) and backend.name == "duckdb"):
                raise
            # out of core: the intermediate tables go to Parquet beside the output and the
            # percentiles come from sorts, so that DuckDB spills instead of running out
            _remove(staged)
            plan = "out of core (intermediate tables staged to Parquet, percentiles from sorts)"
            status("the cluster table is larger than the memory budget: mapping out of core")
            stage_dir = Path(
                tempfile.mkdtemp(prefix=f".{out_path.name}.stage-", dir=out_path.parent)
            )
            try:
                with_memory_fallback(backend, lambda: write(stage_dir), "writing the cluster table")
            finally:
                _remove(stage_dir)
    except BaseException:
        _remove(staged)
        raise
    try:
        written = read_parquet(backend, staged)
        if bench is not None:
            gap = written.filter(written.benchmark_employment.isnull()).limit(1).to_pandas()
            if len(gap):
                raise _benchmark_gap(gap.iloc[0], bench_file)
        summary = summarise(written)
        record = _record(inputs, options, thresholds)
        record["output"] = {
            "path": str(out_path),
            "format": "parquet",
            "engine": options["engine"],
            "plan": plan,
        }
        record["rows"] = summary["cells"]
        record["columns"] = list(written.columns)
        record["summary"] = summary
        sidecar = out_path.with_name(out_path.name + ".provenance.json")
        write_parquet_move(staged, out_path)
        write_text_atomic(json.dumps(record, indent=2, default=str) + "\n", sidecar)
    finally:
        _remove(staged)
    return record


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def write_parquet_move(staged: Path, target: Path) -> None:
    """Move a staged Parquet file or folder onto ``target`` (replacing what was there)."""
    if target.is_dir():
        _remove(target)
    elif target.exists() and staged.is_dir():
        target.unlink()
    os.replace(staged, target)


def summarise(cluster_table: ibis.Table) -> dict[str, Any]:
    """Counts of a cluster table, computed by its engine: cells, regions, clusters, years,
    strong and strong10 cells, and cells with 1, 2 and 3 stars."""
    t = cluster_table
    row = t.aggregate(
        cells=t.count(),
        regions=t.region.nunique(),
        clusters=t.cluster.nunique(),
        first_year=t.year.min(),
        last_year=t.year.max(),
        strong=t.strong.cast("int64").sum(),
        strong10=t.strong10.cast("int64").sum(),
        stars1=(t.stars == 1).cast("int64").sum(),
        stars2=(t.stars == 2).cast("int64").sum(),
        stars3=(t.stars == 3).cast("int64").sum(),
    ).to_pyarrow()
    return {k: (v if v is not None else 0) for k, v in row.to_pylist()[0].items()}
