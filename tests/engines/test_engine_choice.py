"""Choosing the engine: names, the environment, and one-line errors when Spark cannot start."""

from __future__ import annotations

import pytest

from clusteratlas.engine import as_backend, connect, engine_name
from clusteratlas.engines.spark import EngineError, _local_cores, find_java
from clusteratlas.errors import InputError


def test_engine_name_from_argument_environment_and_default(monkeypatch):
    monkeypatch.delenv("CLUSTERATLAS_ENGINE", raising=False)
    assert engine_name() == "duckdb"
    assert engine_name("PySpark") == "spark"
    monkeypatch.setenv("CLUSTERATLAS_ENGINE", "spark")
    assert engine_name() == "spark"
    assert engine_name("duckdb") == "duckdb"  # the argument wins


def test_unknown_engine_is_a_one_line_error_naming_the_option():
    with pytest.raises(InputError, match="parameter --engine: unknown engine 'polars'"):
        engine_name("polars")


def test_default_connect_is_duckdb(monkeypatch):
    monkeypatch.delenv("CLUSTERATLAS_ENGINE", raising=False)
    assert connect().name == "duckdb"
    assert as_backend("duckdb").name == "duckdb"
    with pytest.raises(InputError, match="parameter backend"):
        as_backend(42)


def test_missing_java_says_how_to_install_it(monkeypatch, tmp_path):
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(EngineError) as info:
        find_java()
    assert "openjdk-17-jre-headless" in str(info.value) and "\n" not in str(info.value)
    monkeypatch.setenv("JAVA_HOME", str(tmp_path))
    with pytest.raises(EngineError, match="has no bin/java"):
        find_java()


def test_local_core_counts():
    assert _local_cores("local[2]") == 2
    assert _local_cores("local[*]") >= 1
    assert _local_cores("spark://host:7077") == 0


def test_cli_map_store_on_spark_is_refused(tmp_path, capsys):
    import sys

    from clusteratlas.cli.app import main

    old = sys.argv
    sys.argv = [
        "clusteratlas",
        "map",
        "--scheme",
        "s",
        "--out",
        str(tmp_path / "o.csv"),
        "--engine",
        "spark",
    ]
    try:
        with pytest.raises(SystemExit) as info:
            main()
    finally:
        sys.argv = old
    assert info.value.code == 2
    assert "the store is a DuckDB file" in capsys.readouterr().err
