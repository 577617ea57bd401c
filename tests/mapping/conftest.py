"""Fixtures of the mapping tests.

Every test here runs twice, on DuckDB and on Spark (the ``engine`` fixture is autouse and
parametrised): ``expr.to_pandas()`` runs on Ibis's default backend and ``connect()`` on
``$CLUSTERATLAS_ENGINE``, and the fixture sets both. Spark cases carry the ``spark`` marker
(``-m "not spark"`` leaves them out).
"""

from __future__ import annotations

import pytest

#: Modules whose tests read the DuckDB store: the same on either engine, run once.
DUCKDB_ONLY = {
    "test_map_store": "map_store reads the DuckDB store; Spark maps files and frames",
}
#: Single tests that read the DuckDB store (the rest of their module runs on both engines).
DUCKDB_ONLY_TESTS = {
    "test_mapping_errors_name_the_flag_not_the_parameter": "maps from the DuckDB store",
    "test_sorted_quantile_equals_the_quantile_aggregate": "a property test of engine-neutral "
    "SQL (25 examples x 2 queries: ~3 min on Spark); the hand-computed and cluster-table tests "
    "of the same module run on Spark",
}


@pytest.fixture(autouse=True, params=["duckdb", pytest.param("spark", marks=pytest.mark.spark)])
def engine(request, use_engine) -> str:
    """The engine of the test: ``duckdb`` or ``spark`` (``use_engine`` of tests/conftest.py)."""
    if request.param == "spark":
        module = request.node.module.__name__.rsplit(".", 1)[-1]
        if module in DUCKDB_ONLY:
            pytest.skip(DUCKDB_ONLY[module])
        if request.node.originalname in DUCKDB_ONLY_TESTS:
            pytest.skip(DUCKDB_ONLY_TESTS[request.node.originalname])
    use_engine(request.param)
    return request.param
