"""Small pandas views of a cluster table for the demo's console report.

Each function takes the cluster table (columns of
:data:`clusteratlas.mapping.build.CLUSTER_COLUMNS` plus ``cluster_name``, ``cluster_type``,
``level``) and the regions (``code, name``), keeps one region level and one year (the last
by default), and returns a frame ready to print.
"""

from __future__ import annotations

import pandas as pd


def _slice(table: pd.DataFrame, level: int, year: int | None) -> pd.DataFrame:
    t = table[table["level"] == level]
    if year is None and len(t):
        year = int(t["year"].max())
    return t[t["year"] == year]


def _named(frame: pd.DataFrame, regions: pd.DataFrame) -> pd.DataFrame:
    names = regions.set_index("code")["name"]
    return frame.assign(region_name=frame["region"].map(names))


def stars_text(n: int) -> str:
    """``'★★☆'`` for 2 of 3 stars.

    Examples
    --------
    >>> stars_text(2)
    '★★☆'
    """
    n = 0 if pd.isna(n) else int(n)
    return "★" * n + "☆" * (3 - n)


def top_clusters(
    table: pd.DataFrame, regions: pd.DataFrame, level: int = 2, n: int = 3, year: int | None = None
) -> pd.DataFrame:
    """The ``n`` largest clusters (by employment) of every region of ``level``."""
    t = _slice(table, level, year).dropna(subset=["employment"])
    t = t.sort_values(["region", "employment"], ascending=[True, False])
    t = t.groupby("region", sort=True).head(n).copy()
    t["rank"] = t.groupby("region").cumcount() + 1
    return _named(t, regions)[
        ["region", "region_name", "rank", "cluster", "cluster_name", "employment", "lq", "stars"]
    ].reset_index(drop=True)


def star_clusters(
    table: pd.DataFrame,
    regions: pd.DataFrame,
    level: int = 2,
    stars: int = 3,
    year: int | None = None,
) -> pd.DataFrame:
    """Cells with ``stars`` stars, largest first."""
    t = _slice(table, level, year)
    t = t[t["stars"] == stars].sort_values("employment", ascending=False)
    return _named(t, regions)[
        ["region", "region_name", "cluster", "cluster_name", "employment", "lq", "wage"]
    ].reset_index(drop=True)


def strong_clusters(
    table: pd.DataFrame, regions: pd.DataFrame, level: int = 2, year: int | None = None
) -> pd.DataFrame:
    """CMP strong clusters, most specialised first (``strong10`` marks the top decile)."""
    t = _slice(table, level, year)
    t = t[t["strong"].fillna(False).astype(bool)].sort_values("lq", ascending=False)
    return _named(t, regions)[
        ["region", "region_name", "cluster", "cluster_name", "employment", "lq", "strong10"]
    ].reset_index(drop=True)


def strength_ranking(
    strength: pd.DataFrame, regions: pd.DataFrame, level: int = 2, year: int | None = None
) -> pd.DataFrame:
    """Regions ranked by cluster strength (share of traded jobs in strong clusters)."""
    t = _slice(strength, level, year)
    t = t.sort_values(["cluster_strength", "traded_employment"], ascending=False)
    t = _named(t, regions).reset_index(drop=True)
    t.insert(0, "rank", range(1, len(t) + 1))
    return t[
        [
            "rank",
            "region",
            "region_name",
            "cluster_strength",
            "n_strong",
            "n_star_clusters",
            "traded_employment",
        ]
    ]
