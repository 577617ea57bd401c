"""The eigensolver paths and the year-parallel loop of :mod:`clusteratlas.linkages.complexity`."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse.linalg

from clusteratlas.errors import InputError
from clusteratlas.linkages import complexity as cx
from clusteratlas.linkages.matrix import year_matrices
from tests.linkages.test_complexity_oracle import synthetic_panel


def _wide(seed: int = 5) -> np.ndarray:
    panel = synthetic_panel(seed, n_r=90, n_p=160, years=(2020,))
    return next(year_matrices(panel)).values


def _reference_vector(m: np.ndarray) -> np.ndarray:
    """The second eigenvector from a full dense eigendecomposition of the symmetric A."""
    k, u = m.sum(axis=1), m.sum(axis=0)
    b = m / np.sqrt(k)[:, None] / np.sqrt(u)[None, :]
    _, vecs = np.linalg.eigh(b.T @ b)
    return vecs[:, -2]


@pytest.mark.parametrize("path", ["small-lapack", "lanczos-on-A", "lanczos-matrix-free"])
def test_every_eigensolver_path_gives_the_same_vector(path, monkeypatch) -> None:
    x = _wide()
    m = cx.presence(cx.rca(x))
    m = m[m.sum(axis=1) > 0][:, m.sum(axis=0) > 0]
    if path == "small-lapack":
        monkeypatch.setattr(cx, "SMALL_EIGEN_LIMIT", 10_000)
    elif path == "lanczos-matrix-free":
        monkeypatch.setattr(cx, "DENSE_EIGEN_LIMIT", 10)
    got = cx._second_eigenvector(m, m.sum(axis=1), m.sum(axis=0))
    want = _reference_vector(m)
    got = got * np.sign(got @ want)
    np.testing.assert_allclose(got, want, atol=1e-10)


def test_lanczos_without_convergence_falls_back_to_lapack(monkeypatch) -> None:
    x = _wide(9)
    m = cx.presence(cx.rca(x))
    want = cx._second_eigenvector(m, m.sum(axis=1), m.sum(axis=0))

    def refuse(*args, **kwargs):
        raise scipy.sparse.linalg.ArpackNoConvergence("no", np.empty(0), np.empty((0, 0)))

    monkeypatch.setattr(scipy.sparse.linalg, "eigsh", refuse)
    for limit in (2000, 10):  # A formed, and the matrix-free case that forms it only now
        monkeypatch.setattr(cx, "DENSE_EIGEN_LIMIT", limit)
        got = cx._second_eigenvector(m, m.sum(axis=1), m.sum(axis=0))
        np.testing.assert_allclose(got * np.sign(got @ want), want, atol=1e-10)


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_years_in_threads_equal_one_call_per_year_bit_for_bit(threads) -> None:
    panel = synthetic_panel(4, n_r=60, n_p=90, years=tuple(range(2010, 2017)))
    serial = [(ym.year, cx.complexity_year(ym.values)) for ym in year_matrices(panel)]
    # a generator as input: years are consumed lazily, results come back in year order
    got = [(ym.year, r) for ym, r in cx.complexity_years(year_matrices(panel), threads=threads)]
    assert [y for y, _ in got] == [y for y, _ in serial] == list(range(2010, 2017))
    for (_, a), (_, b) in zip(got, serial, strict=True):
        assert a.keys() == b.keys()
        for key in a:
            np.testing.assert_array_equal(a[key], b[key], err_msg=key)


def test_year_threads_reads_the_environment(monkeypatch) -> None:
    monkeypatch.setenv(cx.THREADS_ENV, "3")
    assert cx.year_threads(10) == 3
    assert cx.year_threads(2) == 2  # never more threads than years
    monkeypatch.delenv(cx.THREADS_ENV)
    assert 1 <= cx.year_threads(100) <= cx.MAX_YEAR_THREADS
    for bad in ("two", "0"):
        monkeypatch.setenv(cx.THREADS_ENV, bad)
        with pytest.raises(InputError, match=cx.THREADS_ENV):
            cx.year_threads(5)


def test_binary_gram_in_single_precision_is_exact() -> None:
    from clusteratlas.linkages.proximity import _gram

    rng = np.random.default_rng(3)
    m = (rng.random((3000, 70)) < 0.4).astype(float)
    np.testing.assert_array_equal(_gram(m), m.T @ m)  # counts: exact in float32 too
    w = m * 0.5  # not 0/1: the double-precision path
    np.testing.assert_allclose(_gram(w), w.T @ w, rtol=1e-14)
