"""Variance-based sensitivity of the scoreboard's ranks to each method choice.

Saltelli design on the discrete choices (mapped from uniforms) and the weights (one group of
all node weights); target = mean absolute shift of the index rank from the nominal ranks
(COINr ``get_sensitivity(SA_type = "SA")``). First-order indices by the Saltelli et al. (2010)
estimator, total-effect indices by Jansen's (1999), with bootstrap intervals.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from clusteratlas.errors import InputError
from clusteratlas.scoreboard.montecarlo import Prepared, evaluate
from clusteratlas.scoreboard.uncertainty import CHOICES, draws_from_uniforms, nominal_ranks


def sobol_indices(fA: np.ndarray, fB: np.ndarray, fAB: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r"""First-order and total Sobol indices from a Saltelli design.

    The outputs are first centred on the mean of all of them (:math:`f_A`, :math:`f_B` and
    every :math:`f_{AB_i}`), as SALib does: the first-order estimator assumes a zero-mean
    output, and without centring its sampling error grows with the output's mean. Then, with
    :math:`V = \operatorname{Var}(f_A \cup f_B)`:
    :math:`S_i = \tfrac{1}{N}\sum f_B (f_{AB_i} - f_A) / V` (Saltelli et al. 2010) and
    :math:`S_{Ti} = \tfrac{1}{2N}\sum (f_A - f_{AB_i})^2 / V` (Jansen 1999). ``fAB`` is
    (factors, N). Equal to ``SALib.analyze.sobol`` (``S1``, ``ST``) on the same outputs.

    Examples
    --------
    >>> a = np.array([0.0, 1, 0, 1]); b = np.array([1.0, 0, 0, 1])
    >>> s, st = sobol_indices(a, b, np.array([b]))  # f depends on this one factor only
    >>> float(st[0]) > 0.9
    True
    """
    fAB = np.asarray(fAB, dtype=float)
    centre = np.concatenate([fA, fB, fAB.ravel()]).mean()
    fA, fB, fAB = fA - centre, fB - centre, fAB - centre
    V = np.var(np.concatenate([fA, fB]))
    if V == 0:
        return np.zeros(len(fAB)), np.zeros(len(fAB))
    first = np.mean(fB[None, :] * (fAB - fA[None, :]), axis=1) / V
    total = 0.5 * np.mean((fA[None, :] - fAB) ** 2, axis=1) / V
    return first, total


def run_sensitivity(
    prep: Prepared, n_base: int, noise: float, seed: int = 1, n_boot: int = 200, workers: int = 2
) -> pd.DataFrame:
    """Sobol indices of each choice on the mean absolute rank shift of the index.

    Factors: the discrete choices with more than one alternative, plus the weights (one group
    of all node weights) when ``noise > 0``. Cost: ``n_base × (factors + 2)`` evaluations.
    Returns factor, first_order, total and bootstrap 90 % intervals.
    """
    factors = [c for c in CHOICES if len(prep.alternatives[c]) > 1] + (
        ["weights"] if noise > 0 else []
    )
    if not factors:
        raise InputError(
            "nothing varies: give alternatives or weight noise", parameter="sensitivity"
        )
    rng = np.random.default_rng(seed)
    M, D = len(prep.nodes), len(CHOICES)
    A, Bm = rng.random((n_base, D + M)), rng.random((n_base, D + M))
    cols = {c: [i] for i, c in enumerate(CHOICES)} | {"weights": list(range(D, D + M))}
    mats = [A, Bm]
    for f in factors:
        ab = A.copy()
        ab[:, cols[f]] = Bm[:, cols[f]]
        mats.append(ab)
    U = np.concatenate(mats)
    draws = draws_from_uniforms(prep, U[:, :D], U[:, D:], noise)
    root = len(prep.nodes) - 1
    nominal = nominal_ranks(prep)[:, root].astype(float)
    ok = nominal > 0
    f = np.zeros(len(draws))

    def consume(idx: np.ndarray, ranks: np.ndarray) -> None:
        f[idx] = np.abs(ranks[0][:, ok] - nominal[ok]).mean(axis=1)

    evaluate(prep, draws, [root], workers=workers, consume=consume)
    fA, fB = f[:n_base], f[n_base : 2 * n_base]
    fAB = f[2 * n_base :].reshape(len(factors), n_base)
    s, st = sobol_indices(fA, fB, fAB)
    boot_s, boot_t = [], []
    for _ in range(n_boot):
        i = rng.integers(0, n_base, n_base)
        bs, bt = sobol_indices(fA[i], fB[i], fAB[:, i])
        boot_s.append(bs)
        boot_t.append(bt)
    q = lambda a, p: np.quantile(np.array(a), p, axis=0) if a else np.full(len(factors), np.nan)  # noqa: E731
    return pd.DataFrame(
        {
            "factor": factors,
            "first_order": s,
            "total": st,
            "first_order_p05": q(boot_s, 0.05),
            "first_order_p95": q(boot_s, 0.95),
            "total_p05": q(boot_t, 0.05),
            "total_p95": q(boot_t, 0.95),
            "mean_abs_rank_shift": float(np.mean(np.concatenate([fA, fB]))),
        }
    )
