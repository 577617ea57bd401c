"""Summaries of a cluster table for a notebook user: region strength and trends, pandas only.

:func:`cluster_strength` and :func:`trends` take the DataFrame returned by
:func:`~clusteratlas.mapping.map_panel` / :func:`~clusteratlas.mapping.map_store` (or read
back from a written result) and return DataFrames. The computations are the Ibis expressions
of :func:`~clusteratlas.mapping.strength.region_cluster_strength` and
:func:`~clusteratlas.mapping.growth.trends_table`, run on an in-memory engine the caller never
sees. Each result carries the cluster table's provenance record in ``attrs["provenance"]``,
with ``table`` (and, for trends, ``trends: [start, end]``) added, so
:func:`~clusteratlas.mapping.output.write_result` writes a sidecar saying where it came from.
"""

from __future__ import annotations

import copy
from typing import Any

import ibis
import pandas as pd

from clusteratlas.engine import connect
from clusteratlas.errors import InputError
from clusteratlas.mapping.growth import TRENDS_KEYS, TRENDS_LABELS, TRENDS_VALUES, trends_table
from clusteratlas.mapping.strength import region_cluster_strength

#: Columns of a cluster table that the summaries read.
STRENGTH_NEEDS = ("region", "year", "level", "cluster_type", "employment", "strong", "strong10")
TRENDS_NEEDS = (*TRENDS_KEYS, "year", *TRENDS_VALUES, *TRENDS_LABELS)


def _table(result: pd.DataFrame, needs: tuple[str, ...]) -> ibis.Table:
    if not isinstance(result, pd.DataFrame):
        raise InputError(
            f"expected the DataFrame of map_panel or map_store, got {type(result).__name__}",
            parameter="result",
        )
    for col in needs:
        if col not in result.columns:
            raise InputError(
                "not a cluster table (see map_panel): missing column",
                column=col,
                parameter="result",
            )
    frame = result.copy(deep=False)
    frame.attrs = {}  # the record stays with the frames, not in the engine
    return ibis.memtable(frame)


def _record(result: pd.DataFrame, **extra: Any) -> dict[str, Any]:
    record = copy.deepcopy(result.attrs.get("provenance", {}))
    return {**record, **extra}


def cluster_strength(result: pd.DataFrame) -> pd.DataFrame:
    """Region cluster strength per region and year, from a cluster table.

    Parameters
    ----------
    result:
        A cluster table (:func:`~clusteratlas.mapping.map_panel`,
        :func:`~clusteratlas.mapping.map_store`).

    Returns
    -------
    pandas.DataFrame
        One row per region × year, sorted by year and region: ``region, year, level,
        traded_employment, strong_employment, cluster_strength, n_strong, n_strong10,
        n_clusters, n_star_clusters, n_three_star_clusters``. ``cluster_strength`` is the
        share of the region's traded employment in strong clusters,

        .. math:: S_r = \\sum_{c\\ traded,\\ strong} E_{r,c} / \\sum_{c\\ traded} E_{r,c}

        (NaN without traded employment); ``n_strong``/``n_strong10`` count strong traded
        clusters, ``n_clusters`` clusters with employment, ``n_star_clusters`` those with at
        least one star (the European Panorama's "clusters"), ``n_three_star_clusters`` those
        with three. ``attrs["provenance"]`` is the table's record with ``table="strength"``.

    References
    ----------
    U.S. Cluster Mapping Project, ``aggregate_calcs_mapper.js`` (``str_emp_per``);
    European Panorama 2020 (clusters = cells with at least one star).

    Examples
    --------
    Region A has 30 traded jobs in a strong cluster of 120 traded jobs:

    >>> t = pd.DataFrame({"region": "A", "cluster": ["T1", "T2"], "year": 2020, "level": None,
    ...     "cluster_type": "traded", "employment": [30.0, 90.0], "strong": [True, False],
    ...     "strong10": False, "stars": [1, 0]})
    >>> row = cluster_strength(t).iloc[0]
    >>> float(row.cluster_strength), int(row.n_strong), int(row.n_star_clusters)
    (0.25, 1, 1)
    """
    table = _table(result, (*STRENGTH_NEEDS, "stars"))
    expr = region_cluster_strength(table).order_by("year", "region")
    out = connect().to_pandas(expr)
    out.attrs["provenance"] = _record(result, table="strength")
    return out


def trends(result: pd.DataFrame, start: int, end: int) -> pd.DataFrame:
    """Change of each region × cluster between two years of a cluster table.

    Parameters
    ----------
    result:
        A cluster table holding both years.
    start, end:
        The two years, ``start < end``.

    Returns
    -------
    pandas.DataFrame
        One row per region × cluster present in both years, sorted by region and cluster:
        ``employment_start/_end/_change``, ``employment_cagr``
        (:func:`~clusteratlas.mapping.growth.cagr`), ``lq_start/_end/_change``,
        ``region_share_start/_end/_change`` (share of the region's universe),
        ``benchmark_share_start/_end/_change`` (share of the benchmark cluster), the
        shift-share terms ``shift_national, shift_industry_mix, shift_regional`` and
        ``expected_change`` (:func:`~clusteratlas.mapping.growth.shift_share`), plus
        ``cluster_name, cluster_type, level``. Growth measures are NaN where the start value
        is 0. ``attrs["provenance"]`` is the table's record with ``table="trends"`` and
        ``trends=[start, end]``.

    Raises
    ------
    InputError
        ``parameter="start"``/``"end"`` for a year the table does not hold or ``start >= end``.

    Examples
    --------
    Employment of A's cluster T doubles in five years while its LQ goes from 1.0 to 1.5:

    >>> t = pd.DataFrame({"region": "A", "cluster": "T", "year": [2015, 2020],
    ...     "employment": [100.0, 200.0], "lq": [1.0, 1.5], "region_share": [0.1, 0.15],
    ...     "benchmark_share": [0.01, 0.02], "benchmark_employment": [1e4, 1e4],
    ...     "benchmark_universe_employment": [1e5, 1e5], "cluster_name": "Tech",
    ...     "cluster_type": "traded", "level": None})
    >>> row = trends(t, 2015, 2020).iloc[0]
    >>> float(row.employment_change), round(float(row.employment_cagr), 4), float(row.lq_change)
    (100.0, 0.1487, 0.5)
    """
    for name, value in (("start", start), ("end", end)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise InputError(f"must be an integer year, got {value!r}", parameter=name)
    if start >= end:
        raise InputError(f"must be before end ({end}), got {start}", parameter="start")
    table = _table(result, TRENDS_NEEDS)
    have = set(pd.unique(result["year"]).tolist())
    for name, value in (("start", start), ("end", end)):
        if value not in have:
            shown = ", ".join(map(str, sorted(have))) or "none"
            raise InputError(
                f"the cluster table has no year {value} (years: {shown})", parameter=name
            )
    expr = trends_table(table, start, end).order_by("region", "cluster")
    out = connect().to_pandas(expr)
    out.attrs["provenance"] = _record(result, table="trends", trends=[start, end])
    return out
