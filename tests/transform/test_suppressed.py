"""Gap-filling: the ECO parent-residual split and CBP size-class midpoints."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clusteratlas.errors import InputError
from clusteratlas.transform.suppressed import (
    CBP_MIDPOINTS,
    CBP_SIZE_RANGES,
    cbp_midpoint,
    eco_parent_split,
    impute_cbp,
    impute_eco,
    impute_frame,
)

# A slice of NACE Rev. 2: section C > division 10 > groups 10.1, 10.2, 10.3 > classes
PARENTS = {
    "C": None,
    "10": "C",
    "10.1": "10",
    "10.2": "10",
    "10.3": "10",
    "10.11": "10.1",
    "10.12": "10.1",
    "10.13": "10.1",
    "10.20": "10.2",
    "10.31": "10.3",
    "10.32": "10.3",
    "11": "C",
    "11.0": "11",
    "11.01": "11.0",
}


def test_brief_example_groups_as_leaves():
    # division 10 = 100, group 10.1 = 40, 10.2 and 10.3 missing -> residual 60, 30 each
    out = eco_parent_split({"10": 100, "10.1": 40}, PARENTS, ["10.2", "10.3"])
    assert {c: s.value for c, s in out.items()} == {"10.2": 30.0, "10.3": 30.0}
    assert {s.parent for s in out.values()} == {"10"} and out["10.2"].residual == 60


def test_hand_computed_classes_with_a_published_group():
    values = {
        "C": 500,
        "10": 100,
        "10.1": 40,  # published group: its missing classes split ITS residual
        "10.11": 25,
        "10.12": None,
        "10.13": None,
        "10.2": None,
        "10.20": None,
        "10.3": None,
        "10.31": 10,
        "10.32": None,
    }
    missing = ["10.12", "10.13", "10.20", "10.32"]
    out = eco_parent_split(values, PARENTS, missing)
    # 10.12, 10.13 -> parent 10.1: 40 - 25 = 15, 7.5 each
    assert out["10.12"].value == out["10.13"].value == 7.5
    assert out["10.12"].parent == "10.1"
    # 10.20, 10.32 -> parent 10 (10.2 and 10.3 unpublished): 100 - 40 (10.1) - 10 (10.31) = 50
    assert out["10.20"].value == out["10.32"].value == 25.0
    assert out["10.20"].parent == "10" and out["10.20"].shares == 2


def test_negative_residual_floored_and_no_parent_left_blank():
    out = eco_parent_split({"10": 30, "10.1": 40}, PARENTS, ["10.2"])
    assert out["10.2"].value == 0.0 and out["10.2"].residual == -10
    assert eco_parent_split({"10.1": 5}, PARENTS, ["10.20"]) == {}  # no valued ancestor
    assert eco_parent_split({"11": np.nan}, PARENTS, ["11.01"]) == {}


def test_cycle_in_parent_map_is_an_input_error():
    with pytest.raises(InputError, match="cycle"):
        eco_parent_split({"X": 1}, {"A": "B", "B": "A"}, ["A"])


def _tree():
    """Random trees: root 'R' > k children > up to 3 grandchildren each."""
    return st.lists(st.integers(0, 3), min_size=1, max_size=5)


@settings(max_examples=80, deadline=None)
@given(
    shape=_tree(),
    data=st.data(),
)
def test_property_cover_sums_to_parent(shape, data):
    """After the split, each used parent = its nearest valued descendants + the filled cells."""
    parents: dict[str, str | None] = {"R": None}
    leaves = []
    for i, n in enumerate(shape):
        parents[f"R{i}"] = "R"
        kids = [f"R{i}.{j}" for j in range(n)] or [f"R{i}"]
        for k in kids:
            if k != f"R{i}":
                parents[k] = f"R{i}"
        leaves.extend(kids)
    codes = [c for c in parents if c != "R"]
    published = data.draw(st.sets(st.sampled_from(codes)))
    vals = {c: data.draw(st.floats(0, 100)) for c in published}
    total = sum(vals.values()) + data.draw(st.floats(0, 1000))
    vals["R"] = total
    missing = [c for c in leaves if c not in published]
    out = eco_parent_split(vals, parents, missing)
    for p in {s.parent for s in out.values()}:
        if min(s.residual for s in out.values() if s.parent == p) < 0:
            continue
        filled = sum(s.value for s in out.values() if s.parent == p)

        def nearest(code):
            q = parents[code]
            while q is not None and q not in vals:
                q = parents[q]
            return q

        cover = sum(v for c, v in vals.items() if c != p and nearest(c) == p)
        assert cover + filled == pytest.approx(vals[p])


def test_impute_eco_on_a_frame_keeps_flags():
    rows = [
        ("AT11", 2018, "10", 100.0, None),
        ("AT11", 2018, "10.1", 40.0, None),
        ("AT11", 2018, "10.2", None, "c"),
        ("AT11", 2018, "10.3", 12.0, "c"),  # flagged confidential: treated as missing
        ("AT12", 2018, "10", None, "c"),
        ("AT12", 2018, "10.1", 3.0, None),
        ("AT12", 2018, "10.2", None, "c"),  # parent missing too; C absent -> stays blank
    ]
    df = pd.DataFrame(rows, columns=["region", "year", "industry", "value", "flag"])
    out = impute_eco(df, PARENTS, keys=["region", "year"])
    at11 = out[out["region"] == "AT11"].set_index("industry")
    assert at11.loc["10.2", "value"] == 30.0 and at11.loc["10.3", "value"] == 30.0
    assert at11.loc["10.2", "imputed"] == "eco-parent-split:10"
    assert at11.loc["10.2", "flag"] == "c"  # original flag kept
    at12 = out[out["region"] == "AT12"].set_index("industry")
    assert np.isnan(at12.loc["10.2", "value"]) and pd.isna(at12.loc["10.2", "imputed"])
    assert pd.isna(at12.loc["10", "imputed"])  # not a leaf: not filled


def test_cbp_ranges_and_midpoints():
    assert cbp_midpoint(0, "A") == 10 and cbp_midpoint(0, "B") == 60
    assert cbp_midpoint(5, "C") == 180  # emp_reported + v(flag)
    assert cbp_midpoint(None, None) is None and cbp_midpoint(7, "G ") == 1757
    for letter, v in CBP_MIDPOINTS.items():
        lo, hi = CBP_SIZE_RANGES[letter]
        assert lo <= v and (hi is None or v <= hi + 1)
        if hi is not None:  # the published midpoint, rounded up to a round number
            assert abs(v - (lo + hi) / 2) <= 1
    assert "D" not in CBP_MIDPOINTS and "S" not in CBP_MIDPOINTS


def test_impute_cbp_frame_only_employment_with_size_flags():
    df = pd.DataFrame(
        {
            "measure": ["employment", "employment", "payroll", "employment"],
            "value": [None, 250.0, None, 0.0],
            "flag": ["B", None, "B", "E|noise=G"],
        }
    )
    out = impute_cbp(df)
    assert out["value"].tolist()[:2] == [60.0, 250.0]
    assert np.isnan(out["value"].iloc[2])  # payroll is not imputed
    assert out["value"].iloc[3] == 375.0
    assert out["imputed"].tolist() == ["cbp-midpoint:B", None, None, "cbp-midpoint:E"]


def test_method_none_and_bad_method():
    df = pd.DataFrame({"value": [None], "flag": ["c"]})
    out = impute_frame(df, "none")
    assert pd.isna(out["value"].iloc[0]) and pd.isna(out["imputed"].iloc[0])
    with pytest.raises(InputError, match="unknown method"):
        impute_frame(df, "mean")


@pytest.mark.parametrize("name", ["uscmp_state_clusters_2016", "uscmp_msa_clusters_2016"])
def test_cmp_published_imputations_are_sums_of_the_midpoints(shared_file, name):
    """In the CMP's real tables, emp - emp_reported is always a sum of CBP midpoints."""
    df = pd.read_csv(shared_file(f"us/{name}.csv.gz"), usecols=["emp_tl", "emp_reported_tl"])
    gap = (df["emp_tl"] - df["emp_reported_tl"]).astype(int)
    assert (gap >= 0).all()
    top = int(gap.max())
    reachable = np.zeros(top + 1, dtype=bool)
    reachable[0] = True
    for v in CBP_MIDPOINTS.values():
        for start in range(v, top + 1):
            if reachable[start - v]:
                reachable[start] = True
    assert reachable[gap.to_numpy()].all()
    # the most common non-zero gaps are single suppressed cells of sizes A and B
    common = gap[gap > 0].value_counts().index[:6].tolist()
    assert {10, 60} <= set(common)
