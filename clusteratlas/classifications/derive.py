"""Derive a European cluster scheme on NACE Rev. 2 from the US CMP definitions.

The chain is NAICS 2012 (CMP cluster members) → ISIC Rev. 4 (Census Bureau concordance) →
NACE Rev. 2 (:func:`~clusteratlas.classifications.isic.isic4_nace2_classes`). Each path
NAICS industry → NACE class is a *link*, carrying the cluster of the NAICS industry.

**Rule** (documented with measured figures in ``docs/schemes.md``). For each NACE class
``c`` count, per cluster ``k``, the distinct US 6-digit industries of ``k`` linked to ``c``:

.. math:: v_{c,k} = |\\{n \\in k : n \\to c\\}|

If no industry links to ``c`` itself, count the links to any class of its NACE group, then
of its division (``rule`` = ``class`` | ``group`` | ``division``). The class goes to the
cluster with most links — ties to a traded over a local cluster, then to the lowest code —
and ``link_share`` = :math:`v_{c,k^*} / \\sum_k v_{c,k}` records how clear the decision was.
With ``fractional=True`` the class is split instead, ``weight`` = :math:`v_{c,k}/\\sum_k
v_{c,k}`. Classes without any link at division level (no US counterpart in the CMP, e.g.
extraterritorial organisations) stay outside every cluster and are listed in the report.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from clusteratlas.classifications import isic as isic_mod
from clusteratlas.classifications import nace as nace_mod
from clusteratlas.classifications import naics as naics_mod
from clusteratlas.classifications import uscmp
from clusteratlas.classifications.concordance import Concordance
from clusteratlas.classifications.hierarchy import Hierarchy
from clusteratlas.errors import InputError
from clusteratlas.fileio import sha256_file

SCHEME = "eu-nace2"
CLASSIFICATION = "NACE_R2"
RULES = ("class", "group", "division")
OUTPUT_COLUMNS = [
    "industry",
    "cluster",
    "cluster_name",
    "cluster_type",
    "weight",
    "classification",
    "rule",
    "link_share",
]
REPORT_COLUMNS = [
    "industry",
    "industry_label",
    "rule",
    "n_candidates",
    "candidates",
    "votes",
    "links",
    "cluster",
    "cluster_name",
    "link_share",
]
OUT_OF_SCOPE = {
    "O": "public administration: the CMP (County Business Patterns) has no government",
    "T": "households as employers: outside County Business Patterns and the CMP",
    "U": "extraterritorial organisations: no US counterpart in the CMP",
}
INPUT_FILES = {
    "uscmp": ("clusters", uscmp.DEFINITIONS_FILE),
    "naics2012_isic4": ("classifications", naics_mod.NAICS2012_ISIC4_FILE),
    "naics2017_isic4": ("classifications", naics_mod.NAICS2017_ISIC4_FILE),
    "isic4": ("classifications", isic_mod.ISIC4_FILE),
    "nace_r2": ("classifications", nace_mod.NACE_R2_FILE),
}


@dataclass
class Derivation:
    """The result of :func:`derive_eu_scheme`."""

    scheme: pd.DataFrame
    """One row per (NACE class, cluster): :data:`OUTPUT_COLUMNS`."""
    votes: pd.DataFrame
    """Per class and candidate: ``industry, rule, cluster, votes, links`` at the deciding
    level (votes = summed link weights, links = number of US industries)."""
    report: pd.DataFrame
    """Ambiguous (>1 candidate cluster) and unassigned NACE classes."""
    summary: dict[str, Any]
    inputs: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Input file name → (path, sha256)."""
    fractional: bool = False


def _paths(shared_dir: Path) -> dict[str, Path]:
    out = {}
    for key, (sub, name) in INPUT_FILES.items():
        p = shared_dir / sub / name
        if not p.is_file():
            raise InputError("input file for the derivation is missing", file=p)
        out[key] = p
    return out


def _add(bucket: dict[str, float], naics_code: str, weight: float) -> None:
    """Record one industry's link; an industry reaching a target twice counts once."""
    bucket[naics_code] = max(bucket.get(naics_code, 0.0), weight)


Links = dict[str, dict[str, dict[str, dict[str, float]]]]
"""``links[rule][target][cluster][naics] = weight``; target is a NACE class, group or
division code depending on ``rule``."""


def collect_links(
    cmp: pd.DataFrame,
    concordances: list[Concordance],
    isic_nace: Concordance,
    nace: Hierarchy,
    *,
    weighted: bool = True,
) -> tuple[Links, list[str], list[str]]:
    """Follow every CMP industry through NAICS → ISIC → NACE and index the links by NACE
    class, group and division.

    ``concordances`` are tried in order (NAICS 2012 → ISIC, then NAICS 2017 → ISIC for the
    few 2017 codes in the CMP file). With ``weighted`` an industry linked to ``m`` ISIC
    classes gives each link the weight ``1/m``. ISIC group-level targets (``012X``) count
    for every NACE group that subdivides that ISIC group, at group and division level only.

    Returns the links, the industries found only in a later concordance, and those found
    in none.
    """
    group_of = {c: nace.parent(c) for c in nace.codes_at(4)}
    nace_groups_of_isic_group: dict[str, set[str]] = defaultdict(set)
    for link in isic_nace.to_records():
        nace_groups_of_isic_group[link["source"][:3]].add(group_of[link["target"]])
    links: Links = {r: defaultdict(lambda: defaultdict(dict)) for r in RULES}
    later, unlinked = [], []
    for naics_code, cluster in zip(cmp["industry"], cmp["cluster"], strict=True):
        targets: list[str] = []
        for i, conc in enumerate(concordances):
            targets = conc.targets(naics_code)
            if targets:
                if i > 0:
                    later.append(naics_code)
                break
        if not targets:
            unlinked.append(naics_code)
            continue
        w = 1.0 / len(targets) if weighted else 1.0
        for t in targets:
            if t.endswith("X"):  # the Census links the industry to a whole ISIC group
                for g in sorted(nace_groups_of_isic_group.get(t[:3], ())):
                    _add(links["group"][g][cluster], naics_code, w)
                    _add(links["division"][g[:2]][cluster], naics_code, w)
                continue
            for c in isic_nace.targets(t):
                _add(links["class"][c][cluster], naics_code, w)
                _add(links["group"][group_of[c]][cluster], naics_code, w)
                _add(links["division"][c[:2]][cluster], naics_code, w)
    return links, later, unlinked


def rank_clusters(
    links: Links, keys: dict[str, str], rule: str, cluster_type: dict[str, str]
) -> list[tuple[str, float, int]]:
    """Candidate clusters of one NACE class at ``rule`` level, best first, as
    ``(cluster, votes, links)``.

    Order: most votes (summed link weights); ties go to the cluster with more votes at the
    coarser levels (group, then division), then traded before local, then the lowest code.
    """
    here = links[rule][keys[rule]]
    coarser = RULES[RULES.index(rule) + 1 :]

    def key(k: str) -> tuple:
        wider = tuple(-round(sum(links[r][keys[r]].get(k, {}).values()), 9) for r in coarser)
        return (-round(sum(here[k].values()), 9), *wider, cluster_type[k] != "traded", int(k))

    return [(k, sum(here[k].values()), len(here[k])) for k in sorted(here, key=key)]


def derive_eu_scheme(
    shared_dir: str | Path,
    *,
    fractional: bool = False,
    weighted: bool = True,
    out_of_scope: dict[str, str] | None = None,
) -> Derivation:
    """Derive the NACE Rev. 2 scheme of the 51 traded and 16 local CMP clusters.

    Parameters
    ----------
    shared_dir:
        Folder with ``clusters/`` and ``classifications/`` holding the files of
        :data:`INPUT_FILES` (the project's ``shared/data``).
    fractional:
        Split each class over its candidate clusters in proportion to votes instead of
        giving it whole to the cluster with most votes.
    weighted:
        Split each US industry's vote equally over its ISIC classes (default); ``False``
        counts every link as 1.
    out_of_scope:
        NACE sections left out of every cluster, with the reason (default
        :data:`OUT_OF_SCOPE`: the CMP, built on County Business Patterns, has no
        government, households or extraterritorial bodies).
    """
    scope = OUT_OF_SCOPE if out_of_scope is None else out_of_scope
    paths = _paths(Path(shared_dir))
    cmp = uscmp.load_uscmp_definitions(paths["uscmp"])
    c12 = naics_mod.load_naics_to_isic4(paths["naics2012_isic4"], naics_mod.NAICS2012)
    c17 = naics_mod.load_naics_to_isic4(paths["naics2017_isic4"], naics_mod.NAICS2017)
    isic = isic_mod.load_isic4(paths["isic4"])
    nace = nace_mod.load_nace_rev2(paths["nace_r2"])
    isic_nace = isic_mod.isic4_nace2_classes(isic, nace)
    links, later, unlinked = collect_links(cmp, [c12, c17], isic_nace, nace, weighted=weighted)

    meta = cmp.drop_duplicates("cluster").set_index("cluster")
    cname, ctype = meta["cluster_name"].to_dict(), meta["cluster_type"].to_dict()
    rows, vote_rows, report_rows = [], [], []
    classes_by_rule = dict.fromkeys(RULES, 0)
    links_by_rule = dict.fromkeys(RULES, 0)
    unassigned: dict[str, str] = {}
    for c in nace.codes_at(4):
        keys = {"class": c, "group": nace.parent(c) or "", "division": c[:2]}
        section = nace.ancestor_at(c, 1) or ""
        rule = next((r for r in RULES if links[r].get(keys[r])), None)
        if section in scope or rule is None:
            reason = scope.get(section, "no US industry links to its class, group or division")
            unassigned[c] = reason
            report_rows.append((c, nace.label(c), "unassigned", 0, reason, 0.0, 0, "", "", None))
            continue
        ranked = rank_clusters(links, keys, rule, ctype)
        total = sum(v for _, v, _ in ranked)
        n_links = sum(n for _, _, n in ranked)
        classes_by_rule[rule] += 1
        links_by_rule[rule] += n_links
        vote_rows += [(c, rule, k, round(v, 6), n) for k, v, n in ranked]
        winner, best, _ = ranked[0]
        share = round(best / total, 4)
        if len(ranked) > 1:
            cands = "; ".join(f"{k} {cname[k]}: {v:.3g} ({n})" for k, v, n in ranked)
            report_rows.append(
                (
                    c,
                    nace.label(c),
                    rule,
                    len(ranked),
                    cands,
                    round(total, 6),
                    n_links,
                    winner,
                    cname[winner],
                    share,
                )
            )
        members = ranked if fractional else ranked[:1]
        weights = _fractional_weights([v for _, v, _ in members]) if fractional else [1.0]
        for (k, _, _), w in zip(members, weights, strict=True):
            rows.append((c, k, cname[k], ctype[k], w, CLASSIFICATION, rule, share))

    scheme = pd.DataFrame(rows, columns=OUTPUT_COLUMNS)
    votes = pd.DataFrame(vote_rows, columns=["industry", "rule", "cluster", "votes", "links"])
    report = pd.DataFrame(report_rows, columns=REPORT_COLUMNS)
    total_links = sum(links_by_rule.values())
    winners = scheme.drop_duplicates("industry")  # ranked best first within each class
    ambiguous = report[report["n_candidates"] > 1]
    summary: dict[str, Any] = {
        "mode": "fractional" if fractional else "winner",
        "link_weights": "1/number of ISIC classes of the US industry" if weighted else "1",
        "nace_classes": len(nace.codes_at(4)),
        "assigned": sum(classes_by_rule.values()),
        "classes_by_rule": classes_by_rule,
        "links_by_rule": links_by_rule,
        "link_share_by_rule": {r: round(links_by_rule[r] / total_links, 4) for r in RULES},
        "ambiguous": len(ambiguous),
        "ambiguous_by_rule": {r: int((ambiguous["rule"] == r).sum()) for r in RULES},
        "decided_by_majority": int((ambiguous["link_share"] > 0.5).sum()),
        "mean_link_share": round(float(winners["link_share"].mean()), 4),
        "unassigned": unassigned,
        "traded_clusters": _n_clusters(winners, "traded"),
        "local_clusters": _n_clusters(winners, "local"),
        "traded_classes": int((winners["cluster_type"] == "traded").sum()),
        "local_classes": int((winners["cluster_type"] == "local").sum()),
        "cmp_industries": len(cmp),
        "cmp_via_naics2017": later,
        "cmp_unlinked": unlinked,
        "isic_nace_basis": isic_nace.links["basis"].value_counts().to_dict(),
    }
    inputs = {p.name: (str(p), sha256_file(p)) for p in paths.values()}
    corrections = isic_mod.corrections_path()
    inputs[corrections.name] = (str(corrections), sha256_file(corrections))
    return Derivation(scheme, votes, report, summary, inputs, fractional)


def _n_clusters(frame: pd.DataFrame, ctype: str) -> int:
    return int(frame.loc[frame["cluster_type"] == ctype, "cluster"].nunique())


def _fractional_weights(votes: list[float]) -> list[float]:
    """Shares of ``votes`` cut to 6 decimals, the first absorbing the rounding so that they
    sum to exactly 1 (weights of one industry must not exceed 1 in total).

    >>> _fractional_weights([2, 1])
    [0.666667, 0.333333]
    """
    total = sum(votes)
    rest = [int(v / total * 1_000_000) / 1_000_000 for v in votes[1:]]
    return [round(1 - sum(rest), 6), *rest]
