"""Fixtures of the linkages tests, and which of them run on both engines.

**The rule.** A test runs twice, on DuckDB and on Spark, when it goes through an engine: a
``--panel`` file read by ``trends``, ``complexity`` or ``related`` (the CLI, or
:func:`~clusteratlas.linkages.api.unit_table` / ``unit_panel`` / ``trends_tables`` with a
backend), bad panels and their one-line errors, and the CMP MSA table of the related-clusters
reproduction. Such a test takes the ``engine`` fixture below (as an argument, or with
``pytest.mark.usefixtures("engine")``); its Spark case carries the ``spark`` marker
(``-m "not spark"`` leaves it out) and, for the CLI, checks every output equal to the DuckDB
run's (``duckdb_twin``: numbers to 1e-9, codes and flags identical).

Tests of the pure numpy/pandas parts — complexity, proximity, co-location, the network rule,
partners, hot spots, the shift-share arithmetic on memtables and its property test — run
once: they never touch an engine, and on Spark they would test the same code a second time at
a JVM's cost. So do the store tests (the store is a DuckDB file; ``--engine spark`` is
refused there). Spark cases use small panels: their time is Spark's fixed cost per query.
"""

from __future__ import annotations

import pytest


@pytest.fixture(params=["duckdb", pytest.param("spark", marks=pytest.mark.spark)])
def engine(request, use_engine) -> str:
    """The engine of the test: ``duckdb`` or ``spark`` (see the module docstring)."""
    use_engine(request.param)
    return request.param


@pytest.fixture()
def backend(engine, use_engine):
    """The Ibis backend of :func:`engine`."""
    return use_engine(engine)
