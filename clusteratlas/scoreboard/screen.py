"""Screening by data availability (before anything is imputed).

* Units (region-years) whose share of available indicators is below ``min_unit_share`` are
  dropped (COINr ``Screen(dat_thresh = ...)``).
* Indicators whose share of regions with data, in the scored year(s), is below
  ``min_indicator_share`` are dropped from the framework (RIS practice: an indicator needs
  adequate regional coverage; the EIS uses ≥ 75 % of countries to pick reference years).

References: COINr ``Screen()`` / ``get_data_avail()``; OECD/JRC Handbook (2008) step 2.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def unit_availability(panel: pd.DataFrame) -> pd.Series:
    """Share of indicators with a value, per ``(year, region)`` row.

    Examples
    --------
    >>> idx = pd.MultiIndex.from_tuples([(2020, "A"), (2020, "B")], names=["year", "region"])
    >>> unit_availability(pd.DataFrame({"x": [1.0, np.nan], "y": [2.0, 3.0]}, index=idx)).tolist()
    [1.0, 0.5]
    """
    if panel.shape[1] == 0:
        return pd.Series(0.0, index=panel.index)
    return panel.notna().mean(axis=1)


def indicator_coverage(panel: pd.DataFrame) -> pd.DataFrame:
    """Share of regions with a value, per year (rows) and indicator (columns)."""
    return panel.notna().groupby(level="year").mean()


def screen_units(panel: pd.DataFrame, min_share: float = 0.0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Drop region-years with availability below ``min_share``; returns ``(panel, dropped)``."""
    avail = unit_availability(panel)
    keep = avail >= min_share
    dropped = avail[~keep].rename("availability").reset_index()
    return panel[keep.to_numpy()], dropped


def screen_indicators(
    panel: pd.DataFrame, min_share: float = 0.0, years: list[int] | None = None
) -> tuple[list[str], pd.DataFrame]:
    """Indicators whose coverage (over ``years``, default all) is below ``min_share``.

    Returns ``(dropped codes, coverage table)``; an indicator with no value at all is always
    dropped.
    """
    part = panel
    if years is not None:
        part = panel[panel.index.get_level_values("year").isin(years)]
    cov = part.notna().mean(axis=0) if len(part) else pd.Series(0.0, index=panel.columns)
    drop = [c for c in panel.columns if cov[c] < min_share or not np.any(part[c].notna())]
    table = pd.DataFrame({"indicator": cov.index, "coverage": cov.to_numpy()})
    return drop, table
