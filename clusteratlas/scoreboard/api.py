"""The Python API of the scoreboard: one call from files or frames to the tables the CLI writes.

>>> from clusteratlas.scoreboard import score                     # doctest: +SKIP
>>> res = score("framework.yaml", "data.csv", impute="mean", treat="coinr")  # doctest: +SKIP
>>> res.scores.head()                                               # doctest: +SKIP
  region  year node   level  score  rank
>>> res.strengths("ES13", peers=["ES11", "ES12"])                  # doctest: +SKIP

Every parameter of every pipeline step (:data:`~.pipeline.DEFAULTS`) is a typed keyword of
:func:`score`; errors name these keywords (``InputError.parameter``), the CLI turns them into
its flags (:mod:`clusteratlas.cli.params`).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypedDict, Unpack

import pandas as pd

from clusteratlas.errors import InputError
from clusteratlas.scoreboard import tables
from clusteratlas.scoreboard.framework import (
    AGGREGATIONS,
    Framework,
    framework_from_dict,
    framework_from_parent_table,
    load_framework,
)
from clusteratlas.scoreboard.pipeline import DEFAULTS, Pipeline, PipelineRun, ScoreboardData
from clusteratlas.scoreboard.sensitivity import run_sensitivity
from clusteratlas.scoreboard.uncertainty import (
    UncertaintyResult,
    UncertaintySpec,
    prepare,
    run_uncertainty,
    uncertainty_columns,
)
from clusteratlas.store.provenance import write_output

ImputeMethod = Literal[
    "none", "mean", "median", "group-mean", "group-median", "panel-last", "panel-linear"
]
TreatMethod = Literal["none", "coinr", "ris"]
NormaliseMethod = Literal[
    "minmax", "zscore", "rank", "prank", "borda", "fracmax", "dist2max", "dist2ref",
    "dist2target", "goalposts", "none",
]  # fmt: skip
Scope = Literal["year", "global"]
WeightMethod = Literal["given", "balanced"]
AggregateMethod = Literal["arithmetic", "geometric", "harmonic", "generalised", "copeland"]
FrameworkInput = str | Path | Framework | Mapping[str, Any] | pd.DataFrame
DataInput = str | Path | pd.DataFrame | ScoreboardData

OUTPUT_COLUMNS = ["region", "year", "node", "level", "score", "rank"]


@dataclass
class ScoreboardResult:
    """Scores table (+ rank bands), the pipeline run behind it and the uncertainty analysis."""

    scores: pd.DataFrame
    run: PipelineRun
    uncertainty: UncertaintyResult | None = None
    sensitivity: pd.DataFrame | None = None
    structure: pd.DataFrame | None = None
    structure_weights: Mapping[str, float] | None = None
    member_weights: Mapping[str, float] | None = field(default=None)

    @property
    def year(self) -> int:
        """The latest scored year (the one :meth:`strengths` reads by default)."""
        return int(self.run.aggregated.index.get_level_values("year").max())

    def table(self, year: int | None = None) -> pd.DataFrame:
        """Scores of one year as a ``region × node`` frame (indicators and aggregates)."""
        yr = self.year if year is None else int(year)
        years = set(self.run.aggregated.index.get_level_values("year"))
        if yr not in years:
            raise InputError(
                f"year {yr} was not scored (scored: {sorted(years)})", parameter="year"
            )
        return self.run.aggregated.xs(yr, level="year")

    def reading(
        self,
        region: str,
        peers: Sequence[str] | None = None,
        *,
        year: int | None = None,
        top: int = 5,
    ) -> Any:
        """The full :class:`~.reading.RegionReading` (flags, top/bottom list, peers used)."""
        from clusteratlas.scoreboard.reading import read_region

        return read_region(
            self.table(year),
            self.run.framework,
            region,
            peers=list(peers) if peers else None,
            structure=self.structure,
            weights=self.structure_weights,
            member_weights=self.member_weights,
            top=top,
        )

    def strengths(
        self,
        region: str,
        peers: Sequence[str] | None = None,
        *,
        year: int | None = None,
        all_nodes: bool = False,
    ) -> pd.DataFrame:
        """Strengths and bottlenecks of ``region`` against ``peers`` in ``year`` (default latest).

        ``region`` is a code, ``A+B`` or ``Name=A+B`` (an entity scored from its parts);
        ``peers`` up to 10 region codes, else the structurally most similar regions (this needs
        ``structure=`` in :func:`score`). Returns one row per flagged node (all nodes with
        ``all_nodes=True``): ``node, name, level, parent, score, peer_mean, peer_q1, peer_q3,
        relative, flag, reason``, strengths first; ``attrs`` holds ``region``, ``members``,
        ``peers``, ``peers_source`` and ``year``.
        """
        rd = self.reading(region, peers, year=year)
        out = rd.flags if all_nodes else rd.flags[rd.flags["flag"] != ""].reset_index(drop=True)
        out.attrs.update(
            region=rd.label,
            members=rd.members,
            peers=rd.peers,
            peers_source=rd.peers_source,
            year=self.year if year is None else int(year),
        )
        return out

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
        """Write the scores CSV and its sidecar ``OUT.provenance.json`` (the project's one
        provenance record, :mod:`clusteratlas.store.provenance`), both atomically. Returns
        the sidecar."""
        return write_output(self.scores, out, self.provenance(), float_format="%.10g")


class PipelineOptions(TypedDict, total=False):
    """The typed keywords of :func:`score` / :func:`pipeline_params` (one per pipeline option)."""

    min_unit_share: float
    min_indicator_share: float
    denominate: bool
    impute: ImputeMethod
    max_gap: int | None
    treat: TreatMethod
    treat_scope: Scope
    winmax: int
    skew_max: float
    kurt_max: float
    sd_k: float
    ris_skew_max: float
    normalise: NormaliseMethod
    normalise_range: tuple[float, float]
    normalise_scope: Scope
    mean_sd: tuple[float, float]
    reference: str | None
    cap: bool
    weights: WeightMethod
    aggregate: AggregateMethod | None
    power: float | None
    override: bool
    min_share: float


#: keyword -> (step, key) of :data:`~.pipeline.DEFAULTS`
KEYWORDS: dict[str, tuple[str, str]] = {
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
_FLOAT_PAIRS = ("normalise_range", "mean_sd")
_FLOATS = ("power",)


def pipeline_params(**options: Unpack[PipelineOptions]) -> dict[str, dict[str, Any]]:
    """The pipeline's parameters (:data:`~.pipeline.DEFAULTS`) from flat, typed keywords.

    Screen: ``min_unit_share``, ``min_indicator_share``; denominate: ``denominate``; impute:
    ``impute``, ``max_gap``; treat: ``treat``, ``treat_scope``, ``winmax``, ``skew_max``,
    ``kurt_max`` (COINr), ``sd_k``, ``ris_skew_max`` (RIS); normalise: ``normalise``,
    ``normalise_range``, ``normalise_scope``, ``mean_sd`` (z-scores), ``reference``
    (dist2ref), ``cap``; weight: ``weights``; aggregate: ``aggregate`` (for nodes that name
    none; every node with ``override``), ``power`` (p of ``generalised``), ``min_share``.

    >>> pipeline_params(aggregate="generalised", power=2)["aggregate"]
    {'method': 'generalised', 'override': False, 'min_share': 0.5, 'p': 2.0}
    """
    params = copy.deepcopy(DEFAULTS)
    for name, value in options.items():
        if name not in KEYWORDS:
            raise InputError(f"unknown option {name!r}", parameter=name)
        if name in _FLOAT_PAIRS:
            if len(value) != 2:  # type: ignore[arg-type]
                raise InputError("give two numbers (LO, HI)", parameter=name)
            value = [float(v) for v in value]  # type: ignore[union-attr]
        elif name in _FLOATS and value is not None:
            value = float(value)  # type: ignore[arg-type]
        step, key = KEYWORDS[name]
        params[step][key] = value
    _check(params)
    return params


def _check(params: Mapping[str, Mapping[str, Any]]) -> None:
    if params["treat"]["winmax"] < 0:
        raise InputError("must be ≥ 0", parameter="winmax")
    for name in ("min_share", "min_unit_share", "min_indicator_share"):
        step, key = KEYWORDS[name]
        share = params[step][key]
        if not 0.0 <= share <= 1.0:
            raise InputError(f"must be between 0 and 1, got {share:g}", parameter=name)
    aggregate, power = params["aggregate"]["method"], params["aggregate"]["p"]
    if aggregate is not None and aggregate not in AGGREGATIONS:
        raise InputError(
            f"unknown aggregation {aggregate!r}; use one of {', '.join(AGGREGATIONS)}",
            parameter="aggregate",
        )
    if aggregate == "generalised" and power is None:
        raise InputError("the generalised mean needs its exponent: give power", parameter="power")
    if power is not None and aggregate != "generalised":
        raise InputError("power is the exponent of aggregate='generalised'", parameter="power")


def _framework(framework: FrameworkInput) -> Framework:
    if isinstance(framework, Framework):
        return framework
    if isinstance(framework, pd.DataFrame):  # a parent table: code, name, parent, weight, ...
        rows = framework.astype(object).where(framework.notna(), None).to_dict("records")
        return framework_from_parent_table(rows)
    if isinstance(framework, Mapping):
        return framework_from_dict(framework)
    return load_framework(framework)


def _structure(structure: str | Path | pd.DataFrame | None) -> pd.DataFrame | None:
    if structure is None or (isinstance(structure, pd.DataFrame) and structure.empty):
        return None
    if not isinstance(structure, pd.DataFrame):
        return tables.read_structure_csv(structure)
    frame = structure.set_index("region") if "region" in structure.columns else structure
    try:
        return frame.astype(float)
    except (TypeError, ValueError):
        raise InputError("structure columns must be numeric", parameter="structure") from None


def _years(
    year: int | tuple[int, int] | Sequence[int] | None, sd: ScoreboardData
) -> list[int] | None:
    if year is None:
        return None
    if isinstance(year, int | str):
        return [int(year)]
    span = [int(y) for y in year]
    if isinstance(year, tuple) and len(span) == 2:  # (start, end), inclusive
        have = sorted(set(sd.values["year"]))
        found = [y for y in have if span[0] <= y <= span[1]]
        if not found:
            raise InputError(f"no data in {span[0]}-{span[1]} (years: {have})", parameter="year")
        return found
    return span


def score_data(
    framework: Framework,
    data: DataInput,
    denominators: str | Path | pd.DataFrame | None = None,
    groups: str | Path | pd.DataFrame | pd.Series | None = None,
    *,
    backend: Any = None,
    unknown: str = "error",
) -> ScoreboardData:
    """The :class:`~.tables.ScoreboardData` of :func:`score`'s inputs: files read by the
    engine of ``backend`` (:func:`~.engine_input.read_inputs`, the framework's indicators
    only), frames checked in memory (:func:`~.tables.scoreboard_data`)."""
    if isinstance(data, ScoreboardData):
        return data
    given = [data, denominators, groups]
    if any(isinstance(x, pd.DataFrame | pd.Series) for x in given):
        return tables.scoreboard_data(data, denominators, groups)
    from clusteratlas.scoreboard.engine_input import read_inputs

    return read_inputs(
        data,
        denominators,
        groups,
        backend=backend,
        indicators=framework.indicator_codes,
        unknown_indicators=unknown,
    )


def score(
    framework: FrameworkInput,
    data: DataInput,
    *,
    denominators: str | Path | pd.DataFrame | None = None,
    groups: str | Path | pd.DataFrame | pd.Series | None = None,
    structure: str | Path | pd.DataFrame | None = None,
    year: int | tuple[int, int] | Sequence[int] | None = None,
    uncertainty: int = 0,
    uncertainty_spec: UncertaintySpec | None = None,
    sensitivity: int = 0,
    seed: int = 1,
    progress: Any = None,
    unknown_indicators: Literal["error", "ignore"] = "error",
    structure_weights: Mapping[str, float] | None = None,
    member_weights: Mapping[str, float] | None = None,
    backend: Any = None,
    **options: Unpack[PipelineOptions],
) -> ScoreboardResult:
    """Score ``data`` on ``framework`` and return the :class:`ScoreboardResult`.

    ``framework``: a YAML path, a :class:`~.framework.Framework`, its plain-data form, or a
    parent table (``code, name, parent, weight, ...``). ``data``: a CSV path or a DataFrame
    ``region, year, indicator, value`` (validated like the file); ``denominators``
    (``region, year, denominator, value``), ``groups`` (``region, group``) and ``structure``
    (``region`` + numeric columns, for default peers) likewise take paths or frames.
    ``year``: one year, ``(start, end)`` inclusive, or a list; default every year.

    The pipeline keywords are those of :func:`pipeline_params`. With ``uncertainty=N`` a
    Monte Carlo of N draws adds ``rank_p05, rank_median, rank_p95`` for the analysed year
    (the latest scored); ``sensitivity=N`` adds Sobol indices from a Saltelli design with N
    base samples.

    ``backend``: where input *files* are read (an Ibis backend, a SparkSession or an engine
    name; default ``$CLUSTERATLAS_ENGINE``, else DuckDB): the engine reads them, keeps the
    framework's indicators and the strict readers' checks run on what it returns
    (:mod:`~.engine_input`); frames are checked in memory. The pipeline runs in numpy/pandas.
    """
    params = pipeline_params(**options)
    if uncertainty < 0:
        raise InputError("number of draws must be ≥ 0", parameter="uncertainty")
    if sensitivity < 0:
        raise InputError("number of base samples must be ≥ 0", parameter="sensitivity")
    if unknown_indicators not in ("error", "ignore"):
        raise InputError("must be 'error' or 'ignore'", parameter="unknown_indicators")
    fw = _framework(framework)
    sd = score_data(fw, data, denominators, groups, backend=backend, unknown=unknown_indicators)
    years = _years(year, sd)
    pipe = Pipeline(fw, params, years, unknown_indicators)
    run = pipe.run(sd)
    scores = run.scores()
    result = ScoreboardResult(
        scores,
        run,
        structure=_structure(structure),
        structure_weights=structure_weights,
        member_weights=member_weights,
    )
    if uncertainty or sensitivity:
        positive = float(pipe.params["normalise"]["range"][0]) > 0
        geometric = positive or options.get("aggregate") in ("geometric", "harmonic")
        spec = uncertainty_spec or UncertaintySpec.default(pipe, geometric=geometric)
        analysed = max(years) if years else None
        prep = prepare(pipe, sd, spec, analysed)
        if uncertainty:
            result.uncertainty = run_uncertainty(
                prep, uncertainty, spec.weight_noise, seed, progress=progress
            )
            result.scores = uncertainty_columns(scores, result.uncertainty)
        if sensitivity:
            result.sensitivity = run_sensitivity(prep, sensitivity, spec.weight_noise, seed)
    return result
