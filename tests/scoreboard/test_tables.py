"""Strict CSV readers: one-line errors naming file, line and column."""

from __future__ import annotations

import pytest

from clusteratlas.errors import InputError
from clusteratlas.scoreboard.tables import (
    parse_region_list,
    provenance_path,
    read_data_csv,
    read_groups_csv,
    read_structure_csv,
    write_csv_atomic,
)


def write(tmp_path, text, name="d.csv"):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_reads_long_data_with_missing_values(tmp_path):
    df = read_data_csv(
        write(
            tmp_path, "region,year,indicator,value,extra\nA,2020,x,1.5,z\nB,2020,x,:\nC,2020,x,\n"
        )
    )
    assert list(df.columns) == ["region", "year", "indicator", "value"]
    assert df["value"].isna().tolist() == [False, True, True]
    assert df["year"].dtype.kind == "i"


@pytest.mark.parametrize(
    ("text", "needle", "line", "column"),
    [
        ("region,year,value\nA,2020,1\n", "missing column(s) indicator", 1, None),
        (
            "region,year,indicator,value\nA,2020,x,1\nA,2020,y,abc\n",
            "not a number: 'abc'",
            3,
            "value",
        ),
        (
            "region,year,indicator,value\nA,2020,x,1\nA,20x0,x,2\n",
            "not a number: '20x0'",
            3,
            "year",
        ),
        ("region,year,indicator,value\nA,2020.5,x,1\n", "year must be an integer", 2, "year"),
        (
            "region,year,indicator,value\nA,2020,x,1\nB,2020,x,2\nA,2020,x,3\n",
            "duplicate key (region=A, year=2020, indicator=x) on lines 2 and 4",
            4,
            None,
        ),
        ("region,year,indicator,value\n,2020,x,1\n", "value is required", 2, "region"),
        ("", "file is empty", None, None),
    ],
)
def test_bad_data(tmp_path, text, needle, line, column):
    path = write(tmp_path, text)
    with pytest.raises(InputError) as err:
        read_data_csv(path)
    assert needle in str(err.value)
    assert str(path) in str(err.value) and "\n" not in str(err.value)
    assert err.value.line == line
    assert err.value.column == column


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        read_data_csv(tmp_path / "none.csv")


def test_groups_and_structure(tmp_path):
    g = read_groups_csv(write(tmp_path, "region,group\nA,x\nB,y\n", "g.csv"))
    assert g.to_dict() == {"A": "x", "B": "y"}
    with pytest.raises(InputError, match="duplicate key"):
        read_groups_csv(write(tmp_path, "region,group\nA,x\nA,y\n", "g2.csv"))
    s = read_structure_csv(write(tmp_path, "region,gdp,pop\nA,1,\nB,2,3\n", "s.csv"))
    assert s.loc["B", "pop"] == 3
    with pytest.raises(InputError, match="not a number"):
        read_structure_csv(write(tmp_path, "region,gdp\nA,high\n", "s2.csv"))


def test_region_list_limits():
    assert parse_region_list("A, B,C", "--peers", 10) == ["A", "B", "C"]
    with pytest.raises(InputError, match="at most 10"):
        parse_region_list(",".join(f"R{i}" for i in range(11)), "--peers", 10)
    with pytest.raises(InputError, match="listed twice"):
        parse_region_list("A,A", "--peers")


def test_atomic_write_and_sidecar_name(tmp_path):
    import pandas as pd

    out = tmp_path / "sub" / "scores.csv"
    write_csv_atomic(pd.DataFrame({"a": [1]}), out)
    assert out.read_text() == "a\n1\n"
    assert [p.name for p in out.parent.iterdir()] == ["scores.csv"]
    assert provenance_path(out).name == "scores.csv.provenance.json"
