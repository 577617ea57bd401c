"""Linkages on the atlas: growth opportunities, emerging specialisations, related clusters,
partners and hot spots of the clusters an atlas store already holds.

:class:`LinkagesMixin` is mixed into :class:`clusteratlas.atlas.service.Atlas`, so every method
here is an ``Atlas`` method. Each reads the stored cluster table (employment of every region ×
cluster × year, through :mod:`clusteratlas.store.atlas_linkages`), computes with
:mod:`clusteratlas.linkages` and returns plain JSON-able values. The heavy parts (one year's
complexity matrices, the co-location network, the LISA of one cluster) are computed once per
atlas file and kept until the file is swapped by a rebuild (the Atlas cache).

Which units and regions (``docs/linkages.md``, "On the atlas"):

* units: the scheme's *traded* clusters when it has at least :data:`MIN_TRADED` of them (local
  clusters follow population and are everywhere, as in the CMP), else every cluster that is
  not an (overlapping) emerging industry;
* regions: those of one region system and one level (levels are never mixed: a country and its
  regions would count the same jobs twice) — the region's own level for opportunities,
  emerging specialisations and partners; for the related-clusters network, the system and
  level with the most regions (US MSAs, NUTS 2);
* ``lq`` in these answers is the stored LQ of the cell (against the benchmark of the atlas);
  ``rca`` is the Balassa index inside the linkage matrix (shares of the units above), which
  decides presence (RCA ≥ 1) in density, complexity and partners.

Errors follow the Atlas: unknown region, cluster, scheme, system, year or level is a
:class:`~clusteratlas.errors.NotFoundError`; a bad ``n``, ``permutations``, ``seed`` or year
order is an :class:`~clusteratlas.errors.InputError` naming the parameter.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from clusteratlas.errors import InputError, NotFoundError

MIN_TRADED = 10
#: Fewer regions than this at a level: no complexity, density or quantile rule is meaningful.
MIN_REGIONS = 3
#: Contiguity tolerance (degrees) on the atlas's polygons: the presets simplify each polygon
#: with a tolerance of at most 0.02° (about 2 km), which opens gaps between neighbours; regions
#: within 2 × 0.02° of each other count as contiguous (see ``contiguity_weights``).
SNAP_DEGREES = 0.02
MAX_N = 50
NETWORK_RULE = (
    "Co-location relatedness: Pearson correlation, across the regions of one level, of log(1 + "
    "employment) of two clusters; every pair gets a percentile among all pairs (min(99, "
    "floor(100 rank / n))). Strongly related: percentile >= 90; weakly related: 50 < "
    "percentile < 90, kept only for a cluster without strong links (its two most related). "
    "After the U.S. Cluster Mapping Project's related-clusters rule."
)
PARTNER_METHOD = (
    "Similar: cosine of the symmetric RCA profiles (RCA-1)/(RCA+1) over the units (Dalum, "
    "Laursen and Villumsen 1998). Complementary: share of the region's density-weighted "
    "missing capabilities (units it is not specialised in, weighted by relatedness density) in "
    "which the partner is specialised (Balland and Boschma 2021). Partners are regions of the "
    "same system and level in other countries{single}."
)

#: The most regions a partnership can have (as many as the compare page).
MAX_PARTNERSHIP = 10
PARTNERSHIP_METHOD = (
    "Each member needs the clusters it is not specialised in (RCA < 1) whose relatedness "
    "density is in the top quarter of its non-specialised clusters; a need is covered when "
    "another member is specialised in it (RCA >= 1). Coverage is the share of the needs "
    "covered. Candidates are regions of the same system and level in other countries than "
    "every member{single}, ranked by the share of the uncovered needs they are specialised in, "
    "each weighted by its density (the highest of the members needing it); ties by the strength "
    "of that specialisation (the symmetric RCA (RCA-1)/(RCA+1), weighted the same way)."
)


def _f(v: Any) -> float | None:
    """A JSON-able float (NaN and inf become None)."""
    if v is None:
        return None
    v = float(v)
    return v if np.isfinite(v) else None


class LinkagesMixin:
    """The linkage methods of :class:`~clusteratlas.atlas.service.Atlas` (see module doc)."""

    # These come from Atlas (declared for readers and type checkers).
    _cached: Any
    _cluster_list: Any
    _reader: Any
    _region_row: Any
    _scheme: Any
    _year: Any
    _years: Any
    _region_map: Any
    _provenance_for: Any
    info: Any
    cluster: Any
    geometries: Any

    # -- shared inputs -----------------------------------------------------------------------
    def _lk_types(self, scheme: str) -> list[str]:
        """Cluster types of the linkage units of ``scheme`` (module doc)."""
        types = [c["cluster_type"] for c in self._cluster_list(scheme)]
        if types.count("traded") >= MIN_TRADED:
            return ["traded"]
        return sorted({t for t in types if t and t != "emerging"})

    def _lk_names(self, scheme: str) -> dict[str, str]:
        return self._cached(
            ("lk_names", scheme),
            lambda: {c["cluster"]: c["cluster_name"] for c in self._cluster_list(scheme)},
        )

    def _lk_panel(self, scheme: str, system: str, level: int | None) -> pd.DataFrame:
        """Employment (and stored LQ) of the linkage units: ``region, cluster, year,
        employment, lq`` of one scheme, system and level (cached)."""
        from clusteratlas.store.atlas_linkages import cluster_employment

        def make() -> pd.DataFrame:
            types = self._lk_types(scheme)
            return cluster_employment(
                self._reader().con, scheme, system, level=level, cluster_types=types
            )

        return self._cached(("lk_panel", scheme, system, level), make)

    def _lk_complexity(self, scheme: str, system: str, level: int | None, year: int) -> tuple:
        """``(YearMatrix, complexity_year result)`` of one year (cached)."""
        from clusteratlas.linkages.complexity import complexity_year
        from clusteratlas.linkages.matrix import year_matrices

        def make() -> tuple:
            panel = self._lk_panel(scheme, system, level)
            panel = panel[panel["year"] == year]
            if panel.empty:
                return None, None
            ym = next(year_matrices(panel, unit="cluster", years=[year]))
            return ym, complexity_year(ym.values)

        return self._cached(("lk_complexity", scheme, system, level, year), make)

    def _lk_cells(self, scheme: str, system: str, level: int | None, year: int) -> dict:
        """(region, cluster) -> (employment, stored lq) of one year."""

        def make() -> dict:
            p = self._lk_panel(scheme, system, level)
            p = p[p["year"] == year]
            cols = (p["region"], p["cluster"], p["employment"], p["lq"])
            return {(r, c): (e, q) for r, c, e, q in zip(*cols, strict=True)}

        return self._cached(("lk_cells", scheme, system, level, year), make)

    def _lk_region(self, code: str, system: str | None, scheme: str | None) -> tuple:
        region = self._region_row(code, system)
        sys_ = region["system"]
        return region, sys_, self._scheme(scheme, sys_)

    @staticmethod
    def _lk_n(n: int) -> int:
        if not isinstance(n, int | np.integer) or not 1 <= n <= MAX_N:
            raise InputError(f"must be between 1 and {MAX_N}", parameter="n")
        return int(n)

    def linkage_context(
        self,
        code: str,
        year: int | None = None,
        scheme: str | None = None,
        system: str | None = None,
    ) -> dict:
        """What the region answers are computed on: ``{region, system, scheme, year, level,
        provenance}`` with the defaults resolved (for JSON twins and downloads)."""
        region, sys_, scheme = self._lk_region(code, system, scheme)
        return {
            "region": code,
            "system": sys_,
            "scheme": scheme,
            "year": self._year(year, scheme, sys_),
            "level": region["level"],
            "provenance": self._provenance_for("clusters", scheme, sys_),
        }

    # -- growth opportunities ----------------------------------------------------------------
    def opportunities(
        self,
        code: str,
        year: int | None = None,
        scheme: str | None = None,
        system: str | None = None,
        n: int = 10,
    ) -> list[dict]:
        """Growth opportunities of a region: clusters it is not specialised in (RCA < 1) with
        a relatedness density in the top quarter of its non-specialised clusters and a PCI
        above the average (0), ranked by complexity outlook gain (COG) then density.

        Items ``{cluster, name, density, density_rank, pci, cog, rca, lq, employment,
        related: [codes of its closest specialisations], reasons: [str]}``; ``[]`` when the
        region has no employment in the year. See
        :func:`clusteratlas.linkages.opportunities.growth_opportunities`.
        """
        from clusteratlas.linkages.opportunities import OpportunityRule, growth_opportunities

        n = self._lk_n(n)
        region, sys_, scheme = self._lk_region(code, system, scheme)
        year = self._year(year, scheme, sys_)
        level = region["level"]
        ym, res = self._lk_complexity(scheme, sys_, level, year)
        if ym is None or code not in set(ym.regions) or len(ym.regions) < MIN_REGIONS:
            return []
        rule = OpportunityRule(top=n)
        table = growth_opportunities(res, ym.regions, ym.units, code, rule)
        names = self._lk_names(scheme)
        cells = self._lk_cells(scheme, sys_, level, year)
        i = int(np.flatnonzero(ym.regions == code)[0])
        free = res["m"][i] == 0
        cut = float(np.nanquantile(res["density"][i][free], rule.density_quantile))
        out = []
        for row in table.itertuples():
            related = [u for u in str(row.related_specialisations).split("; ") if u]
            emp, lq = cells.get((code, row.unit), (0.0, None))  # no stored cell: no jobs
            out.append(
                {
                    "cluster": row.unit,
                    "name": names.get(row.unit),
                    "density": _f(row.density),
                    "density_rank": int(row.density_rank),
                    "pci": _f(row.pci),
                    "cog": _f(row.cog),
                    "rca": _f(row.rca),
                    "lq": _f(lq),
                    "employment": _f(emp),
                    "related": related,
                    "reasons": [
                        f"not specialised yet: RCA {row.rca:.2f} (below 1)",
                        f"relatedness density {row.density:.3f}, #{row.density_rank} of "
                        f"{int(free.sum())} clusters it is not specialised in (top "
                        f"{100 * (1 - rule.density_quantile):.0f}% from {cut:.3f})",
                        "close to its specialisations "
                        + (", ".join(names.get(u, u) for u in related) or "(none)"),
                        f"complexity (PCI) {row.pci:+.2f}, above the average region",
                        f"complexity outlook gain {row.cog:+.3f}",
                    ],
                }
            )
        return out

    # -- emerging specialisations ------------------------------------------------------------
    def emerging(
        self,
        code: str,
        start: int | None = None,
        end: int | None = None,
        scheme: str | None = None,
        system: str | None = None,
    ) -> list[dict]:
        """Emerging specialisations of a region between ``start`` (default: first year) and
        ``end`` (default: last): new specialisations (RCA crossed 1) and fast-rising ones
        (RCA change in the top 10 % of all region × cluster changes of the level), with high
        relatedness density as the supporting signal.

        Items ``{cluster, name, lq_start, lq_end, change, density, kind: "new"|"rising",
        new_specialisation, fast_rising, high_density, employment_start, employment_end,
        reasons}``, largest change first; ``lq_*`` here are the RCA of the linkage matrix (see
        the module doc). See :func:`clusteratlas.linkages.emerging.emerging_specialisations`.
        """
        from clusteratlas.linkages.emerging import emerging_specialisations

        region, sys_, scheme = self._lk_region(code, system, scheme)
        years = self._years(scheme, sys_)
        if start is None and end is None and len(years) < 2:
            return []  # one year only: nothing can emerge
        end = self._year(end, scheme, sys_)
        start = int(years[0]) if start is None else self._year(start, scheme, sys_)
        if start >= end:
            raise InputError(f"start ({start}) must be before end ({end})", parameter="start")
        level = region["level"]

        def make() -> pd.DataFrame:
            panel = self._lk_panel(scheme, sys_, level)
            panel = panel[panel["year"].isin([start, end])]
            if panel["year"].nunique() < 2 or panel["region"].nunique() < MIN_REGIONS:
                return pd.DataFrame(columns=["region", "cluster"])
            return emerging_specialisations(panel, start, end, unit="cluster")

        table = self._cached(("lk_emerging", scheme, sys_, level, start, end), make)
        mine = table[table["region"] == code]
        names = self._lk_names(scheme)
        c0 = self._lk_cells(scheme, sys_, level, start)
        c1 = self._lk_cells(scheme, sys_, level, end)
        out = []
        for row in mine.itertuples():
            out.append(
                {
                    "cluster": row.cluster,
                    "name": names.get(row.cluster),
                    "lq_start": _f(row.lq_start),
                    "lq_end": _f(row.lq_end),
                    "change": _f(row.lq_change),
                    "density": _f(row.density_end),
                    "kind": "new" if row.new_specialisation else "rising",
                    "new_specialisation": bool(row.new_specialisation),
                    "fast_rising": bool(row.fast_rising),
                    "high_density": bool(row.high_density),
                    "employment_start": _f(c0.get((code, row.cluster), (0.0,))[0]),
                    "employment_end": _f(c1.get((code, row.cluster), (0.0,))[0]),
                    "start": start,
                    "end": end,
                    "reasons": [s for s in str(row.reason).split("; ") if s],
                }
            )
        return out

    # -- related clusters --------------------------------------------------------------------
    def _lk_network_place(self, scheme: str, systems: list[str]) -> tuple[str, int | None, int]:
        from clusteratlas.store.atlas_linkages import systems_with_scheme

        places = self._cached(
            ("lk_places", scheme), lambda: systems_with_scheme(self._reader().con, scheme)
        )
        for p in places:
            if p["region_system"] in systems:
                return p["region_system"], p["level"], p["regions"]
        raise NotFoundError(f"the scheme {scheme!r} has no mapped regions", parameter="scheme")

    def related(self, cluster: str, scheme: str | None = None, year: int | None = None) -> dict:
        """The related-clusters network around ``cluster`` (its ego network).

        ``{"cluster", "scheme", "system", "level", "year", "regions", "method": "colocation",
        "rule", "nodes": [{cluster, name, focus, employment, degree, relatedness,
        percentile, strength}], "edges": [{a, b, relatedness, percentile, strength:
        "strong"|"weak"}], "ranked": [every other unit by relatedness to ``cluster``],
        "provenance"}``. Nodes are the cluster and the units linked to it; edges are every
        link among them. A cluster outside the linkage units (e.g. a local cluster) gets only
        its own node and a ``note``.
        """
        from clusteratlas.linkages.api import related_pairs

        cl = self.cluster(cluster, scheme)
        scheme = cl["scheme"]
        system, level, n_regions = self._lk_network_place(scheme, cl["region_systems"])
        year = self._year(year, scheme, system)

        def make() -> pd.DataFrame | None:
            panel = self._lk_panel(scheme, system, level)
            panel = panel[panel["year"] == year]
            if panel["cluster"].nunique() < 3 or panel["region"].nunique() < 3:
                return None
            return related_pairs(panel, unit="cluster", method="colocation", year=year)

        pairs = self._cached(("lk_related", scheme, system, level, year), make)
        names = self._lk_names(scheme)

        def sums() -> dict:
            panel = self._lk_panel(scheme, system, level)
            return panel[panel["year"] == year].groupby("cluster")["employment"].sum().to_dict()

        totals = self._cached(("lk_totals", scheme, system, level, year), sums)
        base = {
            "cluster": cl,
            "scheme": scheme,
            "system": system,
            "level": level,
            "year": year,
            "regions": n_regions,
            "method": "colocation",
            "rule": NETWORK_RULE,
            "provenance": self._provenance_for("clusters", scheme, system),
        }
        focus = {
            "cluster": cluster,
            "name": names.get(cluster),
            "focus": True,
            "employment": _f(totals.get(cluster)),
        }
        units = set() if pairs is None else set(pairs["a"]) | set(pairs["b"])
        if cluster not in units:
            return {
                **base,
                "nodes": [{**focus, "degree": 0}],
                "edges": [],
                "ranked": [],
                "note": f"{cluster} is not among the clusters relatedness is computed for "
                f"(types {', '.join(self._lk_types(scheme))})",
            }
        linked = pairs[pairs["link"] != ""]
        degree = pd.concat([linked["a"], linked["b"]]).value_counts().to_dict()
        mine = pairs[(pairs["a"] == cluster) | (pairs["b"] == cluster)].copy()
        mine["other"] = np.where(mine["a"] == cluster, mine["b"], mine["a"])
        mine = mine.sort_values(["relatedness", "other"], ascending=[False, True])
        ranked = [
            {
                "cluster": r.other,
                "name": names.get(r.other),
                "relatedness": _f(r.relatedness),
                "percentile": int(r.percentile),
                "strength": r.link or None,
            }
            for r in mine.itertuples()
        ]
        neighbours = [r for r in ranked if r["strength"]]
        keep = {cluster} | {r["cluster"] for r in neighbours}
        sub = linked[linked["a"].isin(keep) & linked["b"].isin(keep)]
        edges = [
            {
                "a": r.a,
                "b": r.b,
                "relatedness": _f(r.relatedness),
                "percentile": int(r.percentile),
                "strength": r.link,
            }
            for r in sub.itertuples()
        ]
        nodes = [{**focus, "degree": int(degree.get(cluster, 0))}]
        for r in neighbours:
            nodes.append(
                {
                    **r,
                    "focus": False,
                    "employment": _f(totals.get(r["cluster"])),
                    "degree": int(degree.get(r["cluster"], 0)),
                }
            )
        return {**base, "nodes": nodes, "edges": edges, "ranked": ranked}

    # -- partners ----------------------------------------------------------------------------
    def _lk_finder(self, scheme: str, system: str, level: int | None, year: int) -> tuple:
        from clusteratlas.linkages.partners import PartnerFinder

        def make() -> tuple:
            ym, _ = self._lk_complexity(scheme, system, level, year)
            if ym is None:
                return None, False
            regions = self._region_map(system)
            country = {r: (regions.get(r, {}).get("country") or r[:2]) for r in ym.regions}
            single = len(set(country.values())) <= 1
            if single:  # one country: every other region is a candidate
                country = {r: r for r in ym.regions}
            return PartnerFinder(ym.values, ym.regions, ym.units, country=country), single

        return self._cached(("lk_finder", scheme, system, level, year), make)

    def partners(self, code: str, cluster: str | None = None, n: int = 10) -> dict:
        """Partner regions of ``code`` (optionally for one cluster: partners specialised in
        it), in the latest year of the atlas's default scheme for the region's system.

        ``{"region", "scheme", "system", "level", "year", "cluster", "similar": [{region,
        name, country, score, shared: [codes], reasons}], "complementary": [{region, name,
        country, score, adds: [codes], reasons}], "method", "provenance"}``. See
        :class:`clusteratlas.linkages.partners.PartnerFinder`.
        """
        n = self._lk_n(n)
        region, sys_, scheme = self._lk_region(code, None, None)
        year = self._year(None, scheme, sys_)
        level = region["level"]
        if cluster is not None:
            self.cluster(cluster, scheme)  # NotFoundError for an unknown cluster
        finder, single = self._lk_finder(scheme, sys_, level, year)
        names = self._lk_names(scheme)
        regions = self._region_map(sys_)
        out: dict[str, Any] = {
            "region": {k: region[k] for k in ("code", "name", "system", "level", "country")},
            "scheme": scheme,
            "system": sys_,
            "level": level,
            "year": year,
            "cluster": cluster,
            "similar": [],
            "complementary": [],
            "method": PARTNER_METHOD.format(
                single=" (this atlas has one country: every other region)" if single else ""
            ),
            "provenance": self._provenance_for("clusters", scheme, sys_),
        }
        if finder is None or code not in finder.index:
            out["note"] = f"{code} has no employment in {year} at level {level}"
            return out
        if cluster is not None and cluster not in set(finder.units):
            raise InputError(
                f"partners by cluster use the clusters of types "
                f"{', '.join(self._lk_types(scheme))}; {cluster!r} is not one",
                parameter="cluster",
            )
        i = finder.index[code]
        m, rca, x = finder.res["m"], finder.res["rca"], finder.x
        j = None if cluster is None else int(np.flatnonzero(finder.units == cluster)[0])

        def partner(s: int, score: float) -> dict:
            p = str(finder.regions[s])
            reg = regions.get(p, {})
            return {
                "region": p,
                "name": reg.get("name"),
                "country": reg.get("country") or str(finder.country[s]),
                "score": _f(score),
            }

        def in_cluster(s: int) -> list[str]:
            if j is None:
                return []
            return [f"in {names.get(cluster, cluster)}: RCA {rca[s, j]:.2f}, {x[s, j]:,.0f} jobs"]

        sim = finder.similar(code, cluster=cluster, top=n)
        for row in sim.itertuples():
            s = finder.index[row.partner]
            shared = np.flatnonzero((m[i] > 0) & (m[s] > 0))
            shared = shared[np.argsort(-(rca[i, shared] * rca[s, shared]), kind="stable")]
            codes = [str(finder.units[p]) for p in shared]
            out["similar"].append(
                {
                    **partner(s, row.score),
                    "shared": codes,
                    "reasons": [
                        f"specialisation profiles alike (cosine {row.score:.3f})",
                        f"both specialised (RCA >= 1) in {len(codes)} clusters"
                        + (": " + ", ".join(names.get(c, c) for c in codes[:5]) if codes else ""),
                        *in_cluster(s),
                    ],
                }
            )
        comp = finder.complementary(code, cluster=cluster, top=n)
        gaps = np.where(m[i] > 0, 0.0, np.nan_to_num(finder.res["density"][i]))
        for row in comp.itertuples():
            s = finder.index[row.partner]
            adds = np.flatnonzero((m[s] > 0) & (gaps > 0))
            adds = adds[np.argsort(-gaps[adds], kind="stable")]
            codes = [str(finder.units[p]) for p in adds]
            out["complementary"].append(
                {
                    **partner(s, row.score),
                    "adds": codes,
                    "reasons": [
                        f"covers {100 * row.score:.0f}% of {code}'s density-weighted gaps",
                        f"specialised in {len(codes)} clusters where {code} is not but is "
                        "related: "
                        + ", ".join(
                            f"{names.get(str(finder.units[p]), finder.units[p])} "
                            f"(density {gaps[p]:.2f})"
                            for p in adds[:5]
                        ),
                        *in_cluster(s),
                    ],
                }
            )
        return out

    # -- partnership ---------------------------------------------------------------------------
    def partnership(self, codes: list[str], n: int = 10) -> dict:
        """Coverage of related capabilities by a set of 2–10 regions (a partnership), and the
        regions of other countries that would fill its gaps, in the latest year of the
        atlas's default scheme for the regions' system.

        Each member *needs* the clusters it is not specialised in whose relatedness density is
        in its top quarter; a need is *covered* when another member is specialised in it
        (RCA ≥ 1); candidates are ranked by the density-weighted share of the uncovered needs
        they are specialised in. See :meth:`clusteratlas.linkages.partners.PartnerFinder.
        partnership`, whose ``needed``, ``covered``, ``uncovered``, ``coverage`` and
        candidate scores these are.

        ``{"members": [{region, name, country, specialisations: [codes], needs: [codes],
        covers: [codes of other members' needs it is specialised in]}], "scheme", "system",
        "level", "year", "needed", "covered", "uncovered": [codes], "coverage": share or
        None, "needs": [{cluster, name, density, needed_by, covered_by, covered}] (densest
        first), "candidates": [{region, name, country, score, strength, fills: [codes],
        reasons}],
        "method", "provenance"}``.

        Errors name the parameter ``regions``: fewer than 2 or more than
        :data:`MAX_PARTNERSHIP` codes, a code listed twice, regions of different systems or
        levels, a region without employment (InputError); an unknown code (NotFoundError).
        """
        n = self._lk_n(n)
        codes = [str(c) for c in codes]
        if len(codes) < 2:
            raise InputError(
                "a partnership needs at least two regions (codes separated by commas)",
                parameter="regions",
            )
        if len(codes) > MAX_PARTNERSHIP:
            raise InputError(
                f"a partnership has at most {MAX_PARTNERSHIP} regions, got {len(codes)}",
                parameter="regions",
            )
        if len(set(codes)) != len(codes):
            twice = sorted({c for c in codes if codes.count(c) > 1})
            raise InputError(f"listed twice: {', '.join(twice)}", parameter="regions")
        rows = []
        for c in codes:
            try:
                rows.append(self._region_row(c, None))
            except NotFoundError as exc:
                raise NotFoundError(exc.message, parameter="regions") from None
            except InputError as exc:
                raise InputError(exc.message, parameter="regions") from None
        places = {(r["system"], r["level"]) for r in rows}
        if len(places) > 1:
            listed = "; ".join(f"{r['code']}: {r['system']} level {r['level']}" for r in rows)
            raise InputError(
                f"the regions of a partnership must be of one system and level ({listed})",
                parameter="regions",
            )
        sys_, level = rows[0]["system"], rows[0]["level"]
        scheme = self._scheme(None, sys_)
        year = self._year(None, scheme, sys_)
        finder, single = self._lk_finder(scheme, sys_, level, year)
        missing = [c for c in codes if finder is None or c not in finder.index]
        if missing:
            raise InputError(
                f"no employment in {year} at level {level} for {', '.join(missing)}",
                parameter="regions",
            )
        got = finder.partnership(codes, top=n)
        names = self._lk_names(scheme)
        regions = self._region_map(sys_)
        m = finder.res["m"]
        col = {str(u): k for k, u in enumerate(finder.units)}
        idx = {c: finder.index[c] for c in codes}

        def country(code: str) -> str | None:
            return regions.get(code, {}).get("country") or code[:2]

        def label(unit: str) -> str:
            return names.get(unit) or unit

        density = {c: np.nan_to_num(finder.res["density"][i]) for c, i in idx.items()}
        member_needs = {c: finder.needs(c) for c in codes}
        needs = []
        for u in got["needed"]:
            by = [c for c in codes if u in member_needs[c]]
            cover = [c for c in codes if m[idx[c], col[u]] > 0]
            needs.append(
                {
                    "cluster": u,
                    "name": names.get(u),
                    "density": _f(max(density[c][col[u]] for c in by)),
                    "needed_by": by,
                    "covered_by": cover,
                    "covered": bool(cover),
                }
            )
        needs.sort(key=lambda x: (-(x["density"] or 0.0), x["cluster"]))
        need_of = {x["cluster"]: x for x in needs}
        members = []
        for c in codes:
            spec = [str(finder.units[k]) for k in np.flatnonzero(m[idx[c]] > 0)]
            members.append(
                {
                    "region": c,
                    "name": regions.get(c, {}).get("name"),
                    "country": country(c),
                    "specialisations": spec,
                    "needs": member_needs[c],
                    "covers": [x["cluster"] for x in needs if c in x["covered_by"]],
                }
            )
        uncovered = got["uncovered"]
        candidates = []
        for cand in got["candidates"]:
            p = cand["partner"]
            s = finder.index[p]
            fills = [u for u in uncovered if m[s, col[u]] > 0]
            fills.sort(key=lambda u: (-(need_of[u]["density"] or 0.0), u))
            listed = ", ".join(
                f"{label(u)} (needed by {', '.join(need_of[u]['needed_by'])}, density "
                f"{need_of[u]['density']:.2f})"
                for u in fills[:3]
            )
            candidates.append(
                {
                    "region": p,
                    "name": regions.get(p, {}).get("name"),
                    "country": country(p),
                    "score": _f(cand["score"]),
                    "strength": _f(cand["strength"]),
                    "fills": fills,
                    "reasons": [
                        f"fills {len(fills)} of the partnership's {len(uncovered)} uncovered "
                        f"needs ({100 * cand['score']:.0f}% of their density-weighted total)",
                        "specialised (RCA >= 1) in " + listed + ("; …" if len(fills) > 3 else ""),
                        f"strength of its specialisation there {cand['strength']:.3f} (symmetric "
                        "RCA weighted by density; ranks candidates of equal share)",
                    ],
                }
            )
        return {
            "members": members,
            "scheme": scheme,
            "system": sys_,
            "level": level,
            "year": year,
            "needed": got["needed"],
            "covered": got["covered"],
            "uncovered": uncovered,
            "coverage": _f(got["coverage"]),
            "needs": needs,
            "candidates": candidates,
            "method": PARTNERSHIP_METHOD.format(
                single=" (this atlas has one country: every region outside the partnership)"
                if single
                else ""
            ),
            "provenance": self._provenance_for("clusters", scheme, sys_),
        }

    # -- hot spots ---------------------------------------------------------------------------
    def hotspot_map(
        self,
        cluster: str,
        year: int | None = None,
        system: str | None = None,
        level: int | None = None,
        permutations: int = 999,
        seed: int = 12345,
        scheme: str | None = None,
    ) -> dict:
        """Local Moran's I hot spots of one cluster's stored LQ over the regions of one system
        and level, with the zones (see :func:`clusteratlas.linkages.hotspots.lisa_hotspots`).

        ``{"cluster", "scheme", "system", "level", "year", "permutations", "seed", "alpha",
        "regions": hotspots items, "zones": [{zone, regions, countries, cross_border}],
        "islands": [codes joined to their nearest region], "left_out": [codes without a
        value or polygon], "provenance"}``. ``level`` defaults to the level with the most
        regions with a polygon; ``scheme`` the atlas's default scheme.
        """
        from clusteratlas.linkages.hotspots import lisa_hotspots
        from clusteratlas.store.atlas_linkages import mapped_levels

        if not isinstance(permutations, int | np.integer) or not 99 <= permutations <= 9999:
            raise InputError("must be between 99 and 9999", parameter="permutations")
        if not isinstance(seed, int | np.integer) or not 0 <= seed < 2**32:
            raise InputError("must be an integer from 0 to 2**32 - 1", parameter="seed")
        cl = self.cluster(cluster, scheme)
        scheme = cl["scheme"]
        systems = cl["region_systems"]
        if system is None:
            default = self.info().get("default_system")
            system = default if default in systems else (systems[0] if systems else None)
        if system not in systems:
            raise NotFoundError(
                f"cluster {cluster!r} is not mapped for region system {system!r}",
                parameter="system",
            )
        year = self._year(year, scheme, system)
        levels = [
            lv["level"]
            for lv in self._cached(
                ("lk_levels", scheme, system),
                lambda: mapped_levels(self._reader().con, scheme, system),
            )
        ]
        regions = self._region_map(system)
        if level is None:
            counts = {
                lv: sum(1 for r in regions.values() if r["level"] == lv and r["has_geometry"])
                for lv in levels
            }
            level = max(levels, key=lambda lv: (counts[lv], lv if lv is not None else -1))
        elif level not in levels:
            raise NotFoundError(
                f"no level {level} for {scheme!r} in {system!r} (levels {levels})",
                parameter="level",
            )

        def make() -> dict:
            import geopandas as gpd
            import shapely.geometry

            rows = self._reader().cells(
                scheme, year=year, region_system=system, cluster=cluster, level=level
            )
            values = pd.Series(
                {r["region"]: r["lq"] for r in rows if r["lq"] is not None}, dtype=float
            )
            feats = self.geometries(system, level)["features"]
            geoms = gpd.GeoDataFrame(
                {
                    "region": [f["id"] for f in feats],
                    "geometry": [shapely.geometry.shape(f["geometry"]) for f in feats],
                },
                geometry="geometry",
                crs="EPSG:4326",
            ).set_index("region")
            country = {c: (r.get("country") or c[:2]) for c, r in regions.items()}
            try:
                hs = lisa_hotspots(
                    values,
                    geoms,
                    permutations=int(permutations),
                    seed=int(seed),
                    country=lambda c: country.get(c, c[:2]),
                    snap=SNAP_DEGREES,
                )
            except InputError as exc:  # too few regions with a value and a polygon
                raise InputError(f"level {level}: {exc.message}", parameter="level") from None
            emp = {r["region"]: r["employment"] for r in rows}
            items = [
                {
                    "region": t.region,
                    "name": regions.get(t.region, {}).get("name"),
                    "lq": _f(t.value),
                    "employment": _f(emp.get(t.region)),
                    "quadrant": t.label,
                    "position": t.quadrant,
                    "p_value": _f(t.p_sim),
                    "local_i": _f(t.local_i),
                    "significant": bool(t.significant),
                    "zone": None if t.zone is None or pd.isna(t.zone) else int(t.zone),
                }
                for t in hs.table.itertuples()
            ]
            analysed = set(hs.table["region"])
            left_out = sorted((set(values.index) | set(geoms.index)) - analysed)
            return {
                "regions": items,
                "zones": hs.zones,
                "islands": hs.islands,
                "left_out": left_out,
                "alpha": hs.alpha,
            }

        key = ("lk_hotspots", scheme, system, level, year, cluster, int(permutations), int(seed))
        res = self._cached(key, make)
        return {
            "cluster": {k: cl[k] for k in ("cluster", "cluster_name", "cluster_type", "scheme")},
            "scheme": scheme,
            "system": system,
            "level": level,
            "year": year,
            "permutations": int(permutations),
            "seed": int(seed),
            **res,
            "regions": [dict(r) for r in res["regions"]],
            "provenance": self._provenance_for("clusters", scheme, system),
        }

    def hotspots(
        self,
        cluster: str,
        year: int | None = None,
        system: str | None = None,
        level: int | None = None,
        permutations: int = 999,
        seed: int = 12345,
        scheme: str | None = None,
    ) -> list[dict]:
        """LISA hot spots of one cluster's LQ: per region ``{region, name, lq, employment,
        quadrant: "HH"|"LL"|"HL"|"LH"|"ns", position (the quadrant even when not
        significant), p_value, local_i, significant, zone}`` (see :meth:`hotspot_map`)."""
        got = self.hotspot_map(cluster, year, system, level, permutations, seed, scheme)
        return got["regions"]
