"""Aggregation of children scores into a parent score, node by node up the tree.

Each method is a pure function of a ``regions × children`` matrix (NaN = missing) and the
children's weights. Missing children are skipped and the remaining weights renormalised
(COINr's ``na.rm``); a row with fewer than ``min_share`` of its children available gets NaN
(RIS/scoreboard practice: at least half of the indicators).

References: OECD/JRC Handbook (2008) §1.7; COINr ``a_amean``, ``a_gmean``, ``a_hmean``,
``a_genmean``, ``a_copeland``; Munda & Nardo (2009), *Applied Economics* 41(12) (Copeland).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from clusteratlas.errors import InputError
from clusteratlas.scoreboard.framework import AGGREGATIONS, Framework


def _prepare(values: np.ndarray, weights: np.ndarray, min_share: float):
    v = np.atleast_2d(np.asarray(values, dtype=float))
    w = np.asarray(weights, dtype=float)
    ok = ~np.isnan(v)
    wm = np.where(ok, w[None, :], 0.0)
    share = ok.sum(axis=1) / v.shape[1]
    enough = (share >= min_share) & ok.any(axis=1)
    return v, wm, enough


def arithmetic_mean(values: np.ndarray, weights: np.ndarray, min_share: float = 0.0) -> np.ndarray:
    r"""Weighted arithmetic mean :math:`\sum_i w_i x_i / \sum_i w_i` over available children.

    Examples
    --------
    >>> arithmetic_mean(np.array([[10.0, 40.0], [20.0, np.nan]]), np.array([1.0, 2.0]))
    array([30., 20.])
    """
    v, wm, enough = _prepare(values, weights, min_share)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.nansum(v * wm, axis=1) / wm.sum(axis=1)
    return np.where(enough, out, np.nan)


def geometric_mean(values: np.ndarray, weights: np.ndarray, min_share: float = 0.0) -> np.ndarray:
    r"""Weighted geometric mean :math:`\exp\big(\sum_i w_i \ln x_i / \sum_i w_i\big)`; needs x > 0.

    Raises ``ValueError`` on a value ≤ 0 (as COINr does).

    Examples
    --------
    >>> geometric_mean(np.array([[1.0, 100.0]]), np.array([1.0, 1.0]))
    array([10.])
    """
    v, wm, enough = _prepare(values, weights, min_share)
    if np.any(v[~np.isnan(v)] <= 0):
        raise ValueError("geometric mean needs values > 0")
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.exp(np.nansum(np.log(v) * wm, axis=1) / wm.sum(axis=1))
    return np.where(enough, out, np.nan)


def harmonic_mean(values: np.ndarray, weights: np.ndarray, min_share: float = 0.0) -> np.ndarray:
    r"""Weighted harmonic mean :math:`\sum_i w_i / \sum_i (w_i / x_i)`; needs x > 0.

    Examples
    --------
    >>> harmonic_mean(np.array([[1.0, 3.0]]), np.array([1.0, 1.0]))
    array([1.5])
    """
    v, wm, enough = _prepare(values, weights, min_share)
    if np.any(v[~np.isnan(v)] <= 0):
        raise ValueError("harmonic mean needs values > 0")
    with np.errstate(invalid="ignore", divide="ignore"):
        out = wm.sum(axis=1) / np.nansum(wm / v, axis=1)
    return np.where(enough, out, np.nan)


def generalised_mean(
    values: np.ndarray, weights: np.ndarray, p: float, min_share: float = 0.0
) -> np.ndarray:
    r"""Weighted power mean :math:`\big(\sum_i w_i x_i^p / \sum_i w_i\big)^{1/p}`.

    ``p = 1`` is the arithmetic, ``p → 0`` the geometric, ``p = -1`` the harmonic mean. For
    ``p ≤ 0`` (or non-integer p) values must be > 0.

    Examples
    --------
    >>> generalised_mean(np.array([[1.0, 3.0]]), np.array([1.0, 1.0]), p=2)
    array([2.23606798])
    """
    if p == 0:
        return geometric_mean(values, weights, min_share)
    v, wm, enough = _prepare(values, weights, min_share)
    if (p < 0 or p != int(p)) and np.any(v[~np.isnan(v)] <= 0):
        raise ValueError(f"generalised mean with p={p:g} needs values > 0")
    with np.errstate(invalid="ignore", divide="ignore"):
        out = (np.nansum(np.power(v, p) * wm, axis=1) / wm.sum(axis=1)) ** (1.0 / p)
    return np.where(enough, out, np.nan)


def copeland(values: np.ndarray, weights: np.ndarray, min_share: float = 0.0) -> np.ndarray:
    r"""Copeland (outranking) score of each row against every other row.

    For rows a, b and the children both have, with weights renormalised to sum to 1:
    :math:`P_{ab} = \sum_i w_i [x_{ai} > x_{bi}] + \tfrac12 \sum_i w_i [x_{ai} = x_{bi}]`.
    The score of a is :math:`\sum_b \operatorname{sign}(P_{ab} - \tfrac12)`: +1 for each row
    it beats by weighted majority, −1 for each it loses to. Non-compensatory: a large lead on
    one child cannot offset losses on the others. Rows without enough children are NaN and
    take no part. Reference: Munda & Nardo (2009); COINr ``a_copeland``/``outrankMatrix``.

    Examples
    --------
    >>> copeland(np.array([[3.0, 3.0], [2.0, 2.0], [1.0, 9.0]]), np.array([1.0, 1.0]))
    array([ 1., -1.,  0.])
    """
    v, _, enough = _prepare(values, weights, min_share)
    w = np.asarray(weights, dtype=float)
    a, b = v[:, None, :], v[None, :, :]
    both = ~np.isnan(a) & ~np.isnan(b)
    wb = np.where(both, w[None, None, :], 0.0)
    tot = wb.sum(axis=2)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = (np.sum(wb * (a > b), axis=2) + 0.5 * np.sum(wb * (a == b), axis=2)) / tot
    s = np.where(tot > 0, np.sign(np.round(p - 0.5, 12)), 0.0)
    s[~enough, :] = 0.0
    s[:, ~enough] = 0.0
    np.fill_diagonal(s, 0.0)
    return np.where(enough, s.sum(axis=1), np.nan)


def aggregate_matrix(
    values: np.ndarray,
    weights: np.ndarray,
    method: str,
    p: float | None = None,
    min_share: float = 0.0,
) -> np.ndarray:
    """Dispatch to one aggregation ``method`` (see :data:`~.framework.AGGREGATIONS`)."""
    if method == "arithmetic":
        return arithmetic_mean(values, weights, min_share)
    if method == "geometric":
        return geometric_mean(values, weights, min_share)
    if method == "harmonic":
        return harmonic_mean(values, weights, min_share)
    if method == "generalised":
        if p is None:
            raise InputError("generalised mean needs p", parameter="aggregate")
        return generalised_mean(values, weights, p, min_share)
    if method == "copeland":
        return copeland(values, weights, min_share)
    raise InputError(
        f"unknown aggregation {method!r}; use one of {', '.join(AGGREGATIONS)}",
        parameter="aggregate",
    )


def node_method(
    framework: Framework, code: str, default: str | None, override: bool
) -> tuple[str, float | None]:
    """Aggregation of node ``code``: the framework's, else ``default`` (``override`` forces it)."""
    node = framework.nodes[code]
    if override and default is not None:
        return default, node.p
    return node.aggregation or default or "arithmetic", node.p


def aggregate_tree(
    normalised: pd.DataFrame,
    framework: Framework,
    method: str | None = None,
    *,
    override: bool = False,
    min_share: float = 0.0,
    p: float | None = None,
) -> pd.DataFrame:
    """Scores of every node: the indicators' normalised values, then aggregates bottom-up.

    Per node the framework's ``aggregation`` is used, else ``method`` (default arithmetic);
    ``override=True`` applies ``method`` everywhere. Copeland works within each year. Returns
    a frame with one column per node (indicators first, then aggregates bottom-up).
    """
    scores = normalised.copy()
    for node in framework.aggregates_bottom_up():
        kids = [c for c in node.children if c.covered and c.code in scores.columns]
        if not kids:
            scores[node.code] = np.nan
            continue
        m, node_p = node_method(framework, node.code, method, override)
        node_p = p if node_p is None else node_p
        vals = scores[[c.code for c in kids]].to_numpy(dtype=float)
        w = np.array([c.weight for c in kids])
        try:
            if m == "copeland":
                out = np.full(len(scores), np.nan)
                for _, part in scores.groupby(level="year"):
                    pos = scores.index.get_indexer(part.index)
                    out[pos] = copeland(vals[pos], w, min_share)
            else:
                out = aggregate_matrix(vals, w, m, node_p, min_share)
        except ValueError as exc:
            raise InputError(
                f"node {node.code}: {exc} (normalise onto a positive range, e.g. minmax 1–100)",
                parameter="aggregate",
            ) from None
        scores[node.code] = out
    return scores
