"""Benchmark suite ``mapping``: the cluster table from a panel file, three ways, side by side.

``python benchmarks/run.py --suite mapping --size small|large [--json OUT]``

One run generates a deterministic panel (:mod:`panel`) in a temporary folder and times, each
in its own fresh Python subprocess (so that peak RSS is measured per tool: ``getrusage`` in the
child at the end of the timed work, and ``wait4`` for the whole process):

(a) ``clusteratlas``: :func:`clusteratlas.mapping.map_panel` from the Parquet panel and the
    definitions CSV to the full cluster table as a pandas DataFrame — reading and validating
    the panel, aggregation into clusters and every indicator (wage, LQ, shares, stars, strong
    flags; default thresholds, LQ against the total of the regions);
(b) ``ecomplexity``: what a user would otherwise write — ``pandas.read_parquet``, merge with
    the definitions, ``groupby(year, region, cluster).sum()`` of employment, then
    ``ecomplexity(..., presence_test="rca")`` (RCA = LQ, plus ECI/PCI, density, COI, COG);
(c) ``duckdb_floor``: one hand-written DuckDB SQL query from the same files to the same
    cluster table (aggregation, LQ, shares, wage, stars and strong flags with
    ``quantile_cont``), fetched as a pandas DataFrame — the floor for any tool on this engine.

Times are of the work inside the subprocess (imports excluded and reported separately). Each
tool runs several times, interleaved with the others, and the fastest run is reported (every
sample is kept in ``runs``): the shared machine's load varies, the tools do not.
(a) and (c) are checked to give the same table (every row and column compared), and
ecomplexity's RCA is compared with clusteratlas's LQ, so the floor and the peer are honest.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from common import best, peak_rss_work, run_child
from common import machine as machine_info

from clusteratlas.mapping.build import CLUSTER_COLUMNS

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))
if str(HERE.parent) not in sys.path:
    sys.path.insert(0, str(HERE.parent))

TOOLS = ("clusteratlas", "duckdb_floor", "ecomplexity", "ecomplexity_cluster_level")
TIMEOUT_S = 600  # per run; a tool that needs longer reports a lower bound
REPEATS = {"small": 3, "large": 3}  # the fastest of these runs is reported, every sample kept
# industry-level ecomplexity takes minutes per run on large: one run states it well enough
REPEATS_OF = {("large", "ecomplexity"): 1}
TARGETS = {"ecomplexity_over_clusteratlas": 25.0, "clusteratlas_over_floor": 1.5, "rss_mb": 1024}
# every indicator of the cluster table (all columns after the region, cluster, year keys)
COMPARED = CLUSTER_COLUMNS[3:]

FLOOR_SQL = """
WITH panel AS (
    SELECT CAST(region AS VARCHAR) AS region, CAST(industry AS VARCHAR) AS industry,
           CAST(year AS BIGINT) AS year, CAST(employment AS DOUBLE) AS employment,
           CAST(establishments AS DOUBLE) AS establishments, CAST(payroll AS DOUBLE) AS payroll
    FROM read_parquet('{panel}')
),
defs AS (
    SELECT industry, cluster, cluster_name, cluster_type, CAST(weight AS DOUBLE) AS weight
    FROM read_csv('{definitions}', header = true, all_varchar = true)
),
cl AS (
    SELECT p.region, p.year, d.cluster,
           sum(d.weight * p.employment) AS employment,
           sum(d.weight * p.establishments) AS establishments,
           sum(d.weight * p.payroll) AS payroll,
           sum(d.weight * p.employment) FILTER (WHERE p.payroll IS NOT NULL) AS wage_employment
    FROM panel p JOIN defs d ON p.industry = d.industry
    GROUP BY p.region, p.year, d.cluster
),
meta AS (
    SELECT cluster, min(cluster_type) AS cluster_type, min(cluster_name) AS cluster_name
    FROM defs GROUP BY cluster
),
totals AS (SELECT region, year, sum(employment) AS region_total FROM panel GROUP BY region, year),
bench_c AS (SELECT cluster, year, sum(employment) AS bench_employment FROM cl GROUP BY ALL),
bench_u AS (
    SELECT t.year, sum(t.region_total) AS bench_total
    FROM totals t SEMI JOIN (SELECT DISTINCT region, year FROM cl) c
         ON t.region = c.region AND t.year = c.year
    GROUP BY t.year
),
t AS (
    SELECT cl.*, m.cluster_type, m.cluster_name, r.region_total, b.bench_employment,
           u.bench_total,
           cl.payroll / nullif(cl.wage_employment, 0) AS wage,
           (cl.employment / nullif(r.region_total, 0))
               / (nullif(b.bench_employment, 0) / u.bench_total) AS lq,
           cl.employment / nullif(r.region_total, 0) AS region_share,
           cl.employment / nullif(b.bench_employment, 0) AS benchmark_share
    FROM cl JOIN meta m USING (cluster) JOIN totals r USING (region, year)
         LEFT JOIN bench_c b USING (cluster, year) LEFT JOIN bench_u u USING (year)
),
cuts AS (
    SELECT cluster, year,
           quantile_cont(employment, 0.90) FILTER (WHERE employment > 0) AS q_size,
           quantile_cont(wage, 0.90) FILTER (WHERE employment > 0) AS q_wage,
           quantile_cont(lq, 0.75) FILTER (WHERE employment > 0) AS q_lq,
           quantile_cont(lq, 0.90) FILTER (WHERE employment > 0) AS q_lq10,
           quantile_cont(employment, 0.25) FILTER (WHERE employment > 0) AS q_emp,
           quantile_cont(establishments, 0.25) FILTER (WHERE employment > 0) AS q_est
    FROM t GROUP BY cluster, year
),
f AS (
    SELECT t.*,
           coalesce(t.employment > 0 AND t.employment >= c.q_size, false) AS star_size,
           coalesce(t.employment > 0 AND t.lq >= 2.0, false) AS star_specialisation,
           coalesce(t.employment > 0 AND t.wage >= c.q_wage, false) AS star_productivity,
           (t.establishments IS NULL OR c.q_est IS NULL OR t.establishments > c.q_est) AS est_ok,
           c.q_lq, c.q_lq10, c.q_emp
    FROM t LEFT JOIN cuts c USING (cluster, year)
)
SELECT region, cluster, year, employment, establishments, payroll, wage, lq, region_share,
       benchmark_share,
       CAST(star_size AS INT) + CAST(star_specialisation AS INT)
           + CAST(star_productivity AS INT) AS stars,
       star_size, star_specialisation, star_productivity,
       coalesce(cluster_type = 'traded' AND lq >= q_lq AND employment > q_emp AND est_ok
                AND lq >= 1.0, false) AS strong,
       coalesce(cluster_type = 'traded' AND lq >= q_lq10 AND employment > q_emp AND est_ok
                AND lq >= 1.0, false) AS strong10,
       cluster_name, cluster_type, CAST(NULL AS INT) AS level, 'total' AS universe,
       region_total AS region_employment, bench_employment AS benchmark_employment,
       bench_total AS benchmark_universe_employment
FROM f
ORDER BY year, region, cluster
"""


# -- the three tools (run inside a child process) ----------------------------------------------
def _clusteratlas(panel: str, definitions: str, out: str) -> dict[str, Any]:
    t0 = time.perf_counter()
    from clusteratlas.mapping import map_panel

    t1 = time.perf_counter()
    result = map_panel(panel, definitions)
    t2 = time.perf_counter()
    peak = peak_rss_work()
    result.attrs = {}
    result.to_parquet(out)
    return {"import_s": t1 - t0, "seconds": t2 - t1, "result_rows": len(result), **peak}


def _duckdb_floor(panel: str, definitions: str, out: str) -> dict[str, Any]:
    t0 = time.perf_counter()
    import duckdb

    t1 = time.perf_counter()
    con = duckdb.connect()
    result = con.execute(FLOOR_SQL.format(panel=panel, definitions=definitions)).df()
    t2 = time.perf_counter()
    peak = peak_rss_work()
    result.to_parquet(out)
    return {"import_s": t1 - t0, "seconds": t2 - t1, "result_rows": len(result), **peak}


def _ecomplexity_call(frame: Any, prod: str) -> Any:
    from ecomplexity import ecomplexity

    cols = {"time": "year", "loc": "region", "prod": prod, "val": "employment"}
    sys.stdout = sys.stderr  # ecomplexity prints a line per year
    try:
        return ecomplexity(frame, cols_input=cols, presence_test="rca")
    finally:
        sys.stdout = sys.__stdout__


def _ecomplexity(panel: str, definitions: str, out: str) -> dict[str, Any]:
    """The issue's peer: ecomplexity on the same industry-level panel the other tools read."""
    import warnings

    warnings.filterwarnings("ignore")  # one log-supermodularity warning per year
    t0 = time.perf_counter()
    import ecomplexity  # noqa: F401  (import time excluded)
    import pandas as pd

    t1 = time.perf_counter()
    frame = pd.read_parquet(panel, columns=["region", "industry", "year", "employment"])
    result = _ecomplexity_call(frame, "industry")
    t2 = time.perf_counter()
    peak = peak_rss_work()
    result[["region", "industry", "year", "rca"]].to_parquet(out)
    return {"import_s": t1 - t0, "seconds": t2 - t1, "result_rows": len(result), **peak}


def _ecomplexity_cluster_level(panel: str, definitions: str, out: str) -> dict[str, Any]:
    """Extra: ecomplexity on the panel aggregated to clusters in pandas first (RCA = LQ)."""
    import warnings

    warnings.filterwarnings("ignore")
    t0 = time.perf_counter()
    import ecomplexity  # noqa: F401
    import pandas as pd

    t1 = time.perf_counter()
    frame = pd.read_parquet(panel, columns=["region", "industry", "year", "employment"])
    defs = pd.read_csv(definitions, dtype={"industry": str, "cluster": str})
    frame = frame.merge(defs[["industry", "cluster"]], on="industry")  # weights are all 1
    frame = frame.groupby(["year", "region", "cluster"], as_index=False, observed=True)[
        "employment"
    ].sum()
    result = _ecomplexity_call(frame, "cluster")
    t2 = time.perf_counter()
    peak = peak_rss_work()
    result[["region", "cluster", "year", "rca"]].to_parquet(out)
    return {"import_s": t1 - t0, "seconds": t2 - t1, "result_rows": len(result), **peak}


CHILDREN = {
    "clusteratlas": _clusteratlas,
    "duckdb_floor": _duckdb_floor,
    "ecomplexity": _ecomplexity,
    "ecomplexity_cluster_level": _ecomplexity_cluster_level,
}


def _child(argv: list[str]) -> None:
    tool, panel, definitions, out = argv
    record = CHILDREN[tool](panel, definitions, out)
    print(json.dumps(record), flush=True)


# -- the parent ------------------------------------------------------------------------------
def _run_child(tool: str, panel: Path, definitions: Path, out: Path, timeout: float) -> dict:
    """Run one tool in a subprocess; wall time, its own work time, peak RSS (``wait4``)."""
    args = [tool, panel, definitions, out]
    return run_child(Path(__file__).resolve(), args, out.with_suffix(".log"), timeout)


def _verify(folder: Path) -> dict[str, Any]:
    """Compare (a) with (c) on every row and column, and ecomplexity's RCA with the LQ."""
    import numpy as np
    import pandas as pd

    keys = ["year", "region", "cluster"]
    checks: dict[str, Any] = {}
    a_path, c_path = folder / "clusteratlas.parquet", folder / "duckdb_floor.parquet"
    if not (a_path.exists() and c_path.exists()):
        return {"floor_matches_clusteratlas": None}
    a = pd.read_parquet(a_path).sort_values(keys).reset_index(drop=True)
    c = pd.read_parquet(c_path).sort_values(keys).reset_index(drop=True)
    same_keys = (
        len(a) == len(c) and (a[keys].astype(str).values == c[keys].astype(str).values).all()
    )
    worst = 0.0
    mismatched: list[str] = []
    if same_keys:
        for col in COMPARED:
            x = a[col].to_numpy(dtype=float)
            y = c[col].to_numpy(dtype=float)
            both_nan = np.isnan(x) & np.isnan(y)
            diff = np.abs(x - y) / np.maximum(1.0, np.abs(y))
            diff[both_nan] = 0.0
            bad = np.isnan(diff) | (diff > 1e-9)
            if bad.any():
                mismatched.append(f"{col} ({int(bad.sum())} rows)")
            worst = max(worst, float(np.nanmax(diff)) if len(diff) else 0.0)
    checks["floor_matches_clusteratlas"] = bool(same_keys and not mismatched)
    checks["floor_rows_compared"] = len(a)
    checks["floor_max_rel_diff"] = worst
    if mismatched:
        checks["floor_mismatches"] = mismatched
    e_path = folder / "ecomplexity_cluster_level.parquet"
    if e_path.exists():
        e = pd.read_parquet(e_path)
        e["year"] = e["year"].astype("int64")
        m = a[[*keys, "lq"]].merge(e.astype({"region": str, "cluster": str}), on=keys, how="inner")
        d = np.abs(m["lq"].to_numpy(float) - m["rca"].to_numpy(float))
        checks["ecomplexity_rca_vs_lq_max_abs_diff"] = float(np.nanmax(d)) if len(d) else None
        checks["ecomplexity_rows_compared"] = len(m)
    return checks


def _ratio(num: float | None, den: float | None) -> float | None:
    return round(num / den, 2) if num and den else None


def run(size: str) -> dict[str, Any]:
    """Generate the panel of ``size`` and time the three tools; returns the JSON record."""
    from panel import generate_panel

    def say(msg: str) -> None:
        print(f"[mapping/{size}] {msg}", file=sys.stderr, flush=True)

    machine = machine_info()
    with tempfile.TemporaryDirectory(prefix="clusteratlas-bench-") as tmp:
        folder = Path(tmp)
        t = time.perf_counter()
        files = generate_panel(size, folder)
        say(f"panel: {files.rows:,} rows ({time.perf_counter() - t:.1f} s to generate)")
        samples: dict[str, list[dict]] = {tool: [] for tool in TOOLS}
        for rep in range(REPEATS[size]):  # interleaved, so load drift hits every tool alike
            for tool in TOOLS:
                if samples[tool] and samples[tool][-1]["status"] == "timeout":
                    continue  # one timeout is enough to state the lower bound
                if rep >= REPEATS_OF.get((size, tool), REPEATS[size]):
                    continue
                say(f"running {tool} (round {rep + 1} of {REPEATS[size]}) ...")
                out = folder / f"{tool}.parquet"
                rec = _run_child(tool, files.panel, files.definitions, out, TIMEOUT_S)
                samples[tool].append(rec)
                shown = rec["seconds"] or rec.get("lower_bound_s")
                say(f"{tool}: {rec['status']}, {shown} s, {rec['peak_rss_mb']} MB")
        runs = {tool: best(recs) for tool, recs in samples.items()}
        checks = _verify(folder)
    a, b, c = runs["clusteratlas"], runs["ecomplexity"], runs["duckdb_floor"]
    eco_s = b["seconds"] if b["status"] == "ok" else None
    eco_bound = b.get("lower_bound_s")
    ratios = {
        "ecomplexity_over_clusteratlas": _ratio(eco_s or eco_bound, a["seconds"]),
        "ecomplexity_ratio_is_lower_bound": eco_s is None and eco_bound is not None,
        "clusteratlas_over_floor": _ratio(a["seconds"], c["seconds"]),
        # the same on medians of the samples (less sensitive to one lucky run)
        "median_ecomplexity_over_clusteratlas": _ratio(b["median_s"], a["median_s"]),
        "median_clusteratlas_over_floor": _ratio(a["median_s"], c["median_s"]),
        "ecomplexity_cluster_level_over_clusteratlas": _ratio(
            runs["ecomplexity_cluster_level"]["seconds"], a["seconds"]
        ),
    }
    targets = {
        "clusteratlas_25x_faster_than_ecomplexity": (
            ratios["ecomplexity_over_clusteratlas"] is not None
            and ratios["ecomplexity_over_clusteratlas"] >= TARGETS["ecomplexity_over_clusteratlas"]
        ),
        "clusteratlas_within_1_5x_of_floor": (
            ratios["clusteratlas_over_floor"] is not None
            and ratios["clusteratlas_over_floor"] <= TARGETS["clusteratlas_over_floor"]
        ),
        "clusteratlas_under_1_gb_rss": a["peak_rss_mb"] <= TARGETS["rss_mb"],
    }
    for name, met in targets.items():
        say(f"target {name}: {'met' if met else 'NOT met'}")
    return {
        "suite": "mapping",
        "size": size,
        "rows": files.rows,
        "panel": {
            "regions": files.regions,
            "industries": files.industries,
            "years": files.years,
            "clusters": 51,
        },
        "clusteratlas_s": a["seconds"],
        "ecomplexity_s": eco_s,
        "ecomplexity_lower_bound_s": eco_bound,
        "duckdb_floor_s": c["seconds"],
        "median_s": {k: runs[k]["median_s"] for k in TOOLS},
        "ecomplexity_cluster_level_s": runs["ecomplexity_cluster_level"]["seconds"],
        "clusteratlas_peak_rss_mb": a["peak_rss_mb"],
        "ecomplexity_peak_rss_mb": b["peak_rss_mb"],
        "duckdb_floor_peak_rss_mb": c["peak_rss_mb"],
        "ecomplexity_cluster_level_peak_rss_mb": runs["ecomplexity_cluster_level"]["peak_rss_mb"],
        "ratios": ratios,
        "targets": targets,
        "checks": checks,
        "runs": runs,
        "machine": machine,
        "engine_settings": {
            "memory_limit": os.environ.get("CLUSTERATLAS_MEMORY_LIMIT")
            or "default of clusteratlas.engine (DEFAULT_MEMORY_LIMIT)",
        },
        "timed": {
            "clusteratlas": "map_panel(panel.parquet, clusters.csv): read + validate the panel, "
            "aggregate into clusters, all indicators, result as pandas",
            "ecomplexity": "pandas.read_parquet of the same industry-level panel + ecomplexity("
            "time=year, loc=region, prod=industry, val=employment, presence_test='rca')",
            "ecomplexity_cluster_level": "pandas.read_parquet + merge + groupby(year, region, "
            "cluster).sum() + ecomplexity(prod=cluster, presence_test='rca')",
            "duckdb_floor": "one DuckDB SQL query from the same files to the same cluster table, "
            "fetched as pandas",
            "excluded": "interpreter start-up and imports (import_s in runs), writing results",
        },
    }


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        _child(sys.argv[2:])
    else:
        print(json.dumps(run(sys.argv[1] if len(sys.argv) > 1 else "small"), indent=2))
