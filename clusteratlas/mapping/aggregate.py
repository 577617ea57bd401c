"""Aggregation of industries into clusters (weighted, NULL-aware)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import ibis

#: Additive measures of a panel, aggregated from industries to clusters.
MEASURES = ("employment", "establishments", "payroll")


def weighted_value(value: Any, weight: Any) -> Any:
    """The part of an industry's value that belongs to a cluster: ``weight * value``.

    Notes
    -----
    A cluster's measure is the weighted sum over its member industries,

    .. math:: X_{r,c} = \\sum_{i \\in c} w_{i,c} \\, X_{r,i}

    where :math:`w_{i,c}` is the definitions' ``weight`` (1 when an industry belongs wholly to
    the cluster; a fraction when a concordance splits it). Missing values (NULL) are skipped:
    the sum is NULL only when *every* member is NULL, so one suppressed industry does not blank
    out its cluster (the same rule as SQL ``SUM``).

    References
    ----------
    U.S. Cluster Mapping Project, ``naics_reducer.js`` (cluster = sum over member NAICS codes);
    European Cluster Observatory (cluster categories as sums of NACE classes).

    Examples
    --------
    An industry of 200 jobs split 25 % / 75 % between two clusters:

    >>> weighted_value(200, 0.25), weighted_value(200, 0.75)
    (50.0, 150.0)
    """
    return weight * value


def aggregate_to_clusters(
    panel: ibis.Table,
    definitions: ibis.Table,
    keys: Sequence[str] = ("region", "year"),
    *,
    wage_employment: str | None = None,
    total_industry: str | None = None,
) -> ibis.Table:
    """Sum a region × industry × year panel into clusters, and region totals in the same pass.

    Parameters
    ----------
    panel:
        Columns ``industry``, the ``keys``, and float columns ``employment``,
        ``establishments``, ``payroll`` (NULL where unknown).
    definitions:
        Columns ``industry``, ``cluster``, ``weight``.
    keys:
        Panel columns that identify a cell besides the industry.
    wage_employment:
        Panel column used as the wage denominator (e.g. ``employment_reported``), or ``None``
        for ``employment``. Only members whose payroll is known count in the denominator, so
        that a suppressed payroll does not dilute the cluster's wage.
    total_industry:
        An industry code whose rows carry the region totals; they join no cluster.

    Returns
    -------
    One row per ``keys`` × cluster with ``employment``, ``establishments``, ``payroll``,
    ``wage_employment`` (the denominator of :func:`~clusteratlas.mapping.wages.wage`), plus
    rows with a NULL ``cluster`` for industries that belong to no cluster, and a column
    ``total_part``: summed over a region's rows (NULL cluster included) it gives the region's
    employment over *all* industries of the panel (each industry counted once, split evenly
    over the clusters it joins), or the ``total_industry`` employment when one is given.

    Notes
    -----
    Computing the totals in the same pass means the panel is read once; an 8-million-row
    panel is neither scanned twice nor materialised.
    """
    defs = definitions.select("industry", "cluster", "weight")
    defs = defs.mutate(share=1.0 / defs.count().over(group_by="industry"))
    cond = panel.industry == defs.industry
    if total_industry is not None:
        cond = cond & (panel.industry != total_industry)
    joined = panel.left_join(defs, cond)
    w = joined.weight
    denominator = joined[wage_employment] if wage_employment else joined.employment
    if total_industry is None:
        total_part = (joined.employment * joined.share.fill_null(1.0)).sum()
    else:
        total_part = joined.employment.sum(where=joined.industry == total_industry)
    return joined.group_by([*keys, "cluster"]).agg(
        employment=weighted_value(joined.employment, w).sum(),
        establishments=weighted_value(joined.establishments, w).sum(),
        payroll=weighted_value(joined.payroll, w).sum(),
        wage_employment=weighted_value(denominator, w).sum(where=joined.payroll.notnull()),
        total_part=total_part,
    )
