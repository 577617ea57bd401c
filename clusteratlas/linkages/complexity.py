"""Revealed comparative advantage, economic complexity (ECI/PCI) and complexity outlook.

Everything here is numpy on one year's region × industry matrix ``X`` (see
:mod:`clusteratlas.linkages.matrix`). The defaults reproduce the ``ecomplexity`` package
(``cid-harvard/py-ecomplexity``), which the tests use as an oracle:

* presence :math:`M = 1\\{RCA \\ge 1\\}`;
* ECI/PCI from the eigenvector of the second largest eigenvalue, with the sign chosen so that
  ECI correlates positively with diversity;
* ECI standardised with its mean and *population* standard deviation; PCI shifted and scaled
  with the same two numbers (so a region's ECI is the mean PCI of its industries);
* COI z-scored (population std); COG divided by the (raw) ECI's standard deviation.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterable, Iterator, Sized
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import scipy.linalg
import scipy.linalg.blas
import scipy.sparse.linalg

from clusteratlas.engine import THREADS_ENV
from clusteratlas.errors import InputError

T = TypeVar("T")


def rca(x: np.ndarray) -> np.ndarray:
    """Balassa's revealed comparative advantage (the location quotient).

    Notes
    -----
    .. math:: RCA_{cp} = \\frac{X_{cp} / \\sum_{p'} X_{cp'}}
              {\\sum_{c'} X_{c'p} / \\sum_{c'p'} X_{c'p'}}

    References
    ----------
    Balassa, B. (1965), "Trade liberalisation and revealed comparative advantage", The
    Manchester School 33(2):99–123.

    Examples
    --------
    Region A has 30 of its 100 jobs in p; the economy has 50 of its 500 jobs in p:

    >>> x = np.array([[30.0, 70.0], [20.0, 380.0]])
    >>> rca(x)[0, 0].round(6)
    np.float64(3.0)
    """
    x = np.asarray(x, dtype=float)
    rows, cols = x.sum(axis=1), x.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        # one scaling pass: X_cp * ((1 / X_c) * (X / X_p)), the factor formed in the output
        out = np.multiply.outer(1.0 / rows, cols.sum() / cols)
        out *= x
        return out


def presence(r: np.ndarray, threshold: float = 1.0) -> np.ndarray:
    """Binary specialisation matrix :math:`M_{cp} = 1\\{RCA_{cp} \\ge \\text{threshold}\\}`
    (NaN counts as 0), as ``float64`` 0/1.

    Examples
    --------
    >>> presence(np.array([[3.0, 0.99], [np.nan, 1.0]])).tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """
    with np.errstate(invalid="ignore"):
        return (np.asarray(r, dtype=float) >= threshold).astype(float)  # NaN >= t is False


def eigen_complexity(m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Raw complexity eigenvectors ``(kc, kp)`` of a presence matrix (eigenvector method).

    Notes
    -----
    With diversity :math:`k_c = \\sum_p M_{cp}` and ubiquity :math:`u_p = \\sum_c M_{cp}`,
    :math:`\\tilde M_{pp'} = \\sum_c M_{cp} M_{cp'} / (u_p k_c)`. ``kp`` is the eigenvector of
    :math:`\\tilde M` for its second largest eigenvalue and :math:`kc_c = \\sum_p M_{cp} kp_p
    / k_c`. :math:`\\tilde M` is similar to the symmetric :math:`B^\\top B` with
    :math:`B = K^{-1/2} M U^{-1/2}`, so a symmetric eigensolver is used
    (:math:`kp = U^{-1/2} v`; see :func:`_second_eigenvector`): faster and free of complex
    round-off. The sign is chosen so
    that ``kc`` correlates positively with diversity; the scale is arbitrary (only the
    standardised indices of :func:`standardise` are meaningful). Regions with zero diversity
    and industries with zero ubiquity get NaN.

    References
    ----------
    Hidalgo, C. A. and Hausmann, R. (2009), "The building blocks of economic complexity",
    PNAS 106(26):10570–10575; Hausmann, Hidalgo et al. (2014), The Atlas of Economic
    Complexity, MIT Press.
    """
    m = np.asarray(m, dtype=float)
    k = m.sum(axis=1)
    u = m.sum(axis=0)
    rows, cols = k > 0, u > 0
    kc = np.full(m.shape[0], np.nan)
    kp = np.full(m.shape[1], np.nan)
    mv = m if rows.all() and cols.all() else m[np.ix_(rows, cols)]
    if mv.shape[0] < 2 or mv.shape[1] < 2:
        return kc, kp
    k_v, u_v = k[rows], u[cols]
    vec = _second_eigenvector(mv, k_v, u_v)
    kp_v = vec / np.sqrt(u_v)
    kc_v = (mv @ kp_v) / k_v
    if np.std(kc_v) > 0 and np.std(k_v) > 0 and np.corrcoef(k_v, kc_v)[0, 1] < 0:
        kc_v, kp_v = -kc_v, -kp_v
    kc[rows], kp[cols] = kc_v, kp_v
    return kc, kp


#: Up to this many industries :math:`A` is formed (one BLAS ``syrk``) and its eigenvector found
#: by Lanczos on the dense matrix; above it Lanczos works from products with :math:`M` alone
#: (:math:`A` never formed: memory and time grow with the non-zeros rather than with ``n^2``).
DENSE_EIGEN_LIMIT = 2000
#: Up to this many industries one dense LAPACK eigensolve is used (Lanczos needs ``n`` well
#: above the two vectors it keeps, and on a small matrix the direct solve costs nothing).
SMALL_EIGEN_LIMIT = 64


def _second_eigenvector(m: np.ndarray, k: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Eigenvector of the second largest eigenvalue of :math:`A = B^\\top B`,
    :math:`B = K^{-1/2} M U^{-1/2}`.

    :math:`A`'s largest eigenvalue is 1 with eigenvector :math:`v_1 = \\sqrt{u}/\\lVert
    \\sqrt{u}\\rVert` (:math:`\\tilde M` is row-stochastic), so the wanted eigenvector is the
    *largest* of the deflated :math:`A - v_1 v_1^\\top`. Lanczos (ARPACK ``eigsh``, tolerance
    0 = machine precision) finds it from a few dozen matrix-vector products, where a dense
    solve first reduces all of :math:`A` to tridiagonal form (``numpy.linalg.eig`` of the
    non-symmetric :math:`\\tilde M` in ``ecomplexity`` does even more). On the large benchmark
    panel (600 industries) the two agree to 4e-16 and Lanczos takes 2.4 ms against LAPACK's
    15 ms. Up to :data:`SMALL_EIGEN_LIMIT` industries, and whenever Lanczos does not converge,
    LAPACK's MRRR solver (``syevr``, only the eigenpair wanted) on :math:`A` is used.
    """
    n = m.shape[1]
    rk, ru = 1.0 / np.sqrt(k), 1.0 / np.sqrt(u)
    v1 = np.sqrt(u) / np.linalg.norm(np.sqrt(u))

    def formed() -> np.ndarray:
        """The upper triangle of A, from one BLAS ``syrk``."""
        b = m * rk[:, None]  # K^-1/2 M (C order, so b.T is Fortran order: no copy for syrk)
        upper = scipy.linalg.blas.dsyrk(1.0, b.T, trans=0, lower=0)  # upper triangle of b'b
        upper *= ru[:, None]
        upper *= ru[None, :]
        return upper

    a = formed() if n <= DENSE_EIGEN_LIMIT else None
    if n > SMALL_EIGEN_LIMIT:
        if a is not None:
            upper = a  # only the upper triangle is set: BLAS symv reads just that

            def matvec(v: np.ndarray) -> np.ndarray:
                v = np.ravel(v)
                return scipy.linalg.blas.dsymv(1.0, upper, v, lower=0) - v1 * (v1 @ v)
        else:

            def matvec(v: np.ndarray) -> np.ndarray:
                v = np.ravel(v)
                w = ru * (m.T @ ((rk * rk) * (m @ (ru * v))))
                return w - v1 * (v1 @ v)

        op = scipy.sparse.linalg.LinearOperator((n, n), matvec=matvec, dtype=float)
        try:
            _, vecs = scipy.sparse.linalg.eigsh(
                op, k=1, which="LA", tol=0, v0=np.full(n, 1.0 / np.sqrt(n))
            )
            return vecs[:, 0]
        except scipy.sparse.linalg.ArpackNoConvergence:
            pass
        if a is None:  # the large case without convergence: form A after all
            a = formed()
    _, vecs = scipy.linalg.eigh(
        a,
        lower=False,
        subset_by_index=[n - 2, n - 2],
        driver="evr",
        overwrite_a=True,
        check_finite=False,
    )
    return vecs[:, 0]


def standardise(kc: np.ndarray, kp: np.ndarray, ddof: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """ECI and PCI from the raw eigenvectors: both centred and scaled by ECI's moments.

    Notes
    -----
    .. math:: ECI_c = \\frac{kc_c - \\overline{kc}}{\\sigma(kc)}, \\qquad
              PCI_p = \\frac{kp_p - \\overline{kc}}{\\sigma(kc)}

    with the population standard deviation (``ddof=0``, as ``ecomplexity`` and its Stata
    original); ``ddof=1`` gives the sample one. Using ECI's moments for PCI keeps
    :math:`ECI_c = \\text{mean}_{p: M_{cp}=1} PCI_p`.

    Examples
    --------
    >>> eci, pci = standardise(np.array([1.0, 3.0]), np.array([2.0, 0.0]))
    >>> eci.tolist(), pci.tolist()
    ([-1.0, 1.0], [0.0, -2.0])
    """
    mu, sd = np.nanmean(kc), np.nanstd(kc, ddof=ddof)
    return (kc - mu) / sd, (kp - mu) / sd


def complexity_outlook(d: np.ndarray, m: np.ndarray, kp: np.ndarray) -> np.ndarray:
    """Complexity outlook index (raw): :math:`COI_c = \\sum_p d_{cp} (1 - M_{cp}) PCI_p`.

    ``kp`` is the raw PCI eigenvector of :func:`eigen_complexity`; the published index is this
    z-scored over regions (:func:`zscore`), which makes the eigenvector's scale irrelevant.

    References
    ----------
    Hausmann, Hidalgo et al. (2014), The Atlas of Economic Complexity, ch. "Complexity outlook".
    """
    return np.nansum(d * (1.0 - m) * kp[None, :], axis=1)


def complexity_outlook_gain(m: np.ndarray, phi: np.ndarray, kp: np.ndarray) -> np.ndarray:
    """Complexity outlook gain (raw) of each region in each industry it is not specialised in.

    Notes
    -----
    .. math:: COG_{cp} = (1 - M_{cp}) \\sum_{p'} \\frac{\\varphi_{pp'}}{\\sum_{p''}
              \\varphi_{p'p''}} (1 - M_{cp'}) PCI_{p'}

    the gain in outlook (nearby complex industries not yet held) from entering p. Divide by
    the raw ECI's standard deviation (as :func:`complexity_year` does) for the published scale.
    """
    kp = np.nan_to_num(kp)
    w = phi * (kp / phi.sum(axis=1))[:, None]
    return (1.0 - m) * ((1.0 - m) @ w)


def zscore(v: np.ndarray, ddof: int = 0) -> np.ndarray:
    """:math:`(v - \\bar v)/\\sigma(v)`, population standard deviation by default.

    Examples
    --------
    >>> zscore(np.array([1.0, 2.0, 3.0])).round(4).tolist()
    [-1.2247, 0.0, 1.2247]
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        return (v - np.nanmean(v)) / np.nanstd(v, ddof=ddof)


@dataclass(frozen=True)
class ComplexityOptions:
    """Conventions of :func:`complexity_year` (defaults: ``ecomplexity``'s).

    Attributes
    ----------
    threshold:
        RCA threshold of presence (``M = RCA >= threshold``); default 1.
    diagonal:
        Proximity diagonal, ``"one"`` (default) or ``"zero"``.
    ddof:
        Degrees of freedom of the standard deviations (0 = population, the default).
    density_scale:
        1 (0–1, default) or 100 (EconGeo).
    """

    threshold: float = 1.0
    diagonal: str = "one"
    ddof: int = 0
    density_scale: float = 1.0

    def __post_init__(self) -> None:
        if not np.isfinite(self.threshold) or self.threshold <= 0:
            raise InputError(
                f"must be a positive number, got {self.threshold}", parameter="--rca-threshold"
            )
        if self.ddof not in (0, 1):
            raise InputError(f"must be 0 or 1, got {self.ddof}", parameter="--ddof")


#: BLAS threads inside :func:`complexity_year`. Its products are a few hundred columns wide:
#: a second BLAS thread gains little on them, and on a shared machine (other processes on the
#: cores) OpenBLAS's threads wait for each other — the large benchmark's work took 33–44 s
#: with the default 2 threads and 2.2–3.7 s with 1, back to back at load 6–9.
BLAS_THREADS = 1


def complexity_year(
    x: np.ndarray, options: ComplexityOptions | None = None
) -> dict[str, np.ndarray]:
    """Every complexity measure of one year's region × industry matrix (BLAS limited to
    :data:`BLAS_THREADS` threads while it runs, through ``threadpoolctl``).

    Returns a dict of ``rca, m, density`` (cells), ``proximity`` (industry × industry),
    ``diversity, eci, coi`` (regions), ``ubiquity, pci`` (industries) and ``cog`` (cells).

    Examples
    --------
    >>> x = np.array([[10.0, 5, 0, 1], [2, 8, 3, 0], [1, 1, 9, 4], [0, 2, 2, 10.0]])
    >>> out = complexity_year(x)
    >>> out["m"].astype(int).tolist()
    [[1, 1, 0, 0], [0, 1, 0, 0], [0, 0, 1, 1], [0, 0, 0, 1]]
    >>> out["eci"].round(3).tolist()  # two blocks: {A, B} and {C, D}
    [-1.0, -1.0, 1.0, 1.0]
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=BLAS_THREADS, user_api="blas"):
        return _complexity_year(x, options)


#: Most threads :func:`complexity_years` starts by default; ``$CLUSTERATLAS_THREADS``
#: (:data:`clusteratlas.engine.THREADS_ENV`, which also caps DuckDB's threads) sets it.
MAX_YEAR_THREADS = 8


def year_threads(years: int) -> int:
    """Threads :func:`complexity_years` uses for ``years`` years: ``$CLUSTERATLAS_THREADS``,
    else the cores available to the process (at most :data:`MAX_YEAR_THREADS`), never more
    than the years."""
    value = os.environ.get(THREADS_ENV, "").strip()
    if value:
        try:
            wanted = int(value)
        except ValueError:
            raise InputError(
                f"must be a whole number, got {value!r}", parameter=THREADS_ENV
            ) from None
        if wanted < 1:
            raise InputError(f"must be at least 1, got {wanted}", parameter=THREADS_ENV)
    else:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
        wanted = min(cores or os.cpu_count() or 1, MAX_YEAR_THREADS)
    return max(1, min(wanted, years))


def complexity_years(
    matrices: Iterable[T], options: ComplexityOptions | None = None, *, threads: int | None = None
) -> Iterator[tuple[T, dict[str, np.ndarray]]]:
    """:func:`complexity_year` of many years, yielded in order as ``(matrix, result)``.

    ``matrices`` are :class:`~clusteratlas.linkages.matrix.YearMatrix` objects (anything with
    a ``values`` array). The years are independent, so they run in ``threads`` threads
    (default :func:`year_threads`), each with one BLAS thread: numpy and BLAS release the GIL,
    and one year per core beats several BLAS threads on one year (products a few hundred
    columns wide, whose threads mostly wait for each other). At most ``2 × threads`` years
    are in flight, so memory stays bounded when ``matrices`` is a generator. Results are the
    same as one :func:`complexity_year` call per year, bit for bit.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> x = np.array([[10.0, 5, 0, 1], [2, 8, 3, 0], [1, 1, 9, 4], [0, 2, 2, 10.0]])
    >>> years = [SimpleNamespace(year=y, values=x * (y - 2000)) for y in (2001, 2002)]
    >>> [(ym.year, r["eci"].round(3).tolist()) for ym, r in complexity_years(years, threads=2)]
    [(2001, [-1.0, -1.0, 1.0, 1.0]), (2002, [-1.0, -1.0, 1.0, 1.0])]
    """
    from threadpoolctl import threadpool_limits

    if threads is None:
        known = len(matrices) if isinstance(matrices, Sized) else MAX_YEAR_THREADS
        threads = year_threads(known)
    items = iter(matrices)
    if threads <= 1:
        for item in items:
            yield item, complexity_year(item.values, options)
        return
    with (
        threadpool_limits(limits=BLAS_THREADS, user_api="blas"),
        ThreadPoolExecutor(threads, thread_name_prefix="complexity") as pool,
    ):
        pending: deque = deque()
        for item in items:
            pending.append((item, pool.submit(_complexity_year, item.values, options)))
            if len(pending) >= 2 * threads:
                done, future = pending.popleft()
                yield done, future.result()
        while pending:
            done, future = pending.popleft()
            yield done, future.result()


def _complexity_year(x: np.ndarray, options: ComplexityOptions | None) -> dict[str, np.ndarray]:
    from clusteratlas.linkages.proximity import proximity

    o = options or ComplexityOptions()
    r = rca(x)
    m = presence(r, o.threshold)
    held = m > 0
    phi = proximity(m, diagonal=o.diagonal)
    kc, kp = eigen_complexity(m)
    kp0 = np.nan_to_num(kp)
    with np.errstate(divide="ignore", invalid="ignore"):
        # density (proximity.density): d = M W_d, W_d = phi' / (row sums of phi)
        d = m @ (phi.T / np.nansum(phi, axis=1)[None, :])
        # COG (complexity_outlook_gain) = (1 - M) * ((1 - M) W_c) = (1 - M) * (1'W_c - M W_c)
        w_c = phi * (kp0 / phi.sum(axis=1))[:, None]
    cog = np.empty_like(d)
    # COI needs d where M = 0: formed in COG's buffer before the product overwrites it
    np.copyto(cog, d)
    np.copyto(cog, 0.0, where=held)
    coi_raw = cog @ kp0
    np.matmul(m, w_c, out=cog)
    np.subtract(w_c.sum(axis=0)[None, :], cog, out=cog)
    np.copyto(cog, 0.0, where=held)
    eci, pci = standardise(kc, kp, o.ddof)
    coi = zscore(coi_raw, o.ddof)
    cog /= np.nanstd(kc, ddof=o.ddof)
    if o.density_scale != 1.0:
        d *= o.density_scale
    return {
        "rca": r,
        "m": m,
        "density": d,
        "proximity": phi,
        "diversity": m.sum(axis=1),
        "ubiquity": m.sum(axis=0),
        "eci": eci,
        "pci": pci,
        "coi": coi,
        "cog": cog,
    }
