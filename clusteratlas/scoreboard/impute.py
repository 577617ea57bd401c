"""Imputation of missing indicator values.

Cross-sectional methods work within one year (a COINr "coin"): the indicator's mean or median
over all regions, or over the regions of the same group (e.g. country, or COINr's
``Group_EurAsia``). Panel methods work along time for one region and indicator: carry the
latest earlier value forward (``panel-last``) or interpolate linearly between the nearest
observed years (``panel-linear``), each within ``max_gap`` years.

References: OECD/JRC Handbook (2008) §1.3 (single imputation); COINr ``i_mean``,
``i_median``, ``i_mean_grp``, ``i_median_grp``, ``impute_panel``; RIS methodology (missing
regional values from other years).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from clusteratlas.errors import InputError

METHODS = ("none", "mean", "median", "group-mean", "group-median", "panel-last", "panel-linear")


def impute_mean(x: np.ndarray) -> np.ndarray:
    """Fill NaN with the mean of the observed values (all NaN stays NaN).

    Examples
    --------
    >>> impute_mean(np.array([1.0, np.nan, 5.0]))
    array([1., 3., 5.])
    """
    v = np.array(x, dtype=float, copy=True)
    ok = ~np.isnan(v)
    if ok.any():
        v[~ok] = v[ok].mean()
    return v


def impute_median(x: np.ndarray) -> np.ndarray:
    """Fill NaN with the median of the observed values.

    Examples
    --------
    >>> impute_median(np.array([1.0, np.nan, 5.0, 100.0]))
    array([  1.,   5.,   5., 100.])
    """
    v = np.array(x, dtype=float, copy=True)
    ok = ~np.isnan(v)
    if ok.any():
        v[~ok] = np.median(v[ok])
    return v


def impute_by_group(x: np.ndarray, groups: np.ndarray, stat: str = "mean") -> np.ndarray:
    """Fill NaN with the group's mean (or median); a group without data stays NaN.

    Examples
    --------
    >>> impute_by_group(np.array([1.0, np.nan, 10.0, np.nan]), np.array(["a", "a", "b", "b"]))
    array([ 1.,  1., 10., 10.])
    """
    v = np.array(x, dtype=float, copy=True)
    fill = impute_mean if stat == "mean" else impute_median
    g = np.asarray(groups, dtype=object)
    for key in pd.unique(g[~pd.isna(g)]):
        sel = g == key
        v[sel] = fill(v[sel])
    return v


def impute_last(years: np.ndarray, x: np.ndarray, max_gap: int | None = None) -> np.ndarray:
    """Carry the latest earlier observation forward (at most ``max_gap`` years).

    Examples
    --------
    >>> impute_last(np.array([2010, 2011, 2012, 2013]), np.array([1.0, np.nan, np.nan, 4.0]), 1)
    array([ 1.,  1., nan,  4.])
    """
    y = np.asarray(years)
    v = np.array(x, dtype=float, copy=True)
    order = np.argsort(y, kind="stable")
    last_val, last_year = np.nan, None
    for i in order:
        if not np.isnan(v[i]):
            last_val, last_year = v[i], y[i]
        elif last_year is not None and (max_gap is None or y[i] - last_year <= max_gap):
            v[i] = last_val
    return v


def impute_linear(years: np.ndarray, x: np.ndarray, max_gap: int | None = None) -> np.ndarray:
    """Linear interpolation between the nearest observed years (no extrapolation).

    A gap is filled only if both neighbours are at most ``max_gap`` years away.

    Examples
    --------
    >>> impute_linear(np.array([2010, 2011, 2012]), np.array([1.0, np.nan, 3.0]))
    array([1., 2., 3.])
    """
    y = np.asarray(years, dtype=float)
    v = np.array(x, dtype=float, copy=True)
    ok = ~np.isnan(v)
    if ok.sum() < 2:
        return v
    yo, vo = y[ok], v[ok]
    srt = np.argsort(yo)
    yo, vo = yo[srt], vo[srt]
    for i in np.flatnonzero(~ok):
        k = np.searchsorted(yo, y[i])
        if 0 < k < yo.size:
            y0, y1 = yo[k - 1], yo[k]
            if max_gap is None or (y[i] - y0 <= max_gap and y1 - y[i] <= max_gap):
                v[i] = vo[k - 1] + (vo[k] - vo[k - 1]) * (y[i] - y0) / (y1 - y0)
    return v


def impute_panel(
    panel: pd.DataFrame,
    method: str = "none",
    groups: pd.Series | None = None,
    max_gap: int | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Impute a ``(year, region) × indicator`` panel.

    Returns ``(imputed panel, summary)``, the summary counting per indicator the values
    missing before, imputed and still missing.
    """
    if method not in METHODS:
        raise InputError(
            f"unknown imputation {method!r}; use one of {', '.join(METHODS)}", parameter="impute"
        )
    out = panel.copy()
    if method.startswith("group-"):
        if groups is None:
            raise InputError(
                f"imputation {method!r} needs a groups table (region, group)", parameter="groups"
            )
        stat = method.removeprefix("group-")
        g = (
            panel.index.get_level_values("region")
            .map(lambda r: groups.get(r))
            .to_numpy(dtype=object)
        )
        for _, part in panel.groupby(level="year"):
            pos = panel.index.get_indexer(part.index)
            for j, col in enumerate(panel.columns):
                out.iloc[pos, j] = impute_by_group(part[col].to_numpy(dtype=float), g[pos], stat)
    elif method in ("mean", "median"):
        fill = impute_mean if method == "mean" else impute_median
        for _, part in panel.groupby(level="year"):
            pos = panel.index.get_indexer(part.index)
            for j, col in enumerate(panel.columns):
                out.iloc[pos, j] = fill(part[col].to_numpy(dtype=float))
    elif method in ("panel-last", "panel-linear"):
        fn = impute_last if method == "panel-last" else impute_linear
        for _, part in panel.groupby(level="region"):
            pos = panel.index.get_indexer(part.index)
            yrs = part.index.get_level_values("year").to_numpy()
            for j, col in enumerate(panel.columns):
                out.iloc[pos, j] = fn(yrs, part[col].to_numpy(dtype=float), max_gap)
    before = panel.isna().sum()
    after = out.isna().sum()
    summary = pd.DataFrame(
        {
            "indicator": panel.columns,
            "missing_before": before.to_numpy(),
            "imputed": (before - after).to_numpy(),
            "missing_after": after.to_numpy(),
        }
    )
    return out, summary
