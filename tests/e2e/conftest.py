"""End-to-end fixtures: a uvicorn server of a small Demoland atlas on a random 127.0.0.1 port
and Debian's Chromium driven by Playwright (headless; ``playwright install`` is not used).

Tests skip when /usr/bin/chromium is missing, except under CLUSTERATLAS_REQUIRE_SHARED=1
(CI, where ``.ci/run`` installs it), where they fail.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.web.demo_atlas import small_demo_atlas

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """Base URL of ``clusteratlas serve --store`` running in a subprocess (stopped after)."""
    path = small_demo_atlas(tmp_path_factory.mktemp("e2e-atlas"))
    port = _free_port()
    cmd = [
        sys.executable,
        "-m",
        "clusteratlas.cli.app",
        "serve",
        "--store",
        str(path),
        "--port",
        str(port),
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    out = proc.stdout.read().decode() if proc.stdout else ""
                    pytest.fail(f"server did not start: {out[-2000:]}")
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CLUSTERATLAS_REQUIRE_SHARED") == "1":
            pytest.fail(f"{CHROMIUM} is missing (.ci/run installs it)")
        pytest.skip(f"{CHROMIUM} is missing")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    pg = context.new_page()
    pg.errors = []  # type: ignore[attr-defined]
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))  # type: ignore[attr-defined]
    pg.on(
        "console",
        lambda m: pg.errors.append(m.text) if m.type == "error" else None,  # type: ignore[attr-defined]
    )
    yield pg
    context.close()


def shot(page, name: str) -> Path:
    """Save a full-page screenshot under tests/artifacts/ (gitignored) and return its path."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
