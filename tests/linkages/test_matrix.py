"""Tidy panels to year matrices (:func:`clusteratlas.linkages.matrix.year_matrices`).

A pandas frame and an Arrow table (plain strings or dictionaries, one chunk or many with
different dictionaries) must give the same matrices as a plain groupby + pivot, whatever the
block size, the year grouping and the order of the rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clusteratlas.errors import InputError
from clusteratlas.linkages import matrix as mx
from clusteratlas.linkages.matrix import year_matrices


def _reference(frame: pd.DataFrame, drop_empty: bool = True) -> dict[int, pd.DataFrame]:
    """The matrices the slow way: sum duplicate cells, pivot, fill 0, drop empty lines."""
    f = frame.assign(employment=pd.to_numeric(frame.employment).fillna(0.0))
    regions = sorted(f.region.astype(str).unique())
    units = sorted(f.industry.astype(str).unique())
    out = {}
    for y, part in f.groupby("year"):
        wide = part.pivot_table(
            index="region", columns="industry", values="employment", aggfunc="sum"
        )
        wide = wide.reindex(index=regions, columns=units).fillna(0.0)
        if drop_empty:
            wide = wide.loc[wide.sum(axis=1) > 0, wide.sum(axis=0) > 0]
        out[int(y)] = wide
    return out


def _as_tables(frame: pd.DataFrame) -> dict[str, object]:
    """The same panel as a frame, a categorical frame and three Arrow layouts."""
    plain = pa.Table.from_pandas(frame, preserve_index=False)
    half = len(frame) // 2
    # two chunks, dictionary-encoded separately: different dictionaries in different orders
    parts = [frame.iloc[:half], frame.iloc[half:].iloc[::-1]]
    chunks = [
        pa.Table.from_pandas(p, preserve_index=False).select(["region", "industry"]) for p in parts
    ]
    dict_tables = [
        pa.table(
            {
                "region": c.column("region").dictionary_encode(),
                "industry": c.column("industry").dictionary_encode(),
                "year": pa.array(p.year.to_numpy()),
                "employment": pa.array(p.employment.to_numpy(), from_pandas=True),
            }
        )
        for c, p in zip(chunks, parts, strict=True)
    ]
    cat = frame.assign(
        region=pd.Categorical(frame.region, categories=sorted(set(frame.region))[::-1]),
        industry=frame.industry.astype("category"),
    )
    return {
        "pandas": frame,
        "categorical": cat,
        "arrow": plain,
        "arrow-dictionary-chunks": pa.concat_tables(dict_tables),
        "arrow-categorical": pa.Table.from_pandas(cat, preserve_index=False),
    }


def _assert_same(got: list, want: dict[int, pd.DataFrame]) -> None:
    assert [m.year for m in got] == sorted(want)
    for m in got:
        w = want[m.year]
        assert m.regions.tolist() == list(w.index)
        assert m.units.tolist() == list(w.columns)
        np.testing.assert_allclose(m.values, w.to_numpy(), rtol=0, atol=1e-9)


panels = st.lists(
    st.tuples(
        st.sampled_from(["A", "B", "C", "D10", "D2"]),
        st.sampled_from(["i1", "i2", "i3", "x"]),
        st.sampled_from([2001, 2003, 2004, 2020]),
        st.one_of(st.integers(0, 50).map(float), st.just(float("nan"))),
    ),
    min_size=1,
    max_size=60,
)


@settings(max_examples=60, deadline=None)
@given(
    rows=panels,
    block=st.sampled_from([1, 3, 7, 1 << 20]),
    masked=st.sampled_from([0, 1, 16]),
    limit=st.sampled_from([1, 10, 50_000_000]),
)
def test_every_input_layout_equals_a_pivot(rows, block, masked, limit) -> None:
    frame = pd.DataFrame(rows, columns=["region", "industry", "year", "employment"])
    want = _reference(frame)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(mx, "BLOCK_ROWS", block)  # blocks of one row up to one block
        mp.setattr(mx, "MASKED_YEARS", masked)  # 0: every multi-year block is sorted by year
        mp.setattr(mx, "CUBE_LIMIT", limit)  # 1: one pass over the rows per year
        for name, panel in _as_tables(frame).items():
            got = list(year_matrices(panel))
            try:
                _assert_same(got, want)
            except AssertionError as exc:  # pragma: no cover - the message names the layout
                raise AssertionError(f"{name}: {exc}") from exc


def test_duplicates_are_summed_and_missing_values_count_zero() -> None:
    frame = pd.DataFrame(
        {
            "region": ["B", "A", "B", "A", "A"],
            "industry": ["x", "y", "x", "x", "y"],
            "year": 2020,
            "employment": [1.0, 2.0, 3.0, np.nan, 4.5],
        }
    )
    for panel in _as_tables(frame).values():
        (m,) = year_matrices(panel)
        assert m.regions.tolist() == ["A", "B"] and m.units.tolist() == ["x", "y"]
        assert m.values.tolist() == [[0.0, 6.5], [4.0, 0.0]]


def test_years_are_chosen_sorted_and_empty_lines_kept_on_request() -> None:
    frame = pd.DataFrame(
        {
            "region": ["A", "B", "A", "C"],
            "industry": ["x", "y", "y", "x"],
            "year": [2021, 2020, 2022, 2021],
            "employment": [1, 2, 3, 4],
        }
    )
    for panel in _as_tables(frame).values():
        got = list(year_matrices(panel, years=[2022, 2020, 2022]))
        assert [m.year for m in got] == [2020, 2022]
        assert got[0].regions.tolist() == ["B"] and got[0].units.tolist() == ["y"]
        (full,) = year_matrices(panel, years=[2021], drop_empty=False)
        assert full.regions.tolist() == ["A", "B", "C"] and full.units.tolist() == ["x", "y"]
        assert full.values.tolist() == [[1.0, 0.0], [0.0, 0.0], [4.0, 0.0]]


def test_a_yielded_year_is_held_by_its_consumer_alone() -> None:
    """Each year is its own array: the generator keeps no reference to a year it gave out,
    so a consumer that drops a year frees its memory (no cube kept to the end)."""
    import sys

    frame = pd.DataFrame(
        {
            "region": ["A", "B"] * 3,
            "industry": ["x", "y"] * 3,
            "year": [1, 1, 2, 2, 3, 3],
            "employment": 1.0,
        }
    )
    gen = year_matrices(frame)
    first = next(gen)
    base = first.values if first.values.base is None else first.values.base
    assert sys.getrefcount(base) <= 3  # `base`, getrefcount's argument, first.values' view
    assert all(m.values.base is not base for m in gen)


@pytest.mark.parametrize("layout", ["pandas", "arrow"])
def test_negative_values_name_their_row_in_any_block(layout, monkeypatch) -> None:
    monkeypatch.setattr(mx, "BLOCK_ROWS", 2)
    frame = pd.DataFrame(
        {
            "region": list("ABCDE"),
            "industry": "x",
            "year": 2020,
            "employment": [1.0, 2.0, 3.0, 4.0, -1.0],
        }
    )
    panel = frame if layout == "pandas" else pa.Table.from_pandas(frame)
    with pytest.raises(InputError, match="negative employment in row 5") as err:
        list(year_matrices(panel))
    assert err.value.column == "employment"


@pytest.mark.parametrize("layout", ["pandas", "arrow"])
def test_bad_panels_are_refused_in_one_line(layout) -> None:
    good = pd.DataFrame(
        {
            "region": ["A", "B"],
            "industry": ["x", "y"],
            "year": [2020, 2020],
            "employment": [1.0, 2.0],
        }
    )

    def panel(frame: pd.DataFrame) -> object:
        return frame if layout == "pandas" else pa.Table.from_pandas(frame)

    with pytest.raises(InputError, match="missing column 'employment'"):
        list(year_matrices(panel(good.drop(columns="employment"))))
    with pytest.raises(InputError, match="the panel has no year 2019"):
        list(year_matrices(panel(good), years=[2019]))
    with pytest.raises(InputError, match="missing region or unit code"):
        list(year_matrices(panel(good.assign(region=["A", None]))))
    with pytest.raises(InputError, match="years must be whole numbers"):
        list(year_matrices(panel(good.assign(year=["2020", "soon"]))))


def test_numeric_codes_and_text_values_are_read_as_the_frame_path_reads_them() -> None:
    frame = pd.DataFrame(
        {
            "region": [11, 2, 11],
            "industry": ["x", "x", "y"],
            "year": ["2020"] * 3,
            "employment": ["1", "2", "n/a"],
        }
    )
    want = next(year_matrices(frame))
    got = next(year_matrices(pa.Table.from_pandas(frame)))
    assert want.regions.tolist() == got.regions.tolist() == ["11", "2"]
    # "n/a" counts 0, so industry y (nothing else) is dropped as empty
    assert want.units.tolist() == got.units.tolist() == ["x"]
    assert want.values.tolist() == got.values.tolist() == [[1.0], [2.0]]
