"""Normalisation: bring indicators onto a common, direction-adjusted scale.

Every method is a pure function of one indicator (1-D array, NaN = missing) that has
*already* been multiplied by its direction (1 or -1), so that higher is always better — as
COINr's ``Normalise()`` does. Bounded methods (all but ``zscore``, ``rank``, ``borda``,
``none``) compute a score ``y`` that is 0–1 for the worst–best values, as COINr does, and
report ``lo + y·(hi − lo)`` on a range that defaults to 0–100 (use e.g. 1–100 before a
geometric mean, which needs positive values).

References: OECD/JRC *Handbook on Constructing Composite Indicators* (2008), §1.5 and
Table 3; COINr ``n_minmax``, ``n_zscore``, ``n_rank``, ``n_prank``, ``n_borda``,
``n_fracmax``, ``n_dist2max``, ``n_dist2ref``, ``n_dist2targ``, ``n_goalposts``.

:func:`normalise_panel` applies a method to every indicator of a panel, per year or
*globally* over all years pooled (so that a region's score can be compared across years).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from clusteratlas.errors import InputError

METHODS = (
    "minmax",
    "zscore",
    "rank",
    "prank",
    "borda",
    "fracmax",
    "dist2max",
    "dist2ref",
    "dist2target",
    "goalposts",
    "none",
)


def minmax(x: np.ndarray, lo: float = 0.0, hi: float = 100.0) -> np.ndarray:
    r"""Min-max: :math:`lo + (x - \min x)/(\max x - \min x)\,(hi - lo)`.

    A constant indicator gives NaN (its range is zero), as in COINr.

    Examples
    --------
    >>> minmax(np.array([2.0, 4.0, 6.0]))
    array([  0.,  50., 100.])
    """
    v = np.asarray(x, dtype=float)
    mn, mx = np.nanmin(v), np.nanmax(v)
    with np.errstate(invalid="ignore", divide="ignore"):
        return lo + (v - mn) / (mx - mn) * (hi - lo)


def zscore(x: np.ndarray, mean: float = 0.0, sd: float = 1.0) -> np.ndarray:
    r"""Standardisation: :math:`mean + sd\,(x - \bar x)/s` with :math:`s` the sample SD.

    Examples
    --------
    >>> zscore(np.array([1.0, 2.0, 3.0]))
    array([-1.,  0.,  1.])
    """
    v = np.asarray(x, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return mean + sd * (v - np.nanmean(v)) / np.nanstd(v, ddof=1)


def rank(x: np.ndarray) -> np.ndarray:
    """Ranks, 1 = lowest, ties get the minimum rank ("sport" ranking); NaN stays NaN.

    Examples
    --------
    >>> rank(np.array([10.0, 30.0, 20.0, 30.0]))
    array([1., 3., 2., 3.])
    """
    v = np.asarray(x, dtype=float)
    out = np.full(v.shape, np.nan)
    ok = ~np.isnan(v)
    out[ok] = rankdata(v[ok], method="min")
    return out


def prank(x: np.ndarray, lo: float = 0.0, hi: float = 100.0) -> np.ndarray:
    r"""Percentile rank :math:`y = (r - 1)/(n - 1)` with :math:`r` = :func:`rank`, on ``[lo, hi]``.

    Examples
    --------
    >>> prank(np.array([10.0, 30.0, 20.0]))
    array([  0., 100.,  50.])
    """
    r = rank(x)
    n = np.sum(~np.isnan(r))
    with np.errstate(invalid="ignore", divide="ignore"):
        return lo + (r - 1) / (n - 1) * (hi - lo)


def borda(x: np.ndarray) -> np.ndarray:
    """Borda score: :func:`rank` − 1.

    Examples
    --------
    >>> borda(np.array([5.0, 1.0]))
    array([1., 0.])
    """
    return rank(x) - 1


def fracmax(x: np.ndarray, lo: float = 0.0, hi: float = 100.0) -> np.ndarray:
    r"""Fraction of the maximum :math:`y = x / \max x`, on ``[lo, hi]``.

    Examples
    --------
    >>> fracmax(np.array([1.0, 4.0]))
    array([ 25., 100.])
    """
    v = np.asarray(x, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return lo + v / np.nanmax(v) * (hi - lo)


def dist2max(x: np.ndarray, lo: float = 0.0, hi: float = 100.0) -> np.ndarray:
    r"""Distance to the best :math:`y = 1 - (\max x - x)/(\max x - \min x)`, on ``[lo, hi]``.

    Examples
    --------
    >>> dist2max(np.array([0.0, 5.0, 10.0]))
    array([  0.,  50., 100.])
    """
    v = np.asarray(x, dtype=float)
    mn, mx = np.nanmin(v), np.nanmax(v)
    with np.errstate(invalid="ignore", divide="ignore"):
        return lo + (1 - (mx - v) / (mx - mn)) * (hi - lo)


def dist2ref(
    x: np.ndarray, ref: float, cap: bool = False, lo: float = 0.0, hi: float = 100.0
) -> np.ndarray:
    r"""Distance to a reference value :math:`y = 1 - (r - x)/(r - \min x)`, on ``[lo, hi]``.

    ``ref`` is usually a reference region's (direction-adjusted) value, which then scores
    ``hi``. With ``cap`` values above the reference score ``hi`` too.

    Examples
    --------
    >>> dist2ref(np.array([0.0, 5.0, 20.0]), ref=10.0, cap=True)
    array([  0.,  50., 100.])
    """
    v = np.asarray(x, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        y = 1 - (ref - v) / (ref - np.nanmin(v))
    if cap:
        y = np.where(y > 1, 1.0, y)
    return lo + y * (hi - lo)


def dist2target(
    x: np.ndarray, target: float, cap: bool = True, lo: float = 0.0, hi: float = 100.0
) -> np.ndarray:
    r"""Distance to a target :math:`y = 1 - (t - x)/(t - \min x)`, capped at 1, on ``[lo, hi]``.

    Examples
    --------
    >>> dist2target(np.array([0.0, 5.0, 20.0]), target=10.0)
    array([  0.,  50., 100.])
    """
    return dist2ref(x, target, cap=cap, lo=lo, hi=hi)


def goalposts(
    x: np.ndarray,
    low: float,
    high: float,
    truncate: bool = True,
    lo: float = 0.0,
    hi: float = 100.0,
) -> np.ndarray:
    r"""Goalposts :math:`y = (x - low)/(high - low)`, truncated to [0, 1], on ``[lo, hi]``.

    ``low``/``high`` are given in direction-adjusted units (for a direction −1 indicator pass
    ``-worst`` and ``-best``; :func:`normalise_panel` does this from the framework's
    ``goalposts: [worst, best]``). Reference: COINr ``n_goalposts``; UNDP HDI technical notes.

    Examples
    --------
    >>> goalposts(np.array([-5.0, 5.0, 15.0]), 0.0, 10.0)
    array([  0.,  50., 100.])
    """
    v = np.asarray(x, dtype=float)
    y = (v - low) / (high - low)
    if truncate:
        y = np.clip(y, 0.0, 1.0)
    return lo + y * (hi - lo)


def _vector_method(
    method: str, lo: float, hi: float, mean_sd: tuple[float, float]
) -> Callable[[np.ndarray], np.ndarray]:
    simple: dict[str, Callable[[np.ndarray], np.ndarray]] = {
        "minmax": lambda v: minmax(v, lo, hi),
        "zscore": lambda v: zscore(v, *mean_sd),
        "rank": rank,
        "prank": lambda v: prank(v, lo, hi),
        "borda": borda,
        "fracmax": lambda v: fracmax(v, lo, hi),
        "dist2max": lambda v: dist2max(v, lo, hi),
        "none": lambda v: np.asarray(v, dtype=float).copy(),
    }
    return simple[method]


def normalise_panel(
    panel: pd.DataFrame,
    directions: dict[str, int],
    method: str = "minmax",
    scope: str = "year",
    *,
    range: tuple[float, float] = (0.0, 100.0),
    mean_sd: tuple[float, float] = (0.0, 1.0),
    targets: dict[str, float | None] | None = None,
    goalposts_by: dict[str, tuple[float, float] | None] | None = None,
    reference: str | None = None,
    cap: bool = False,
) -> pd.DataFrame:
    """Normalise every indicator of a ``(year, region) × indicator`` panel.

    Each column is multiplied by its direction, then normalised by ``method`` within each
    year (``scope='year'``) or over all years pooled (``scope='global'``, so that scores are
    comparable over time). ``range=(lo, hi)`` is the output range of the bounded methods,
    ``mean_sd`` the z-score's mean and SD, ``reference`` the region of ``dist2ref`` (``cap``
    caps values above it), ``targets`` / ``goalposts_by`` the per-indicator targets and
    goalposts ``(worst, best)`` from the framework. Under global scope the reference region's
    value is its latest available one.
    """
    if method not in METHODS:
        raise InputError(
            f"unknown normalisation {method!r}; use one of {', '.join(METHODS)}",
            parameter="normalise",
        )
    if scope not in ("year", "global"):
        raise InputError("scope must be 'year' or 'global'", parameter="normalise_scope")
    lo, hi = float(range[0]), float(range[1])
    if not hi > lo:
        raise InputError(f"range must have lo < hi, got {lo:g},{hi:g}", parameter="normalise_range")
    out = np.full(panel.shape, np.nan)
    groups = (
        [panel.index.get_indexer(p.index) for _, p in panel.groupby(level="year", sort=True)]
        if scope == "year"
        else [np.arange(len(panel))]
    )
    values = panel.to_numpy(dtype=float)
    for j, col in enumerate(panel.columns):
        d = directions[col]
        if method == "dist2target" and (targets is None or targets.get(col) is None):
            raise InputError(
                f"indicator {col} has no 'target' for dist2target", parameter="normalise"
            )
        if method == "goalposts" and (goalposts_by is None or goalposts_by.get(col) is None):
            raise InputError(
                f"indicator {col} has no 'goalposts' in the framework", parameter="normalise"
            )
        for pos in groups:
            v = values[pos, j] * d
            if not np.any(~np.isnan(v)):
                continue
            if method == "dist2ref":
                ref = _reference_value(panel, panel.iloc[pos], col, reference) * d
                y = dist2ref(v, ref, cap, lo, hi)
            elif method == "dist2target":
                y = dist2target(v, float(targets[col]) * d, True, lo, hi)  # type: ignore[index]
            elif method == "goalposts":
                worst, best = goalposts_by[col]  # type: ignore[index, misc]
                y = goalposts(v, worst * d, best * d, True, lo, hi)
            else:
                y = _vector_method(method, lo, hi, mean_sd)(v)
            out[pos, j] = y
    return pd.DataFrame(out, index=panel.index, columns=panel.columns)


def _reference_value(
    panel: pd.DataFrame, part: pd.DataFrame, col: str, reference: str | None
) -> float:
    if reference is None:
        raise InputError("dist2ref needs a reference region", parameter="reference")
    if reference not in set(panel.index.get_level_values("region")):
        raise InputError(
            f"reference region {reference!r} is not in the data", parameter="reference"
        )
    vals = part[col][part.index.get_level_values("region") == reference].dropna()
    if vals.empty:
        everywhere = panel[col][panel.index.get_level_values("region") == reference].dropna()
        if everywhere.empty:
            raise InputError(
                f"reference region {reference!r} has no value for {col}", parameter="reference"
            )
        return float(everywhere.iloc[-1])
    return float(vals.iloc[-1])
