"""The cluster table: every cluster indicator for region × cluster × year, as one Ibis expression.

:func:`build_cluster_table` turns a region × industry × year panel and cluster definitions into
the table that cluster-mapping portals show: size, specialisation, shares, wages, stars and
strong-cluster flags. It only builds an expression — nothing runs until the caller executes
it (``.to_pyarrow()``, ``.to_pandas()``), on whatever engine the inputs live on.

Pipeline (each step a CTE the engine can reuse):

1. join the panel to the definitions and sum members into clusters (:mod:`.aggregate`);
2. region universe totals per region × year: all industries of the panel (or the
   ``total_industry`` rows), and the traded / local universes (sums of those clusters);
3. benchmark totals per level × cluster × year and per level × year: sums over the regions of
   the level, or an external benchmark (:mod:`.benchmark`);
4. LQ, shares, wage (:mod:`.location_quotient`, :mod:`.shares`, :mod:`.wages`);
5. percentile cut-offs per level × cluster × year over regions with employment > 0, joined
   back, then stars and strong flags (:mod:`.strength`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import ibis

from clusteratlas.errors import InputError
from clusteratlas.mapping.aggregate import MEASURES, aggregate_to_clusters
from clusteratlas.mapping.benchmark import (
    benchmark_tables,
    check_benchmark,
    check_total_universe,
)
from clusteratlas.mapping.levels import nuts_level_expr, resolve_level
from clusteratlas.mapping.location_quotient import location_quotient
from clusteratlas.mapping.shares import benchmark_share, region_share
from clusteratlas.mapping.strength import (
    Thresholds,
    is_strong,
    star_count,
    star_productivity,
    star_size,
    star_specialisation,
)
from clusteratlas.mapping.wages import wage
from clusteratlas.store.atlas import CELL_MEASURES

#: The leading columns of a cluster table, in this order.
CLUSTER_COLUMNS = ["region", "cluster", "year", *CELL_MEASURES]
#: Columns that follow them.
EXTRA_COLUMNS = [
    "cluster_name",
    "cluster_type",
    "level",
    "universe",
    "region_employment",
    "benchmark_employment",
    "benchmark_universe_employment",
]
LQ_BASES = ("total", "traded")


def _nz(x: ibis.NumericValue) -> ibis.NumericValue:
    """``NULLIF(x, 0)``: a zero denominator gives NULL, on every engine."""
    return x.nullif(0)


def nan_as_null(x: ibis.Value) -> ibis.NumericValue:
    """``x`` as float64 with NaN read as NULL (unknown). DuckDB reads a pandas NaN as NULL,
    Spark keeps it as NaN, which would poison sums; this makes both engines see NULL."""
    x = x.cast("float64")
    return ibis.ifelse(x.isnan(), ibis.null("float64"), x)


def _prepare_panel(panel: ibis.Table, level_mode: str) -> tuple[ibis.Table, str | None]:
    cols = set(panel.columns)
    for col in ("region", "industry", "year", "employment"):
        if col not in cols:
            raise InputError("the panel has no such column", column=col, parameter="panel")
    fields = {
        "region": panel.region.cast("string"),
        "industry": panel.industry.cast("string"),
        "year": panel.year.cast("int64"),
    }
    for m in MEASURES:
        fields[m] = nan_as_null(panel[m]) if m in cols else ibis.null("float64")
    wage_den = None
    if "employment_reported" in cols:
        fields["employment_reported"] = nan_as_null(panel.employment_reported)
        wage_den = "employment_reported"
    if level_mode == "column":
        fields["level"] = panel.level
    return panel.select(**fields), wage_den


def _with_group(table: ibis.Table, level_mode: str) -> ibis.Table:
    """Add ``level`` (unless the panel has it) and ``grp``, its text form for joins (NULL
    levels form the group ``''``: SQL joins never match NULL to NULL)."""
    if level_mode == "nuts":
        table = table.mutate(level=nuts_level_expr(table.region))
    elif level_mode == "none":
        table = table.mutate(level=ibis.null("int32"))
    return table.mutate(grp=table.level.cast("string").fill_null(""))


def prepare_definitions(definitions: ibis.Table) -> tuple[ibis.Table, ibis.Table]:
    """Cluster definitions as the aggregation reads them: ``industry, cluster, cluster_type``
    (trimmed, lower case), ``cluster_name`` and ``weight`` (NaN or missing = 1), and the
    per-cluster ``meta`` table (``cluster, cluster_type, cluster_name``)."""
    cols = set(definitions.columns)
    for col in ("industry", "cluster", "cluster_type"):
        if col not in cols:
            raise InputError("the definitions have no such column", column=col)
    defs = definitions.select(
        industry=definitions.industry.cast("string"),
        cluster=definitions.cluster.cast("string"),
        cluster_type=definitions.cluster_type.cast("string").strip().lower(),
        cluster_name=(
            definitions.cluster_name.cast("string")
            if "cluster_name" in cols
            else ibis.null("string")
        ),
        weight=(
            nan_as_null(definitions.weight).fill_null(1.0)
            if "weight" in cols
            else ibis.literal(1.0)
        ),
    )
    meta = defs.group_by("cluster").agg(
        cluster_type=defs.cluster_type.min(), cluster_name=defs.cluster_name.min()
    )
    return defs, meta


def _check_options(lq_base: str, year: int | Sequence[int] | None) -> list[int] | None:
    if lq_base not in LQ_BASES:
        raise InputError(
            f"must be one of {', '.join(LQ_BASES)}, got {lq_base!r}", parameter="lq_base"
        )
    if year is None:
        return None
    years = [year] if isinstance(year, int) else list(year)
    if not years or not all(isinstance(y, int) for y in years):
        raise InputError(
            f"must be an integer year or a list of them, got {year!r}", parameter="year"
        )
    return years


def sorted_quantile(
    table: ibis.Table, keys: list[str], column: str, q: float, where: ibis.BooleanValue
) -> ibis.Table:
    """The exact ``q``-quantile of ``column`` per group of ``keys`` (rows where ``where`` holds
    and the value is not NULL), from order statistics: ``keys`` + ``value``.

    Notes
    -----
    With the group's values sorted, :math:`x_{(0)} \\le \\dots \\le x_{(n-1)}`, position
    :math:`h = q (n - 1)`:

    .. math:: Q(q) = x_{(\\lfloor h \\rfloor)} + (h - \\lfloor h \\rfloor)
              (x_{(\\lceil h \\rceil)} - x_{(\\lfloor h \\rfloor)})

    — definition 7 of Hyndman & Fan (1996), as ``QUANTILE_CONT``, Spark's ``percentile`` and
    :func:`clusteratlas.mapping.strength.percentile_linear`. The ranks come from
    ``ROW_NUMBER()`` over a window partitioned by the group and ordered by the value: a sort,
    which DuckDB spills to disk, where a quantile aggregate keeps every value of every group
    in memory. Groups whose values are all NULL (or filtered out) are absent (the caller's
    left join gives them NULL, as the aggregate would).
    """
    s = table.filter(where & table[column].notnull()).select(*keys, v=table[column])
    s = s.mutate(
        rank=ibis.row_number().over(ibis.window(group_by=keys, order_by=s.v)),
        n=s.v.count().over(ibis.window(group_by=keys)),
    )
    h = (s.n - 1).cast("float64") * q
    s = s.mutate(lo=h.floor(), hi=h.ceil(), frac=h - h.floor())
    s = s.filter((s.rank == s.lo) | (s.rank == s.hi))
    agg = s.group_by(keys).agg(
        x_lo=s.v.max(where=s.rank == s.lo),
        x_hi=s.v.max(where=s.rank == s.hi),
        frac=s.frac.max(),
    )
    return agg.select(*keys, value=agg.x_lo + agg.frac * (agg.x_hi - agg.x_lo))


def sorted_quantiles(
    table: ibis.Table,
    keys: list[str],
    specs: dict[str, tuple[str, float]],
    where: ibis.BooleanValue,
) -> ibis.Table:
    """Several :func:`sorted_quantile` cut-offs per group: ``keys`` + one column per name of
    ``specs`` (name → ``(column, q)``), every group of ``table`` present."""
    out = table.select(*keys).distinct()
    for name, (column, q) in specs.items():
        part = sorted_quantile(table, keys, column, q, where).rename({name: "value"})
        out = out.left_join(part, keys).select(out, name)
    return out


def build_cluster_table(
    panel: ibis.Table,
    definitions: ibis.Table,
    *,
    year: int | Sequence[int] | None = None,
    lq_base: str = "total",
    benchmark: ibis.Table | None = None,
    thresholds: Thresholds | None = None,
    level: str | None = None,
    total_industry: str | None = None,
    reuse: Callable[[ibis.Table], ibis.Table] | None = None,
    quantiles: str = "aggregate",
) -> ibis.Table:
    """The cluster table of a panel, as a lazy Ibis expression.

    Parameters
    ----------
    panel:
        Region × industry × year panel: ``region``, ``industry``, ``year``, ``employment`` and
        optionally ``establishments``, ``payroll``, ``employment_reported`` (wage
        denominator, CMP style) and ``level``. NULL = unknown.
    definitions:
        ``industry``, ``cluster``, ``cluster_type`` (traded | local | emerging), optional
        ``cluster_name`` and ``weight`` (default 1).
    year:
        Keep only this year (or these years); ``None`` keeps all.
    lq_base:
        ``"total"`` (EU convention: the region's employment over all industries of the panel)
        or ``"traded"`` (CMP: traded clusters within the traded universe, local clusters
        within the local universe, emerging clusters against the total).
    benchmark:
        ``None`` for the sum of the regions of the same level, or an external benchmark table
        (``cluster``, ``year``, ``employment``; see :mod:`clusteratlas.mapping.benchmark`).
        The all-industry total of an external benchmark is its ``*`` row; a benchmark
        without one is refused (:class:`InputError`, ``parameter="benchmark"``) when the
        regions' totals count industries outside the traded and local clusters or come from
        ``total_industry`` (:func:`~clusteratlas.mapping.benchmark.check_total_universe`).
    thresholds:
        Star and strong-cluster thresholds (:class:`~clusteratlas.mapping.strength.Thresholds`).
    level:
        How regions are grouped (:mod:`clusteratlas.mapping.levels`): ``None`` (the panel's
        ``level`` column if any, else one group), ``"column"``, ``"nuts"`` or ``"none"``.
    total_industry:
        An industry code whose rows carry the region's all-industry total (e.g. Eurostat's
        ``TOTAL``); those rows then give the ``total`` base instead of the sum over the panel's
        industries, and are not aggregated into clusters.
    reuse:
        Applied to the intermediate tables that later steps read several times (the sums of
        step 1 with and without the cluster types, the indicators of step 4). ``None`` leaves
        them as CTEs, which DuckDB computes once; an engine that inlines CTEs (Spark
        recomputes each reference) gets a function that materialises them once
        (:func:`clusteratlas.engine.reuse_for`); for out-of-core work on DuckDB it writes them
        to temporary Parquet files that later steps stream from.
    quantiles:
        How the exact percentile cut-offs are computed: ``"aggregate"`` (default: the
        engine's exact quantile aggregate, ``QUANTILE_CONT`` / Spark's ``percentile``; it
        holds every value of a group in memory) or ``"sort"`` (:func:`sorted_quantiles`: the
        order statistics from a window sort, which DuckDB spills to disk; the same numbers,
        for cluster tables larger than the memory budget).

    Returns
    -------
    ibis.Table
        :data:`CLUSTER_COLUMNS` then :data:`EXTRA_COLUMNS`: one row per region × cluster × year
        present in the panel.
    """
    thresholds = thresholds or Thresholds()
    reuse = reuse or (lambda table: table)
    years = _check_options(lq_base, year)
    level_mode = resolve_level(level, "level" in panel.columns)
    p, wage_den = _prepare_panel(panel, level_mode)
    if years is not None:
        p = p.filter(p.year.isin(years))
    defs, meta = prepare_definitions(definitions)

    # 1. industries -> clusters
    group_keys = ["region", "year"] + (["level"] if level_mode == "column" else [])
    parts = reuse(
        aggregate_to_clusters(
            p, defs, group_keys, wage_employment=wage_den, total_industry=total_industry
        )
    )
    cl = parts.filter(parts.cluster.notnull())
    cl = reuse(_with_group(cl.join(meta.select("cluster", "cluster_type"), "cluster"), level_mode))

    # 2. region universes
    totals = parts.group_by(group_keys).agg(region_total=parts.total_part.sum())
    totals = _with_group(totals, level_mode)
    typed = cl.group_by("region", "year", "grp").agg(
        region_traded=cl.employment.sum(where=cl.cluster_type == "traded"),
        region_local=cl.employment.sum(where=cl.cluster_type == "local"),
    )
    regions = typed.left_join(totals, ["region", "year", "grp"]).select(
        "region", "year", "grp", "region_traded", "region_local", "region_total"
    )

    # 3. benchmark (the all-industry total sums every region of the level, even one whose
    # industries all lie outside the clusters)
    if benchmark is None:
        bench_c = cl.group_by("grp", "cluster", "year").agg(bench_employment=cl.employment.sum())
        bench_typed = typed.group_by("grp", "year").agg(
            bench_traded=typed.region_traded.sum(), bench_local=typed.region_local.sum()
        )
        bench_tot = totals.group_by("grp", "year").agg(bench_total=totals.region_total.sum())
        bench_u = bench_typed.left_join(bench_tot, ["grp", "year"]).select(
            "grp", "year", "bench_total", "bench_traded", "bench_local"
        )
        c_keys, u_keys = ["grp", "cluster", "year"], ["grp", "year"]
    else:
        # small tables: name missing clusters, and refuse universes that cannot match
        bench_pd = benchmark.to_pandas()
        defs_pd = defs.select("industry", "cluster", "cluster_type", "weight").to_pandas()
        check_benchmark(bench_pd, dict(zip(defs_pd.cluster, defs_pd.cluster_type, strict=True)))

        def industries(in_years: list[int]) -> list[str]:
            used = p.filter(p.year.isin(in_years))
            if total_industry is not None:
                used = used.filter(used.industry != total_industry)
            return used.select("industry").distinct().to_pandas()["industry"].tolist()

        check_total_universe(
            bench_pd, defs_pd, industries, lq_base=lq_base, total_industry=total_industry
        )
        bench_c, bench_u = benchmark_tables(benchmark, meta)
        c_keys, u_keys = ["cluster", "year"], ["year"]

    # 4. indicators
    t = cl.join(regions, ["region", "year", "grp"]).select(
        cl, "region_traded", "region_local", "region_total"
    )
    t = t.left_join(bench_c, c_keys).select(t, "bench_employment")
    t = t.left_join(bench_u, u_keys).select(t, "bench_total", "bench_traded", "bench_local")
    if lq_base == "traded":
        universe = ibis.cases(
            (t.cluster_type == "traded", "traded"),
            (t.cluster_type == "local", "local"),
            else_="total",
        )
    else:
        universe = ibis.literal("total")
    # keep only what later steps need: this table is read twice (cut-offs, then flags)
    t = t.select(
        *CLUSTER_COLUMNS[:6],  # region, cluster, year, employment, establishments, payroll
        "level",
        "grp",
        "cluster_type",
        "bench_employment",
        universe=universe,
        wage=wage(t.payroll, _nz(t.wage_employment)),
        region_employment=ibis.cases(
            (universe == "traded", t.region_traded),
            (universe == "local", t.region_local),
            else_=t.region_total,
        ),
        benchmark_universe_employment=ibis.cases(
            (universe == "traded", t.bench_traded),
            (universe == "local", t.bench_local),
            else_=t.bench_total,
        ),
    )
    t = t.mutate(
        lq=location_quotient(
            t.employment,
            _nz(t.region_employment),
            _nz(t.bench_employment),
            t.benchmark_universe_employment,
        ),
        region_share=region_share(t.employment, _nz(t.region_employment)),
        benchmark_share=benchmark_share(t.employment, _nz(t.bench_employment)),
    )

    t = reuse(t)

    # 5. percentile cut-offs and flags
    th = thresholds
    active = t.employment > 0
    specs = {
        "q_size": ("employment", th.star_size_quantile),
        "q_wage": ("wage", th.star_productivity_quantile),
        "q_lq": ("lq", th.strong_lq_quantile),
        "q_lq10": ("lq", th.strong10_lq_quantile),
        "q_emp": ("employment", th.strong_size_quantile),
        "q_est": ("establishments", th.strong_size_quantile),
    }
    cut_keys = ["grp", "cluster", "year"]
    if quantiles == "sort":
        cuts = sorted_quantiles(t, cut_keys, specs, active)
    elif quantiles == "aggregate":
        cuts = t.group_by(cut_keys).agg(
            **{name: t[col].quantile(q, where=active) for name, (col, q) in specs.items()}
        )
    else:
        raise InputError(f"must be 'aggregate' or 'sort', got {quantiles!r}", parameter="quantiles")
    t = t.left_join(cuts, ["grp", "cluster", "year"]).select(
        t, "q_size", "q_wage", "q_lq", "q_lq10", "q_emp", "q_est"
    )
    eligible = (t.employment > 0) & (t.employment >= th.star_min_employment)
    s_size = (eligible & star_size(t.employment, t.q_size)).fill_null(False)
    s_spec = (eligible & star_specialisation(t.lq, th.star_lq)).fill_null(False)
    s_prod = (eligible & star_productivity(t.wage, t.q_wage)).fill_null(False)
    est_ok = t.establishments.isnull() | t.q_est.isnull() | (t.establishments > t.q_est)
    traded = t.cluster_type == "traded"

    def strong(cut: ibis.NumericValue) -> ibis.BooleanValue:
        rule = is_strong(t.lq, cut, t.employment, t.q_emp, est_ok, th.strong_min_lq)
        return (traded & rule).fill_null(False)

    flags = t.mutate(
        stars=star_count(s_size, s_spec, s_prod),
        star_size=s_size,
        star_specialisation=s_spec,
        star_productivity=s_prod,
        strong=strong(t.q_lq),
        strong10=strong(t.q_lq10),
        benchmark_employment=t.bench_employment,
    )
    # the name joins last: no long string rides through the joins above
    names = meta.select("cluster", cluster_name="cluster_name")
    out = flags.select(*CLUSTER_COLUMNS, *EXTRA_COLUMNS[1:]).left_join(names, "cluster")
    return out.select(*CLUSTER_COLUMNS, *EXTRA_COLUMNS)
