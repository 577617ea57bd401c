"""Partner finder: regions in other countries that are *similar* or *complementary*.

For a region r (and optionally one cluster), over the units i of one year:

* **similar** partners have a specialisation profile like r's:

  .. math:: \\text{sim}(r, s) = \\cos\\big(\\rho_r, \\rho_s\\big), \\qquad
            \\rho_{ri} = \\frac{RCA_{ri} - 1}{RCA_{ri} + 1}

  the cosine of the *symmetric* RCA vectors (Dalum, Laursen and Villumsen 1998), which centres
  specialisation on 0 so that sharing non-specialisations does not count as likeness
  (``profile="rca"`` uses the raw RCA, whose cosine is high for nearly every pair);

* **complementary** partners are specialised where r has high relatedness density but no
  specialisation (Balland and Boschma 2021, "Complementary interregional linkages and Smart
  Specialisation", Regional Studies 55(6)):

  .. math:: \\text{comp}(r, s) = \\frac{\\sum_i [RCA_{si} \\ge 1][RCA_{ri} < 1]\\, d_{ri}}
            {\\sum_i [RCA_{ri} < 1]\\, d_{ri}}

  the share of r's density-weighted missing capabilities that s holds. Ties (frequent with
  few units) are ranked by how strongly s is specialised in them: :math:`\\sum_i [RCA_{si}
  \\ge 1][RCA_{ri} < 1] d_{ri} \\rho_{si} / \\sum_i [RCA_{ri} < 1] d_{ri}` (``strength``).

Each partner comes with its reasons: the units behind the score. Partners are in other
countries: the country of a NUTS code is its first two letters (``country_of``), or a mapping
given by the caller.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

import numpy as np
import pandas as pd

from clusteratlas.errors import InputError
from clusteratlas.linkages.complexity import ComplexityOptions, complexity_year

PROFILES = ("symmetric", "rca")


def country_of(region: str) -> str:
    """Country of a NUTS code: its first two letters.

    Examples
    --------
    >>> country_of("ES51")
    'ES'
    """
    return str(region)[:2]


def cosine_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cosine similarity of vector ``a`` with every row of ``b``.

    Examples
    --------
    >>> cosine_rows(np.array([1.0, 0.0]), np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]])).round(3)
    array([1.   , 0.   , 0.707])
    """
    na = np.linalg.norm(a)
    nb = np.linalg.norm(b, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (b @ a) / (na * nb)


def symmetric_rca(r: np.ndarray) -> np.ndarray:
    """:math:`(RCA - 1)/(RCA + 1)`, in [-1, 1) with 0 at RCA = 1.

    Examples
    --------
    >>> symmetric_rca(np.array([0.0, 1.0, 3.0])).tolist()
    [-1.0, 0.0, 0.5]
    """
    r = np.nan_to_num(np.asarray(r, dtype=float))
    return (r - 1.0) / (r + 1.0)


class PartnerFinder:
    """Similarity and complementarity of regions on one year's region × unit matrix.

    Parameters
    ----------
    x, regions, units:
        Employment matrix and its labels (see :class:`~clusteratlas.linkages.matrix.YearMatrix`).
    country:
        Function or mapping from region code to country (default :func:`country_of`).
    options:
        Complexity conventions (RCA threshold, proximity diagonal) of the density.
    profile:
        ``"symmetric"`` (default) or ``"rca"`` for the similarity profile.
    """

    def __init__(
        self,
        x: np.ndarray,
        regions: np.ndarray,
        units: np.ndarray,
        *,
        country: Callable[[str], str] | Mapping[str, str] | None = None,
        options: ComplexityOptions | None = None,
        profile: str = "symmetric",
    ) -> None:
        if profile not in PROFILES:
            raise InputError(f"must be one of {PROFILES}, got {profile!r}", parameter="--profile")
        self.regions = np.asarray(regions).astype(object).astype(str)
        self.units = np.asarray(units).astype(object).astype(str)
        self.res = complexity_year(x, options)
        self.x = np.asarray(x, dtype=float)
        c = country or country_of
        get = c.get if isinstance(c, Mapping) else c
        self.country = np.array([str(get(r)) for r in self.regions])
        self.profile = (
            symmetric_rca(self.res["rca"])
            if profile == "symmetric"
            else np.nan_to_num(self.res["rca"])
        )
        self.index = {r: i for i, r in enumerate(self.regions)}

    def _row(self, region: str) -> int:
        if str(region) not in self.index:
            raise InputError(f"unknown region {region!r}", parameter="--region")
        return self.index[str(region)]

    def _unit(self, unit: str) -> int:
        where = np.flatnonzero(self.units == str(unit))
        if not len(where):
            raise InputError(f"unknown cluster or industry {unit!r}", parameter="--cluster")
        return int(where[0])

    def _candidates(self, members: Iterable[int], cluster: str | None) -> np.ndarray:
        members = list(members)
        home = set(self.country[members])
        ok = ~np.isin(self.country, list(home))
        if cluster is not None:
            ok &= self.res["m"][:, self._unit(cluster)] > 0
        return np.flatnonzero(ok)

    def similar(self, region: str, *, cluster: str | None = None, top: int = 10) -> pd.DataFrame:
        """The ``top`` most similar regions in other countries, with the units they share."""
        i = self._row(region)
        cand = self._candidates([i], cluster)
        sims = cosine_rows(self.profile[i], self.profile[cand])
        order = cand[np.argsort(-np.nan_to_num(sims, nan=-2), kind="stable")][:top]
        m = self.res["m"]
        rows = []
        for s in order:
            shared = np.flatnonzero((m[i] > 0) & (m[s] > 0))
            shared = shared[np.argsort(-(self.res["rca"][i, shared] * self.res["rca"][s, shared]))]
            names = ", ".join(self.units[shared[:5]])
            sim = float(cosine_rows(self.profile[i], self.profile[[s]])[0])
            rows.append(
                {
                    "region": str(region),
                    "partner": self.regions[s],
                    "partner_country": self.country[s],
                    "kind": "similar",
                    "score": sim,
                    "shared_specialisations": len(shared),
                    "reason": f"profile cosine {sim:.3f}; both specialised (LQ >= "
                    f"{self._threshold}) in {len(shared)} units: {names or '(none)'}"
                    + self._cluster_note(s, cluster),
                }
            )
        return pd.DataFrame(rows)

    @property
    def _threshold(self) -> str:
        return "1"

    def _cluster_note(self, s: int, cluster: str | None) -> str:
        if cluster is None:
            return ""
        j = self._unit(cluster)
        return f"; in {cluster}: LQ {self.res['rca'][s, j]:.2f}, employment {self.x[s, j]:,.0f}"

    def _gaps(self, i: int) -> np.ndarray:
        """Density-weighted missing capabilities of region i (0 where it is specialised)."""
        return np.where(self.res["m"][i] > 0, 0.0, np.nan_to_num(self.res["density"][i]))

    def _needs(self, i: int) -> np.ndarray:
        """What member i needs in a partnership: the units it is not specialised in whose
        density is in the top quarter of its non-specialised units (and above 0)."""
        m = self.res["m"]
        gaps = self._gaps(i)
        free = gaps[m[i] == 0]
        cut = np.quantile(free, 0.75) if len(free) else np.inf
        return (m[i] == 0) & (gaps >= cut) & (gaps > 0)

    def needs(self, region: str) -> list[str]:
        """The units ``region`` needs in a partnership (see :meth:`partnership`), densest
        first."""
        i = self._row(region)
        mine = np.flatnonzero(self._needs(i))
        return self.units[mine[np.argsort(-self._gaps(i)[mine], kind="stable")]].tolist()

    def complementary(
        self, region: str, *, cluster: str | None = None, top: int = 10
    ) -> pd.DataFrame:
        """The ``top`` most complementary regions in other countries, with the units they add."""
        i = self._row(region)
        gaps = self._gaps(i)
        cand = self._candidates([i], cluster)
        total = gaps.sum()
        held = self.res["m"][cand]
        scores = (held @ gaps) / total if total > 0 else np.zeros(len(cand))
        # ties (frequent with few units) go to the partner more strongly specialised in the
        # gaps: the density-weighted mean symmetric RCA over the gaps it holds
        strength = (held * symmetric_rca(self.res["rca"][cand])) @ gaps
        order = np.lexsort((-strength, -np.round(scores, 12)))
        order = [k for k in order if scores[k] > 0][:top]
        rows = []
        for k in order:
            s = cand[k]
            adds = np.flatnonzero((self.res["m"][s] > 0) & (gaps > 0))
            adds = adds[np.argsort(-gaps[adds], kind="stable")]
            listed = ", ".join(f"{self.units[p]} (density {gaps[p]:.2f})" for p in adds[:5])
            rows.append(
                {
                    "region": str(region),
                    "partner": self.regions[s],
                    "partner_country": self.country[s],
                    "kind": "complementary",
                    "score": float(scores[k]),
                    "units_added": len(adds),
                    "reason": f"specialised in {len(adds)} units where {region} is not but is "
                    f"related (covers {100 * scores[k]:.0f}% of its density-weighted gaps): "
                    f"{listed or '(none)'}" + self._cluster_note(s, cluster),
                }
            )
        return pd.DataFrame(rows)

    def partnership(self, members: Iterable[str], *, top: int = 10) -> dict[str, object]:
        """Coverage of related capabilities by a set of regions, and who would add most.

        The partnership *needs* the units in the top quarter of each member's density among
        the units that member is not specialised in; a need is *covered* when another member
        is specialised in it. Candidates (regions of other countries than every member) are
        ranked by the density-weighted share of the uncovered needs they hold,

        .. math:: \\text{score}(s) = \\frac{\\sum_i [RCA_{si} \\ge 1]\\, u_i w_i}{\\sum_i u_i w_i}

        (:math:`u_i` = 1 for an uncovered need, :math:`w_i` the highest density of the members
        needing it), ties by ``strength`` :math:`\\sum_i [RCA_{si} \\ge 1]\\, u_i w_i
        \\rho_{si} / \\sum_i u_i w_i` (:math:`\\rho` the symmetric RCA), as in
        :meth:`complementary`.

        Example: members A and B both need only unit a (w = 0.4, uncovered); candidates C
        (RCA 3 in a: ρ = 0.5) and D (RCA 1.5: ρ = 0.2) both score 0.4 / 0.4 = 1; C comes first
        (strength 0.5 > 0.2).
        """
        idx = [self._row(r) for r in members]
        if len(idx) < 2:
            raise InputError("a partnership needs at least two regions", parameter="--regions")
        m = self.res["m"]
        need = np.zeros(len(self.units))
        covered = np.zeros(len(self.units), dtype=bool)
        for i in idx:
            gaps = self._gaps(i)
            mine = self._needs(i)
            others = [j for j in idx if j != i]
            need = np.maximum(need, np.where(mine, gaps, 0.0))
            covered |= mine & (m[others].max(axis=0) > 0)
        needed = need > 0
        uncovered = needed & ~covered
        cand = self._candidates(idx, None)
        w = np.where(uncovered, need, 0.0)
        total = w.sum()
        gain = (m[cand] @ w) / total if total > 0 else np.zeros(len(cand))
        # ties (frequent with few units: every holder of the one uncovered need scores 1) go
        # to the candidate more strongly specialised in the needs it fills
        strength = (
            (m[cand] * symmetric_rca(self.res["rca"][cand])) @ w / total
            if total > 0
            else np.zeros(len(cand))
        )
        order = np.lexsort((-strength, -np.round(gain, 12)))
        order = [k for k in order if gain[k] > 0][:top]
        adds = []
        for k in order:
            s = cand[k]
            units = self.units[np.flatnonzero((m[s] > 0) & uncovered)]
            adds.append(
                {
                    "partner": str(self.regions[s]),
                    "partner_country": str(self.country[s]),
                    "score": float(gain[k]),
                    "strength": float(strength[k]),
                    "reason": f"specialised in {len(units)} of the {int(uncovered.sum())} "
                    f"uncovered needs: {', '.join(units[:5]) or '(none)'}",
                }
            )
        return {
            "members": [str(self.regions[i]) for i in idx],
            "needed": self.units[needed].tolist(),
            "covered": self.units[needed & covered].tolist(),
            "uncovered": self.units[uncovered].tolist(),
            "coverage": float(covered[needed].mean()) if needed.any() else float("nan"),
            "candidates": adds,
        }


def merge_regions(
    frame: pd.DataFrame, groups: Mapping[str, Iterable[str]], *, unit: str = "industry"
) -> pd.DataFrame:
    """Replace each group of regions by one entity (employment summed), e.g. the NUTS 2 regions
    of a pilot region made of several (Saxony = DED2 + DED4 + DED5).

    Examples
    --------
    >>> f = pd.DataFrame({"region": ["A", "B", "C"], "industry": "x", "year": 2020,
    ...                   "employment": [1.0, 2.0, 4.0]})
    >>> merge_regions(f, {"AB": ["A", "B"]}).sort_values("region")["employment"].tolist()
    [3.0, 4.0]
    """
    to = {str(m): str(label) for label, members in groups.items() for m in members}
    out = frame.assign(region=frame["region"].astype(str).map(lambda r: to.get(r, r)))
    return out.groupby(["region", unit, "year"], as_index=False, observed=True)["employment"].sum()
