"""``clusteratlas store …``: look inside a store."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from clusteratlas.cli.common import StoreOption, console, store_path
from clusteratlas.store import Store


def register(app: typer.Typer) -> None:
    group = typer.Typer(
        help="Inspect a store: tables, datasets and their provenance.", no_args_is_help=True
    )
    app.add_typer(group, name="store")

    @group.command("info")
    def info(store: Path | None = StoreOption) -> None:
        """Row counts of every table and the datasets held."""
        with Store(store_path(store), read_only=True) as s:
            counts = s.snapshot()
            t = Table(title=f"store {store_path(store)}")
            t.add_column("table")
            t.add_column("rows", justify="right")
            for name, n in counts.items():
                t.add_row(name, f"{n:,}")
            console.print(t)
            ds = s.datasets()
            if len(ds):
                t2 = Table(title="datasets")
                for c in ds.columns:
                    t2.add_column(c)
                for row in ds.itertuples(index=False):
                    t2.add_row(*[str(v) for v in row])
                console.print(t2)

    @group.command("provenance")
    def provenance(
        dataset: str | None = typer.Argument(None), store: Path | None = StoreOption
    ) -> None:
        """Where each load came from: source, file or URL, dates, sha256, attribution."""
        with Store(store_path(store), read_only=True) as s:
            df = s.provenance(dataset)
            t = Table()
            cols = [
                "dataset",
                "source",
                "location",
                "retrieved_at",
                "ingested_at",
                "last_update",
                "sha256",
                "attribution",
                "region_system",
                "classification",
                "rows",
            ]
            for c in cols:
                t.add_column(c, overflow="fold")
            for row in df[cols].itertuples(index=False):
                t.add_row(*["" if v is None else str(v) for v in row])
            console.print(t)
