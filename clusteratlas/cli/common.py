"""Options and helpers shared by CLI modules."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from clusteratlas.paths import default_store_path

console = Console()

StoreOption = typer.Option(
    None,
    "--store",
    help="DuckDB store file (default: the user data dir, or $CLUSTERATLAS_STORE).",
    show_default=False,
)


def store_path(value: Path | None) -> Path:
    """The store path from ``--store`` or the default."""
    return value if value is not None else default_store_path()
