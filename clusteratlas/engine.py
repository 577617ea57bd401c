"""Choice of the execution engine, and nothing else.

Analytics modules build Ibis expressions and never name an engine. The engine is chosen at
the edge (CLI flag, configuration) by calling :func:`connect`. DuckDB is the default; the
``pyspark`` backend is accepted wherever Ibis supports it, so that the same pipeline runs on
an existing Spark cluster when data outgrow one machine.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import ibis
from ibis.backends import BaseBackend

DEFAULT_BACKEND = "duckdb"
#: Environment variables read by :func:`connect` for DuckDB when the argument is not given.
MEMORY_LIMIT_ENV = "CLUSTERATLAS_MEMORY_LIMIT"
THREADS_ENV = "CLUSTERATLAS_THREADS"
#: DuckDB memory budget when neither the argument nor the environment sets one. Mapping the
#: 8.1M-row benchmark panel peaks at ~0.63 GB of process RSS with it, against 1.4 GB with DuckDB's
#: default (80% of RAM, whose hash tables grow to what they may use), at the same speed.
#: A query that still runs out of it is retried once without it (:func:`with_memory_fallback`).
DEFAULT_MEMORY_LIMIT = "256MB"


def connect(
    backend: str = DEFAULT_BACKEND,
    path: str | Path | None = None,
    *,
    memory_limit: str | None = None,
    threads: int | None = None,
    **kwargs: Any,
) -> BaseBackend:
    """Return an Ibis backend.

    Parameters
    ----------
    backend:
        ``"duckdb"`` (default, embedded) or any other Ibis backend name (e.g. ``"pyspark"``).
    path:
        For DuckDB, a database file; ``None`` means in-memory.
    memory_limit:
        DuckDB only: the engine's memory budget, e.g. ``"512MB"`` or ``"2GB"``; beyond it
        DuckDB spills to its temporary directory. Default: the environment variable
        ``CLUSTERATLAS_MEMORY_LIMIT``, else :data:`DEFAULT_MEMORY_LIMIT`; ``"default"`` means
        DuckDB's own (80% of RAM). It bounds the engine's buffers, not the Python process
        (results and pandas frames come on top). Spilled data go to a folder of the system's
        temporary directory.
    threads:
        DuckDB only: worker threads. Default: ``CLUSTERATLAS_THREADS``, else one per core.
    kwargs:
        Passed to the backend's ``connect`` (for DuckDB: further configuration options).
    """
    if backend == "duckdb":
        memory_limit = memory_limit or os.environ.get(MEMORY_LIMIT_ENV) or DEFAULT_MEMORY_LIMIT
        threads = threads or int(os.environ.get(THREADS_ENV) or 0) or None
        if str(memory_limit).lower() != "default":
            kwargs["memory_limit"] = str(memory_limit)
            kwargs.setdefault(
                "temp_directory", os.path.join(tempfile.gettempdir(), "clusteratlas-duckdb")
            )
        if threads:
            kwargs["threads"] = int(threads)
        return ibis.duckdb.connect(str(path) if path is not None else ":memory:", **kwargs)
    if backend == "pyspark":
        session = kwargs.pop("session", None)
        if session is None:
            from pyspark.sql import SparkSession  # optional dependency

            session = SparkSession.builder.master("local[2]").getOrCreate()
        return ibis.pyspark.connect(session, **kwargs)
    return getattr(ibis, backend).connect(**kwargs)


def is_out_of_memory(error: BaseException) -> bool:
    """Whether ``error`` is the engine running out of its memory budget (DuckDB's
    ``OutOfMemoryException``), recognised without importing the engine."""
    return "OutOfMemory" in type(error).__name__ or "Out of Memory Error" in str(error)


def lift_memory_limit(backend: BaseBackend) -> None:
    """Give a DuckDB backend its default memory budget again (after :func:`is_out_of_memory`)."""
    backend.raw_sql("RESET memory_limit")


T = TypeVar("T")


def with_memory_fallback(backend: BaseBackend, work: Callable[[], T]) -> T:
    """Run ``work()``; if the engine runs out of its memory budget, lift it and run once more.

    DuckDB spills most operators to disk, but not every one at every limit (a 512 MB limit
    once failed with ``could not allocate block``), so a budget is a preference, never a
    reason for a valid query to fail.
    """
    try:
        return work()
    except Exception as error:
        if not is_out_of_memory(error):
            raise
        lift_memory_limit(backend)
        return work()


def from_duckdb_connection(con: Any) -> BaseBackend:
    """Wrap an existing DuckDB connection (the store's) as an Ibis backend."""
    return ibis.duckdb.from_connection(con)


def table_from_frame(frame: Any) -> ibis.Table:
    """Make an Ibis table of a pandas DataFrame or Arrow table, executable on any backend.

    Uses an Ibis memtable (``create_table`` from pandas is broken on ibis 12 + duckdb 2.0).
    """
    return ibis.memtable(frame)
