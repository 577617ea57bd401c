"""Eurostat cell syntax: one cell, whole columns, and the two parsers agreeing."""

from __future__ import annotations

import math

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clusteratlas.store.flags import (
    FLAG_LETTERS,
    FLAG_MEANINGS,
    CellError,
    describe_flag,
    parse_cell,
    parse_cells,
    parse_cells_objects,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12.3 e", (12.3, "e")),
        ("12.3", (12.3, None)),
        ("12.3 ", (12.3, None)),
        (":", (None, None)),
        (": ", (None, None)),
        (": c", (None, "c")),
        (":c", (None, "c")),
        ("4.0 bu", (4.0, "bu")),
        ("7 bep", (7.0, "bep")),
        ("  -1.5\tp  ", (-1.5, "p")),
        ("0", (0.0, None)),
        ("0 z", (0.0, "z")),
        ("24500.00 ", (24500.0, None)),
        (".5", (0.5, None)),
        ("5.", (5.0, None)),
        ("+3", (3.0, None)),
    ],
)
def test_parse_cell(text, expected):
    assert parse_cell(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", " ", "x", "12.3 q", "1e5", "1E5", "inf", "nan", "NaN", "1,5", "1 2", "e 1", ": :", "-"],
)
def test_parse_cell_rejects(text):
    with pytest.raises(CellError) as info:
        parse_cell(text)
    assert isinstance(info.value, ValueError)
    assert repr(text) in str(info.value)


def test_missing_is_none_never_zero():
    value, flag = parse_cell(": c")
    assert value is None and flag == "c"


def test_flag_meanings_documented():
    for letter in "bcdefnpruz":
        assert letter in FLAG_MEANINGS
    assert FLAG_MEANINGS[":"].startswith("not available")
    assert describe_flag("bu") == "break in time series; low reliability"
    assert describe_flag(None) == ""


def test_parse_cells_column():
    values, flags = parse_cells(["12.3 e", ":", ": c", "7", "4.0 bu"])
    assert values[0] == 12.3 and values[3] == 7.0 and values[4] == 4.0
    assert math.isnan(values[1]) and math.isnan(values[2])
    assert flags.to_pylist() == ["e", None, "c", None, "bu"]


def test_parse_cells_names_first_bad_cell():
    with pytest.raises(CellError) as info:
        parse_cells(["1", "2 e", "oops", "x"])
    assert info.value.index == 2 and info.value.text == "oops"


def test_parse_cells_objects():
    values, flags = parse_cells_objects(pa.chunked_array([["1 e", ":"], [": c", "2 "]]))
    assert flags.dtype == object and flags.tolist() == ["e", None, "c", None]
    assert values[0] == 1.0 and math.isnan(values[1]) and values[3] == 2.0
    values, flags = parse_cells_objects([])
    assert len(values) == 0 and len(flags) == 0


def test_leading_blanks_take_the_slower_cast():
    values, flags = parse_cells(["  5 e", "6"])
    assert values.tolist() == [5.0, 6.0] and flags.to_pylist() == ["e", None]


def test_parse_cells_chunked_and_empty():
    chunked = pa.chunked_array([["1 e", ":"], ["2"]])
    values, flags = parse_cells(chunked)
    assert values.tolist()[0] == 1.0 and flags.to_pylist() == ["e", None, None]
    values, flags = parse_cells([])
    assert len(values) == 0 and len(flags) == 0


ALPHABET = "0123456789.:+- \t" + FLAG_LETTERS + "xEaNI"


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=8))
def test_vectorised_parser_agrees_with_single_cell_parser(text):
    """The fast trim-and-cast path must accept exactly what the regular expression accepts."""
    try:
        expected = parse_cell(text)
    except CellError:
        expected = None
    try:
        values, flags = parse_cells([text])
    except CellError:
        assert expected is None
        return
    assert expected is not None, f"fast path accepted {text!r}"
    value, flag = expected
    got = values[0]
    assert (value is None and math.isnan(got)) or got == value
    assert flags.to_pylist() == [flag]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.one_of(st.none(), st.floats(-1e9, 1e9, allow_nan=False).map(lambda v: round(v, 3))),
            st.text(alphabet=FLAG_LETTERS, max_size=3),
        ),
        max_size=30,
    )
)
def test_round_trip_of_well_formed_cells(cells):
    texts = [(":" if v is None else f"{v:.3f}") + " " + f for v, f in cells]
    values, flags = parse_cells(texts)
    for (v, f), got, got_flag in zip(cells, values, flags.to_pylist(), strict=True):
        assert (v is None and math.isnan(got)) or got == pytest.approx(v)
        assert got_flag == (f or None)
