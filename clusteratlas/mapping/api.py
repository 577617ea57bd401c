"""The Python API of cluster mapping: :func:`map_panel` and :func:`map_store`.

Both return a pandas DataFrame — the cluster table of
:func:`~clusteratlas.mapping.build.build_cluster_table`, sorted by year, region and cluster —
whose ``attrs["provenance"]`` says how it was made (inputs and their SHA-256, options — among
them ``lq_universe``, the universes the LQs were taken over —, thresholds, datasets and
attribution lines). :func:`~clusteratlas.mapping.output.write_result` writes it with that
record as a sidecar; :func:`~clusteratlas.mapping.results.cluster_strength` and
:func:`~clusteratlas.mapping.results.trends` summarise it.

Every option of the pipeline is a typed keyword; choices are :data:`LqBaseName` and
:data:`LevelName` strings (or the CLI's ``StrEnum`` members, which are such strings). Bad
input raises :class:`~clusteratlas.errors.InputError` naming the parameter (``lq_base``,
``benchmark``, ``definitions``, ``scheme``, ``where`` ...) or the file, line and column.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, TypedDict, Unpack

import ibis
import pandas as pd

from clusteratlas.engine import (
    as_backend,
    engine_of,
    reuse_for,
    staging_for,
    with_memory_fallback,
)
from clusteratlas.errors import InputError
from clusteratlas.fileio import sha256_file
from clusteratlas.mapping.benchmark import read_benchmark_file, total_universe
from clusteratlas.mapping.build import LQ_BASES, build_cluster_table
from clusteratlas.mapping.levels import LEVEL_CHOICES
from clusteratlas.mapping.panel import (
    KEY_COLUMNS,
    check_panel_frame,
    store_panel,
    unknown_industries,
    unknown_industry_error,
)
from clusteratlas.mapping.panel_file import open_panel_file
from clusteratlas.mapping.strength import Thresholds
from clusteratlas.store.provenance import build_record, input_frame

Status = Callable[[str], None]
#: The LQ base: ``"total"`` (all industries, EU) or ``"traded"`` (CMP universes).
LqBaseName = Literal["total", "traded"]
#: How regions are grouped for benchmarks and percentiles (:mod:`~clusteratlas.mapping.levels`).
LevelName = Literal["nuts", "none", "column"]


class MapOptions(TypedDict, total=False):
    """The options of the mapping pipeline, shared by :func:`map_panel` and :func:`map_store`.

    Each is a typed keyword of both functions (PEP 692); :func:`map_panel` documents them.
    """

    year: int | Sequence[int] | None
    lq_base: LqBaseName
    benchmark: pd.DataFrame | str | Path | None
    thresholds: Thresholds | Mapping[str, float] | None
    level: LevelName | None
    total_industry: str | None
    microdata: bool | None
    status: Status | None


def _quiet(_: str) -> None:
    return None


def _options(given: Mapping[str, Any], caller: str) -> dict[str, Any]:
    """The pipeline options with their defaults, checked and normalised."""
    unknown = sorted(set(given) - set(MapOptions.__annotations__))
    if unknown:
        raise TypeError(f"{caller}() got an unexpected keyword argument {unknown[0]!r}")
    return {
        "year": given.get("year"),
        "lq_base": _choice(given.get("lq_base", "total"), LQ_BASES, "lq_base"),
        "benchmark": given.get("benchmark"),
        "thresholds": _thresholds(given.get("thresholds")),
        "level": _choice(given.get("level"), LEVEL_CHOICES, "level"),
        "total_industry": given.get("total_industry"),
        "microdata": given.get("microdata"),
        "status": given.get("status") or _quiet,
    }


def _choice(value: Any, allowed: Sequence[str], parameter: str) -> str | None:
    """A choice given as a string or a ``StrEnum`` member, as its plain text value."""
    if value is None:
        return None
    text = str(getattr(value, "value", value))
    if text not in allowed:
        raise InputError(f"must be one of {', '.join(allowed)}, got {text!r}", parameter=parameter)
    return text


def _thresholds(value: Thresholds | Mapping[str, float] | None) -> Thresholds:
    if value is None or isinstance(value, Thresholds):
        return value or Thresholds()
    if not isinstance(value, Mapping):
        raise InputError(
            f"must be a Thresholds or a mapping of threshold names to numbers, got {value!r}",
            parameter="thresholds",
        )
    known = Thresholds().as_dict()
    unknown = sorted(set(map(str, value)) - set(known))
    if unknown:
        raise InputError(
            f"unknown threshold {unknown[0]!r} (known: {', '.join(known)})",
            parameter="thresholds",
        )
    return Thresholds(**{str(k): v for k, v in value.items()})


def _definitions(definitions: pd.DataFrame | str | Path) -> tuple[pd.DataFrame, dict | None]:
    from clusteratlas.classifications import validate_scheme

    if isinstance(definitions, pd.DataFrame):  # the same rules as a scheme file
        return validate_scheme(definitions, parameter="definitions"), None
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
                raise InputError(
                    "missing column in the benchmark", column=col, parameter="benchmark"
                )
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
    backend: Any = None,
    stage_dir: str | Path | None = None,
) -> ibis.Table:
    """The cluster table's expression. With ``stage_dir`` (out-of-core work on DuckDB) the
    tables read several times are staged to Parquet there and the percentiles come from
    sorts (:func:`~clusteratlas.engine.staging_for`, ``quantiles="sort"``)."""
    if stage_dir is not None and backend is not None and backend.name == "duckdb":
        reuse, quantiles = staging_for(backend, stage_dir), "sort"
    else:
        reuse, quantiles = (reuse_for(backend) if backend is not None else None), "aggregate"
    try:
        return build_cluster_table(
            panel,
            ibis.memtable(defs),
            year=options["year"],
            lq_base=options["lq_base"],
            benchmark=ibis.memtable(bench) if bench is not None else None,
            thresholds=thresholds,
            level=options["level"],
            total_industry=options["total_industry"],
            reuse=reuse,
            quantiles=quantiles,
        ).order_by("year", "region", "cluster")
    except InputError as exc:  # name the benchmark file, not the parameter, when there is one
        if exc.parameter == "benchmark" and bench_file and exc.file is None:
            raise InputError(exc.message, file=bench_file) from None
        raise


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
    expr = _expression(panel, defs, bench, bench_file, options, thresholds, backend)
    status("computing indicators")
    arrow = with_memory_fallback(
        backend, lambda: backend.to_pyarrow(expr), "computing the cluster table"
    )
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


def _universes(
    lq_base: str, total_industry: str | None, bench: pd.DataFrame | None, defs: pd.DataFrame
) -> dict[str, str]:
    """The universes the LQs were taken over, in words (the ``lq_universe`` option)."""
    region_total = (
        f"the {total_industry!r} rows of the panel"
        if total_industry is not None
        else "all industries of the panel (each counted once)"
    )
    kinds = defs["cluster_type"].astype(str).unique().tolist()
    out = {
        "lq_base": lq_base,
        "region_total": region_total,
        "benchmark_total": total_universe(bench, kinds, lq_base),
    }
    if lq_base == "traded":
        out["traded_and_local"] = "sums of the traded (local) clusters, region and benchmark"
    return out


def _classifications(defs: pd.DataFrame) -> list[str]:
    if "classification" not in defs.columns:
        return []
    return sorted({str(c) for c in defs["classification"].dropna() if str(c)})


def _record(
    inputs: list[dict], options: dict[str, Any], thresholds: Thresholds, **extra: Any
) -> dict[str, Any]:
    """The provenance record (:func:`clusteratlas.store.provenance.build_record`)."""
    systems = [str(s) for s in options.get("region_systems") or [] if s]
    return build_record(
        "map",
        inputs=inputs,
        options=options,
        nuts_versions=[s for s in systems if s.upper().startswith("NUTS")],
        thresholds=thresholds.as_dict(),
        **extra,
    )


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
    defs: pd.DataFrame | None,
    defs_file: str | None,
    backend: Any,
    *,
    microdata: bool | None,
    total_industry: str | None,
    status: Status,
) -> tuple[ibis.Table, list[dict]]:
    """The panel as a table on ``backend`` (checked), and the input records it came from.

    A file is read by the engine (:func:`~clusteratlas.mapping.panel_file.open_panel_file`, or
    the microdata reader); one the engine path declines goes to ``read_panel``, whose
    InputError names the file, line and column. ``defs=None`` skips the check that every
    industry is in the definitions (the linkages' industry panels)."""
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
        # valid, but not as the engine reads it (quoting, blanks around codes, flag columns,
        # comments...): it was parsed on the driver instead, which a large file should know
        logging.getLogger(__name__).warning(
            "clusteratlas: %s was read on the driver by the strict file reader (%s rows), "
            "not by the engine; write it as plain CSV or Parquet to keep large panels on "
            "the engine",
            panel_file,
            f"{len(frame):,}",
        )
    elif defs is not None:
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
    inputs.append(info or input_frame("definitions", defs))
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
    if isinstance(panel, pd.DataFrame):
        panel_inputs = [input_frame("panel", panel)]
    inputs.extend(panel_inputs)
    bench, bench_info, bench_file = _benchmark(benchmark)
    if bench_info or bench is not None:
        inputs.append(bench_info or input_frame("benchmark", bench))
    options = {
        "year": year,
        "lq_base": lq_base,
        "benchmark": bench_file or ("data frame" if bench is not None else "sum of regions"),
        "level": level,
        "total_industry": total_industry,
        "lq_universe": _universes(lq_base, total_industry, bench, defs),
        "engine": engine_of(backend),
    }
    if microdata or any(i.get("microdata") for i in inputs):
        options["microdata"] = True
    return table, defs, bench, bench_file, inputs, options


def map_panel(
    panel: pd.DataFrame | ibis.Table | str | Path,
    definitions: pd.DataFrame | str | Path,
    *,
    backend: Any = None,
    **options: Unpack[MapOptions],
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
    year:
        Keep only this year (or these years); ``None`` keeps all.
    lq_base:
        ``"total"`` (EU convention: a region's employment over all industries of the panel,
        or its ``total_industry`` rows) or ``"traded"`` (CMP: traded clusters within the
        traded universe, local within the local universe, emerging against the total).
    benchmark:
        ``None`` (the sum of the regions of the same level), a DataFrame or a benchmark file
        (:func:`~clusteratlas.mapping.benchmark.read_benchmark_file`). Its all-industry total
        is its ``*`` row; without one the mapping refuses when that total cannot match the
        regions' (see :mod:`clusteratlas.mapping.benchmark`, "Universes that match").
    thresholds:
        Star and strong-cluster thresholds: a
        :class:`~clusteratlas.mapping.strength.Thresholds` or a mapping of some of its
        fields, e.g. ``{"star_lq": 1.5}``.
    level:
        ``None`` (the panel's ``level`` column if any, else one group), ``"column"``,
        ``"nuts"`` (the NUTS level of each code) or ``"none"`` (one group).
    total_industry:
        An industry code whose rows carry each region's all-industry total (e.g. Eurostat's
        ``TOTAL``).
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

    Examples
    --------
    Two regions, a traded cluster ``T`` (industry ``t``) and a local one ``L`` (``x``):

    >>> import pandas as pd
    >>> panel = pd.DataFrame({"region": ["A", "A", "B", "B"], "industry": ["t", "x"] * 2,
    ...                       "year": 2020, "employment": [30.0, 70.0, 10.0, 90.0]})
    >>> defs = pd.DataFrame({"industry": ["t", "x"], "cluster": ["T", "L"],
    ...                      "cluster_type": ["traded", "local"]})
    >>> out = map_panel(panel, defs)
    >>> t = out[out.cluster == "T"]
    >>> t.region.tolist(), t.lq.round(2).tolist()  # A: (30/100) / (40/200)
    (['A', 'B'], [1.5, 0.5])
    >>> out.attrs["provenance"]["options"]["lq_universe"]["benchmark_total"]
    'sum of the regions of the same level'
    """
    opts = _options(options, "map_panel")
    status = opts["status"]
    thresholds = opts["thresholds"]
    backend = as_backend(backend)
    table, defs, bench, bench_file, inputs, record = _prepare(
        panel,
        definitions,
        year=opts["year"],
        lq_base=opts["lq_base"],
        benchmark=opts["benchmark"],
        level=opts["level"],
        total_industry=opts["total_industry"],
        microdata=opts["microdata"],
        backend=backend,
        status=status,
    )
    result = _run(table, defs, bench, bench_file, backend, record, thresholds, status)
    result.attrs["provenance"] = _record(
        inputs, record, thresholds, classifications=_classifications(defs)
    )
    return result


def map_store(
    store: Any,
    scheme: str,
    *,
    dataset: str | None = None,
    where: Mapping[str, str] | Iterable[str] | None = None,
    measures: Mapping[str, Any] | Iterable[str] | None = None,
    **options: Unpack[MapOptions],
) -> pd.DataFrame:
    """Map clusters of a scheme held in a store, from the store's observations.

    Parameters
    ----------
    store:
        A :class:`~clusteratlas.store.Store` or the path of a store file.
    scheme:
        Name of a scheme in the store's ``schemes`` table; observations whose classification
        is the scheme's are used. The scheme passes
        :func:`~clusteratlas.classifications.validate_scheme` like a file would.
    dataset:
        The dataset code, required when several datasets could answer.
    where:
        Dimension filters, ``{"age": "Y15-64"}`` or ``["age=Y15-64"]``: exactly one
        combination of dimensions must remain.
    measures:
        Measure recipe, ``{"employment": ("THS", 1000.0)}``, ``{"employment": "THS*1000"}`` or
        ``["employment=THS*1000"]`` (see :mod:`clusteratlas.mapping.panel`).
    level:
        As in :func:`~clusteratlas.mapping.build.build_cluster_table`. When ``None``: the
        levels of the store's ``regions`` table if it knows every region of the panel, else
        ``"nuts"`` when all regions are of a NUTS system, else one group.
    Others:
        As in :func:`map_panel`.
    """
    from clusteratlas.store import Store

    opts = _options(options, "map_store")
    if not isinstance(store, Store):
        with Store(store, read_only=True) as opened:
            return map_store(
                opened, scheme, dataset=dataset, where=where, measures=measures, **opts
            )
    year, lq_base, benchmark = opts["year"], opts["lq_base"], opts["benchmark"]
    thresholds, level, total_industry = opts["thresholds"], opts["level"], opts["total_industry"]
    status = opts["status"]
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
    record = {
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
        "lq_universe": _universes(lq_base, total_industry, bench, sp.definitions),
    }
    result = _run(panel, sp.definitions, bench, bench_file, backend, record, thresholds, status)
    prov = store.provenance(sp.dataset)
    prov = prov.astype(object).where(prov.notna(), None)  # NaT/NaN -> null in JSON
    datasets = prov.drop(columns=["load_id"], errors="ignore").to_dict(orient="records")
    attribution = sorted({str(a) for a in prov.get("attribution", []) if a})
    inputs = [bench_info] if bench_info else []
    if bench is not None and not bench_info:
        inputs.append(input_frame("benchmark", bench))
    result.attrs["provenance"] = _record(
        inputs,
        record,
        thresholds,
        datasets=datasets,
        attribution=attribution,
        classifications=[sp.classification] if sp.classification else [],
    )
    return result
