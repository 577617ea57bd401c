"""Helpers the benchmark suites share: one tool per subprocess, its peak RSS, the machine.

A suite runs each tool in a fresh Python subprocess (:func:`run_child`), so that the memory of
one tool (imports, caches, allocator pools) never counts against another; the child prints
one JSON line with its own work time (imports excluded) and :func:`peak_rss_work` at the end
of the timed work; the parent adds the wall time and the whole process's peak RSS from
``wait4``.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def peak_rss_work() -> dict[str, float]:
    """Peak RSS of this process until now, MB (call it at the end of the timed work)."""
    import resource

    return {"peak_rss_work_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}


def run_child(script: Path, args: list[str], log: Path, timeout: float) -> dict[str, Any]:
    """Run ``python script --child ARGS...``; return its JSON record plus ``wall_s``,
    ``peak_rss_process_mb`` (``wait4``), ``status`` (ok | error | timeout) and ``peak_rss_mb``
    (the work's peak when the child reported it, else the whole process's)."""
    cmd = [sys.executable, str(script), "--child", *map(str, args)]
    start = time.perf_counter()
    with open(log, "w") as err, tempfile.TemporaryFile("w+") as stdout:
        proc = subprocess.Popen(cmd, stdout=stdout, stderr=err)
        timed_out = False
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - start > timeout:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                timed_out = True
                break
            time.sleep(0.05)
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        wall = time.perf_counter() - start
        stdout.seek(0)
        lines = [ln for ln in stdout.read().splitlines() if ln.startswith("{")]
    record: dict[str, Any] = {
        "wall_s": round(wall, 3),
        # whole process, including writing the result for the checks (ru_maxrss is KiB)
        "peak_rss_process_mb": round(usage.ru_maxrss / 1024, 1),
    }
    if timed_out:
        record.update(status="timeout", seconds=None, lower_bound_s=round(wall, 1))
    elif proc.returncode != 0 or not lines:
        tail = log.read_text(errors="replace").strip().splitlines()[-5:]
        record.update(status="error", seconds=None, error=" | ".join(tail))
    else:
        record.update(status="ok", **json.loads(lines[-1]))
        record["seconds"] = round(record["seconds"], 3)
        record["import_s"] = round(record["import_s"], 3)
    record["peak_rss_mb"] = record.get("peak_rss_work_mb", record["peak_rss_process_mb"])
    return record


def best(records: list[dict]) -> dict:
    """The fastest successful run (or the last failure), with every sample's time and RSS."""
    ok = [r for r in records if r["status"] == "ok"]
    out = dict(min(ok, key=lambda r: r["seconds"]) if ok else records[-1])
    out["samples_s"] = [r["seconds"] or r.get("lower_bound_s") for r in records]
    out["median_s"] = round(statistics.median(r["seconds"] for r in ok), 3) if ok else None
    out["samples_rss_mb"] = [r["peak_rss_mb"] for r in records]
    return out


def machine() -> dict[str, Any]:
    """Cores, versions, memory, CPU model and the load average when the suite starts."""
    import duckdb
    import ibis
    import numpy
    import pandas

    info: dict[str, Any] = {
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "duckdb": duckdb.__version__,
        "ibis": ibis.__version__,
        "pandas": pandas.__version__,
        "numpy": numpy.__version__,
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }
    try:
        from importlib.metadata import version

        info["ecomplexity"] = version("ecomplexity")
        import psutil

        info["memory_gb"] = round(psutil.virtual_memory().total / 2**30, 1)
    except Exception:  # optional extras
        pass
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
    return info


def load_average() -> list[float]:
    """The 1, 5 and 15 minute load averages now (``uptime``)."""
    return [round(x, 2) for x in os.getloadavg()]
