"""The Python API of the linkages package: tidy frames in, pandas frames or JSON-able dicts out.

Every function takes a *unit panel* — a tidy frame ``region, <unit>, year, employment`` where
``<unit>`` is ``industry`` or ``cluster`` — which :func:`unit_panel` (files or frames) and
:func:`store_unit_panel` (a store) build, and returns data a page, a CLI command or a notebook
can use as they are. ``result.attrs["provenance"]`` (frames) or ``result["provenance"]``
(dicts) records the inputs and options when the caller passes ``provenance``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ibis
import numpy as np
import pandas as pd
from ibis.backends import BaseBackend

from clusteratlas.engine import as_backend, engine_of, reuse_for, with_memory_fallback
from clusteratlas.errors import InputError
from clusteratlas.linkages.colocation import (
    cluster_relatedness,
    colocation,
    combine_links,
    read_links_file,
)
from clusteratlas.linkages.complexity import ComplexityOptions, complexity_years
from clusteratlas.linkages.matrix import YearMatrix, check_columns, long_frame, year_matrices
from clusteratlas.linkages.network import pairs_frame, related_network
from clusteratlas.linkages.opportunities import OpportunityRule, growth_opportunities
from clusteratlas.linkages.portfolio import portfolio
from clusteratlas.linkages.proximity import proximity
from clusteratlas.linkages.shiftshare import dynamic_shift_share, shift_share
from clusteratlas.mapping.build import nan_as_null

RELATED_METHODS = ("colocation", "proximity")
COMPLEXITY_COLUMNS = ["rca", "m", "density", "eci", "pci", "coi", "cog", "diversity", "ubiquity"]


def definitions_frame(scheme: str | Path | pd.DataFrame, store: Any = None) -> pd.DataFrame:
    """A scheme by name (``eu-nace2``, ``eocic-emerging``, a store scheme) or file, as a frame."""
    if isinstance(scheme, pd.DataFrame):
        return scheme
    from clusteratlas.linkages.emerging import SCHEME, emerging_scheme

    if str(scheme) == SCHEME:
        return emerging_scheme()
    from clusteratlas.classifications import get_scheme

    return get_scheme(str(scheme), store=store)


@dataclass(frozen=True)
class UnitTable:
    """A unit panel as a lazy table on an engine: ``region, <unit>, year, employment``.

    ``table`` lives on ``backend`` (read there from a file, or a memtable of a frame); nothing
    is collected until :meth:`to_pandas` (the small region × unit × year table the matrix
    algebra needs) or an expression of it runs (:func:`trends_tables`). ``inputs`` are the
    provenance records of the files it was read from.
    """

    table: ibis.Table
    unit: str
    backend: BaseBackend
    inputs: list[dict[str, Any]] = field(default_factory=list)

    @property
    def engine(self) -> str:
        """``duckdb`` or ``spark``."""
        return engine_of(self.backend)

    def years(self) -> list[int]:
        """The years of the panel, sorted (one small query)."""
        got = self.backend.to_pyarrow(self.table.select("year").distinct())
        return sorted(int(y) for y in got.column(0).to_pylist())

    def to_pandas(self, years: Sequence[int] | None = None) -> pd.DataFrame:
        """The table (of ``years`` only, if given) as a pandas frame, sorted by year, region
        and unit; ``employment`` float64 (NaN where every member of a cluster is unknown)."""
        t = self.table
        if years is not None:
            t = t.filter(t.year.isin([int(y) for y in years]))
        t = t.order_by("year", "region", self.unit)
        frame = with_memory_fallback(self.backend, lambda: self.backend.to_pandas(t))
        return frame.astype({"year": "int64", "employment": "float64"})


def _panel_on_engine(
    panel: pd.DataFrame | ibis.Table | str | Path,
    backend: BaseBackend,
    definitions: pd.DataFrame | None,
    definitions_file: str | None,
    total_industry: str | None,
) -> tuple[ibis.Table, list[dict[str, Any]]]:
    """The panel as ``region, industry, year, employment`` on ``backend``, checked: the
    columns, and (with ``definitions``) that every industry is in them.

    A file goes through the mapping's reader (:func:`clusteratlas.mapping.api._panel_table`:
    CSV, Parquet or a folder of Parquet files read and checked by the engine; a file the
    engine path declines goes to ``read_panel``, whose InputError names the file, line and
    column — the same on every engine).
    """
    from clusteratlas.mapping.api import _panel_table
    from clusteratlas.mapping.panel import (
        check_panel_frame,
        unknown_industries,
        unknown_industry_error,
    )

    inputs: list[dict[str, Any]] = []
    if isinstance(panel, pd.DataFrame):
        check_columns(panel, ["region", "industry", "year", "employment"])
        if definitions is not None:
            check_panel_frame(
                panel, definitions, definitions_file=definitions_file, total_industry=total_industry
            )
        table = ibis.memtable(panel[["region", "industry", "year", "employment"]])
    elif isinstance(panel, ibis.Table):
        for col in ("region", "industry", "year", "employment"):
            if col not in panel.columns:
                raise InputError(f"missing column {col!r}", column=col, parameter="panel")
        table = panel
        if definitions is not None:
            codes = backend.to_pyarrow(table.select("industry").distinct()).column(0)
            unknown = unknown_industries(codes.to_pylist(), definitions, total_industry)
            if unknown:
                raise unknown_industry_error(unknown, file=None, definitions_file=definitions_file)
    else:
        table, inputs = _panel_table(
            Path(panel),
            definitions,
            definitions_file,
            backend,
            microdata=False,
            total_industry=total_industry,
            status=lambda _message: None,
        )
    table = table.select(
        region=table.region.cast("string"),
        industry=table.industry.cast("string"),
        year=table.year.cast("int64"),
        employment=nan_as_null(table.employment),
    )
    return table, inputs


def unit_table(
    panel: pd.DataFrame | ibis.Table | str | Path,
    definitions: pd.DataFrame | str | Path | None = None,
    *,
    total_industry: str | None = None,
    years: Sequence[int] | None = None,
    backend: Any = None,
) -> UnitTable:
    """The unit panel of an industry panel as a lazy table on the engine (:class:`UnitTable`).

    ``panel``: a frame, an Ibis table on ``backend``, or a panel file read by the engine
    (CSV, Parquet, a folder of Parquet files). Without ``definitions`` the unit is
    ``industry`` (unknown employment counts 0, as in ``ecomplexity``); with them (a frame, a
    scheme name or file, see :func:`definitions_frame`) industries are summed into clusters
    with their weights by the mapping's engine aggregation
    (:func:`clusteratlas.mapping.aggregate.aggregate_to_clusters`; a cluster is unknown only
    when all its members are). ``total_industry`` rows are dropped; ``years`` keeps only
    those years. ``backend``: an Ibis backend, a SparkSession or an engine name
    (:func:`clusteratlas.engine.as_backend`; default ``$CLUSTERATLAS_ENGINE``, else DuckDB).

    Examples
    --------
    >>> panel = pd.DataFrame({"region": ["A", "A", "B"], "industry": ["i", "j", "i"],
    ...                       "year": 2020, "employment": [1.0, 2.0, 4.0]})
    >>> defs = pd.DataFrame({"industry": ["i", "j"], "cluster": ["C", "C"],
    ...                      "cluster_type": "traded"})
    >>> ut = unit_table(panel, defs, backend="duckdb")
    >>> ut.unit, ut.to_pandas().employment.tolist()
    ('cluster', [3.0, 4.0])
    """
    backend = as_backend(backend)
    defs, defs_file = None, None
    if definitions is not None:
        from clusteratlas.classifications import validate_scheme

        if not isinstance(definitions, pd.DataFrame):
            defs_file = str(definitions) if Path(str(definitions)).is_file() else None
        defs = validate_scheme(definitions_frame(definitions), parameter="definitions")
    table, inputs = _panel_on_engine(panel, backend, defs, defs_file, total_industry)
    if total_industry is not None:
        table = table.filter(table.industry != str(total_industry))
    if years is not None:
        table = table.filter(table.year.isin([int(y) for y in years]))
    if defs is None:
        table = table.mutate(employment=table.employment.fill_null(0.0))
        unit = "industry"
    else:
        from clusteratlas.mapping.aggregate import aggregate_to_clusters
        from clusteratlas.mapping.build import prepare_definitions

        d, _ = prepare_definitions(ibis.memtable(defs))
        full = table.mutate(establishments=ibis.null("float64"), payroll=ibis.null("float64"))
        sums = aggregate_to_clusters(full, d, ("region", "year"))
        sums = sums.filter(sums.cluster.notnull())
        table = sums.select("region", "cluster", "year", "employment")
        unit = "cluster"
    reuse = reuse_for(backend)  # Spark: read the file and sum it once, however often it is used
    return UnitTable(reuse(table) if reuse else table, unit, backend, inputs)


def unit_panel(
    panel: pd.DataFrame | ibis.Table | str | Path,
    definitions: pd.DataFrame | str | Path | None = None,
    *,
    total_industry: str | None = None,
    years: Sequence[int] | None = None,
    backend: Any = None,
) -> tuple[pd.DataFrame, str]:
    """The unit panel of an industry panel, collected: as it is (``unit = "industry"``) or
    summed into the clusters of ``definitions`` (``unit = "cluster"``). Returns
    ``(frame, unit)``; the reading, checks and sums run on ``backend`` (:func:`unit_table`),
    only the region × unit × year result comes back."""
    ut = unit_table(panel, definitions, total_industry=total_industry, years=years, backend=backend)
    return ut.to_pandas(), ut.unit


def store_unit_panel(
    store: Any,
    scheme: str,
    *,
    clusters: bool = True,
    dataset: str | None = None,
    where: Any = None,
    measures: Any = None,
) -> tuple[pd.DataFrame, str, dict[str, Any]]:
    """The unit panel of a store scheme: its clusters (``clusters=True``) or the industries of
    its classification. Returns ``(frame, unit, provenance)``."""
    from clusteratlas.mapping.api import map_store
    from clusteratlas.mapping.panel import store_panel
    from clusteratlas.store import Store

    if not isinstance(store, Store):
        with Store(store, read_only=True) as opened:
            return store_unit_panel(
                opened, scheme, clusters=clusters, dataset=dataset, where=where, measures=measures
            )
    if clusters:
        table = map_store(
            store, scheme, dataset=dataset, where=where, measures=measures, level="none"
        )
        prov = table.attrs.get("provenance", {})
        return table[["region", "cluster", "year", "employment"]].copy(), "cluster", prov
    sp = store_panel(store.ibis(), scheme, dataset=dataset, where=where, measures=measures)
    frame = sp.panel.select("region", "industry", "year", "employment").to_pandas()
    prov = store.provenance(sp.dataset)
    record = {
        "store": str(store.path),
        "dataset": sp.dataset,
        "classification": sp.classification,
        "attribution": sorted({str(a) for a in prov.get("attribution", []) if a}),
    }
    return frame, "industry", record


def _years(year: int | Sequence[int] | None) -> list[int] | None:
    if year is None:
        return None
    return [int(year)] if isinstance(year, int | np.integer) else [int(y) for y in year]


def iter_complexity(
    frame: pd.DataFrame,
    unit: str = "industry",
    *,
    year: int | Sequence[int] | None = None,
    options: ComplexityOptions | None = None,
):
    """Yield ``(YearMatrix, result dict)`` per year, in order (see
    :func:`~clusteratlas.linkages.complexity.complexity_years`: the years run in parallel
    threads, a few in memory at a time)."""
    yield from complexity_years(year_matrices(frame, unit=unit, years=_years(year)), options)


def complexity_table(
    frame: pd.DataFrame,
    unit: str = "industry",
    *,
    year: int | Sequence[int] | None = None,
    options: ComplexityOptions | None = None,
) -> pd.DataFrame:
    """The region × unit complexity table: ``region, <unit>, year, rca, m, density, eci, pci,
    coi, cog, diversity, ubiquity`` (ecomplexity's conventions by default)."""
    parts = [
        long_frame(ym.year, ym.regions, ym.units, unit, {k: r[k] for k in COMPLEXITY_COLUMNS})
        for ym, r in iter_complexity(frame, unit, year=year, options=options)
    ]
    out = pd.concat(parts, ignore_index=True)
    out["m"] = out["m"].astype("int8")
    return out


def opportunities_table(
    frame: pd.DataFrame,
    unit: str = "industry",
    *,
    year: int | None = None,
    regions: Sequence[str] | None = None,
    rule: OpportunityRule | None = None,
    options: ComplexityOptions | None = None,
) -> pd.DataFrame:
    """Growth opportunities (with reasons) of ``regions`` (default: all) in ``year`` (default:
    the last)."""
    y = int(year) if year is not None else int(pd.Series(frame["year"]).max())
    ym, res = next(iter_complexity(frame, unit, year=y, options=options))
    wanted = list(regions) if regions is not None else list(ym.regions)
    unknown = [r for r in wanted if r not in set(ym.regions)]
    if unknown:
        raise InputError(f"unknown region {unknown[0]!r} in {y}", parameter="--region")
    parts = [growth_opportunities(res, ym.regions, ym.units, r, rule) for r in wanted]
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(columns=["region", unit, "year"])
    out = pd.concat(parts, ignore_index=True).rename(columns={"unit": unit})
    out.insert(2, "year", y)
    return out


def _matrix_for(frame: pd.DataFrame, unit: str, year: int | None) -> YearMatrix:
    y = int(year) if year is not None else int(pd.Series(frame["year"]).max())
    return next(year_matrices(frame, unit=unit, years=[y]))


def related_pairs(
    frame: pd.DataFrame,
    unit: str = "cluster",
    *,
    method: str = "colocation",
    year: int | None = None,
    transform: str = "log",
    corr: str = "pearson",
    links: Mapping[str, str | Path] | None = None,
    weights: Mapping[str, float] | None = None,
    definitions: pd.DataFrame | None = None,
    options: ComplexityOptions | None = None,
) -> pd.DataFrame:
    """Relatedness of every pair of units: ``a, b, relatedness, percentile, link`` plus one
    column per link matrix used (``colocation`` or ``proximity``, then each user link file).

    ``method`` builds the data-driven matrix; ``links`` (name → CSV file, see
    :func:`~clusteratlas.linkages.colocation.read_links_file`) adds user matrices, combined with
    ``weights`` by :func:`~clusteratlas.linkages.colocation.combine_links` (the relatedness is
    then the weighted mean of z-scores). With ``definitions`` and an industry panel the pairs
    are clusters: the between-cluster mean of the industry relatedness (BCR, DPS 2016).
    ``link`` is the related-clusters network rule of :mod:`clusteratlas.linkages.network`.
    """
    if method not in RELATED_METHODS:
        raise InputError(f"must be one of {RELATED_METHODS}, got {method!r}", parameter="--method")
    ym = _matrix_for(frame, unit, year)
    if method == "colocation":
        base = colocation(ym.values, transform=transform, method=corr)
    else:
        from clusteratlas.linkages.complexity import presence, rca

        o = options or ComplexityOptions()
        base = proximity(presence(rca(ym.values), o.threshold), diagonal=o.diagonal)
    mats = {method: base}
    for name, path in (links or {}).items():
        mats[name] = read_links_file(path, ym.units)
    labels = ym.units
    rel = combine_links(mats, weights) if len(mats) > 1 else base
    if definitions is not None and unit == "industry":
        agg = {k: cluster_relatedness(v, ym.units, definitions)[0] for k, v in mats.items()}
        rel, labels = cluster_relatedness(rel, ym.units, definitions)
        mats = agg
    pairs = pairs_frame(rel, labels, **mats)
    out = related_network(pairs)
    out.insert(0, "year", ym.year)
    return out


def trends_tables(
    frame: pd.DataFrame | ibis.Table | UnitTable,
    unit: str | None,
    start: int,
    end: int,
    *,
    measure: str = "lq",
    backend: Any = None,
) -> dict[str, pd.DataFrame]:
    """``shift_share`` (classic + Esteban-Marquillas + job creation), ``dynamic`` (year by
    year, summed) and ``portfolio`` (quadrants) tables between two years.

    They are Ibis expressions run wholly on the engine: ``frame`` is a :class:`UnitTable`
    (its backend; ``unit`` may be ``None``), an Ibis table on ``backend``, or a pandas frame
    (sent to ``backend`` as a memtable). ``backend``: as in :func:`unit_table`. Only the three
    results (region × unit rows) are collected.
    """
    if isinstance(frame, UnitTable):
        con, unit, t = frame.backend, unit or frame.unit, frame.table
        present = set(frame.years())
    else:
        con = as_backend(backend)
        if isinstance(frame, pd.DataFrame):
            present = {int(y) for y in pd.unique(frame["year"])}
            t = ibis.memtable(
                frame[["region", unit, "year", "employment"]].astype({"employment": float})
            )
        else:
            t = frame
            got = con.to_pyarrow(t.select("year").distinct()).column(0).to_pylist()
            present = {int(y) for y in got}
        t = t.mutate(employment=nan_as_null(t.employment))
    if unit is None:
        raise TypeError("trends_tables() needs unit with a frame or an Ibis table")
    for y in (start, end):
        if y not in present:
            raise InputError(f"the panel has no year {y}", parameter="--years")
    exprs = {
        "shift_share": shift_share(t, start, end, unit=unit),
        "dynamic": dynamic_shift_share(t, start, end, unit=unit),
        "portfolio": portfolio(t, start, end, unit=unit, measure=measure),
    }
    return {
        key: with_memory_fallback(con, lambda e=expr: con.to_pandas(e.order_by("region", unit)))
        for key, expr in exprs.items()
    }
