"""The store layer: one embedded DuckDB database with a documented schema."""

from clusteratlas.store.schema import OBSERVATION_COLUMNS, SCHEME_COLUMNS, TABLES
from clusteratlas.store.store import Store

__all__ = ["OBSERVATION_COLUMNS", "SCHEME_COLUMNS", "TABLES", "Store"]
