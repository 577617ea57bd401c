"""Benchmark suite ``reports``: time to render a region profile PDF, beside two peers.

``python benchmarks/run.py --suite reports --size small|large [--json OUT]``

Atlases: ``small`` = ``atlas build demo --small`` (Demoland, region XD11); ``large`` = the
real ``eu-open`` (Piemonte, ITC1; 20 Monte Carlo draws, peer profiles for ITC1 only) and
``us-cmp`` (California, 06) atlases built from ``../shared/data`` (or
``$CLUSTERATLAS_SHARED_DATA``). Build time is not part of the measure.

For each region, in this process, after one warm-up render (vl-convert's JavaScript engine
and WeasyPrint's fonts are loaded once per process; the cold first render is reported too):

(a) ``clusteratlas``: :func:`clusteratlas.reports.region_profile` (every number from the
    atlas, charts and maps rendered to SVG by vl-convert) + ``render_html`` + ``html_to_pdf``
    (WeasyPrint) — the whole ``report region`` work, split into its steps;
(b) ``chromium``: the same self-contained HTML printed to PDF by headless Chromium (Debian's
    ``/usr/bin/chromium`` driven by Playwright; browser launched once, outside the timing:
    ``page.set_content`` + ``page.pdf`` per repeat) — the usual print-to-PDF peer;
(c) ``weasyprint-plain``: WeasyPrint on the same HTML with the SVG charts and maps removed
    (text and tables only) — what the charts cost in the layout.

Ratios: ``chromium_pdf / clusteratlas_pdf`` (PDF step only, same HTML) and
``clusteratlas_total / chromium_total`` where chromium's total is (a)'s context + HTML time
plus its print. Target: (a) total ≤ 3 s on 2 cores. The load (``uptime``) before and after is
recorded; the machine is shared, so read figures with the load beside them.
"""

from __future__ import annotations

import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
for p in (HERE, HERE.parent):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

REPEATS = {"small": 5, "large": 3}
TARGET_S = 3.0
CHROMIUM = "/usr/bin/chromium"


def _uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return ""


def _shared() -> Path | None:
    env = os.environ.get("CLUSTERATLAS_SHARED_DATA")
    for cand in ([Path(env)] if env else []) + [HERE.parent.parent / "shared" / "data"]:
        if cand.is_dir():
            return cand
    return None


def _atlases(size: str, tmp: Path) -> list[tuple[str, Path, str]]:
    from clusteratlas.atlas.build import build_atlas

    if size == "small":
        path = tmp / "demo.duckdb"
        build_atlas("demo", path, options={"small": True})
        return [("demo --small", path, "XD11")]
    shared = _shared()
    if shared is None:
        raise SystemExit("--size large needs ../shared/data (or $CLUSTERATLAS_SHARED_DATA)")
    eu, us = tmp / "eu.duckdb", tmp / "us.duckdb"
    build_atlas("eu-open", eu, from_dir=shared, options={"draws": 20, "profiles": ["ITC1"]})
    build_atlas("us-cmp", us, from_dir=shared)
    return [("eu-open", eu, "ITC1"), ("us-cmp", us, "06")]


def _plain(html: str) -> str:
    return re.sub(r"<svg\b.*?</svg>", "", html, flags=re.S)


def _ours(atlas: Any, code: str) -> dict[str, float]:
    from clusteratlas.reports import html_to_pdf, region_profile, render_html

    t0 = time.perf_counter()
    ctx = region_profile(atlas, code)
    t1 = time.perf_counter()
    html = render_html(ctx)
    t2 = time.perf_counter()
    pdf = html_to_pdf(html)
    t3 = time.perf_counter()
    return {
        "context_and_charts_s": t1 - t0,
        "html_s": t2 - t1,
        "pdf_s": t3 - t2,
        "total_s": t3 - t0,
        "pdf_bytes": len(pdf),
        "_html": html,  # type: ignore[dict-item]
    }


def _median(rows: list[dict[str, Any]], key: str) -> float:
    return round(statistics.median(r[key] for r in rows), 4)


def _one_region(label: str, path: Path, code: str, repeats: int, browser: Any) -> dict[str, Any]:
    from clusteratlas.atlas.service import Atlas
    from clusteratlas.reports import html_to_pdf

    atlas = Atlas.open(path)
    cold = _ours(atlas, code)
    html = cold.pop("_html")
    runs = []
    for _ in range(repeats):
        r = _ours(atlas, code)
        r.pop("_html")
        runs.append(r)
    ours = {k: _median(runs, k) for k in ("context_and_charts_s", "html_s", "pdf_s", "total_s")}
    ours["pdf_bytes"] = runs[-1]["pdf_bytes"]
    ours["cold_first_total_s"] = round(cold["total_s"], 3)
    attribution = (atlas.info().get("attribution") or [""])[0]
    pages, with_attr = _pages_with(html_to_pdf(html), attribution)
    ours["pdf_pages"] = pages
    ours["pages_with_attribution"] = with_attr
    plain = _plain(html)
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        html_to_pdf(plain)
        times.append(time.perf_counter() - t)
    out: dict[str, Any] = {
        "atlas": label,
        "region": code,
        "html_bytes": len(html.encode()),
        "svg_elements": html.count("<svg"),
        "clusteratlas": ours,
        "weasyprint_plain": {"pdf_s": round(statistics.median(times), 4)},
    }
    if browser is not None:
        page = browser.new_page()
        page.set_content(html)
        page.pdf(format="A4")  # warm-up
        times = []
        for _ in range(repeats):
            t = time.perf_counter()
            page.set_content(html)
            printed = page.pdf(format="A4", print_background=True)
            times.append(time.perf_counter() - t)
        page.close()
        chromium_pdf = statistics.median(times)
        pages, with_attr = _pages_with(printed, attribution)
        out["chromium"] = {
            "pdf_s": round(chromium_pdf, 4),
            "pdf_bytes": len(printed),
            "pdf_pages": pages,
            # Chromium has no CSS running elements: the footer prints once, not on each page
            "pages_with_attribution": with_attr,
        }
        chromium_total = ours["context_and_charts_s"] + ours["html_s"] + chromium_pdf
        out["ratios"] = {
            "chromium_pdf_over_clusteratlas_pdf": round(chromium_pdf / ours["pdf_s"], 3),
            "clusteratlas_total_over_chromium_total": round(ours["total_s"] / chromium_total, 3),
            "clusteratlas_pdf_over_plain_pdf": round(
                ours["pdf_s"] / out["weasyprint_plain"]["pdf_s"], 3
            ),
        }
    else:
        out["chromium"] = {"skipped": f"{CHROMIUM} or playwright not available"}
    out["target_total_s"] = TARGET_S
    out["meets_target"] = ours["total_s"] <= TARGET_S
    return out


def _pages_with(pdf: bytes, text: str) -> tuple[int, int]:
    """(pages, pages whose text has ``text``), with poppler's pdfinfo and pdftotext."""
    if shutil.which("pdftotext") is None:
        return (-1, -1)
    with tempfile.NamedTemporaryFile(suffix=".pdf") as fh:
        fh.write(pdf)
        fh.flush()
        info = subprocess.run(["pdfinfo", fh.name], capture_output=True, text=True).stdout
        n = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
        hits = 0
        for i in range(1, n + 1):
            page = subprocess.run(
                ["pdftotext", "-f", str(i), "-l", str(i), fh.name, "-"],
                capture_output=True,
                text=True,
            ).stdout
            hits += " ".join(text.split()) in " ".join(page.split())
    return n, hits


def run(size: str) -> dict[str, Any]:
    import vl_convert
    import weasyprint

    before = _uptime()
    load_before = os.getloadavg()
    repeats = REPEATS[size]
    with tempfile.TemporaryDirectory() as tmp:
        atlases = _atlases(size, Path(tmp))
        pw = browser = None
        if shutil.which(CHROMIUM) or Path(CHROMIUM).exists():
            try:
                from playwright.sync_api import sync_playwright

                pw = sync_playwright().start()
                browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True)
            except Exception:  # the peer is optional; the result says it was skipped
                browser = None
        try:
            results = [_one_region(lbl, p, c, repeats, browser) for lbl, p, c in atlases]
        finally:
            if browser is not None:
                browser.close()
            if pw is not None:
                pw.stop()
    return {
        "suite": "reports",
        "size": size,
        "repeats": repeats,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "weasyprint": weasyprint.__version__,
            "vl_convert": getattr(vl_convert, "__version__", "?"),
            "uptime_before": before,
            "uptime_after": _uptime(),
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
        },
        "regions": results,
    }
