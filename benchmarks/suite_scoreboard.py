"""Benchmark suite ``scoreboard``: Monte Carlo uncertainty of a composite indicator, two ways.

``python benchmarks/run.py --suite scoreboard --size small|large [--json OUT]``

A deterministic synthetic scoreboard (lognormal indicators, 5 % missing, random directions;
``large`` = 300 regions × 65 indicators in 19 sub-dimensions and 8 dimensions, the size of
the EOCIC scoreboard; ``small`` = 100 × 30) is analysed with the default uncertainty design:
imputation {group mean, mean, median} × treatment {COINr, none} × normalisation {min-max,
percentile rank} (all on 1–100) × aggregation {arithmetic, geometric} × weights ± 25 %.

(a) ``vectorised``: :func:`clusteratlas.scoreboard.uncertainty.run_uncertainty` — every
    combination's normalised matrix computed once, then batched aggregation and ranking of all
    draws (rank histograms of the index, the 8 dimensions and the 19 sub-dimensions);
(b) ``per_draw``: the straightforward implementation, the whole pipeline once per draw
    (:func:`~clusteratlas.scoreboard.uncertainty.evaluate_naive`), timed on a subset of draws
    and extrapolated linearly to the full number.

Both give the same ranks on the same draws; the suite checks it on the per-draw subset.
Target: ``large`` (10,000 draws) in ≤ 10 s wall time on 2 cores. Wall and CPU times are
reported with the load average, because other work on the machine slows wall time.
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:
    sys.path.insert(0, str(HERE.parent))

from clusteratlas.scoreboard.framework import framework_from_dict  # noqa: E402
from clusteratlas.scoreboard.montecarlo import evaluate  # noqa: E402
from clusteratlas.scoreboard.pipeline import Pipeline, ScoreboardData  # noqa: E402
from clusteratlas.scoreboard.sensitivity import run_sensitivity  # noqa: E402
from clusteratlas.scoreboard.uncertainty import (  # noqa: E402
    UncertaintySpec,
    evaluate_naive,
    prepare,
    random_draws,
    run_uncertainty,
)

SIZES = {  # regions, indicators, sub-dimensions, dimensions, draws, per-draw subset, SA base
    "small": (100, 30, 9, 4, 1_000, 10, 256),
    "large": (300, 65, 19, 8, 10_000, 20, 1_024),
}
TARGET_S = 10.0


def synthetic(n_regions: int, n_ind: int, n_sub: int, n_dim: int, seed: int = 0):
    """A framework and data set of the given shape (everything a function of ``seed``)."""
    rng = np.random.default_rng(seed)
    sub_of, dim_of = np.arange(n_ind) % n_sub, np.arange(n_sub) % n_dim
    dims = []
    for d in range(n_dim):
        subs = []
        for s in np.flatnonzero(dim_of == d):
            inds = [
                {"code": f"I{k:02d}", "name": f"I{k}", "direction": int(rng.choice([1, -1]))}
                for k in np.flatnonzero(sub_of == s)
            ]
            subs.append({"code": f"S{s:02d}", "name": f"S{s}", "indicators": inds})
        dims.append({"code": f"D{d}", "name": f"D{d}", "subdimensions": subs})
    fw = framework_from_dict({"name": "benchmark", "dimensions": dims})
    values = rng.lognormal(0.0, 1.0, (n_regions, n_ind)) * rng.lognormal(0, 0.5, (n_regions, 1))
    values[rng.random(values.shape) < 0.05] = np.nan
    regions = [f"R{i:03d}" for i in range(n_regions)]
    codes = [n.code for n in fw.indicators]
    data = pd.DataFrame(
        {
            "region": np.repeat(regions, n_ind),
            "year": 2020,
            "indicator": np.tile(codes, n_regions),
            "value": values.ravel(),
        }
    )
    groups = pd.Series({r: f"G{i % 6}" for i, r in enumerate(regions)})
    return fw, ScoreboardData(data, groups=groups)


def _timed(fn, repeat: int = 1) -> tuple[Any, list[float], list[float]]:
    walls, cpus, out = [], [], None
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
    return out, walls, cpus


def run(size: str = "small") -> dict[str, Any]:
    n_regions, n_ind, n_sub, n_dim, n_draws, n_naive, n_sa = SIZES[size]
    fw, data = synthetic(n_regions, n_ind, n_sub, n_dim)
    pipe = Pipeline(
        fw,
        {
            "impute": {"method": "group-mean"},
            "treat": {"method": "coinr"},
            "normalise": {"range": [1.0, 100.0]},
        },
    )
    spec = UncertaintySpec.default(pipe, geometric=True)
    load_before = os.getloadavg()
    prep, prep_wall, _ = _timed(lambda: prepare(pipe, data, spec))
    res, walls, cpus = _timed(lambda: run_uncertainty(prep, n_draws, spec.weight_noise, seed=1), 3)
    index_only = len(prep.nodes) - 1

    def index_ranks() -> None:
        evaluate(prep, random_draws(prep, n_draws, spec.weight_noise, 1), [index_only])

    _, idx_walls, _ = _timed(index_ranks, 3)
    sub = random_draws(prep, n_naive, spec.weight_noise, seed=2)
    fast = np.zeros((n_naive, len(prep.regions), len(prep.nodes)), dtype=np.int32)

    def keep(idx: np.ndarray, ranks: np.ndarray) -> None:
        fast[idx] = np.moveaxis(ranks, 0, 2)

    evaluate(prep, sub, np.arange(len(prep.nodes)), consume=keep)
    slow, naive_wall, naive_cpu = _timed(lambda: evaluate_naive(prep, sub))
    sa, sa_wall, _ = _timed(lambda: run_sensitivity(prep, n_sa, spec.weight_noise, seed=3))
    per_draw_s = naive_wall[0] / n_naive
    best = min(walls)
    return {
        "suite": "scoreboard",
        "size": size,
        "shape": {
            "draws": n_draws,
            "regions": n_regions,
            "indicators": n_ind,
            "subdimensions": n_sub,
            "dimensions": n_dim,
            "method_combinations": len(prep.combos),
            "aggregations": len(prep.methods),
            "ranked_nodes_per_draw": len(prep.nodes) - prep.n_indicators,
        },
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "numpy": np.__version__,
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
        },
        "vectorised": {
            "prepare_s": round(prep_wall[0], 3),
            "draws_wall_s": [round(w, 3) for w in walls],
            "draws_wall_best_s": round(best, 3),
            "draws_wall_median_s": round(statistics.median(walls), 3),
            "draws_cpu_s": [round(c, 3) for c in cpus],
            "total_best_s": round(prep_wall[0] + best, 3),
            "index_only_wall_best_s": round(min(idx_walls), 3),
            "per_draw_ms": round(1000 * best / n_draws, 4),
        },
        "per_draw": {
            "draws_timed": n_naive,
            "wall_s": round(naive_wall[0], 3),
            "cpu_s": round(naive_cpu[0], 3),
            "per_draw_ms": round(1000 * per_draw_s, 2),
            "extrapolated_s": round(per_draw_s * n_draws, 1),
        },
        "speedup_vs_per_draw": round(per_draw_s * n_draws / best, 1),
        "identical_ranks_on_subset": bool(np.array_equal(fast, slow)),
        "sensitivity": {
            "base_samples": n_sa,
            "evaluations": n_sa * (len(sa) + 2),
            "wall_s": round(sa_wall[0], 3),
            "total_indices": dict(zip(sa["factor"], sa["total"].round(3), strict=True)),
            "first_order": dict(zip(sa["factor"], sa["first_order"].round(3), strict=True)),
        },
        "index_rank_band_width_median": float(
            (
                res.table.loc[res.table["node"] == prep.nodes[-1], "rank_p95"]
                - res.table.loc[res.table["node"] == prep.nodes[-1], "rank_p05"]
            ).median()
        ),
        "target": {
            "draws_wall_s_max": TARGET_S,
            "met": bool(size != "large" or prep_wall[0] + best <= TARGET_S),
        },
    }


if __name__ == "__main__":
    import json

    print(json.dumps(run(sys.argv[1] if len(sys.argv) > 1 else "small"), indent=2))
