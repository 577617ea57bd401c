"""The scoreboard profile of one region against its peers (a panel of the region page)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from clusteratlas.web import charts
from clusteratlas.web.guide_text import HOW_TO_READ
from clusteratlas.web.panels import Column, Panel


def _codes(items: list[Any]) -> set[str]:
    out = set()
    for item in items or []:
        if isinstance(item, dict):
            out.add(str(item.get("node") or item.get("code") or item.get("dimension")))
        else:
            out.add(str(item))
    return out


def profile_frame(profile: dict[str, Any], board: dict[str, Any]) -> pd.DataFrame:
    """One row per dimension: the region's score, its peers' mean/min/max and the assessment
    (``strength``, ``bottleneck`` or ``—``, as stored by the atlas build)."""
    scores = pd.DataFrame(profile["scores"])
    if scores.empty:
        return scores
    top = scores["level"].max()
    dims = (
        scores[scores["level"] == top - 1]
        if (scores["level"] == top - 1).any()
        else scores[scores["level"] == top]
    )
    peers = set(profile.get("peers") or [])
    strengths, bottlenecks = _codes(profile.get("strengths")), _codes(profile.get("bottlenecks"))
    rows = []
    for r in dims.itertuples():
        peer_scores = [
            d["score"]
            for d in board.get("dimensions", {}).get(r.node, [])
            if d["region"] in peers and d["score"] is not None
        ]
        rows.append(
            {
                "node": r.node,
                "node_name": r.node_name or r.node,
                "score": r.score,
                "rank": r.rank,
                "peer_mean": sum(peer_scores) / len(peer_scores) if peer_scores else None,
                "peer_min": min(peer_scores) if peer_scores else None,
                "peer_max": max(peer_scores) if peer_scores else None,
                "peers": len(peer_scores),
                "assessment": "strength"
                if r.node in strengths
                else "bottleneck"
                if r.node in bottlenecks
                else "—",
            }
        )
    return pd.DataFrame(rows)


def profile_panel(atlas: Any, code: str) -> Panel:
    """Raises NotFoundError when the region has no scoreboard scores."""
    profile = atlas.scoreboard_region(code)
    board = atlas.scoreboard(profile["year"])
    frame = profile_frame(profile, board)
    peers = [str(p) for p in profile.get("peers") or []]
    n_s = int((frame["assessment"] == "strength").sum()) if len(frame) else 0
    n_b = int((frame["assessment"] == "bottleneck").sum()) if len(frame) else 0
    return Panel(
        id="scoreboard",
        title=f"Scoreboard profile against {len(peers)} peers, {profile['year']}",
        data=frame,
        columns=[
            Column("node_name", "Dimension"),
            Column("score", "Score", ".1f"),
            Column("rank", f"Rank of {profile.get('n_regions')}", ".0f"),
            Column("peer_mean", "Peers' mean", ".1f"),
            Column("peer_min", "Peers' lowest", ".1f"),
            Column("peer_max", "Peers' highest", ".1f"),
            Column("assessment", "Against peers"),
        ],
        spec=charts.profile_dots(frame, "Scoreboard: region against peers") if len(frame) else None,
        how_to_read=HOW_TO_READ["profile"],
        summary=(
            f"{n_s} strengths and {n_b} bottlenecks against the peers "
            f"({', '.join(peers) or 'none'})."
        ),
        kind="chart" if len(frame) else "table",
    )
