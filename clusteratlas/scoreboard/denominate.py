"""Denomination: turn totals into intensities (per inhabitant, per GDP, per area...).

``value / denominator × scale`` where the indicator's framework entry names the denominator
(``denominator: population``) and ``scale`` (default 1, e.g. 1e6 for "per million"). The
denominator is matched on (region, year). A missing or zero denominator gives a missing value
(never an infinite one), and is counted in the log.

Reference: COINr ``Denominate()``; OECD/JRC Handbook (2008) §1.5 ("scaling by size").
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from clusteratlas.errors import InputError


def denominate_values(x: np.ndarray, d: np.ndarray, scale: float = 1.0) -> np.ndarray:
    """``x / d × scale``; NaN where ``d`` is missing or zero.

    Examples
    --------
    >>> denominate_values(np.array([10.0, 5.0, 1.0]), np.array([2.0, 0.0, np.nan]))
    array([ 5., nan, nan])
    """
    x = np.asarray(x, dtype=float)
    d = np.asarray(d, dtype=float)
    out = np.full(x.shape, np.nan)
    ok = ~np.isnan(d) & (d != 0)
    out[ok] = x[ok] / d[ok] * scale
    return out


def denominate_panel(
    panel: pd.DataFrame,
    spec: dict[str, tuple[str, float]],
    denominators: pd.DataFrame | None,
    *,
    file: str | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Divide the indicators named in ``spec`` (code → (denominator, scale)) by their denominator.

    ``denominators`` is the long table ``region, year, denominator, value``. Returns
    ``(panel, summary)`` with, per denominated indicator, the number of values that lost their
    denominator.
    """
    out = panel.copy()
    rows = []
    if not spec:
        return out, pd.DataFrame(columns=["indicator", "denominator", "scale", "no_denominator"])
    if denominators is None:
        first = next(iter(spec))
        raise InputError(
            f"indicator {first} names denominator {spec[first][0]!r} "
            "but no denominators file was given",
            parameter="denominators",
        )
    wide = denominators.pivot(index=["year", "region"], columns="denominator", values="value")
    for code, (den, scale) in spec.items():
        if den not in wide.columns:
            raise InputError(
                f"indicator {code} names denominator {den!r}, which is not in the denominators "
                f"(found: {', '.join(map(str, wide.columns))})",
                file=file,
                column="denominator",
            )
        d = wide[den].reindex(panel.index).to_numpy(dtype=float)
        x = panel[code].to_numpy(dtype=float)
        out[code] = denominate_values(x, d, scale)
        lost = int(np.sum(~np.isnan(x) & np.isnan(out[code].to_numpy())))
        rows.append({"indicator": code, "denominator": den, "scale": scale, "no_denominator": lost})
    return out, pd.DataFrame(rows)
