"""Stress-test scoring: hand-computed on a small questionnaire, and a monotonicity property."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clusteratlas.errors import InputError
from clusteratlas.policy import (
    AnswerErrors,
    load_questionnaire,
    overall_score,
    question_score,
    score_answers,
    theme_score,
    traffic_light,
)

SMALL = Path(__file__).with_name("small.yaml")


@pytest.fixture(scope="module")
def small():
    return load_questionnaire(SMALL)


def test_hand_computed_small_questionnaire(small):
    # a.one = 1 on 0..4 -> 0.25 (weight 2); a.two = 4 -> 1.0 (weight 1)
    #   theme A = 100 * (2*0.25 + 1*1.0) / 3 = 50.0 -> amber
    # b.one = 2 on 1..3 -> 0.5 -> theme B = 50.0 ... make it 3 -> 1.0 -> 100.0 -> green
    # overall = (1*50 + 2*100) / 3 = 83.33.. -> green
    r = score_answers(small, {"a.one": 1, "a.two": "4", "b.one": 3})
    a, b = r.themes
    assert a["score"] == pytest.approx(50.0) and a["light"] == "amber"
    assert b["score"] == pytest.approx(100.0) and b["light"] == "green"
    assert r.overall == pytest.approx(250 / 3) and r.light == "green"
    assert (a["answered"], a["total"], b["answered"], b["total"]) == (2, 2, 1, 1)
    assert a["advice"] == ["Advice a.one at 1"]  # a.two at 4 has no advice
    assert r.complete and (r.answered, r.total) == (3, 3)


def test_not_applicable_and_unanswered_are_not_scored(small):
    # a.one n/a, a.two = 1 -> 0.25 -> theme A = 25 (red); b unanswered -> no score
    # overall = theme A alone = 25 -> red
    r = score_answers(small, {"a.one": "na", "a.two": 1, "b.one": ""})
    a, b = r.themes
    assert a["score"] == pytest.approx(25.0) and a["light"] == "red"
    assert a["not_applicable"] == 1 and a["answered"] == 1
    assert b["score"] is None and b["light"] is None and b["answered"] == 0
    assert r.overall == pytest.approx(25.0) and r.light == "red"
    assert not r.complete
    assert a["advice"] == ["Advice a.two at 1"]


def test_advice_ordered_by_weighted_gap(small):
    # a.one = 0: gap 2*(1-0) = 2; a.two = 1: gap 1*(1-0.25) = 0.75
    r = score_answers(small, {"a.one": 0, "a.two": 1, "b.one": 2})
    assert r.themes[0]["advice"] == ["Advice a.one at 0", "Advice a.two at 1"]
    assert r.themes[1]["advice"] == ["Advice b.one at 2"]
    # theme A = 100 * (0 + 0.25) / 3; theme B = 50; overall = (A + 2*50) / 3
    a = 100 * 0.25 / 3
    assert r.overall == pytest.approx((a + 100) / 3)


def test_bad_answers_are_all_reported(small):
    with pytest.raises(AnswerErrors) as info:
        score_answers(small, {"a.one": 7, "zz": 1, "b.one": "na", "a.two": "x"})
    errors = info.value.errors
    assert set(errors) == {"a.one", "zz", "b.one", "a.two"}
    assert "not on the scale" in errors["a.one"]
    assert "no such question" in errors["zz"]
    assert "no 'not applicable'" in errors["b.one"]  # scale "three" has no na_label
    assert len(str(info.value).splitlines()) == 4
    assert info.value.parameter == "a.one"


def test_nothing_to_score_is_an_input_error(small):
    with pytest.raises(InputError, match="nothing to score"):
        score_answers(small, {"a.one": "na"})


def test_statistics_by_hand():
    assert question_score(2, 1, 3) == 0.5
    assert theme_score([(1, 0.5), (3, 1.0)]) == pytest.approx(100 * 3.5 / 4)
    assert overall_score([(1, 10.0), (1, None), (3, 50.0)]) == pytest.approx(40.0)
    assert traffic_light(40, 40, 70) == "amber" and traffic_light(39.99, 40, 70) == "red"
    with pytest.raises(ValueError):
        question_score(5, 0, 4)


PACKAGED = load_questionnaire()
QIDS = [q.id for q in PACKAGED.questions]


@st.composite
def answers_and_raise(draw):
    """Any answers to the packaged questionnaire, and one answered question to raise."""
    answers = {}
    for qid in QIDS:
        scale = PACKAGED.scale_of(qid)
        answers[qid] = draw(st.one_of(st.none(), st.just("na"), st.sampled_from(scale.values)))
    target = draw(st.sampled_from(QIDS))
    values = PACKAGED.scale_of(target).values
    low = draw(st.sampled_from(values))
    high = draw(st.sampled_from([v for v in values if v >= low]))
    answers[target] = low
    return answers, target, high


@settings(max_examples=200, deadline=None)
@given(answers_and_raise())
def test_raising_an_answer_never_lowers_its_theme_score(case):
    answers, target, high = case
    before = score_answers(PACKAGED, answers)
    after = score_answers(PACKAGED, {**answers, target: high})
    theme = PACKAGED.theme_of(target).id
    t0 = next(t for t in before.themes if t["theme"] == theme)["score"]
    t1 = next(t for t in after.themes if t["theme"] == theme)["score"]
    assert t1 >= t0 - 1e-9
    assert after.overall >= before.overall - 1e-9
    assert 0 <= after.overall <= 100
