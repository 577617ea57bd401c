"""The ``--engine`` and ``--spark-master`` options, shared by every command with relational
work (``map`` today; ``trends``, ``complexity``, ``related`` adopt them in one line).

Adopting them in a command::

    from clusteratlas.cli.engine_options import EngineOption, SparkMasterOption, backend_for

    def trends_command(..., engine: str | None = EngineOption,
                       spark_master: str | None = SparkMasterOption):
        backend = backend_for(engine, spark_master)   # an Ibis backend; pass it on

``--engine`` falls back to ``$CLUSTERATLAS_ENGINE``, then ``duckdb``; ``--spark-master`` to
``$CLUSTERATLAS_SPARK_MASTER``, then ``local[*]``. See ``docs/engines.md``.
"""

from __future__ import annotations

import typer
from ibis.backends import BaseBackend

from clusteratlas.engine import ENGINE_ENV, connect, engine_name
from clusteratlas.engines.spark import MASTER_ENV

EngineOption = typer.Option(
    None,
    "--engine",
    envvar=ENGINE_ENV,
    help="duckdb (default, one machine) or spark (local mode, or a cluster with "
    f"--spark-master); also ${ENGINE_ENV}.",
    show_default=False,
)
SparkMasterOption = typer.Option(
    None,
    "--spark-master",
    envvar=MASTER_ENV,
    help="Spark master URL, e.g. spark://host:7077 or yarn (default local[*]); "
    f"also ${MASTER_ENV}.",
    show_default=False,
)


def backend_for(engine: str | None, spark_master: str | None = None) -> BaseBackend:
    """The Ibis backend of ``--engine`` / ``--spark-master`` (errors name ``--engine``)."""
    name = engine_name(engine)
    return connect(engine=name, spark_master=spark_master if name == "spark" else None)
