"""Monte Carlo uncertainty and Sobol sensitivity: the vectorised engine equals the per-draw
pipeline exactly; percentiles and estimators are checked against direct computation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.stats import rankdata

from clusteratlas.scoreboard import montecarlo as mc
from clusteratlas.scoreboard import sensitivity as sa
from clusteratlas.scoreboard import uncertainty as ua
from clusteratlas.scoreboard.framework import framework_from_dict
from clusteratlas.scoreboard.pipeline import Pipeline, ScoreboardData


@pytest.fixture(scope="module")
def prepared():
    rng = np.random.default_rng(7)
    ind = lambda c, d=1: {"code": c, "name": c, "direction": d}  # noqa: E731
    fw = framework_from_dict(
        {
            "name": "t",
            "dimensions": [
                {
                    "code": "D1",
                    "name": "d1",
                    "subdimensions": [
                        {
                            "code": "S1",
                            "name": "s1",
                            "indicators": [ind("a"), ind("b", -1), ind("c")],
                        },
                        {
                            "code": "S2",
                            "name": "s2",
                            "aggregation": "geometric",
                            "indicators": [ind("d"), ind("e")],
                        },
                    ],
                },
                {"code": "D2", "name": "d2", "weight": 2, "indicators": [ind("f"), ind("g")]},
            ],
        }
    )
    n = 25
    vals = rng.lognormal(size=(n, 7))
    vals[rng.random((n, 7)) < 0.08] = np.nan
    vals[3] = vals[4]  # an exact tie
    rows = [
        {"region": f"R{i:02d}", "year": 2021, "indicator": k, "value": vals[i, j]}
        for i in range(n)
        for j, k in enumerate("abcdefg")
    ]
    groups = pd.Series({f"R{i:02d}": "x" if i % 2 else "y" for i in range(n)})
    data = ScoreboardData(pd.DataFrame(rows), groups=groups)
    pipe = Pipeline(
        fw,
        {
            "impute": {"method": "group-mean"},
            "treat": {"method": "coinr"},
            "normalise": {"range": [1, 100]},
        },
    )
    spec = ua.UncertaintySpec(
        impute=[{"method": "none"}, {"method": "median"}],
        treat=[{"method": "none"}, {"method": "ris"}],
        normalise=[{"method": "prank"}, {"method": "dist2max"}],
        aggregate=[
            {"method": "geometric"},
            {"method": "harmonic"},
            {"method": "generalised", "p": 2},
        ],
        weight_noise=0.3,
    )
    return ua.prepare(pipe, data, spec)


def test_vectorised_draws_equal_the_per_draw_pipeline(prepared):
    draws = ua.random_draws(prepared, 40, 0.3, seed=11)
    fast = np.zeros((40, len(prepared.regions), len(prepared.nodes)), dtype=np.int32)

    def keep(idx, ranks):
        fast[idx] = np.moveaxis(ranks, 0, 2)

    mc.evaluate(prepared, draws, track=np.arange(len(prepared.nodes)), chunk=7, consume=keep)
    slow = ua.evaluate_naive(prepared, draws)
    assert len(prepared.combos) == 27 and len(prepared.methods) == 4
    assert np.array_equal(fast, slow)


def test_nominal_ranks_equal_the_pipeline(prepared):
    nominal = ua.nominal_ranks(prepared)
    pipe = Pipeline(prepared.pipeline.framework, prepared.pipeline.params, [prepared.year])
    ranks = pipe.run(prepared.data).ranks().xs(prepared.year, level="year")
    expect = ranks.reindex(index=prepared.regions, columns=prepared.nodes).fillna(0).to_numpy()
    assert np.array_equal(nominal, expect)


def test_rank_distribution_percentiles(prepared):
    res = ua.run_uncertainty(prepared, 300, 0.3, seed=5, chunk=50)
    t = res.table
    assert set(t.columns) >= {
        "region",
        "node",
        "rank_nominal",
        "rank_p05",
        "rank_median",
        "rank_p95",
        "rank_mean",
    }
    assert (t["rank_p05"] <= t["rank_median"]).all() and (t["rank_median"] <= t["rank_p95"]).all()
    # the histogram percentiles equal numpy's on the raw draws
    draws = ua.random_draws(prepared, 300, 0.3, seed=5)
    root = len(prepared.nodes) - 1
    raw = np.zeros((300, len(prepared.regions)))

    def keep(idx, ranks):
        raw[idx] = ranks[0]

    mc.evaluate(prepared, draws, track=[root], consume=keep)
    idx = t[t["node"] == prepared.nodes[root]].set_index("region").loc[prepared.regions]
    assert np.allclose(idx["rank_median"], np.median(raw, axis=0))
    assert np.allclose(idx["rank_p05"], np.quantile(raw, 0.05, axis=0))
    assert np.allclose(idx["rank_p95"], np.quantile(raw, 0.95, axis=0))
    assert np.allclose(idx["rank_mean"], raw.mean(axis=0))


def test_quantile_from_histogram_equals_numpy():
    rng = np.random.default_rng(0)
    draws = rng.integers(1, 8, size=(3, 101))
    hist = np.stack([np.bincount(d - 1, minlength=7) for d in draws])
    cum = np.cumsum(hist, axis=-1)
    for q in (0.05, 0.5, 0.9, 0.95):
        assert np.allclose(
            ua._quantile_from_hist(cum, cum[:, -1], q), np.quantile(draws, q, axis=1)
        )


@settings(max_examples=80, deadline=None)
@given(
    arrays(
        float,
        st.tuples(st.integers(1, 4), st.integers(1, 30)),
        elements=st.one_of(
            st.floats(-1e9, 1e9, allow_nan=False),
            st.just(np.nan),
            st.sampled_from([0.0, -0.0, 1.5]),
        ),
    )
)
def test_rank_batch_equals_min_ranking(x):
    r = mc.rank_batch(x)
    for row, rr in zip(x, r, strict=True):
        ok = ~np.isnan(row)
        expect = np.zeros(row.shape, int)
        expect[ok] = rankdata(-row[ok], method="min")
        assert rr.tolist() == expect.tolist()


def test_sobol_estimators_on_an_additive_function():
    # f = 2 x1 + x2 with x uniform: S1 = 4/5, S2 = 1/5, no interactions (S = ST)
    rng = np.random.default_rng(1)
    n = 40000
    A, B = rng.random((n, 2)), rng.random((n, 2))
    f = lambda m: 2 * m[:, 0] + m[:, 1]  # noqa: E731
    ab = []
    for i in range(2):
        m = A.copy()
        m[:, i] = B[:, i]
        ab.append(f(m))
    s, st_ = sa.sobol_indices(f(A), f(B), np.array(ab))
    assert s == pytest.approx([0.8, 0.2], abs=0.03)
    assert st_ == pytest.approx([0.8, 0.2], abs=0.03)


def test_sensitivity_table(prepared):
    t = sa.run_sensitivity(prepared, 64, 0.3, seed=2, n_boot=20)
    assert t["factor"].tolist() == ["impute", "treat", "normalise", "aggregate", "weights"]
    assert (t["total"] >= -0.05).all() and t["mean_abs_rank_shift"].iloc[0] > 0


def test_uncertainty_columns_join(prepared):
    res = ua.run_uncertainty(prepared, 30, 0.3)
    scores = pd.DataFrame(
        {"region": ["R00", "R01"], "year": [prepared.year, prepared.year - 1], "node": ["D1", "D1"]}
    )
    out = ua.uncertainty_columns(scores, res)
    assert not np.isnan(out.loc[0, "rank_median"]) and np.isnan(out.loc[1, "rank_median"])


def _salib_layout(fA, fB, fAB):
    """Outputs in SALib's Saltelli order (no second order): per base sample j the rows
    A_j, AB_1j, ..., AB_Dj, B_j (``SALib.analyze.sobol.separate_output_values``)."""
    D, n = fAB.shape
    Y = np.empty(n * (D + 2))
    step = D + 2
    Y[0::step], Y[step - 1 :: step] = fA, fB
    for j in range(D):
        Y[j + 1 :: step] = fAB[j]
    return Y


def test_sobol_indices_equal_salib_on_the_ishigami_function():
    """Oracle: SALib's estimators on SALib's own Saltelli sample of the Ishigami function
    equal ours on the same outputs; both are near the analytic values (Saltelli 2008,
    a = 7, b = 0.1: S = 0.314, 0.442, 0; ST = 0.558, 0.442, 0.244)."""
    from SALib.analyze import sobol
    from SALib.sample import sobol as sobol_sample
    from SALib.test_functions import Ishigami

    problem = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-np.pi, np.pi]] * 3}
    X = sobol_sample.sample(problem, 2**13, calc_second_order=False, seed=3)
    Y = Ishigami.evaluate(X)
    ref = sobol.analyze(problem, Y, calc_second_order=False, num_resamples=10, seed=3)
    step = 3 + 2
    fAB = np.array([Y[j + 1 :: step] for j in range(3)])
    s, st_ = sa.sobol_indices(Y[0::step], Y[step - 1 :: step], fAB)
    np.testing.assert_allclose(s, ref["S1"], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(st_, ref["ST"], rtol=1e-12, atol=1e-12)
    assert s == pytest.approx([0.314, 0.442, 0.0], abs=0.03)
    assert st_ == pytest.approx([0.558, 0.442, 0.244], abs=0.03)


def test_scoreboard_sobol_table_equals_salib_on_the_same_runs(prepared, monkeypatch):
    """Oracle on the scoreboard model itself: the outputs of run_sensitivity's own Saltelli
    design, handed to SALib, give the first-order and total indices it reports."""
    from SALib.analyze import sobol

    seen = []
    real = sa.sobol_indices

    def spy(fA, fB, fAB):
        if not seen:
            seen.append((fA.copy(), fB.copy(), fAB.copy()))
        return real(fA, fB, fAB)

    monkeypatch.setattr(sa, "sobol_indices", spy)
    table = sa.run_sensitivity(prepared, 64, 0.3, seed=2, n_boot=5)
    fA, fB, fAB = seen[0]
    names = table["factor"].tolist()
    problem = {"num_vars": len(names), "names": names, "bounds": [[0, 1]] * len(names)}
    ref = sobol.analyze(problem, _salib_layout(fA, fB, fAB), calc_second_order=False,
                        num_resamples=10, seed=1)  # fmt: skip
    np.testing.assert_allclose(table["first_order"], ref["S1"], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(table["total"], ref["ST"], rtol=1e-10, atol=1e-12)
