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


@pytest.mark.parametrize(
    "args",
    [
        ["trends", "--years", "2015:2016"],
        ["complexity"],
        ["related"],
        ["scoreboard", "--framework", "fw.yaml"],
        ["map", "--clusters", "c.csv"],
    ],
)
def test_every_engine_command_takes_the_same_engine_option(args, tmp_path, run_cli):
    """``--engine`` is the same option on map, trends, complexity, related and scoreboard: an
    unknown engine is one line naming it, before any file is read."""
    panel = tmp_path / "p.csv"
    panel.write_text("region,industry,year,employment\nA,x,2015,1\n")
    data = tmp_path / "d.csv"
    data.write_text("region,year,indicator,value\nA,2015,I1,1\n")
    fw = tmp_path / "fw.yaml"
    fw.write_text(
        "name: X\ndimensions:\n  - code: D1\n    name: D\n    subdimensions:\n"
        "      - code: D1.1\n        name: S\n        indicators:\n"
        "          - {code: I1, name: One, direction: 1}\n"
    )
    (tmp_path / "c.csv").write_text("industry,cluster,cluster_name,cluster_type\nx,C,C,traded\n")
    where = ["--data", data] if args[0] == "scoreboard" else ["--panel", panel]
    args = [str(tmp_path / a) if a.endswith((".yaml", ".csv")) else a for a in args]
    code, _, err = run_cli(*args, *where, "--out", tmp_path / "o.csv", "--engine", "polars")
    assert code == 2
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and "parameter --engine: unknown engine 'polars'" in lines[0]
    assert not (tmp_path / "o.csv").exists()


@pytest.mark.parametrize("command", ["trends", "complexity", "related", "scoreboard", "map"])
def test_engine_options_are_in_the_help(command, run_cli):
    code, out, _ = run_cli(command, "--help")
    assert code == 0
    assert "--engine" in out and "--spark-master" in out
