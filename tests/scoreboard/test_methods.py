"""Hand-computed checks of every treatment, normalisation, imputation and aggregation method,
plus property tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from clusteratlas.errors import InputError
from clusteratlas.scoreboard import aggregate as ag
from clusteratlas.scoreboard import impute as im
from clusteratlas.scoreboard import normalise as nm
from clusteratlas.scoreboard import treat as tr
from clusteratlas.scoreboard.denominate import denominate_values

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
# distinct values that stay distinct after rescaling (float rounding can merge 1e-78 and 0)
spaced = st.integers(-(10**6), 10**6).map(float)


# -- treatment -------------------------------------------------------------------------------
def test_skewness_and_kurtosis_by_hand():
    x = np.array([1.0, 2.0, 3.0, 10.0])
    # mean 4; deviations -3,-2,-1,6; sums of powers 2: 50, 3: 180, 4: 1394
    g1 = np.sqrt(4) * 180 / 50**1.5
    assert tr.skewness(x) == pytest.approx(g1 * np.sqrt(4 * 3) / 2)
    g2 = 4 * 1394 / 50**2 - 3
    assert tr.kurtosis(x) == pytest.approx(3 * (5 * g2 + 6) / (2 * 1))
    assert tr.kurtosis(x) == pytest.approx(3.228)
    assert np.isnan(tr.skewness(np.array([1.0, 1.0, 1.0])))
    assert tr.skewness(np.array([1.0, np.nan, 2.0, 3.0])) == pytest.approx(0.0)


@settings(max_examples=200, deadline=None)
@given(arrays(float, st.integers(4, 40), elements=finite), st.integers(0, 3))
def test_skewness_and_kurtosis_equal_scipy(x, n_missing):
    """Oracle: scipy's bias-corrected estimators are G1 (``skew(bias=False)``) and G2
    (``kurtosis(fisher=True, bias=False)``); missing values are omitted by both."""
    from scipy import stats

    x = x.copy()
    x[:n_missing] = np.nan
    v = x[~np.isnan(x)]
    if v.size < 4 or np.ptp(v) < 1e-6 * max(1.0, np.abs(v).max()):
        return  # constant (or numerically constant) samples: both say nothing useful
    assert tr.skewness(x) == pytest.approx(float(stats.skew(v, bias=False)), rel=1e-7, abs=1e-9)
    assert tr.kurtosis(x) == pytest.approx(
        float(stats.kurtosis(v, fisher=True, bias=False)), rel=1e-7, abs=1e-9
    )
    assert tr.skewness(x) == pytest.approx(
        float(stats.skew(x, bias=False, nan_policy="omit")), rel=1e-7, abs=1e-9
    )


def test_coinr_pass_rule():
    # |skew| >= 2 and kurt >= 3.5 fails; either below passes
    x = np.array([1.0, 2, 3, 4, 5, 6, 7, 8, 9, 100])
    assert tr.skewness(x) > 2 and tr.kurtosis(x) > 3.5
    assert not tr.passes_skew_kurt(x)
    assert tr.passes_skew_kurt(x, skew_max=4)
    assert tr.passes_skew_kurt(x, kurt_max=10)


def test_winsorise_replaces_max_by_next_value_point_by_point():
    x = np.array([1.0, 2, 3, 4, 5, 6, 7, 8, 9, 100])
    v, rounds, ok = tr.winsorise(x, winmax=5)
    assert ok and rounds == 1
    assert v.tolist() == [1, 2, 3, 4, 5, 6, 7, 8, 9, 9]
    t = tr.treat_coinr(x)
    assert (
        t.treatment == "winsorised" and t.high.tolist() == [False] * 9 + [True] and not t.low.any()
    )


def test_winsorise_low_side_when_negative_skew():
    x = -np.array([1.0, 2, 3, 4, 5, 6, 7, 8, 9, 100])
    t = tr.treat_coinr(x)
    assert t.values[-1] == -9 and t.low[-1] and not t.high.any()


def test_winmax_exceeded_falls_back_to_ct_log():
    x = np.array([1.0] * 20 + [50, 100, 1000, 10000])
    t = tr.treat_coinr(x, winmax=1)
    assert t.treatment == "log"
    lo, hi = x.min(), x.max()
    assert np.allclose(t.values, np.log(x - lo + 0.01 * (hi - lo)))
    assert not t.high.any()


def test_ris_caps_at_three_sd_then_takes_a_power():
    x = np.array([0.0] * 30 + [1.0, 2.0, 1000.0])
    t = tr.treat_ris(x)
    assert t.high[-1] and t.values.max() < 1000**0.5
    assert "capped 1" in t.treatment and "power" in t.treatment
    none = tr.treat_ris(np.arange(10.0))
    assert none.treatment == "none" and np.array_equal(none.values, np.arange(10.0))


def test_unknown_treatment():
    with pytest.raises(InputError, match="unknown treatment"):
        tr.treat_vector(np.arange(5.0), "boxcox", {})


@settings(max_examples=60, deadline=None)
@given(arrays(float, st.integers(5, 40), elements=finite))
def test_winsorising_stays_within_the_original_range(x):
    t = tr.treat_coinr(x, winmax=5)
    if t.treatment == "winsorised":
        assert t.values.min() >= x.min() and t.values.max() <= x.max()
        assert int(t.low.sum() + t.high.sum()) >= t.rounds


# -- normalisation ------------------------------------------------------------------------------
def test_normalisations_by_hand():
    x = np.array([2.0, 4.0, 6.0, 10.0])
    assert nm.minmax(x).tolist() == [0, 25, 50, 100]
    assert nm.minmax(x, 1, 101).tolist() == [1, 26, 51, 101]
    sd = np.std(x, ddof=1)
    assert np.allclose(nm.zscore(x), (x - 5.5) / sd)
    assert np.allclose(nm.zscore(x, 100, 10), 100 + 10 * (x - 5.5) / sd)
    assert nm.rank(np.array([3.0, 1.0, 3.0, np.nan])).tolist()[:3] == [2, 1, 2]
    assert nm.prank(x).tolist() == pytest.approx([0, 100 / 3, 200 / 3, 100])
    assert nm.borda(x).tolist() == [0, 1, 2, 3]
    assert nm.fracmax(x).tolist() == [20, 40, 60, 100]
    assert nm.dist2max(x).tolist() == [0, 25, 50, 100]
    assert nm.dist2ref(x, 6.0).tolist() == [0, 50, 100, 200]
    assert nm.dist2ref(x, 6.0, cap=True).tolist() == [0, 50, 100, 100]
    assert nm.dist2target(x, 6.0).tolist() == [0, 50, 100, 100]
    assert nm.goalposts(x, 4.0, 8.0).tolist() == [0, 0, 50, 100]
    assert nm.goalposts(x, 4.0, 8.0, truncate=False).tolist() == [-50, 0, 50, 150]


def _panel(values: dict[str, list[float]], years=(2020,)) -> pd.DataFrame:
    n = len(next(iter(values.values()))) // len(years)
    idx = pd.MultiIndex.from_product(
        [list(years), [f"R{i}" for i in range(n)]], names=["year", "region"]
    )
    return pd.DataFrame(values, index=idx)


def test_normalise_panel_direction_goalposts_targets_and_global_scope():
    p = _panel(
        {"a": [1.0, 2.0, 3.0, 5.0, 6.0, 7.0], "b": [10.0, 20.0, 30.0, 10.0, 20.0, 30.0]},
        years=(2020, 2021),
    )
    out = nm.normalise_panel(p, {"a": 1, "b": -1})
    assert out.loc[2020, "a"].tolist() == [0, 50, 100]
    assert out.loc[2021, "a"].tolist() == [0, 50, 100]
    assert out.loc[2020, "b"].tolist() == [100, 50, 0]
    glob = nm.normalise_panel(p, {"a": 1, "b": -1}, scope="global")
    assert glob.loc[2020, "a"].tolist() == pytest.approx([0, 100 / 6, 200 / 6])
    assert glob.loc[2021, "a"].tolist()[-1] == 100
    gp = nm.normalise_panel(
        p, {"a": 1, "b": -1}, "goalposts", goalposts_by={"a": (0.0, 10.0), "b": (30.0, 10.0)}
    )
    assert gp.loc[2020, "a"].tolist() == [10, 20, 30]
    assert gp.loc[2020, "b"].tolist() == [100, 50, 0]  # worst 30, best 10
    tg = nm.normalise_panel(p, {"a": 1, "b": 1}, "dist2target", targets={"a": 6.0, "b": 20.0})
    assert tg.loc[2021, "a"].tolist() == [0, 100, 100]
    ref = nm.normalise_panel(p, {"a": 1, "b": 1}, "dist2ref", reference="R1")
    assert ref.loc[2020, "a"].tolist() == [0, 100, 200]
    with pytest.raises(InputError, match="no 'target'"):
        nm.normalise_panel(p, {"a": 1, "b": 1}, "dist2target", targets={"a": 1.0, "b": None})
    with pytest.raises(InputError, match="unknown normalisation"):
        nm.normalise_panel(p, {"a": 1, "b": 1}, "softmax")
    with pytest.raises(InputError, match="not in the data"):
        nm.normalise_panel(p, {"a": 1, "b": 1}, "dist2ref", reference="XX")


@settings(max_examples=80, deadline=None)
@given(arrays(float, st.integers(2, 60), elements=finite))
def test_minmax_scores_lie_in_0_100(x):
    y = nm.minmax(x)
    if x.max() > x.min():
        assert np.all((y >= -1e-9) & (y <= 100 + 1e-9))
        assert y.min() == pytest.approx(0.0) and y.max() == pytest.approx(100.0)
    else:
        assert np.all(np.isnan(y))


@settings(max_examples=80, deadline=None)
@given(
    arrays(float, st.integers(2, 40), elements=spaced),
    st.sampled_from(["minmax", "rank", "prank", "zscore", "dist2max"]),
)
def test_reversing_direction_reverses_ranks(x, method):
    p = _panel({"a": list(x)})
    up = nm.normalise_panel(p, {"a": 1}, method)["a"]
    down = nm.normalise_panel(p, {"a": -1}, method)["a"]
    if np.isnan(up).all():
        return
    r_up = up.rank(ascending=False, method="min")
    r_down = down.rank(ascending=True, method="min")
    assert r_up.tolist() == r_down.tolist()


# -- imputation and denomination -------------------------------------------------------------------
def test_imputation_by_hand():
    x = np.array([1.0, np.nan, 4.0, 10.0])
    assert im.impute_mean(x).tolist() == [1, 5, 4, 10]
    assert im.impute_median(x).tolist() == [1, 4, 4, 10]
    g = np.array(["a", "a", "b", "b"])
    assert im.impute_by_group(np.array([2.0, np.nan, np.nan, np.nan]), g).tolist()[:2] == [2, 2]
    assert np.isnan(im.impute_by_group(np.array([2.0, np.nan, np.nan, np.nan]), g)[2:]).all()
    yrs = np.array([2010, 2012, 2011, 2013])
    assert im.impute_last(yrs, np.array([1.0, np.nan, np.nan, np.nan])).tolist() == [1, 1, 1, 1]
    assert np.isnan(
        im.impute_last(yrs, np.array([1.0, np.nan, np.nan, np.nan]), max_gap=1)[[1, 3]]
    ).all()
    assert im.impute_linear(
        np.array([2010, 2011, 2012, 2014]), np.array([1.0, np.nan, 3.0, np.nan])
    ).tolist()[:3] == [1, 2, 3]


def test_impute_panel_methods():
    p = _panel({"a": [1.0, np.nan, 3.0, np.nan, 5.0, np.nan]}, years=(2020, 2021))
    out, summary = im.impute_panel(p, "panel-last")
    assert out.loc[2021, "a"].tolist() == [1.0, 5.0, 3.0]
    assert summary.loc[0, "imputed"] == 2 and summary.loc[0, "missing_after"] == 1
    out, _ = im.impute_panel(p, "mean")
    assert out.loc[2020, "a"].tolist() == [1, 2, 3]
    groups = pd.Series({"R0": "x", "R1": "x", "R2": "y"})
    out, _ = im.impute_panel(p, "group-median", groups)
    assert out.loc[2020, "a"].tolist() == [1, 1, 3]
    with pytest.raises(InputError, match="needs a groups table"):
        im.impute_panel(p, "group-mean")


def test_denomination_by_hand():
    assert np.allclose(
        denominate_values(np.array([10.0, 4.0]), np.array([2.0, 8.0]), 1000), [5000, 500]
    )


# -- aggregation ---------------------------------------------------------------------------------
def test_aggregations_by_hand():
    v = np.array([[1.0, 4.0, 16.0]])
    w = np.array([1.0, 1.0, 2.0])
    assert ag.arithmetic_mean(v, w)[0] == pytest.approx((1 + 4 + 32) / 4)
    assert ag.geometric_mean(v, w)[0] == pytest.approx((1 * 4 * 16**2) ** 0.25)
    assert ag.harmonic_mean(v, w)[0] == pytest.approx(4 / (1 + 1 / 4 + 2 / 16))
    assert ag.generalised_mean(v, w, 2)[0] == pytest.approx(np.sqrt((1 + 16 + 2 * 256) / 4))
    assert ag.generalised_mean(v, w, 1)[0] == pytest.approx(ag.arithmetic_mean(v, w)[0])
    assert ag.generalised_mean(v, w, -1)[0] == pytest.approx(ag.harmonic_mean(v, w)[0])
    assert ag.generalised_mean(v, w, 1e-9)[0] == pytest.approx(ag.geometric_mean(v, w)[0], rel=1e-6)
    with pytest.raises(ValueError, match="values > 0"):
        ag.geometric_mean(np.array([[0.0, 1.0]]), np.array([1.0, 1.0]))


def test_missing_children_and_min_share():
    v = np.array([[10.0, np.nan, np.nan], [10.0, 20.0, np.nan]])
    w = np.ones(3)
    assert ag.arithmetic_mean(v, w).tolist() == [10, 15]
    out = ag.arithmetic_mean(v, w, min_share=0.5)
    assert np.isnan(out[0]) and out[1] == 15


def test_copeland_by_hand():
    # A beats B on both; A vs C split 1-1 (tie); B vs C: B wins the heavier child
    v = np.array([[3.0, 3.0], [2.0, 2.0], [1.0, 1.5]])
    assert ag.copeland(v, np.array([1.0, 1.0])).tolist() == [2, 0, -2]
    v2 = np.array([[3.0, 1.0], [1.0, 3.0]])
    assert ag.copeland(v2, np.array([2.0, 1.0])).tolist() == [1, -1]
    assert ag.copeland(v2, np.array([1.0, 1.0])).tolist() == [0, 0]


@settings(max_examples=60, deadline=None)
@given(
    arrays(float, (5, 4), elements=st.floats(0.01, 1000)),
    arrays(float, 4, elements=st.floats(0.1, 10)),
)
def test_means_are_ordered_and_bounded(v, w):
    a, g, h = ag.arithmetic_mean(v, w), ag.geometric_mean(v, w), ag.harmonic_mean(v, w)
    assert np.all(h <= g * (1 + 1e-9)) and np.all(g <= a * (1 + 1e-9))
    assert np.all(a <= v.max(axis=1) * (1 + 1e-9)) and np.all(a >= v.min(axis=1) * (1 - 1e-9))
