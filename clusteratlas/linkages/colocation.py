"""Co-location relatedness (Delgado-Porter-Stern family) and the combination of link matrices.

Two industries (or clusters) are related by co-location when their employment rises and falls
together across regions. Porter (2003) and Delgado, Porter and Stern (2016) measure it as the
Pearson correlation, across regions, of industry employment (``LC_emp``); variants correlate
shares or LQs (which remove region size) or use ranks. This module offers those variants, the
aggregation of an industry matrix to clusters (between-cluster relatedness, BCR), the
standardisation and weighted combination of several link matrices (co-location, input-output,
occupations; the DPS "combined" measure), and reading user-supplied link matrices.

Which variant reproduces the U.S. Cluster Mapping Project's published co-location
relatedness between its 51 traded clusters is measured in ``tests/linkages/test_cmp_related.py``
and reported in ``docs/linkages.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.stats

from clusteratlas.errors import InputError

TRANSFORMS = ("log", "level", "share", "lq", "log_nonzero")
METHODS = ("pearson", "spearman")


def _transform(x: np.ndarray, transform: str) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    if transform == "log":
        return np.log1p(x)
    if transform == "level":
        return x
    with np.errstate(divide="ignore", invalid="ignore"):
        if transform == "share":
            return x / x.sum(axis=1, keepdims=True)
        if transform == "lq":
            return (x / x.sum(axis=1, keepdims=True)) / (x.sum(axis=0) / x.sum())
        if transform == "log_nonzero":
            return np.where(x > 0, np.log(np.where(x > 0, x, 1.0)), np.nan)
    raise InputError(
        f"transform must be one of {TRANSFORMS}, got {transform!r}", parameter="--transform"
    )


def _pairwise_corr(z: np.ndarray) -> np.ndarray:
    """Pearson correlation of columns over the rows where both are finite."""
    ok = np.isfinite(z).astype(float)
    zz = np.where(ok > 0, z, 0.0)
    n = ok.T @ ok
    sx = zz.T @ ok  # sum of column i over rows where j is present
    sxx = (zz**2).T @ ok
    sxy = zz.T @ zz
    with np.errstate(divide="ignore", invalid="ignore"):
        cov = sxy - sx * sx.T / n
        var_i = sxx - sx**2 / n
        r = cov / np.sqrt(var_i * var_i.T)
    r[n < 3] = np.nan
    return r


def colocation(x: np.ndarray, *, transform: str = "log", method: str = "pearson") -> np.ndarray:
    """Co-location relatedness of every pair of columns of a region × unit employment matrix.

    Notes
    -----
    .. math:: LC_{ij} = \\operatorname{corr}_r\\big(f(E_{ri}), f(E_{rj})\\big)

    with :math:`f` the ``transform``:

    * ``"log"`` (default): :math:`\\log(1 + E)`, the correlation of log employment. It keeps
      the region-size component that the DPS level correlation has, but a few very large
      regions no longer dominate;
    * ``"level"``: :math:`E` itself (Porter 2003; DPS ``LC_emp``);
    * ``"share"`` / ``"lq"``: the unit's share of regional employment or its LQ (size removed);
    * ``"log_nonzero"``: :math:`\\log E` over the regions where both units have employment.

    ``method="spearman"`` correlates ranks instead. The diagonal is 1; a unit with no variation
    has NaN.

    References
    ----------
    Porter, M. E. (2003), "The economic performance of regions", Regional Studies 37:549–578;
    Delgado, M., Porter, M. E. and Stern, S. (2016), "Defining clusters of related industries",
    Journal of Economic Geography 16(1):1–38.

    Examples
    --------
    Units a and b grow together across three regions, c goes the other way:

    >>> x = np.array([[1.0, 10.0, 100.0], [10.0, 100.0, 10.0], [100.0, 1000.0, 1.0]])
    >>> colocation(x, transform="level").round(3)[0].tolist()
    [1.0, 1.0, -0.635]
    """
    if method not in METHODS:
        raise InputError(f"method must be one of {METHODS}, got {method!r}", parameter="--corr")
    z = _transform(x, transform)
    if method == "spearman":
        z = np.where(np.isfinite(z), z, np.nan)
        z = np.apply_along_axis(lambda c: scipy.stats.rankdata(c, nan_policy="omit"), 0, z)
    if np.isfinite(z).all():
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.corrcoef(z.T)
    else:
        r = _pairwise_corr(z)
    r = np.atleast_2d(r)
    np.fill_diagonal(r, 1.0)
    return r


def cluster_relatedness(
    rel: np.ndarray, units: np.ndarray, definitions: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray]:
    """Between-cluster relatedness (BCR) from an industry × industry relatedness matrix.

    Notes
    -----
    .. math:: BCR_{cd} = \\frac{1}{|c||d|} \\sum_{i \\in c} \\sum_{j \\in d, j \\ne i} REL_{ij}

    the mean relatedness over the industry pairs across the two clusters (DPS 2016, §3; the
    CMP's ``cr_*`` pair values). For :math:`c = d` it is the within-cluster relatedness (WCR)
    over pairs :math:`i \\ne j`. Industries of the definitions absent from ``units`` are
    ignored; ``definitions`` has columns ``industry, cluster``.

    Returns ``(bcr, clusters)``.

    Examples
    --------
    >>> rel = np.array([[1, .8, .1], [.8, 1, .3], [.1, .3, 1]])
    >>> defs = pd.DataFrame({"industry": ["i", "j", "k"], "cluster": ["A", "A", "B"]})
    >>> bcr, names = cluster_relatedness(rel, np.array(["i", "j", "k"]), defs)
    >>> names.tolist(), bcr.round(2).tolist()
    (['A', 'B'], [[0.8, 0.2], [0.2, nan]])
    """
    lookup = {str(u): i for i, u in enumerate(units)}
    d = definitions[definitions["industry"].astype(str).isin(lookup)]
    clusters = np.array(sorted(d["cluster"].astype(str).unique()))
    member = np.zeros((len(units), len(clusters)))
    cl_index = {c: k for k, c in enumerate(clusters)}
    for ind, cl in zip(d["industry"].astype(str), d["cluster"].astype(str), strict=True):
        member[lookup[ind], cl_index[cl]] = 1.0
    r = np.nan_to_num(np.asarray(rel, dtype=float).copy())
    np.fill_diagonal(r, 0.0)
    total = member.T @ r @ member
    sizes = member.sum(axis=0)
    pairs = np.outer(sizes, sizes) - np.diag(sizes)  # ordered pairs i != j
    with np.errstate(divide="ignore", invalid="ignore"):
        bcr = total / pairs
    return bcr, clusters


def standardise_links(rel: np.ndarray) -> np.ndarray:
    """z-score a link matrix over its off-diagonal cells (diagonal left NaN).

    The DPS combined measure averages standardised matrices so that co-location (a
    correlation), input-output (a share) and occupation (a cosine) are on one scale.

    Examples
    --------
    >>> standardise_links(np.array([[1.0, 0.2, 0.4], [0.2, 1.0, 0.6], [0.4, 0.6, 1.0]]))[0, 1]
    np.float64(-1.224744871391589)
    """
    r = np.asarray(rel, dtype=float).copy()
    off = ~np.eye(r.shape[0], dtype=bool)
    vals = r[off]
    out = (r - np.nanmean(vals)) / np.nanstd(vals)
    np.fill_diagonal(out, np.nan)
    return out


def combine_links(
    matrices: Mapping[str, np.ndarray], weights: Mapping[str, float] | None = None
) -> np.ndarray:
    """Weighted mean of standardised link matrices (the DPS "combined" relatedness).

    Notes
    -----
    .. math:: REL_{ij} = \\frac{\\sum_k w_k z_k(L_k)_{ij}}{\\sum_k w_k [L_{k,ij} \\text{ known}]}

    with :math:`z_k` the off-diagonal z-score of :func:`standardise_links`. Equal weights by
    default (DPS 2016); a matrix without a weight in ``weights`` has weight 1.
    A cell missing in one matrix (NaN) is averaged over the others.

    Examples
    --------
    >>> a = np.array([[1.0, 0.2, 0.4], [0.2, 1.0, 0.6], [0.4, 0.6, 1.0]])
    >>> combine_links({"colocation": a, "io": a}, {"colocation": 2, "io": 1})[0, 1].round(4)
    np.float64(-1.2247)
    """
    if not matrices:
        raise InputError("no link matrices to combine", parameter="links")
    weights = dict(weights or {k: 1.0 for k in matrices})
    unknown = sorted(set(weights) - set(matrices))
    if unknown:
        raise InputError(f"weight for unknown link matrix {unknown[0]!r}", parameter="--weight")
    num = 0.0
    den = 0.0
    for name, mat in matrices.items():
        w = float(weights.get(name, 1.0))
        if w < 0:
            raise InputError(f"weight of {name!r} must be >= 0, got {w}", parameter="--weight")
        z = standardise_links(mat)
        known = np.isfinite(z)
        num = num + w * np.where(known, z, 0.0)
        den = den + w * known
    with np.errstate(divide="ignore", invalid="ignore"):
        return num / den


def read_links_file(path: str | Path, units: np.ndarray) -> np.ndarray:
    """Read a user-supplied link matrix (input-output, occupations, …) as a unit × unit array.

    File format (CSV): columns ``a, b, value``, one row per pair of industry or cluster codes;
    the matrix is symmetrised by the maximum of the two directions (DPS's IO rule
    :math:`\\max\\{\\text{in}_{i\\leftarrow j}, \\text{in}_{j\\leftarrow i}, …\\}`) and pairs
    not in the file are NaN (averaged over the other matrices by :func:`combine_links`). Codes
    not among ``units`` are an :class:`InputError` naming the line.
    """
    path = Path(path)
    try:
        frame = pd.read_csv(path, dtype={"a": str, "b": str})
    except (OSError, pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise InputError(f"cannot read the link file: {exc}", file=path) from None
    for col in ("a", "b", "value"):
        if col not in frame.columns:
            raise InputError("missing column", file=path, column=col)
    lookup = {str(u): i for i, u in enumerate(units)}
    values = pd.to_numeric(frame["value"], errors="coerce")
    out = np.full((len(units), len(units)), np.nan)
    for n, (a, b, v) in enumerate(zip(frame["a"], frame["b"], values, strict=True)):
        for col, code in (("a", a), ("b", b)):
            if str(code) not in lookup:
                raise InputError(f"unknown code {code!r}", file=path, line=n + 2, column=col)
        if not np.isfinite(v):
            raise InputError("value is not a number", file=path, line=n + 2, column="value")
        i, j = lookup[str(a)], lookup[str(b)]
        for p, q in ((i, j), (j, i)):
            out[p, q] = v if not np.isfinite(out[p, q]) else max(out[p, q], v)
    np.fill_diagonal(out, np.nan)
    return out
