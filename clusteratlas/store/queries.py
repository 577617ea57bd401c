"""Named reads and deletes on the store's tables: the only SQL outside ``store.py``.

Every layer above the store asks for rows by name (``dataset_observations(store, "nama")``)
instead of writing SQL, so the tables' layout and the engine (DuckDB) stay in this package
(see ``docs/architecture.md``). The functions take a :class:`~clusteratlas.store.Store`; the
``delete_*`` functions take the connection of an open ``store.transaction()`` so that a delete
and the load that follows commit together.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import pandas as pd

from clusteratlas.store.schema import TABLES

_OBSERVATION_ORDER = "load_id, dims, measure, industry, region, year DESC"


def _columns(table: str, columns: Sequence[str] | None) -> str:
    """A checked column list (names come from code, never from users; checked anyway)."""
    if columns is None:
        return "*"
    known = TABLES.get(table)
    if known is not None:
        unknown = [c for c in columns if not re.search(rf"^\s*{re.escape(c)}\s", known, re.M)]
        if unknown:
            raise ValueError(f"{table} has no columns {unknown}")
    return ", ".join(columns)


def dataset_observations(
    store: Any, dataset: str, columns: Sequence[str] | None = None, *, ordered: bool = False
) -> pd.DataFrame:
    """The observation rows of one dataset (``columns`` or all), in load order if ``ordered``."""
    order = f" ORDER BY {_OBSERVATION_ORDER}" if ordered else ""
    sql = f"SELECT {_columns('observations', columns)} FROM observations WHERE dataset = ?{order}"
    return store.query(sql, [dataset])


def dataset_regions(store: Any, dataset: str) -> pd.Series:
    """The distinct region codes of one dataset."""
    return store.query("SELECT DISTINCT region FROM observations WHERE dataset = ?", [dataset])[
        "region"
    ]


def dataset_load_notes(store: Any, dataset: str) -> pd.Series:
    """The provenance notes of the loads that hold ``dataset``'s observations, newest first."""
    return store.query(
        "SELECT p.notes FROM provenance p WHERE p.load_id IN "
        "(SELECT DISTINCT load_id FROM observations WHERE dataset = ?) "
        "ORDER BY p.ingested_at DESC",
        [dataset],
    )["notes"]


def region_codes(store: Any, system: str) -> pd.DataFrame:
    """``version, code, level`` of the regions of one system (e.g. ``'NUTS'``)."""
    return store.query("SELECT version, code, level FROM regions WHERE system = ?", [system])


def industry_codes(store: Any, classification: str) -> frozenset[str]:
    """The industry codes the store holds for ``classification``."""
    rows = store.query("SELECT code FROM industries WHERE classification = ?", [classification])
    return frozenset(rows["code"].astype(str))


def industries(store: Any, classification: str) -> pd.DataFrame:
    """``code, parent, level, label`` of one classification, by level then code."""
    return store.query(
        "SELECT code, parent, level, label FROM industries WHERE classification = ? "
        "ORDER BY level, code",
        [classification],
    )


def scheme_rows(store: Any, scheme: str, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """The rows of one cluster scheme (``columns`` or all), by cluster then industry."""
    return store.query(
        f"SELECT {_columns('schemes', columns)} FROM schemes WHERE scheme = ? "
        "ORDER BY cluster, industry",
        [scheme],
    )


def scheme_summary(store: Any) -> pd.DataFrame:
    """One row per scheme: ``scheme, clusters, rows, classification`` (comma-joined)."""
    return store.query(
        "SELECT scheme, count(DISTINCT cluster) AS clusters, count(*) AS rows, "
        "string_agg(DISTINCT classification, ',') AS classification "
        "FROM schemes GROUP BY 1 ORDER BY 1"
    )


def delete_dataset(con: Any, dataset: str, *, provenance: bool = False) -> None:
    """Delete a dataset's observations (and its provenance rows) inside a transaction."""
    con.execute("DELETE FROM observations WHERE dataset = ?", [dataset])
    if provenance:
        con.execute("DELETE FROM provenance WHERE dataset = ?", [dataset])


def delete_regions(con: Any, system: str) -> None:
    """Delete the regions of one system inside a transaction."""
    con.execute("DELETE FROM regions WHERE system = ?", [system])
