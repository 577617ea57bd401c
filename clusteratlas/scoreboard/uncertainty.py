"""Uncertainty and sensitivity analysis of a scoreboard, vectorised over Monte Carlo draws.

Each draw picks one alternative for every uncertain choice of the pipeline — imputation,
treatment, normalisation, aggregation (discrete) — and perturbs every node weight by a
uniform factor ``1 ± weight_noise``. The result of many draws is a distribution of ranks per
region and node (median, 5th and 95th percentile: :func:`run_uncertainty`), and variance-based
sensitivity indices of each choice on the mean absolute rank shift of the index
(:func:`run_sensitivity`: Saltelli 2010 first-order and Jansen 1999 total-effect estimators).

Fast path (:class:`Prepared`, :func:`evaluate`): the few combinations of imputation ×
treatment × normalisation are computed once with the real pipeline; per draw only the weights
and the aggregation change, so a chunk of draws is aggregated level by level with batched
numpy (``np.add.reduceat`` over children grouped by parent) and ranked with one ``argsort``
per node. Ranks are accumulated as exact integer histograms, so percentiles cost nothing per
draw. :func:`evaluate_naive` does the same draws one by one through :meth:`Pipeline.run`;
the two agree exactly and the benchmark reports their speed side by side.

References: Saisana, Saltelli & Tarantola (2005) *J. R. Stat. Soc. A* 168(2):307–323;
Saltelli et al. (2010) *Comput. Phys. Commun.* 181:259–270; Jansen (1999) *Comput. Phys.
Commun.* 117:35–43; COINr ``get_sensitivity`` (``SA_type = "UA"``/``"SA"``).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from clusteratlas.errors import InputError
from clusteratlas.scoreboard.aggregate import copeland, node_method
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


@dataclass
class Prepared:
    """Everything the batched evaluation needs, computed once."""

    regions: list[str]
    nodes: list[str]  # indicators first (column order of X), then aggregates bottom-up
    n_indicators: int
    X: np.ndarray  # (combos, regions, indicators) normalised values
    combos: list[tuple[int, int, int]]
    alternatives: dict[str, list[dict[str, Any]]]
    weights: np.ndarray  # nominal node weights, aligned with nodes
    levels: list[dict[str, Any]]  # per aggregation level: parents, child index, starts
    methods: list[list[tuple[str, float | None]]]  # per aggregate alternative: per aggregate node
    min_share: float
    year: int
    pipeline: Pipeline
    data: ScoreboardData
    framework: Any = None
    has_nan: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))

    def __post_init__(self) -> None:
        self.XT = np.ascontiguousarray(self.X.transpose(2, 0, 1))  # (indicators, combos, regions)


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
        levels.append(
            {
                "parents": np.array([pos[a.code] for a in parents]),
                "child": np.array(child_idx),
                "starts": np.array(starts),
                "nkids": np.diff([*starts, len(child_idx)]),
            }
        )
    agg_param = pipeline.params["aggregate"]
    methods = []
    for alt in alts["aggregate"]:
        methods.append(
            [node_method(fw, a.code, alt.get("method"), bool(alt.get("override"))) for a in aggs]
        )
        methods[-1] = [(m, p if p is not None else alt.get("p")) for m, p in methods[-1]]
    uses_log = any(
        m in ("geometric", "harmonic") or (m == "generalised" and (p or 1) <= 0)
        for ms in methods
        for m, p in ms
    )
    if uses_log and np.any(X[~np.isnan(X)] <= 0):
        raise InputError(
            "geometric/harmonic aggregation needs positive normalised values: "
            "normalise onto e.g. 1–100",
            parameter="--uncertainty",
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


# -- draws -------------------------------------------------------------------------------------
@dataclass
class Draws:
    """A table of draws: indices of the alternatives and the node weight multipliers."""

    combo: np.ndarray  # (B,) index into Prepared.combos
    agg: np.ndarray  # (B,)
    wmult: np.ndarray  # (B, nodes)

    def __len__(self) -> int:
        return len(self.combo)


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


# -- batched evaluation -----------------------------------------------------------------------
def _reduce(
    kids: np.ndarray,
    w: np.ndarray,
    starts: np.ndarray,
    nkids: np.ndarray,
    method: str,
    p: float | None,
    min_share: float,
    nan: bool,
) -> np.ndarray:
    """Aggregate children ``(C, B, N)`` into parents ``(P, B, N)`` with ``(C, B)`` weights.

    Children are grouped by parent, so each weighted sum is one ``np.add.reduceat`` over
    contiguous ``(B, N)`` slabs.
    """
    W = w[:, :, None]
    mask = ~np.isnan(kids) if nan else None
    den = (
        np.add.reduceat(mask * W, starts, axis=0)
        if nan
        else np.add.reduceat(w, starts, axis=0)[:, :, None]
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "arithmetic":
            v = np.where(mask, kids, 0.0) if nan else kids
            out = np.add.reduceat(v * W, starts, axis=0) / den
        elif method == "geometric" or (method == "generalised" and p == 0):
            v = np.where(mask, kids, 1.0) if nan else kids
            out = np.exp(np.add.reduceat(np.log(v) * W, starts, axis=0) / den)
        elif method == "harmonic":
            v = np.where(mask, kids, np.inf) if nan else kids
            out = den / np.add.reduceat(W / v, starts, axis=0)
        elif method == "generalised":
            v = np.where(mask, kids, 0.0) if nan else kids
            out = (np.add.reduceat(np.power(v, p) * W, starts, axis=0) / den) ** (1.0 / p)
        else:
            raise ValueError(method)
    if nan:
        cnt = np.add.reduceat(mask, starts, axis=0)
        out[(cnt == 0) | (cnt / nkids[:, None, None] < min_share)] = np.nan
    return out


def _scores(prep: Prepared, combo: np.ndarray, agg: int, w: np.ndarray) -> np.ndarray:
    """Scores ``(nodes, B, N)`` of draws sharing aggregation alternative ``agg`` (w: B × nodes)."""
    B, N, K = len(combo), len(prep.regions), prep.n_indicators
    V = np.empty((len(prep.nodes), B, N))
    V[:K] = prep.XT[:, combo, :]
    nan = bool(prep.has_nan[combo].any())
    methods = prep.methods[agg]
    wT = np.ascontiguousarray(w.T)
    for lev in prep.levels:
        parents = lev["parents"]
        ch = lev["child"]
        contiguous = ch.size and np.array_equal(ch, np.arange(ch[0], ch[0] + ch.size))
        kids = V[ch[0] : ch[0] + ch.size] if contiguous else V[ch]
        wk = wT[ch[0] : ch[0] + ch.size] if contiguous else wT[ch]
        ms = [methods[i - K] for i in parents]
        for m, p in sorted(set(ms), key=str):
            sel = [j for j, mp in enumerate(ms) if mp == (m, p)]
            if m == "copeland":
                for j in sel:
                    lo, hi = lev["starts"][j], lev["starts"][j] + lev["nkids"][j]
                    for b in range(B):
                        V[parents[j], b] = copeland(kids[lo:hi, b].T, wk[lo:hi, b], prep.min_share)
                continue
            out = _reduce(kids, wk, lev["starts"], lev["nkids"], m, p, prep.min_share, nan)
            V[parents[sel]] = out[sel]
    return V


def rank_batch(scores: np.ndarray) -> np.ndarray:
    """Ranks along the last axis, 1 = highest, ties share the best rank, NaN → 0 (unranked).

    Exact and fast: each float is mapped to an order-preserving 64-bit integer, its lowest
    ``ceil(log2 n)`` bits replaced by the column index, and the rows sorted with numpy's SIMD
    integer sort; the index bits give the permutation. Rows where the truncation could have
    swapped two values closer than 2⁻⁴³ (relative) are detected and re-sorted exactly. Ties
    (equal values) then share the smallest rank.

    Examples
    --------
    >>> rank_batch(np.array([[3.0, 5.0, 3.0, np.nan]])).tolist()
    [[2, 1, 2, 0]]
    """
    nan = np.isnan(scores)
    s = np.where(nan, -np.inf, scores) + 0.0  # + 0.0 turns -0.0 into 0.0
    n = s.shape[-1]
    flat = np.ascontiguousarray(s.reshape(-1, n))
    bits = max(1, int(np.ceil(np.log2(max(n, 2)))))
    low = np.int64((1 << bits) - 1)
    i = flat.view(np.int64)
    key = ~np.where(i < 0, i ^ np.int64(0x7FFFFFFFFFFFFFFF), i)  # descending order
    packed = (key & ~low) | np.arange(n, dtype=np.int64)
    packed.sort(axis=1)
    order = packed & low
    srt = np.take_along_axis(flat, order, axis=1)
    bad = (srt[:, 1:] > srt[:, :-1]).any(axis=1)
    if bad.any():
        order[bad] = np.argsort(-flat[bad], axis=1, kind="stable")
        srt[bad] = np.take_along_axis(flat[bad], order[bad], axis=1)
    new = np.ones(flat.shape, bool)
    new[:, 1:] = srt[:, 1:] != srt[:, :-1]
    first = np.maximum.accumulate(np.where(new, np.arange(n), 0), axis=1).astype(np.int32) + 1
    ranks = np.empty(flat.shape, dtype=np.int32)
    np.put_along_axis(ranks, order, first, axis=1)
    ranks = ranks.reshape(scores.shape)
    ranks[nan] = 0
    return ranks


def evaluate(
    prep: Prepared,
    draws: Draws,
    track: Sequence[int] | None = None,
    chunk: int = 200,
    workers: int = 2,
    consume: Callable[[np.ndarray, np.ndarray], None] | None = None,
) -> None:
    """Evaluate draws in chunks; ``consume(draw_indices, ranks (tracked, b, N))`` gets each chunk.

    Draws are grouped by aggregation alternative; chunks run on ``workers`` threads (numpy
    releases the GIL in the heavy kernels).
    """
    track = np.arange(prep.n_indicators, len(prep.nodes)) if track is None else np.asarray(track)
    jobs = []
    for a in range(len(prep.methods)):
        idx = np.flatnonzero(draws.agg == a)
        jobs += [(a, idx[i : i + chunk]) for i in range(0, len(idx), chunk)]

    def work(job: tuple[int, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        a, idx = job
        w = prep.weights[None, :] * draws.wmult[idx]
        V = _scores(prep, draws.combo[idx], a, w)
        return idx, rank_batch(V[track])

    wave = 2 * max(1, workers)  # bounded look-ahead keeps memory flat
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for start in range(0, len(jobs), wave):
            for idx, ranks in pool.map(work, jobs[start : start + wave]):
                if consume is not None:
                    consume(idx, ranks)


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
    hist = np.zeros((M, N, N), dtype=np.int64)
    agg_track = np.arange(K, M)
    A = len(agg_track)
    region = np.arange(N)[None, None, :]
    node = np.arange(A)[:, None, None]

    def consume(idx: np.ndarray, ranks: np.ndarray) -> None:  # ranks (A, b, N)
        flat = (node * N + region) * N + (ranks.astype(np.int64) - 1)
        flat = flat[ranks > 0]
        hist[K:] += np.bincount(flat, minlength=A * N * N).reshape(A, N, N)
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
        mean = (hist * np.arange(1, N + 1)).sum(axis=-1) / total
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


# -- sensitivity ------------------------------------------------------------------------------
def sobol_indices(fA: np.ndarray, fB: np.ndarray, fAB: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r"""First-order and total Sobol indices from a Saltelli design.

    With :math:`V = \operatorname{Var}(f_A \cup f_B)`:
    :math:`S_i = \tfrac{1}{N}\sum f_B (f_{AB_i} - f_A) / V` (Saltelli et al. 2010) and
    :math:`S_{Ti} = \tfrac{1}{2N}\sum (f_A - f_{AB_i})^2 / V` (Jansen 1999). ``fAB`` is
    (factors, N).

    Examples
    --------
    >>> a = np.array([0.0, 1, 0, 1]); b = np.array([1.0, 0, 0, 1])
    >>> s, st = sobol_indices(a, b, np.array([b]))  # f depends on this one factor only
    >>> float(st[0]) > 0.9
    True
    """
    V = np.var(np.concatenate([fA, fB]))
    if V == 0:
        return np.zeros(len(fAB)), np.zeros(len(fAB))
    first = np.mean(fB[None, :] * (fAB - fA[None, :]), axis=1) / V
    total = 0.5 * np.mean((fA[None, :] - fAB) ** 2, axis=1) / V
    return first, total


def run_sensitivity(
    prep: Prepared, n_base: int, noise: float, seed: int = 1, n_boot: int = 200, workers: int = 2
) -> pd.DataFrame:
    """Sobol indices of each choice on the mean absolute rank shift of the index.

    Factors: the discrete choices with more than one alternative, plus the weights (one group
    of all node weights) when ``noise > 0``. Cost: ``n_base × (factors + 2)`` evaluations.
    Returns factor, first_order, total and bootstrap 90 % intervals.
    """
    factors = [c for c in CHOICES if len(prep.alternatives[c]) > 1] + (
        ["weights"] if noise > 0 else []
    )
    if not factors:
        raise InputError(
            "nothing varies: give alternatives or weight noise", parameter="--uncertainty"
        )
    rng = np.random.default_rng(seed)
    M, D = len(prep.nodes), len(CHOICES)
    A, Bm = rng.random((n_base, D + M)), rng.random((n_base, D + M))
    cols = {c: [i] for i, c in enumerate(CHOICES)} | {"weights": list(range(D, D + M))}
    mats = [A, Bm]
    for f in factors:
        ab = A.copy()
        ab[:, cols[f]] = Bm[:, cols[f]]
        mats.append(ab)
    U = np.concatenate(mats)
    draws = draws_from_uniforms(prep, U[:, :D], U[:, D:], noise)
    root = len(prep.nodes) - 1
    nominal = nominal_ranks(prep)[:, root].astype(float)
    ok = nominal > 0
    f = np.zeros(len(draws))

    def consume(idx: np.ndarray, ranks: np.ndarray) -> None:
        f[idx] = np.abs(ranks[0][:, ok] - nominal[ok]).mean(axis=1)

    evaluate(prep, draws, [root], workers=workers, consume=consume)
    fA, fB = f[:n_base], f[n_base : 2 * n_base]
    fAB = f[2 * n_base :].reshape(len(factors), n_base)
    s, st = sobol_indices(fA, fB, fAB)
    boot_s, boot_t = [], []
    for _ in range(n_boot):
        i = rng.integers(0, n_base, n_base)
        bs, bt = sobol_indices(fA[i], fB[i], fAB[:, i])
        boot_s.append(bs)
        boot_t.append(bt)
    q = lambda a, p: np.quantile(np.array(a), p, axis=0) if a else np.full(len(factors), np.nan)  # noqa: E731
    return pd.DataFrame(
        {
            "factor": factors,
            "first_order": s,
            "total": st,
            "first_order_p05": q(boot_s, 0.05),
            "first_order_p95": q(boot_s, 0.95),
            "total_p05": q(boot_t, 0.05),
            "total_p95": q(boot_t, 0.95),
            "mean_abs_rank_shift": float(np.mean(np.concatenate([fA, fB]))),
        }
    )


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
