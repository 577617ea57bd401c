"""Weights: given, effective (through the tree), perturbed, and optimised for balance.

A node's ``weight`` is relative to its siblings. Its *effective* weight in the index is the
product, from the node up to the index, of each ancestor-or-self weight divided by the sum of
its siblings' weights (COINr ``get_eff_weights``). Nominal weights are not the same thing as
importance: the *balanced* weights (COINr ``get_opt_weights(optype = "balance")``, after
Becker, Saisana, Paruolo & Vandecasteele 2017, *Ecological Indicators* 80:12–22) are chosen so
that each child's Pearson correlation with its parent's score is as equal as possible.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import minimize

from clusteratlas.scoreboard.aggregate import aggregate_tree
from clusteratlas.scoreboard.framework import Framework


def sibling_shares(framework: Framework) -> pd.Series:
    """Each covered node's weight divided by the sum of its covered siblings' weights.

    Examples
    --------
    >>> from clusteratlas.scoreboard.framework import framework_from_dict
    >>> fw = framework_from_dict({"dimensions": [{"code": "D", "name": "d", "indicators": [
    ...     {"code": "a", "name": "a"}, {"code": "b", "name": "b", "weight": 3}]}]})
    >>> sibling_shares(fw)["b"]
    np.float64(0.75)
    """
    out = {framework.root.code: 1.0}
    for node in framework.covered_nodes():
        kids = [c for c in node.children if c.covered]
        total = sum(c.weight for c in kids)
        for c in kids:
            out[c.code] = c.weight / total
    return pd.Series(out, dtype=float)


def effective_weights(framework: Framework) -> pd.Series:
    r"""Effective weight of every covered node in the index: :math:`\prod` of sibling shares.

    With arithmetic aggregation and no missing data the index is exactly
    :math:`\sum_i e_i x_i` over indicators i, with :math:`e_i` these weights (summing to 1).

    Examples
    --------
    >>> from clusteratlas.scoreboard.framework import framework_from_dict
    >>> ind = lambda c: {"code": c, "name": c}
    >>> fw = framework_from_dict({"dimensions": [
    ...     {"code": "D1", "name": "1", "indicators": [ind("a"), ind("b")]},
    ...     {"code": "D2", "name": "2", "indicators": [ind("c")]}]})
    >>> effective_weights(fw)[["a", "b", "c"]].tolist()
    [0.25, 0.25, 0.5]
    """
    share = sibling_shares(framework)
    return pd.Series(
        {code: float(np.prod([share[c] for c in framework.lineage(code)])) for code in share.index}
    )


def noisy_weights(
    weights: np.ndarray, noise: float, rng: np.random.Generator, size: int | None = None
) -> np.ndarray:
    r"""Perturbed weights :math:`w (1 + u)`, :math:`u \sim U(-noise, +noise)` independently.

    ``size`` draws give a ``(size, len(weights))`` array. Reference: COINr
    ``get_noisy_weights`` (uniform noise around the nominal weights).

    Examples
    --------
    >>> noisy_weights(np.array([1.0, 2.0]), 0.0, np.random.default_rng(0)).tolist()
    [1.0, 2.0]
    """
    w = np.asarray(weights, dtype=float)
    shape = w.shape if size is None else (size, *w.shape)
    return w * (1.0 + rng.uniform(-noise, noise, size=shape))


def _correlations(children: np.ndarray, parent: np.ndarray) -> np.ndarray:
    ok = ~np.isnan(parent)
    out = np.zeros(children.shape[1])
    for j in range(children.shape[1]):
        m = ok & ~np.isnan(children[:, j])
        if m.sum() > 2 and np.std(children[m, j]) > 0 and np.std(parent[m]) > 0:
            out[j] = np.corrcoef(children[m, j], parent[m])[0, 1]
    return out


def balance_node(
    children: np.ndarray, start: np.ndarray, aggregate
) -> tuple[np.ndarray, np.ndarray]:
    r"""Weights making the children's correlations with the aggregate as equal as possible.

    Minimises :math:`\sum_j (\rho_j/\sum_k \rho_k - 1/n)^2` over weights in ``[0.01, 1]``
    (Nelder–Mead on a logistic parametrisation), where :math:`\rho_j` is the Pearson
    correlation of child j with ``aggregate(children, weights)``. Returns ``(weights scaled to
    sum to 1, correlations at the optimum)``.
    """
    n = children.shape[1]
    if n < 2:
        return np.ones(n), np.ones(n)

    def weights_of(z: np.ndarray) -> np.ndarray:
        return 0.01 + 0.99 / (1 + np.exp(-z))

    def loss(z: np.ndarray) -> float:
        rho = _correlations(children, aggregate(children, weights_of(z)))
        if rho.sum() <= 0:
            return 1e6
        return float(np.sum((rho / rho.sum() - 1.0 / n) ** 2))

    w0 = np.clip(np.asarray(start, dtype=float) / np.max(start), 0.0101, 0.9999)
    z0 = -np.log(0.99 / (w0 - 0.01) - 1)
    res = minimize(
        loss, z0, method="Nelder-Mead", options={"xatol": 1e-6, "fatol": 1e-12, "maxiter": 4000}
    )
    w = weights_of(res.x)
    return w / w.sum(), _correlations(children, aggregate(children, w))


def balance_weights(
    normalised: pd.DataFrame, framework: Framework, method: str | None, min_share: float
) -> tuple[Framework, pd.DataFrame]:
    """Balanced weights for every aggregate node, bottom-up (children scores recomputed).

    Returns the re-weighted framework and a table of node, child, old and new weight, and
    the child's correlation with its parent after balancing.
    """
    from clusteratlas.scoreboard.aggregate import aggregate_matrix, node_method

    fw = framework
    rows = []
    for node in framework.aggregates_bottom_up():
        scores = aggregate_tree(normalised, fw, method, min_share=min_share)
        kids = [c for c in fw.nodes[node.code].children if c.covered and c.code in scores.columns]
        vals = scores[[c.code for c in kids]].to_numpy(dtype=float)
        m, p = node_method(fw, node.code, method, False)
        if m == "copeland" or len(kids) < 2:
            continue
        w, rho = balance_node(
            vals,
            np.array([c.weight for c in kids]),
            lambda x, w, m=m, p=p: aggregate_matrix(x, w, m, p, min_share),
        )
        new = {c.code: float(wi * len(kids)) for c, wi in zip(kids, w, strict=True)}
        rows += [
            {
                "node": node.code,
                "child": c.code,
                "weight_before": c.weight,
                "weight_after": new[c.code],
                "correlation": r,
            }
            for c, r in zip(kids, rho, strict=True)
        ]
        fw = fw.with_weights(new)
    return fw, pd.DataFrame(rows)
