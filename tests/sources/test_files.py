"""Tidy panel reader: shape, types, flags and every kind of bad input."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from clusteratlas.errors import InputError
from clusteratlas.sources.files import PANEL_COLUMNS, decode_utf8, read_panel, read_source_bytes


def write(tmp_path: Path, text: str | bytes, name: str = "panel.csv") -> Path:
    p = tmp_path / name
    if isinstance(text, str):
        text = text.encode("utf-8")
    p.write_bytes(text)
    return p


def error_of(path: Path) -> InputError:
    with pytest.raises(InputError) as info:
        read_panel(path)
    assert "\n" not in str(info.value)
    return info.value


GOOD = (
    "region,industry,year,employment,establishments,flag,employment_flag\n"
    "AT11,01,2015,12,3,e,\n"
    "AT11,01,2016,,4,,p\n"
    "US06,011,2016,7.5,NA,,\n"
)


def test_good_panel_types_codes_and_flags(tmp_path):
    df = read_panel(write(tmp_path, GOOD))
    assert list(df.columns) == PANEL_COLUMNS
    assert df["industry"].tolist() == ["01", "01", "011"]  # never 01 -> 1
    assert df["year"].dtype == np.int64
    assert df["year"].tolist() == [2015, 2016, 2016]
    assert df["employment"].tolist()[0] == 12.0
    assert np.isnan(df["employment"].iloc[1])
    assert np.isnan(df["establishments"].iloc[2])  # 'NA' is missing
    assert df["payroll"].isna().all()  # column absent
    # row flag 'e' applies to every measure present; employment_flag overrides it
    assert df["employment_flag"].tolist() == ["e", "p", None]
    assert df["establishments_flag"].tolist() == ["e", None, None]
    assert df["payroll_flag"].tolist() == [None, None, None]


def test_gzip_csv_detected_by_magic(tmp_path):
    p = tmp_path / "panel.csv.gz"
    p.write_bytes(gzip.compress(GOOD.encode()))
    assert len(read_panel(p)) == 3


def test_bom_crlf_and_blank_lines(tmp_path):
    text = "\ufeffRegion, Industry ,YEAR,payroll\r\n\r\nA,1,2015,2\r\nB,1,2015,3\r\n"
    df = read_panel(write(tmp_path, text))
    assert df["region"].tolist() == ["A", "B"]
    assert df["payroll"].tolist() == [2.0, 3.0]


def test_parquet(tmp_path):
    p = tmp_path / "p.parquet"
    pd.DataFrame(
        {"region": ["A", "B"], "industry": ["01", "02"], "year": [2015, 2016], "payroll": [1, 2]}
    ).to_parquet(p)
    df = read_panel(p)
    assert df["industry"].tolist() == ["01", "02"]
    assert df["payroll"].tolist() == [1.0, 2.0]


def test_parquet_categorical_codes(tmp_path):
    p = tmp_path / "p.parquet"
    frame = pd.DataFrame(
        {"region": ["A", "B"], "industry": ["01", "01"], "year": [2015, 2015], "payroll": [1, 2]}
    )
    frame.astype({"region": "category", "industry": "category"}).to_parquet(p)
    df = read_panel(p)
    assert df["industry"].tolist() == ["01", "01"] and df["region"].tolist() == ["A", "B"]


def test_parquet_numeric_codes_refused(tmp_path):
    p = tmp_path / "p.parquet"
    pd.DataFrame({"region": ["A"], "industry": [1], "year": [2015], "payroll": [1.0]}).to_parquet(p)
    err = error_of(p)
    assert err.column == "industry" and "string" in err.message


def test_parquet_negative_names_row(tmp_path):
    p = tmp_path / "p.parquet"
    pd.DataFrame(
        {"region": ["A", "B"], "industry": ["1", "1"], "year": [2015, 2015], "payroll": [1, -2]}
    ).to_parquet(p)
    err = error_of(p)
    assert (err.line, err.column) == (3, "payroll")


@pytest.mark.parametrize(
    ("text", "line", "column", "words"),
    [
        ("region,year,employment\nA,2015,1\n", 1, "industry", "missing required column"),
        ("region,industry,year,size\nA,1,2015,1\n", 1, None, "no measure column"),
        ("region,industry,year,employment\nA,1,2015,1\nB,1,2015,x\n", 3, "employment", "number"),
        ("region,industry,year,employment\nA,1,2015,-4\n", 2, "employment", "negative"),
        ("region,industry,year,payroll\nA,1,2015.5,4\n", 2, "year", "4-digit integer"),
        ("region,industry,year,payroll\nA,1,y2015,4\n", 2, "year", "4-digit integer"),
        ("region,industry,year,payroll\nA,,2015,4\n", 2, "industry", "empty industry"),
        ("region,industry,year,payroll\nA,1,2015,inf\n", 2, "payroll", "not a number: 'inf'"),
        ("region,industry,year,payroll\nA,1,2015,1e999\n", 2, "payroll", "infinite"),
        ("region,industry,year,payroll\nA,1,2015\n", 2, "payroll", "expected 4 fields"),
        ("region,industry,year,payroll\nA,1,2015,3,4\n", 2, None, "found 5"),
        ("region,industry,year,payroll,payroll\nA,1,2015,3,4\n", 1, "payroll", "twice"),
        ("region,industry,year,payroll_flag\nA,1,2015,e\n", 1, "payroll_flag", "without"),
        ("region,industry,year,employment\n", None, None, "header only"),
        ("", None, None, "empty file"),
        ("\n\n  \n", None, None, "empty file"),
    ],
)  # fmt: skip
def test_bad_inputs_name_the_place(tmp_path, text, line, column, words):
    p = write(tmp_path, text)
    err = error_of(p)
    assert err.file == str(p)
    assert err.line == line
    assert err.column == column
    assert words in err.message


def test_duplicate_keys_name_both_lines(tmp_path):
    text = "region,industry,year,employment\nA,01,2015,1\nB,01,2015,2\nA,01,2015,3\n"
    err = error_of(write(tmp_path, text))
    assert "lines 2 and 4" in err.message
    assert err.line == 4


def test_latin1_names_the_line(tmp_path):
    raw = "region,industry,year,employment\nA,1,2015,1\nKöln,1,2015,2\n".encode("latin-1")
    err = error_of(write(tmp_path, raw))
    assert err.line == 3 and "UTF-8" in err.message


def test_quoted_line_break_keeps_line_numbers(tmp_path):
    text = 'region,industry,year,employment\n"A\nB",1,2015,1\nC,1,2015,-1\n'
    err = error_of(write(tmp_path, text))
    assert err.line == 4


def test_blank_line_counted_in_line_numbers(tmp_path):
    text = "region,industry,year,employment\n\nA,1,2015,1\n\nC,1,2015,x\n"
    assert error_of(write(tmp_path, text)).line == 5


def test_unknown_extension_and_missing_file(tmp_path):
    err = error_of(write(tmp_path, GOOD, "panel.xlsx"))
    assert "unknown file type" in err.message
    assert "no such file" in error_of(tmp_path / "nope.csv").message


def test_truncated_gzip(tmp_path):
    data = gzip.compress(GOOD.encode() * 50)
    p = tmp_path / "panel.csv.gz"
    p.write_bytes(data[: len(data) // 2])
    assert "truncated gzip" in error_of(p).message


def test_byte_helpers():
    raw, label = read_source_bytes(gzip.compress(b"abc"), "x")
    assert (raw, label) == (b"abc", "x")
    assert decode_utf8("\ufeffhé".encode(), "x") == "hé"
    with pytest.raises(InputError) as info:
        decode_utf8(b"ok\nok\n\xff\n", "f")
    assert info.value.line == 3


def test_blank_lines_before_header(tmp_path):
    text = '\n\n"region",industry,year,employment\n\n"A",1,2015,1\nB,1,2015,x\n'
    assert error_of(write(tmp_path, text)).line == 6
    df = read_panel(write(tmp_path, text.replace(",x", ",2")))
    assert df["region"].tolist() == ["A", "B"] and df["employment"].tolist() == [1.0, 2.0]


def test_parquet_infinite_and_boolean(tmp_path):
    p = tmp_path / "p.parquet"
    pd.DataFrame(
        {"region": ["A"], "industry": ["1"], "year": [2015], "payroll": [np.inf]}
    ).to_parquet(p)
    assert "infinite" in error_of(p).message
    pd.DataFrame(
        {"region": ["A"], "industry": ["1"], "year": [2015], "payroll": [True]}
    ).to_parquet(p)
    assert "booleans" in error_of(p).message
