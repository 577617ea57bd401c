"""Converting observations between NUTS versions (hand-computed, property and real-data tests)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clusteratlas.errors import InputError
from clusteratlas.transform.nuts_changes import Change, ChangeTable
from clusteratlas.transform.nuts_official import official_change_table
from clusteratlas.transform.nuts_versions import convert_frame

TOY = ChangeTable(
    "2016",
    "2021",
    [
        Change("XA11", "XA13", "merge", 2),  # XA13 = XA11 + XA12
        Change("XA12", "XA13", "merge", 2),
        Change("XA21", "XA22", "recode", 2),
        Change("XA31", "XA32", "boundary", 2),
        Change("XA41", "XA42", "split", 2),  # XA41 split into XA42 and XA43
        Change("XA41", "XA43", "split", 2),
        Change("XA51", None, "discontinued", 2),
    ],
    "toy",
    from_codes=frozenset(["XA", "XA1", "XA11", "XA12", "XA21", "XA31", "XA41", "XA51", "XA61"]),
    to_codes=frozenset(
        ["XA", "XA1", "XA13", "XA22", "XA32", "XA4", "XA42", "XA43", "XA420", "XA61"]
    ),
)


def _frame(rows):
    return pd.DataFrame(rows, columns=["region", "year", "measure", "value", "flag"])


def _by_region(conv, measure="employment"):
    f = conv.frame[conv.frame["measure"] == measure]
    return {r.region: (r.value, r.nuts_action, r.flag) for r in f.itertuples()}


def test_hand_computed_actions():
    df = _frame(
        [
            ("XA11", 2018, "employment", 100.0, "e"),
            ("XA12", 2018, "employment", 50.0, "p"),
            ("XA21", 2018, "employment", 7.0, None),
            ("XA31", 2018, "employment", 9.0, None),
            ("XA41", 2018, "employment", 30.0, None),
            ("XA51", 2018, "employment", 5.0, None),
            ("XA61", 2018, "employment", 3.0, None),
            ("EU28", 2018, "employment", 1000.0, None),
            ("XA11", 2018, "rate", 4.0, None),
            ("XA12", 2018, "rate", 6.0, None),
        ]
    )
    conv = convert_frame(df, TOY, additive={"employment"}, rebuild=False)
    emp = _by_region(conv)
    assert emp["XA13"] == (150.0, "merge", "ep")  # 100 + 50, flags combined
    assert emp["XA22"] == (7.0, "recode", None)
    assert emp["XA32"] == (9.0, "boundary", None)  # carried over, flagged by its action
    for t in ("XA42", "XA43"):  # split: never apportioned
        assert math.isnan(emp[t][0]) and emp[t][1] == "split"
    assert "XA51" not in emp  # discontinued: dropped
    assert emp["XA61"] == (3.0, "unchanged", None)
    assert emp["EU28"][1] == "kept-unknown"
    rate = _by_region(conv, "rate")
    assert math.isnan(rate["XA13"][0]) and rate["XA13"][1] == "merge-nonadditive"
    rep = conv.report.set_index(["code_from", "code_to"])
    assert rep.loc[("XA11", "XA13"), "rows_in"] == 2  # employment and rate rows
    assert rep.loc[("XA11", "XA13"), "rows_out"] == 1  # only the additive one got a value
    assert rep.loc[("XA51", ""), "action"] == "dropped"
    assert rep.loc[("*", "*"), "rows_in"] == 1  # XA61


def test_incomplete_merge_and_rebuild_from_children():
    df = _frame(
        [
            ("XA11", 2018, "employment", 100.0, None),  # XA12 missing -> incomplete
            ("XA41", 2018, "employment", 30.0, None),
            ("XA420", 2018, "employment", 12.0, None),  # the only child of XA42 (new code)
        ]
    )
    conv = convert_frame(df, TOY, additive=True)
    emp = _by_region(conv)
    assert math.isnan(emp["XA13"][0]) and emp["XA13"][1] == "merge-incomplete"
    assert emp["XA42"][:2] == (12.0, "rebuilt-from-children")
    assert math.isnan(emp["XA43"][0])
    no_rebuild = _by_region(convert_frame(df, TOY, additive=True, rebuild=False))
    assert math.isnan(no_rebuild["XA42"][0])


def test_bad_input():
    with pytest.raises(InputError, match="no 'value' column"):
        convert_frame(pd.DataFrame({"region": ["XA11"]}), TOY)
    dup = _frame([("XA11", 2018, "e", 1.0, None), ("XA11", 2018, "e", 2.0, None)])
    with pytest.raises(InputError, match="share the key"):
        convert_frame(dup, TOY)


@settings(max_examples=60, deadline=None)
@given(
    parts=st.lists(
        st.one_of(st.none(), st.floats(0, 1e6, allow_nan=False)), min_size=2, max_size=5
    ),
    other=st.floats(0, 1e6, allow_nan=False),
)
def test_property_exact_merge_preserves_the_total(parts, other):
    """Summing an exact merge keeps the grand total; a missing part never yields a value."""
    codes = [f"ZZ1{i}" for i in range(len(parts))]
    table = ChangeTable("2016", "2021", [Change(c, "ZZ20", "merge", 2) for c in codes], "p")
    rows = [(c, 2018, "employment", v, None) for c, v in zip(codes, parts, strict=True)]
    rows.append(("ZZ30", 2018, "employment", other, None))
    conv = convert_frame(_frame(rows), table, additive=True)
    got = _by_region(conv)
    if all(v is not None for v in parts):
        assert got["ZZ20"][0] == pytest.approx(sum(parts))
        total = conv.frame["value"].sum()
        assert total == pytest.approx(sum(parts) + other)
    else:
        assert math.isnan(got["ZZ20"][0]) and got["ZZ20"][1] == "merge-incomplete"
    assert got["ZZ30"][0] == other


@pytest.fixture(scope="module")
def official(shared_data):
    return official_change_table(shared_data)


def test_real_ballatore_nuts2_2016_to_2021(shared_file, official):
    """NUTS 2 indicators (NUTS 2016): population and GDP are additive, unemployment is not."""
    raw = pd.read_csv(shared_file("eu_indicators/ballatore_eurostat_nuts0_nuts2_2007_2018.csv.gz"))
    df = raw.rename(columns={"geo": "region", "variable": "measure"})
    df = df.drop(columns=["nuts_name", "nuts_level"])
    conv = convert_frame(df, official, additive={"region_population", "region_gdp"})
    # HR04 (132 rows) -> HR02/HR05/HR06; NO01, NO03, NO04, NO05 (123 rows each) -> NO08/09/0A
    assert len(conv.frame) == len(df) - 132 - 4 * 123 + 3 * 132 + 3 * 123 == 43755
    assert conv.counts() == {
        "unchanged": 42050,
        "keep": 817,
        "split": 396,
        "partial": 369,
        "boundary": 123,
    }
    rep = conv.report.set_index(["code_from", "code_to"])
    # HR04 (132 rows, 2007-2018) split into HR02, HR05, HR06: flagged, never apportioned
    for t in ("HR02", "HR05", "HR06"):
        assert rep.loc[("HR04", t), "change"] == "split"
        assert rep.loc[("HR04", t), "rows_in"] == 132 and rep.loc[("HR04", t), "rows_out"] == 0
    # Norway's regional reform: NO01 lies wholly inside NO08 but NO08 also took part of NO03
    assert rep.loc[("NO01", "NO08"), "change"] == "merge"
    assert rep.loc[("NO01", "NO08"), "action"] == "partial"
    f = conv.frame
    pop = f[(f["measure"] == "region_population") & (f["year"] == 2016)].set_index("region")
    assert pop.loc["HR03", "value"] == 1394290.0  # unchanged region copied as is
    assert np.isnan(pop.loc["HR05", "value"]) and pop.loc["HR05", "nuts_from"] == "HR04"
    assert "HR04" not in pop.index and "NO01" not in pop.index
    assert pop.loc["NO02", "nuts_action"] == "keep"  # renamed only
    assert set(f.loc[f["region"] == "NO", "nuts_action"]) == {"boundary"}  # NUTS 0 rows


def test_real_eurito_patents_nuts3_merges(shared_file, official):
    """EPO applications (counts, NUTS 3, 2012): merges summed and checked by hand."""
    raw = pd.read_csv(shared_file("eu_indicators/eurito_eurostat_regional_indicators.csv.gz"))
    df = raw[(raw["indicator"] == "pat_ep_rtot_nr") & (raw["year"] == 2012)]
    df = df.rename(columns={"region_id": "region", "indicator": "measure"})
    conv = convert_frame(df[["region", "measure", "year", "value"]], official, additive=True)
    v = conv.frame.set_index("region")["value"]
    a = conv.frame.set_index("region")["nuts_action"]
    assert v["NO020"] == pytest.approx(1.50 + 3.53)  # = NO02 in the source, 5.03
    assert v["NO082"] == pytest.approx(57.19 + 9.58 + 11.95)
    assert v["BE328"] == pytest.approx(5.71 + 1.12)  # Tournai + Mouscron
    assert v["ITG2D"] == pytest.approx(0.89 + 2.87)  # Sassari + Olbia-Tempio
    assert a["NO074"] == "merge-incomplete"  # NO073 has no value in the source
    # NUTS 2 rebuilt from the converted NUTS 3 regions
    assert v["NO08"] == pytest.approx(89.21 + 78.72) and a["NO08"] == "rebuilt-from-children"
    assert v["NO0A"] == pytest.approx(66.57 + 18.38 + 23.47)
    # NO09 + NO0A = ex-NO033 + ex-NO034 + ex-NO04 + ex-NO05
    assert v["NO09"] + v["NO0A"] == pytest.approx(25.20 + 7.81 + 80.30 + 41.85)
    assert v["HR05"] == 0.50 and a["HR05"] == "rebuilt-from-children"  # = ex-HR041
    assert np.isnan(v["HR06"])  # HR046 has no value: cannot rebuild
    assert np.isnan(v["ITG2F"]) and a["ITG2F"] == "partial"
    assert a["BE32A"] == "boundary" and v["BE32A"] == 5.65
