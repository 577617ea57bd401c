"""The public mapping API: typed options, scheme validation at every door, pandas summaries."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import clusteratlas.mapping as mapping
from clusteratlas.cli.options import LqBase
from clusteratlas.errors import InputError
from clusteratlas.mapping import Thresholds, cluster_strength, map_panel, map_store, trends

# Two regions, industries t1, t2 (traded clusters T1, T2), x (local L), o (outside the scheme
# is not allowed by map_panel, so every industry is in the scheme here).
#          t1   t2    x  | region total
#   A      30   10   60  | 100
#   B      10   30  160  | 200
# sum      40   40  220  | 300
DEFS = pd.DataFrame(
    {
        "industry": ["t1", "t2", "x"],
        "cluster": ["T1", "T2", "L"],
        "cluster_name": ["Traded one", "Traded two", "Local"],
        "cluster_type": ["traded", "traded", "local"],
    }
)
EMP = {("A", "t1"): 30, ("A", "t2"): 10, ("A", "x"): 60, ("B", "t1"): 10}
EMP |= {("B", "t2"): 30, ("B", "x"): 160}


def panel(years=(2020,), grow: float = 1.0) -> pd.DataFrame:
    rows = []
    for k, year in enumerate(years):
        for (region, industry), value in EMP.items():
            factor = grow**k if (region, industry) == ("A", "t1") else 1.0
            rows.append((region, industry, year, float(value) * factor))
    return pd.DataFrame(rows, columns=["region", "industry", "year", "employment"])


def test_typed_options_accept_strings_and_enums():
    by_text = map_panel(panel(), DEFS, lq_base="traded", level="none")
    by_enum = map_panel(panel(), DEFS, lq_base=LqBase.traded, level="none")
    pd.testing.assert_frame_equal(by_text, by_enum)
    options = by_enum.attrs["provenance"]["options"]
    assert options["lq_base"] == "traded" and type(options["lq_base"]) is str
    # A's T1 on the traded base: (30/40) / (40/80)
    row = by_text[(by_text.region == "A") & (by_text.cluster == "T1")].iloc[0]
    assert row.lq == pytest.approx((30 / 40) / (40 / 80))
    with pytest.raises(InputError) as info:
        map_panel(panel(), DEFS, lq_base="local")
    assert info.value.parameter == "lq_base"
    with pytest.raises(InputError) as info:
        map_panel(panel(), DEFS, level="county")
    assert info.value.parameter == "level"


def test_thresholds_as_a_mapping():
    out = map_panel(panel(), DEFS, thresholds={"star_lq": 1.1})
    assert out.attrs["provenance"]["thresholds"] == {**Thresholds().as_dict(), "star_lq": 1.1}
    # A's T1 on the total base: (30/100) / (40/300) = 2.25 >= 1.1; B's T1: 0.75
    spec = out.set_index(["region", "cluster"])["star_specialisation"]
    assert bool(spec[("A", "T1")]) and not bool(spec[("B", "T1")])
    with pytest.raises(InputError, match="unknown threshold 'star_size'") as info:
        map_panel(panel(), DEFS, thresholds={"star_size": 1})
    assert info.value.parameter == "thresholds"
    with pytest.raises(InputError) as info:
        map_panel(panel(), DEFS, thresholds={"strong_lq_quantile": 2})
    assert info.value.parameter == "strong_lq_quantile"


def test_lq_universe_is_recorded():
    universe = map_panel(panel(), DEFS).attrs["provenance"]["options"]["lq_universe"]
    assert universe == {
        "lq_base": "total",
        "region_total": "all industries of the panel (each counted once)",
        "benchmark_total": "sum of the regions of the same level",
    }
    bench = pd.DataFrame(
        {"cluster": ["T1", "T2", "L", "*"], "year": 2020, "employment": [400, 400, 2200, 3000]}
    )
    out = map_panel(panel(), DEFS, benchmark=bench)
    assert out.attrs["provenance"]["options"]["lq_universe"]["benchmark_total"] == (
        "the benchmark's '*' row"
    )
    # the benchmark is ten times the sum of the regions: the same LQs as no benchmark
    np.testing.assert_allclose(out["lq"], map_panel(panel(), DEFS)["lq"], rtol=1e-12)
    # every industry lies in traded/local clusters: a benchmark without '*' is fine, and says so
    out = map_panel(panel(), DEFS, benchmark=bench[bench.cluster != "*"])
    assert out.attrs["provenance"]["options"]["lq_universe"]["benchmark_total"].startswith(
        "sum of the benchmark's traded and local clusters"
    )


def test_region_clusters_never_exceed_the_region():
    # i is split 0.6 traded + 0.6 local: region A would hold 120 % of its jobs in clusters
    defs = pd.DataFrame(
        {"industry": ["i", "i"], "cluster": ["T", "L"], "cluster_type": ["traded", "local"]}
    )
    one = pd.DataFrame({"region": "A", "industry": ["i"], "year": 2020, "employment": [100.0]})
    with pytest.raises(InputError, match=r"summing to 1\.2") as info:
        map_panel(one, defs.assign(weight=[0.6, 0.6]))
    assert info.value.parameter == "definitions"
    out = map_panel(one, defs.assign(weight=[0.4, 0.6]))
    assert out.employment.sum() == pytest.approx(100.0)  # 40 + 60: exactly the region


def test_store_schemes_pass_the_same_validation(tmp_path):
    from clusteratlas.store import Store

    bad = pd.DataFrame(
        {
            "industry": ["B-E", "B-E"],
            "cluster": ["IND", "ICT"],
            "cluster_name": ["Industry", "ICT"],
            "cluster_type": ["traded", "traded"],
            "weight": 1.0,
            "classification": "NACE_R2",
        }
    )
    with Store(tmp_path / "s.duckdb") as store:
        store.load_scheme(bad, "double")  # the store itself takes any rows
        with pytest.raises(InputError, match=r"store scheme 'double'.*summing to 2") as info:
            map_store(store, "double")
    assert info.value.parameter == "scheme"


def test_cluster_strength_by_hand():
    out = map_panel(panel(), DEFS, level="none")
    strength = cluster_strength(out)
    assert strength.columns.tolist()[:6] == [
        "region",
        "year",
        "level",
        "traded_employment",
        "strong_employment",
        "cluster_strength",
    ]
    s = strength.set_index("region")
    # traded employment: A 30 + 10, B 10 + 30
    assert s.loc["A", "traded_employment"] == 40 and s.loc["B", "traded_employment"] == 40
    # strong: LQ >= q75 of the two regions' LQs, employment and LQ >= 1. T1: LQ A 2.25, B 0.375
    # (q75 = 1.78...), so A's T1 is strong; T2: A 0.75, B 1.125 -> B's T2 (q75 = 1.03...).
    # Employment must exceed q25 of (30, 10) = 15 for T1 and of (10, 30) = 15 for T2: both do.
    table = out.set_index(["region", "cluster"])
    assert bool(table.loc[("A", "T1"), "strong"]) and bool(table.loc[("B", "T2"), "strong"])
    assert s.loc["A", "strong_employment"] == 30 and s.loc["B", "strong_employment"] == 30
    assert s.loc["A", "cluster_strength"] == pytest.approx(30 / 40)
    assert s.loc["A", "n_strong"] == 1 and s.loc["A", "n_clusters"] == 3
    assert strength.attrs["provenance"]["table"] == "strength"
    assert strength.attrs["provenance"]["options"] == out.attrs["provenance"]["options"]
    with pytest.raises(InputError) as info:
        cluster_strength(out.drop(columns="strong"))
    assert (info.value.parameter, info.value.column) == ("result", "strong")


def test_trends_by_hand():
    # A's T1 grows 30 -> 60 over 2015-2020; everything else stays
    out = map_panel(panel(years=(2015, 2020), grow=2.0), DEFS)
    t = trends(out, 2015, 2020)
    row = t.set_index(["region", "cluster"]).loc[("A", "T1")]
    assert row.employment_change == 30
    assert row.employment_cagr == pytest.approx(2 ** (1 / 5) - 1)
    # LQ 2015: (30/100) / (40/300) = 2.25; 2020: (60/130) / (70/330) = 2.1758...
    assert row.lq_start == pytest.approx(2.25)
    assert row.lq_change == pytest.approx((60 / 130) / (70 / 330) - 2.25)
    assert row.region_share_change == pytest.approx(60 / 130 - 30 / 100)
    assert row.benchmark_share_change == pytest.approx(60 / 70 - 30 / 40)
    assert len(t) == 6  # 2 regions x 3 clusters in both years
    assert t.attrs["provenance"]["trends"] == [2015, 2020]
    for start, end, parameter in [
        (2015, 2030, "end"),
        (2010, 2020, "start"),
        (2020, 2015, "start"),
    ]:
        with pytest.raises(InputError) as info:
            trends(out, start, end)
        assert info.value.parameter == parameter


def test_public_names():
    for name in ("map_panel", "map_store", "cluster_strength", "trends"):
        assert callable(getattr(mapping, name)) and name in mapping.__all__


def test_unknown_keyword_is_a_type_error():
    with pytest.raises(TypeError, match="'lq_bsae'"):
        map_panel(panel(), DEFS, lq_bsae="traded")
