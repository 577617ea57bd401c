"""Scoring the stress test: per question, per theme and overall, with traffic lights.

Every statistic is a small pure function (formula and worked example in its docstring);
:func:`score_answers` only applies them to a questionnaire and a set of answers.

The formulas (``docs/stress-test.md`` has the same text):

- question score ``s_q = (a_q - min_q) / (max_q - min_q)`` in [0, 1], where ``a_q`` is the
  answer's value and ``min_q``/``max_q`` the lowest and highest values of the question's
  scale; "don't know / not applicable" answers and unanswered questions have no score;
- theme score ``T = 100 * sum(w_q * s_q) / sum(w_q)`` over the theme's *scored* questions
  (``w_q`` the question weights); a theme with no scored question has no score;
- overall score ``O = sum(W_t * T_t) / sum(W_t)`` over the themes that have a score
  (``W_t`` the theme weights);
- traffic light: ``red`` if score < amber, ``amber`` if amber <= score < green, ``green``
  if score >= green (thresholds from the questionnaire; the project's are 40 and 70).

Because ``T`` is a weighted mean with positive weights of the scored questions, raising any
answer (others unchanged) never lowers its theme's score, nor the overall score.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from clusteratlas.errors import InputError
from clusteratlas.policy.questionnaire import Questionnaire

#: Answer texts meaning "don't know / not applicable" (scored as no answer, but responded).
NOT_APPLICABLE = ("na", "n/a", "not applicable", "dont-know")
LIGHTS = ("red", "amber", "green")


def question_score(value: float, lowest: float, highest: float) -> float:
    """The score of one answer on its scale, in [0, 1].

    ``s = (value - lowest) / (highest - lowest)`` (min-max scaling of the answer scale).

    >>> question_score(3, 0, 4)
    0.75
    >>> question_score(1, 1, 5)
    0.0
    """
    if highest <= lowest:
        raise ValueError("a scale needs highest > lowest")
    if not lowest <= value <= highest:
        raise ValueError(f"{value} is outside the scale {lowest}..{highest}")
    return (value - lowest) / (highest - lowest)


def weighted_mean(pairs: Iterable[tuple[float, float]]) -> float | None:
    """``sum(w * x) / sum(w)`` of ``(w, x)`` pairs with ``w > 0``; ``None`` for no pair.

    >>> weighted_mean([(2, 1.0), (1, 0.25)])
    0.75
    >>> weighted_mean([]) is None
    True
    """
    total_w = 0.0
    total = 0.0
    for w, x in pairs:
        if w <= 0:
            raise ValueError("weights must be positive")
        total_w += w
        total += w * x
    return None if total_w == 0 else total / total_w


def theme_score(scored: Iterable[tuple[float, float]]) -> float | None:
    """Theme score, 0-100: ``T = 100 * sum(w_q * s_q) / sum(w_q)`` over scored questions.

    ``scored`` holds ``(question weight, question score in [0, 1])``. Worked example: two
    questions of weight 2 and 1 answered 4/4 and 1/4 give ``100 * (2*1 + 1*0.25) / 3 = 75``.

    >>> theme_score([(2, 1.0), (1, 0.25)])
    75.0
    >>> theme_score([]) is None
    True
    """
    mean = weighted_mean(scored)
    return None if mean is None else 100.0 * mean


def overall_score(themes: Iterable[tuple[float, float | None]]) -> float | None:
    """Overall score, 0-100: ``O = sum(W_t * T_t) / sum(W_t)`` over themes with a score.

    ``themes`` holds ``(theme weight, theme score or None)``; themes without a score are
    left out (not counted as zero). Example: themes scored 75 and 30 with weights 1 and 2,
    and one unscored theme: ``(75 + 2*30) / 3 = 45``.

    >>> overall_score([(1, 75.0), (2, 30.0), (1, None)])
    45.0
    """
    return weighted_mean((w, t) for w, t in themes if t is not None)


def traffic_light(score: float, amber: float, green: float) -> str:
    """``red`` below ``amber``; ``amber`` from ``amber`` to below ``green``; ``green`` from
    ``green`` up.

    >>> [traffic_light(s, 40, 70) for s in (39.9, 40, 69.99, 70, 100)]
    ['red', 'amber', 'amber', 'green', 'green']
    """
    if score >= green:
        return "green"
    if score >= amber:
        return "amber"
    return "red"


class AnswerErrors(InputError):
    """Answers that do not fit the questionnaire; ``errors`` maps question id -> message."""

    def __init__(self, errors: dict[str, str], *, file: str | None = None) -> None:
        self.errors = errors
        first = next(iter(errors))
        super().__init__(errors[first], parameter=first, file=file)

    def __str__(self) -> str:
        prefix = f"{self.file}: " if self.file else ""
        return "\n".join(f"{prefix}question {k!r}: {v}" for k, v in self.errors.items())


def check_answers(q: Questionnaire, answers: Mapping[str, Any]) -> dict[str, int | None]:
    """Answers as ``{question id: value}`` with ``None`` for "not applicable".

    Values may be whole numbers or their text (``"3"``); ``"na"`` (or another of
    :data:`NOT_APPLICABLE`) is "don't know / not applicable" where the scale offers it; an
    empty text or ``None`` means the question is not answered and is dropped. Every problem
    (unknown question, value not on the scale) is collected into one :class:`AnswerErrors`.
    """
    if not isinstance(answers, Mapping):
        raise InputError("answers must be a mapping of question id to answer", parameter="answers")
    known = {x.id for x in q.questions}
    errors: dict[str, str] = {}
    out: dict[str, int | None] = {}
    for qid, raw in answers.items():
        qid = str(qid)
        if qid not in known:
            errors[qid] = "no such question in this questionnaire"
            continue
        if raw is None or (isinstance(raw, str) and raw.strip() == ""):
            continue
        scale = q.scale_of(qid)
        text = str(raw).strip().lower()
        if text in NOT_APPLICABLE:
            if scale.na_label is None:
                errors[qid] = "this question has no 'not applicable' answer"
            else:
                out[qid] = None
            continue
        if isinstance(raw, bool):
            errors[qid] = f"answer must be one of {scale.values}"
            continue
        try:
            value = int(raw) if not isinstance(raw, float) or raw.is_integer() else None
        except (TypeError, ValueError):
            value = None
        if value is None or value not in scale.values:
            shown = str(raw)[:40]
            errors[qid] = f"answer {shown!r} is not on the scale (answers: {scale.values} or na)"
            continue
        out[qid] = value
    if errors:
        raise AnswerErrors(errors)
    return out


@dataclass
class StressResult:
    """The scored stress test: ``overall`` (0-100), ``light``, ``themes`` (one dict each:
    ``theme, title, score, light, answered, not_applicable, total, weight, advice``) and
    ``questions`` (each answer with its score and advice)."""

    questionnaire: str
    version: str
    overall: float
    light: str
    themes: list[dict[str, Any]]
    questions: list[dict[str, Any]] = field(default_factory=list)
    thresholds: dict[str, float] = field(default_factory=dict)
    answered: int = 0
    total: int = 0

    @property
    def complete(self) -> bool:
        """Every question has an answer (a value or "not applicable")."""
        return all(t["answered"] + t["not_applicable"] == t["total"] for t in self.themes)

    def to_json(self) -> dict[str, Any]:
        return {
            "questionnaire": self.questionnaire,
            "version": self.version,
            "overall": self.overall,
            "light": self.light,
            "thresholds": self.thresholds,
            "answered": self.answered,
            "total": self.total,
            "complete": self.complete,
            "themes": self.themes,
            "questions": self.questions,
        }


def score_answers(q: Questionnaire, answers: Mapping[str, Any]) -> StressResult:
    """Score ``answers`` (``{question id: value}``) on questionnaire ``q``.

    Raises :class:`AnswerErrors` for answers that do not fit, and
    :class:`~clusteratlas.errors.InputError` (parameter ``answers``) when no question is
    answered on its scale (nothing to score).
    """
    clean = check_answers(q, answers)
    amber, green = q.thresholds.amber, q.thresholds.green
    themes: list[dict[str, Any]] = []
    questions: list[dict[str, Any]] = []
    for theme in q.themes:
        scored: list[tuple[float, float]] = []
        gaps: list[tuple[float, int, str]] = []
        n_na = 0
        for k, question in enumerate(theme.questions):
            scale = q.scales[question.scale]
            responded = question.id in clean
            value = clean.get(question.id)
            s = None
            advice = None
            if responded and value is None:
                n_na += 1
            elif value is not None:
                s = question_score(value, scale.lowest, scale.highest)
                scored.append((question.weight, s))
                advice = question.advice.get(str(value))
                if advice:
                    gaps.append((question.weight * (1 - s), k, advice))
            questions.append(
                {
                    "id": question.id,
                    "theme": theme.id,
                    "text": question.text,
                    "weight": question.weight,
                    "answered": responded,
                    "value": value,
                    "label": scale.label(value) if responded else None,
                    "score": s,
                    "advice": advice,
                }
            )
        t = theme_score(scored)
        themes.append(
            {
                "theme": theme.id,
                "title": theme.title,
                "score": t,
                "light": None if t is None else traffic_light(t, amber, green),
                "answered": len(scored),
                "not_applicable": n_na,
                "total": len(theme.questions),
                "weight": theme.weight,
                # the largest weighted gaps first: where an improvement counts most
                "advice": [a for _, _, a in sorted(gaps, key=lambda g: (-g[0], g[1]))],
            }
        )
    overall = overall_score((tw["weight"], tw["score"]) for tw in themes)
    if overall is None:
        raise InputError("no question is answered on its scale: nothing to score",
                         parameter="answers")  # fmt: skip
    return StressResult(
        questionnaire=q.id,
        version=q.version,
        overall=overall,
        light=traffic_light(overall, amber, green),
        themes=themes,
        questions=questions,
        thresholds={"amber": amber, "green": green},
        answered=sum(t["answered"] for t in themes),
        total=sum(t["total"] for t in themes),
    )
