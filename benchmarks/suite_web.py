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

For 1, 8 and 32 concurrent clients (asyncio keep-alive connections, a bounded number of
requests: 400, 960 and 1920), after 20 warm-up requests: latency p50/p95/p99 in ms,
throughput in requests/s and the server process's CPU time per request (psutil, before and
after the run), which, unlike latency, does not depend on what else runs on the machine.
The load generator is a minimal HTTP/1.1 client on asyncio streams (``_Connection``) sending
the same request headers (``Accept-Encoding: gzip``) to both servers: httpx costs ~2 ms of
client CPU per request, more than either server, and would measure itself. It shares the 2
cores with the servers, so the figures are upper bounds on latency; the load average is
reported before and after.

``clusteratlas serve`` and datasette (``datasette serve -i`` equivalent, :data:`DATASETTE`)
run under the same conditions: one uvicorn process each, the same event loop and HTTP parser
(uvloop and httptools when installed), access log off, same machine, same concurrency.
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
REQUESTS = {1: 400, 8: 960, 32: 1920}
WARMUP = 20
TARGET_P95_MS = 100.0
BIN = Path(sys.executable).parent
# datasette as ``datasette serve -i FILE`` starts it (immutable: its fastest read-only mode),
# on the same uvicorn settings as ``clusteratlas serve``: one worker, the same loop and HTTP
# parser (uvloop/httptools when installed), no access log.
DATASETTE = """
import asyncio, sys, uvicorn
from datasette.app import Datasette
ds = Datasette(immutables=[sys.argv[1]])
asyncio.run(ds.invoke_startup())
uvicorn.run(ds.app(), host="127.0.0.1", port=int(sys.argv[2]), log_level="warning",
            access_log=False, lifespan="on", workers=1)
"""


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


class _Connection:
    """One keep-alive HTTP/1.1 connection: ``GET`` a path, read status, headers and body.

    The load generator is written on asyncio streams rather than httpx: httpx spends about
    2 ms of CPU per request, more than the servers under test, and on 2 shared cores the
    client's own cost would be most of the latency measured. This one parses only what it
    needs (status line, ``Content-Length`` or chunked body) and sends the same headers to
    both servers: ``Accept-Encoding: gzip`` as a browser does (bodies are not decompressed).
    """

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, target: str) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        request = (
            f"GET {target} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            "Accept-Encoding: gzip\r\nConnection: keep-alive\r\n\r\n"
        )
        self.writer.write(request.encode())
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if sep:
                headers[name.strip().lower()] = value.strip()
        if "content-length" in headers:
            body = await self.reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            parts = []
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                parts.append(await self.reader.readexactly(size + 2))
                if size == 0:
                    break
            body = b"".join(p[:-2] for p in parts)
        else:
            body = await self.reader.read()
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, body

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def _cpu_seconds(pid: int) -> float:
    import psutil

    t = psutil.Process(pid).cpu_times()
    return t.user + t.system


async def _hit(url: str, clients: int, total: int, pid: int) -> dict[str, float]:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    conns = [_Connection(parts.hostname or "127.0.0.1", parts.port or 80) for _ in range(clients)]
    for i in range(WARMUP):
        status, _ = await conns[i % clients].get(target)
        if status != 200:
            raise RuntimeError(f"{url}: HTTP {status}")
    latencies: list[float] = []
    errors = [0]
    queue = iter(range(total))

    async def worker(conn: _Connection) -> None:
        for _ in queue:
            t0 = time.perf_counter()
            for attempt in range(3):  # a keep-alive connection closed by the server
                try:
                    status, _ = await conn.get(target)
                    break
                except (OSError, asyncio.IncompleteReadError):
                    errors[0] += 1
                    conn.close()
                    if attempt == 2:
                        raise
            latencies.append(time.perf_counter() - t0)  # retries count in the latency
            if status != 200:
                raise RuntimeError(f"{url}: HTTP {status}")

    cpu0 = _cpu_seconds(pid)
    start = time.perf_counter()
    await asyncio.gather(*(worker(c) for c in conns))
    wall = time.perf_counter() - start
    cpu = _cpu_seconds(pid) - cpu0
    for c in conns:
        c.close()
    ms = np.array(latencies) * 1000
    return {
        "requests": len(latencies),
        "transport_errors_retried": errors[0],
        "p50_ms": round(float(np.percentile(ms, 50)), 2),
        "p95_ms": round(float(np.percentile(ms, 95)), 2),
        "p99_ms": round(float(np.percentile(ms, 99)), 2),
        "throughput_rps": round(len(latencies) / wall, 1),
        "server_cpu_ms_per_request": round(cpu * 1000 / len(latencies), 3),
        "requests_per_server_cpu_second": round(len(latencies) / cpu, 1) if cpu > 0 else None,
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
            ds = [sys.executable, "-c", DATASETTE, str(db), str(theirs)]
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
                    pid = procs[0 if name != "datasette" else 1].pid
                    results[name][str(clients)] = asyncio.run(
                        _hit(url, clients, REQUESTS[clients], pid)
                    )
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
            "Answers (pages and API) are cached per atlas file identity, route and sorted "
            "query, with their gzip twin (the atlas is read-only between rebuilds), so the "
            "figures are of a warm server; datasette answers each request from SQLite "
            "(immutable mode). Both run as one uvicorn process with the same loop, HTTP "
            "parser and no access log. Client and servers share the machine; "
            "server_cpu_ms_per_request (the server process's CPU time over the run / "
            "requests) does not depend on the other load."
        ),
    }
