"""Pairs, percentiles and the related-clusters network.

The rule (documented in ``docs/linkages.md``), after the U.S. Cluster Mapping Project's
related-clusters display, applied to whichever relatedness is chosen:

* every unordered pair gets a percentile among all pairs, :math:`pc = \\min(99,
  \\lfloor 100\\, \\text{rank} / n \\rfloor)` with rank 1 the least related (the CMP's
  convention: it puts 128 of its 1,275 pairs at :math:`pc \\ge 90`);
* **strongly related**: :math:`pc \\ge 90`;
* **weakly related**: :math:`50 < pc < 90`;
* a unit without strong links keeps its (up to) two most related weak links, so that no
  cluster is shown alone.

The CMP adds an industry-level test to "strong" (at least 20 % of each cluster's industries
linked to the other); with industry-level data :func:`related_network` applies it through
``industry_share`` (see :func:`industry_link_share`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def percentile_rank(values: np.ndarray) -> np.ndarray:
    """:math:`\\min(99, \\lfloor 100\\,\\text{rank}/n \\rfloor)`, ties ranked by their mean rank.

    Examples
    --------
    >>> percentile_rank(np.array([0.1, 0.5, 0.3, 0.9])).tolist()
    [25, 75, 50, 99]
    """
    v = np.asarray(values, dtype=float)
    out = np.full(v.shape, -1, dtype=int)
    ok = np.isfinite(v)
    ranks = pd.Series(v[ok]).rank(method="average").to_numpy()
    out[ok] = np.minimum(99, np.floor(100 * ranks / ok.sum())).astype(int)
    return out


def pairs_frame(rel: np.ndarray, labels: np.ndarray, **extra: np.ndarray) -> pd.DataFrame:
    """Unordered pairs ``a < b`` of a symmetric matrix: ``a, b, relatedness, percentile``
    (+ any ``extra`` matrices of the same shape as columns).

    Examples
    --------
    >>> pairs_frame(np.array([[1, .2, .7], [.2, 1, .4], [.7, .4, 1]]), np.array(list("xyz")))
    ... # doctest: +NORMALIZE_WHITESPACE
       a  b  relatedness  percentile
    0  x  y          0.2          33
    1  x  z          0.7          99
    2  y  z          0.4          66
    """
    i, j = np.triu_indices(len(labels), k=1)
    r = np.asarray(rel, dtype=float)[i, j]
    out = pd.DataFrame({"a": np.asarray(labels)[i], "b": np.asarray(labels)[j], "relatedness": r})
    out["percentile"] = percentile_rank(r)
    for name, mat in extra.items():
        out[name] = np.asarray(mat)[i, j]
    return out


def industry_link_share(
    rel: np.ndarray, units: np.ndarray, definitions: pd.DataFrame, pct: float = 90.0
) -> tuple[np.ndarray, np.ndarray]:
    """Share of cluster c's industries with at least one link to cluster d's industries in the
    top ``100 - pct`` % of all industry pairs (the CMP's ``cc_preli`` idea).

    Returns ``(share, clusters)`` with ``share[c, d]`` for c's industries towards d.
    """
    lookup = {str(u): i for i, u in enumerate(units)}
    d = definitions[definitions["industry"].astype(str).isin(lookup)]
    clusters = np.array(sorted(d["cluster"].astype(str).unique()))
    r = np.asarray(rel, dtype=float).copy()
    np.fill_diagonal(r, np.nan)
    cut = np.nanpercentile(r[np.triu_indices(len(units), 1)], pct)
    strong = np.nan_to_num(r) >= cut
    member = np.zeros((len(units), len(clusters)), dtype=bool)
    idx = {c: k for k, c in enumerate(clusters)}
    for ind, cl in zip(d["industry"].astype(str), d["cluster"].astype(str), strict=True):
        member[lookup[ind], idx[cl]] = True
    linked = (strong.astype(float) @ member.astype(float)) > 0  # industry -> cluster
    share = (member.T.astype(float) @ linked.astype(float)) / member.sum(axis=0)[:, None]
    return share, clusters


def related_network(
    pairs: pd.DataFrame,
    *,
    strong_pct: int = 90,
    weak_pct: int = 50,
    keep_weak: int = 2,
    industry_share: pd.DataFrame | None = None,
    min_share: float = 0.2,
) -> pd.DataFrame:
    """Edges of the related-clusters network from a pairs table (:func:`pairs_frame`).

    Returns the pairs with a ``link`` column: ``"strong"``, ``"weak"`` (only those kept: every
    weak pair of a unit with no strong link, its ``keep_weak`` most related) or ``""``.
    ``industry_share`` (columns ``a, b, share_ab, share_ba``) adds the CMP's "at least
    ``min_share`` of each cluster's industries linked" condition to strong links.

    Examples
    --------
    >>> p = pairs_frame(np.array([[1, .2, .7], [.2, 1, .4], [.7, .4, 1]]), np.array(list("xyz")))
    >>> related_network(p)["link"].tolist()
    ['', 'strong', 'weak']
    """
    out = pairs.copy()
    strong = out["percentile"] >= strong_pct
    if industry_share is not None:
        s = out[["a", "b"]].merge(industry_share, on=["a", "b"], how="left")
        strong &= (s["share_ab"].fillna(0) >= min_share).to_numpy()
        strong &= (s["share_ba"].fillna(0) >= min_share).to_numpy()
    weak = (out["percentile"] > weak_pct) & ~strong
    out["link"] = np.where(strong, "strong", "")
    has_strong = set(out.loc[strong, "a"]) | set(out.loc[strong, "b"])
    units = sorted(set(out["a"]) | set(out["b"]))
    for u in units:
        if u in has_strong:
            continue
        mine = out[weak & ((out["a"] == u) | (out["b"] == u))]
        top = mine.sort_values("relatedness", ascending=False).head(keep_weak).index
        out.loc[top, "link"] = np.where(out.loc[top, "link"] == "strong", "strong", "weak")
    return out


def agreement(ours: np.ndarray, theirs: np.ndarray) -> dict[str, float]:
    """Agreement of two boolean edge sets over the same pairs: counts, precision, recall,
    Jaccard and Cohen's kappa.

    Examples
    --------
    >>> agreement(np.array([1, 1, 0, 0], bool), np.array([1, 0, 0, 0], bool))["jaccard"]
    0.5
    """
    a, b = np.asarray(ours, bool), np.asarray(theirs, bool)
    both = int((a & b).sum())
    n = len(a)
    po = float((a == b).mean())
    pe = float(a.mean() * b.mean() + (1 - a.mean()) * (1 - b.mean()))
    return {
        "pairs": n,
        "ours": int(a.sum()),
        "theirs": int(b.sum()),
        "both": both,
        "precision": both / a.sum() if a.sum() else float("nan"),
        "recall": both / b.sum() if b.sum() else float("nan"),
        "jaccard": both / int((a | b).sum()) if (a | b).any() else float("nan"),
        "kappa": (po - pe) / (1 - pe) if pe < 1 else float("nan"),
    }
