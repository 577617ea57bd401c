"""The questionnaire file: the packaged one is valid, a broken one gives one line per error."""

from __future__ import annotations

import re

import pytest

from clusteratlas.errors import InputError
from clusteratlas.policy import QuestionnaireErrors, load_questionnaire, parse_questionnaire
from clusteratlas.policy.questionnaire import PACKAGED

THEMES = {
    "strategy",
    "policy_mix",
    "framework",
    "collaboration",
    "structural_change",
    "international",
    "sme",
    "monitoring",
}


def test_packaged_questionnaire_is_valid_and_covers_the_themes():
    q = load_questionnaire()
    assert {t.id for t in q.themes} == THEMES
    assert len(q.questions) >= 3 * len(THEMES)
    for question in q.questions:
        scale = q.scale_of(question.id)
        # every answer in the lower three steps of the scale (0, 1, 2 of 0..4) has advice
        assert {str(v) for v in scale.values if v < scale.highest - 1} <= set(question.advice), (
            question.id
        )
    assert q.thresholds.amber < q.thresholds.green


BROKEN = """\
id: broken
version: "1"
title: Broken
thresholds: {amber: 80, green: 60}
scales:
  s:
    options:
      - {value: 0, label: No}
      - {value: 1, label: Yes}
themes:
  - id: t
    title: T
    questions:
      - id: t.one
        text: One
        scale: s
        weight: -1
      - id: t.two
        text: Two
        scale: missing_scale
      - id: t.one
        text: Three
        scale: s
        advice:
          "5": never offered
      - id: t.four
        scale: s
        colour: blue
"""


def test_errors_one_line_each_with_file_line_and_question():
    with pytest.raises(QuestionnaireErrors) as info:
        parse_questionnaire(BROKEN, file="broken.yaml")
    lines = str(info.value).splitlines()
    assert info.value.errors == lines
    # the schema errors come first (pydantic collects all of them): weight of t.one (line 17),
    # missing text of t.four (its mapping starts on line 26) and its unknown key colour (28)
    assert lines == [
        "broken.yaml, line 17, question 't.one': weight: Input should be greater than 0 (got '-1')",
        "broken.yaml, line 26, question 't.four': text: missing key",
        "broken.yaml, line 28, question 't.four': colour: unknown key",
    ]


def test_rule_errors_all_reported_after_the_schema_is_right():
    fixed = BROKEN.replace("weight: -1", "weight: 1").replace(
        "      - id: t.four\n        scale: s\n        colour: blue\n",
        "      - id: t.four\n        text: Four\n        scale: s\n",
    )
    with pytest.raises(QuestionnaireErrors) as info:
        parse_questionnaire(fixed, file="q.yaml")
    lines = str(info.value).splitlines()
    assert len(lines) == 4, lines
    assert lines[0] == "q.yaml, line 4: thresholds: amber (80) must be below green (60)"
    assert re.match(r"q\.yaml, line 20, question 't\.two': scale 'missing_scale' is not", lines[1])
    assert lines[2].startswith("q.yaml, line 21, question 't.one': question id used twice")
    assert "(first on line 14)" in lines[2]
    assert lines[3].startswith("q.yaml, line 25, question 't.one': advice for answer '5'")


def test_not_yaml_and_missing_file(tmp_path):
    with pytest.raises(InputError, match="line 2"):
        parse_questionnaire("id: x\n  - : [\n", file="bad.yaml")
    with pytest.raises(InputError, match="file not found"):
        load_questionnaire(tmp_path / "nope.yaml")


def test_packaged_file_is_in_the_package():
    assert PACKAGED.is_file() and PACKAGED.suffix == ".yaml"
