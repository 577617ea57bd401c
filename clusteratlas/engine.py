"""Choice of the execution engine, and the engine-side reading and writing of files.

Analytics modules build Ibis expressions and never name an engine. The engine is chosen at
the edge (CLI flag ``--engine``, ``$CLUSTERATLAS_ENGINE``, the Python API's ``backend=``) by
calling :func:`connect`:

* ``duckdb`` (default): embedded, with a memory budget beyond which it spills to disk;
* ``spark``: Apache Spark through Ibis's PySpark backend — local mode (``local[*]``), a
  cluster (``spark_master="spark://host:7077"``) or a SparkSession the caller made
  (:mod:`clusteratlas.engines.spark`).

Files are read by the engine itself (:func:`read_parquet`, :func:`read_csv_text`: Parquet
files, partitioned Parquet folders, CSV), never collected on the driver, and results can be
written by it (:func:`write_parquet`). ``docs/engines.md`` explains the set-up.
"""

from __future__ import annotations

import itertools
import logging
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import ibis
from ibis.backends import BaseBackend

from clusteratlas.errors import InputError

DEFAULT_BACKEND = "duckdb"
#: Engine names users type (``--engine``), and the Ibis backend of each.
ENGINES = {"duckdb": "duckdb", "spark": "pyspark"}
#: Environment variable choosing the engine when none is given.
ENGINE_ENV = "CLUSTERATLAS_ENGINE"
#: Environment variables read by :func:`connect` for DuckDB when the argument is not given.
MEMORY_LIMIT_ENV = "CLUSTERATLAS_MEMORY_LIMIT"
THREADS_ENV = "CLUSTERATLAS_THREADS"
#: DuckDB memory budget when neither the argument nor the environment sets one. Mapping the
#: 8.1M-row benchmark panel peaks at ~0.63 GB of process RSS with it, against 1.4 GB with DuckDB's
#: default (80% of RAM, whose hash tables grow to what they may use), at the same speed.
#: A query that still runs out of it is retried once without it (:func:`with_memory_fallback`).
DEFAULT_MEMORY_LIMIT = "256MB"


def engine_name(engine: str | None = None) -> str:
    """The engine to use: ``engine``, else ``$CLUSTERATLAS_ENGINE``, else ``duckdb``.

    Accepts ``duckdb``, ``spark`` (and Ibis's name ``pyspark``); anything else is an
    :class:`~clusteratlas.errors.InputError` naming ``--engine``.

    >>> engine_name("Spark")
    'spark'
    """
    name = (engine or os.environ.get(ENGINE_ENV) or DEFAULT_BACKEND).strip().lower()
    name = "spark" if name == "pyspark" else name
    if name not in ENGINES:
        raise InputError(
            f"unknown engine {name!r} (use one of {', '.join(ENGINES)})", parameter="--engine"
        )
    return name


def engine_of(backend: BaseBackend) -> str:
    """The engine name (``duckdb``, ``spark``, or Ibis's name) of a backend."""
    return "spark" if backend.name == "pyspark" else backend.name


def connect(
    backend: str | None = None,
    path: str | Path | None = None,
    *,
    engine: str | None = None,
    memory_limit: str | None = None,
    threads: int | None = None,
    spark_master: str | None = None,
    session: Any = None,
    **kwargs: Any,
) -> BaseBackend:
    """Return an Ibis backend.

    Parameters
    ----------
    backend:
        An Ibis backend name (``"duckdb"``, ``"pyspark"``, ...). ``None``: ``engine``.
    engine:
        ``"duckdb"`` or ``"spark"``; ``None`` means ``$CLUSTERATLAS_ENGINE``, else DuckDB
        (:func:`engine_name`). Ignored when ``backend`` is given.
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
    spark_master, session:
        Spark only: the master URL (default ``$CLUSTERATLAS_SPARK_MASTER``, else
        ``local[*]``), or a SparkSession to use as it is
        (:func:`clusteratlas.engines.spark.spark_session`).
    kwargs:
        Passed to the backend's ``connect`` (for DuckDB: further configuration options).
    """
    if backend is None:
        backend = ENGINES[engine_name(engine)]
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
        from clusteratlas.engines.spark import spark_session

        session = session if session is not None else kwargs.pop("session", None)
        if session is None:
            session = spark_session(spark_master)
        return ibis.pyspark.connect(session, **kwargs)
    return getattr(ibis, backend).connect(**kwargs)


def as_backend(obj: Any = None, *, engine: str | None = None) -> BaseBackend:
    """An Ibis backend from what a caller passed as ``backend=``.

    ``None`` (a new backend of :func:`engine_name`), an Ibis backend (used as it is), a
    SparkSession (wrapped) or an engine name (``"duckdb"``, ``"spark"``).
    """
    from clusteratlas.engines.spark import is_spark_session

    if obj is None:
        return connect(engine=engine)
    if isinstance(obj, BaseBackend):
        return obj
    if is_spark_session(obj):
        return connect("pyspark", session=obj)
    if isinstance(obj, str):
        return connect(engine=obj)
    raise InputError(
        f"expected an Ibis backend, a SparkSession or an engine name, got {type(obj).__name__}",
        parameter="backend",
    )


def reuse_for(backend: BaseBackend) -> Callable[[ibis.Table], ibis.Table] | None:
    """How ``backend`` should keep a table that a query reads several times, or ``None``.

    DuckDB plans a CTE read twice once (nothing to do). Spark inlines CTEs: every reference
    is a new subtree, recomputed with its own shuffles — the cluster table's plan had 80
    exchanges on a 9-row panel. For Spark the table is cached (``DataFrame.cache()``,
    memory then disk, built lazily by the first query that reads it, shared by every later
    reference), through Ibis's cache so that it is released with the last Python reference.
    """
    if backend.name != "pyspark":
        return None

    def materialise(table: ibis.Table) -> ibis.Table:
        backend._run_pre_execute_hooks(table)  # registers the memtables the table reads
        return backend._cached_table(table)

    return materialise


def staging_for(backend: BaseBackend, folder: str | Path) -> Callable[[ibis.Table], ibis.Table]:
    """A ``reuse`` function that writes each table to a Parquet file in ``folder`` (DuckDB
    streams the query into it, spilling as it needs) and returns the file read back.

    For work larger than the memory budget on DuckDB: a CTE that several later steps read is
    otherwise materialised in memory once (DuckDB) or recomputed (Spark; see
    :func:`reuse_for`). The caller owns ``folder`` and removes it when the last query that
    reads the staged tables has run.
    """
    folder = Path(folder)
    counter = itertools.count()

    def stage(table: ibis.Table) -> ibis.Table:
        path = folder / f"stage-{next(counter):03d}.parquet"
        with_memory_fallback(
            backend, lambda: backend.to_parquet(table, str(path)), "staging a table"
        )
        return backend.read_parquet(str(path))

    return stage


def is_out_of_memory(error: BaseException) -> bool:
    """Whether ``error`` is the engine running out of its memory budget (DuckDB's
    ``OutOfMemoryException``), recognised without importing the engine."""
    return "OutOfMemory" in type(error).__name__ or "Out of Memory Error" in str(error)


def lift_memory_limit(backend: BaseBackend) -> None:
    """Give a DuckDB backend its default memory budget again (after :func:`is_out_of_memory`)."""
    if backend.name == "duckdb":
        backend.raw_sql("RESET memory_limit")


T = TypeVar("T")


def with_memory_fallback(backend: BaseBackend, work: Callable[[], T], what: str = "a query") -> T:
    """Run ``work()``; if the engine runs out of its memory budget, lift it and run once more.

    DuckDB spills most operators to disk, but not every one at every limit (a 512 MB limit
    once failed with ``could not allocate block``), so a budget is a preference, never a
    reason for a valid query to fail. Lifting it is logged as a warning (logger
    ``clusteratlas.engine``) naming ``what`` ran out and the budget, so that a user who set
    ``$CLUSTERATLAS_MEMORY_LIMIT`` learns it was exceeded.
    """
    try:
        return work()
    except Exception as error:
        if not is_out_of_memory(error):
            raise
        budget = _memory_limit(backend)
        logging.getLogger(__name__).warning(
            "clusteratlas: %s needed more than the engine's memory budget (%s); "
            "running it again without the budget",
            what,
            budget,
        )
        lift_memory_limit(backend)
        return work()


def _memory_limit(backend: BaseBackend) -> str:
    if backend.name != "duckdb":
        return "unknown"
    try:
        return str(backend.raw_sql("SELECT current_setting('memory_limit')").fetchone()[0])
    except Exception:  # the setting is only for the message
        return "unknown"


def from_duckdb_connection(con: Any) -> BaseBackend:
    """Wrap an existing DuckDB connection (the store's) as an Ibis backend."""
    return ibis.duckdb.from_connection(con)


def table_from_frame(frame: Any) -> ibis.Table:
    """Make an Ibis table of a pandas DataFrame or Arrow table, executable on any backend.

    Uses an Ibis memtable (``create_table`` from pandas is broken on ibis 12 + duckdb 2.0).
    """
    return ibis.memtable(frame)


def is_parquet_folder(path: str | Path) -> bool:
    """Whether ``path`` is a folder holding Parquet files (at any depth, e.g. Hive-style
    ``year=2020/part-0.parquet`` partitions, or a folder Spark wrote)."""
    path = Path(path)
    return path.is_dir() and any(path.rglob("*.parquet"))


def read_parquet(backend: BaseBackend, path: str | Path) -> ibis.Table:
    """A Parquet file or a folder of them (Hive partitions become columns), read lazily by
    the engine: nothing is collected on the driver."""
    if backend.name == "duckdb" and Path(path).is_dir():
        return backend.read_parquet(
            os.path.join(str(path), "**", "*.parquet"), hive_partitioning=True
        )
    return backend.read_parquet(str(path))


_DECIMAL = r"^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?$"


def read_csv_text(
    backend: BaseBackend,
    path: str | Path,
    *,
    null_markers: frozenset[str] | set[str],
    numeric: list[str],
) -> ibis.Table:
    """A CSV file read by the engine: every column text except ``numeric`` ones (float64),
    cells equal to one of ``null_markers`` read as NULL.

    The result has one more column, ``_unparsed`` (boolean): a row with a numeric cell that
    is neither a number nor a marker. DuckDB fails the read on such a cell instead (then
    ``_unparsed`` is always false); Spark's reader cannot, so the cast happens here.
    """
    if backend.name == "duckdb":
        raw = backend.read_csv(
            str(path),
            header=True,
            delim=",",
            all_varchar=True,
            nullstr=sorted(null_markers),
            types=dict.fromkeys(numeric, "DOUBLE"),
        )
        return raw.mutate(_unparsed=ibis.literal(False))
    _spark_check_row_widths(backend, path)
    raw = backend.read_csv(str(path), header=True, inferSchema=False, sep=",", mode="FAILFAST")
    markers = sorted(null_markers)
    fields: dict[str, Any] = {}
    unparsed = ibis.literal(False)
    for name in raw.columns:
        col = raw[name]
        missing = col.isnull() | col.isin(markers)
        if name in numeric:
            text = col.strip()
            value = text.try_cast("float64")
            plain = text.re_search(_DECIMAL).fill_null(False)  # no 'inf', 'NaN', '0x1p3'
            unparsed = unparsed | (~missing & (value.isnull() | ~plain))
            fields[name] = ibis.ifelse(missing, ibis.null("float64"), value)
        else:
            fields[name] = ibis.ifelse(missing, ibis.null("string"), col)
    return raw.select(**fields, _unparsed=unparsed)


def _spark_check_row_widths(backend: BaseBackend, path: str | Path) -> None:
    """Raise ValueError when a line of the CSV has more or fewer commas than its header.

    Spark's reader pads short rows and drops extra cells silently, where DuckDB fails the read.
    Commas inside quotes count too, so a quoted comma also raises: the caller then lets the
    thorough reader (``read_panel``) decide, which is slower but never wrong.
    """
    from pyspark.sql import functions as F

    lines = backend._session.read.text(str(path))
    width = F.size(F.split(F.regexp_replace("value", "\r$", ""), ",", -1))
    widths = lines.filter(F.length("value") > 0).agg(F.min(width), F.max(width)).first()
    if widths is None or widths[0] != widths[1]:
        raise ValueError(f"{path}: rows of different widths")


def write_parquet(backend: BaseBackend, expr: ibis.Table, path: str | Path) -> Path:
    """Write ``expr`` as Parquet with the engine itself (streamed, never collected).

    DuckDB writes one file; Spark writes a folder of part files (the Spark convention; every
    Parquet reader reads the folder as one table). A local target is written under a
    temporary name beside it and moved into place only when complete; a URI
    (``s3://...``, ``hdfs://...``) is written where it is.
    """
    target = str(path)
    if "://" in target:
        backend.to_parquet(expr, target)
        return Path(target)
    target_path = Path(target)
    target_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target_path.name}.", dir=target_path.parent))
    out = tmp / "data.parquet"
    try:
        if backend.name == "pyspark":
            backend.to_parquet(expr, str(out), mode="overwrite")
        else:
            backend.to_parquet(expr, str(out))
        if target_path.is_dir():
            shutil.rmtree(target_path)
        elif target_path.exists() and out.is_dir():
            target_path.unlink()
        os.replace(out, target_path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target_path
