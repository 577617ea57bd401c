"""Growth opportunities and emerging specialisations of a region, with their reasons.

Both read the outputs of :func:`~clusteratlas.linkages.complexity.complexity_year` (RCA,
presence, proximity, density, PCI) and say *why* each unit is listed, in words built from the
numbers, so a page or a briefing can show them as they are.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


def related_held(phi: np.ndarray, m_row: np.ndarray, units: np.ndarray, k: int = 3) -> list[str]:
    """The ``k`` units a region is specialised in that are closest to each unit.

    Returns one ``"; "``-joined string per unit (column of ``phi``), nearest first.

    Examples
    --------
    >>> phi = np.array([[1, .9, .1], [.9, 1, .2], [.1, .2, 1]])
    >>> related_held(phi, np.array([0, 1, 1]), np.array(["a", "b", "c"]), k=1)
    ['b', 'c', 'b']
    """
    held = np.flatnonzero(np.asarray(m_row) > 0)
    out = []
    for p in range(phi.shape[0]):
        cand = held[held != p]
        top = cand[np.argsort(-phi[p, cand], kind="stable")][:k]
        out.append("; ".join(str(units[q]) for q in top))
    return out


@dataclass(frozen=True)
class OpportunityRule:
    """When a unit is a growth opportunity of a region (defaults documented in
    ``docs/linkages.md``).

    Attributes
    ----------
    density_quantile:
        The unit's density must be at least this quantile of the region's densities over the
        units it is *not* specialised in (default 0.75: its top quarter).
    min_pci:
        Minimum standardised PCI (default 0: more complex than the average region).
    top:
        How many to return, ranked by the opportunity gain (COG) then density.
    """

    density_quantile: float = 0.75
    min_pci: float = 0.0
    top: int = 10


def growth_opportunities(
    result: dict[str, np.ndarray],
    regions: np.ndarray,
    units: np.ndarray,
    region: str,
    rule: OpportunityRule | None = None,
) -> pd.DataFrame:
    """Units where ``region`` is not specialised yet but is well placed: high relatedness
    density, no current specialisation (RCA < threshold) and high PCI.

    Returns ``region, unit, rca, density, density_rank, pci, cog, related_specialisations,
    reason`` sorted by ``cog`` (descending).
    """
    rule = rule or OpportunityRule()
    idx = {str(r): i for i, r in enumerate(regions)}
    i = idx[str(region)]
    m, d, r = result["m"][i], result["density"][i], result["rca"][i]
    pci, cog = result["pci"], result["cog"][i]
    free = m == 0
    if not free.any():
        return pd.DataFrame(columns=["region", "unit", "rca", "density", "pci", "cog", "reason"])
    cut = np.nanquantile(d[free], rule.density_quantile)
    keep = free & (d >= cut) & (pci > rule.min_pci)
    rank = pd.Series(d).where(free).rank(ascending=False, method="min").to_numpy()
    related = related_held(result["proximity"], m, units)
    rows = []
    for p in np.flatnonzero(keep):
        share = int(rank[p])
        rows.append(
            {
                "region": str(region),
                "unit": str(units[p]),
                "rca": float(r[p]),
                "density": float(d[p]),
                "density_rank": share,
                "pci": float(pci[p]),
                "cog": float(cog[p]),
                "related_specialisations": related[p],
                "reason": (
                    f"not specialised yet (RCA {r[p]:.2f}); density {d[p]:.3f} is #{share} of "
                    f"{int(free.sum())} non-specialised units (top "
                    f"{100 * (1 - rule.density_quantile):.0f}% from {cut:.3f}), near its "
                    f"specialisations {related[p] or '(none)'}; PCI {pci[p]:+.2f} "
                    f"(above {rule.min_pci:+.2f}); outlook gain {cog[p]:+.3f}"
                ),
            }
        )
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    return (
        out.sort_values(["cog", "density"], ascending=False).head(rule.top).reset_index(drop=True)
    )
