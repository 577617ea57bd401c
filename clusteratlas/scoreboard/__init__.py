"""Composite-indicator engine: the regional eco-system scoreboard.

Framework as data (:mod:`.framework`), a logged pipeline (:mod:`.pipeline`: screen,
denominate, impute, treat, normalise, weight, aggregate), results (:mod:`.results`: ranks,
relative scores, strengths and bottlenecks, peers, joint challenges), uncertainty and
sensitivity (:mod:`.uncertainty`) and the open-data edition (:mod:`.edition`).
Methods and sources: ``docs/scoreboard.md``.
"""

from __future__ import annotations

from clusteratlas.scoreboard.api import ScoreboardResult, score
from clusteratlas.scoreboard.framework import Framework, load_framework
from clusteratlas.scoreboard.pipeline import Pipeline, PipelineRun, ScoreboardData

__all__ = [
    "Framework",
    "Pipeline",
    "PipelineRun",
    "ScoreboardData",
    "ScoreboardResult",
    "load_framework",
    "score",
]
