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
) -> ibis.Table:
    """Sum a region × industry × year panel into clusters.

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

    Returns
    -------
    One row per ``keys`` × cluster with ``employment``, ``establishments``, ``payroll`` and
    ``wage_employment`` (the denominator of :func:`~clusteratlas.mapping.wages.wage`).
    """
    joined = panel.join(definitions.select("industry", "cluster", "weight"), "industry")
    w = joined.weight
    denominator = joined[wage_employment] if wage_employment else joined.employment
    return joined.group_by([*keys, "cluster"]).agg(
        employment=weighted_value(joined.employment, w).sum(),
        establishments=weighted_value(joined.establishments, w).sum(),
        payroll=weighted_value(joined.payroll, w).sum(),
        wage_employment=weighted_value(denominator, w).sum(where=joined.payroll.notnull()),
    )
