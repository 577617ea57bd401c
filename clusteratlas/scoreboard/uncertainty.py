"""Uncertainty and sensitivity analysis of a scoreboard, vectorised over Monte Carlo draws.

Each draw picks one alternative for every uncertain choice of the pipeline — imputation,
treatment, normalisation, aggregation (discrete) — and perturbs every node weight by a
uniform factor ``1 ± weight_noise``. The result of many draws is a distribution of ranks per
region and node (median, 5th and 95th percentile: :func:`run_uncertainty`), and variance-based
sensitivity indices of each choice on the mean absolute rank shift of the index
(:func:`.sensitivity.run_sensitivity`: Saltelli 2010 first-order and Jansen 1999 total-effect
estimators).

Fast path (:func:`prepare`, :func:`.montecarlo.evaluate`): the few combinations of imputation
× treatment × normalisation are computed once with the real pipeline; per draw only the
weights and the aggregation change, so chunks of draws are aggregated level by level with
batched numpy and ranked with one sort per node. Ranks are accumulated as exact integer
histograms, so percentiles cost nothing per draw. :func:`evaluate_naive` does the same
draws one by one through :meth:`Pipeline.run`; the two agree exactly and the benchmark
reports their speed side by side.

References: Saisana, Saltelli & Tarantola (2005) *J. R. Stat. Soc. A* 168(2):307–323;
Saltelli et al. (2010) *Comput. Phys. Commun.* 181:259–270; Jansen (1999) *Comput. Phys.
Commun.* 117:35–43; COINr ``get_sensitivity`` (``SA_type = "UA"``/``"SA"``).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from clusteratlas.errors import InputError
from clusteratlas.scoreboard.aggregate import node_method
from clusteratlas.scoreboard.montecarlo import Draws, Prepared, evaluate, rank_batch
from clusteratlas.scoreboard.pipeline import Pipeline, ScoreboardData

CHOICES = ("impute", "treat", "normalise", "aggregate")


@dataclass
class UncertaintySpec:
    """Alternatives of each uncertain choice (parameter dicts of that pipeline step).

    ``None`` for a choice means "nominal only". The nominal value is always alternative 0.
    """

    impute: list[dict[str, Any]] | None = None
    treat: list[dict[str, Any]] | None = None
    normalise: list[dict[str, Any]] | None = None
    aggregate: list[dict[str, Any]] | None = None
    weight_noise: float = 0.25
    normalise_range: list[float] | None = None  # forced on every normalisation, nominal included

    @classmethod
    def default(cls, pipeline: Pipeline, geometric: bool = False) -> UncertaintySpec:
        """A sensible default: mean/median imputation, none/COINr treatment, min-max/percentile
        rank, ±25 % weights; with ``geometric`` also the geometric mean (all normalisations
        then on 1–100 so that it is defined)."""
        return cls(
            impute=[{"method": "mean"}, {"method": "median"}],
            treat=[{"method": "none"}, {"method": "coinr"}],
            normalise=[{"method": "minmax"}, {"method": "prank"}],
            aggregate=[{"method": "arithmetic"}, {"method": "geometric"}] if geometric else None,
            normalise_range=[1.0, 100.0] if geometric else None,
        )

    def alternatives(self, pipeline: Pipeline, choice: str) -> list[dict[str, Any]]:
        """Full parameter dicts of ``choice``: the nominal first, then the distinct others."""
        nominal = dict(pipeline.params[choice])
        force = (
            {"range": list(self.normalise_range)}
            if choice == "normalise" and self.normalise_range
            else {}
        )
        nominal.update(force)
        out = [nominal]
        for alt in getattr(self, choice) or []:
            full = {**nominal, **alt, **force}
            if full not in out:
                out.append(full)
        return out


def prepare(
    pipeline: Pipeline, data: ScoreboardData, spec: UncertaintySpec, year: int | None = None
) -> Prepared:
    """Run the pipeline once per imputation × treatment × normalisation combination."""
    alts = {c: spec.alternatives(pipeline, c) for c in CHOICES}
    combos = list(itertools.product(*(range(len(alts[c])) for c in CHOICES[:3])))
    y = int(year if year is not None else (pipeline.years or [data.values["year"].max()])[-1])
    pipeline = Pipeline(pipeline.framework, pipeline.params, [y], pipeline.unknown_indicators)
    frames, fw = [], None
    for ci, ti, ni in combos:
        run = pipeline.regen(
            impute=alts["impute"][ci], treat=alts["treat"][ti], normalise=alts["normalise"][ni]
        ).run(data)
        frames.append(run.stages["normalised"].xs(y, level="year"))
        fw = fw or run.framework  # the nominal run's framework (combination 0)
    assert fw is not None
    regions = sorted(set().union(*(f.index for f in frames)))
    inds = [n.code for n in fw.indicators if n.covered and n.code in frames[0].columns]
    X = np.stack([f.reindex(index=regions, columns=inds).to_numpy(dtype=float) for f in frames])
    aggs = fw.aggregates_bottom_up()
    nodes = inds + [a.code for a in aggs]
    pos = {c: i for i, c in enumerate(nodes)}
    depth = {a.code: len(fw.lineage(a.code)) for a in aggs}
    levels = []
    for d in sorted(set(depth.values()), reverse=True):
        parents = [a for a in aggs if depth[a.code] == d]
        child_idx, starts = [], []
        for a in parents:
            starts.append(len(child_idx))
            child_idx += [pos[c.code] for c in a.children if c.covered and c.code in pos]
        nkids = np.diff([*starts, len(child_idx)])
        member = np.zeros((len(child_idx), len(parents)))  # child × parent, 0/1
        for j, (st, nk) in enumerate(zip(starts, nkids, strict=True)):
            member[st : st + nk, j] = 1.0
        levels.append(
            {
                "parents": np.array([pos[a.code] for a in parents]),
                "child": np.array(child_idx),
                "starts": np.array(starts),
                "nkids": nkids,
                "M": member,
            }
        )
    agg_param = pipeline.params["aggregate"]
    methods, kept = [], []
    for alt in alts["aggregate"]:
        per_node = [
            node_method(fw, a.code, alt.get("method"), bool(alt.get("override"))) for a in aggs
        ]
        per_node = [(m, p if p is not None else alt.get("p")) for m, p in per_node]
        if per_node not in methods:  # e.g. "arithmetic" when the nominal default is arithmetic
            methods.append(per_node)
            kept.append(alt)
    alts["aggregate"] = kept
    uses_log = any(
        m in ("geometric", "harmonic") or (m == "generalised" and (p or 1) <= 0)
        for ms in methods
        for m, p in ms
    )
    if uses_log and np.any(X[~np.isnan(X)] <= 0):
        raise InputError(
            "geometric/harmonic aggregation needs positive normalised values: "
            "normalise onto e.g. 1–100",
            parameter="uncertainty",
        )
    weights = np.array([fw.nodes[c].weight for c in nodes])
    return Prepared(
        regions,
        nodes,
        len(inds),
        X,
        combos,
        alts,
        weights,
        levels,
        methods,
        float(agg_param["min_share"]),
        y,
        pipeline,
        data,
        fw,
        np.isnan(X).any(axis=(1, 2)),
    )


def draws_from_uniforms(
    prep: Prepared, u_choice: np.ndarray, u_weight: np.ndarray, noise: float
) -> Draws:
    """Map uniforms to draws: ``floor(u·n)`` picks among n alternatives; ``1 + noise(2u − 1)``."""
    n = [len(prep.alternatives[c]) for c in CHOICES]
    idx = np.minimum((u_choice * np.array(n)).astype(int), np.array(n) - 1)
    combo = (idx[:, 0] * n[1] + idx[:, 1]) * n[2] + idx[:, 2]
    return Draws(combo, idx[:, 3], 1.0 + noise * (2.0 * u_weight - 1.0))


def random_draws(prep: Prepared, n: int, noise: float, seed: int = 1) -> Draws:
    """``n`` independent Monte Carlo draws."""
    rng = np.random.default_rng(seed)
    return draws_from_uniforms(
        prep, rng.random((n, len(CHOICES))), rng.random((n, len(prep.nodes))), noise
    )


def nominal_ranks(prep: Prepared) -> np.ndarray:
    """Ranks (N, nodes) of the nominal pipeline (alternative 0 everywhere, no weight noise)."""
    d = Draws(np.zeros(1, int), np.zeros(1, int), np.ones((1, len(prep.nodes))))
    out: list[np.ndarray] = []
    evaluate(
        prep,
        d,
        track=np.arange(len(prep.nodes)),
        workers=1,
        consume=lambda i, r: out.append(r[:, 0, :].T),
    )
    return out[0]


def evaluate_naive(prep: Prepared, draws: Draws) -> np.ndarray:
    """The straightforward way: the whole pipeline for each draw. Returns ranks (B, N, nodes)."""
    alts = prep.alternatives
    out = np.zeros((len(draws), len(prep.regions), len(prep.nodes)), dtype=np.int32)
    for b in range(len(draws)):
        c = prep.combos[draws.combo[b]]
        w = prep.weights * draws.wmult[b]
        pipe = prep.pipeline.regen(
            impute=alts["impute"][c[0]],
            treat=alts["treat"][c[1]],
            normalise=alts["normalise"][c[2]],
            aggregate=alts["aggregate"][int(draws.agg[b])],
            weight={"method": "given"},
        )
        pipe.framework = prep.framework.with_weights(dict(zip(prep.nodes, w, strict=True)))
        run = pipe.run(prep.data)
        ranks = (
            run.ranks().xs(prep.year, level="year").reindex(index=prep.regions, columns=prep.nodes)
        )
        out[b] = ranks.fillna(0).to_numpy(dtype=np.int32)
    return out


# -- uncertainty --------------------------------------------------------------------------------
def _quantile_from_hist(cum: np.ndarray, total: np.ndarray, q: float) -> np.ndarray:
    """Type-7 quantile of integer ranks 1..R from cumulative counts (…, R)."""
    h = (total - 1) * q
    lo, frac = np.floor(h), h - np.floor(h)

    def order_stat(k: np.ndarray) -> np.ndarray:  # value of the k-th (0-based) sorted draw
        return (cum <= k[..., None]).sum(axis=-1) + 1.0

    a, b = order_stat(lo), order_stat(np.minimum(lo + 1, total - 1))
    out = a + frac * (b - a)
    return np.where(total > 0, out, np.nan)


@dataclass
class UncertaintyResult:
    """Rank distributions per region and node, plus the draws' description."""

    table: pd.DataFrame  # region, node, rank_nominal, rank_p05, rank_median, rank_p95, rank_mean
    n_draws: int
    alternatives: dict[str, list[dict[str, Any]]]
    weight_noise: float
    year: int


def run_uncertainty(
    prep: Prepared,
    n: int,
    noise: float,
    seed: int = 1,
    chunk: int = 200,
    workers: int = 2,
    progress: Callable[[int], None] | None = None,
) -> UncertaintyResult:
    """Monte Carlo over the choices: rank median, 5th/95th percentile and mean per region and node.

    Indicator ranks depend only on the imputation × treatment × normalisation combination, so
    they are counted once per combination (weighted by its number of draws).
    """
    draws = random_draws(prep, n, noise, seed)
    N, K, M = len(prep.regions), prep.n_indicators, len(prep.nodes)
    hist = np.zeros((M, N, N), dtype=np.int32)  # draws per (node, region, rank)
    agg_track = np.arange(K, M)
    A = len(agg_track)
    base = ((np.arange(A)[:, None, None] * N + np.arange(N)[None, :, None]) * N - 1).astype(
        np.int64
    )

    def consume(idx: np.ndarray, ranks: np.ndarray) -> None:  # ranks (A, b, N), 0 = unranked
        r = ranks.transpose(0, 2, 1)  # (A, N, b): one region's draws hit one histogram row
        flat = base + r
        if not r.all():
            flat = flat[r > 0]
        hist[K:] += np.bincount(flat.ravel(), minlength=A * N * N).reshape(A, N, N)
        if progress is not None:
            progress(len(idx))

    evaluate(prep, draws, agg_track, chunk, workers, consume)
    counts = np.bincount(draws.combo, minlength=len(prep.combos))
    for c in np.flatnonzero(counts):
        r = rank_batch(prep.X[c].T)  # (K, N)
        k_idx, n_idx = np.nonzero(r > 0)
        np.add.at(hist, (k_idx, n_idx, r[k_idx, n_idx] - 1), counts[c])
    cum = np.cumsum(hist, axis=-1)
    total = cum[..., -1]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (hist @ np.arange(1.0, N + 1)) / total
    nominal = nominal_ranks(prep)
    rows = {
        "region": np.tile(prep.regions, M),
        "node": np.repeat(prep.nodes, N),
        "rank_nominal": np.where(nominal.T.reshape(-1) > 0, nominal.T.reshape(-1), np.nan),
        "rank_p05": _quantile_from_hist(cum, total, 0.05).reshape(-1),
        "rank_median": _quantile_from_hist(cum, total, 0.5).reshape(-1),
        "rank_p95": _quantile_from_hist(cum, total, 0.95).reshape(-1),
        "rank_mean": mean.reshape(-1),
    }
    return UncertaintyResult(pd.DataFrame(rows), n, prep.alternatives, noise, prep.year)


def uncertainty_columns(scores: pd.DataFrame, result: UncertaintyResult) -> pd.DataFrame:
    """Add ``rank_p05, rank_median, rank_p95`` (for the analysed year) to a scores table."""
    t = result.table.set_index(["region", "node"])[["rank_p05", "rank_median", "rank_p95"]]
    key = pd.MultiIndex.from_frame(scores[["region", "node"]])
    add = t.reindex(key).to_numpy()
    out = scores.copy()
    same_year = (out["year"] == result.year).to_numpy()[:, None]
    out[["rank_p05", "rank_median", "rank_p95"]] = np.where(same_year, add, np.nan)
    return out


def spec_from_mapping(data: Mapping[str, Any]) -> UncertaintySpec:
    """An :class:`UncertaintySpec` from plain data (e.g. YAML/JSON)."""
    known = {"impute", "treat", "normalise", "aggregate", "weight_noise", "normalise_range"}
    bad = set(data) - known
    if bad:
        raise InputError(f"unknown uncertainty keys {sorted(bad)}", parameter="uncertainty")
    return UncertaintySpec(**dict(data))
