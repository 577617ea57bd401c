"""The one YAML reader: scalars kept as written with their lines, typed by pydantic models
whose JSON Schemas are committed in docs/schemas/ (and must match the models)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from clusteratlas.classifications.scheme_file import read_scheme_file
from clusteratlas.errors import InputError
from clusteratlas.scoreboard.framework import load_framework
from clusteratlas.sources.recipes import load_recipes
from clusteratlas.yamlfile import SCHEMA_FILES, Text, read_yaml, schema_text

DOCS = Path(__file__).resolve().parent.parent / "docs" / "schemas"

# The two codes the old framework reader got wrong (yaml.safe_load: 01.10 -> 1.1, 011 -> 9).
CODES = ("01.10", "011")


def test_plain_yaml_would_change_the_codes():
    # the reason for the reader: what a plain loader makes of the same text
    assert yaml.safe_load("[01.10, 011]") == [1.1, 9]


def test_scalars_stay_text_with_their_line():
    doc = read_yaml("a:\n  codes: [01.10, 011]\n  weight: 0.5\n  empty:\n  quoted: ''\n")
    assert doc["a"]["codes"] == list(CODES)
    assert all(isinstance(c, Text) and c.line == 2 for c in doc["a"]["codes"])
    assert doc["a"]["weight"] == "0.5" and doc["a"]["weight"].line == 3
    assert doc["a"]["empty"] is None and doc["a"]["quoted"] == ""
    assert doc.line == 1 and doc["a"].line == 2


def test_framework_keeps_codes_as_written(tmp_path):
    text = (
        "name: Codes\ndimensions:\n  - code: D\n    name: d\n    indicators:\n"
        "      - {code: 01.10, name: Growing of cereals, weight: 2}\n"
        "      - {code: 011, name: 011, direction: -1, goalposts: [0, 100]}\n"
    )
    path = tmp_path / "fw.yaml"
    path.write_text(text, encoding="utf-8")
    fw = load_framework(path)
    assert fw.indicator_codes == list(CODES)
    ind = fw.nodes["011"]
    assert ind.name == "011" and ind.direction == -1 and ind.goalposts == (0.0, 100.0)
    assert fw.nodes["01.10"].weight == 2.0 and fw.nodes["01.10"].line == 6


def test_scheme_keeps_codes_as_written(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(
        "classification: NACE_R2\nclusters:\n"
        "  - {code: A, name: Agri, type: traded, industries: [01.10, 011]}\n",
        encoding="utf-8",
    )
    frame = read_scheme_file(path)
    assert sorted(frame["industry"]) == sorted(CODES)


def test_recipe_filters_keep_codes_as_written(tmp_path):
    path = tmp_path / "r.yaml"
    path.write_text(
        "version: 1\nrecipes:\n  r:\n    datasets:\n"
        "      - {code: lfst_r_lfe2en2, filters: {nace_r2: [01.10, 011]}}\n",
        encoding="utf-8",
    )
    item = load_recipes(path)["r"].datasets[0]
    assert item.filters == {"nace_r2": list(CODES)}


@pytest.mark.parametrize(
    ("reader", "text", "line", "field", "words"),
    [
        (
            "framework",
            "name: x\ndimensions:\n  - code: D\n    name: d\n    weight: heavy\n"
            "    indicators: [{code: a, name: a}]\n",
            5,
            "weight",
            "dimensions[0].weight",
        ),
        (
            "framework",
            "name: x\ndimensions:\n  - {code: D, name: d, indicators: [{code: a, p: [1]}]}\n",
            3,
            "p",
            "dimensions[0].indicators[0].p",
        ),
        (
            "recipes",
            "recipes:\n  r:\n    datasets:\n      - code: nama_10r_2gdp\n        colour: red\n",
            5,
            "colour",
            "unknown key",
        ),
        (
            "recipes",
            "recipes:\n  r:\n    datasets:\n      - {code: nama_10r_2gdp, format: pdf}\n",
            4,
            "format",
            "recipes.r.datasets[0].format",
        ),
        (
            "scheme",
            "clusters:\n  - code: A\n    name: A\n    type: traded\n"
            "    industries:\n      - {code: '01', weight: heavy}\n",
            6,
            "weight",
            "clusters[0].industries[0].weight:",
        ),
    ],
)
def test_errors_name_file_line_and_field(tmp_path, reader, text, line, field, words):
    path = tmp_path / "f.yaml"
    path.write_text(text, encoding="utf-8")
    read = {"framework": load_framework, "recipes": load_recipes, "scheme": read_scheme_file}
    with pytest.raises(InputError) as err:
        read[reader](path)
    assert err.value.file == str(path)
    assert err.value.line == line, str(err.value)
    assert err.value.column == field, str(err.value)
    assert words in err.value.message, str(err.value)


def test_packaged_files_read_like_plain_yaml_except_for_types():
    # the packaged edition and recipes: same structure and text as a plain loader gives
    from importlib import resources

    from clusteratlas.scoreboard.edition_file import FRAMEWORK_FILE, edition_framework_dict

    ref = resources.files("clusteratlas.scoreboard").joinpath("data", FRAMEWORK_FILE)
    plain = yaml.safe_load(ref.read_text("utf-8"))
    typed = edition_framework_dict()
    assert json.dumps(typed, sort_keys=True, default=float) == json.dumps(
        plain, sort_keys=True, default=float
    ).replace('"scale": 1000000', '"scale": 1000000.0')
    recipes = load_recipes()
    plain_recipes = yaml.safe_load(
        resources.files("clusteratlas.sources").joinpath("eurostat_recipes.yaml").read_text()
    )["recipes"]
    assert {k: len(v.datasets) for k, v in recipes.items()} == {
        k: len(v["datasets"]) for k, v in plain_recipes.items()
    }


@pytest.mark.parametrize("name", sorted(SCHEMA_FILES))
def test_committed_json_schema_matches_the_model(name):
    committed = DOCS / name
    assert committed.is_file(), f"run python scripts/write_schemas.py ({name} is missing)"
    assert committed.read_text(encoding="utf-8") == schema_text(name), (
        f"docs/schemas/{name} is out of date: run python scripts/write_schemas.py"
    )
    assert json.loads(committed.read_text(encoding="utf-8"))["$schema"].endswith("2020-12/schema")
