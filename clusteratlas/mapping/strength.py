"""Cluster strength: ECO-style stars and CMP-style ``strong`` flags, plus regional strength.

Two families of rules are computed side by side from the same cluster table:

* **Stars** (European Cluster Observatory / EOCIC): one star each for size, specialisation
  and productivity; 0–3 stars per region × cluster × year.
* **Strong clusters** (U.S. Cluster Mapping Project): top quartile (``strong``) or top decile
  (``strong10``) of specialisation among regions of the same type, with a minimum size and
  establishment count, and an LQ of at least 1. Only traded clusters can be strong.

Every threshold lives in :class:`Thresholds`. Percentile cut-offs are computed per cluster,
year and region level over the regions with employment > 0, by linear interpolation
(``QUANTILE_CONT``; numpy's default ``method="linear"``); see :func:`percentile_linear`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from clusteratlas.errors import InputError


@dataclass(frozen=True)
class Thresholds:
    """Thresholds of the star rating and of the strong-cluster flags.

    Attributes
    ----------
    star_lq:
        Specialisation star when ``LQ >= star_lq`` (default 2.0; ECO "twice the European
        share" — the threshold itself is not verified from the ECO methodology report).
    star_size_quantile:
        Size star when employment is at or above this percentile of the regions' employment
        in the cluster (default 0.90: "top 10 % of regions", verified for the original ECO).
    star_productivity_quantile:
        Productivity star when the wage is at or above this percentile of the regions' wages
        in the cluster (default 0.90; a configurable default, not verified).
    star_min_employment:
        Optional gate: a cell earns stars only with at least this employment (default 0:
        off; any cell with employment > 0 may earn stars).
    strong_lq_quantile:
        ``strong`` needs ``LQ >= `` this percentile of LQ (default 0.75, verified from CMP).
    strong10_lq_quantile:
        ``strong10`` needs ``LQ >= `` this percentile of LQ (default 0.90, verified from CMP).
    strong_size_quantile:
        ``strong``/``strong10`` need employment and establishments strictly above this
        percentile (default 0.25, verified from CMP).
    strong_min_lq:
        ``strong``/``strong10`` also need ``LQ >= strong_min_lq`` (default 1.0, verified).
    """

    star_lq: float = 2.0
    star_size_quantile: float = 0.90
    star_productivity_quantile: float = 0.90
    star_min_employment: float = 0.0
    strong_lq_quantile: float = 0.75
    strong10_lq_quantile: float = 0.90
    strong_size_quantile: float = 0.25
    strong_min_lq: float = 1.0

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            if not isinstance(value, int | float) or not np.isfinite(value):
                raise InputError(f"must be a finite number, got {value!r}", parameter=name)
            if name.endswith("_quantile") and not 0.0 <= value <= 1.0:
                raise InputError(f"must be between 0 and 1, got {value}", parameter=name)
            if value < 0:
                raise InputError(f"must not be negative, got {value}", parameter=name)

    def as_dict(self) -> dict[str, float]:
        """The thresholds as a plain dict (for provenance records)."""
        return asdict(self)


def percentile_linear(values: Any, q: float) -> float:
    """The ``q``-quantile of the positive, finite ``values`` by linear interpolation.

    This is the convention of every percentile cut-off in cluster mapping: the population is
    the regions (of one level) with employment > 0 in the cluster and year; the quantile is
    interpolated linearly between order statistics (type 7 of Hyndman & Fan, numpy's default,
    SQL ``QUANTILE_CONT``). The Ibis pipeline uses ``column.quantile(q)``; this function is
    its numpy twin, used in tests and small computations.

    Parameters
    ----------
    values:
        Values of the regions; non-positive and non-finite values are dropped.
    q:
        Quantile in [0, 1].

    References
    ----------
    Hyndman, R. J. & Fan, Y. (1996), "Sample quantiles in statistical packages", The American
    Statistician 50(4):361–365 (definition 7).

    Examples
    --------
    Positions run from 0 to n-1; the 0.75-quantile of [1, 2, 3, 4, 10] sits at position 3:

    >>> percentile_linear([0, 1, 2, 3, 4, 10], 0.75)
    4.0
    >>> percentile_linear([1, 2, 3, 4], 0.25)
    1.75
    """
    arr = np.asarray(values, dtype=float)
    arr = arr[np.isfinite(arr) & (arr > 0)]
    if arr.size == 0:
        return float("nan")
    return float(np.quantile(arr, q, method="linear"))


def star_size(employment: Any, cut: Any) -> Any:
    """Size star: ``employment >= cut`` where ``cut`` is the size percentile of the cluster.

    Examples
    --------
    >>> star_size(30_000, 25_000)
    True
    """
    return employment >= cut


def star_specialisation(lq: Any, lq_min: float = 2.0) -> Any:
    """Specialisation star: ``LQ >= lq_min`` (default 2: twice the benchmark share).

    Examples
    --------
    >>> star_specialisation(2.5)
    True
    """
    return lq >= lq_min


def star_productivity(wage: Any, cut: Any) -> Any:
    """Productivity star: ``wage >= cut`` where ``cut`` is the wage percentile of the cluster.

    Comparing raw wages within one cluster ranks regions exactly as the wage relative to
    the cluster mean does, so no normalisation is needed for the star.

    Examples
    --------
    >>> star_productivity(48_000, 54_000)
    False
    """
    return wage >= cut


def _as_int(flag: Any) -> Any:
    if hasattr(flag, "cast"):  # Ibis boolean expression
        return flag.cast("int8")
    return np.asarray(flag, dtype=int)


def star_count(size: Any, specialisation: Any, productivity: Any) -> Any:
    """Number of stars, 0–3: one per criterion met.

    References
    ----------
    European Cluster Observatory star rating; EOCIC Cluster Mapping Tool ("cluster strength
    = specialisation, size and productivity"); 2020 European Panorama levels: 1 star basic,
    2 medium, 3 high-performing.

    Examples
    --------
    >>> int(star_count(True, True, False))
    2
    """
    return _as_int(size) + _as_int(specialisation) + _as_int(productivity)


def is_strong(
    lq: Any,
    lq_cut: Any,
    employment: Any,
    employment_cut: Any,
    establishments_ok: Any,
    min_lq: float = 1.0,
) -> Any:
    """CMP strong-cluster rule (``strong`` with the 75th LQ percentile, ``strong10`` the 90th).

    Parameters
    ----------
    lq, lq_cut:
        The cell's LQ and the LQ percentile of the cluster (75th or 90th).
    employment, employment_cut:
        The cell's employment and the 25th percentile of employment.
    establishments_ok:
        ``establishments > 25th percentile of establishments``, or ``True`` where the
        establishment count is unknown.
    min_lq:
        Floor on the LQ (1.0).

    Notes
    -----
    .. math:: strong = LQ \\ge Q_{0.75}(LQ) \\wedge E > Q_{0.25}(E) \\wedge
              N > Q_{0.25}(N) \\wedge LQ \\ge 1

    References
    ----------
    U.S. Cluster Mapping Project, ``cluster_calcs_reducer.js``.

    Examples
    --------
    LQ quantiles q75 = 1.3, q90 = 2.2; a cell with LQ 2.5 and enough jobs and firms is strong
    and strong10:

    >>> bool(is_strong(2.5, 1.3, 30_000, 800, True)), bool(is_strong(2.5, 2.2, 30_000, 800, True))
    (True, True)
    """
    return (lq >= lq_cut) & (employment > employment_cut) & establishments_ok & (lq >= min_lq)


def strong_employment_share(strong_employment: Any, traded_employment: Any) -> Any:
    """Region cluster strength: share of traded employment that sits in strong clusters.

    Notes
    -----
    .. math:: S_r = \\sum_{c\\ traded,\\ strong} E_{r,c} / \\sum_{c\\ traded} E_{r,c}

    References
    ----------
    U.S. Cluster Mapping Project, ``aggregate_calcs_mapper.js`` (``str_emp_per``).

    Examples
    --------
    >>> strong_employment_share(30, 120)
    0.25
    """
    return strong_employment / traded_employment


def region_cluster_strength(cluster_table: Any) -> Any:
    """Region cluster strength per region × year, from a cluster table.

    Parameters
    ----------
    cluster_table:
        The Ibis table of :func:`~clusteratlas.mapping.build.build_cluster_table`.

    Returns
    -------
    ibis.Table
        ``region, year, level, traded_employment, strong_employment, cluster_strength,
        n_strong, n_strong10, n_clusters, n_star_clusters, n_three_star_clusters`` — where
        ``n_clusters`` counts clusters with employment > 0, ``n_three_star_clusters`` those
        with all three stars, and ``n_star_clusters`` counts clusters with
        at least one star, and ``cluster_strength`` is NULL when the region has no traded
        employment.

    References
    ----------
    U.S. Cluster Mapping Project, ``aggregate_calcs_mapper.js`` (``str_emp_per``,
    ``str_emp_tl``); European Panorama 2020 (clusters = cells with at least one star).
    """
    t = cluster_table
    traded = t.cluster_type == "traded"
    agg = t.group_by("region", "year").agg(
        level=t.level.min(),
        traded_employment=t.employment.sum(where=traded),
        strong_employment=t.employment.sum(where=traded & t.strong),
        n_strong=(traded & t.strong).cast("int64").sum(),
        n_strong10=(traded & t.strong10).cast("int64").sum(),
        n_clusters=(t.employment > 0).cast("int64").sum(),
        n_star_clusters=(t.stars > 0).cast("int64").sum(),
        n_three_star_clusters=(t.stars == 3).cast("int64").sum(),
    )
    agg = agg.mutate(strong_employment=agg.strong_employment.fill_null(0.0))
    return agg.select(
        "region",
        "year",
        "level",
        "traded_employment",
        "strong_employment",
        cluster_strength=strong_employment_share(
            agg.strong_employment, agg.traded_employment.nullif(0)
        ),
        n_strong="n_strong",
        n_strong10="n_strong10",
        n_clusters="n_clusters",
        n_star_clusters="n_star_clusters",
        n_three_star_clusters="n_three_star_clusters",
    )
