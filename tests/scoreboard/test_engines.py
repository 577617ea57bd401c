"""Scoreboard input files read by either engine: the strict readers' values and their one-line
errors, word for word."""

from __future__ import annotations

import pandas as pd
import pytest

from clusteratlas.errors import InputError
from clusteratlas.scoreboard import score
from clusteratlas.scoreboard.engine_input import read_inputs
from clusteratlas.scoreboard.framework import load_framework
from clusteratlas.scoreboard.tables import scoreboard_data
from tests.engine_checks import assert_same_tables


def test_engine_reads_what_the_strict_reader_reads(example_files, engine):
    """Values, denominators and provenance as ``scoreboard_data`` (pandas) gives them; the
    scores of ``score(backend=...)`` equal those from in-memory frames (1e-9, same ranks)."""
    fw = load_framework(example_files["framework"])
    got = read_inputs(
        example_files["data"],
        example_files["denominators"],
        backend=engine,
        indicators=fw.indicator_codes,
    )
    want = scoreboard_data(example_files["data"], example_files["denominators"])
    key = ["region", "year", "indicator"]
    pd.testing.assert_frame_equal(
        got.values.sort_values(key).reset_index(drop=True),
        want.values.sort_values(key).reset_index(drop=True),
    )
    assert got.values["value"].isna().sum() == 1  # C's empty I2 stays missing, never 0
    assert {k: v for k, v in got.inputs["data"].items() if k != "engine"} == want.inputs["data"]
    opts = {"impute": "mean", "treat": "coinr", "aggregate": "arithmetic"}
    from_files = score(fw, example_files["data"], denominators=example_files["denominators"],
                       backend=engine, **opts)  # fmt: skip
    from_frames = score(fw, want.values, denominators=want.denominators, **opts)
    assert_same_tables(from_files.scores, from_frames.scores)


def test_indicators_outside_the_framework(example_files, tmp_path, engine):
    """The engine drops them when told to ignore them; otherwise the error names their line."""
    data = tmp_path / "data.csv"
    data.write_text(example_files["data"].read_text() + "A,2020,I9,1\n")
    fw = load_framework(example_files["framework"])
    kept = read_inputs(
        data, backend=engine, indicators=fw.indicator_codes, unknown_indicators="ignore"
    )
    assert "I9" not in set(kept.values["indicator"]) and len(kept.values) == 9
    with pytest.raises(InputError, match=r"line 11, column 'indicator': unknown indicator 'I9'"):
        score(fw, data, denominators=example_files["denominators"], backend=engine)


BAD = {
    "missing column": (
        "region,year,indicator\nA,2020,I1\n",
        "line 1: missing column(s) value; found region, year, indicator",
    ),
    "unknown code": (
        "region,year,indicator,value\nA,2020,I1,1\nA,2020,ZZ,2\n",
        "line 3, column 'indicator': unknown indicator 'ZZ'",
    ),
    "wrong type": (
        "region,year,indicator,value\nA,2020,I1,1\nA,2020,I2,forty\n",
        "line 3, column 'value': not a number: 'forty'",
    ),
}


@pytest.mark.parametrize("bad", BAD)
def test_bad_data_gives_the_same_one_line_error(example_files, tmp_path, run_cli, engine, bad):
    text, expected = BAD[bad]
    data = tmp_path / "bad.csv"
    data.write_text(text)
    out = tmp_path / "scores.csv"
    args = ["scoreboard", "--framework", example_files["framework"], "--data", data]
    code, _, err = run_cli(*args, "--out", out)
    assert code == 2, err
    lines = [ln for ln in err.splitlines() if ln.strip() and "WARN" not in ln]
    assert len(lines) == 1, err
    assert f"{data}, {expected}" in lines[0]
    assert not out.exists()
    if engine == "spark":  # word for word what DuckDB says
        code, _, twin = run_cli(*args, "--out", out, "--engine", "duckdb")
        assert code == 2 and twin.strip() == lines[0].strip()
