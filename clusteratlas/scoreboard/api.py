"""The Python API of the scoreboard: one call from files (or frames) to the tables the CLI writes.

>>> from clusteratlas.scoreboard import score                     # doctest: +SKIP
>>> res = score("framework.yaml", "data.csv", impute="mean", treat="coinr")  # doctest: +SKIP
>>> res.scores.head()                                               # doctest: +SKIP
  region  year node   level  score  rank
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from clusteratlas.errors import InputError
from clusteratlas.fileio import write_json_atomic
from clusteratlas.scoreboard import tables
from clusteratlas.scoreboard.framework import Framework, load_framework
from clusteratlas.scoreboard.pipeline import Pipeline, PipelineRun, ScoreboardData
from clusteratlas.scoreboard.sensitivity import run_sensitivity
from clusteratlas.scoreboard.uncertainty import (
    UncertaintyResult,
    UncertaintySpec,
    prepare,
    run_uncertainty,
    uncertainty_columns,
)

OUTPUT_COLUMNS = ["region", "year", "node", "level", "score", "rank"]


@dataclass
class ScoreboardResult:
    """Scores table (+ rank bands), the pipeline run behind it and the uncertainty analysis."""

    scores: pd.DataFrame
    run: PipelineRun
    uncertainty: UncertaintyResult | None = None
    sensitivity: pd.DataFrame | None = None

    def provenance(self) -> dict[str, Any]:
        prov = self.run.provenance()
        if self.uncertainty is not None:
            prov["uncertainty"] = {
                "draws": self.uncertainty.n_draws,
                "year": self.uncertainty.year,
                "weight_noise": self.uncertainty.weight_noise,
                "alternatives": self.uncertainty.alternatives,
            }
        if self.sensitivity is not None:
            prov["sensitivity"] = self.sensitivity.to_dict("records")
        return prov

    def write(self, out: str | Path) -> Path:
        """Write the scores CSV and its provenance sidecar, each atomically. Returns the sidecar."""
        tables.write_csv_atomic(self.scores, out)
        side = tables.provenance_path(out)
        prov = self.provenance()
        prov["output"] = {
            "path": str(out),
            "rows": len(self.scores),
            "columns": list(self.scores.columns),
        }
        write_json_atomic(prov, side)
        return side


def pipeline_params(
    *,
    impute: str = "none",
    max_gap: int | None = None,
    treat: str = "none",
    winmax: int = 5,
    treat_scope: str = "year",
    normalise: str = "minmax",
    normalise_range: tuple[float, float] = (0.0, 100.0),
    normalise_scope: str = "year",
    reference: str | None = None,
    weights: str = "given",
    aggregate: str | None = None,
    min_share: float = 0.5,
    min_unit_share: float = 0.0,
    min_indicator_share: float = 0.0,
) -> dict[str, dict[str, Any]]:
    """Pipeline parameters from the flat options the CLI offers."""
    if winmax < 0:
        raise InputError("winmax must be ≥ 0", parameter="--winmax")
    if not 0.0 <= min_share <= 1.0:
        raise InputError("must be between 0 and 1", parameter="--min-share")
    return {
        "screen": {"min_unit_share": min_unit_share, "min_indicator_share": min_indicator_share},
        "impute": {"method": impute, "max_gap": max_gap},
        "treat": {"method": treat, "winmax": winmax, "scope": treat_scope},
        "normalise": {
            "method": normalise,
            "range": list(normalise_range),
            "scope": normalise_scope,
            "reference": reference,
        },
        "weight": {"method": weights},
        "aggregate": {"method": aggregate, "min_share": min_share},
    }


def score(
    framework: str | Path | Framework,
    data: str | Path | ScoreboardData,
    *,
    denominators: str | Path | None = None,
    groups: str | Path | None = None,
    year: int | None = None,
    uncertainty: int = 0,
    uncertainty_spec: UncertaintySpec | None = None,
    sensitivity: int = 0,
    seed: int = 1,
    progress: Any = None,
    unknown_indicators: str = "error",
    **options: Any,
) -> ScoreboardResult:
    """Score ``data`` on ``framework``; ``options`` are those of :func:`pipeline_params`.

    With ``uncertainty=N`` a Monte Carlo of N draws adds ``rank_p05, rank_median, rank_p95``
    for the analysed year (``year``, else the latest); ``sensitivity=N`` adds Sobol indices
    from a Saltelli design with N base samples.
    """
    fw = framework if isinstance(framework, Framework) else load_framework(framework)
    sd = (
        data
        if isinstance(data, ScoreboardData)
        else ScoreboardData.from_files(data, denominators, groups)
    )
    pipe = Pipeline(
        fw, pipeline_params(**options), [year] if year is not None else None, unknown_indicators
    )
    run = pipe.run(sd)
    scores = run.scores()
    result = ScoreboardResult(scores, run)
    if uncertainty or sensitivity:
        if uncertainty < 0 or sensitivity < 0:
            raise InputError("number of draws must be ≥ 0", parameter="--uncertainty")
        positive = float(pipe.params["normalise"]["range"][0]) > 0
        geometric = positive or options.get("aggregate") in ("geometric", "harmonic")
        spec = uncertainty_spec or UncertaintySpec.default(pipe, geometric=geometric)
        prep = prepare(pipe, sd, spec, year)
        if uncertainty:
            result.uncertainty = run_uncertainty(
                prep, uncertainty, spec.weight_noise, seed, progress=progress
            )
            result.scores = uncertainty_columns(scores, result.uncertainty)
        if sensitivity:
            result.sensitivity = run_sensitivity(prep, sensitivity, spec.weight_noise, seed)
    return result
