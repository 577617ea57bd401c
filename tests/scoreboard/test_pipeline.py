"""The logged pipeline: stages, log, regeneration, provenance, and input checks."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from clusteratlas.errors import InputError
from clusteratlas.scoreboard import score
from clusteratlas.scoreboard.framework import framework_from_dict, load_framework
from clusteratlas.scoreboard.pipeline import STEPS, Pipeline, ScoreboardData, regenerate


def test_example_end_to_end(example_files):
    res = score(
        example_files["framework"],
        example_files["data"],
        denominators=example_files["denominators"],
        impute="mean",
    )
    s = res.scores
    assert list(s.columns) == ["region", "year", "node", "level", "score", "rank"]
    assert set(s["level"]) == {"index", "dimension", "subdimension", "indicator"}
    assert "D2" not in set(s["node"])  # not covered: never scored
    wide = s.pivot(index="region", columns="node", values="score")
    # I3 = R&D / pop: A 10, B 15, C 10 -> minmax 0, 100, 0
    assert wide["I3"].tolist() == [0, 100, 0]
    # I2 (direction -1): A 10, B 5, C imputed mean 7.5 -> 0, 100, 50
    assert wide["I2"].tolist() == [0, 100, 50]
    # D1.1 = (I1 + 2 I2) / 3 ; A: (50 + 0)/3
    assert wide.loc["A", "D1.1"] == pytest.approx(50 / 3)
    assert wide.loc["B", "INDEX"] == pytest.approx(100.0)
    ranks = s[s["node"] == "I3"].set_index("region")["rank"]
    assert ranks.to_dict() == {"B": 1, "A": 2, "C": 2}  # ties share the best rank


def test_every_step_is_logged_with_its_parameters(example_files):
    res = score(
        example_files["framework"],
        example_files["data"],
        denominators=example_files["denominators"],
        impute="mean",
        treat="coinr",
    )
    log = res.run.log
    assert [e["step"] for e in log] == list(STEPS)
    assert res.run.step("impute")["params"]["method"] == "mean"
    assert res.run.step("impute")["summary"]["imputed"] == 1
    assert res.run.step("treat")["params"]["winmax"] == 5
    assert res.run.step("denominate")["summary"]["indicators"] == 1


def test_regen_with_a_changed_step(example_files):
    res = score(
        example_files["framework"],
        example_files["data"],
        denominators=example_files["denominators"],
        impute="mean",
    )
    again = res.run.regen(impute={"method": "median"}, normalise={"method": "rank"})
    assert again.step("impute")["params"]["method"] == "median"
    assert again.stages["normalised"]["I1"].tolist() == [2, 3, 1]
    assert res.run.stages["normalised"]["I1"].tolist() == [50, 100, 0]  # original untouched


def test_provenance_sidecar_regenerates_the_result(example_files, tmp_path):
    res = score(
        example_files["framework"],
        example_files["data"],
        denominators=example_files["denominators"],
        impute="mean",
    )
    out = tmp_path / "scores.csv"
    side = res.write(out)
    assert side.name == "scores.csv.provenance.json"
    prov = json.loads(side.read_text())
    roles = {i["role"]: i for i in prov["inputs"]}
    assert len(roles["data"]["sha256"]) == 64 and prov["version"]
    assert prov["framework_sha256"] == load_framework(example_files["framework"]).digest()
    assert [e["step"] for e in prov["log"]] == list(STEPS)
    redo = regenerate(side)
    pd.testing.assert_frame_equal(redo.scores(), res.scores)
    changed = regenerate(side, normalise={"method": "prank"})
    assert changed.step("normalise")["params"]["method"] == "prank"
    example_files["data"].write_text(example_files["data"].read_text() + "D,2020,I1,1\n")
    with pytest.raises(InputError, match="changed since the run"):
        regenerate(side)


def _two_year_data() -> ScoreboardData:
    rows = []
    for year, vals in ((2019, [1.0, 2.0, 3.0]), (2020, [2.0, 4.0, np.nan])):
        for r, v in zip("ABC", vals, strict=True):
            rows.append({"region": r, "year": year, "indicator": "x", "value": v})
            rows.append(
                {
                    "region": r,
                    "year": year,
                    "indicator": "y",
                    "value": 10.0 * (v if r != "A" else 1),
                }
            )
    return ScoreboardData(pd.DataFrame(rows))


def _fw():
    return framework_from_dict(
        {
            "name": "t",
            "dimensions": [
                {
                    "code": "D",
                    "name": "d",
                    "indicators": [{"code": "x", "name": "x"}, {"code": "y", "name": "y"}],
                }
            ],
        }
    )


def test_global_normalisation_and_panel_imputation():
    data = _two_year_data()
    per_year = Pipeline(_fw()).run(data).stages["normalised"]
    pooled = Pipeline(_fw(), {"normalise": {"scope": "global"}}).run(data).stages["normalised"]
    assert per_year.loc[(2020, "B"), "x"] == 100
    assert pooled.loc[(2019, "A"), "x"] == 0 and pooled.loc[(2020, "B"), "x"] == 100
    assert pooled.loc[(2019, "C"), "x"] == pytest.approx(200 / 3)
    carried = Pipeline(_fw(), {"impute": {"method": "panel-last"}}, years=[2020]).run(data)
    assert carried.stages["imputed"].loc[(2020, "C"), "x"] == 3.0
    assert set(carried.stages["aggregated"].index.get_level_values("year")) == {2020}


def test_balanced_weights_equalise_correlations():
    rng = np.random.default_rng(3)
    base = rng.normal(size=60)
    rows = []
    for i in range(60):
        vals = {
            "a": base[i] + rng.normal(scale=0.2),
            "b": base[i] + rng.normal(scale=0.3),
            "c": rng.normal(),
        }
        rows += [
            {"region": f"R{i}", "year": 2020, "indicator": k, "value": v} for k, v in vals.items()
        ]
    fw = framework_from_dict(
        {
            "name": "t",
            "dimensions": [
                {"code": "D", "name": "d", "indicators": [{"code": k, "name": k} for k in "abc"]}
            ],
        }
    )
    run = Pipeline(fw, {"weight": {"method": "balanced"}}).run(ScoreboardData(pd.DataFrame(rows)))
    bal = run.step("weight")["details"]["balanced"]
    rho = bal[bal["node"] == "D"].set_index("child")["correlation"]
    assert rho.max() - rho.min() < 0.05
    assert run.framework.nodes["c"].weight > run.framework.nodes["a"].weight


def test_screening_drops_sparse_indicators_and_units(example_files):
    fw = load_framework(example_files["framework"])
    data = ScoreboardData.from_files(example_files["data"], example_files["denominators"])
    run = Pipeline(fw, {"screen": {"min_indicator_share": 0.9, "min_unit_share": 0.0}}).run(data)
    assert run.step("screen")["summary"]["indicators_dropped"] == ["I2"]
    assert "I2" not in run.framework.nodes
    run = Pipeline(fw, {"screen": {"min_unit_share": 0.9}}).run(data)
    assert run.step("screen")["summary"]["units_dropped"] == 1
    assert "C" not in set(run.aggregated.index.get_level_values("region"))


def test_input_checks(example_files, tmp_path):
    fw = load_framework(example_files["framework"])
    bad = tmp_path / "bad.csv"
    bad.write_text(example_files["data"].read_text() + "A,2020,I9,1\n")
    with pytest.raises(InputError, match=r"unknown indicator 'I9'.*") as err:
        Pipeline(fw).run(ScoreboardData.from_files(bad, example_files["denominators"]))
    assert err.value.line == 11 and err.value.column == "indicator"
    lacking = tmp_path / "lacking.csv"
    lacking.write_text(
        "\n".join(
            line for line in example_files["data"].read_text().splitlines() if ",I1," not in line
        )
        + "\n"
    )
    with pytest.raises(InputError, match=r"indicators\[0\] \(I1\) has no data") as err:
        Pipeline(fw).run(ScoreboardData.from_files(lacking, example_files["denominators"]))
    assert err.value.file == str(example_files["framework"]) and err.value.line == 9
    with pytest.raises(InputError, match="no denominators file"):
        Pipeline(fw).run(ScoreboardData.from_files(example_files["data"]))
    with pytest.raises(InputError, match="not in the data"):
        Pipeline(fw, years=[1999]).run(
            ScoreboardData.from_files(example_files["data"], example_files["denominators"])
        )
    with pytest.raises(InputError, match="has no parameter 'winmx'"):
        Pipeline(fw, {"treat": {"winmx": 3}})
    with pytest.raises(InputError, match="geometric mean needs values > 0"):
        Pipeline(fw, {"aggregate": {"method": "geometric"}}).run(
            ScoreboardData.from_files(example_files["data"], example_files["denominators"])
        )


def test_geometric_on_a_positive_range(example_files):
    res = score(
        example_files["framework"],
        example_files["data"],
        denominators=example_files["denominators"],
        impute="mean",
        aggregate="geometric",
        normalise_range=(1, 100),
    )
    wide = res.scores.pivot(index="region", columns="node", values="score")
    assert wide.loc["A", "D1.1"] == pytest.approx((50.5 * 1 * 1) ** (1 / 3))
