"""Deterministic synthetic panels for the benchmarks (Parquet) and their cluster definitions.

``generate_panel(size, folder)`` writes ``panel-<size>.parquet`` (columns ``region, industry,
year, employment, establishments, payroll``) and ``clusters-<size>.csv`` (``industry, cluster,
cluster_name, cluster_type, weight``) and returns their paths and the row count.

Sizes (regions x industries x years, 60% of region x industry cells non-zero, zero cells are
not written):

* ``small``: 300 x 600 x 10 = 1,080,000 rows;
* ``large``: 1,500 x 600 x 15 = 8,100,000 rows.

The economy is heavy-tailed on purpose (lognormal region sizes, industry sizes and region x
cluster affinities), so that percentiles, LQs and stars see realistic skew. 600 industries are
spread over 51 clusters (45 traded, 6 local, every industry wholly in one cluster).
Everything is a function of the seed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

SIZES: dict[str, tuple[int, int, int]] = {
    "small": (300, 600, 10),
    "large": (1500, 600, 15),
}
DENSITY = 0.6  # share of region x industry cells with employment
N_CLUSTERS = 51
N_LOCAL = 6
FIRST_YEAR = 2010


@dataclass(frozen=True)
class PanelFiles:
    panel: Path
    definitions: Path
    rows: int
    regions: int
    industries: int
    years: int


def _definitions(rng: np.random.Generator, n_industries: int) -> pd.DataFrame:
    """Industries into 51 clusters of uneven size (every cluster has at least 3 members)."""
    weights = rng.dirichlet(np.full(N_CLUSTERS, 2.0))
    counts = 3 + rng.multinomial(n_industries - 3 * N_CLUSTERS, weights)
    cluster_of = np.repeat(np.arange(N_CLUSTERS), counts)
    rng.shuffle(cluster_of)
    types = np.where(np.arange(N_CLUSTERS) >= N_CLUSTERS - N_LOCAL, "local", "traded")
    return pd.DataFrame(
        {
            "industry": [f"I{i + 1:04d}" for i in range(n_industries)],
            "cluster": [f"C{c + 1:02d}" for c in cluster_of],
            "cluster_name": [f"Cluster {c + 1}" for c in cluster_of],
            "cluster_type": types[cluster_of],
            "weight": 1.0,
        }
    )


def generate_panel(size: str, folder: str | Path, seed: int = 20240601) -> PanelFiles:
    """Write the panel and definitions of ``size`` into ``folder`` (see the module docstring)."""
    n_r, n_i, n_t = SIZES[size]
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    defs = _definitions(rng, n_i)
    cluster = defs["cluster"].str[1:].astype(int).to_numpy() - 1
    traded = defs["cluster_type"].to_numpy() == "traded"

    region_size = np.exp(1.2 * rng.standard_normal(n_r)) * 20_000
    industry_weight = np.exp(1.0 * rng.standard_normal(n_i))
    affinity = rng.standard_normal((n_r, N_CLUSTERS))
    log_e = (
        np.log(region_size)[:, None]
        + np.log(industry_weight / industry_weight.sum())[None, :]
        + np.where(traded, 0.9, 0.2)[None, :] * affinity[:, cluster]
        + 0.5 * rng.standard_normal((n_r, n_i))
    )
    # exactly DENSITY of the cells are present; larger expected cells more likely so
    score = log_e + rng.standard_normal((n_r, n_i))
    present = score >= np.quantile(score, 1 - DENSITY)
    r_idx, i_idx = np.nonzero(present)  # region-major, industry-minor order
    base = log_e[r_idx, i_idx]
    growth = rng.normal(0.01, 0.02, N_CLUSTERS)[cluster[i_idx]]
    firm_size = np.exp(rng.normal(2.0, 0.6, N_CLUSTERS))[cluster[i_idx]]
    wage = 35_000 * np.exp(rng.normal(0, 0.15, N_CLUSTERS))[cluster[i_idx]]
    wage = wage * np.exp(rng.normal(0, 0.1, n_r))[r_idx]

    regions = np.array([f"R{r + 1:04d}" for r in range(n_r)], dtype=object)[r_idx]
    industries = defs["industry"].to_numpy(dtype=object)[i_idx]
    region_col = pa.array(regions, pa.string()).dictionary_encode()
    industry_col = pa.array(industries, pa.string()).dictionary_encode()
    panel_path = folder / f"panel-{size}.parquet"
    tmp = panel_path.with_suffix(".parquet.tmp")
    schema = pa.schema(
        [
            ("region", pa.dictionary(pa.int32(), pa.string())),
            ("industry", pa.dictionary(pa.int32(), pa.string())),
            ("year", pa.int32()),
            ("employment", pa.int64()),
            ("establishments", pa.int64()),
            ("payroll", pa.float64()),
        ]
    )
    noise = np.zeros(len(r_idx))
    with pq.ParquetWriter(tmp, schema, compression="zstd") as writer:
        for t in range(n_t):
            noise = 0.7 * noise + 0.05 * rng.standard_normal(len(r_idx))
            emp = np.maximum(1, np.round(np.exp(base + growth * t + noise))).astype(np.int64)
            est = np.clip(
                np.round(emp / firm_size * np.exp(0.2 * rng.standard_normal(len(emp)))), 1, emp
            ).astype(np.int64)
            pay = np.round(emp * wage * 1.02**t * np.exp(0.03 * rng.standard_normal(len(emp))))
            table = pa.table(
                [
                    region_col,
                    industry_col,
                    pa.array(np.full(len(emp), FIRST_YEAR + t, dtype=np.int32)),
                    pa.array(emp),
                    pa.array(est),
                    pa.array(pay),
                ],
                schema=schema,
            )
            writer.write_table(table)
    tmp.replace(panel_path)
    defs_path = folder / f"clusters-{size}.csv"
    defs.to_csv(defs_path, index=False)
    return PanelFiles(panel_path, defs_path, len(r_idx) * n_t, n_r, n_i, n_t)


if __name__ == "__main__":
    import sys

    files = generate_panel(sys.argv[1] if len(sys.argv) > 1 else "small", "/tmp/ca-bench")
    print(files)
