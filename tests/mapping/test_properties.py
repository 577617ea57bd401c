"""Properties that hold for any panel (hypothesis)."""

from __future__ import annotations

import ibis
import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clusteratlas.mapping import build_cluster_table

SETTINGS = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def panels(draw):
    """A positive panel and definitions that partition its industries into clusters.

    Every industry belongs to exactly one cluster with weight 1; every cluster type has at
    least one cluster, every region and cluster has employment > 0 somewhere.
    """
    n_regions = draw(st.integers(2, 6))
    n_industries = draw(st.integers(2, 6))
    n_clusters = draw(st.integers(2, n_industries))
    # the first n_clusters industries seed one cluster each; others join a random cluster
    member = list(range(n_clusters)) + draw(
        st.lists(
            st.integers(0, n_clusters - 1),
            min_size=n_industries - n_clusters,
            max_size=n_industries - n_clusters,
        )
    )
    n_traded = draw(st.integers(1, n_clusters - 1))
    types = ["traded" if c < n_traded else "local" for c in range(n_clusters)]
    defs = pd.DataFrame(
        {
            "industry": [f"i{i}" for i in range(n_industries)],
            "cluster": [f"c{m}" for m in member],
            "cluster_type": [types[m] for m in member],
        }
    )
    values = draw(
        st.lists(
            st.integers(1, 10_000),
            min_size=n_regions * n_industries,
            max_size=n_regions * n_industries,
        )
    )
    est = draw(
        st.lists(
            st.integers(1, 500),
            min_size=n_regions * n_industries,
            max_size=n_regions * n_industries,
        )
    )
    rows = [(f"r{r}", f"i{i}", 2020) for r in range(n_regions) for i in range(n_industries)]
    panel = pd.DataFrame(rows, columns=["region", "industry", "year"])
    panel["employment"] = np.asarray(values, dtype=float)
    panel["establishments"] = np.asarray(est, dtype=float)
    panel["payroll"] = panel.employment * draw(st.floats(1_000, 100_000))
    panel.loc[panel.index % 3 == 0, "payroll"] *= 1.5
    return panel, defs


def table(panel: pd.DataFrame, defs: pd.DataFrame, **kw) -> pd.DataFrame:
    expr = build_cluster_table(ibis.memtable(panel), ibis.memtable(defs), **kw)
    return expr.to_pandas().sort_values(["year", "region", "cluster"]).reset_index(drop=True)


@SETTINGS
@given(panels(), st.floats(0.01, 1000), st.sampled_from(["total", "traded"]))
def test_lq_is_scale_invariant(data, k, base):
    panel, defs = data
    # the scaled copy is another year of the same panel: years never mix, one query suffices
    scaled = panel.assign(employment=panel.employment * k, year=2021)
    out = table(pd.concat([panel, scaled]), defs, lq_base=base)
    a, b = out[out.year == 2020], out[out.year == 2021]
    np.testing.assert_allclose(a["lq"], b["lq"], rtol=1e-9)
    np.testing.assert_allclose(a["region_share"], b["region_share"], rtol=1e-9)


@SETTINGS
@given(panels(), st.sampled_from(["total", "traded"]))
def test_weighted_mean_lq_is_one_and_shares_sum_to_one(data, base):
    panel, defs = data
    out = table(panel, defs, lq_base=base)
    # sum_r (E[r,U] / E[B,U]) * LQ[r,c] = sum_r E[r,c] / E[B,c] = 1 for every cluster
    weight = out.region_employment / out.benchmark_universe_employment
    mean_lq = (weight * out.lq).groupby(out.cluster).sum()
    np.testing.assert_allclose(mean_lq, 1.0, rtol=1e-9)
    # benchmark shares of a cluster sum to 1 over the regions
    np.testing.assert_allclose(out.groupby("cluster").benchmark_share.sum(), 1.0, rtol=1e-9)
    # region shares sum to 1 over the clusters of each base universe
    sums = out.groupby(["region", "universe"]).region_share.sum()
    np.testing.assert_allclose(sums, 1.0, rtol=1e-9)


@SETTINGS
@given(panels(), st.floats(1.0, 3.0), st.sampled_from(["total", "traded"]))
def test_stars_and_strong_are_consistent(data, lq_min, base):
    from clusteratlas.mapping import Thresholds

    panel, defs = data
    out = table(panel, defs, lq_base=base, thresholds=Thresholds(star_lq=lq_min))
    flags = out[["star_size", "star_specialisation", "star_productivity"]].astype(int)
    assert out.stars.between(0, 3).all()
    assert (out.stars == flags.sum(axis=1)).all()
    assert (out.star_specialisation == (out.lq >= lq_min)).all()
    strong = out[out.strong]
    assert (strong.lq >= 1).all() and (strong.cluster_type == "traded").all()
    assert (out.strong | ~out.strong10).all()  # strong10 implies strong
