"""The CLI contract: options, output columns, sidecar, one-line errors with exit code 2."""

from __future__ import annotations

import json
import sys

import pandas as pd
import pytest

from clusteratlas.cli.app import main


def run_cli(monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["clusteratlas", *map(str, args)])
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_scoreboard_writes_scores_and_sidecar(
    example_files, tmp_path, monkeypatch, capsys, engine, duckdb_twin
):
    out = tmp_path / "scores.csv"
    args = [
        "scoreboard",
        "--framework",
        example_files["framework"],
        "--data",
        example_files["data"],
        "--denominators",
        example_files["denominators"],
        "--impute",
        "mean",
        "--treat",
        "coinr",
        "--winmax",
        "3",
        "--normalise",
        "minmax",
        "--aggregate",
        "arithmetic",
        "--year",
        "2020",
        "--out",
        out,
    ]
    code, _, err = run_cli(monkeypatch, capsys, *args)
    assert code == 0, err
    s = pd.read_csv(out)
    assert list(s.columns) == ["region", "year", "node", "level", "score", "rank"]
    assert len(s) == 3 * 7
    prov = json.loads((tmp_path / "scores.csv.provenance.json").read_text())
    assert prov["pipeline"]["params"]["treat"]["winmax"] == 3
    assert prov["output"]["rows"] == 21
    assert {i["role"]: i for i in prov["inputs"]}["data"]["engine"] == engine
    if engine == "spark":  # the same scores and ranks as DuckDB's
        duckdb_twin(args, [out])


def test_uncertainty_columns(example_files, tmp_path, monkeypatch, capsys):
    out = tmp_path / "u.csv"
    code, _, err = run_cli(
        monkeypatch,
        capsys,
        "scoreboard",
        "--framework",
        example_files["framework"],
        "--data",
        example_files["data"],
        "--denominators",
        example_files["denominators"],
        "--impute",
        "mean",
        "--uncertainty",
        "50",
        "--out",
        out,
    )
    assert code == 0, err
    s = pd.read_csv(out)
    assert list(s.columns)[-3:] == ["rank_p05", "rank_median", "rank_p95"]
    assert (s["rank_p05"] <= s["rank_median"]).all() and (s["rank_median"] <= s["rank_p95"]).all()


def test_strengths_with_user_peers(example_files, monkeypatch, capsys, engine):
    code, stdout, err = run_cli(
        monkeypatch,
        capsys,
        "scoreboard",
        "--framework",
        example_files["framework"],
        "--data",
        example_files["data"],
        "--denominators",
        example_files["denominators"],
        "--impute",
        "mean",
        "--strengths",
        "B",
        "--peers",
        "A,C",
    )
    assert code == 0, err
    assert "strength" in stdout and "top-5" in stdout


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (["--range", "1-100"], "expected LO,HI"),
        (["--strengths", "ZZ", "--peers", "A"], "parameter --strengths: region(s) ZZ not in"),
        (["--strengths", "A"], "parameter --peers: default peers need structural data"),
        (["--aggregate", "generalised"], "parameter --power: the generalised mean needs"),
        (["--year", "2021-2019"], "parameter --year: range ends before it starts"),
    ],
)
def test_bad_options_are_one_line_errors(
    example_files, tmp_path, monkeypatch, capsys, extra, needle
):
    code, _, err = run_cli(
        monkeypatch,
        capsys,
        "scoreboard",
        "--framework",
        example_files["framework"],
        "--data",
        example_files["data"],
        "--denominators",
        example_files["denominators"],
        "--out",
        tmp_path / "x.csv",
        *extra,
    )
    assert code == 2
    assert needle in err
    assert len(err.strip().splitlines()) == 1


def test_bad_data_file_names_line_and_column(example_files, tmp_path, monkeypatch, capsys, engine):
    bad = tmp_path / "bad.csv"
    bad.write_text("region,year,indicator,value\nA,2020,I1,1\nA,2020,I2,x\n")
    out = tmp_path / "o.csv"
    code, _, err = run_cli(
        monkeypatch,
        capsys,
        "scoreboard",
        "--framework",
        example_files["framework"],
        "--data",
        bad,
        "--out",
        out,
    )
    assert code == 2 and "line 3" in err and "column 'value'" in err and "not a number" in err
    assert not out.exists()


def test_missing_arguments(monkeypatch, capsys, tmp_path):
    code, _, err = run_cli(monkeypatch, capsys, "scoreboard", "--out", tmp_path / "o.csv")
    assert code == 2 and "--framework and --data are required" in err


@pytest.mark.parametrize(
    ("extra", "flag"),
    [
        (["--impute", "magic"], "--impute"),
        (["--treat", "boxcox"], "--treat"),
        (["--normalise", "softmax"], "--normalise"),
        (["--aggregate", "median"], "--aggregate"),
        (["--weights", "equal"], "--weights"),
    ],
)
def test_choices_are_enums_refused_by_the_parser(
    example_files, tmp_path, monkeypatch, capsys, extra, flag
):
    code, _, err = run_cli(
        monkeypatch, capsys, "scoreboard", "--framework", example_files["framework"],
        "--data", example_files["data"], "--out", tmp_path / "x.csv", *extra,
    )  # fmt: skip
    assert code == 2
    assert f"Invalid value for '{flag}'" in err and "is not one of" in err
    assert not (tmp_path / "x.csv").exists()


def test_generalised_aggregation_from_the_cli(example_files, tmp_path, monkeypatch, capsys):
    out = tmp_path / "g.csv"
    code, _, err = run_cli(
        monkeypatch, capsys, "scoreboard", "--framework", example_files["framework"],
        "--data", example_files["data"], "--denominators", example_files["denominators"],
        "--impute", "mean", "--aggregate", "generalised", "--power", "2", "--out", out,
    )  # fmt: skip
    assert code == 0, err
    wide = pd.read_csv(out).pivot(index="region", columns="node", values="score")
    # D1.1 of A = sqrt((1 * 50^2 + 2 * 0^2) / 3) (see tests/scoreboard/test_api.py)
    assert wide.loc["A", "D1.1"] == pytest.approx((2500 / 3) ** 0.5)


def test_coverage_report_file_and_old_spelling(example_files, tmp_path, monkeypatch, capsys):
    base = ["scoreboard", "--framework", example_files["framework"], "--data",
            example_files["data"]]  # fmt: skip
    report = tmp_path / "coverage.csv"
    code, out, err = run_cli(monkeypatch, capsys, *base, "--report", report)
    assert code == 0, err
    cov = pd.read_csv(report)
    assert set(cov["dimension"]) == {"D1", "D2", "INDEX"}  # two dimensions + the index row
    assert "coverage of Example" in out
    # old spelling: --report coverage prints the report and says the new name
    code, out, err = run_cli(monkeypatch, capsys, *base, "--report", "coverage")
    assert code == 0, err
    assert "coverage of Example" in out and "--coverage" in err
    assert not (tmp_path / "coverage").exists()


def test_edition_out_old_spelling_is_a_hidden_alias(example_files, monkeypatch, capsys):
    from typer.testing import CliRunner

    from clusteratlas.cli.app import app

    help_text = CliRunner().invoke(app, ["scoreboard", "--help"], terminal_width=200).output
    assert "--edition-out-dir" in help_text
    assert "--edition-out " not in help_text and "--report coverage" not in help_text
