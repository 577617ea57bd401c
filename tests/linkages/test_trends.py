"""Shift-share (classic, Esteban-Marquillas, dynamic), job creation and the portfolio."""

from __future__ import annotations

import ibis
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clusteratlas.engine import connect
from clusteratlas.linkages.portfolio import portfolio
from clusteratlas.linkages.shiftshare import (
    dynamic_shift_share,
    esteban_marquillas,
    shift_share,
)

CON = connect()


def run(expr) -> pd.DataFrame:
    return CON.to_pandas(expr)


def frame(rows) -> ibis.Table:
    return ibis.memtable(
        pd.DataFrame(rows, columns=["region", "cluster", "year", "employment"]).astype(
            {"employment": float}
        )
    )


# Two regions x two clusters. 2015: R1 = (A 60, B 40), R2 = (A 40, B 160); 2020: R1 = (A 90,
# B 30), R2 = (A 50, B 150).
TWO = [
    ("R1", "A", 2015, 60), ("R1", "B", 2015, 40), ("R2", "A", 2015, 40), ("R2", "B", 2015, 160),
    ("R1", "A", 2020, 90), ("R1", "B", 2020, 30), ("R2", "A", 2020, 50), ("R2", "B", 2020, 150),
]  # fmt: skip


def test_esteban_marquillas_by_hand() -> None:
    """R1, cluster A, 2015 -> 2020, computed by hand.

    Benchmark: total 300 -> 320 (g_N = 1/15), A 100 -> 140 (g_NA = 0.4).
    R1 total 100; homothetic E* = 100 * 100 / 300 = 33.333; g_rA = 90/60 - 1 = 0.5;
    g_rA - g_NA = 0.1. NS = 60/15 = 4; IM = 60 (0.4 - 1/15) = 20; RS = 60 * 0.1 = 6;
    CE = 33.333 * 0.1 = 3.333; AE = (60 - 33.333) * 0.1 = 2.667; expected = 60 * 0.4 = 24.
    """
    got = run(shift_share(frame(TWO), 2015, 2020)).set_index(["region", "cluster"])
    row = got.loc[("R1", "A")]
    assert row.actual_change == 30
    assert row.national_share == pytest.approx(4.0)
    assert row.industry_mix == pytest.approx(20.0)
    assert row.regional_shift == pytest.approx(6.0)
    assert row.expected_change == pytest.approx(24.0)
    assert row.homothetic_employment == pytest.approx(100 / 3)
    assert row.competitive_effect == pytest.approx(10 / 3)
    assert row.allocation_effect == pytest.approx(8 / 3)
    # the allocation effect is positive: R1 is specialised in A (LQ 1.8) and competitive there
    hom, ce, ae = esteban_marquillas(60.0, 90.0, 100.0, 100.0, 300.0, 0.4)
    assert (hom, ce + ae) == pytest.approx((100 / 3, 6.0))


def test_new_cell_is_all_regional_shift() -> None:
    rows = [*TWO, ("R1", "C", 2020, 5)]
    got = run(shift_share(frame(rows), 2015, 2020)).set_index(["region", "cluster"])
    row = got.loc[("R1", "C")]
    assert (row.employment_start, row.national_share, row.industry_mix) == (0, 0, 0)
    assert row.regional_shift == 5
    assert pd.isna(row.competitive_effect)


cells = st.lists(
    st.tuples(
        st.sampled_from(["R1", "R2", "R3"]),
        st.sampled_from(["A", "B", "C"]),
        st.sampled_from([2010, 2011, 2012, 2013]),
        st.integers(0, 10_000),
    ),
    min_size=4,
    max_size=30,
    unique_by=lambda r: r[:3],
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cells)
def test_components_sum_to_actual_change(rows) -> None:
    t = frame(rows)
    years = sorted({r[2] for r in rows})
    if len(years) < 2 or sum(r[3] for r in rows if r[2] == years[0]) == 0:
        return  # no benchmark growth rate without two years and a non-empty start
    static = run(shift_share(t, years[0], years[-1]))
    total = static.national_share + static.industry_mix + static.regional_shift
    np.testing.assert_allclose(total, static.actual_change, atol=1e-6)
    both = static.dropna(subset=["competitive_effect"])
    np.testing.assert_allclose(
        both.competitive_effect + both.allocation_effect, both.regional_shift, atol=1e-6
    )
    if all(sum(r[3] for r in rows if r[2] == y) > 0 for y in years):
        dyn = run(dynamic_shift_share(t, years[0], years[-1]))
        total = dyn.national_share + dyn.industry_mix + dyn.regional_shift
        np.testing.assert_allclose(total, dyn.actual_change, atol=1e-6)
        merged = dyn.merge(static, on=["region", "cluster"], suffixes=("_d", "_s"))
        np.testing.assert_allclose(merged.actual_change_d, merged.actual_change_s, atol=1e-6)


def test_dynamic_equals_static_over_one_step() -> None:
    s = run(shift_share(frame(TWO), 2015, 2020)).sort_values(["region", "cluster"])
    d = run(dynamic_shift_share(frame(TWO), 2015, 2020)).sort_values(["region", "cluster"])
    for col in ("national_share", "industry_mix", "regional_shift"):
        np.testing.assert_allclose(d[col].to_numpy(), s[col].to_numpy())
    assert (d.steps == 1).all()


def test_portfolio_quadrants_by_hand() -> None:
    """LQs: R1 A 2015 = 0.6/(100/300) = 1.8, 2020 = (90/120)/(140/320) = 1.714 -> mature;
    R1 B 0.4/(200/300) = 0.6 -> (30/120)/(180/320) = 0.444 -> declining;
    R2 A 0.2/(1/3) = 0.6 -> (50/200)/(140/320) = 0.571 -> declining;
    R2 B 0.8/(2/3) = 1.2 -> (150/200)/(180/320) = 1.333 -> rising."""
    got = run(portfolio(frame(TWO), 2015, 2020)).set_index(["region", "cluster"])
    assert got.loc[("R1", "A"), "value_end"] == pytest.approx(0.75 / (140 / 320))
    assert got.loc[("R1", "A"), "change"] == pytest.approx(0.75 / (140 / 320) - 1.8)
    assert got.quadrant.to_dict() == {
        ("R1", "A"): "mature",
        ("R1", "B"): "declining",
        ("R2", "A"): "declining",
        ("R2", "B"): "rising",
    }
    share = run(portfolio(frame(TWO), 2015, 2020, measure="share")).set_index(["region", "cluster"])
    # share measure: R1's share of A 0.6 -> 90/140; reference R1 total share 1/3 -> 120/320
    assert share.loc[("R1", "A"), "value_end"] == pytest.approx(90 / 140)
    assert share.loc[("R1", "A"), "reference_end"] == pytest.approx(120 / 320)
    # R1's share of A rose by 90/140 - 0.6 = 0.0429, more than its overall share (+0.0417):
    # rising on the CMP chart although its LQ fell
    assert share.loc[("R1", "A"), "quadrant"] == "rising"
    assert share.loc[("R2", "B"), "quadrant"] == "rising"
