"""``clusteratlas impute``: fill suppressed or confidential cells of a stored dataset.

``clusteratlas impute --store PATH --dataset D --method eco|cbp|none [--new-dataset NAME]``
writes ``D-imputed`` atomically; ``docs/suppressed-cells.md`` describes the methods.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer

from clusteratlas.cli.common import StoreOption, console, store_path


class ImputeMethod(StrEnum):
    """How suppressed cells are filled (``transform.suppressed.METHODS``)."""

    eco = "eco"
    cbp = "cbp"
    none = "none"


def register(app: typer.Typer) -> None:
    @app.command("impute")
    def impute(
        dataset: str = typer.Option(..., "--dataset", help="Stored dataset to fill."),
        method: ImputeMethod = typer.Option(
            ..., "--method", help="eco (parent-residual split), cbp (size-class midpoints), none."
        ),
        store: Path | None = StoreOption,
        new_dataset: str | None = typer.Option(
            None, "--new-dataset", help="Name of the result (default D-imputed)."
        ),
    ) -> None:
        """Fill suppressed/confidential cells (ECO split or CBP midpoints) into a new dataset."""
        from clusteratlas.store import Store
        from clusteratlas.transform.impute_store import impute_dataset

        with Store(store_path(store)) as s, console.status(f"imputing {dataset} ({method.value})…"):
            res = impute_dataset(s, dataset, method.value, new_dataset=new_dataset)
        console.print(
            f"{res.dataset} → {res.new_dataset}: {res.rows:,} rows, {res.filled:,} cells filled "
            f"by {res.method!r}, {res.still_missing:,} still missing",
            highlight=False,
        )
