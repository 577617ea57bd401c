"""Hand-computed checks of each indicator function (numbers worked out in the comments)."""

from __future__ import annotations

import math

import ibis
import numpy as np
import pandas as pd
import pytest

from clusteratlas.errors import InputError
from clusteratlas.mapping import (
    Thresholds,
    benchmark_share,
    cagr,
    growth_rate,
    is_strong,
    location_quotient,
    lq_change,
    percentile_linear,
    region_share,
    shift_share,
    star_count,
    star_productivity,
    star_size,
    star_specialisation,
    strong_employment_share,
    wage,
    weighted_value,
)
from clusteratlas.mapping.levels import nuts_level, nuts_level_expr


def test_location_quotient_worked_example():
    # 30,000 / 1,000,000 = 3 % in the region; 2.4 M / 200 M = 1.2 % in the benchmark -> 2.5
    assert location_quotient(30_000, 1_000_000, 2_400_000, 200_000_000) == pytest.approx(2.5)


def test_location_quotient_on_arrays_and_ibis():
    e_rc = np.array([100.0, 50.0, 0.0])
    e_r = np.array([200.0, 300.0, 200.0])
    # benchmark: cluster 150 of 700. LQ_A = 0.5 / (3/14) = 7/3; LQ_B = (1/6)/(3/14) = 7/9
    lq = location_quotient(e_rc, e_r, 150.0, 700.0)
    np.testing.assert_allclose(lq, [7 / 3, 7 / 9, 0.0])
    t = ibis.memtable(pd.DataFrame({"e_rc": e_rc, "e_r": e_r}))
    expr = t.select(lq=location_quotient(t.e_rc, t.e_r, 150.0, 700.0))
    np.testing.assert_allclose(expr.to_pandas()["lq"], [7 / 3, 7 / 9, 0.0])


def test_shares():
    assert region_share(250, 1000) == 0.25  # a quarter of the region's jobs
    assert benchmark_share(30_000, 2_400_000) == 0.0125  # 1.25 % of the benchmark's cluster
    np.testing.assert_allclose(benchmark_share(np.array([1.0, 3.0]), 4.0), [0.25, 0.75])


def test_wage():
    assert wage(4_800_000, 100) == 48_000  # 4.8 M payroll over 100 jobs
    # CMP: private_wage = ap * 1000 / emp_reported: 489,088 ($000) / 10,811 jobs
    assert wage(489_088 * 1000, 10_811) == pytest.approx(45_239.848, rel=1e-7)


def test_weighted_value():
    assert weighted_value(200, 0.25) == 50  # a quarter of a 200-job industry


def test_percentile_linear_matches_definition_7():
    # sorted positives [1, 2, 3, 4, 10]; q = 0.75 -> position 0.75 * 4 = 3 -> 4
    assert percentile_linear([0, 1, 2, 3, 4, 10], 0.75) == 4.0
    # [1, 2, 3, 4]: q = 0.25 -> position 0.75 -> 1 + 0.75 * (2 - 1) = 1.75
    assert percentile_linear([1, 2, 3, 4], 0.25) == 1.75
    # q = 0.9 of [50, 100] -> 50 + 0.9 * 50 = 95
    assert percentile_linear([50, 100], 0.9) == 95.0
    assert math.isnan(percentile_linear([0, 0], 0.5))


def test_stars():
    assert star_size(30_000, 25_000) and not star_size(24_999, 25_000)
    assert star_specialisation(2.0) and not star_specialisation(1.99)
    assert star_specialisation(1.6, lq_min=1.5)
    assert not star_productivity(48_000, 54_000)
    # H.2 worked example: size and specialisation, no productivity -> 2 stars ("medium")
    assert int(star_count(True, True, False)) == 2
    np.testing.assert_array_equal(
        star_count(np.array([True, False]), np.array([True, False]), np.array([True, True])),
        [3, 1],
    )


def test_is_strong():
    # H.2: q75 = 1.3, q90 = 2.2; LQ 2.5, employment and establishments above their q25
    assert is_strong(2.5, 1.3, 30_000, 800, True)
    assert is_strong(2.5, 2.2, 30_000, 800, True)  # strong10
    assert not is_strong(0.9, 0.8, 30_000, 800, True)  # above q75 but LQ < 1
    assert not is_strong(2.5, 1.3, 800, 800, True)  # employment must be strictly above q25
    assert not is_strong(2.5, 1.3, 30_000, 800, False)  # too few establishments


def test_strong_employment_share():
    assert strong_employment_share(30, 120) == 0.25


def test_growth():
    assert growth_rate(27_000, 30_000) == pytest.approx(1 / 9)
    assert cagr(100, 200, 5) == pytest.approx(2 ** (1 / 5) - 1)  # 14.87 % a year
    assert cagr(100, 100, 3) == 0
    assert lq_change(1.8, 2.5) == pytest.approx(0.7)


def test_shift_share_worked_example():
    # H.2: E0 = 27,000 -> E1 = 30,000; benchmark +4 %, cluster -2 %
    ns, im, rs = shift_share(27_000, 0.04, -0.02, 30_000 / 27_000 - 1)
    assert ns == pytest.approx(1_080)  # 27,000 * 0.04
    assert im == pytest.approx(-1_620)  # 27,000 * (-0.06)
    assert rs == pytest.approx(3_540)  # 27,000 * (0.1111 + 0.02)
    assert ns + im + rs == pytest.approx(3_000)


def test_thresholds_validation():
    assert Thresholds().star_lq == 2.0
    with pytest.raises(InputError, match="star_size_quantile"):
        Thresholds(star_size_quantile=1.5)
    with pytest.raises(InputError, match="star_lq"):
        Thresholds(star_lq=-1)
    with pytest.raises(InputError, match="strong_min_lq"):
        Thresholds(strong_min_lq=float("nan"))


def test_nuts_level():
    codes = ["DE", "DE1", "DE11", "DE111", "FI1B", "EU28", "EA19", "EU27_2020", "EFTA", "06075"]
    expected = [0, 1, 2, 3, 2, None, None, None, None, None]
    assert [nuts_level(c) for c in codes] == expected
    t = ibis.memtable(pd.DataFrame({"region": codes}))
    got = t.select(level=nuts_level_expr(t.region)).to_pandas()["level"]
    assert [None if pd.isna(v) else int(v) for v in got] == expected
