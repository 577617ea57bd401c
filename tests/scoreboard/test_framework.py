"""Framework as data: parsing, validation errors that name the place, tree helpers."""

from __future__ import annotations

from pathlib import Path

import pytest

from clusteratlas.errors import InputError
from clusteratlas.scoreboard.framework import framework_from_parent_table, load_framework
from clusteratlas.scoreboard.weights import effective_weights, sibling_shares


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "fw.yaml"
    p.write_text(text)
    return p


def test_minimal_schema_from_issue(example_files):
    fw = load_framework(example_files["framework"])
    assert fw.name == "Example"
    assert fw.indicator_codes == ["I1", "I2", "I3"]
    assert fw.nodes["I2"].direction == -1 and fw.nodes["I2"].weight == 2.0
    assert fw.nodes["I1"].weight == 1.0
    assert fw.nodes["D1.1"].level == "subdimension" and fw.nodes["D1"].level == "dimension"
    assert fw.nodes["I3"].denominator == "pop"
    assert fw.lineage("I1") == ["I1", "D1.1", "D1", "INDEX"]
    assert not fw.nodes["D2"].covered
    assert [n.code for n in fw.aggregates_bottom_up()] == ["D1.1", "D1.2", "D1", "INDEX"]


def test_roundtrip_and_digest(example_files, tmp_path):
    fw = load_framework(example_files["framework"])
    again = load_framework(write(tmp_path, fw.to_yaml()))
    assert again.to_dict() == fw.to_dict()
    assert again.digest() == fw.digest()


def test_effective_weights_multiply_sibling_shares(example_files):
    fw = load_framework(example_files["framework"])
    share = sibling_shares(fw)
    assert share["I2"] == pytest.approx(2 / 3)
    eff = effective_weights(fw)
    # I2: 2/3 within D1.1, D1.1 is 1/2 of D1, D1 is the only covered dimension
    assert eff["I2"] == pytest.approx(1 / 3)
    assert eff[["I1", "I2", "I3"]].sum() == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("text", "needle", "line"),
    [
        (
            "name: x\ndimensions:\n  - {code: D, name: d, indicators: [{code: D, name: a}]}\n",
            "duplicate code 'D'",
            3,
        ),
        (
            "name: x\ndimensions:\n  - code: D\n    name: d\n    weight: 0\n"
            "    indicators: [{code: a, name: a}]\n",
            "weight must be > 0",
            3,
        ),
        (
            "name: x\ndimensions:\n  - code: D\n    name: d\n    indicators:\n"
            "      - {code: a, name: a, weight: -1}\n",
            "weight must be > 0",
            6,
        ),
        (
            "name: x\ndimensions:\n"
            "  - {code: D, name: d, aggregation: median, indicators: [{code: a, name: a}]}\n",
            "aggregation must be one of",
            3,
        ),
        (
            "name: x\ndimensions:\n"
            "  - {code: D, name: d, indicators: [{code: a, name: a, direction: 2}]}\n",
            "direction must be 1 or -1",
            3,
        ),
        ("name: x\ndimensions:\n  - {code: D, name: d}\n", "has no indicators", 3),
        (
            "name: x\ndimensions:\n"
            "  - {code: D, name: d, aggregation: generalised, indicators: [{code: a, name: a}]}\n",
            "needs p",
            3,
        ),
        (
            "name: x\ndimensions:\n  - {code: D, indicators: [{code: a, name: a}]}\n",
            "missing 'name'",
            3,
        ),
        ("name: x\ndimensions: []\n", "non-empty list", 1),
        ("name: x\nname: y\ndimensions: []\n", "appears twice", 2),
        (
            "name: x\ndimensions:\n  - {code: D, name: d, indicators: [{code: a, name: a}]\n",
            "not valid YAML",
            None,
        ),
    ],
)
def test_bad_frameworks_name_file_line_and_node(tmp_path, text, needle, line):
    path = write(tmp_path, text)
    with pytest.raises(InputError) as err:
        load_framework(path)
    msg = str(err.value)
    assert needle in msg
    assert str(path) in msg
    assert "\n" not in msg
    if line is not None:
        assert err.value.line == line, msg


def test_error_names_node_path(tmp_path):
    text = (
        "name: x\ndimensions:\n  - code: D\n    name: d\n    subdimensions:\n"
        "      - code: S\n        name: s\n        indicators:\n"
        "          - {code: a, name: a, weight: 0}\n"
    )
    with pytest.raises(
        InputError, match=r"dimensions\[0\]\.subdimensions\[0\]\.indicators\[0\] \(a\)"
    ):
        load_framework(write(tmp_path, text))


def test_missing_framework_file(tmp_path):
    with pytest.raises(InputError, match="not found"):
        load_framework(tmp_path / "nope.yaml")


def test_parent_table_detects_cycles_and_unknown_parents():
    rows = [
        {"code": "I", "name": "index", "parent": None},
        {"code": "A", "name": "a", "parent": "B"},
        {"code": "B", "name": "b", "parent": "A"},
    ]
    with pytest.raises(InputError, match="cycle in the framework: A → B → A"):
        framework_from_parent_table(rows)
    with pytest.raises(InputError, match="unknown parent 'Z'"):
        framework_from_parent_table(
            [{"code": "I", "name": "i"}, {"code": "a", "name": "a", "parent": "Z"}]
        )
    with pytest.raises(InputError, match="duplicate code 'a'"):
        framework_from_parent_table(
            [
                {"code": "I", "name": "i"},
                {"code": "a", "name": "a", "parent": "I"},
                {"code": "a", "name": "b", "parent": "I"},
            ]
        )


def test_parent_table_builds_tree():
    rows = [
        {"code": "IDX", "name": "index"},
        {"code": "D", "name": "dim", "parent": "IDX"},
        {"code": "x", "name": "x", "parent": "D", "direction": -1},
        {"code": "y", "name": "y", "parent": "D", "weight": 3},
    ]
    fw = framework_from_parent_table(rows)
    assert fw.root.code == "IDX" and fw.nodes["D"].level == "dimension"
    assert fw.nodes["x"].direction == -1 and fw.nodes["y"].weight == 3


def test_without_indicators_prunes_empty_nodes(example_files):
    fw = load_framework(example_files["framework"]).without_indicators(["I3"])
    assert "D1.2" not in fw.nodes and "I3" not in fw.nodes
    assert fw.indicator_codes == ["I1", "I2"]
