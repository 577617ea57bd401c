"""A small Demoland atlas built once per test process (for the page and browser tests)."""

from __future__ import annotations

import threading
from pathlib import Path

_lock = threading.Lock()
_path: Path | None = None


def small_demo_atlas(base: Path) -> Path:
    """Build ``clusteratlas atlas build demo --small`` into ``base`` once and return its path."""
    global _path
    with _lock:
        if _path is None or not _path.exists():
            from clusteratlas.atlas.build import build_atlas

            target = base / "demo-atlas.duckdb"
            build_atlas("demo", target, options={"small": True})
            _path = target
        return _path
