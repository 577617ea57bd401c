"""build_cluster_table on tiny panels whose every number is worked out by hand."""

from __future__ import annotations

import ibis
import numpy as np
import pandas as pd
import pytest

from clusteratlas.errors import InputError
from clusteratlas.mapping import CLUSTER_COLUMNS, build_cluster_table, region_cluster_strength
from clusteratlas.mapping.growth import trends_table as trends

NAN = np.nan


def run(panel: pd.DataFrame, defs: pd.DataFrame, **kw) -> pd.DataFrame:
    bench = kw.pop("benchmark", None)
    if bench is not None:
        kw["benchmark"] = ibis.memtable(bench)
    out = build_cluster_table(ibis.memtable(panel), ibis.memtable(defs), **kw).to_pandas()
    return out.set_index(["region", "cluster"]).sort_index()


# Three regions, four industries. i2 is split half/half between T2 (traded) and L1 (local);
# i4 belongs to no cluster but counts in the all-industry total.
#        i1    i2    i3    i4  | T1 = i1, T2 = i2/2, L1 = i2/2 + i3 | total
#   A   100    40    60     0  | 100   20   80                        | 200
#   B    50   100    50   100  |  50   50  100                        | 300
#   C     0    20    80   100  |   0   10   90                        | 200
# sum                          | 150   80  270                        | 700
DEFS = pd.DataFrame(
    {
        "industry": ["i1", "i2", "i2", "i3"],
        "cluster": ["T1", "T2", "L1", "L1"],
        "cluster_type": ["traded", "traded", "local", "local"],
        "cluster_name": ["Traded one", "Traded two", "Local one", "Local one"],
        "weight": [1.0, 0.5, 0.5, 1.0],
    }
)
EMP = {"A": [100, 40, 60, 0], "B": [50, 100, 50, 100], "C": [0, 20, 80, 100]}


def small_panel() -> pd.DataFrame:
    rows = [
        (r, f"i{k + 1}", 2020, float(v), 1.0, 10.0 * v)
        for r, vals in EMP.items()
        for k, v in enumerate(vals)
    ]
    return pd.DataFrame(
        rows, columns=["region", "industry", "year", "employment", "establishments", "payroll"]
    )


def test_columns_and_aggregation():
    out = run(small_panel(), DEFS)
    assert list(out.reset_index().columns[: len(CLUSTER_COLUMNS)]) == CLUSTER_COLUMNS
    assert out.loc[("A", "T2"), "employment"] == 20  # 40 * 0.5
    assert out.loc[("A", "L1"), "employment"] == 80  # 40 * 0.5 + 60
    assert out.loc[("B", "L1"), "establishments"] == 1.5  # 0.5 + 1
    assert out.loc[("A", "T1"), "wage"] == 10  # payroll is 10 per job everywhere
    assert out.loc[("A", "T1"), "cluster_name"] == "Traded one"
    assert len(out) == 9


def test_lq_total_base_sum_benchmark():
    out = run(small_panel(), DEFS, lq_base="total")
    expected = {
        ("A", "T1"): 7 / 3,  # (100/200) / (150/700)
        ("A", "T2"): 0.875,  # (20/200) / (80/700)
        ("A", "L1"): 28 / 27,  # (80/200) / (270/700)
        ("B", "T2"): 35 / 24,  # (50/300) / (80/700)
        ("C", "T1"): 0.0,
        ("C", "L1"): 7 / 6,  # (90/200) / (270/700)
    }
    for key, value in expected.items():
        assert out.loc[key, "lq"] == pytest.approx(value), key
    assert out.loc[("B", "T1"), "region_share"] == pytest.approx(50 / 300)
    assert out.loc[("B", "T1"), "benchmark_share"] == pytest.approx(50 / 150)
    assert out.loc[("A", "T1"), "region_employment"] == 200
    assert out.loc[("A", "T1"), "benchmark_universe_employment"] == 700


def test_lq_traded_base():
    # traded universe: A 120, B 100, C 10 (sum 230); local: A 80, B 100, C 90 (sum 270)
    out = run(small_panel(), DEFS, lq_base="traded")
    assert out.loc[("A", "T1"), "lq"] == pytest.approx(23 / 18)  # (100/120) / (150/230)
    assert out.loc[("C", "T2"), "lq"] == pytest.approx(23 / 8)  # (10/10) / (80/230)
    assert out.loc[("B", "L1"), "lq"] == pytest.approx(1.0)  # only one local cluster
    assert out.loc[("A", "T2"), "region_share"] == pytest.approx(20 / 120)
    assert set(out["universe"]) == {"traded", "local"}


def test_external_benchmark_with_total_row():
    # benchmark: T1 300, T2 100, L1 600, all industries ('*') 2,000
    bench = pd.DataFrame(
        {"cluster": ["T1", "T2", "L1", "*"], "year": 2020, "employment": [300, 100, 600, 2000]}
    )
    out = run(small_panel(), DEFS, benchmark=bench)
    assert out.loc[("A", "T1"), "lq"] == pytest.approx((100 / 200) / (300 / 2000))  # 10/3
    assert out.loc[("A", "T1"), "benchmark_share"] == pytest.approx(100 / 300)
    # traded base: traded universe 400 (the '*' row is not used)
    out = run(small_panel(), DEFS, benchmark=bench, lq_base="traded")
    assert out.loc[("A", "T1"), "lq"] == pytest.approx((100 / 120) / (300 / 400))
    out = run(small_panel(), DEFS, benchmark=bench[bench.cluster != "*"], lq_base="traded")
    assert out.loc[("A", "T1"), "lq"] == pytest.approx((100 / 120) / (300 / 400))


def test_benchmark_without_total_row_is_refused_when_universes_differ():
    # The regions' totals count i4 (in no cluster): the sum of the benchmark's clusters (1,000)
    # would not be the benchmark's all-industry total, so the mapping refuses and names the fix.
    bench = pd.DataFrame({"cluster": ["T1", "T2", "L1"], "year": 2020, "employment": [3, 1, 6]})
    with pytest.raises(InputError, match=r"no '\*' row for 2020.*'i4'.*add a '\*' row") as info:
        run(small_panel(), DEFS, benchmark=bench)
    assert info.value.parameter == "benchmark"
    assert "\n" not in str(info.value)
    # region totals from a total_industry row: refused too, whatever the industries
    panel = strong_panel()
    totals = panel.groupby("region", as_index=False).employment.sum()
    panel = pd.concat([panel, totals.assign(industry="TOTAL", year=2020)])
    no_star = STRONG_BENCH[STRONG_BENCH.cluster != "*"]
    with pytest.raises(InputError, match="'TOTAL' rows"):
        run(panel, STRONG_DEFS, benchmark=no_star, total_industry="TOTAL")
    # an emerging cluster is measured against the all-industry total even on the traded base
    emerging = pd.concat(
        [DEFS, pd.DataFrame({"industry": ["i4"], "cluster": ["E1"], "cluster_type": "emerging"})]
    )
    with pytest.raises(InputError, match="emerging"):
        with_e1 = pd.concat(
            [bench, pd.DataFrame({"cluster": ["E1"], "year": [2020], "employment": [1]})]
        )
        run(small_panel(), emerging, benchmark=with_e1, lq_base="traded")


def sum_of_regions(panel: pd.DataFrame, defs: pd.DataFrame, total: float | None) -> pd.DataFrame:
    """A benchmark holding, by hand, the sum over the regions of each cluster (and '*')."""
    joined = panel.merge(defs.assign(weight=defs.get("weight", 1.0)), on="industry")
    joined["part"] = joined.employment * joined.weight
    bench = joined.groupby(["cluster", "year"], as_index=False).part.sum()
    bench = bench.rename(columns={"part": "employment"})
    if total is not None:
        bench = pd.concat(
            [bench, pd.DataFrame({"cluster": ["*"], "year": [2020], "employment": [total]})]
        )
    return bench


def test_benchmark_equal_to_sum_of_regions_gives_the_lqs_of_no_benchmark():
    # small panel: T1 150, T2 80, L1 270 and all industries 700 (table above)
    bench = sum_of_regions(small_panel(), DEFS, total=700.0)
    assert dict(zip(bench.cluster, bench.employment, strict=True)) == {
        "T1": 150,
        "T2": 80,
        "L1": 270,
        "*": 700,
    }
    for base in ("total", "traded"):
        plain = run(small_panel(), DEFS, lq_base=base)
        ext = run(small_panel(), DEFS, lq_base=base, benchmark=bench)
        np.testing.assert_allclose(ext["lq"], plain["lq"], rtol=1e-12)
        np.testing.assert_array_equal(ext["strong"], plain["strong"])
        np.testing.assert_array_equal(ext["stars"], plain["stars"])
    # without i4 every industry lies in traded/local clusters: no '*' row needed
    panel = small_panel()
    panel = panel[panel.industry != "i4"]
    bench = sum_of_regions(panel, DEFS, total=None)
    plain = run(panel, DEFS)
    ext = run(panel, DEFS, benchmark=bench)
    np.testing.assert_allclose(ext["lq"], plain["lq"], rtol=1e-12)
    # A's T1 by hand: (100/200) / (150/500)
    assert ext.loc[("A", "T1"), "lq"] == pytest.approx((100 / 200) / (150 / 500))


def test_external_benchmark_missing_cluster_is_named():
    bench = pd.DataFrame({"cluster": ["T1", "L1"], "year": 2020, "employment": [300, 600]})
    with pytest.raises(InputError, match="T2"):
        run(small_panel(), DEFS, benchmark=bench)


def test_null_aware_aggregation_and_wage():
    # i1 (T1) 10 jobs, payroll 1,000; i2 split T1/T2, 20 jobs, payroll unknown; i3 (T3) unknown
    panel = pd.DataFrame(
        {
            "region": "A",
            "industry": ["i1", "i2", "i3"],
            "year": 2020,
            "employment": [10.0, 20.0, NAN],
            "payroll": [1000.0, NAN, NAN],
        }
    )
    defs = pd.DataFrame(
        {
            "industry": ["i1", "i2", "i2", "i3"],
            "cluster": ["T1", "T1", "T2", "T3"],
            "cluster_type": "traded",
            "weight": [1.0, 0.5, 0.5, 1.0],
        }
    )
    out = run(panel, defs)
    assert out.loc[("A", "T1"), "employment"] == 20  # 10 + 20/2
    assert out.loc[("A", "T2"), "employment"] == 10  # 20/2 + nothing known
    assert pd.isna(out.loc[("A", "T3"), "employment"])  # all members unknown -> NULL
    assert out.loc[("A", "T1"), "payroll"] == 1000
    # wage counts only members with known payroll: 1,000 / 10, not 1,000 / 20
    assert out.loc[("A", "T1"), "wage"] == 100
    assert pd.isna(out.loc[("A", "T2"), "wage"])
    assert not out.loc[("A", "T3"), "strong"] and out.loc[("A", "T3"), "stars"] == 0
    assert out["establishments"].isna().all()  # no establishments column -> NULL


# Five regions, one traded cluster T (industry t) and one local cluster L (industry x); every
# region has 100 jobs. External benchmark: T = 100 of 1,000, so LQ = 10 * E[r,T] / 100.
#        E[r,T]  LQ   est  wage | strong: LQ >= q75 = 3.0, emp > q25 = 10, est > q25 = 3, LQ >= 1
#   R1     10   1.0    5    50  |   q90 of LQ = 3 + 0.6 * 1 = 3.6
#   R2     20   2.0    1    40  |   stars: size p90 of emp = 30 + 0.6 * 10 = 36 -> R4
#   R3     30   3.0   10    30  |          specialisation LQ >= 2 -> R2, R3, R4
#   R4     40   4.0   20    20  |          productivity p90 of wage = 40 + 0.6 * 10 = 46 -> R1
#   R5      5   0.5    3    10  |
STRONG = pd.DataFrame(
    {
        "region": ["R1", "R2", "R3", "R4", "R5"],
        "t": [10.0, 20.0, 30.0, 40.0, 5.0],
        "est": [5.0, 1.0, 10.0, 20.0, 3.0],
        "wage": [50.0, 40.0, 30.0, 20.0, 10.0],
    }
)
STRONG_DEFS = pd.DataFrame(
    {"industry": ["t", "x"], "cluster": ["T", "L"], "cluster_type": ["traded", "local"]}
)
STRONG_BENCH = pd.DataFrame(
    {"cluster": ["T", "L", "*"], "year": 2020, "employment": [100.0, 900.0, 1000.0]}
)


def strong_panel() -> pd.DataFrame:
    t = STRONG.assign(industry="t", employment=STRONG.t, establishments=STRONG.est)
    t["payroll"] = t.employment * t.wage
    x = STRONG.assign(industry="x", employment=100 - STRONG.t, establishments=1.0, payroll=1.0)
    cols = ["region", "industry", "employment", "establishments", "payroll"]
    return pd.concat([t[cols], x[cols]]).assign(year=2020)


def test_strong_and_stars_hand_computed():
    out = run(strong_panel(), STRONG_DEFS, benchmark=STRONG_BENCH).xs("T", level="cluster")
    np.testing.assert_allclose(out["lq"], [1.0, 2.0, 3.0, 4.0, 0.5])
    assert list(out.index[out.strong]) == ["R3", "R4"]
    assert list(out.index[out.strong10]) == ["R4"]
    assert list(out.index[out.star_size]) == ["R4"]
    assert list(out.index[out.star_specialisation]) == ["R2", "R3", "R4"]
    assert list(out.index[out.star_productivity]) == ["R1"]
    assert list(out["stars"]) == [1, 1, 1, 2, 0]


def test_local_clusters_are_never_strong():
    out = run(strong_panel(), STRONG_DEFS, benchmark=STRONG_BENCH)
    assert not out.xs("L", level="cluster")["strong"].any()


def test_strong_skips_unknown_establishments_and_thresholds_are_configurable():
    from clusteratlas.mapping import Thresholds

    panel = strong_panel()
    panel.loc[(panel.region == "R3") & (panel.industry == "t"), "establishments"] = NAN
    panel.loc[(panel.region == "R2") & (panel.industry == "t"), "establishments"] = 50.0
    # est q25 over known [5, 50, 20, 3] = 3 + 0.75 * (5 - 3) = 4.5; R3 unknown -> not applied
    out = run(panel, STRONG_DEFS, benchmark=STRONG_BENCH).xs("T", level="cluster")
    assert list(out.index[out.strong]) == ["R3", "R4"]
    # a looser rule: LQ >= median (2.0) -> R2 too
    th = Thresholds(strong_lq_quantile=0.5, star_lq=3.5)
    out = run(panel, STRONG_DEFS, benchmark=STRONG_BENCH, thresholds=th)
    out = out.xs("T", level="cluster")
    assert list(out.index[out.strong]) == ["R2", "R3", "R4"]
    assert list(out.index[out.star_specialisation]) == ["R4"]


def test_region_cluster_strength():
    expr = build_cluster_table(
        ibis.memtable(strong_panel()),
        ibis.memtable(STRONG_DEFS),
        benchmark=ibis.memtable(STRONG_BENCH),
    )
    out = region_cluster_strength(expr).to_pandas().set_index("region").sort_index()
    assert list(out["traded_employment"]) == [10, 20, 30, 40, 5]
    assert list(out["strong_employment"]) == [0, 0, 30, 40, 0]
    assert list(out["cluster_strength"]) == [0, 0, 1, 1, 0]
    assert list(out["n_strong"]) == [0, 0, 1, 1, 0]
    assert list(out["n_strong10"]) == [0, 0, 0, 1, 0]


def test_levels_nuts_group_benchmarks_and_percentiles():
    # Level 1: DE1 (T 30 of 100), DE2 (T 10 of 100): sum benchmark T 40 of 200.
    # Level 2: DE11 (T 20 of 50), DE12 (T 10 of 50): T 30 of 100. EU28 stands alone.
    rows = []
    for region, t, total in [
        ("DE1", 30, 100),
        ("DE2", 10, 100),
        ("DE11", 20, 50),
        ("DE12", 10, 50),
        ("EU28", 40, 200),
    ]:
        rows += [(region, "t", t), (region, "x", total - t)]
    panel = pd.DataFrame(rows, columns=["region", "industry", "employment"]).assign(year=2020)
    defs = STRONG_DEFS
    out = run(panel, defs, level="nuts")
    assert out.loc[("DE1", "T"), "lq"] == pytest.approx((30 / 100) / (40 / 200))  # 1.5
    assert out.loc[("DE11", "T"), "lq"] == pytest.approx((20 / 50) / (30 / 100))  # 4/3
    assert out.loc[("EU28", "T"), "lq"] == pytest.approx(1.0)
    assert out.loc[("DE11", "T"), "level"] == 2
    assert pd.isna(out.loc[("EU28", "T"), "level"])
    # one group: everything summed (DE1 + DE2 + DE11 + DE12 + EU28 = T 110 of 500)
    out = run(panel, defs, level="none")
    assert out.loc[("DE1", "T"), "lq"] == pytest.approx((30 / 100) / (110 / 500))
    # a level column is used when present
    panel["level"] = panel.region.str.len() - 2
    out = run(panel, defs)
    assert out.loc[("EU28", "T"), "lq"] == pytest.approx((40 / 200) / (70 / 300))


def test_total_industry_gives_region_totals():
    # TOTAL rows (110, 120) exceed the sum of the parts (100): the LQ uses TOTAL
    panel = pd.DataFrame(
        {
            "region": ["A", "A", "A", "B", "B", "B"],
            "industry": ["t", "x", "TOTAL"] * 2,
            "employment": [30.0, 70.0, 110.0, 10.0, 90.0, 120.0],
            "year": 2020,
        }
    )
    out = run(panel, STRONG_DEFS, total_industry="TOTAL")
    assert out.loc[("A", "T"), "lq"] == pytest.approx((30 / 110) / (40 / 230))
    assert out.loc[("A", "T"), "region_employment"] == 110
    assert len(out) == 4  # TOTAL is not a cluster member


def test_year_filter_and_bad_options():
    panel = pd.concat([small_panel(), small_panel().assign(year=2021)])
    assert set(run(panel, DEFS, year=2021)["year"]) == {2021}
    with pytest.raises(InputError, match="lq_base"):
        run(panel, DEFS, lq_base="local")
    with pytest.raises(InputError, match="level"):
        run(panel, DEFS, level="county")
    with pytest.raises(InputError, match="employment"):
        run(panel.drop(columns="employment"), DEFS)


def test_trends_shift_share_adds_up():
    # A's T1 grows 100 -> 150; the benchmark T1 150 -> 200; all employment 700 -> 800
    p0 = small_panel()
    p1 = small_panel().assign(year=2025)
    p1.loc[(p1.region == "A") & (p1.industry == "i1"), "employment"] = 150.0
    p1.loc[(p1.region == "C") & (p1.industry == "i4"), "employment"] = 150.0
    table = build_cluster_table(ibis.memtable(pd.concat([p0, p1])), ibis.memtable(DEFS))
    out = trends(table, 2020, 2025).to_pandas().set_index(["region", "cluster"])
    row = out.loc[("A", "T1")]
    assert row.employment_change == 50
    assert row.employment_cagr == pytest.approx(1.5 ** (1 / 5) - 1)
    # LQ 2020 = 7/3; 2025 = (150/250) / (200/800) = 2.4
    assert row.lq_change == pytest.approx(2.4 - 7 / 3)
    # NS = 100 * (800/700 - 1); IM = 100 * (200/150 - 800/700); RS = 100 * (0.5 - 1/3)
    assert row.shift_national == pytest.approx(100 / 7)
    assert row.shift_industry_mix == pytest.approx(100 * (4 / 3 - 8 / 7))
    assert row.shift_regional == pytest.approx(100 * (0.5 - 1 / 3))
    total = out[["shift_national", "shift_industry_mix", "shift_regional"]].sum(axis=1)
    known = out.employment_start > 0
    np.testing.assert_allclose(total[known], out.employment_change[known])
    with pytest.raises(InputError):
        trends(table, 2025, 2020)
