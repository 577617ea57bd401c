"""Concordance: look-ups, summary, composition and conversion on hand examples."""

from __future__ import annotations

import pandas as pd
import pytest

from clusteratlas.classifications.concordance import Concordance
from clusteratlas.errors import InputError


@pytest.fixture()
def conc() -> Concordance:
    links = pd.DataFrame(
        {"source": ["a", "a", "b", "c"], "target": ["X", "Y", "Y", "Z"], "w": [0.25, 0.75, 1, 1]}
    )
    return Concordance("S", "T", links)


def test_lookups_and_summary(conc: Concordance) -> None:
    assert conc.targets("a") == ["X", "Y"]
    assert conc.sources("Y") == ["a", "b"]
    assert conc.targets("zzz") == []
    assert conc.summary() == {
        "links": 4,
        "sources": 3,
        "targets": 3,
        "one_to_one": 1,  # c -> Z
        "split_sources": 1,  # a
        "merged_targets": 1,  # Y
    }
    inv = conc.inverse()
    assert (inv.source, inv.target) == ("T", "S")
    assert inv.targets("Y") == ["a", "b"]


def test_compose() -> None:
    ab = Concordance("A", "B", pd.DataFrame({"source": ["1", "2"], "target": ["x", "x"]}))
    bc = Concordance("B", "C", pd.DataFrame({"source": ["x", "x"], "target": ["p", "q"]}))
    ac = ab.compose(bc)
    assert (ac.source, ac.target) == ("A", "C")
    assert sorted(ac.targets("1")) == ["p", "q"]
    with pytest.raises(InputError):
        bc.compose(bc)


def test_convert_with_weights_and_equal_split(conc: Concordance) -> None:
    data = pd.DataFrame({"region": ["R", "R", "R"], "code": ["a", "b", "c"], "emp": [8.0, 2, 5]})
    out = conc.convert(data, "code", "emp", weight_col="w")
    assert out.set_index("code")["emp"].to_dict() == {"X": 2.0, "Y": 8.0, "Z": 5.0}
    eq = conc.convert(data, "code", "emp", split="equal")
    assert eq.set_index("code")["emp"].to_dict() == {"X": 4.0, "Y": 6.0, "Z": 5.0}
    assert out["emp"].sum() == data["emp"].sum() == eq["emp"].sum()


def test_convert_refuses_silent_splits(conc: Concordance) -> None:
    data = pd.DataFrame({"code": ["a"], "emp": [1.0]})
    with pytest.raises(InputError) as info:
        conc.convert(data, "code", "emp")
    assert info.value.parameter == "split"
    merged = conc.convert(pd.DataFrame({"code": ["b", "c"], "emp": [1.0, 2.0]}), "code", "emp")
    assert merged["emp"].tolist() == [1.0, 2.0]
    with pytest.raises(InputError, match="no link"):
        conc.convert(pd.DataFrame({"code": ["q"], "emp": [1.0]}), "code", "emp")


def test_missing_columns() -> None:
    with pytest.raises(InputError):
        Concordance("S", "T", pd.DataFrame({"source": ["a"]}))
