"""``clusteratlas ingest FILE...``: load Eurostat TSV tables and tidy panels into the store."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from clusteratlas.cli.common import StoreOption, console, store_path
from clusteratlas.cli.options import NutsVersion, NutsVersionOption, hidden_alias, pick
from clusteratlas.sources.ingest import (
    CLASSIFICATIONS,
    FORMATS,
    REGION_SYSTEMS,
    check_options,
    ingest_files,
)
from clusteratlas.store import Store


class InputFormat(StrEnum):
    """What the input files are: found out (auto), tidy panels, or Eurostat TSV."""

    auto = "auto"
    panel = "panel"
    eurostat_tsv = "eurostat-tsv"


STEPS = ("reading", "parsing", "converting", "checking codes", "loading")
err_console = Console(stderr=True)


def register(app: typer.Typer) -> None:
    @app.command("ingest")
    def ingest(
        files: list[Path] = typer.Argument(
            ..., help="Eurostat TSV (.tsv/.tsv.gz) or tidy panels (.csv, .csv.gz, .parquet)."
        ),
        store: Path | None = StoreOption,
        dataset: str | None = typer.Option(
            None,
            "--dataset",
            help="Dataset name (default: the Eurostat code from the file name, e.g. "
            "lfst_r_lfe2en2 from lfst_r_lfe2en2_2017snapshot.tsv.gz; a panel's file stem).",
        ),
        region_system: str | None = typer.Option(
            None,
            "--region-system",
            help=f"Region codes' system: {', '.join(REGION_SYSTEMS)} (for NUTS, --nuts-version "
            "says the same). Default: 'NUTS?' (version unknown) for Eurostat files, 'user' for "
            "panels.",
        ),
        classification: str | None = typer.Option(
            None,
            "--classification",
            help=f"Industry codes' classification: {', '.join(CLASSIFICATIONS)}. Default: "
            "from the table for Eurostat files (nace_r2 -> NACE_R2), 'user' for panels.",
        ),
        nuts_version: NutsVersion | None = NutsVersionOption,
        fmt: InputFormat = typer.Option(
            InputFormat.auto,
            "--input-format",
            help=f"{' | '.join(FORMATS)}: auto finds Eurostat TSV by its '\\time' or "
            "'\\TIME_PERIOD' header marker and panels by their extension.",
        ),
        old_format: str | None = hidden_alias("--format"),
    ) -> None:
        """Load files into the store, all in one transaction (one bad file loads nothing).

        Re-ingesting a dataset replaces its observations; provenance (file, sha256, time,
        attribution) is recorded for every file.
        """
        fmt = pick(fmt.value, old_format, new_name="--input-format", old_name="--format",
                   default="auto")  # fmt: skip
        if nuts_version is not None:
            region_system = pick(nuts_version.region_system, region_system,
                                 new_name="--nuts-version", old_name="--region-system")  # fmt: skip
        check_options(fmt=fmt, region_system=region_system, classification=classification)
        with (
            Store(store_path(store)) as s,
            Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                TextColumn("{task.fields[step]}"),
                TimeElapsedColumn(),
                console=err_console,
                transient=False,
                disable=not err_console.is_terminal,  # no bars in logs and pipes
            ) as progress,
        ):
            tasks: dict[Path, int] = {}

            def on_file(path: Path):
                previous = next(reversed(tasks.values()), None)
                if previous is not None:
                    progress.update(previous, completed=len(STEPS), step="done")
                task = progress.add_task(path.name, total=len(STEPS), step="")
                tasks[path] = task

                def step(name: str) -> None:
                    done = STEPS.index(name) if name in STEPS else 0
                    progress.update(task, completed=done, step=name)

                return step

            results = ingest_files(
                s,
                files,
                fmt=fmt,
                dataset=dataset,
                region_system=region_system,
                classification=classification,
                on_file=on_file,
            )
            for task in tasks.values():
                progress.update(task, completed=len(STEPS), step="done")
        for r in results:
            for w in r.warnings:
                err_console.print(f"[yellow]warning:[/] {w}", highlight=False, soft_wrap=True)
        console.print(_summary_table(results, store_path(store)))


def _summary_table(results, path: Path) -> Table:
    table = Table(title=f"ingested into {path}")
    table.add_column("dataset", no_wrap=True)
    for col in ("rows", "missing", "flagged"):
        table.add_column(col, justify="right")
    table.add_column("years", no_wrap=True)
    table.add_column("regions", justify="right")
    for r in results:
        s = r.summary()
        table.add_row(
            s["dataset"],
            f"{s['rows']:,}",
            f"{s['missing']:,}",
            f"{s['flagged']:,}",
            s["years"],
            f"{s['regions']:,}",
        )
    return table
