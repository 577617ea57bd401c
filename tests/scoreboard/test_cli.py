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


def test_scoreboard_writes_scores_and_sidecar(example_files, tmp_path, monkeypatch, capsys):
    out = tmp_path / "scores.csv"
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
    )
    assert code == 0, err
    s = pd.read_csv(out)
    assert list(s.columns) == ["region", "year", "node", "level", "score", "rank"]
    assert len(s) == 3 * 7
    prov = json.loads((tmp_path / "scores.provenance.json").read_text())
    assert prov["pipeline"]["params"]["treat"]["winmax"] == 3
    assert prov["output"]["rows"] == 21


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


def test_strengths_with_user_peers(example_files, monkeypatch, capsys):
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
        (["--impute", "magic"], "unknown imputation 'magic'"),
        (["--treat", "boxcox"], "unknown treatment 'boxcox'"),
        (["--normalise", "softmax"], "unknown normalisation 'softmax'"),
        (["--aggregate", "median"], "unknown aggregation 'median'"),
        (["--range", "1-100"], "expected LO,HI"),
        (["--strengths", "ZZ", "--peers", "A"], "region(s) ZZ not in the scored data"),
        (["--strengths", "A"], "default peers need structural data"),
        (["--report", "nonsense"], "unknown report"),
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


def test_bad_data_file_names_line_and_column(example_files, tmp_path, monkeypatch, capsys):
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
