"""Hierarchy: navigation and roll-up on a hand-made tree, plus a property test."""

from __future__ import annotations

import hypothesis.strategies as st
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings

from clusteratlas.classifications.hierarchy import Hierarchy
from clusteratlas.errors import InputError

# A (section) ─ 01 ─ 01.1 ─ 01.11, 01.12
#               └─ 02 ─ 02.1 ─ 02.10
# B (section) ─ 05 ─ 05.1 ─ 05.10
TOY = [
    ("A", None, 1, "Agriculture"),
    ("01", "A", 2, "Crops"),
    ("01.1", "01", 3, "Non-perennial"),
    ("01.11", "01.1", 4, "Cereals"),
    ("01.12", "01.1", 4, "Rice"),
    ("02", "A", 2, "Forestry"),
    ("02.1", "02", 3, "Silviculture"),
    ("02.10", "02.1", 4, "Silviculture"),
    ("B", None, 1, "Mining"),
    ("05", "B", 2, "Coal"),
    ("05.1", "05", 3, "Hard coal"),
    ("05.10", "05.1", 4, "Hard coal"),
]


@pytest.fixture()
def toy() -> Hierarchy:
    return Hierarchy("toy", TOY)


def test_navigation(toy: Hierarchy) -> None:
    assert len(toy) == 12
    assert toy.roots() == ["A", "B"]
    assert toy.parent("01.11") == "01.1"
    assert toy.parent("A") is None
    assert toy.children("A") == ["01", "02"]
    assert toy.children("01.11") == []
    assert toy.ancestors("01.12") == ["01.1", "01", "A"]
    assert toy.descendants("A") == ["01", "01.1", "01.11", "01.12", "02", "02.1", "02.10"]
    assert toy.level_of("02.1") == 3
    assert toy.codes_at(2) == ["01", "02", "05"]
    assert toy.levels == [1, 2, 3, 4]
    assert toy.leaves() == ["01.11", "01.12", "02.10", "05.10"]
    assert toy.ancestor_at("01.12", 2) == "01"
    assert toy.ancestor_at("01", 2) == "01"
    assert toy.ancestor_at("01", 4) is None
    assert toy.label("05") == "Coal"
    assert "01.11" in toy and "99" not in toy


def test_to_frame_has_store_columns(toy: Hierarchy) -> None:
    frame = toy.to_frame()
    assert list(frame.columns) == ["classification", "code", "parent", "level", "label"]
    assert frame.loc[frame["code"] == "01.11", "parent"].item() == "01.1"
    assert set(frame["classification"]) == {"toy"}


def test_bad_trees_are_input_errors() -> None:
    with pytest.raises(InputError, match="twice"):
        Hierarchy("x", [("A", None, 1, ""), ("A", None, 1, "")])
    with pytest.raises(InputError, match="not a x code"):
        Hierarchy("x", [("A1", "A", 2, "")])
    with pytest.raises(InputError, match="not deeper"):
        Hierarchy("x", [("A", None, 2, ""), ("A1", "A", 2, "")])
    with pytest.raises(InputError, match="not a x code"):
        Hierarchy("x", [("A", None, 1, "")]).parent("B")


def test_roll_up_by_hand(toy: Hierarchy) -> None:
    data = pd.DataFrame(
        {
            "region": ["R1", "R1", "R1", "R1", "R2", "R2"],
            "code": ["01.11", "01.12", "02.10", "05.10", "01.11", "01.12"],
            "emp": [10.0, 5.0, 3.0, 7.0, 2.0, np.nan],
        }
    )
    div = toy.roll_up(data, "code", "emp", 2)
    expected = pd.DataFrame(
        {"region": ["R1", "R1", "R1", "R2"], "code": ["01", "02", "05", "01"],
         "emp": [15.0, 3.0, 7.0, 2.0]}
    )  # fmt: skip
    pd.testing.assert_frame_equal(div, expected)
    sec = toy.roll_up(data, "code", ["emp"], 1)
    assert sec.set_index(["region", "code"])["emp"].to_dict() == {
        ("R1", "A"): 18.0,
        ("R1", "B"): 7.0,
        ("R2", "A"): 2.0,
    }


def test_roll_up_keeps_all_missing_as_missing(toy: Hierarchy) -> None:
    data = pd.DataFrame({"code": ["01.11", "01.12"], "emp": [np.nan, np.nan]})
    out = toy.roll_up(data, "code", "emp", 2)
    assert out["emp"].isna().all()


def test_roll_up_errors(toy: Hierarchy) -> None:
    with pytest.raises(InputError) as info:
        toy.roll_up(pd.DataFrame({"code": ["01.11", "01"], "emp": [1, 2]}), "code", "emp", 2)
    assert "twice" in info.value.message and info.value.column == "code"
    with pytest.raises(InputError, match="coarser"):
        toy.roll_up(pd.DataFrame({"code": ["A"], "emp": [1]}), "code", "emp", 2)
    with pytest.raises(InputError, match="not a toy code"):
        toy.roll_up(pd.DataFrame({"code": ["zz"], "emp": [1]}), "code", "emp", 2)
    with pytest.raises(InputError) as info:
        toy.roll_up(pd.DataFrame({"code": ["01.11"], "emp": [1]}), "code", "emp", 7)
    assert info.value.parameter == "to_level"
    with pytest.raises(InputError) as info:
        toy.roll_up(pd.DataFrame({"code": ["01.11"]}), "code", "emp", 2)
    assert info.value.column == "emp"


def test_roll_up_table_matches_pandas(toy: Hierarchy) -> None:
    import ibis

    from clusteratlas.engine import connect

    data = pd.DataFrame(
        {"region": ["R1", "R1", "R2"], "code": ["01.11", "02.10", "01.12"], "emp": [1.0, 2.0, 4.0]}
    )
    expr = toy.roll_up_table(ibis.memtable(data), "code", "emp", 1)
    got = connect().to_pandas(expr).reset_index(drop=True)
    want = toy.roll_up(data, "code", "emp", 1)
    pd.testing.assert_frame_equal(got[want.columns], want, check_dtype=False)


LEAVES = ["01.11", "01.12", "02.10", "05.10"]


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from(["R1", "R2", "R3"]),
            st.sampled_from(LEAVES),
            st.floats(min_value=0, max_value=1e6, allow_nan=False),
        ),
        min_size=1,
        max_size=30,
        unique_by=lambda r: (r[0], r[1]),
    ),
    level=st.sampled_from([1, 2, 3, 4]),
)
def test_roll_up_preserves_totals(rows, level) -> None:
    toy = Hierarchy("toy", TOY)
    data = pd.DataFrame(rows, columns=["region", "code", "emp"])
    out = toy.roll_up(data, "code", "emp", level)
    assert out["emp"].sum() == pytest.approx(data["emp"].sum(), rel=1e-12, abs=1e-6)
    by_region_in = data.groupby("region")["emp"].sum()
    by_region_out = out.groupby("region")["emp"].sum()
    pd.testing.assert_series_equal(by_region_in, by_region_out, rtol=1e-12)
    assert set(out["code"]) <= set(toy.codes_at(level))
