"""``clusteratlas serve``: the web observatory (pages, JSON API) on uvicorn, fully offline.

``clusteratlas serve --demo`` builds the Demoland atlas into the user data folder the first
time (``<user data dir>/clusteratlas/demo-atlas.duckdb``) and serves it;
``clusteratlas serve --store PATH`` serves an atlas built with ``clusteratlas atlas build``.
The store is opened read-only, so it can be rebuilt (atomically swapped) while it is served.
"""

from __future__ import annotations

from pathlib import Path

import platformdirs
import typer

from clusteratlas.cli.common import console
from clusteratlas.errors import InputError
from clusteratlas.paths import APP_NAME


def demo_atlas_path() -> Path:
    """Where ``serve --demo`` keeps the demo atlas (``CLUSTERATLAS_DEMO_ATLAS`` overrides)."""
    import os

    env = os.environ.get("CLUSTERATLAS_DEMO_ATLAS")
    if env:
        return Path(env)
    return Path(platformdirs.user_data_dir(APP_NAME)) / "demo-atlas.duckdb"


def ensure_demo_atlas(path: Path) -> Path:
    """Build the demo atlas at ``path`` unless it is there already (with Rich progress)."""
    if path.exists():
        return path
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from clusteratlas.atlas.build import build_atlas

    console.print(f"building the synthetic Demoland atlas into {path} (once)", highlight=False)
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console) as progress:
        build_atlas("demo", path, progress=progress)
    return path


def register(app: typer.Typer) -> None:
    app.command("serve")(serve_command)


def serve_command(
    demo: bool = typer.Option(False, "--demo", help="Serve the synthetic Demoland atlas."),
    store: Path | None = typer.Option(None, "--store", help="Atlas store to serve."),
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on."),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
    db: str | None = typer.Option(
        None,
        "--db",
        help="Application database for events, library and editors: sqlite:///FILE or "
        "postgresql://... (default: beside the atlas, or $CLUSTERATLAS_DB).",
        show_default=False,
    ),
) -> None:
    """Serve an atlas: region, cluster, compare and scoreboard pages and the JSON API."""
    if demo == (store is not None):
        raise InputError("give either --demo or --store PATH", parameter="--store")
    if not 1 <= port <= 65535:
        raise InputError("must be between 1 and 65535", parameter="--port")
    if store is not None and not store.is_file():
        raise InputError(
            f"{store}: no atlas here (build one with 'clusteratlas atlas build')",
            parameter="--store",
        )
    path = ensure_demo_atlas(demo_atlas_path()) if demo else Path(store)  # type: ignore[arg-type]
    import uvicorn

    from clusteratlas.web.app import create_app

    application = create_app(path, db=db)  # opens the atlas now: a bad store fails before listening
    console.print(
        f"serving {path} on http://{host}:{port}/ (Ctrl+C stops)",
        highlight=False,
        soft_wrap=True,
    )
    # One process (the caches live in it); uvloop and httptools are used when installed (the
    # "auto" defaults); no access log: a line per request costs more than a cached answer.
    uvicorn.run(application, host=host, port=port, log_level="warning", access_log=False)
