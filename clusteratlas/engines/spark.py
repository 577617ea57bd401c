"""Apache Spark through Ibis's PySpark backend: the session, and the checks before it.

:func:`spark_session` returns the process's SparkSession (Spark allows one per JVM), creating
it if needed:

* master: the argument, else ``$CLUSTERATLAS_SPARK_MASTER``, else ``local[*]`` (every core of
  this machine). A cluster is ``spark://host:7077``, ``yarn``, ``k8s://...``;
* driver memory: ``$CLUSTERATLAS_SPARK_DRIVER_MEMORY`` (default ``1g``; only read when the JVM
  starts);
* shuffle partitions: ``$CLUSTERATLAS_SPARK_SHUFFLE_PARTITIONS`` (default: 4 per local core,
  Spark's own 200 on a cluster);
* ANSI SQL mode off, so that ``x / 0`` is NULL as on DuckDB (the analytics guard their
  denominators with ``NULLIF`` anyway) and both engines give the same table.

A session made by the caller (``SparkSession.builder...getOrCreate()``) is used as it is:
pass it as ``backend=`` to :func:`clusteratlas.mapping.map_panel` or ``session=`` to
:func:`clusteratlas.engine.connect`.

Java (11 or 17, or 21 for Spark 4) must be installed: :func:`find_java` looks at
``$JAVA_HOME/bin/java`` and the ``PATH``, and otherwise raises an :class:`EngineError` that
says how to install it. pyspark itself is the optional extra ``clusteratlas[spark]``.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Any

from clusteratlas.errors import ClusterAtlasError

MASTER_ENV = "CLUSTERATLAS_SPARK_MASTER"
DRIVER_MEMORY_ENV = "CLUSTERATLAS_SPARK_DRIVER_MEMORY"
SHUFFLE_PARTITIONS_ENV = "CLUSTERATLAS_SPARK_SHUFFLE_PARTITIONS"
DEFAULT_MASTER = "local[*]"
DEFAULT_DRIVER_MEMORY = "1g"
JAVA_HELP = (
    "Spark needs Java 17 (or 11/21): install it (Debian/Ubuntu: "
    "sudo apt-get install openjdk-17-jre-headless; macOS: brew install openjdk@17) "
    "or set JAVA_HOME"
)
PYSPARK_HELP = "the Spark engine needs pyspark: pip install 'clusteratlas[spark]'"


class EngineError(ClusterAtlasError):
    """The engine asked for cannot start here (no Java, no pyspark, bad master URL)."""


def find_java() -> Path:
    """Path of the ``java`` executable Spark will start, or :class:`EngineError`.

    ``$JAVA_HOME/bin/java`` when ``JAVA_HOME`` is set (as Spark's launcher does), else the first
    ``java`` on the ``PATH``.
    """
    home = os.environ.get("JAVA_HOME")
    if home:
        candidate = Path(home) / "bin" / "java"
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
        raise EngineError(f"JAVA_HOME={home} has no bin/java; {JAVA_HELP}")
    found = shutil.which("java")
    if found is None:
        raise EngineError(f"no 'java' on the PATH; {JAVA_HELP}")
    return Path(found)


def _local_cores(master: str) -> int:
    match = re.fullmatch(r"local(?:\[(\d+|\*)(?:,\d+)?\])?", master)
    if match is None:
        return 0
    n = match.group(1)
    return (os.cpu_count() or 1) if n in (None, "*") else int(n)


def spark_session(master: str | None = None, *, config: dict[str, str] | None = None) -> Any:
    """The process's SparkSession, created with the settings of the module docstring.

    ``config`` adds Spark settings (e.g. ``{"spark.executor.memory": "8g"}``). When a session
    already runs, it is returned as it is (Spark cannot change a running JVM's master).
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise EngineError(PYSPARK_HELP) from None
    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    find_java()
    master = master or os.environ.get(MASTER_ENV) or DEFAULT_MASTER
    settings = {
        "spark.driver.memory": os.environ.get(DRIVER_MEMORY_ENV, DEFAULT_DRIVER_MEMORY),
        "spark.sql.ansi.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.session.timeZone": "UTC",
    }
    cores = _local_cores(master)
    partitions = os.environ.get(SHUFFLE_PARTITIONS_ENV) or (str(4 * cores) if cores else None)
    if partitions:
        settings["spark.sql.shuffle.partitions"] = partitions
    settings.update(config or {})
    builder = SparkSession.builder.master(master).appName("clusteratlas")
    for key, value in settings.items():
        builder = builder.config(key, value)
    try:
        session = builder.getOrCreate()
    except Exception as error:  # the JVM did not start: say why in one line
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise EngineError(f"Spark (master {master}) did not start: {first}") from error
    session.sparkContext.setLogLevel("ERROR")
    return session


def is_spark_session(obj: Any) -> bool:
    """Whether ``obj`` is a SparkSession (checked without importing pyspark)."""
    return type(obj).__name__ == "SparkSession" and hasattr(obj, "sparkContext")
