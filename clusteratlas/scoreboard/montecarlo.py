"""The batched Monte Carlo engine behind :mod:`.uncertainty` and :mod:`.sensitivity`.

Per draw only the weights and the aggregation change; the normalised indicator matrices of
every imputation × treatment × normalisation combination are computed once (:class:`Prepared`).
A chunk of draws is aggregated level by level as ``(nodes, draws, regions)`` arrays — each
weighted sum over a parent's children is one ``np.add.reduceat`` over contiguous slabs — and
ranked with one SIMD integer sort per node (:func:`rank_batch`). Chunks run on threads (numpy
releases the GIL in these kernels).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np

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
