"""Reads of the atlas tables for the linkage measures (relatedness, complexity, partners).

The linkage measures need a whole region × cluster matrix at once, not the few rows a page
shows, so these reads return one DataFrame straight from DuckDB (columnar, no per-row dicts).
Every statement is parameterised; the table names come from :mod:`clusteratlas.store.schema`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb
import pandas as pd


def mapped_levels(con: duckdb.DuckDBPyConnection, scheme: str, region_system: str) -> list[dict]:
    """Levels of one scheme × region system in the cluster table: ``[{level, regions}]``,
    in level order (``regions`` = distinct regions with a cell at that level)."""
    rows = con.execute(
        "SELECT level, count(DISTINCT region) FROM atlas_clusters "
        "WHERE scheme = ? AND region_system = ? GROUP BY 1 ORDER BY 1",
        [scheme, region_system],
    ).fetchall()
    return [{"level": None if lv is None else int(lv), "regions": int(n)} for lv, n in rows]


def systems_with_scheme(con: duckdb.DuckDBPyConnection, scheme: str) -> list[dict]:
    """Region systems and levels holding ``scheme``: ``[{region_system, level, regions}]``,
    the most regions first (ties: system, then level)."""
    rows = con.execute(
        "SELECT region_system, level, count(DISTINCT region) AS n FROM atlas_clusters "
        "WHERE scheme = ? GROUP BY 1, 2 ORDER BY n DESC, 1, 2",
        [scheme],
    ).fetchall()
    return [
        {"region_system": s, "level": None if lv is None else int(lv), "regions": int(n)}
        for s, lv, n in rows
    ]


def cluster_employment(
    con: duckdb.DuckDBPyConnection,
    scheme: str,
    region_system: str,
    *,
    level: int | None,
    years: Sequence[int] | None = None,
    cluster_types: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Employment of every region × cluster × year of one scheme, system and level.

    Returns ``region, cluster, year, employment, lq`` (``employment`` NULL as 0.0; ``lq`` as
    stored by the mapping) sorted by year, region, cluster. ``level=None`` matches cells
    whose level is NULL (systems without levels). ``cluster_types`` keeps only those types.
    """
    where = ["scheme = ?", "region_system = ?"]
    params: list[Any] = [scheme, region_system]
    if level is None:
        where.append("level IS NULL")
    else:
        where.append("level = ?")
        params.append(int(level))
    if years is not None:
        where.append("list_contains(?, year)")
        params.append([int(y) for y in years])
    if cluster_types is not None:
        where.append("list_contains(?, cluster_type)")
        params.append([str(t) for t in cluster_types])
    return con.execute(
        "SELECT region, cluster, year, coalesce(employment, 0.0) AS employment, lq "
        f"FROM atlas_clusters WHERE {' AND '.join(where)} ORDER BY year, region, cluster",
        params,
    ).df()
