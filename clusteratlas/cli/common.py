"""Consoles and helpers shared by CLI modules (options and enums live in :mod:`.options`)."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from clusteratlas.cli.options import StoreOption
from clusteratlas.paths import default_store_path

console = Console()
err_console = Console(stderr=True)

__all__ = ["StoreOption", "console", "err_console", "store_path"]


def store_path(value: Path | None) -> Path:
    """The store path from ``--store`` or the default."""
    return value if value is not None else default_store_path()
