"""Outlier and skew treatment of indicators.

Two families, each a small pure function on one indicator (a 1-D array, NaN = missing):

* **COINr default** (Becker et al., COINr ``Treat()``, JRC; the COIN Tool): an indicator
  *passes* if ``|skew| < 2`` **or** ``kurtosis < 3.5`` (sample skewness and excess kurtosis,
  :func:`skewness`, :func:`kurtosis`). If it fails, the most extreme value on the side of the
  skew is replaced by the next value, point by point, up to ``winmax`` points
  (:func:`winsorise`); if it still fails, the *original* values get the COIN-Tool log
  transform ``ln(x − min + 0.01·(max − min))`` (:func:`log_ct`).
* **RIS way** (European/Regional Innovation Scoreboard methodology reports): values beyond
  ``mean ± 3·SD`` are capped at the most extreme non-outlying value (:func:`cap_outliers_sd`),
  then an indicator with skewness above 1 gets a square-root transform, or a stronger power
  (1/3, 1/4) if the square root is not enough (:func:`power_transform`).

:func:`treat_panel` applies one of them to every indicator of a panel, per year or over all
years pooled, and returns a per-indicator summary (which points were winsorised, which
transform was applied) for the pipeline log.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from clusteratlas.errors import InputError

METHODS = ("none", "coinr", "ris")


def _deviations(x: np.ndarray, min_n: int) -> tuple[np.ndarray | None, float]:
    """Deviations from the mean of the non-missing values and their sum of squares;
    ``(None, 0)`` when fewer than ``min_n`` values remain or all are equal."""
    v = np.asarray(x, dtype=float)
    v = v[~np.isnan(v)]
    if v.size < min_n:
        return None, 0.0
    d = v - v.mean()
    m2 = float(np.sum(d**2))
    return (d, m2) if m2 != 0 else (None, 0.0)


def skewness(x: np.ndarray) -> float:
    r"""Sample skewness, the adjusted Fisher–Pearson coefficient :math:`G_1`.

    .. math:: g_1 = \frac{\sqrt{n}\,\sum (x_i-\bar x)^3}{\left(\sum (x_i-\bar x)^2\right)^{3/2}},
              \qquad G_1 = g_1 \frac{\sqrt{n(n-1)}}{n-2}

    Missing values are ignored. This is ``e1071::skewness(type = 2)``, COINr's ``skew()`` and
    Excel's ``SKEW``. Reference: Joanes & Gill (1998), *The Statistician* 47(1):183–189.

    Examples
    --------
    >>> round(skewness(np.array([1.0, 2.0, 3.0, 10.0])), 6)
    1.763633
    """
    d, m2 = _deviations(x, min_n=3)
    if d is None:
        return float("nan")
    n = d.size
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        g1 = np.sqrt(n) * np.sum(d**3) / m2**1.5
    return float(g1 * np.sqrt(n * (n - 1)) / (n - 2))


def kurtosis(x: np.ndarray) -> float:
    r"""Sample excess kurtosis :math:`G_2`.

    .. math:: g_2 = \frac{n \sum (x_i-\bar x)^4}{\left(\sum (x_i-\bar x)^2\right)^2} - 3,
              \qquad G_2 = \frac{(n-1)\,\big((n+1)\,g_2 + 6\big)}{(n-2)(n-3)}

    Missing values are ignored. This is ``e1071::kurtosis(type = 2)``, COINr's ``kurt()`` and
    Excel's ``KURT``. Reference: Joanes & Gill (1998).

    Examples
    --------
    >>> round(kurtosis(np.array([1.0, 2.0, 3.0, 10.0])), 6)
    3.228
    """
    d, m2 = _deviations(x, min_n=4)
    if d is None:
        return float("nan")
    n = d.size
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        g2 = n * np.sum(d**4) / m2**2 - 3.0
    return float((n - 1) * ((n + 1) * g2 + 6.0) / ((n - 2) * (n - 3)))


def passes_skew_kurt(x: np.ndarray, skew_max: float = 2.0, kurt_max: float = 3.5) -> bool:
    """COINr's test: ``|skew| < skew_max`` **or** ``kurtosis < kurt_max`` (NaN statistics pass).

    Examples
    --------
    >>> passes_skew_kurt(np.array([1.0, 2.0, 3.0, 10.0]))
    True
    """
    sk, kt = skewness(x), kurtosis(x)
    if np.isnan(sk) or np.isnan(kt):
        return True
    return bool(abs(sk) < skew_max or kt < kurt_max)


@dataclass
class Treated:
    """The outcome of treating one indicator."""

    values: np.ndarray
    treatment: str = "none"
    rounds: int = 0
    low: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    high: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    skew_before: float = float("nan")
    kurt_before: float = float("nan")
    skew_after: float = float("nan")
    kurt_after: float = float("nan")


def winsorise(
    x: np.ndarray, winmax: int = 5, skew_max: float = 2.0, kurt_max: float = 3.5
) -> tuple[np.ndarray, int, bool]:
    """COINr-style iterative winsorisation of one indicator.

    While the indicator fails :func:`passes_skew_kurt` and fewer than ``winmax`` rounds were
    made: if the skew is ≥ 0 every value equal to the maximum is set to the largest value
    below it; otherwise every value equal to the minimum is set to the smallest value above
    it. The side is re-decided each round from the current skew.

    Returns ``(values, rounds, passed)``. Winsorising stops early (not passed) when fewer than
    two distinct values would remain. Reference: COINr ``winsorise()`` / ``Treat()``;
    OECD/JRC Handbook (2008) §1.5.

    Examples
    --------
    >>> v, k, ok = winsorise(np.array([1.0, 2, 3, 4, 5, 6, 7, 8, 9, 100]), winmax=3)
    >>> v[-1], k, ok
    (np.float64(9.0), 1, True)
    """
    v = np.array(x, dtype=float, copy=True)
    rounds = 0
    ok = ~np.isnan(v)
    while rounds < winmax and not passes_skew_kurt(v, skew_max, kurt_max):
        vals = v[ok]
        if np.unique(vals).size <= 2:
            break
        if skewness(v) >= 0:
            top = vals.max()
            v[ok & (v == top)] = vals[vals < top].max()
        else:
            bottom = vals.min()
            v[ok & (v == bottom)] = vals[vals > bottom].min()
        rounds += 1
    return v, rounds, passes_skew_kurt(v, skew_max, kurt_max)


def log_ct(x: np.ndarray) -> np.ndarray:
    r"""COIN-Tool log transform :math:`\ln\big(x - \min x + 0.01(\max x - \min x)\big)`.

    Defined for any real data (shifted to be positive). Reference: COINr ``log_CT()``; JRC
    COIN Tool.

    Examples
    --------
    >>> np.round(log_ct(np.array([0.0, 1.0, 100.0])), 4)
    array([0.    , 0.6931, 4.6151])
    """
    v = np.asarray(x, dtype=float)
    lo, hi = np.nanmin(v), np.nanmax(v)
    return np.log(v - lo + 0.01 * (hi - lo))


def treat_coinr(
    x: np.ndarray, winmax: int = 5, skew_max: float = 2.0, kurt_max: float = 3.5
) -> Treated:
    """COINr's default treatment: winsorise up to ``winmax`` points, else :func:`log_ct`.

    ``low``/``high`` flag the points whose value was raised/lowered by winsorisation (the
    points COINr reports as ``WLow``/``WHigh``).

    Examples
    --------
    >>> t = treat_coinr(np.array([1.0, 2, 3, 4, 5, 6, 7, 8, 9, 100]))
    >>> t.treatment, int(t.high.sum())
    ('winsorised', 1)
    """
    v = np.asarray(x, dtype=float)
    out = Treated(values=v.copy(), low=np.zeros(v.shape, bool), high=np.zeros(v.shape, bool))
    out.skew_before, out.kurt_before = skewness(v), kurtosis(v)
    if not passes_skew_kurt(v, skew_max, kurt_max):
        w, rounds, ok = winsorise(v, winmax, skew_max, kurt_max)
        if ok:
            out.values, out.rounds, out.treatment = w, rounds, "winsorised"
            changed = ~np.isnan(v) & (w != v)
            out.low, out.high = changed & (w > v), changed & (w < v)
        else:
            out.values, out.treatment = log_ct(v), "log"
    out.skew_after, out.kurt_after = skewness(out.values), kurtosis(out.values)
    return out


def cap_outliers_sd(x: np.ndarray, k: float = 3.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cap values beyond ``mean ± k·SD`` at the most extreme value inside the band.

    Returns ``(values, low, high)`` (flags of raised / lowered points). SD is the sample SD.
    Reference: European Innovation Scoreboard methodology (EIS 2008 technical annex):
    outliers are excluded when setting the minimum and maximum, then take those bounds.

    Examples
    --------
    >>> v, lo, hi = cap_outliers_sd(np.array([0.0] * 9 + [1, 100]), k=2)
    >>> v[-1], int(hi.sum())
    (np.float64(1.0), 1)
    """
    v = np.array(x, dtype=float, copy=True)
    ok = ~np.isnan(v)
    if ok.sum() < 3:
        return v, np.zeros(v.shape, bool), np.zeros(v.shape, bool)
    m, s = v[ok].mean(), v[ok].std(ddof=1)
    inside = ok & (np.abs(v - m) <= k * s)
    high, low = ok & (v > m + k * s), ok & (v < m - k * s)
    if inside.any():
        v[high] = v[inside].max()
        v[low] = v[inside].min()
    return v, low, high


def power_transform(
    x: np.ndarray, skew_max: float = 1.0, powers: Sequence[float] = (0.5, 1 / 3, 0.25)
) -> tuple[np.ndarray, float | None]:
    """RIS-style transform of a positively skewed indicator.

    If ``skewness(x) > skew_max`` the values (shifted by ``-min`` when some are negative) are
    raised to the first power in ``powers`` (square root first) that brings the skewness to
    ``skew_max`` or below; the last power is kept if none does. Returns ``(values, power)``,
    ``power`` None when untouched. Reference: RIS/EIS methodology reports (Hollanders et al.):
    square-root transformation of skewed indicators.

    Examples
    --------
    >>> v, p = power_transform(np.array([1.0, 1, 1, 4, 4, 9, 16, 25, 64, 100]))
    >>> round(p, 4), round(skewness(v), 3)  # the square root leaves skew 1.19 > 1
    (0.3333, 0.889)
    """
    v = np.asarray(x, dtype=float)
    sk = skewness(v)
    if np.isnan(sk) or sk <= skew_max:
        return v.copy(), None
    base = v - np.nanmin(v) if np.nanmin(v) < 0 else v
    out, used = base, None
    for p in powers:
        out, used = np.power(base, p), float(p)
        if skewness(out) <= skew_max:
            break
    return out, used


def treat_ris(x: np.ndarray, sd_k: float | None = 3.0, skew_max: float = 1.0) -> Treated:
    """The RIS way: :func:`cap_outliers_sd` (unless ``sd_k`` is None) then :func:`power_transform`.

    Examples
    --------
    >>> treat_ris(np.array([1.0, 1, 1, 4, 4, 9, 16, 25, 64, 100]), sd_k=None).treatment
    'power 0.3333'
    """
    v = np.asarray(x, dtype=float)
    out = Treated(values=v.copy(), low=np.zeros(v.shape, bool), high=np.zeros(v.shape, bool))
    out.skew_before, out.kurt_before = skewness(v), kurtosis(v)
    steps = []
    if sd_k is not None:
        v, out.low, out.high = cap_outliers_sd(v, sd_k)
        if out.low.any() or out.high.any():
            steps.append(f"capped {int(out.low.sum() + out.high.sum())} at mean±{sd_k:g}sd")
    v, power = power_transform(v, skew_max)
    if power is not None:
        steps.append(f"power {power:.4g}")
    out.values, out.treatment = v, "; ".join(steps) or "none"
    out.skew_after, out.kurt_after = skewness(v), kurtosis(v)
    return out


def treat_vector(x: np.ndarray, method: str, params: dict) -> Treated:
    """Dispatch one indicator to the treatment ``method`` (``none``, ``coinr``, ``ris``)."""
    if method == "coinr":
        return treat_coinr(
            x,
            int(params.get("winmax", 5)),
            params.get("skew_max", 2.0),
            params.get("kurt_max", 3.5),
        )
    if method == "ris":
        return treat_ris(x, params.get("sd_k", 3.0), params.get("ris_skew_max", 1.0))
    if method == "none":
        v = np.asarray(x, dtype=float)
        return Treated(v.copy(), low=np.zeros(v.shape, bool), high=np.zeros(v.shape, bool))
    raise InputError(
        f"unknown treatment {method!r}; use one of {', '.join(METHODS)}", parameter="treat"
    )


def treat_panel(
    panel: pd.DataFrame, method: str = "none", scope: str = "year", **params: float
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Treat every indicator column of a ``(year, region) × indicator`` panel.

    ``scope='year'`` treats each year's cross-section separately (COINr coins);
    ``scope='global'`` pools all years. Returns ``(treated panel, summary, flags)`` where the
    summary has one row per (year or 'all', indicator) with the treatment, the winsorised
    counts ``low``/``high`` and skew/kurtosis before and after, and ``flags`` holds
    ``'low'``/``'high'``/``''`` per cell.
    """
    if method not in METHODS:
        raise InputError(
            f"unknown treatment {method!r}; use one of {', '.join(METHODS)}", parameter="treat"
        )
    if scope not in ("year", "global"):
        raise InputError("scope must be 'year' or 'global'", parameter="treat_scope")
    out = panel.copy()
    flags = pd.DataFrame("", index=panel.index, columns=panel.columns)
    rows = []
    groups = panel.groupby(level="year", sort=True) if scope == "year" else [("all", panel)]
    for key, part in groups:
        pos = panel.index.get_indexer(part.index)
        for col in panel.columns:
            t = treat_vector(part[col].to_numpy(dtype=float), method, params)
            out.iloc[pos, out.columns.get_loc(col)] = t.values
            f = np.where(t.low, "low", np.where(t.high, "high", ""))
            flags.iloc[pos, flags.columns.get_loc(col)] = f
            rows.append(
                {
                    "year": key,
                    "indicator": col,
                    "treatment": t.treatment,
                    "rounds": t.rounds,
                    "low": int(t.low.sum()),
                    "high": int(t.high.sum()),
                    "skew_before": t.skew_before,
                    "kurt_before": t.kurt_before,
                    "skew_after": t.skew_after,
                    "kurt_after": t.kurt_after,
                }
            )
    return out, pd.DataFrame(rows), flags
