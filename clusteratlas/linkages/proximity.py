"""Outcome-based proximity between industries (Hidalgo et al. 2007) and relatedness density.

Both follow the conventions of the ``ecomplexity`` package (Harvard Growth Lab) by default, so
that its outputs can serve as an oracle in the tests; the other conventions found in the
literature (zero diagonal, EconGeo's 0–100 scale) are options.
"""

from __future__ import annotations

import numpy as np

from clusteratlas.errors import InputError

DIAGONALS = ("one", "zero")


def proximity(m: np.ndarray, *, diagonal: str = "one", asymmetric: bool = False) -> np.ndarray:
    """Proximity of every pair of industries from co-specialisation.

    Notes
    -----
    With :math:`M` the binary region × industry presence matrix,
    :math:`C = M^\\top M` (co-occurrences) and :math:`u_p = C_{pp}` (ubiquity),

    .. math:: \\varphi_{pp'} = \\min\\{P(M_p = 1 \\mid M_{p'} = 1), P(M_{p'} = 1 \\mid M_p = 1)\\}
              = \\frac{C_{pp'}}{\\max(u_p, u_{p'})}.

    ``asymmetric=True`` keeps the conditional probability :math:`C_{pp'} / u_p` (row p).
    Diagonal: ``"one"`` (default, ``ecomplexity``: :math:`C_{pp}/u_p = 1`) or ``"zero"``
    (EconGeo; ``ecomplexity`` issue #38: an industry is not its own neighbour in densities).
    An industry present nowhere has proximity 0 to every other one.

    References
    ----------
    Hidalgo, C. A., Klinger, B., Barabási, A.-L. and Hausmann, R. (2007), "The product space
    conditions the development of nations", Science 317(5837):482–487.

    Examples
    --------
    Three regions; industry a is in regions 1 and 2, b in 1 and 2, c in 2 and 3:

    >>> m = np.array([[1, 1, 0], [1, 1, 1], [0, 0, 1]])
    >>> proximity(m).round(2).tolist()
    [[1.0, 1.0, 0.5], [1.0, 1.0, 0.5], [0.5, 0.5, 1.0]]
    """
    if diagonal not in DIAGONALS:
        raise InputError(
            f"diagonal must be one of {DIAGONALS}, got {diagonal!r}", parameter="diagonal"
        )
    m = np.asarray(m, dtype=float)
    c = _gram(m)
    u = np.diag(c).copy()
    with np.errstate(divide="ignore", invalid="ignore"):
        phi = c / (u[:, None] if asymmetric else np.maximum(u[:, None], u[None, :]))
    np.nan_to_num(phi, copy=False, nan=0.0, posinf=0.0)
    if diagonal == "one":
        np.fill_diagonal(phi, 1.0)
    else:
        np.fill_diagonal(phi, 0.0)
    return phi


def _gram(m: np.ndarray) -> np.ndarray:
    """:math:`M^\\top M` through BLAS ``syrk`` (half the products of a general matmul).

    A 0/1 presence matrix with fewer than :math:`2^{24}` rows is multiplied in single
    precision (``ssyrk``, twice the speed): its co-occurrence counts are integers below
    :math:`2^{24}`, which ``float32`` holds and sums exactly, so the result is the same.
    """
    import scipy.linalg.blas

    if m.shape[0] == 0:
        return np.zeros((m.shape[1], m.shape[1]))
    if m.shape[0] < 2**24 and ((m == 0) | (m == 1)).all():
        c = scipy.linalg.blas.ssyrk(1.0, np.asfortranarray(m.T, dtype=np.float32), trans=0)
        c = c.astype(float)
    else:
        c = scipy.linalg.blas.dsyrk(1.0, np.asfortranarray(m.T), trans=0, lower=0)
    # syrk leaves the lower triangle 0: add the mirror, then halve the doubled diagonal (exact)
    c = c + c.T
    c[np.diag_indices_from(c)] *= 0.5
    return c


def continuous_proximity(rca: np.ndarray) -> np.ndarray:
    """Continuous proximity: :math:`\\varphi = (1 + \\rho)/2`, with :math:`\\rho` the Pearson
    correlation of the industries' RCA columns across regions (``ecomplexity``,
    ``continuous=True``).

    Examples
    --------
    >>> rca = np.array([[2.0, 1.0, 0.5], [1.0, 0.5, 1.5], [0.5, 0.25, 1.0]])
    >>> continuous_proximity(rca)[0, 1].round(6)
    np.float64(1.0)
    """
    return (1.0 + np.corrcoef(np.asarray(rca, dtype=float).T)) / 2.0


def density(m: np.ndarray, phi: np.ndarray, *, scale: float = 1.0) -> np.ndarray:
    """Relatedness density of each region around each industry.

    Notes
    -----
    .. math:: d_{cp} = \\text{scale} \\cdot
              \\frac{\\sum_{p'} M_{cp'} \\varphi_{pp'}}{\\sum_{p'} \\varphi_{pp'}}

    the share of the industries related to p (weighted by proximity) in which region c is
    specialised. ``scale=1`` is ``ecomplexity`` (0–1, non-knn formula); ``scale=100`` is
    EconGeo's ``relatedness.density``. With the diagonal 1 (default of :func:`proximity`) a
    region's own specialisation in p counts; use ``diagonal="zero"`` for the
    "other industries only" reading. Industries with no proximity to anything get NaN.

    References
    ----------
    Hidalgo et al. (2007), Science 317:482–487; Boschma, Balland and Kogler (2015),
    "Relatedness and technological change in cities", Industrial and Corporate Change 24(1).

    Examples
    --------
    >>> m = np.array([[1, 1, 0], [1, 1, 1], [0, 0, 1]])
    >>> density(m, proximity(m)).round(3).tolist()[0]
    [0.8, 0.8, 0.5]
    """
    phi = np.asarray(phi, dtype=float)
    den = np.nansum(phi, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        weights = phi.T / den[None, :]
    return scale * (np.asarray(m, dtype=float) @ weights)
