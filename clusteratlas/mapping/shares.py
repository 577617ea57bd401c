"""Employment shares: a cluster's weight in its region, and a region's share of a cluster."""

from __future__ import annotations

from typing import Any, TypeVar

T = TypeVar("T")


def region_share(e_rc: T, e_r: Any) -> T:
    """Share of the region's base-universe employment that is in cluster ``c``.

    Works element-wise on numbers, numpy arrays, pandas Series and Ibis expressions.

    Parameters
    ----------
    e_rc:
        Employment of cluster ``c`` in region ``r``.
    e_r:
        Employment of region ``r`` in the base universe (all industries, or the traded /
        local universe with the CMP convention).

    Notes
    -----
    .. math:: s^{region}_{r,c} = E_{r,c} / E_{r,U}

    This is the CMP's ``region_emp_per`` (with the traded base) and the ECO "focus" measure
    (with the total base).

    References
    ----------
    U.S. Cluster Mapping Project, ``cluster_calcs_mapper.js`` (``region_emp_per``).

    Examples
    --------
    >>> region_share(250, 1000)
    0.25
    """
    return e_rc / e_r


def benchmark_share(e_rc: T, e_c: Any) -> T:
    """The region's share of the benchmark's employment in cluster ``c``.

    Works element-wise on numbers, numpy arrays, pandas Series and Ibis expressions.

    Parameters
    ----------
    e_rc:
        Employment of cluster ``c`` in region ``r``.
    e_c:
        Benchmark employment in cluster ``c`` (sum over regions, or an external total).

    Notes
    -----
    .. math:: s^{bench}_{r,c} = E_{r,c} / E_{B,c}

    This is the CMP's ``cluster_emp_per`` ("national share") used in its specialisation
    charts. With the sum-of-regions benchmark, the shares of one cluster sum to 1.

    References
    ----------
    U.S. Cluster Mapping Project, ``cluster_calcs_mapper.js`` (``cluster_emp_per``).

    Examples
    --------
    >>> benchmark_share(30_000, 2_400_000)
    0.0125
    """
    return e_rc / e_c
