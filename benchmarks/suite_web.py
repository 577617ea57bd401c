"""Benchmark suite ``web``: the observatory's region page and JSON API against datasette.

``python benchmarks/run.py --suite web [--json benchmarks/results/web.json]``

The Demoland atlas (``clusteratlas atlas build demo``; ``--size small`` uses the small
Demoland) is served by ``clusteratlas serve`` (uvicorn, one process) on 127.0.0.1. Its
cluster table for the latest year is exported to SQLite (primary key region, cluster, year)
and served by ``datasette`` — the tool people reach for to publish a table — on another
port. Both run as subprocesses, side by side in the same run, and are hit for the same
region:

- ``page``: ``GET /regions/{code}`` (the HTML region page: 7 charts, maps and tables);
- ``api``: ``GET /api/regions/{code}/clusters`` (the region's cluster table as JSON);
- ``datasette``: ``GET /atlas/clusters.json?region={code}&year={Y}&_shape=array&_size=max``
  (the same rows as JSON).

For 1, 8 and 32 concurrent clients (asyncio + httpx, keep-alive, a bounded number of
requests: 120, 480 and 960), after 20 warm-up requests: latency p50/p95/p99 in ms and
throughput in requests/s. The load generator shares the 2 cores with the servers, so the
figures are upper bounds on latency; the load average is reported before and after.
Targets: p95 ≤ 100 ms at 32 clients for page and api; api p95 below datasette's.
"""

from __future__ import annotations

import asyncio
import os
import platform
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:
    sys.path.insert(0, str(HERE.parent))

CLIENTS = (1, 8, 32)
REQUESTS = {1: 120, 8: 480, 32: 960}
WARMUP = 20
TARGET_P95_MS = 100.0
BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(port: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"server on {port} did not start") from None
            time.sleep(0.2)


def export_sqlite(atlas: Any, path: Path) -> tuple[str, int, int]:
    """Write the latest year's cluster table of every region to SQLite.

    Returns the level-2 region with most cluster rows, the year and the number of rows.
    """
    info = atlas.info()
    system = info["default_system"]
    regions = atlas.regions(system=system, per_page=500)["items"]
    frames = []
    for r in regions:
        try:
            table = atlas.region_clusters(r["code"], system=system)
        except Exception:  # regions without cluster cells (e.g. the country)
            continue
        f = pd.DataFrame(table["clusters"])
        f.insert(0, "region", r["code"])
        f.insert(1, "year", table["year"])
        frames.append(f)
    frame = pd.concat(frames, ignore_index=True)
    for col in ("strong", "strong10"):
        frame[col] = frame[col].astype("boolean").astype("Int64")
    with sqlite3.connect(path) as con:
        cols = ", ".join(f'"{c}"' for c in frame.columns)
        con.execute(f"CREATE TABLE clusters ({cols}, PRIMARY KEY (region, cluster, year))")
        frame.to_sql("clusters", con, if_exists="append", index=False)
    level = {r["code"]: r["level"] for r in regions}
    pick = frame[frame["region"].map(level) == 2]  # a NUTS-2-like region, as users open
    counts = (pick if len(pick) else frame).groupby("region").size()
    code = str(counts.idxmax())
    return code, int(frame["year"].iloc[0]), len(frame)


async def _hit(url: str, clients: int, total: int) -> dict[str, float]:
    import httpx

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        for _ in range(WARMUP):
            (await client.get(url)).raise_for_status()
        latencies: list[float] = []
        errors = [0]
        queue = iter(range(total))

        async def worker() -> None:
            for _ in queue:
                t0 = time.perf_counter()
                for attempt in range(3):  # a keep-alive connection closed by the server
                    try:
                        r = await client.get(url)
                        break
                    except httpx.TransportError:
                        errors[0] += 1
                        if attempt == 2:
                            raise
                latencies.append(time.perf_counter() - t0)  # retries count in the latency
                r.raise_for_status()

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        wall = time.perf_counter() - start
    ms = np.array(latencies) * 1000
    return {
        "requests": len(latencies),
        "transport_errors_retried": errors[0],
        "p50_ms": round(float(np.percentile(ms, 50)), 2),
        "p95_ms": round(float(np.percentile(ms, 95)), 2),
        "p99_ms": round(float(np.percentile(ms, 99)), 2),
        "throughput_rps": round(len(latencies) / wall, 1),
    }


def run(size: str) -> dict[str, Any]:
    from clusteratlas.atlas.build import build_atlas
    from clusteratlas.atlas.service import Atlas

    procs: list[subprocess.Popen] = []
    with tempfile.TemporaryDirectory(prefix="bench-web-") as tmp:
        store = Path(tmp) / "atlas.duckdb"
        build_atlas("demo", store, options={"small": True} if size == "small" else {})
        atlas = Atlas.open(store)
        db = Path(tmp) / "atlas.db"
        code, year, rows = export_sqlite(atlas, db)
        atlas.close()
        ours, theirs = _free_port(), _free_port()
        try:
            cmd = [str(BIN / "clusteratlas"), "serve", "--store", str(store), "--port", str(ours)]
            procs.append(
                subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            )
            ds = [
                str(BIN / "datasette"),
                "serve",
                str(db),
                "--port",
                str(theirs),
                "--host",
                "127.0.0.1",
            ]
            procs.append(subprocess.Popen(ds, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            _wait(ours, procs[0])
            _wait(theirs, procs[1])
            urls = {
                "page": f"http://127.0.0.1:{ours}/regions/{code}",
                "api": f"http://127.0.0.1:{ours}/api/regions/{code}/clusters",
                "datasette": (
                    f"http://127.0.0.1:{theirs}/atlas/clusters.json?region={code}&year={year}"
                    "&_shape=array&_size=max"
                ),
            }
            load_before = os.getloadavg()
            results: dict[str, dict[str, Any]] = {name: {} for name in urls}
            for clients in CLIENTS:
                for name, url in urls.items():
                    results[name][str(clients)] = asyncio.run(_hit(url, clients, REQUESTS[clients]))
            load_after = os.getloadavg()
        finally:
            for p in procs:
                p.terminate()
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
    p95 = {name: results[name]["32"]["p95_ms"] for name in results}
    return {
        "suite": "web",
        "size": size,
        "region": code,
        "year": year,
        "cluster_rows_exported": rows,
        "urls": {k: v.split(":", 2)[-1].split("/", 1)[-1] for k, v in urls.items()},
        "results": results,
        "targets": {
            "p95_ms_at_32_clients_max": TARGET_P95_MS,
            "page_p95_ok": p95["page"] <= TARGET_P95_MS,
            "api_p95_ok": p95["api"] <= TARGET_P95_MS,
            "datasette_p95_ok": p95["datasette"] <= TARGET_P95_MS,
            "api_p95_below_datasette": p95["api"] < p95["datasette"],
            "api_over_datasette_p95_ratio": round(p95["api"] / p95["datasette"], 3),
        },
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "loadavg_before": [round(x, 2) for x in load_before],
            "loadavg_after": [round(x, 2) for x in load_after],
        },
        "notes": (
            "Built pages are cached per atlas file and URL (the atlas is read-only between "
            "rebuilds), so the page figures are of a warm server; datasette runs with its "
            "defaults. Client and servers share the machine."
        ),
    }
