"""The batched Monte Carlo engine behind :mod:`.uncertainty` and :mod:`.sensitivity`.

Per draw only the weights and the aggregation change; the normalised indicator matrices of
every imputation × treatment × normalisation combination are computed once (:class:`Prepared`).
A chunk of draws is aggregated level by level as ``(nodes, draws, regions)`` arrays. The
indicator level is one matrix product per combination — ``(draws × parents, indicators) @
(indicators, regions)`` with the draw's weights folded into the left matrix and the
combination's (log-, inverse-) normalised values, precomputed once, on the right; higher
levels are ``np.add.reduceat`` sums over contiguous slabs. Every node is then ranked with one
SIMD integer sort (:func:`rank_batch`). Chunks run on threads (numpy and BLAS release the GIL).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from clusteratlas.scoreboard.aggregate import copeland


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
    pipeline: Any
    data: Any
    framework: Any = None
    has_nan: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))

    def __post_init__(self) -> None:
        self.XT = np.ascontiguousarray(self.X.transpose(2, 0, 1))  # (indicators, combos, regions)
        self._leaf: dict[tuple[str, float | None], np.ndarray] = {}

    def leaf_values(self, method: str, p: float | None, child: np.ndarray) -> np.ndarray:
        """(combos, children, regions) of the values a weighted mean needs: x, ln x, 1/x, x^p
        (0 where missing), and under ``"mask"`` the 0/1 availability."""
        key = (method, p)
        if key not in self._leaf:
            x = self.X.transpose(0, 2, 1)[:, child, :]
            ok = ~np.isnan(x)
            with np.errstate(divide="ignore", invalid="ignore"):
                if method == "mask":
                    v = ok.astype(float)
                elif method == "geometric" or (method == "generalised" and p == 0):
                    v = np.log(x)
                elif method == "harmonic":
                    v = 1.0 / x
                elif method == "generalised":
                    v = np.power(x, p)
                else:
                    v = x
            self._leaf[key] = np.ascontiguousarray(np.where(ok, v, 0.0))
        return self._leaf[key]


@dataclass
class Draws:
    """A table of draws: indices of the alternatives and the node weight multipliers."""

    combo: np.ndarray  # (B,) index into Prepared.combos
    agg: np.ndarray  # (B,)
    wmult: np.ndarray  # (B, nodes)

    def __len__(self) -> int:
        return len(self.combo)


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


def _finish(num: np.ndarray, den: np.ndarray, method: str, p: float | None) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "arithmetic":
            return num / den
        if method == "geometric" or (method == "generalised" and p == 0):
            return np.exp(num / den)
        if method == "harmonic":
            return den / num
        return (num / den) ** (1.0 / p)


def _leaf_level(
    prep: Prepared,
    lev: dict,
    combo: np.ndarray,
    wk: np.ndarray,
    sel: list[int],
    method: str,
    p: float | None,
    out: np.ndarray,
    rows: np.ndarray,
) -> None:
    """Parents ``sel`` of an all-indicator level, one GEMM per combination, into ``out[rows]``."""
    M = lev["M"][:, sel]  # (C, P)
    vals = prep.leaf_values(method, p, lev["child"])
    masks = prep.leaf_values("mask", None, lev["child"]) if prep.has_nan.any() else None
    C, P = M.shape
    for k in np.unique(combo):
        bi = np.flatnonzero(combo == k)
        Wm = (wk[:, bi].T[:, None, :] * M.T[None, :, :]).reshape(-1, C)  # (b·P, C)
        num = (Wm @ vals[k]).reshape(len(bi), P, -1)
        if masks is not None and prep.has_nan[k]:
            den = (Wm @ masks[k]).reshape(len(bi), P, -1)
            res = _finish(num, den, method, p)
            cnt = M.T @ masks[k]  # (P, N)
            res[:, (cnt == 0) | (cnt / lev["nkids"][sel, None] < prep.min_share)] = np.nan
        else:
            res = _finish(num, Wm.sum(axis=1).reshape(len(bi), P, 1), method, p)
        out[rows[:, None], bi[None, :]] = res.transpose(1, 0, 2)


def _take(
    rows: np.ndarray, leaves: Callable[[], np.ndarray], agg: np.ndarray, K: int
) -> np.ndarray:
    """Rows (node indices) of the stacked (leaves, aggregates) scores, as cheaply as possible."""
    if rows.size and rows.min() >= K:
        r = rows - K
        if np.array_equal(r, np.arange(r[0], r[0] + r.size)):
            return agg[r[0] : r[0] + r.size]
        return agg[r]
    if rows.size and rows.max() < K:
        return leaves()[rows]
    leaf, is_leaf = leaves(), rows < K
    out = np.empty((rows.size, *agg.shape[1:]))
    out[is_leaf] = leaf[rows[is_leaf]]
    out[~is_leaf] = agg[rows[~is_leaf] - K]
    return out


def _scores(
    prep: Prepared, combo: np.ndarray, agg: int, w: np.ndarray, track: np.ndarray | None = None
) -> np.ndarray:
    """Scores ``(tracked nodes, B, N)`` of draws sharing aggregation alternative ``agg``.

    ``w`` is (B, nodes); ``track`` defaults to every node. Indicator values are gathered only
    when a level mixes indicators and aggregates, or when they are tracked.
    """
    B, N, K = len(combo), len(prep.regions), prep.n_indicators
    A = np.empty((len(prep.nodes) - K, B, N))
    cache: list[np.ndarray] = []

    def leaves() -> np.ndarray:
        if not cache:
            cache.append(prep.XT[:, combo, :])
        return cache[0]

    methods = prep.methods[agg]
    nan = bool(prep.has_nan[combo].any())
    wT = np.ascontiguousarray(w.T)
    for lev in prep.levels:
        parents, ch = lev["parents"], lev["child"]
        ms = [methods[i - K] for i in parents]
        all_leaves = bool(np.all(ch < K))
        wk = wT[ch]
        kids = None
        for m, p in sorted(set(ms), key=str):
            sel = [j for j, mp in enumerate(ms) if mp == (m, p)]
            rows = parents[sel] - K
            if m != "copeland" and all_leaves:
                _leaf_level(prep, lev, combo, wk, sel, m, p, A, rows)
                continue
            if kids is None:
                kids = _take(ch, leaves, A, K)
            if m == "copeland":
                for j in sel:
                    lo, hi = lev["starts"][j], lev["starts"][j] + lev["nkids"][j]
                    for b in range(B):
                        A[parents[j] - K, b] = copeland(
                            kids[lo:hi, b].T, wk[lo:hi, b], prep.min_share
                        )
                continue
            out = _reduce(kids, wk, lev["starts"], lev["nkids"], m, p, prep.min_share, nan)
            A[rows] = out[sel]
    track = np.arange(len(prep.nodes)) if track is None else np.asarray(track)
    return _take(track, leaves, A, K)


def rank_batch(scores: np.ndarray) -> np.ndarray:
    """Ranks along the last axis, 1 = highest, ties share the best rank, NaN → 0 (unranked).

    Exact and fast: each float is mapped to an order-preserving 64-bit integer whose lowest
    ``ceil(log2 n)`` bits are replaced by the column index, and the rows are sorted with
    numpy's SIMD integer sort; the index bits give the permutation. Rows where two truncated
    keys collide (exact ties, or values closer than about 2⁻⁴³ relative) are re-ranked exactly
    with a stable argsort, ties sharing the smallest rank.

    Examples
    --------
    >>> rank_batch(np.array([[3.0, 5.0, 3.0, np.nan]])).tolist()
    [[2, 1, 2, 0]]
    """
    nan = np.isnan(scores)
    any_nan = bool(nan.any())
    n = scores.shape[-1]
    flat = scores.reshape(-1, n)
    flat = np.where(nan.reshape(flat.shape), -np.inf, flat) if any_nan else flat
    flat = flat + 0.0  # a copy, and -0.0 becomes 0.0
    bits = max(1, int(np.ceil(np.log2(max(n, 2)))))
    low = np.int64((1 << bits) - 1)
    i = flat.view(np.int64)
    # non-negative floats already sort like their bits; otherwise flip negatives' magnitude bits
    positive = not any_nan and flat.min() >= 0
    key = i if positive else i ^ ((i >> 63) & np.int64(0x7FFFFFFFFFFFFFFF))
    packed = (key & ~low) | np.arange(n, dtype=np.int64)
    packed.sort(axis=1)  # ascending; the highest value gets rank 1
    order = packed & low
    ranks = np.empty(flat.shape, dtype=np.int32)
    np.put_along_axis(ranks, order, np.arange(n, 0, -1, dtype=np.int32)[None, :], axis=1)
    trunc = packed >> bits
    clash = (trunc[:, 1:] == trunc[:, :-1]).any(axis=1)
    if clash.any():
        sub = flat[clash]
        o = np.argsort(-sub, axis=1, kind="stable")
        srt = np.take_along_axis(sub, o, axis=1)
        new = np.ones(sub.shape, bool)
        new[:, 1:] = srt[:, 1:] != srt[:, :-1]
        first = np.maximum.accumulate(np.where(new, np.arange(n), 0), axis=1).astype(np.int32) + 1
        r = np.empty(sub.shape, dtype=np.int32)
        np.put_along_axis(r, o, first, axis=1)
        ranks[clash] = r
    ranks = ranks.reshape(scores.shape)
    if any_nan:
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
        return idx, rank_batch(_scores(prep, draws.combo[idx], a, w, track))

    wave = 2 * max(1, workers)  # bounded look-ahead keeps memory flat
    # our threads share the cores: a multi-threaded BLAS inside each would oversubscribe them
    with (
        threadpool_limits(limits=1, user_api="blas"),
        ThreadPoolExecutor(max_workers=max(1, workers)) as pool,
    ):
        for start in range(0, len(jobs), wave):
            for idx, ranks in pool.map(work, jobs[start : start + wave]):
                if consume is not None:
                    consume(idx, ranks)
