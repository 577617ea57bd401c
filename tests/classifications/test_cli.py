"""``clusteratlas classifications`` and ``clusteratlas schemes`` end to end."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from clusteratlas.cli.app import app
from clusteratlas.errors import InputError

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=True)


def test_classifications_load_and_show(shared_data: Path, tmp_path: Path) -> None:
    db = str(tmp_path / "a.duckdb")
    r = run("classifications", "load", "--shared", str(shared_data), "--store", db)
    assert r.exit_code == 0, r.output
    assert "NUTS2024" in r.output and "2,229" in r.output
    r = run("classifications", "show", "NACE_R2", "10.5", "--store", db)
    assert r.exit_code == 0, r.output
    assert "Manufacture of dairy products" in r.output and "10.52" in r.output
    r = run("classifications", "show", "nuts2021", "DE11", "--shared", str(shared_data),
            "--store", db)  # fmt: skip
    assert r.exit_code == 0 and "Baden-Württemberg" in r.output
    r = run("classifications", "show", "NACE_R2", "10.99", "--store", db)
    assert isinstance(r.exception, InputError)


def test_schemes_commands(shared_data: Path, tmp_path: Path) -> None:
    db = str(tmp_path / "s.duckdb")
    r = run("schemes", "load", "eu-nace2", "--store", db)
    assert r.exit_code == 0 and "602" in r.output
    r = run("schemes", "list", "--store", db)
    assert r.exit_code == 0 and "uscmp-naics2012" in r.output and "eu-nace2" in r.output
    r = run("schemes", "show", "eu-nace2", "--store", db, "--cluster", "5")
    assert r.exit_code == 0 and "21.20" in r.output
    out, rep = tmp_path / "eu.csv", tmp_path / "report.csv"
    r = run("schemes", "derive", "--shared", str(shared_data), "--out", str(out),
            "--report", str(rep))  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "division" in r.output and out.exists() and rep.exists()
    assert len(pd.read_csv(out, comment="#", dtype=str)) == 602


def test_schemes_show_unknown_cluster(tmp_path: Path) -> None:
    r = run("schemes", "show", "eu-nace2", "--cluster", "999", "--store",
            str(tmp_path / "none.duckdb"))  # fmt: skip
    assert isinstance(r.exception, InputError)


@pytest.mark.parametrize(
    "cmd", [["schemes", "derive"], ["classifications", "load", "--store", "x.duckdb"]]
)
def test_bad_shared_folder(tmp_path: Path, cmd: list[str]) -> None:
    r = run(*cmd, "--shared", str(tmp_path / "nowhere"))
    assert isinstance(r.exception, InputError)
    assert r.exception.parameter == "--shared"
    assert not Path("x.duckdb").exists()
