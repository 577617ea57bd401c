"""Relative scores, strengths and bottlenecks, top/bottom lists, peers, joint challenges."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from clusteratlas.errors import InputError
from clusteratlas.scoreboard import results as rs
from clusteratlas.scoreboard.framework import framework_from_dict


@pytest.fixture()
def fw():
    ind = lambda c: {"code": c, "name": f"indicator {c}"}  # noqa: E731
    return framework_from_dict(
        {
            "name": "t",
            "dimensions": [
                {
                    "code": "D1",
                    "name": "one",
                    "subdimensions": [
                        {"code": "S1", "name": "s1", "indicators": [ind("a"), ind("b")]},
                        {"code": "S2", "name": "s2", "indicators": [ind("c")]},
                    ],
                },
                {
                    "code": "D2",
                    "name": "two",
                    "subdimensions": [{"code": "S3", "name": "s3", "indicators": [ind("d")]}],
                },
            ],
        }
    )


@pytest.fixture()
def scores():
    # regions R0..R5; R0 is strong on a, weak on d
    return pd.DataFrame(
        {
            "a": [90.0, 50, 50, 40, 60, 50],
            "b": [50.0, 50, 40, 60, 50, 50],
            "c": [50.0, 45, 55, 50, 50, 50],
            "d": [10.0, 50, 60, 40, 50, 50],
            "S1": [70.0, 50, 45, 50, 55, 50],
            "S2": [50.0, 45, 55, 50, 50, 50],
            "S3": [10.0, 50, 60, 40, 50, 50],
            "D1": [60.0, 47.5, 50, 50, 52.5, 50],
            "D2": [10.0, 50, 60, 40, 50, 50],
        },
        index=[f"R{i}" for i in range(6)],
    )


def test_relative_score_and_flag_rule():
    assert rs.relative_score(60, np.array([40.0, 60.0, np.nan])) == pytest.approx(120)
    assert np.isnan(rs.relative_score(60, np.array([0.0, 0.0])))
    assert rs.flag(48.0, np.array([40.0, 60.0]))[0] == ""
    assert rs.flag(40.0, np.array([50.0, 50.0]))[0] == "bottleneck"
    # quartile rule needs >= 4 peers; 55 vs peers 40..60: >= Q3 (55) -> strength though relative 110
    f, why = rs.flag(55.0, np.array([40.0, 45.0, 50.0, 55.0, 60.0]))
    assert f == "strength" and "Q3" in why
    f, _ = rs.flag(55.0, np.array([40.0, 45.0, 50.0, 55.0, 60.0]), rs.FlagRule(quartiles=False))
    assert f == ""


def test_strengths_and_bottlenecks(fw, scores):
    t = rs.strengths_bottlenecks(scores, fw, "R0", ["R1", "R2", "R3", "R4", "R5"])
    by = t.set_index("node")
    assert by.loc["a", "flag"] == "strength" and by.loc["a", "relative"] == pytest.approx(
        90 / 50 * 100
    )
    assert by.loc["d", "flag"] == "bottleneck" and by.loc["D2", "flag"] == "bottleneck"
    assert by.loc["c", "flag"] == ""
    assert t["flag"].tolist()[0] == "strength" and t["flag"].tolist()[-1] == "bottleneck"
    assert set(t["level"]) == {"indicator", "subdimension", "dimension"}
    with pytest.raises(InputError, match="ZZ"):
        rs.strengths_bottlenecks(scores, fw, "R0", ["ZZ"])


def test_top_bottom_like_coinr(fw, scores):
    t = rs.top_bottom(scores, fw, "R0", n=1)
    assert t["side"].tolist() == ["top", "bottom"]
    assert t.iloc[0]["node"] == "a" and t.iloc[0]["rank"] == 1
    assert t.iloc[1]["node"] == "d" and t.iloc[1]["rank"] == 6 and t.iloc[1]["of"] == 6


def test_structural_peers():
    structure = pd.DataFrame(
        {"gdp": [30.0, 31, 29, 60, 61, 10], "density": [100.0, 110, 90, 500, 480, 20]},
        index=["A", "B", "C", "D", "E", "F"],
    )
    assert rs.default_peers(structure, "A", k=2) == ["B", "C"]
    assert rs.default_peers(structure, "D", k=1) == ["E"]
    # an entity of two members: never its own peer; profile = mean of members
    assert rs.default_peers(structure, ["D", "E"], k=2) == ["B", "A"]
    assert rs.default_peers(structure, "A", k=2, candidates=["D", "E", "F"]) == ["F", "E"]
    with pytest.raises(InputError, match="no structural data for Q"):
        rs.default_peers(structure, "Q")


def test_entity_scores_are_weighted_means(scores):
    e = rs.entity_scores(scores, ["R1", "R2"], {"R1": 3, "R2": 1})
    assert e["c"] == pytest.approx((3 * 45 + 55) / 4)


def test_joint_challenges_matrix(fw, scores):
    entities = {"first": ["R0"], "pair": ["R0", "R3"], "third": ["R3"]}
    peers = {k: ["R1", "R2", "R4", "R5"] for k in entities}
    m = rs.joint_challenges(scores, fw, entities, peers)
    assert list(m.columns) == [
        "node",
        "name",
        "level",
        "first",
        "pair",
        "third",
        "bottlenecks",
        "strengths",
    ]
    top = m.iloc[0]
    assert top["node"] in ("S3", "D2") and top["bottlenecks"] == 3
    assert m.set_index("node").loc["S1", "first"] == "S"
    assert (m["bottlenecks"].diff().dropna() <= 0).all()
