"""Location quotient (LQ): how concentrated a cluster is in a region relative to a benchmark."""

from __future__ import annotations

from typing import Any, TypeVar

T = TypeVar("T")


def location_quotient(e_rc: T, e_r: Any, e_c: Any, e: Any) -> T:
    """Location quotient of cluster ``c`` in region ``r``.

    Works element-wise on numbers, numpy arrays, pandas Series and Ibis numeric expressions
    (plain arithmetic only).

    Parameters
    ----------
    e_rc:
        Employment of cluster ``c`` in region ``r``.
    e_r:
        Employment of region ``r`` in the base universe (all industries for the EU ``total``
        convention; the traded or local universe for the CMP ``traded`` convention).
    e_c:
        Benchmark employment of cluster ``c`` (sum over the regions, or an external total such
        as the US or the EU-27).
    e:
        Benchmark employment of the same base universe.

    Returns
    -------
    The location quotient; 1 means the cluster weighs as much in the region as in the benchmark.

    Notes
    -----
    .. math:: LQ_{r,c} = \\frac{E_{r,c} / E_{r,U}}{E_{B,c} / E_{B,U}}

    where :math:`U` is the base universe and :math:`B` the benchmark. A zero denominator
    gives ``inf``/``nan`` with numpy; :func:`~clusteratlas.mapping.build.build_cluster_table`
    passes ``NULLIF(x, 0)`` so that such cells are NULL instead.

    References
    ----------
    European Cluster Observatory, cluster mapping methodology (specialisation measure);
    U.S. Cluster Mapping Project, ``cluster_calcs_mapper.js`` (LQ within the traded universe);
    Balland, P.-A., EconGeo ``location_quotient`` (Balassa RCA on employment).

    Examples
    --------
    A region with 30,000 auto jobs out of 1,000,000 (3 %), against a benchmark with
    2.4 M out of 200 M (1.2 %): 0.03 / 0.012 = 2.5.

    >>> round(location_quotient(30_000, 1_000_000, 2_400_000, 200_000_000), 12)
    2.5
    """
    return (e_rc / e_r) / (e_c / e)
