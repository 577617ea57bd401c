"""``clusteratlas fetch …``: download real data into the store.

The group is assembled from one module per source family, each exposing
``register_fetch(group)`` (commands under ``fetch``) and optionally ``register(app)`` (other
top-level groups such as ``data`` or ``cache``).
"""

from __future__ import annotations

import importlib

import typer

FETCH_MODULES = [
    "clusteratlas.cli.fetch_eurostat",  # fetch eurostat | eurostat-clusters | eurostat-scoreboard
    "clusteratlas.cli.fetch_geo",  # fetch gisco | census
]


def register(app: typer.Typer) -> None:
    group = typer.Typer(
        help="Download real data (Eurostat, GISCO, US Census) into the store.", no_args_is_help=True
    )
    app.add_typer(group, name="fetch")
    for name in FETCH_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        module.register_fetch(group)
        if hasattr(module, "register"):
            module.register(app)
