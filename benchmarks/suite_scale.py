"""Scale suite: the same mapping on DuckDB and on Spark (local mode), 1M → 100M rows.

``python benchmarks/run.py --suite scale [--size small|large] [--json OUT]``

* ``small``: panels of 1M and 10M rows; ``large``: 1M, 10M and 100M rows. The environment
  variable ``CLUSTERATLAS_BENCH_SCALE_ROWS`` (e.g. ``100M``) picks points explicitly; points
  measured earlier and saved in ``benchmarks/results/scale.json`` are kept beside new ones, so
  the expensive 100M point can be run once, on its own.
* Panels are generated once and cached as Parquet in ``~/.cache/clusteratlas-bench``
  (``$CLUSTERATLAS_BENCH_CACHE``): 600 industries in 51 clusters (those of
  ``benchmarks/panel.py``), 360 industries present in each region, 10 years; rows = regions ×
  3,600. Synthetic data.
* Each run is a fresh subprocess (``python suite_scale.py --worker ...``) that maps the panel
  with :func:`clusteratlas.mapping.map_panel_to_parquet` (the engine reads the Parquet and
  writes the cluster table; nothing is collected). The parent samples the resident memory of
  the worker (the driver) and of its children (Spark's JVM) every 0.2 s with psutil.
* Reported per run: wall time of the mapping (without interpreter and JVM start-up, which are
  reported apart), rows per second, rows per second per core, peak RSS of the driver and of the
  JVM, and the machine's load average before and after. Spark runs also record the physical
  plan's shape (exchanges = stage boundaries, broadcast exchanges, scans).
* The scaling curve is printed, saved in the JSON and drawn as ``benchmarks/results/scale.png``
  (vl-convert, else matplotlib).

Targets: DuckDB peak RSS ≤ 1 GB at 100M rows; Spark's time grows no worse than linearly from
10M to 100M (time ratio ≤ row ratio).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "scale.json"
PLOT = HERE / "results" / "scale.png"
N_INDUSTRIES = 600
PRESENT = 360  # industries present per region (60 %)
YEARS = 10
FIRST_YEAR = 2010
POINTS = {"1M": 278, "10M": 2_778, "100M": 27_778}  # regions; rows = regions * 3,600
SIZES = {"small": ["1M", "10M"], "large": ["1M", "10M", "100M"]}
ENGINES = ("duckdb", "spark")
SPARK_MASTER = "local[2]"
SPARK_DRIVER_MEMORY = "2g"
TARGETS = {"duckdb_rss_mb_at_100M": 1024, "spark_time_growth_10M_to_100M_over_rows": 1.0}


def cache_dir() -> Path:
    return Path(
        os.environ.get("CLUSTERATLAS_BENCH_CACHE", Path.home() / ".cache" / "clusteratlas-bench")
    )


def generate(point: str, seed: int = 20260601) -> tuple[Path, Path, int]:
    """The cached panel of ``point`` (generated on first use): (panel, definitions, rows)."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    from panel import N_CLUSTERS, _definitions

    n_r = POINTS[point]
    folder = cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    panel_path = folder / f"scale-{point}.parquet"
    defs_path = folder / "scale-clusters.csv"
    rows = n_r * PRESENT * YEARS
    rng = np.random.default_rng(seed)
    defs = _definitions(rng, N_INDUSTRIES)
    if not defs_path.exists():
        defs.to_csv(defs_path, index=False)
    if panel_path.exists():
        return panel_path, defs_path, rows
    cluster = defs["cluster"].str[1:].astype(int).to_numpy() - 1
    traded = defs["cluster_type"].to_numpy() == "traded"
    industry_weight = np.exp(rng.standard_normal(N_INDUSTRIES))
    growth = rng.normal(0.01, 0.02, N_CLUSTERS)[cluster]
    firm_size = np.exp(rng.normal(2.0, 0.6, N_CLUSTERS))[cluster]
    wage_i = 35_000 * np.exp(rng.normal(0, 0.15, N_CLUSTERS))[cluster]
    names = pa.array([f"R{r + 1:05d}" for r in range(n_r)], pa.string())
    industries = pa.array(defs["industry"].tolist(), pa.string())
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
    tmp = panel_path.with_suffix(".parquet.tmp")
    block = 500
    with pq.ParquetWriter(tmp, schema, compression="zstd") as writer:
        for start in range(0, n_r, block):
            b = min(block, n_r - start)
            size = np.exp(1.2 * rng.standard_normal(b)) * 20_000
            affinity = rng.standard_normal((b, N_CLUSTERS))
            log_e = (
                np.log(size)[:, None]
                + np.log(industry_weight / industry_weight.sum())[None, :]
                + np.where(traded, 0.9, 0.2)[None, :] * affinity[:, cluster]
                + 0.5 * rng.standard_normal((b, N_INDUSTRIES))
            )
            score = log_e + rng.standard_normal((b, N_INDUSTRIES))
            top = np.sort(np.argsort(-score, axis=1)[:, :PRESENT], axis=1)
            r_idx = np.repeat(np.arange(b), PRESENT)
            i_idx = top.ravel()
            base = log_e[r_idx, i_idx]
            wage = wage_i[i_idx] * np.exp(rng.normal(0, 0.1, b))[r_idx]
            region_col = pa.DictionaryArray.from_arrays(
                pa.array((r_idx + start).astype(np.int32)), names
            )
            industry_col = pa.DictionaryArray.from_arrays(
                pa.array(i_idx.astype(np.int32)), industries
            )
            noise = np.zeros(len(r_idx))
            for t in range(YEARS):
                noise = 0.7 * noise + 0.05 * rng.standard_normal(len(r_idx))
                emp = np.maximum(1, np.round(np.exp(base + growth[i_idx] * t + noise)))
                emp = emp.astype(np.int64)
                est = np.clip(np.round(emp / firm_size[i_idx]), 1, emp).astype(np.int64)
                pay = np.round(emp * wage * 1.02**t)
                year = np.full(len(emp), FIRST_YEAR + t, dtype=np.int32)
                writer.write_table(
                    pa.table(
                        [region_col, industry_col, pa.array(year), emp, est, pay], schema=schema
                    )
                )
    tmp.replace(panel_path)
    return panel_path, defs_path, rows


def _worker(engine: str, panel: str, defs: str, out: str) -> dict[str, Any]:
    """Runs in the subprocess: start the engine, map, report timings as JSON."""
    sys.path.insert(0, str(HERE.parent))
    from clusteratlas.engine import connect
    from clusteratlas.mapping.engine_output import map_panel_to_parquet

    t0 = time.perf_counter()
    if engine == "spark":
        os.environ.setdefault("CLUSTERATLAS_SPARK_DRIVER_MEMORY", SPARK_DRIVER_MEMORY)
        backend = connect(engine="spark", spark_master=SPARK_MASTER)
    else:
        backend = connect(engine="duckdb")
    started = time.perf_counter() - t0
    t1 = time.perf_counter()
    record = map_panel_to_parquet(panel, defs, out, backend=backend)
    seconds = time.perf_counter() - t1
    info: dict[str, Any] = {
        "startup_s": round(started, 2),
        "seconds": round(seconds, 2),
        "cells": record["summary"]["cells"],
        "strong": record["summary"]["strong"],
        "stars3": record["summary"]["stars3"],
        "plan": record["output"].get("plan"),
    }
    if engine == "spark":
        info["stage_plan"] = _spark_plan(backend, panel, defs)
    return info


def _spark_plan(backend: Any, panel: str, defs: str) -> dict[str, int]:
    """Shape of Spark's physical plan of the mapping: exchanges (shuffles and broadcasts)."""
    from clusteratlas.mapping.api import _expression, _prepare, _quiet
    from clusteratlas.mapping.strength import Thresholds

    table, d, bench, bench_file, _, options = _prepare(
        panel,
        defs,
        year=None,
        lq_base="total",
        benchmark=None,
        level=None,
        total_industry=None,
        microdata=None,
        backend=backend,
        status=_quiet,
    )
    expr = _expression(table, d, bench, bench_file, options, Thresholds(), backend)
    frame = backend._session.sql(backend.compile(expr))
    plan = frame._jdf.queryExecution().executedPlan().toString()
    return {
        "exchanges": plan.count("Exchange "),
        "shuffle_exchanges": plan.count("Exchange hashpartitioning")
        + plan.count("Exchange rangepartitioning")
        + plan.count("Exchange SinglePartition"),
        "broadcast_exchanges": plan.count("BroadcastExchange"),
        "parquet_scans": plan.count("FileScan parquet"),
    }


def _measure(engine: str, panel: Path, defs: Path) -> dict[str, Any]:
    """Run one worker and sample its memory (driver) and its children's (JVM)."""
    import psutil

    with tempfile.TemporaryDirectory(prefix="clusteratlas-scale-") as tmp:
        out = Path(tmp) / "clusters.parquet"
        load_before = os.getloadavg()
        cmd = [sys.executable, __file__, "--worker", engine, str(panel), str(defs), str(out)]
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        ps = psutil.Process(proc.pid)
        peak_driver = peak_jvm = peak_total = 0
        while proc.poll() is None:
            try:
                driver = ps.memory_info().rss
                jvm = sum(c.memory_info().rss for c in ps.children(recursive=True))
            except psutil.Error:
                driver = jvm = 0
            peak_driver, peak_jvm = max(peak_driver, driver), max(peak_jvm, jvm)
            peak_total = max(peak_total, driver + jvm)
            time.sleep(0.2)
        stdout, stderr = proc.communicate()
        wall = time.perf_counter() - t0
    if proc.returncode != 0:
        return {"status": "failed", "error": stderr.strip().splitlines()[-1:]}
    info = json.loads(stdout.strip().splitlines()[-1])
    return {
        "status": "ok",
        **info,
        "process_wall_s": round(wall, 2),
        "peak_rss_driver_mb": round(peak_driver / 2**20, 1),
        "peak_rss_jvm_mb": round(peak_jvm / 2**20, 1),
        "peak_rss_total_mb": round(peak_total / 2**20, 1),
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in os.getloadavg()],
    }


def _plot(points: list[dict[str, Any]]) -> str | None:
    rows = [
        {
            "rows": p["rows"],
            "seconds": p["seconds"],
            "peak_rss_mb": p["peak_rss_total_mb"],
            "engine": p["engine"],
        }
        for p in points
        if p.get("status") == "ok"
    ]
    if not rows:
        return None
    x = {
        "field": "rows",
        "type": "quantitative",
        "scale": {"type": "log"},
        "axis": {"format": "~s", "title": "panel rows (log scale)"},
    }
    colour = {"field": "engine", "type": "nominal", "title": "engine"}

    def panel(field: str, title: str) -> dict[str, Any]:
        return {
            "width": 340,
            "height": 260,
            "title": title,
            "mark": {"type": "line", "point": True},
            "encoding": {
                "x": x,
                "y": {"field": field, "type": "quantitative", "scale": {"type": "log"},
                      "axis": {"title": title}},
                "color": colour,
            },
        }  # fmt: skip

    spec = {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "title": "Cluster mapping by panel size: DuckDB and Spark local[2] (synthetic panels, "
        "2 cores)",
        "data": {"values": rows},
        "hconcat": [
            panel("seconds", "mapping time, s (log)"),
            panel("peak_rss_mb", "peak RSS, driver + JVM, MB (log)"),
        ],
    }
    PLOT.parent.mkdir(parents=True, exist_ok=True)
    try:
        import vl_convert

        PLOT.write_bytes(vl_convert.vegalite_to_png(spec, scale=2))
        return "vl-convert"
    except ImportError:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots()
        for engine in ENGINES:
            sel = sorted((r["rows"], r["seconds"]) for r in rows if r["engine"] == engine)
            if sel:
                ax.loglog(*zip(*sel, strict=True), marker="o", label=engine)
        ax.set_xlabel("rows")
        ax.set_ylabel("seconds")
        ax.legend()
        fig.savefig(PLOT, dpi=150)
        return "matplotlib"


def _checks(points: list[dict[str, Any]]) -> dict[str, Any]:
    get = {(p["engine"], p["point"]): p for p in points if p.get("status") == "ok"}
    out: dict[str, Any] = {}
    if ("duckdb", "100M") in get:
        rss = get["duckdb", "100M"]["peak_rss_total_mb"]
        out["duckdb_100M_peak_rss_mb"] = rss
        out["duckdb_100M_under_1_gb"] = rss <= TARGETS["duckdb_rss_mb_at_100M"]
    for engine in ENGINES:
        if (engine, "10M") in get and (engine, "100M") in get:
            a, b = get[engine, "10M"], get[engine, "100M"]
            growth = (b["seconds"] / a["seconds"]) / (b["rows"] / a["rows"])
            out[f"{engine}_time_growth_10M_to_100M_over_rows"] = round(growth, 2)
    if "spark_time_growth_10M_to_100M_over_rows" in out:
        out["spark_no_worse_than_linear"] = out["spark_time_growth_10M_to_100M_over_rows"] <= 1.0
    return out


#: Assumptions of the projection to a cluster (stated in the result and in the README).
PROJECTION = {
    "records": 10_000_000_000,
    "nodes": 100,
    "cores_per_node": 16,
    "parallel_efficiency": 0.7,  # of local-mode per-core throughput, across nodes
    "seconds_per_shuffle_stage": 5.0,  # barrier, scheduling and network latency per exchange
}


def _projection(points: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Time of the same mapping on a 100-node cluster for 10 billion records.

    From the largest Spark point: its per-core throughput (rows/s/core in local mode) scaled
    to ``nodes × cores_per_node`` cores at ``parallel_efficiency``, plus a fixed latency per
    shuffle stage of the measured physical plan. The mapping's shuffles carry the cluster
    table (cells), not the records: the records are aggregated before the first exchange, so
    the shuffle volume grows with regions × clusters × years, not with the records.
    """
    spark = [p for p in points if p["engine"] == "spark" and p.get("status") == "ok"]
    if not spark:
        return None
    big = max(spark, key=lambda p: p["rows"])
    per_core = big["rows_per_s_per_core"]
    a = PROJECTION
    cores = a["nodes"] * a["cores_per_node"]
    compute_s = a["records"] / (per_core * cores * a["parallel_efficiency"])
    stages = (big.get("stage_plan") or {}).get("shuffle_exchanges", 0)
    total = compute_s + stages * a["seconds_per_shuffle_stage"]
    return {
        "assumptions": a,
        "from_point": big["point"],
        "measured_rows_per_s_per_core": per_core,
        "shuffle_stages": stages,
        "compute_s": round(compute_s, 1),
        "stage_latency_s": stages * a["seconds_per_shuffle_stage"],
        "projected_s": round(total, 1),
        "projected_min": round(total / 60, 1),
        "text": (
            f"{a['records']:,} records on {a['nodes']} nodes x {a['cores_per_node']} cores: "
            f"{per_core:,} rows/s/core measured at {big['point']} in local mode, at "
            f"{a['parallel_efficiency']:.0%} efficiency, gives {compute_s:,.0f} s of scan and "
            f"aggregation, plus {stages} shuffle stages x {a['seconds_per_shuffle_stage']:.0f} s "
            f"= {total / 60:,.1f} min"
        ),
    }


def run(size: str) -> dict[str, Any]:
    """Measure the points of ``size`` (or ``$CLUSTERATLAS_BENCH_SCALE_ROWS``) on both engines."""

    def say(msg: str) -> None:
        print(f"[scale] {msg}", file=sys.stderr, flush=True)

    chosen = os.environ.get("CLUSTERATLAS_BENCH_SCALE_ROWS")
    wanted = chosen.split(",") if chosen else SIZES[size]
    engines = os.environ.get("CLUSTERATLAS_BENCH_SCALE_ENGINES", ",".join(ENGINES)).split(",")
    previous = json.loads(RESULTS.read_text())["points"] if RESULTS.exists() else []
    fresh = []
    for point in wanted:
        t0 = time.perf_counter()
        panel, defs, rows = generate(point)
        say(
            f"{point}: {rows:,} rows in {panel} ({panel.stat().st_size / 2**20:.0f} MB), "
            f"ready in {time.perf_counter() - t0:.0f} s"
        )
        for engine in engines:
            rec = _measure(engine, panel, defs)
            rec.update(engine=engine, point=point, rows=rows)
            if rec["status"] == "ok":
                rec["rows_per_s"] = round(rows / rec["seconds"])
                rec["rows_per_s_per_core"] = round(rows / rec["seconds"] / (os.cpu_count() or 1))
                rec["measured_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            say(f"{point} {engine}: {json.dumps(rec)}")
            fresh.append(rec)
    keep = {(p["engine"], p["point"]) for p in fresh}
    points = [p for p in previous if (p["engine"], p["point"]) not in keep] + fresh
    points.sort(key=lambda p: (p["engine"], p["rows"]))
    print("\nscaling curve (seconds; rows/s; peak RSS driver + JVM MB)", file=sys.stderr)
    for p in points:
        if p.get("status") == "ok":
            print(
                f"  {p['engine']:7s} {p['rows']:>12,} rows  {p['seconds']:>8.1f} s  "
                f"{p['rows_per_s']:>11,} rows/s  {p['peak_rss_driver_mb']:>7.0f} + "
                f"{p['peak_rss_jvm_mb']:>6.0f} MB",
                file=sys.stderr,
            )
    result = {
        "suite": "scale",
        "cores": os.cpu_count(),
        "spark_master": SPARK_MASTER,
        "spark_driver_memory": SPARK_DRIVER_MEMORY,
        "duckdb_memory_limit": os.environ.get("CLUSTERATLAS_MEMORY_LIMIT", "256MB (default)"),
        "points": points,
        "checks": _checks(points),
        "projection": _projection(points),
        "plot": str(PLOT.relative_to(HERE.parent)),
        "plot_renderer": _plot(points),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    return result


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        print(json.dumps(_worker(*sys.argv[2:6])))
    else:
        sys.path.insert(0, str(HERE))
        print(json.dumps(run(sys.argv[1] if len(sys.argv) > 1 else "small"), indent=2))
