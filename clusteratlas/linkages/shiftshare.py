"""Job creation against the benchmark and shift-share decompositions (classic,
Esteban-Marquillas, dynamic), as Ibis expressions on a tidy ``region, unit, year,
employment`` table.

The arithmetic functions (:func:`job_creation`, :func:`classic`, :func:`esteban_marquillas`)
accept numbers, numpy arrays or Ibis columns alike, so they are unit-tested on numbers and run
inside the engine. The benchmark (the "nation") is the sum over every region of the table;
the benchmark total is the sum over every unit (e.g. all clusters of a scheme).

Convention for cells that start at 0 (a cluster new to a region): the national share and
industry mix are 0 and the whole change is regional shift; the Esteban-Marquillas split of that
shift is NULL, since the regional growth rate is undefined. Missing cells count as 0 in
both years, so the components always sum to the actual change.
"""

from __future__ import annotations

from typing import Any

import ibis

from clusteratlas.errors import InputError


def job_creation(e0: Any, e1: Any, b0: Any, b1: Any) -> tuple[Any, Any]:
    """Actual job creation and its benchmark ("expected") value.

    Notes
    -----
    .. math:: \\text{actual} = E_1 - E_0, \\qquad
              \\text{expected} = E_0 \\frac{B_1 - B_0}{B_0}

    where :math:`B` is the benchmark cluster's employment: the change had the regional cluster
    grown at the benchmark cluster's rate. ``actual - expected`` is the regional shift.

    References
    ----------
    U.S. Cluster Mapping Project, ``report.js`` (``jobCreation``).

    Examples
    --------
    >>> job_creation(27_000, 30_000, 2_400_000, 2_352_000)
    (3000, -540.0)
    """
    return e1 - e0, e0 * (b1 - b0) / b0


def classic(e0: Any, e1: Any, g_n: Any, g_ns: Any) -> tuple[Any, Any, Any]:
    """Classic (Dunn) shift-share: ``(national share, industry mix, regional shift)``.

    Notes
    -----
    .. math:: NS = E_0 g_N, \\quad IM = E_0 (g_{N,s} - g_N), \\quad
              RS = E_1 - E_0 (1 + g_{N,s}) = E_0 (g_{r,s} - g_{N,s})

    so that :math:`NS + IM + RS = E_1 - E_0` exactly (also when :math:`E_0 = 0`).

    References
    ----------
    Dunn, E. S. (1960), Papers of the Regional Science Association 6:97–112.

    Examples
    --------
    E0 = 27,000, E1 = 30,000, benchmark +4 %, benchmark cluster −2 %:

    >>> [round(v) for v in classic(27_000, 30_000, 0.04, -0.02)]
    [1080, -1620, 3540]
    """
    return e0 * g_n, e0 * (g_ns - g_n), e1 - e0 * (1 + g_ns)


def esteban_marquillas(
    e0: Any, e1: Any, e_r0: Any, b_s0: Any, b0: Any, g_ns: Any
) -> tuple[Any, Any, Any]:
    """Esteban-Marquillas split of the regional shift.

    Notes
    -----
    Homothetic employment (the region's size with the benchmark's structure):

    .. math:: E^*_{r,s} = E_{r,\\cdot,0} \\, B_{s,0} / B_{0}

    Competitive effect :math:`CE = E^* (g_{r,s} - g_{N,s})`; allocation effect
    :math:`AE = (E_0 - E^*) (g_{r,s} - g_{N,s})`; :math:`CE + AE = RS`. AE > 0 when the region
    is specialised (LQ > 1) in a cluster where it is competitive, or unspecialised where it
    is not. Returns ``(homothetic, competitive, allocation)``.

    References
    ----------
    Esteban-Marquillas, J. M. (1972), "A reinterpretation of shift-share analysis", Regional
    and Urban Economics 2(3):249–255.

    Examples
    --------
    Region of 1,000,000 jobs, 27,000 → 30,000 in the cluster; benchmark cluster 2.4 M of 200 M
    jobs (1.2 %), growing −2 %: E* = 12,000; g_rs − g_Ns = 0.1311; CE = 1,573; AE = 1,967.

    >>> [round(v) for v in esteban_marquillas(27_000, 30_000, 1_000_000, 2.4e6, 200e6, -0.02)]
    [12000, 1573, 1967]
    """
    homothetic = e_r0 * b_s0 / b0
    diff = e1 / e0 - 1 - g_ns
    return homothetic, homothetic * diff, (e0 - homothetic) * diff


def _pair(table: ibis.Table, unit: str, y0: Any, y1: Any) -> ibis.Table:
    """Cells of years y0 and y1 side by side (a missing cell counts as 0), with the region,
    benchmark-unit and benchmark-total employment of both years."""
    t = table.filter(table.year.isin([y0, y1]))
    t = t.group_by("region", unit, "year").agg(employment=t.employment.sum())
    first, last = t.year == y0, t.year == y1
    cells = t.group_by("region", unit).agg(
        e0=ibis.coalesce(t.employment.sum(where=first), 0.0),
        e1=ibis.coalesce(t.employment.sum(where=last), 0.0),
    )
    regs = t.group_by("region").agg(
        e_r0=t.employment.sum(where=first), e_r1=t.employment.sum(where=last)
    )
    units = t.group_by(unit).agg(
        b_s0=t.employment.sum(where=first), b_s1=t.employment.sum(where=last)
    )
    tots = t.agg(b0=t.employment.sum(where=first), b1=t.employment.sum(where=last))
    return cells.join(regs.view(), "region").join(units.view(), unit).cross_join(tots.view())


def shift_share(table: ibis.Table, start: int, end: int, *, unit: str = "cluster") -> ibis.Table:
    """Classic and Esteban-Marquillas shift-share of every region × unit from ``start`` to
    ``end``, with the CMP's job creation against the benchmark.

    Columns: ``region, <unit>, start_year, end_year, employment_start, employment_end,
    actual_change, expected_change, national_share, industry_mix, regional_shift,
    homothetic_employment, competitive_effect, allocation_effect``.
    """
    _check_years(start, end)
    j = _pair(table, unit, start, end)
    b_s0 = j.b_s0.nullif(0.0)
    g_n = j.b1 / j.b0.nullif(0.0) - 1
    g_ns = ibis.coalesce(j.b_s1, 0.0) / b_s0 - 1
    # a unit absent from the benchmark at the start has e0 = 0: NS = IM = 0, RS = e1
    ns, im, rs = classic(j.e0, j.e1, g_n, ibis.coalesce(g_ns, 0.0))
    e0 = j.e0.nullif(0.0)
    hom, ce, ae = esteban_marquillas(e0, j.e1, j.e_r0, j.b_s0, j.b0, g_ns)
    _, expected = job_creation(j.e0, j.e1, b_s0, ibis.coalesce(j.b_s1, 0.0))
    return j.select(
        "region",
        unit,
        start_year=ibis.literal(start),
        end_year=ibis.literal(end),
        employment_start=j.e0,
        employment_end=j.e1,
        actual_change=j.e1 - j.e0,
        expected_change=expected,
        national_share=ns,
        industry_mix=im,
        regional_shift=rs,
        homothetic_employment=hom,
        competitive_effect=ce,
        allocation_effect=ae,
    )


def dynamic_shift_share(
    table: ibis.Table, start: int, end: int, *, unit: str = "cluster"
) -> ibis.Table:
    """Dynamic shift-share: the classic decomposition year by year, summed over the period.

    Notes
    -----
    .. math:: C_{r,s} = \\sum_{t=t_0}^{t_1 - 1} C_{r,s}(t \\to t + 1), \\quad
              C \\in \\{NS, IM, RS\\}

    with growth rates and base employment updated every year, which avoids the base-year drift
    of the static version over long periods. The steps run between consecutive years present
    in the table. Columns: ``region, <unit>, start_year, end_year, steps, actual_change,
    national_share, industry_mix, regional_shift``.

    References
    ----------
    Barff, R. A. and Knight, P. L. (1988), "Dynamic shift-share analysis", Growth and Change
    19(2):1–10.
    """
    _check_years(start, end)
    years = table.filter((table.year >= start) & (table.year <= end)).year
    steps = years.as_table().distinct().mutate(nxt=ibis._.year.lead().over(order_by="year"))
    steps = steps.filter(steps.nxt.notnull())
    parts = None
    for row in steps.to_pyarrow().to_pylist():
        y0, y1 = row["year"], row["nxt"]
        j = _pair(table, unit, y0, y1)
        g_n = j.b1 / j.b0.nullif(0.0) - 1
        g_ns = ibis.coalesce(ibis.coalesce(j.b_s1, 0.0) / j.b_s0.nullif(0.0) - 1, 0.0)
        ns, im, rs = classic(j.e0, j.e1, g_n, g_ns)
        step = j.select(
            "region",
            unit,
            ch=j.e1 - j.e0,
            ns=ibis.coalesce(ns, 0.0),
            im=ibis.coalesce(im, 0.0),
            rs=rs,
        )
        parts = step if parts is None else parts.union(step, distinct=False)
    if parts is None:
        raise InputError(f"no two years between {start} and {end}", parameter="years")
    return parts.group_by("region", unit).agg(
        start_year=ibis.literal(start),
        end_year=ibis.literal(end),
        steps=parts.ch.count(),
        actual_change=parts.ch.sum(),
        national_share=parts.ns.sum(),
        industry_mix=parts.im.sum(),
        regional_shift=parts.rs.sum(),
    )


def _check_years(start: Any, end: Any) -> None:
    if not isinstance(start, int) or not isinstance(end, int) or start >= end:
        raise InputError(
            f"need integer years with start < end, got {start}, {end}", parameter="--years"
        )
