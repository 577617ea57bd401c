"""LQs on Eurostat ``lfst_r_lfe2en2`` (employment by NUTS 2 region and NACE section) by hand.

Panel: persons aged 15–64 (``age=Y15-64``), thousands × 1000, years 2008–2015 (checked:
2010 and 2015), NUTS 2013 codes. The scheme is user-defined on the table's own codes: each
NACE aggregate (``A``, ``B-E``, ``F`` ... ``R-U``) is a "cluster" of itself; ``TOTAL``
carries the region totals (``total_industry``); ``NRP`` (no response) is left out.

Benchmark choice: the regions of NUTS level 2 of the EU-28 countries, summed (``level="nuts"``
keeps NUTS 0/1 and the EU/EA aggregates out of the level-2 group), so the hand formula is

    LQ[r,s] = (E[r,s] / E[r,TOTAL]) / (sum_r' E[r',s] / sum_r' E[r',TOTAL])

over those regions, skipping missing (``:``) cells in each sum. A second check uses Eurostat's
own ``EU28`` row as an external benchmark.
"""

from __future__ import annotations

import ibis
import pandas as pd
import pytest

from clusteratlas.errors import InputError
from clusteratlas.mapping import build_cluster_table
from clusteratlas.mapping.levels import nuts_level

pytestmark = pytest.mark.shared

EU28 = [
    "AT",
    "BE",
    "BG",
    "CY",
    "CZ",
    "DE",
    "DK",
    "EE",
    "EL",
    "ES",
    "FI",
    "FR",
    "HR",
    "HU",
    "IE",
    "IT",
    "LT",
    "LU",
    "LV",
    "MT",
    "NL",
    "PL",
    "PT",
    "RO",
    "SE",
    "SI",
    "SK",
    "UK",
]
SECTIONS = ["A", "B-E", "F", "G-I", "J", "K", "L", "M_N", "O-Q", "R-U"]
TRADED = {"B-E", "J", "K", "M_N"}
CHECKS = [("DE11", "B-E"), ("FR10", "K"), ("ITC4", "J"), ("PL12", "M_N"), ("UKI3", "K")]


@pytest.fixture(scope="module")
def lfs(shared_file) -> pd.DataFrame:
    from clusteratlas.sources.eurostat_tsv import read_eurostat_tsv

    raw = read_eurostat_tsv(shared_file("eu_employment/lfst_r_lfe2en2_2017snapshot.tsv.gz"))
    raw = raw[(raw["age"] == "Y15-64") & (raw["unit"] == "THS")]
    return pd.DataFrame(
        {
            "region": raw["geo"].astype(str),
            "industry": raw["nace_r2"].astype(str),
            "year": raw["time"].astype(str).str.strip().astype(int),
            "employment": raw["value"].astype(float) * 1000.0,
        }
    ).reset_index(drop=True)


def scheme() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "industry": SECTIONS,
            "cluster": SECTIONS,
            "cluster_type": ["traded" if s in TRADED else "local" for s in SECTIONS],
        }
    )


def eu_panel(lfs: pd.DataFrame) -> pd.DataFrame:
    keep = lfs.region.str[:2].isin(EU28) & lfs.industry.isin([*SECTIONS, "TOTAL"])
    return lfs[keep & lfs.region.map(lambda c: nuts_level(c) is not None)]


def test_lq_sum_of_eu28_nuts2_regions(lfs):
    panel = eu_panel(lfs)
    out = build_cluster_table(
        ibis.memtable(panel), ibis.memtable(scheme()), level="nuts", total_industry="TOTAL"
    ).to_pandas()
    out = out[out.level == 2].set_index(["region", "cluster", "year"])
    nuts2 = panel[panel.region.str.len() == 4]
    wide = nuts2.pivot_table(
        index=["region", "year"], columns="industry", values="employment", aggfunc="first"
    )
    checked = 0
    for year in (2010, 2015):
        w = wide.xs(year, level="year")
        for region, sector in CHECKS:
            # hand formula, missing cells skipped in the sums
            lq = (w.loc[region, sector] / w.loc[region, "TOTAL"]) / (
                w[sector].sum() / w["TOTAL"].sum()
            )
            assert out.loc[(region, sector, year), "lq"] == pytest.approx(lq, rel=1e-12)
            checked += 1
    assert checked == 10
    assert out.index.get_level_values("region").nunique() > 250  # EU-28 NUTS 2 regions


def test_lq_against_eurostat_eu28_row(lfs):
    panel = eu_panel(lfs)
    eu = lfs[(lfs.region == "EU28") & lfs.industry.isin([*SECTIONS, "TOTAL"])]
    bench = pd.DataFrame(
        {
            "cluster": eu.industry.replace({"TOTAL": "*"}),
            "year": eu.year,
            "employment": eu.employment,
        }
    )
    out = build_cluster_table(
        ibis.memtable(panel),
        ibis.memtable(scheme()),
        level="nuts",
        total_industry="TOTAL",
        benchmark=ibis.memtable(bench),
    ).to_pandas()
    out = out.set_index(["region", "cluster", "year"])
    value = panel.set_index(["region", "industry", "year"])["employment"]
    eu_value = eu.set_index(["industry", "year"])["employment"]
    for region, sector in CHECKS:
        lq = (value[(region, sector, 2015)] / value[(region, "TOTAL", 2015)]) / (
            eu_value[(sector, 2015)] / eu_value[("TOTAL", 2015)]
        )
        assert out.loc[(region, sector, 2015), "lq"] == pytest.approx(lq, rel=1e-12)
    # the traded base uses the traded universe of the EU28 row: B-E + J + K + M_N
    traded = build_cluster_table(
        ibis.memtable(panel),
        ibis.memtable(scheme()),
        level="nuts",
        lq_base="traded",
        benchmark=ibis.memtable(bench),
    ).to_pandas()
    row = traded[(traded.region == "DE11") & (traded.cluster == "J") & (traded.year == 2015)]
    de11 = sum(value[("DE11", s, 2015)] for s in TRADED)
    eu_traded = sum(eu_value[(s, 2015)] for s in TRADED)
    expected = (value[("DE11", "J", 2015)] / de11) / (eu_value[("J", 2015)] / eu_traded)
    assert row["lq"].iloc[0] == pytest.approx(expected, rel=1e-12)


def test_benchmark_file_equal_to_the_sum_of_regions_gives_the_same_lqs(lfs, tmp_path):
    # Benchmark = the NUTS 2 regions summed by hand (sections, and TOTAL as the '*' row), as a
    # file through map_panel: every LQ equals the one computed with no benchmark at all.
    from clusteratlas.mapping import map_panel

    panel = eu_panel(lfs)
    panel = panel[panel.region.str.len() == 4].dropna(subset=["employment"])
    sums = panel.groupby(["industry", "year"], as_index=False).employment.sum()
    bench = sums.rename(columns={"industry": "cluster"}).replace({"cluster": {"TOTAL": "*"}})
    bench_file = tmp_path / "eu28_nuts2_sum.csv"
    bench.to_csv(bench_file, index=False)
    defs = scheme().assign(cluster_name=SECTIONS)
    common = dict(level="none", total_industry="TOTAL")
    plain = map_panel(panel, defs, **common).set_index(["region", "cluster", "year"])
    ext = map_panel(panel, defs, benchmark=bench_file, **common)
    ext = ext.set_index(["region", "cluster", "year"]).loc[plain.index]
    assert len(plain) > 250 * len(SECTIONS)  # every EU-28 NUTS 2 region x section x year
    pd.testing.assert_series_equal(ext["lq"], plain["lq"], rtol=1e-12)
    assert (ext["stars"] == plain["stars"]).all()
    assert ext.attrs["provenance"]["options"]["lq_universe"]["benchmark_total"] == (
        "the benchmark's '*' row"
    )
    # and without the '*' row the same file is refused: TOTAL rows are not a sum of sections
    bench[bench.cluster != "*"].to_csv(bench_file, index=False)
    with pytest.raises(InputError, match=r"add a '\*' row") as info:
        map_panel(panel, defs, benchmark=bench_file, **common)
    assert info.value.file == str(bench_file)
