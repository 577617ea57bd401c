"""The Python API of the linkages package: tidy frames in, pandas frames or JSON-able dicts out.

Every function takes a *unit panel* — a tidy frame ``region, <unit>, year, employment`` where
``<unit>`` is ``industry`` or ``cluster`` — which :func:`unit_panel` (files or frames) and
:func:`store_unit_panel` (a store) build, and returns data a page, a CLI command or a notebook
can use as they are. ``result.attrs["provenance"]`` (frames) or ``result["provenance"]``
(dicts) records the inputs and options when the caller passes ``provenance``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import ibis
import numpy as np
import pandas as pd

from clusteratlas.engine import connect
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


def unit_panel(
    panel: pd.DataFrame,
    definitions: pd.DataFrame | None = None,
    *,
    total_industry: str | None = None,
) -> tuple[pd.DataFrame, str]:
    """The unit panel of an industry panel: as it is (``unit = "industry"``) or summed into the
    clusters of ``definitions`` with their weights (``unit = "cluster"``, via
    :func:`clusteratlas.mapping.api.map_panel`). Returns ``(frame, unit)``."""
    check_columns(panel, ["region", "industry", "year", "employment"])
    if total_industry is not None:
        panel = panel[panel["industry"].astype(str) != str(total_industry)]
    if definitions is None:
        frame = panel[["region", "industry", "year", "employment"]].copy()
        frame["employment"] = frame["employment"].fillna(0.0)
        return frame, "industry"
    from clusteratlas.mapping.api import map_panel

    keep = [c for c in panel.columns if not c.endswith("_flag") and c != "flag"]
    table = map_panel(panel[keep], definitions, level="none")
    return table[["region", "cluster", "year", "employment"]].copy(), "cluster"


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
    frame: pd.DataFrame,
    unit: str,
    start: int,
    end: int,
    *,
    measure: str = "lq",
    backend: Any = None,
) -> dict[str, pd.DataFrame]:
    """``shift_share`` (classic + Esteban-Marquillas + job creation), ``dynamic`` (year by
    year, summed) and ``portfolio`` (quadrants) tables between two years."""
    con = backend or connect()
    present = set(int(y) for y in pd.unique(frame["year"]))
    for y in (start, end):
        if y not in present:
            raise InputError(f"the panel has no year {y}", parameter="--years")
    t = ibis.memtable(frame[["region", unit, "year", "employment"]].astype({"employment": float}))
    return {
        "shift_share": con.to_pandas(
            shift_share(t, start, end, unit=unit).order_by("region", unit)
        ),
        "dynamic": con.to_pandas(
            dynamic_shift_share(t, start, end, unit=unit).order_by("region", unit)
        ),
        "portfolio": con.to_pandas(
            portfolio(t, start, end, unit=unit, measure=measure).order_by("region", unit)
        ),
    }
