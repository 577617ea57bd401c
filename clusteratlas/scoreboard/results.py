"""Reading a scoreboard: relative scores, strengths and bottlenecks, top/bottom lists, and the
joint-challenges matrix of several regions.

All functions take a *score matrix* of one year — regions (rows) × nodes (columns), e.g.
``run.aggregated.xs(2018, level="year")`` — so they work for any level of the tree.

Rules (all parameters; the defaults follow the Regional Eco-system Scoreboard / RIS practice,
see ``docs/scoreboard.md``):

* relative score of region r on node n against peers P:
  :math:`100 \\cdot s_{rn} / \\overline{s_{Pn}}` (:func:`relative_score`);
* **strength** if relative score ≥ 120 or the score is at or above the peers' upper quartile;
  **bottleneck** if relative score ≤ 80 or at or below the peers' lower quartile; the quartile
  rule needs ≥ 4 peers with data; when both fire, the relative score decides (≥ 100 strength);
* COINr-style top-N / bottom-N by rank among all regions (:func:`top_bottom`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from clusteratlas.errors import InputError
from clusteratlas.scoreboard.framework import Framework

MAX_USER_PEERS = 10


@dataclass(frozen=True)
class FlagRule:
    """Thresholds of the strength / bottleneck rule."""

    strength: float = 120.0
    bottleneck: float = 80.0
    quartiles: bool = True
    min_peers_for_quartiles: int = 4


def relative_score(score: float, peer_scores: np.ndarray) -> float:
    """``100 × score / mean(peer scores)``; NaN when the peer mean is missing or ≤ 0.

    Only meaningful on a ratio-like scale (min-max 0–100, ranks), not on z-scores.

    Examples
    --------
    >>> relative_score(60.0, np.array([40.0, 60.0]))
    120.0
    """
    p = np.asarray(peer_scores, dtype=float)
    p = p[~np.isnan(p)]
    if p.size == 0 or np.isnan(score):
        return float("nan")
    m = p.mean()
    return float(100.0 * score / m) if m > 0 else float("nan")


def flag(score: float, peer_scores: np.ndarray, rule: FlagRule = FlagRule()) -> tuple[str, str]:
    """Classify one score against its peers: ``('strength'|'bottleneck'|'', reason)``.

    Examples
    --------
    >>> flag(60.0, np.array([40.0, 60.0]))
    ('strength', 'relative 120 ≥ 120')
    >>> flag(10.0, np.array([10.0, 20.0, 30.0, 40.0]))
    ('bottleneck', 'relative 40 ≤ 80; ≤ peers Q1 17.5')
    """
    p = np.asarray(peer_scores, dtype=float)
    p = p[~np.isnan(p)]
    if np.isnan(score) or p.size == 0:
        return "", "no data"
    rel = relative_score(score, p)
    up, down = [], []
    if not np.isnan(rel):
        if rel >= rule.strength:
            up.append(f"relative {rel:.0f} ≥ {rule.strength:g}")
        if rel <= rule.bottleneck:
            down.append(f"relative {rel:.0f} ≤ {rule.bottleneck:g}")
    if rule.quartiles and p.size >= rule.min_peers_for_quartiles:
        q1, q3 = np.quantile(p, [0.25, 0.75])
        if score >= q3 and q3 > q1:
            up.append(f"≥ peers Q3 {q3:.3g}")
        if score <= q1 and q3 > q1:
            down.append(f"≤ peers Q1 {q1:.3g}")
    if up and down:
        return (
            ("strength", "; ".join(up))
            if (np.isnan(rel) or rel >= 100)
            else ("bottleneck", "; ".join(down))
        )
    if up:
        return "strength", "; ".join(up)
    if down:
        return "bottleneck", "; ".join(down)
    return "", ""


def _check_regions(scores: pd.DataFrame, regions: Sequence[str], parameter: str) -> None:
    unknown = [r for r in regions if r not in scores.index]
    if unknown:
        raise InputError(
            f"region(s) {', '.join(unknown)} not in the scored data", parameter=parameter
        )


def strengths_bottlenecks(
    scores: pd.DataFrame,
    framework: Framework,
    region: str | pd.Series,
    peers: Sequence[str],
    levels: Sequence[str] = ("indicator", "subdimension", "dimension"),
    rule: FlagRule = FlagRule(),
) -> pd.DataFrame:
    """Per node of ``levels``: the region's score, peers' mean and quartiles, relative score, flag.

    ``region`` is a code of ``scores`` or a ready score Series (e.g. of a multi-region
    :func:`entity_scores`). Rows are ordered strengths first (by relative score, descending),
    then neutral, then bottlenecks.
    """
    if isinstance(region, str):
        _check_regions(scores, [region], "region")
        own = scores.loc[region]
    else:
        own = region
    _check_regions(scores, peers, "peers")
    rows = []
    for node in framework.covered_nodes():
        if node.level not in levels or node.code not in scores.columns:
            continue
        p = scores.loc[list(peers), node.code].to_numpy(dtype=float)
        s = float(own.get(node.code, np.nan))
        f, why = flag(s, p, rule)
        ok = p[~np.isnan(p)]
        rows.append(
            {
                "node": node.code,
                "name": node.name,
                "level": node.level,
                "parent": node.parent,
                "score": s,
                "peer_mean": ok.mean() if ok.size else np.nan,
                "peer_q1": np.quantile(ok, 0.25) if ok.size else np.nan,
                "peer_q3": np.quantile(ok, 0.75) if ok.size else np.nan,
                "relative": relative_score(s, p),
                "flag": f,
                "reason": why,
            }
        )
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    order = out["flag"].map({"strength": 0, "": 1, "bottleneck": 2})
    out = out.assign(_o=order, _r=-out["relative"].fillna(100.0))
    return out.sort_values(["_o", "_r"]).drop(columns=["_o", "_r"]).reset_index(drop=True)


def top_bottom(
    scores: pd.DataFrame,
    framework: Framework,
    region: str,
    n: int = 5,
    level: str = "indicator",
    min_unique: float = 0.2,
) -> pd.DataFrame:
    """COINr-style strengths/weaknesses: the region's ``n`` best and ``n`` worst ranked nodes.

    Ranks are among all regions (1 = best; ties share the best rank). Nodes with fewer distinct
    values than ``min_unique`` × number of regions are skipped (COINr ``get_str_weak``'s
    ``unq_discard``): ranks on near-constant indicators say little. Returns rows with
    ``side`` = 'top' or 'bottom', node, name, parent, score, rank, of (regions ranked).
    """
    _check_regions(scores, [region], "region")
    rows = []
    for node in framework.covered_nodes():
        if node.level != level or node.code not in scores.columns:
            continue
        col = scores[node.code]
        if col.nunique(dropna=True) < min_unique * col.notna().sum() or pd.isna(col[region]):
            continue
        rank = col.rank(ascending=False, method="min")
        rows.append(
            {
                "node": node.code,
                "name": node.name,
                "parent": node.parent,
                "score": col[region],
                "rank": rank[region],
                "of": int(col.notna().sum()),
            }
        )
    table = pd.DataFrame(rows, columns=["node", "name", "parent", "score", "rank", "of"])
    if table.empty:
        return table.assign(side=pd.Series(dtype=str))
    top = table.sort_values(["rank", "node"]).head(n).assign(side="top")
    rest = table.drop(top.index)
    bottom = (
        rest.sort_values(["rank", "node"], ascending=[False, True]).head(n).assign(side="bottom")
    )
    return pd.concat([top, bottom], ignore_index=True)[
        ["side", "node", "name", "parent", "score", "rank", "of"]
    ]


# -- peers -----------------------------------------------------------------------------------
def standardise(structure: pd.DataFrame) -> pd.DataFrame:
    """z-scores of each structural variable over the regions given (sample SD)."""
    sd = structure.std(ddof=1).replace(0, np.nan)
    return (structure - structure.mean()) / sd


def structural_distance(
    z: pd.DataFrame, profile: pd.Series, weights: Mapping[str, float] | None = None
) -> pd.Series:
    r"""Weighted Euclidean distance of every region's z-profile to ``profile``.

    :math:`d_r = \sqrt{\sum_j w_j (z_{rj} - z_j)^2 / \sum_j w_j}` over the variables both have
    (missing variables are skipped, so regions with gaps are still comparable).

    Examples
    --------
    >>> z = pd.DataFrame({"a": [0.0, 1.0], "b": [0.0, np.nan]}, index=["X", "Y"])
    >>> structural_distance(z, pd.Series({"a": 0.0, "b": 0.0})).tolist()
    [0.0, 1.0]
    """
    w = pd.Series({c: (weights or {}).get(c, 1.0) for c in z.columns}, dtype=float)
    diff2 = (z - profile[z.columns]) ** 2
    ok = diff2.notna()
    num = (diff2.fillna(0.0) * w).sum(axis=1)
    den = (ok * w).sum(axis=1)
    return np.sqrt(num / den.replace(0, np.nan))


def default_peers(
    structure: pd.DataFrame,
    region: str | Sequence[str],
    k: int = 10,
    candidates: Sequence[str] | None = None,
    weights: Mapping[str, float] | None = None,
    member_weights: Mapping[str, float] | None = None,
) -> list[str]:
    """The ``k`` regions most similar in structure (z-scores, :func:`structural_distance`).

    ``region`` may be a list of regions (an entity such as a NUTS 1 region scored from its
    NUTS 2 parts): its profile is the (``member_weights``-weighted) mean of their z-scores and
    the members themselves are never peers. ``candidates`` restricts the pool (e.g. to the
    regions scored). Candidates that have every variable the profile has come first, so that
    a region with gaps in its data cannot look close just because fewer variables are
    compared; the others follow only if fewer than ``k`` are complete. Ties are broken by code.
    """
    members = [region] if isinstance(region, str) else list(region)
    pool = (
        structure
        if candidates is None
        else structure.loc[[c for c in candidates if c in structure.index]]
    )
    missing = [m for m in members if m not in structure.index]
    if missing:
        raise InputError(f"no structural data for {', '.join(missing)}", parameter="peers")
    z = standardise(pd.concat([pool, structure.loc[[m for m in members if m not in pool.index]]]))
    mw = pd.Series({m: (member_weights or {}).get(m, 1.0) for m in members}, dtype=float)
    zm = z.loc[members]
    profile = (zm.mul(mw, axis=0).sum() / zm.notna().mul(mw, axis=0).sum()).where(zm.notna().any())
    others = z.drop(index=members, errors="ignore").loc[lambda f: f.index.isin(pool.index)]
    d = structural_distance(others, profile, weights).dropna().round(12)
    used = [c for c in profile.index[profile.notna()] if (weights or {}).get(c, 1.0) > 0]
    complete = others.loc[d.index, used].notna().all(axis=1)
    table = pd.DataFrame({"incomplete": ~complete, "d": d, "code": d.index})
    return list(table.sort_values(["incomplete", "d", "code"]).index[:k])


def entity_scores(
    scores: pd.DataFrame, members: Sequence[str], weights: Mapping[str, float] | None = None
) -> pd.Series:
    """Scores of a multi-region entity: the weighted mean of its members' scores per node.

    Used when a region of interest exists only at another NUTS level than the data (e.g.
    Saxony = DED2 + DED4 + DED5); weights are typically populations. Members without a score
    on a node are skipped for that node.

    Examples
    --------
    >>> s = pd.DataFrame({"n": [10.0, 30.0]}, index=["A", "B"])
    >>> entity_scores(s, ["A", "B"], {"A": 3, "B": 1})["n"]
    np.float64(15.0)
    """
    _check_regions(scores, members, "entity")
    w = pd.Series({m: float((weights or {}).get(m, 1.0)) for m in members})
    part = scores.loc[list(members)]
    num = part.mul(w, axis=0).sum(min_count=1)
    den = part.notna().mul(w, axis=0).sum()
    return num / den.replace(0, np.nan)


def joint_challenges(
    scores: pd.DataFrame,
    framework: Framework,
    entities: Mapping[str, Sequence[str]],
    peers: Mapping[str, Sequence[str]],
    levels: Sequence[str] = ("subdimension", "dimension"),
    rule: FlagRule = FlagRule(),
    member_weights: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Which bottlenecks several regions share.

    ``entities`` maps a label to its member regions (one code, or several for a NUTS-level
    mismatch; see :func:`entity_scores`); ``peers`` maps the label to its peer regions. Returns
    one row per node of ``levels`` with a column per entity holding ``'B'`` (bottleneck),
    ``'S'`` (strength) or ``''``, plus ``bottlenecks`` (how many entities share it) and
    ``strengths``; rows sorted by shared bottlenecks, most shared first.
    """
    cols: dict[str, dict[str, str]] = {}
    for label, members in entities.items():
        own = entity_scores(scores, members, member_weights)
        table = strengths_bottlenecks(scores, framework, own, peers[label], levels, rule)
        cols[label] = dict(
            zip(
                table["node"],
                table["flag"].map({"strength": "S", "bottleneck": "B", "": ""}),
                strict=True,
            )
        )
    nodes = [n for n in framework.covered_nodes() if n.level in levels and n.code in scores.columns]
    out = pd.DataFrame(
        {
            "node": [n.code for n in nodes],
            "name": [n.name for n in nodes],
            "level": [n.level for n in nodes],
        }
    )
    for label in entities:
        out[label] = out["node"].map(cols[label]).fillna("")
    labels = list(entities)
    out["bottlenecks"] = (out[labels] == "B").sum(axis=1)
    out["strengths"] = (out[labels] == "S").sum(axis=1)
    return out.sort_values(
        ["bottlenecks", "strengths"], ascending=[False, True], kind="stable"
    ).reset_index(drop=True)
