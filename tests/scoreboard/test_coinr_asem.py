"""COINr's published ASEM example reproduced stage by stage (within 1e-9).

The shared folder holds every stage COINr computed on the ASEM Sustainable Connectivity data
(51 countries, 49 indicators, 8 sub-pillars, 2 pillars, an index): raw, denominated, imputed
(indicator mean within Group_EurAsia), treated (default winsorisation, winmax 6), normalised
(min-max 0-100) and aggregated (weighted arithmetic means). We run our own pipeline on the raw
data and compare every number, and which points were winsorised.

The raw data, denominators and groups are written as the long CSV files a user gives and read
back by each engine (DuckDB, Spark: :mod:`clusteratlas.scoreboard.engine_input`), so the
reproduction holds on both.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from clusteratlas.scoreboard.coinr import coinr_wide_to_long, framework_from_coinr_meta
from clusteratlas.scoreboard.engine_input import read_inputs
from clusteratlas.scoreboard.pipeline import Pipeline, ScoreboardData

STAGES = ["raw", "denominated", "imputed", "treated", "normalised", "aggregated"]


@pytest.fixture(scope="module", params=["duckdb", pytest.param("spark", marks=pytest.mark.spark)])
def asem(request, shared_file, tmp_path_factory):
    meta = json.loads(shared_file("coinr/asem_method.json").read_text())
    fw = framework_from_coinr_meta(
        shared_file("coinr/asem_indicator_meta.csv"), shared_file("coinr/asem_aggregate_meta.csv")
    )
    data, den, groups = coinr_wide_to_long(shared_file("coinr/asem_indicator_data.csv"))
    group_var = meta["impute"]["groupvar"][0]
    grp = groups[groups["variable"] == group_var].set_index("region")["group"]
    assert meta["impute"]["imtype"] == ["indgroup_mean"] and meta["normalise"]["ntype"] == [
        "minmax"
    ]
    assert meta["aggregate"]["agtype"] == ["arith_mean"]
    params = {
        "impute": {"method": "group-mean"},
        "treat": {
            "method": "coinr",
            "winmax": 6,
            "skew_max": meta["treat"]["t_skew"][0],
            "kurt_max": meta["treat"]["t_kurt"][0],
        },
        "normalise": {"method": "minmax", "range": [0, 100]},
        "aggregate": {"method": "arithmetic"},
    }
    tmp = tmp_path_factory.mktemp("asem")
    data.to_csv(tmp / "data.csv", index=False)
    den.to_csv(tmp / "den.csv", index=False)
    grp.rename("group").rename_axis("region").reset_index().to_csv(tmp / "grp.csv", index=False)
    backend = "duckdb" if request.param == "duckdb" else request.getfixturevalue("spark_backend")
    sd = read_inputs(
        tmp / "data.csv",
        tmp / "den.csv",
        tmp / "grp.csv",
        backend=backend,
        indicators=fw.indicator_codes,
    )
    assert sd.inputs["data"]["engine"] == request.param
    in_memory = ScoreboardData(data, den, grp)
    for got, want in ((sd.values, data), (sd.denominators, den)):  # read back exactly
        pd.testing.assert_frame_equal(
            got.sort_values(list(got.columns[:3])).reset_index(drop=True),
            want.sort_values(list(want.columns[:3])).reset_index(drop=True),
            check_dtype=False,
        )
    assert sd.groups.sort_index().equals(in_memory.groups.sort_index())
    run = Pipeline(fw, params).run(sd)
    return fw, run, shared_file


def test_framework_from_coinr_metadata(asem):
    fw, _, _ = asem
    assert len(fw.indicators) == 49
    assert [n.code for n in fw.root.children] == ["Conn", "Sust"]
    assert sum(1 for n in fw.nodes.values() if n.level == "subdimension") == 8
    assert fw.nodes["Goods"].denominator == "Den_GDP" and fw.nodes["CO2"].direction == -1


@pytest.mark.parametrize("stage", STAGES)
def test_every_stage_matches_coinr(asem, stage):
    _, run, shared_file = asem
    ref = pd.read_csv(shared_file(f"coinr/asem_stage_{stage}.csv")).set_index("UnitCode")
    ours = run.stages[stage].droplevel("year")
    cols = [c for c in ref.columns if c not in ("UnitName", "Year") and not c.startswith("Group_")]
    assert set(cols) <= set(ours.columns), set(cols) - set(ours.columns)
    assert sorted(ours.index) == sorted(ref.index)
    a = ours.loc[ref.index, cols].to_numpy(dtype=float)
    b = ref[cols].to_numpy(dtype=float)
    assert np.array_equal(np.isnan(a), np.isnan(b))
    assert np.nanmax(np.abs(a - b)) < 1e-9


def test_winsorised_points_match_coinr(asem):
    _, run, shared_file = asem
    ref = pd.read_csv(shared_file("coinr/asem_treatment_summary.csv")).set_index("IndCode")
    ours = run.step("treat")["details"]["summary"].set_index("indicator")
    assert (ours.loc[ref.index, "low"].to_numpy() == ref["Low"].to_numpy()).all()
    assert (ours.loc[ref.index, "high"].to_numpy() == ref["High"].to_numpy()).all()
    winsorised = ref["Treatment"].str.startswith("Winsorised")
    assert (ours.loc[ref.index[winsorised], "treatment"] == "winsorised").all()
    assert (ours.loc[ref.index[~winsorised], "treatment"] == "none").all()
    # rounds = the number COINr reports in "Winsorised N points"
    n = ref.loc[winsorised, "Treatment"].str.extract(r"(\d+)")[0].astype(int)
    assert (ours.loc[n.index, "rounds"].to_numpy() == n.to_numpy()).all()
    # the flags point at the very cells that changed
    flags = run.treatment_flags.droplevel("year")
    assert (flags != "").to_numpy().sum() == int(ref["Low"].sum() + ref["High"].sum())


def test_published_results_table(asem):
    _, run, shared_file = asem
    ref = pd.read_csv(shared_file("coinr/asem_results_scores.csv")).set_index("UnitCode")
    agg = run.aggregated.droplevel("year")
    for col in ["Index", "Conn", "Sust", "Physical", "SusEcFin"]:
        assert np.allclose(agg.loc[ref.index, col].round(2), ref[col], atol=0.0051)
    ranks = run.ranks().droplevel("year")["Index"]
    assert (ranks.loc[ref.index].to_numpy() == ref["Rank"].to_numpy()).all()
