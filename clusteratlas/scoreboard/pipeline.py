"""The scoreboard pipeline: named, parameterised, logged steps that can be regenerated.

Steps, in order (each one's parameters in :data:`DEFAULTS`):

``screen`` → ``denominate`` → ``impute`` → ``treat`` → ``normalise`` → ``weight`` →
``aggregate``.

:class:`Pipeline` holds a framework and the parameters; :meth:`Pipeline.run` takes a
:class:`ScoreboardData` and returns a :class:`PipelineRun` with every intermediate data set
(``raw``, ``denominated``, ``imputed``, ``treated``, ``normalised``, ``aggregated``), the log
of what each step did, and the scores table. Like COINr's ``Log`` + ``Regen()``, a run can be
regenerated with changed parameters (:meth:`PipelineRun.regen`) and the provenance JSON
written beside a result holds everything needed to redo it (:func:`regenerate`).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from clusteratlas.errors import InputError
from clusteratlas.fileio import sha256_file
from clusteratlas.scoreboard.aggregate import aggregate_tree
from clusteratlas.scoreboard.denominate import denominate_panel
from clusteratlas.scoreboard.framework import Framework, framework_from_dict
from clusteratlas.scoreboard.impute import impute_panel
from clusteratlas.scoreboard.normalise import normalise_panel
from clusteratlas.scoreboard.screen import screen_indicators, screen_units
from clusteratlas.scoreboard.tables import ScoreboardData
from clusteratlas.scoreboard.treat import treat_panel
from clusteratlas.scoreboard.weights import balance_weights, effective_weights
from clusteratlas.store.provenance import build_record

EDITION_ATTRIBUTION = (
    "Source: Eurostat (regional indicator snapshots); "
    "© EuroGeographics for the administrative boundaries"
)
STEPS = ("screen", "denominate", "impute", "treat", "normalise", "weight", "aggregate")
DEFAULTS: dict[str, dict[str, Any]] = {
    "screen": {"min_unit_share": 0.0, "min_indicator_share": 0.0},
    "denominate": {"enabled": True},
    "impute": {"method": "none", "max_gap": None},
    "treat": {
        "method": "none",
        "scope": "year",
        "winmax": 5,
        "skew_max": 2.0,
        "kurt_max": 3.5,
        "sd_k": 3.0,
        "ris_skew_max": 1.0,
    },
    "normalise": {
        "method": "minmax",
        "scope": "year",
        "range": [0.0, 100.0],
        "mean_sd": [0.0, 1.0],
        "reference": None,
        "cap": False,
    },
    "weight": {"method": "given"},
    "aggregate": {"method": None, "override": False, "min_share": 0.5, "p": None},
}


def _merge(params: Mapping[str, Mapping[str, Any]] | None) -> dict[str, dict[str, Any]]:
    merged = copy.deepcopy(DEFAULTS)
    for step, values in (params or {}).items():
        if step not in merged:
            raise InputError(
                f"unknown pipeline step {step!r}; steps are {', '.join(STEPS)}", parameter=step
            )
        for key, value in values.items():
            if key not in merged[step]:
                raise InputError(
                    f"step {step!r} has no parameter {key!r}", parameter=f"{step}.{key}"
                )
            merged[step][key] = value
    return merged


class Pipeline:
    """A framework plus the parameters of every step (see :data:`DEFAULTS`)."""

    def __init__(
        self,
        framework: Framework,
        params: Mapping[str, Mapping[str, Any]] | None = None,
        years: list[int] | None = None,
        unknown_indicators: str = "error",
    ) -> None:
        self.framework = framework
        self.params = _merge(params)
        self.years = None if years is None else [int(y) for y in years]
        self.unknown_indicators = unknown_indicators

    def regen(self, **changes: Mapping[str, Any]) -> Pipeline:
        """A copy with some step parameters changed, e.g. ``regen(treat={"winmax": 6})``."""
        params = copy.deepcopy(self.params)
        for step, values in changes.items():
            params.setdefault(step, {}).update(values)
        return Pipeline(self.framework, params, self.years, self.unknown_indicators)

    def to_dict(self) -> dict[str, Any]:
        return {
            "params": copy.deepcopy(self.params),
            "years": self.years,
            "framework": self.framework.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Pipeline:
        return cls(framework_from_dict(data["framework"]), data.get("params"), data.get("years"))

    # -- running ---------------------------------------------------------------------------
    def _check_inputs(self, data: ScoreboardData) -> pd.DataFrame:
        values = data.values
        fw = self.framework
        known = set(fw.indicator_codes)
        unknown = ~values["indicator"].isin(known)
        if unknown.any() and self.unknown_indicators == "error":
            i = int(np.flatnonzero(unknown.to_numpy())[0])
            raise InputError(
                f"unknown indicator {values['indicator'].iloc[i]!r}: "
                f"not in framework {fw.file or fw.name!r}",
                file=data.label,
                line=i + 2,
                column="indicator",
            )
        values = values[~unknown]
        have = set(values.loc[values["value"].notna(), "indicator"])
        for node in fw.indicators:
            if node.covered and node.code not in have:
                raise InputError(
                    f"framework indicator {node.path} ({node.code}) has no data in {data.label}",
                    file=fw.file,
                    line=node.line,
                )
        return values

    def run(self, data: ScoreboardData) -> PipelineRun:
        """Run every step on ``data`` and return the :class:`PipelineRun`."""
        P, fw = self.params, self.framework
        values = self._check_inputs(data)
        codes = [n.code for n in fw.indicators if n.covered]
        log: list[dict[str, Any]] = []
        raw = values.pivot(index=["year", "region"], columns="indicator", values="value")
        grid = pd.MultiIndex.from_product(
            [
                sorted(raw.index.get_level_values("year").unique()),
                sorted(raw.index.get_level_values("region").unique()),
            ],
            names=["year", "region"],
        )
        raw = raw.reindex(index=grid, columns=codes).astype(float)
        if self.years is not None:
            absent = sorted(set(self.years) - set(grid.get_level_values("year")))
            if absent:
                raise InputError(f"year(s) {absent} not in the data", parameter="year")
        scored_years = self.years or sorted(set(grid.get_level_values("year")))

        # screen
        s = P["screen"]
        drop_ind, coverage = screen_indicators(raw, float(s["min_indicator_share"]), scored_years)
        if drop_ind:
            fw = fw.without_indicators(drop_ind)
            codes = [c for c in codes if c not in drop_ind]
        screened, dropped_units = screen_units(raw[codes], float(s["min_unit_share"]))
        log.append(
            _entry(
                "screen",
                s,
                {"indicators_dropped": drop_ind, "units_dropped": len(dropped_units)},
                {"coverage": coverage, "units_dropped": dropped_units},
            )
        )

        # denominate
        spec = {
            n.code: (n.denominator, n.scale)
            for n in fw.indicators
            if n.denominator and n.code in codes
        }
        if P["denominate"]["enabled"]:
            den_file = data.inputs.get("denominators", {}).get("path")
            denominated, den_summary = denominate_panel(
                screened, spec, data.denominators, file=den_file
            )
        else:
            denominated, den_summary = screened.copy(), pd.DataFrame()
        log.append(
            _entry(
                "denominate",
                P["denominate"],
                {"indicators": len(spec) if P["denominate"]["enabled"] else 0},
                {"summary": den_summary},
            )
        )

        # impute
        im = P["impute"]
        if not str(im["method"]).startswith("panel-"):  # no cross-sectional filling of empty rows
            keep = ~denominated.isna().all(axis=1)
            denominated, screened = denominated[keep], screened[keep]
        imputed, imp_summary = impute_panel(denominated, im["method"], data.groups, im["max_gap"])
        empty = imputed.isna().all(axis=1)
        imputed, denominated, screened = imputed[~empty], denominated[~empty], screened[~empty]
        log.append(
            _entry(
                "impute",
                im,
                {
                    "imputed": int(imp_summary["imputed"].sum()),
                    "still_missing": int(imputed.isna().sum().sum()),
                    "empty_units_dropped": int(empty.sum()),
                },
                {"summary": imp_summary},
            )
        )

        # treat
        t = P["treat"]
        treat_params = {k: t[k] for k in ("winmax", "skew_max", "kurt_max", "sd_k", "ris_skew_max")}
        treated, t_summary, t_flags = treat_panel(imputed, t["method"], t["scope"], **treat_params)
        n_w = int((t_summary["low"] + t_summary["high"]).sum()) if len(t_summary) else 0
        log.append(
            _entry(
                "treat",
                t,
                {
                    "points_winsorised": n_w,
                    "transformed": int((~t_summary["treatment"].isin(["none", "winsorised"])).sum())
                    if len(t_summary)
                    else 0,
                },
                {"summary": t_summary},
            )
        )

        # normalise
        nm = P["normalise"]
        inds = {n.code: n for n in fw.indicators if n.code in codes}
        normalised = normalise_panel(
            treated,
            {c: inds[c].direction for c in codes},
            nm["method"],
            nm["scope"],
            targets={c: inds[c].target for c in codes},
            goalposts_by={c: inds[c].goalposts for c in codes},
            reference=nm["reference"],
            range=tuple(nm["range"]),
            mean_sd=tuple(nm["mean_sd"]),
            cap=bool(nm["cap"]),
        )
        log.append(_entry("normalise", nm, {"indicators": len(codes)}))

        # weight
        ag = P["aggregate"]
        w_details = pd.DataFrame()
        if P["weight"]["method"] == "balanced":
            fw, w_details = balance_weights(
                _years(normalised, scored_years), fw, ag["method"], float(ag["min_share"])
            )
        elif P["weight"]["method"] != "given":
            raise InputError("weight method must be 'given' or 'balanced'", parameter="weights")
        eff = effective_weights(fw)
        log.append(
            _entry(
                "weight",
                P["weight"],
                {"nodes": len(eff)},
                {
                    "effective": eff.rename("effective_weight").rename_axis("node").reset_index(),
                    "balanced": w_details,
                },
            )
        )

        # aggregate
        aggregated = aggregate_tree(
            normalised,
            fw,
            ag["method"],
            override=bool(ag["override"]),
            min_share=float(ag["min_share"]),
            p=ag["p"],
        )
        log.append(_entry("aggregate", ag, {"nodes": len(fw.aggregates_bottom_up())}))

        stages = {
            "raw": screened,
            "denominated": denominated,
            "imputed": imputed,
            "treated": treated,
            "normalised": normalised,
            "aggregated": aggregated,
        }
        stages = {k: _years(v, scored_years) for k, v in stages.items()}
        flags = _years(t_flags, scored_years)
        return PipelineRun(self, fw, data, stages, log, flags)


def _years(frame: pd.DataFrame, years: list[int]) -> pd.DataFrame:
    return frame[frame.index.get_level_values("year").isin(years)]


def _entry(
    step: str,
    params: Mapping[str, Any],
    summary: dict[str, Any],
    details: dict[str, pd.DataFrame] | None = None,
) -> dict[str, Any]:
    return {"step": step, "params": dict(params), "summary": summary, "details": details or {}}


def rank_desc(scores: pd.DataFrame) -> pd.DataFrame:
    """Ranks per year and column: 1 = highest score, ties share the best rank, NaN unranked."""
    return scores.groupby(level="year").rank(ascending=False, method="min", na_option="keep")


@dataclass
class PipelineRun:
    """The outcome of :meth:`Pipeline.run`: stages, log, scores and provenance."""

    pipeline: Pipeline
    framework: Framework
    data: ScoreboardData
    stages: dict[str, pd.DataFrame]
    log: list[dict[str, Any]]
    treatment_flags: pd.DataFrame

    @property
    def aggregated(self) -> pd.DataFrame:
        return self.stages["aggregated"]

    def step(self, name: str) -> dict[str, Any]:
        return next(e for e in self.log if e["step"] == name)

    def ranks(self) -> pd.DataFrame:
        return rank_desc(self.aggregated)

    def scores(self) -> pd.DataFrame:
        """Long table ``region, year, node, level, score, rank`` (the CLI output)."""
        agg = self.aggregated
        ranks = rank_desc(agg)
        nodes = [n for n in self.framework.covered_nodes() if n.code in agg.columns]
        order = {n.code: i for i, n in enumerate(nodes)}
        long = agg[[n.code for n in nodes]].stack(future_stack=True).rename("score").reset_index()
        long.columns = ["year", "region", "node", "score"]
        long["rank"] = ranks[[n.code for n in nodes]].stack(future_stack=True).to_numpy()
        long["level"] = long["node"].map({n.code: n.level for n in nodes})
        long["_o"] = long["node"].map(order)
        long = long.sort_values(["year", "_o", "rank", "region"], na_position="last")
        return long[["region", "year", "node", "level", "score", "rank"]].reset_index(drop=True)

    def regen(self, **changes: Mapping[str, Any]) -> PipelineRun:
        """Re-run on the same data with some parameters changed (COINr ``Regen``)."""
        return self.pipeline.regen(**changes).run(self.data)

    def provenance(self) -> dict[str, Any]:
        """Everything needed to say how the result was made and to redo it: the project's
        one provenance record (:func:`clusteratlas.store.provenance.build_record`), with the
        scoreboard's sections ``framework_sha256``, ``framework_file``, ``pipeline``,
        ``log`` and ``treatment``."""
        inputs = [{"role": role, **dict(info)} for role, info in self.data.inputs.items()]
        edition = self.data.inputs.get("edition", {})
        return build_record(
            "score",
            inputs=inputs,
            options={"params": copy.deepcopy(self.pipeline.params), "years": self.pipeline.years},
            nuts_versions=[edition["nuts_version"]] if edition.get("nuts_version") else [],
            attribution=[EDITION_ATTRIBUTION] if edition else [],
            framework_sha256=self.pipeline.framework.digest(),
            framework_file=self.pipeline.framework.file,
            pipeline=self.pipeline.to_dict(),
            log=[
                {"step": e["step"], "params": e["params"], "summary": e["summary"]}
                for e in self.log
            ],
            treatment=self.step("treat")["details"]["summary"].to_dict("records"),
        )


def regenerate(sidecar: str | Path, **changes: Mapping[str, Any]) -> PipelineRun:
    """Redo a scoreboard run from its provenance sidecar, optionally with changed parameters.

    ``sidecar`` is the sidecar or the output file beside it (old ``X.provenance.json``
    names too). Input files are re-read after checking their sha256; a run on the open-data
    edition is rebuilt from the recorded folder, year and maximum age after checking the
    digests of the files it read. Anything that cannot be redone is an :class:`InputError`
    saying why: a record of another command, an input given as a data frame (no file to
    re-read), an edition scored with cluster data given in memory, a file gone or changed.
    """
    from clusteratlas.store.provenance import check_inputs, find_sidecar, read_provenance

    side = find_sidecar(sidecar)
    prov = read_provenance(side)
    if prov.get("command") != "score":
        raise InputError(
            f"this is the record of {prov.get('command')!r}, not of a scoreboard run; "
            "redo it with clusteratlas.regenerate",
            file=side,
        )
    if "pipeline" not in prov:
        raise InputError("the record has no 'pipeline' section to redo the run", file=side)
    inputs = {i.get("role"): i for i in prov["inputs"]}
    if "edition" in inputs:
        data = _edition_data(inputs["edition"], side)
    else:
        for role, info in inputs.items():
            if "path" not in info:
                raise InputError(
                    f"input {role} was a data frame, not a file: it cannot be re-read", file=side
                )
        check_inputs(prov, origin=side)
        data = ScoreboardData.from_files(
            inputs["data"]["path"],
            inputs.get("denominators", {}).get("path"),
            inputs.get("groups", {}).get("path"),
        )
    pipe = Pipeline.from_dict(prov["pipeline"])
    return pipe.regen(**changes).run(data) if changes else pipe.run(data)


def _edition_data(info: Mapping[str, Any], side: Path) -> ScoreboardData:
    """The open-data edition's inputs, rebuilt as recorded (files checked first)."""
    from clusteratlas.scoreboard.edition import build_open_data_edition

    clusters = info.get("clusters")
    if isinstance(clusters, Mapping) and "path" not in clusters:
        raise InputError(
            "the edition was scored with cluster data given as a data frame; it cannot be "
            "rebuilt from the record",
            file=side,
        )
    if isinstance(clusters, Mapping):
        p = Path(clusters["path"])
        if not p.is_file() or sha256_file(p) != clusters.get("sha256"):
            raise InputError(f"the edition's cluster file is gone or changed: {p}", file=side)
        clusters = p
    base = Path(str(info.get("data_dir", "")))
    if not base.is_dir():
        raise InputError(f"the edition's data folder is gone: {base}", file=side)
    for rel, digest in (info.get("files") or {}).items():
        p = base / rel
        if not p.is_file():
            raise InputError(f"edition input {rel} is gone from {base}", file=side)
        if digest and sha256_file(p) != digest:
            raise InputError(f"edition input {rel} changed since the run (sha256 differs)",
                             file=side)  # fmt: skip
    edition = build_open_data_edition(
        base, year=info.get("year"), max_age=info.get("max_age"), clusters=clusters
    )
    return edition.data
