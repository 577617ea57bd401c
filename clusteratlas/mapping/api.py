"""The Python API of cluster mapping: :func:`map_panel` and :func:`map_store`.

Both return a pandas DataFrame — the cluster table of
:func:`~clusteratlas.mapping.build.build_cluster_table`, sorted by year, region and cluster —
whose ``attrs["provenance"]`` says how it was made (inputs and their SHA-256, options,
thresholds, datasets and attribution lines). :func:`~clusteratlas.mapping.output.write_result`
writes it with that record as a sidecar.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import ibis
import pandas as pd

import clusteratlas
from clusteratlas.engine import as_backend, engine_of, with_memory_fallback
from clusteratlas.errors import InputError
from clusteratlas.fileio import sha256_file
from clusteratlas.mapping.benchmark import check_benchmark, read_benchmark_file
from clusteratlas.mapping.build import build_cluster_table
from clusteratlas.mapping.panel import (
    KEY_COLUMNS,
    check_panel_frame,
    store_panel,
    unknown_industries,
    unknown_industry_error,
)
from clusteratlas.mapping.panel_file import open_panel_file
from clusteratlas.mapping.strength import Thresholds

Status = Callable[[str], None]
DEFINITION_COLUMNS = ("industry", "cluster", "cluster_type")
CLUSTER_TYPES = ("traded", "local", "emerging")


def _quiet(_: str) -> None:
    return None


def _definitions(definitions: pd.DataFrame | str | Path) -> tuple[pd.DataFrame, dict | None]:
    if isinstance(definitions, pd.DataFrame):
        for col in DEFINITION_COLUMNS:
            if col not in definitions.columns:
                raise InputError("missing column in the definitions", column=col)
        kinds = definitions["cluster_type"].astype(str).str.strip().str.lower()
        bad = sorted(set(kinds) - set(CLUSTER_TYPES))
        if bad:
            raise InputError(
                f"cluster_type must be one of {', '.join(CLUSTER_TYPES)}, got {bad[0]!r}",
                column="cluster_type",
            )
        return definitions.assign(cluster_type=kinds), None
    from clusteratlas.classifications import read_scheme_file

    frame = read_scheme_file(definitions)
    return frame, {
        "role": "definitions",
        "path": str(definitions),
        "sha256": sha256_file(definitions),
    }


def _benchmark(
    benchmark: pd.DataFrame | str | Path | None,
) -> tuple[pd.DataFrame | None, dict | None, str | None]:
    if benchmark is None:
        return None, None, None
    if isinstance(benchmark, pd.DataFrame):
        for col in ("cluster", "year", "employment"):
            if col not in benchmark.columns:
                raise InputError("missing column in the benchmark", column=col)
        return benchmark, None, None
    frame = read_benchmark_file(benchmark)
    info = {"role": "benchmark", "path": str(benchmark), "sha256": sha256_file(benchmark)}
    return frame, info, str(benchmark)


def _expression(
    panel: ibis.Table,
    defs: pd.DataFrame,
    bench: pd.DataFrame | None,
    bench_file: str | None,
    options: dict[str, Any],
    thresholds: Thresholds,
) -> ibis.Table:
    types = dict(zip(defs["cluster"].astype(str), defs["cluster_type"].astype(str), strict=True))
    if bench is not None:
        check_benchmark(bench, types, file=bench_file)
    return build_cluster_table(
        panel,
        ibis.memtable(defs),
        year=options["year"],
        lq_base=options["lq_base"],
        benchmark=ibis.memtable(bench) if bench is not None else None,
        thresholds=thresholds,
        level=options["level"],
        total_industry=options["total_industry"],
    ).order_by("year", "region", "cluster")


def _benchmark_gap(first: Any, bench_file: str | None) -> InputError:
    where = {"file": bench_file} if bench_file else {"parameter": "benchmark"}
    return InputError(
        f"benchmark has no row for cluster {first.cluster!r} in year {first.year}", **where
    )


def _run(
    panel: ibis.Table,
    defs: pd.DataFrame,
    bench: pd.DataFrame | None,
    bench_file: str | None,
    backend: Any,
    options: dict[str, Any],
    thresholds: Thresholds,
    status: Status,
) -> pd.DataFrame:
    status("building the cluster table")
    expr = _expression(panel, defs, bench, bench_file, options, thresholds)
    status("computing indicators")
    arrow = with_memory_fallback(backend, lambda: backend.to_pyarrow(expr))
    # free each Arrow column as it is converted: the table and the frame never both peak
    result = arrow.to_pandas(self_destruct=True, split_blocks=True)
    del arrow
    if "level" in result and result["level"].dtype.kind == "f":  # NULL levels made it float
        result["level"] = result["level"].astype("Int64")
    if bench is not None:
        gap = result[result["benchmark_employment"].isna()]
        if len(gap):
            raise _benchmark_gap(gap.iloc[0], bench_file)
    return result


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("clusteratlas")
    except Exception:  # not installed: fall back to the package attribute
        return str(getattr(clusteratlas, "__version__", "unknown"))


def _record(
    inputs: list[dict], options: dict[str, Any], thresholds: Thresholds, **extra: Any
) -> dict[str, Any]:
    return {
        "tool": "clusteratlas",
        "version": _version(),
        "command": "map",
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "inputs": inputs,
        "options": options,
        "thresholds": thresholds.as_dict(),
        **extra,
    }


def _file_sha256(path: str | Path) -> str:
    """SHA-256 of a file, or of a Parquet folder (its files' relative paths and hashes)."""
    path = Path(path)
    if not path.is_dir():
        return sha256_file(path)
    import hashlib

    digest = hashlib.sha256()
    for part in sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith(".")):
        digest.update(f"{part.relative_to(path).as_posix()}\0{sha256_file(part)}\n".encode())
    return digest.hexdigest()


def _panel_table(
    panel: Any,
    defs: pd.DataFrame,
    defs_file: str | None,
    backend: Any,
    *,
    microdata: bool | None,
    total_industry: str | None,
    status: Status,
) -> tuple[ibis.Table, list[dict]]:
    """The panel as a table on ``backend`` (checked), and the input records it came from."""
    from clusteratlas.engine import is_parquet_folder
    from clusteratlas.mapping.microdata import (
        aggregate_establishments,
        is_microdata,
        microdata_columns,
        open_microdata_file,
    )

    if isinstance(panel, ibis.Table):
        cols = set(panel.columns)
        for col in (*KEY_COLUMNS, "employment"):
            if col not in cols:
                raise InputError("missing column in the panel", column=col, parameter="panel")
        if microdata or (microdata is None and is_microdata(panel.columns)):
            panel = aggregate_establishments(panel)
        codes = panel.select("industry").distinct().to_pyarrow().column(0).to_pylist()
        unknown = unknown_industries(codes, defs, total_industry)
        if unknown:
            raise unknown_industry_error(unknown, file=None, definitions_file=defs_file)
        return panel, []
    if isinstance(panel, pd.DataFrame):
        if microdata or (microdata is None and is_microdata(list(panel.columns))):
            unknown = unknown_industries(panel["industry"].unique(), defs, total_industry)
            if unknown:
                raise unknown_industry_error(unknown, file=None, definitions_file=defs_file)
            return aggregate_establishments(ibis.memtable(panel)), []
        check_panel_frame(panel, defs, definitions_file=defs_file, total_industry=total_industry)
        keep = [c for c in panel.columns if not c.endswith("_flag") and c != "flag"]
        return ibis.memtable(panel[keep]), []
    panel_file = str(panel)
    status(f"reading {panel_file}")
    folder = is_parquet_folder(panel)
    if microdata is None and (Path(panel).is_file() or folder):
        try:
            microdata = is_microdata(microdata_columns(panel, backend))
        except Exception:  # unreadable: the panel readers below explain
            microdata = False
    if microdata:
        table, industries = open_microdata_file(panel, backend)
    else:
        table, industries = open_panel_file(panel, backend)
    if table is None and folder:
        raise InputError(
            "the Parquet folder is not a valid panel (it needs region, industry, year and "
            "employment; non-empty codes; 4-digit years; non-negative numbers; one row per "
            "region × industry × year, or --microdata for establishment records)",
            file=panel_file,
        )
    if table is None:  # read_panel raises the InputError of a bad file, with its line
        from clusteratlas.sources.files import read_panel

        frame = read_panel(panel)
        check_panel_frame(
            frame,
            defs,
            file=panel_file,
            definitions_file=defs_file,
            total_industry=total_industry,
        )
        keep = [c for c in frame.columns if not c.endswith("_flag") and c != "flag"]
        table = ibis.memtable(frame[keep])
    else:
        unknown = unknown_industries(industries, defs, total_industry)
        if unknown:
            raise unknown_industry_error(unknown, file=panel_file, definitions_file=defs_file)
    record = {"role": "panel", "path": panel_file, "sha256": _file_sha256(panel_file)}
    if microdata:
        record["microdata"] = True
    return table, [record]


def _prepare(
    panel: Any,
    definitions: pd.DataFrame | str | Path,
    *,
    year: int | Sequence[int] | None,
    lq_base: str,
    benchmark: pd.DataFrame | str | Path | None,
    level: str | None,
    total_industry: str | None,
    microdata: bool | None,
    backend: Any,
    status: Status,
) -> tuple[ibis.Table, pd.DataFrame, pd.DataFrame | None, str | None, list[dict], dict]:
    inputs: list[dict] = []
    defs, info = _definitions(definitions)
    if info:
        inputs.append(info)
    defs_file = info["path"] if info else None
    table, panel_inputs = _panel_table(
        panel,
        defs,
        defs_file,
        backend,
        microdata=microdata,
        total_industry=total_industry,
        status=status,
    )
    inputs.extend(panel_inputs)
    bench, bench_info, bench_file = _benchmark(benchmark)
    if bench_info:
        inputs.append(bench_info)
    options = {
        "year": year,
        "lq_base": lq_base,
        "benchmark": bench_file or ("data frame" if bench is not None else "sum of regions"),
        "level": level,
        "total_industry": total_industry,
        "engine": engine_of(backend),
    }
    if microdata or any(i.get("microdata") for i in inputs):
        options["microdata"] = True
    return table, defs, bench, bench_file, inputs, options


def map_panel(
    panel: pd.DataFrame | ibis.Table | str | Path,
    definitions: pd.DataFrame | str | Path,
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
) -> pd.DataFrame:
    """Map clusters of a region × industry × year panel.

    Parameters
    ----------
    panel:
        A DataFrame (``region, industry, year, employment`` and optionally
        ``establishments, payroll, employment_reported, level``), an Ibis table on
        ``backend``, or a panel file read by the engine (CSV, Parquet, or a folder of
        Parquet files, e.g. Hive partitions); a bad file gets the InputError of
        :func:`clusteratlas.sources.files.read_panel`.
    definitions:
        A DataFrame (``industry, cluster, cluster_type`` and optionally ``cluster_name,
        weight``) or a definitions file read with
        :func:`clusteratlas.classifications.read_scheme_file`. Industry codes may be of any
        system; every panel industry must be in the definitions.
    year, lq_base, thresholds, level, total_industry:
        As in :func:`~clusteratlas.mapping.build.build_cluster_table`.
    benchmark:
        ``None`` (sum of the regions), a DataFrame or a benchmark file
        (:func:`~clusteratlas.mapping.benchmark.read_benchmark_file`).
    microdata:
        ``True``: the panel holds establishment records (``region, industry, year,
        employment[, establishment_id, payroll]``), aggregated on the engine
        (:mod:`clusteratlas.mapping.microdata`); ``None`` (default): when it has an
        ``establishment_id`` column.
    backend:
        Where to run: an Ibis backend, a SparkSession, an engine name (``"duckdb"``,
        ``"spark"``), or ``None`` for a fresh backend of ``$CLUSTERATLAS_ENGINE`` (default
        DuckDB); see :func:`clusteratlas.engine.as_backend`.
    status:
        Called with short progress messages.

    Returns
    -------
    pandas.DataFrame
        The cluster table; ``attrs["provenance"]`` records how it was made.
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
    result = _run(table, defs, bench, bench_file, backend, options, thresholds, status)
    result.attrs["provenance"] = _record(inputs, options, thresholds)
    return result


def map_store(
    store: Any,
    scheme: str,
    *,
    dataset: str | None = None,
    where: Mapping[str, str] | Iterable[str] | None = None,
    measures: Mapping[str, Any] | Iterable[str] | None = None,
    year: int | Sequence[int] | None = None,
    lq_base: str = "total",
    benchmark: pd.DataFrame | str | Path | None = None,
    thresholds: Thresholds | None = None,
    level: str | None = None,
    total_industry: str | None = None,
    status: Status | None = None,
) -> pd.DataFrame:
    """Map clusters of a scheme held in a store, from the store's observations.

    Parameters
    ----------
    store:
        A :class:`~clusteratlas.store.Store` or the path of a store file.
    scheme:
        Name of a scheme in the store's ``schemes`` table; observations whose classification
        is the scheme's are used.
    dataset, where, measures:
        The recipe of :func:`~clusteratlas.mapping.panel.store_panel`.
    level:
        As in :func:`~clusteratlas.mapping.build.build_cluster_table`. When ``None``: the
        levels of the store's ``regions`` table if it knows every region of the panel, else
        ``"nuts"`` when all regions are of a NUTS system, else one group.
    Others:
        As in :func:`map_panel`.
    """
    from clusteratlas.store import Store

    status = status or _quiet
    thresholds = thresholds or Thresholds()
    if not isinstance(store, Store):
        with Store(store, read_only=True) as opened:
            return map_store(
                opened,
                scheme,
                dataset=dataset,
                where=where,
                measures=measures,
                year=year,
                lq_base=lq_base,
                benchmark=benchmark,
                thresholds=thresholds,
                level=level,
                total_industry=total_industry,
                status=status,
            )
    status(f"reading scheme {scheme!r} and its observations from the store")
    backend = store.ibis()
    sp = store_panel(
        backend,
        scheme,
        dataset=dataset,
        where=where,
        measures=measures,
        total_industry=total_industry,
    )
    panel = sp.panel
    if level is None or level == "column":
        if sp.levels is not None:  # the store's regions table knows every region's level
            panel = panel.join(ibis.memtable(sp.levels), "region")
            level = "column"
        elif sp.region_systems and all(s.upper().startswith("NUTS") for s in sp.region_systems):
            level = "nuts"
    bench, bench_info, bench_file = _benchmark(benchmark)
    options = {
        "store": str(store.path),
        "scheme": scheme,
        "dataset": sp.dataset,
        "dims": sp.dims,
        "measures": {k: {"source": s, "factor": f} for k, (s, f) in sp.measures.items()},
        "classification": sp.classification,
        "region_systems": sp.region_systems,
        "year": year,
        "lq_base": lq_base,
        "benchmark": bench_file or ("data frame" if bench is not None else "sum of regions"),
        "level": level,
        "total_industry": total_industry,
    }
    result = _run(panel, sp.definitions, bench, bench_file, backend, options, thresholds, status)
    prov = store.provenance(sp.dataset)
    prov = prov.astype(object).where(prov.notna(), None)  # NaT/NaN -> null in JSON
    datasets = prov.drop(columns=["load_id"], errors="ignore").to_dict(orient="records")
    attribution = sorted({str(a) for a in prov.get("attribution", []) if a})
    inputs = [bench_info] if bench_info else []
    result.attrs["provenance"] = _record(
        inputs, options, thresholds, datasets=datasets, attribution=attribution
    )
    return result
