"""Change over time: growth rates, change in LQ, and shift-share decomposition."""

from __future__ import annotations

from typing import Any

import ibis

from clusteratlas.errors import InputError


def growth_rate(v0: Any, v1: Any) -> Any:
    """Simple growth rate between two values: ``v1 / v0 - 1``.

    Examples
    --------
    >>> growth_rate(27_000, 30_000)  # doctest: +ELLIPSIS
    0.1111...
    """
    return v1 / v0 - 1


def cagr(v0: Any, v1: Any, years: Any) -> Any:
    """Compound annual growth rate over ``years`` years.

    Notes
    -----
    .. math:: CAGR = (v_1 / v_0)^{1 / (t_1 - t_0)} - 1

    NULL/NaN when ``v0`` is 0 (pass ``NULLIF`` inputs in SQL engines).

    References
    ----------
    U.S. Cluster Mapping Project, ``ranker.js`` (``type == 'cagr'``), with an explicit start
    year rather than "the earliest year available".

    Examples
    --------
    Employment doubling over 5 years grows by about 14.87 % a year:

    >>> round(cagr(100, 200, 5), 4)
    0.1487
    """
    return (v1 / v0) ** (1.0 / years) - 1


def lq_change(lq0: Any, lq1: Any) -> Any:
    """Change in the location quotient between two years: ``LQ1 - LQ0``.

    Examples
    --------
    >>> round(lq_change(1.8, 2.5), 10)
    0.7
    """
    return lq1 - lq0


def shift_share(e0: Any, g_n: Any, g_ns: Any, g_rs: Any) -> tuple[Any, Any, Any]:
    """Classic shift-share decomposition of a regional cluster's change in employment.

    Parameters
    ----------
    e0:
        Regional cluster employment at the start, :math:`E_{r,s,0}`.
    g_n:
        Benchmark growth rate of all employment (the base universe), :math:`g_N`.
    g_ns:
        Benchmark growth rate of the cluster, :math:`g_{N,s}`.
    g_rs:
        Regional growth rate of the cluster, :math:`g_{r,s}`.

    Returns
    -------
    ``(ns, im, rs)``: national share :math:`E_0 g_N`, industry mix
    :math:`E_0 (g_{N,s} - g_N)` and regional shift :math:`E_0 (g_{r,s} - g_{N,s})`; their sum
    is the actual change :math:`E_1 - E_0`. CMP's "expected job creation" is ``ns + im``.

    References
    ----------
    Dunn, E. S. (1960), "A statistical and analytical technique for regional analysis",
    Papers of the Regional Science Association 6:97–112; U.S. Cluster Mapping Project,
    ``report.js`` (``jobCreation`` benchmark).

    Examples
    --------
    E0 = 27,000, E1 = 30,000, benchmark total +4 %, benchmark cluster −2 %:

    >>> ns, im, rs = shift_share(27_000, 0.04, -0.02, 30_000 / 27_000 - 1)
    >>> round(ns), round(im), round(rs), round(ns + im + rs)
    (1080, -1620, 3540, 3000)
    """
    return e0 * g_n, e0 * (g_ns - g_n), e0 * (g_rs - g_ns)


#: Columns of a cluster table that :func:`trends_table` compares between the two years.
TRENDS_KEYS = ("region", "cluster")
TRENDS_VALUES = (
    "employment",
    "lq",
    "region_share",
    "benchmark_share",
    "benchmark_employment",
    "benchmark_universe_employment",
)
#: Columns carried from the start year.
TRENDS_LABELS = ("cluster_name", "cluster_type", "level")


def trends_table(cluster_table: ibis.Table, start: int, end: int) -> ibis.Table:
    """Change of each region × cluster between two years of a cluster table, as Ibis.

    :func:`clusteratlas.mapping.trends` is its pandas form.

    Parameters
    ----------
    cluster_table:
        The table of :func:`~clusteratlas.mapping.build.build_cluster_table`, holding both
        years.
    start, end:
        The two years (``start < end``).

    Returns
    -------
    ibis.Table
        ``region, cluster, start_year, end_year, employment_start, employment_end,
        employment_change, employment_cagr, lq_start, lq_end, lq_change,
        region_share_start, region_share_end, region_share_change, benchmark_share_start,
        benchmark_share_end, benchmark_share_change,
        shift_national, shift_industry_mix, shift_regional, expected_change`` plus
        ``cluster_name, cluster_type, level``. Cells present in only one of the two years are
        dropped (inner join). Growth measures are NULL where the start value is 0.
    """
    if not isinstance(start, int) or not isinstance(end, int) or start >= end:
        raise InputError(
            f"need integer years with start < end, got {start}, {end}",
            parameter="start" if not isinstance(start, int) or start >= end else "end",
        )
    t = cluster_table
    cols = list(TRENDS_KEYS + TRENDS_VALUES)
    a = t.filter(t.year == start).select(
        *cols[:2],
        *TRENDS_LABELS,
        **{f"{c}_0": t[c] for c in cols[2:]},
    )
    b = t.filter(t.year == end).select(*cols[:2], **{f"{c}_1": t[c] for c in cols[2:]})
    j = a.join(b, ["region", "cluster"])
    e0 = j.employment_0.nullif(0)
    g_n = growth_rate(
        j.benchmark_universe_employment_0.nullif(0), j.benchmark_universe_employment_1
    )
    g_ns = growth_rate(j.benchmark_employment_0.nullif(0), j.benchmark_employment_1)
    g_rs = growth_rate(e0, j.employment_1)
    ns, im, rs = shift_share(j.employment_0, g_n, g_ns, g_rs)
    return j.select(
        "region",
        "cluster",
        start_year=ibis.literal(start),
        end_year=ibis.literal(end),
        employment_start=j.employment_0,
        employment_end=j.employment_1,
        employment_change=j.employment_1 - j.employment_0,
        employment_cagr=cagr(e0, j.employment_1, end - start),
        lq_start=j.lq_0,
        lq_end=j.lq_1,
        lq_change=lq_change(j.lq_0, j.lq_1),
        region_share_start=j.region_share_0,
        region_share_end=j.region_share_1,
        region_share_change=j.region_share_1 - j.region_share_0,
        benchmark_share_start=j.benchmark_share_0,
        benchmark_share_end=j.benchmark_share_1,
        benchmark_share_change=j.benchmark_share_1 - j.benchmark_share_0,
        shift_national=ns,
        shift_industry_mix=im,
        shift_regional=rs,
        expected_change=ns + im,
        cluster_name=j.cluster_name,
        cluster_type=j.cluster_type,
        level=j.level,
    )
