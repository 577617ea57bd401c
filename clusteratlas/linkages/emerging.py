"""The 10 EOCIC emerging industries and the emerging specialisations of regions.

The emerging industries are an *overlapping* cluster scheme on NACE Rev. 2 classes
(``clusteratlas/linkages/data/eocic_emerging_nace2.csv``; the code lists are this project's own
operational definitions, see the file's header). :func:`emerging_scheme` reads it with the
scheme reader of :mod:`clusteratlas.classifications`, so it can be mapped like any scheme
(``clusteratlas map --clusters``) and loaded into a store.

:func:`emerging_specialisations` flags, per region and unit (industry, cluster or emerging
industry), three signals between two years, each with its rule in ``reason``:

* ``new_specialisation``: LQ below 1 at the start and at least 1 at the end (an entry);
* ``fast_rising``: the LQ's change is in the top ``rising_quantile`` of all the region × unit
  changes with positive start employment (default: the top 10 %) and positive;
* ``high_density``: the end-year relatedness density is in the top ``density_quantile`` over
  every region × unit (default: top 25 %), i.e. the region holds many related capabilities.

A unit is *emerging* in a region when it is a new specialisation or rises fast, and the table
keeps those (with ``high_density`` as the supporting signal).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from clusteratlas.linkages.complexity import complexity_year
from clusteratlas.linkages.matrix import year_matrices

SCHEME = "eocic-emerging"
FILE = "eocic_emerging_nace2.csv"
EMERGING_INDUSTRIES = (
    "advanced_packaging",
    "biopharmaceuticals",
    "blue_growth",
    "creative",
    "digital",
    "environmental",
    "experience",
    "logistical_services",
    "medical_devices",
    "mobility_technologies",
)


def emerging_scheme_path() -> Path:
    """Path of the packaged emerging-industries scheme file."""
    return Path(str(resources.files("clusteratlas.linkages") / "data" / FILE))


def emerging_scheme(keep_extra: bool = False) -> pd.DataFrame:
    """The emerging-industries scheme as a definitions frame (``industry, cluster,
    cluster_name, cluster_type='emerging', weight, classification='NACE_R2'``)."""
    from clusteratlas.classifications import read_scheme_file

    frame = read_scheme_file(emerging_scheme_path(), keep_extra=keep_extra)
    frame.attrs["scheme"] = SCHEME
    return frame


def emerging_specialisations(
    panel: pd.DataFrame,
    start: int,
    end: int,
    *,
    unit: str = "cluster",
    rising_quantile: float = 0.9,
    density_quantile: float = 0.75,
) -> pd.DataFrame:
    """Emerging specialisations of every region between ``start`` and ``end``.

    ``panel`` is tidy (``region, <unit>, year, employment``). Returns ``region, <unit>,
    lq_start, lq_end, lq_change, density_end, new_specialisation, fast_rising, high_density,
    reason`` for the cells that are new or fast-rising specialisations.
    """
    mats = {m.year: m for m in year_matrices(panel, unit=unit, years=[start, end])}
    a, b = mats[start], mats[end]
    lq0 = a.frame().pipe(lambda f: _rca_frame(f))
    res = complexity_year(b.values)
    lq1 = pd.DataFrame(res["rca"], index=b.regions, columns=b.units)
    dens = pd.DataFrame(res["density"], index=b.regions, columns=b.units)
    lq0 = lq0.reindex(index=lq1.index, columns=lq1.columns).fillna(0.0)
    long = pd.DataFrame(
        {
            "region": np.repeat(lq1.index.to_numpy(), lq1.shape[1]),
            unit: np.tile(lq1.columns.to_numpy(), lq1.shape[0]),
            "lq_start": lq0.to_numpy().ravel(),
            "lq_end": lq1.to_numpy().ravel(),
            "density_end": dens.to_numpy().ravel(),
        }
    )
    long["lq_change"] = long.lq_end - long.lq_start
    base = long[long.lq_start > 0]
    rise_cut = float(base.lq_change.quantile(rising_quantile)) if len(base) else np.inf
    dens_cut = float(long.density_end.quantile(density_quantile))
    long["new_specialisation"] = (long.lq_start < 1) & (long.lq_end >= 1)
    long["fast_rising"] = (long.lq_start > 0) & (long.lq_change >= rise_cut) & (long.lq_change > 0)
    long["high_density"] = long.density_end >= dens_cut
    out = long[long.new_specialisation | long.fast_rising].copy()
    out["reason"] = [
        "; ".join(
            s
            for s in (
                f"new specialisation: LQ {r.lq_start:.2f} -> {r.lq_end:.2f} (crossed 1)"
                if r.new_specialisation
                else "",
                f"fast rising: LQ {r.lq_change:+.2f}, top {100 * (1 - rising_quantile):.0f}% "
                f"of changes (>= {rise_cut:+.2f})"
                if r.fast_rising
                else "",
                f"high relatedness density {r.density_end:.3f} (top "
                f"{100 * (1 - density_quantile):.0f}%, >= {dens_cut:.3f})"
                if r.high_density
                else "",
            )
            if s
        )
        for r in out.itertuples()
    ]
    out.insert(2, "start_year", start)
    out.insert(3, "end_year", end)
    return out.sort_values(["region", "lq_change"], ascending=[True, False]).reset_index(drop=True)


def _rca_frame(frame: pd.DataFrame) -> pd.DataFrame:
    from clusteratlas.linkages.complexity import rca

    return pd.DataFrame(rca(frame.to_numpy()), index=frame.index, columns=frame.columns)
