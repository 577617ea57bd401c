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
from clusteratlas.engine import connect, with_memory_fallback
from clusteratlas.errors import InputError
from clusteratlas.fileio import sha256_file
from clusteratlas.mapping.benchmark import check_benchmark, read_benchmark_file
from clusteratlas.mapping.build import build_cluster_table
from clusteratlas.mapping.panel import (
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
    types = dict(zip(defs["cluster"].astype(str), defs["cluster_type"].astype(str), strict=True))
    if bench is not None:
        check_benchmark(bench, types, file=bench_file)
    status("building the cluster table")
    expr = build_cluster_table(
        panel,
        ibis.memtable(defs),
        year=options["year"],
        lq_base=options["lq_base"],
        benchmark=ibis.memtable(bench) if bench is not None else None,
        thresholds=thresholds,
        level=options["level"],
        total_industry=options["total_industry"],
    ).order_by("year", "region", "cluster")
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
            first = gap.iloc[0]
            where = {"file": bench_file} if bench_file else {"parameter": "benchmark"}
            raise InputError(
                f"benchmark has no row for cluster {first.cluster!r} in year {first.year}",
                **where,
            )
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


def map_panel(
    panel: pd.DataFrame | str | Path,
    definitions: pd.DataFrame | str | Path,
    *,
    year: int | Sequence[int] | None = None,
    lq_base: str = "total",
    benchmark: pd.DataFrame | str | Path | None = None,
    thresholds: Thresholds | None = None,
    level: str | None = None,
    total_industry: str | None = None,
    backend: Any = None,
    status: Status | None = None,
) -> pd.DataFrame:
    """Map clusters of a region × industry × year panel.

    Parameters
    ----------
    panel:
        A DataFrame (``region, industry, year, employment`` and optionally
        ``establishments, payroll, employment_reported, level``) or a panel file read with
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
    backend:
        An Ibis backend to run on (default: a fresh in-memory DuckDB).
    status:
        Called with short progress messages.

    Returns
    -------
    pandas.DataFrame
        The cluster table; ``attrs["provenance"]`` records how it was made.
    """
    status = status or _quiet
    thresholds = thresholds or Thresholds()
    backend = backend or connect()
    inputs: list[dict] = []
    defs, info = _definitions(definitions)
    if info:
        inputs.append(info)
    defs_file = info["path"] if info else None
    table = None
    if isinstance(panel, pd.DataFrame):
        check_panel_frame(panel, defs, definitions_file=defs_file, total_industry=total_industry)
    else:
        panel_file = str(panel)
        status(f"reading {panel_file}")
        table, industries = open_panel_file(panel, backend)
        if table is None:  # read_panel raises the InputError of a bad file, with its line
            from clusteratlas.sources.files import read_panel

            panel = read_panel(panel)
            check_panel_frame(
                panel,
                defs,
                file=panel_file,
                definitions_file=defs_file,
                total_industry=total_industry,
            )
        else:
            unknown = unknown_industries(industries, defs, total_industry)
            if unknown:
                raise unknown_industry_error(unknown, file=panel_file, definitions_file=defs_file)
        inputs.append({"role": "panel", "path": panel_file, "sha256": sha256_file(panel_file)})
    bench, bench_info, bench_file = _benchmark(benchmark)
    if bench_info:
        inputs.append(bench_info)
    options = {
        "year": year,
        "lq_base": lq_base,
        "benchmark": bench_file or ("data frame" if bench is not None else "sum of regions"),
        "level": level,
        "total_industry": total_industry,
    }
    if table is None:
        keep = [c for c in panel.columns if not c.endswith("_flag") and c != "flag"]
        table = ibis.memtable(panel[keep])
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
