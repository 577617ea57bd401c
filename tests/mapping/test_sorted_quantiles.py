"""Exact percentiles from sorts (the out-of-core plan) equal the engine's quantile aggregate.

Runs on DuckDB and on Spark (the autouse ``engine`` fixture of this folder).
"""

from __future__ import annotations

import ibis
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clusteratlas.errors import InputError
from clusteratlas.mapping import build_cluster_table
from clusteratlas.mapping.build import sorted_quantile, sorted_quantiles


def test_hand_computed_order_statistics() -> None:
    # group a: 1, 2, 3, 4, 10 and a NULL (h = 0.75 * 4 = 3 -> x(3) = 4); group b: 1, 2, 3, 4
    # (h = 0.25 * 3 = 0.75 -> 1 + 0.75 * (2 - 1) = 1.75); group c: all filtered out
    frame = pd.DataFrame(
        {
            "g": ["a"] * 7 + ["b"] * 4 + ["c"],
            "x": pd.array([0.0, 1, 2, None, 3, 4, 10, 1, 2, 3, 4, 5], dtype="Float64"),
            "keep": [False, True, True, True, True, True, True, True, True, True, True, False],
        }
    )
    t = ibis.memtable(frame)
    got = sorted_quantile(t, ["g"], "x", 0.75, t.keep).to_pandas().set_index("g")["value"]
    assert got.to_dict() == {"a": 4.0, "b": 3.25}
    got = sorted_quantile(t, ["g"], "x", 0.25, t.keep).to_pandas().set_index("g")["value"]
    assert got["b"] == pytest.approx(1.75)
    both = sorted_quantiles(t, ["g"], {"q1": ("x", 0.25)}, t.keep).to_pandas().set_index("g")
    assert set(both.index) == {"a", "b", "c"} and pd.isna(both.loc["c", "q1"])


groups = st.lists(
    st.tuples(
        st.sampled_from(["a", "b", "c", "d"]),
        st.one_of(st.none(), st.integers(-5, 40).map(float), st.floats(0.1, 1e6)),
    ),
    min_size=1,
    max_size=60,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=groups, q=st.sampled_from([0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0]))
def test_sorted_quantile_equals_the_quantile_aggregate(rows, q) -> None:
    # nullable floats: a missing value is NULL, as the mapping's inputs are after
    # _prepare_panel (a NaN would compare greater than 0 on both engines)
    frame = pd.DataFrame(rows, columns=["g", "x"]).astype({"x": "Float64"})
    t = ibis.memtable(frame)
    where = t.x > 0
    agg = t.group_by("g").agg(value=t.x.quantile(q, where=where)).to_pandas()
    got = sorted_quantiles(t, ["g"], {"value": ("x", q)}, where).to_pandas()
    merged = agg.merge(got, on="g", suffixes=("_agg", "_sort"))
    assert len(merged) == frame["g"].nunique()
    np.testing.assert_allclose(merged.value_sort, merged.value_agg, rtol=1e-12, atol=1e-12)
    for g, part in frame.groupby("g"):  # and numpy's linear (type 7) quantile
        values = part.x[part.x > 0].dropna().to_numpy(dtype=float)
        want = np.quantile(values, q) if len(values) else np.nan
        got_g = merged.loc[merged.g == g, "value_sort"].iloc[0]
        assert (np.isnan(want) and pd.isna(got_g)) or got_g == pytest.approx(want, rel=1e-12)


def test_the_cluster_table_is_the_same_with_either_plan() -> None:
    rng = np.random.default_rng(11)
    regions, industries = [f"R{r:02d}" for r in range(30)], [f"I{i:02d}" for i in range(12)]
    panel = pd.DataFrame(
        [(r, i, y) for r in regions for i in industries for y in (2020, 2021)],
        columns=["region", "industry", "year"],
    )
    panel["employment"] = rng.integers(0, 3000, len(panel)).astype(float)
    panel["establishments"] = np.ceil(panel["employment"] / 25)
    panel["payroll"] = panel["employment"] * rng.uniform(2e4, 6e4, len(panel))
    defs = pd.DataFrame(
        {
            "industry": industries,
            "cluster": [f"C{i % 4}" for i in range(12)],
            "cluster_type": ["traded" if i % 4 < 3 else "local" for i in range(12)],
        }
    )
    tables = {
        plan: build_cluster_table(ibis.memtable(panel), ibis.memtable(defs), quantiles=plan)
        .to_pandas()
        .sort_values(["region", "cluster", "year"], ignore_index=True)
        for plan in ("aggregate", "sort")
    }
    a, b = tables["aggregate"], tables["sort"]
    assert a["strong"].any() and a["stars"].gt(0).any()  # the flags are exercised
    pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-12)
    with pytest.raises(InputError, match="quantiles"):
        build_cluster_table(ibis.memtable(panel), ibis.memtable(defs), quantiles="approx")
