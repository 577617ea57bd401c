"""Shared fixtures.

Real data is read from ``../shared/data`` (never copied into the repository). Tests that need
it use the ``shared_data`` fixture: it skips with a clear reason when the folder is absent, and
fails instead when ``CLUSTERATLAS_REQUIRE_SHARED=1`` (as ``.ci/run`` sets).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# CI machines are small and shared: no per-example deadline, so that property tests fail on
# wrong answers, never on a slow moment. HYPOTHESIS_PROFILE=thorough explores more examples.
settings.register_profile(
    "clusteratlas", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "thorough", parent=settings.get_profile("clusteratlas"), max_examples=2000
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "clusteratlas"))


def shared_data_dir() -> Path | None:
    """``$CLUSTERATLAS_SHARED_DATA``, else ``../shared/data`` beside the checkout, if present.

    Only tests look for the checkout's neighbour: the program itself never defaults to it.
    """
    env = os.environ.get("CLUSTERATLAS_SHARED_DATA")
    if env:
        return Path(env) if Path(env).is_dir() else None
    here = Path(__file__).resolve().parent.parent
    for candidate in (here.parent / "shared" / "data", Path.cwd().parent / "shared" / "data"):
        if candidate.is_dir():
            return candidate
    return None


def _require_shared() -> bool:
    return os.environ.get("CLUSTERATLAS_REQUIRE_SHARED", "") == "1"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Path of ``../shared/data``; skip (or fail under CLUSTERATLAS_REQUIRE_SHARED=1) if absent."""
    path = shared_data_dir()
    if path is None:
        msg = (
            "../shared/data is not beside the checkout (set CLUSTERATLAS_SHARED_DATA to "
            "point at it); real-data tests need it"
        )
        if _require_shared():
            pytest.fail(msg)
        pytest.skip(msg)
    return path


@pytest.fixture(scope="session")
def shared_file(shared_data: Path):
    """Return a function that resolves a path under shared/data, failing/skipping if missing."""

    def get(relative: str) -> Path:
        p = shared_data / relative
        if not p.exists():
            msg = f"{p} is missing from the shared data folder"
            if _require_shared():
                pytest.fail(msg)
            pytest.skip(msg)
        return p

    return get


@pytest.fixture()
def store(tmp_path: Path):
    """An empty store in a temporary file."""
    from clusteratlas.store import Store

    s = Store(tmp_path / "atlas.duckdb")
    yield s
    s.close()


@pytest.fixture(scope="session")
def spark_backend():
    """An Ibis PySpark backend on ONE small local SparkSession per test process (a JVM takes
    ~10 s to start): 2 cores, 1 GB of driver memory, 2 shuffle partitions. Tests that use it
    are marked ``spark``; without Java or pyspark they skip (and fail in CI, which has both)."""
    from clusteratlas.engine import connect
    from clusteratlas.engines.spark import EngineError, spark_session

    os.environ.setdefault("CLUSTERATLAS_SPARK_SHUFFLE_PARTITIONS", "2")
    os.environ.setdefault("CLUSTERATLAS_SPARK_DRIVER_MEMORY", "1g")
    try:
        session = spark_session("local[2]", config={"spark.ui.enabled": "false"})
    except EngineError as error:
        if _require_shared():
            pytest.fail(str(error))
        pytest.skip(str(error))
    yield connect("pyspark", session=session)
    session.stop()


@pytest.fixture()
def use_engine(request, monkeypatch) -> Callable[[str], object]:
    """Return ``use(name)``, which makes ``name`` (``duckdb`` or ``spark``) the engine of the
    test and returns its Ibis backend: ``$CLUSTERATLAS_ENGINE`` (read by ``connect()``, the
    CLI's ``--engine`` and the API's default ``backend``) and, for Spark, Ibis's default
    backend (``expr.to_pandas()``) and the shared session of :func:`spark_backend`.

    The engine-parametrised suites (``tests/mapping``, ``tests/linkages``,
    ``tests/scoreboard``) build their ``engine`` fixture on it::

        @pytest.fixture(params=["duckdb", pytest.param("spark", marks=pytest.mark.spark)])
        def engine(request, use_engine):
            use_engine(request.param)
            return request.param
    """
    import ibis

    def use(name: str):
        if name == "duckdb":
            from clusteratlas.engine import connect

            monkeypatch.setenv("CLUSTERATLAS_ENGINE", "duckdb")
            return connect()
        backend = request.getfixturevalue("spark_backend")
        monkeypatch.setenv("CLUSTERATLAS_ENGINE", "spark")
        monkeypatch.setattr(ibis.options, "default_backend", backend)
        return backend

    return use


@pytest.fixture()
def run_cli(capsys) -> Callable[..., tuple[int, str, str]]:
    """Run ``clusteratlas ARGS...`` in-process through the real entry point; return
    (exit code, stdout, stderr)."""
    from clusteratlas.cli.app import main

    def run(*args: object) -> tuple[int, str, str]:
        old = sys.argv
        sys.argv = ["clusteratlas", *map(str, args)]
        try:
            main()
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        finally:
            sys.argv = old
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


@pytest.fixture()
def duckdb_twin(run_cli) -> Callable[..., None]:
    """Return ``check(args, outs)``: run the command ``args`` again with ``--engine duckdb``,
    writing each output of ``outs`` (paths among ``args``) beside it as ``duckdb-NAME``, and
    assert that every output equals its DuckDB twin (``tests.engine_checks.assert_same_tables``).
    A Spark test calls it to show that Spark gives DuckDB's result."""
    import pandas as pd

    from tests.engine_checks import assert_same_tables

    def check(args: list, outs: list[Path]) -> None:
        twins = {str(o): o.with_name(f"duckdb-{o.name}") for o in outs}
        code, _, err = run_cli(*[twins.get(str(a), a) for a in args], "--engine", "duckdb")
        assert code == 0, err
        for out in outs:
            assert_same_tables(pd.read_csv(out), pd.read_csv(twins[str(out)]))

    return check
