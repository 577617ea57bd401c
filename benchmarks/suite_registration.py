"""Registration benchmark: registrations per second and latency under concurrency.

``python benchmarks/run.py --suite registration [--size small|large]``

For each database (SQLite file in WAL mode; PostgreSQL when ``CLUSTERATLAS_TEST_PG_URL`` is
set, else a throwaway server started with ``.ci/postgres.sh`` when Debian's postgresql is
installed) and each implementation (``clusteratlas`` and the ``naive`` check-then-insert
peer of ``registration_server.py``), one uvicorn process serves
``POST /api/events/{id}/registrations`` on 127.0.0.1 and this process sends N registrations
(small: 1,000, large: 4,000) from 32 concurrent clients (asyncio + httpx, one connection
each) for an event of N/4 seats. Reported: registrations/s, p50/p95/p99 latency, and the
confirmed count — exactly N/4 for clusteratlas; the naive peer's overbooking, if any, is the
price of its speed. Target (issue 11): ≥ 200 registrations/s with p95 ≤ 200 ms on 2 cores.
"""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CLIENTS = 32


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _postgres() -> tuple[str | None, str | None]:
    url = os.environ.get("CLUSTERATLAS_TEST_PG_URL")
    if url:
        return url, None
    if not list(Path("/usr/lib/postgresql").glob("*/bin/initdb")):
        return None, None
    out = subprocess.run(
        [
            "bash",
            "-c",
            f"source {ROOT}/.ci/postgres.sh start >/dev/null && "
            "echo $CLUSTERATLAS_TEST_PG_URL && echo $CLUSTERATLAS_TEST_PG_DIR",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return out[0], out[1]


def _fresh_pg_db(admin_url: str, name: str) -> str:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    eng = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with eng.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        c.execute(text(f'CREATE DATABASE "{name}"'))
    eng.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


async def _load(base: str, event_id: int, n: int) -> tuple[list[float], list[dict], float]:
    import httpx

    latencies: list[float] = []
    bodies: list[dict] = []
    queue = list(range(n))

    async def client(k: int) -> None:
        async with httpx.AsyncClient(
            base_url=base, timeout=60, limits=httpx.Limits(max_connections=1)
        ) as c:
            while queue:
                i = queue.pop()
                body = {
                    "name": f"P{i}",
                    "email": f"p{i}@example.org",
                    "organisation": "Org",
                    "consent": True,
                }
                t0 = time.perf_counter()
                r = await c.post(f"/api/events/{event_id}/registrations", json=body)
                latencies.append(time.perf_counter() - t0)
                try:
                    bodies.append(r.json() | {"_code": r.status_code})
                except ValueError:
                    bodies.append({"_code": r.status_code})

    start = time.perf_counter()
    await asyncio.gather(*(client(k) for k in range(CLIENTS)))
    return latencies, bodies, time.perf_counter() - start


def _one(url: str, mode: str, n: int) -> dict[str, Any]:
    from clusteratlas.appdb import events as ev
    from clusteratlas.appdb import open_database

    db = open_database(url)
    seats = n // 4
    event = ev.create_event(db, title=f"bench {mode}", capacity=seats, deadline="2099-01-01T00:00")
    port = _port()
    env = {
        **os.environ,
        "REG_BENCH_DB": url,
        "REG_BENCH_MODE": mode,
        "PYTHONPATH": f"{HERE}{os.pathsep}{ROOT}",
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "registration_server:make_app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=HERE,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("registration server did not start") from None
                time.sleep(0.2)
        lat, bodies, took = asyncio.run(_load(f"http://127.0.0.1:{port}", event["id"], n))
    finally:
        proc.terminate()
        proc.wait(10)
    pub = ev.public_event(db, event["id"])
    db.dispose()
    q = statistics.quantiles(lat, n=100)
    return {
        "requests": n,
        "seats": seats,
        "ok": sum(b["_code"] in (200, 201) for b in bodies),
        "failed": sum(b["_code"] not in (200, 201) for b in bodies),
        "registrations_per_s": round(n / took, 1),
        "p50_ms": round(q[49] * 1000, 1),
        "p95_ms": round(q[94] * 1000, 1),
        "p99_ms": round(q[98] * 1000, 1),
        "confirmed": pub["confirmed"],
        "overbooked": max(pub["confirmed"] - seats, 0),
    }


def run(size: str) -> dict[str, Any]:
    n = 1000 if size == "small" else 4000
    out: dict[str, Any] = {
        "clients": CLIENTS,
        "cores": os.cpu_count(),
        "load_1min_before": os.getloadavg()[0],
    }
    with tempfile.TemporaryDirectory() as tmp:
        targets = {}
        pg_url, pg_dir = _postgres()
        try:
            for mode in ("clusteratlas", "naive"):
                targets[("sqlite", mode)] = f"sqlite:///{tmp}/{mode}.sqlite3"
                if pg_url:
                    targets[("postgresql", mode)] = _fresh_pg_db(pg_url, f"bench_{mode}")
            for (dialect, mode), url in targets.items():
                out.setdefault(dialect, {})[mode] = _one(url, mode, n)
            for res in out.values():
                if isinstance(res, dict) and "naive" in res:
                    res["speed_ratio_vs_naive"] = round(
                        res["clusteratlas"]["registrations_per_s"]
                        / res["naive"]["registrations_per_s"],
                        2,
                    )
            if not pg_url:
                out["postgresql"] = "not run: no PostgreSQL (set CLUSTERATLAS_TEST_PG_URL)"
        finally:
            if pg_dir:
                subprocess.run(["bash", f"{ROOT}/.ci/postgres.sh", "stop", pg_dir], check=False)
    return out
