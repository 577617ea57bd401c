"""Policy tools: the cluster-policy stress test (a self-assessment questionnaire).

>>> from clusteratlas.policy import load_questionnaire, score_answers
>>> q = load_questionnaire()            # the project's packaged questionnaire
>>> r = score_answers(q, {"strategy.vision": 4, "strategy.ownership": 2})
>>> round(r.overall, 1), r.light, r.themes[0]["answered"]
(75.0, 'green', 2)

Pure on data: no database, no web. Saved assessments live in the application database
(:mod:`clusteratlas.appdb.assessments`); the web form, the API and the CLI sit above.
"""

from clusteratlas.policy.questionnaire import (
    PACKAGED,
    Questionnaire,
    QuestionnaireErrors,
    load_questionnaire,
    parse_questionnaire,
)
from clusteratlas.policy.scoring import (
    AnswerErrors,
    StressResult,
    check_answers,
    overall_score,
    question_score,
    score_answers,
    theme_score,
    traffic_light,
)

__all__ = [
    "PACKAGED",
    "AnswerErrors",
    "Questionnaire",
    "QuestionnaireErrors",
    "StressResult",
    "check_answers",
    "load_questionnaire",
    "overall_score",
    "parse_questionnaire",
    "question_score",
    "score_answers",
    "theme_score",
    "traffic_light",
]
