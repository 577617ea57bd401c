"""The public scoreboard API: typed keywords reaching every pipeline option, frames in,
``.scores`` and ``.strengths`` out. Expected values are computed by hand in the comments
(data of ``conftest.py``: I1 = 30, 40, 20; I2 = 10, 5, missing; I3 / pop = 10, 15, 10)."""

from __future__ import annotations

import inspect
import math

import pandas as pd
import pytest

from clusteratlas.errors import InputError
from clusteratlas.scoreboard import api
from clusteratlas.scoreboard.pipeline import DEFAULTS

# keyword of score()/pipeline_params() -> (step, key) of the pipeline's DEFAULTS
KEYWORDS = {
    "min_unit_share": ("screen", "min_unit_share"),
    "min_indicator_share": ("screen", "min_indicator_share"),
    "denominate": ("denominate", "enabled"),
    "impute": ("impute", "method"),
    "max_gap": ("impute", "max_gap"),
    "treat": ("treat", "method"),
    "treat_scope": ("treat", "scope"),
    "winmax": ("treat", "winmax"),
    "skew_max": ("treat", "skew_max"),
    "kurt_max": ("treat", "kurt_max"),
    "sd_k": ("treat", "sd_k"),
    "ris_skew_max": ("treat", "ris_skew_max"),
    "normalise": ("normalise", "method"),
    "normalise_range": ("normalise", "range"),
    "normalise_scope": ("normalise", "scope"),
    "mean_sd": ("normalise", "mean_sd"),
    "reference": ("normalise", "reference"),
    "cap": ("normalise", "cap"),
    "weights": ("weight", "method"),
    "aggregate": ("aggregate", "method"),
    "power": ("aggregate", "p"),
    "override": ("aggregate", "override"),
    "min_share": ("aggregate", "min_share"),
}


def test_every_pipeline_option_is_a_typed_keyword_of_score():
    reached = set(KEYWORDS.values())
    every = {(step, key) for step, keys in DEFAULTS.items() for key in keys}
    assert every == reached, f"unreachable from score(): {sorted(every - reached)}"
    # score(**options: Unpack[PipelineOptions]): every keyword typed in the TypedDict
    assert "Unpack[PipelineOptions]" in str(inspect.signature(api.score).parameters["options"])
    typed = api.PipelineOptions.__annotations__
    assert set(typed) == set(KEYWORDS), set(KEYWORDS) ^ set(typed)
    assert api.KEYWORDS == KEYWORDS


def test_each_keyword_lands_on_its_pipeline_parameter():
    changed = {
        "min_unit_share": 0.25, "min_indicator_share": 0.5, "denominate": False,
        "impute": "median", "max_gap": 2, "treat": "ris", "treat_scope": "global",
        "winmax": 3, "skew_max": 1.5, "kurt_max": 4.0, "sd_k": 2.5, "ris_skew_max": 0.5,
        "normalise": "zscore", "normalise_range": (1.0, 10.0), "normalise_scope": "global",
        "mean_sd": (100.0, 10.0), "reference": "A", "cap": True, "weights": "balanced",
        "aggregate": "generalised", "power": 3.0, "override": True, "min_share": 0.75,
    }  # fmt: skip
    params = api.pipeline_params(**changed)
    for name, (step, key) in KEYWORDS.items():
        expected = changed[name]
        if isinstance(expected, tuple):
            expected = list(expected)
        assert params[step][key] == expected, name


def test_generalised_aggregation_runs_and_matches_hand_computation(example_files):
    res = api.score(
        example_files["framework"],
        example_files["data"],
        denominators=example_files["denominators"],
        impute="mean",
        aggregate="generalised",
        power=2,
    )
    wide = res.scores.pivot(index="region", columns="node", values="score")
    # min-max 0-100: I1 A 50, B 100, C 0; I2 (direction -1, C imputed 7.5) A 0, B 100, C 50;
    # I3 A 0, B 100, C 0. D1.1 = sqrt((1*I1^2 + 2*I2^2) / 3); D1.2 = I3;
    # D1 = sqrt((D1.1^2 + D1.2^2) / 2); INDEX = D1 (D2 is not covered).
    d11 = {"A": math.sqrt(2500 / 3), "B": 100.0, "C": math.sqrt(5000 / 3)}
    d1 = {"A": math.sqrt(2500 / 3 / 2), "B": 100.0, "C": math.sqrt(5000 / 3 / 2)}
    for region in "ABC":
        assert wide.loc[region, "D1.1"] == pytest.approx(d11[region])
        assert wide.loc[region, "D1"] == pytest.approx(d1[region])
        assert wide.loc[region, "INDEX"] == pytest.approx(d1[region])
    assert res.run.step("aggregate")["params"]["p"] == 2.0


def test_generalised_without_power_names_the_python_keyword(example_files):
    with pytest.raises(InputError) as info:
        api.score(example_files["framework"], example_files["data"], aggregate="generalised")
    assert info.value.parameter == "power"


def test_dataframes_give_the_same_scores_as_files(example_files):
    from_files = api.score(
        example_files["framework"], example_files["data"],
        denominators=example_files["denominators"], impute="mean",
    )  # fmt: skip
    from_frames = api.score(
        example_files["framework"],
        pd.read_csv(example_files["data"]),
        denominators=pd.read_csv(example_files["denominators"]),
        impute="mean",
    )
    pd.testing.assert_frame_equal(from_files.scores, from_frames.scores)
    assert from_frames.run.data.inputs["data"]["kind"] == "DataFrame"


def test_dataframe_input_is_checked_like_a_file(example_files):
    bad = pd.read_csv(example_files["data"]).astype({"value": object})
    bad.loc[4, "value"] = "lots"  # row 4 -> line 6 of the equivalent CSV
    with pytest.raises(InputError, match="not a number") as info:
        api.score(example_files["framework"], bad)
    assert info.value.line == 6 and info.value.column == "value"
    with pytest.raises(InputError, match="missing column") as info:
        api.score(example_files["framework"], bad.drop(columns=["indicator"]))
    assert info.value.parameter == "data"


def test_framework_as_parent_table(example_files):
    rows = pd.DataFrame(
        {
            "code": ["INDEX", "D1", "I1", "I3"],
            "name": ["Index", "Knowledge", "Tertiary", "R&D"],
            "parent": [None, "INDEX", "D1", "D1"],
            "weight": [1, 1, 1, 3],
        }
    )
    data = pd.read_csv(example_files["data"])
    res = api.score(rows, data[data["indicator"] != "I2"])
    wide = res.scores.pivot(index="region", columns="node", values="score")
    # I3 raw 100, 300, 50 (no denominator here) -> A 20, B 100, C 0; D1 = (I1 + 3 I3) / 4
    assert wide.loc["A", "D1"] == pytest.approx((50 + 3 * 20) / 4)


def test_strengths_is_a_plain_dataframe_with_hand_computed_relative_scores(example_files):
    res = api.score(
        example_files["framework"], example_files["data"],
        denominators=example_files["denominators"], impute="mean",
    )  # fmt: skip
    table = res.strengths("B", peers=["A", "C"])
    assert isinstance(table.index, pd.RangeIndex)
    assert set(table["flag"]) == {"strength"}
    rel = table.set_index("node")["relative"]
    # I1: 100 / mean(50, 0) = 400; I2: 100 / mean(0, 50) = 400;
    # D1.1 (I1 + 2 I2)/3: B 100, A 50/3, C 100/3 -> 100 / 25 = 400
    assert rel["I1"] == pytest.approx(400) and rel["I2"] == pytest.approx(400)
    assert rel["D1.1"] == pytest.approx(400)
    assert "I3" not in rel.index  # peers' mean 0: no relative score, no flag
    assert table.attrs["peers"] == ["A", "C"] and table.attrs["year"] == 2020
    every = res.strengths("C", peers=["A", "B"], all_nodes=True).set_index("node")
    # C: I1 0 -> relative 0 (bottleneck); I2 50 vs mean(0, 100) = 50 -> 100 (no flag)
    assert every.loc["I1", "flag"] == "bottleneck"
    assert every.loc["I2", "relative"] == pytest.approx(100) and every.loc["I2", "flag"] == ""


def test_strengths_without_peers_or_structure_names_python_keywords(example_files):
    res = api.score(example_files["framework"], example_files["data"], impute="mean",
                    denominators=example_files["denominators"])  # fmt: skip
    with pytest.raises(InputError) as info:
        res.strengths("B")
    assert info.value.parameter == "peers"
    with pytest.raises(InputError) as info:
        res.strengths("Z", peers=["A"])
    assert info.value.parameter == "region"


def test_default_peers_from_a_structure_frame(example_files):
    structure = pd.DataFrame({"region": ["A", "B", "C"], "gdp": [1.0, 1.1, 5.0]})
    res = api.score(
        example_files["framework"], example_files["data"], impute="mean",
        denominators=example_files["denominators"], structure=structure,
    )  # fmt: skip
    table = res.strengths("A", all_nodes=True)
    # both other regions are the only candidates: peers B and C, nearest (B) first
    assert table.attrs["peers"] == ["B", "C"]


def test_year_range(example_files, tmp_path):
    data = pd.read_csv(example_files["data"])
    later = data.assign(year=2021)
    both = pd.concat([data, later])
    res = api.score(example_files["framework"], both, denominators=None, impute="mean",
                    denominate=False, year=(2021, 2030))  # fmt: skip
    assert set(res.scores["year"]) == {2021}
    with pytest.raises(InputError) as info:
        api.score(example_files["framework"], both, denominate=False, year=(1990, 1991))
    assert info.value.parameter == "year"


@pytest.mark.parametrize(
    ("options", "parameter"),
    [
        ({"min_share": 2.0}, "min_share"),
        ({"winmax": -1}, "winmax"),
        ({"aggregate": "median"}, "aggregate"),
        ({"normalise_range": (5.0, 1.0)}, "normalise_range"),
        ({"uncertainty": -1}, "uncertainty"),
        ({"impute": "magic"}, "impute"),
    ],
)
def test_errors_name_the_python_keyword(example_files, options, parameter):
    with pytest.raises(InputError) as info:
        api.score(example_files["framework"], example_files["data"],
                  denominators=example_files["denominators"], **options)  # fmt: skip
    assert info.value.parameter == parameter
