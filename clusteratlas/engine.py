"""Choice of the execution engine, and nothing else.

Analytics modules build Ibis expressions and never name an engine. The engine is chosen at
the edge (CLI flag, configuration) by calling :func:`connect`. DuckDB is the default; the
``pyspark`` backend is accepted wherever Ibis supports it, so that the same pipeline runs on
an existing Spark cluster when data outgrow one machine.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ibis
from ibis.backends import BaseBackend

DEFAULT_BACKEND = "duckdb"


def connect(
    backend: str = DEFAULT_BACKEND, path: str | Path | None = None, **kwargs: Any
) -> BaseBackend:
    """Return an Ibis backend.

    Parameters
    ----------
    backend:
        ``"duckdb"`` (default, embedded) or any other Ibis backend name (e.g. ``"pyspark"``).
    path:
        For DuckDB, a database file; ``None`` means in-memory.
    """
    if backend == "duckdb":
        return ibis.duckdb.connect(str(path) if path is not None else ":memory:", **kwargs)
    if backend == "pyspark":
        session = kwargs.pop("session", None)
        if session is None:
            from pyspark.sql import SparkSession  # optional dependency

            session = SparkSession.builder.master("local[2]").getOrCreate()
        return ibis.pyspark.connect(session, **kwargs)
    return getattr(ibis, backend).connect(**kwargs)


def from_duckdb_connection(con: Any) -> BaseBackend:
    """Wrap an existing DuckDB connection (the store's) as an Ibis backend."""
    return ibis.duckdb.from_connection(con)


def table_from_frame(frame: Any) -> ibis.Table:
    """Make an Ibis table of a pandas DataFrame or Arrow table, executable on any backend.

    Uses an Ibis memtable (``create_table`` from pandas is broken on ibis 12 + duckdb 2.0).
    """
    return ibis.memtable(frame)
