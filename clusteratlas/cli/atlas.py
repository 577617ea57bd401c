"""``clusteratlas atlas build PRESET --store PATH [--from DIR]`` and ``atlas info``.

Builds an atlas store (``docs/atlas.md``): precomputed cluster tables, strength, trends,
scoreboard, regions and simplified geometries that ``clusteratlas serve`` reads. The build
writes a new file and swaps it in atomically, so a failed build leaves the previous atlas
intact and a running server keeps answering.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from clusteratlas.cli.common import console
from clusteratlas.cli.options import NutsVersion

atlas_app = typer.Typer(help="Build and inspect atlas stores (what the web pages read).")


def register(app: typer.Typer) -> None:
    app.add_typer(atlas_app, name="atlas")


@atlas_app.command("build")
def build_command(
    preset: str = typer.Argument(..., help="demo, us-cmp or eu-open."),
    store: Path = typer.Option(..., "--store", help="Atlas store file to (re)build."),
    from_dir: Path | None = typer.Option(
        None,
        "--from",
        help="Offline: a folder laid out like ../shared/data (us/, nuts/, eu_employment/ ...).",
    ),
    small: bool = typer.Option(False, "--small", help="demo only: a quick, small Demoland."),
    nuts_version: NutsVersion | None = typer.Option(
        None,
        "--nuts-version",
        help="eu-open only: the NUTS version of the employment data's codes (e.g. 2013) "
        "where it cannot be detected.",
    ),
) -> None:
    """Build an atlas of precomputed results into --store (atomically replaced)."""
    from clusteratlas.atlas.build import build_atlas
    from clusteratlas.errors import InputError

    options: dict = {}
    if small:
        if preset != "demo":
            raise InputError("--small is for the demo preset", parameter="--small")
        options["small"] = True
    if nuts_version is not None:
        if preset != "eu-open":
            raise InputError("--nuts-version is for the eu-open preset", parameter="--nuts-version")
        options["nuts_version"] = nuts_version.value
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console) as progress:
        report = build_atlas(preset, store, from_dir=from_dir, progress=progress, options=options)
    _print_counts(report.counts)
    console.print(f"built {report.path} ({preset}) in {report.seconds:.1f} s", highlight=False)


def _print_counts(counts: dict) -> None:
    table = Table(title="atlas contents", title_justify="left")
    table.add_column("what")
    table.add_column("count", justify="right")
    flat: list[tuple[str, object]] = []
    for key, value in counts.items():
        if isinstance(value, dict):
            flat += [(f"{key} {k}", v) for k, v in value.items()]
        else:
            flat.append((key, value))
    for key, value in flat:
        if isinstance(value, list):
            value = f"{value[0]}–{value[-1]} ({len(value)})" if value else "-"
        table.add_row(str(key), str(value))
    console.print(table)


@atlas_app.command("info")
def info_command(
    store: Path = typer.Option(..., "--store", help="Atlas store file."),
) -> None:
    """What an atlas holds: title, sources, schemes, region systems and years."""
    from clusteratlas.atlas.service import Atlas

    atlas = Atlas.open(store)
    try:
        info = atlas.info()
    finally:
        atlas.close()
    console.print(f"[bold]{info['title']}[/] ({info['preset']}, built {info['built_at']})")
    if info["synthetic"]:
        console.print("[yellow]SYNTHETIC data[/]")
    table = Table(title="cluster tables", title_justify="left")
    for col in ("scheme", "region system", "years", "regions", "clusters", "cells"):
        table.add_column(col)
    for s in info["schemes"]:
        table.add_row(
            s["scheme"],
            s["region_system"],
            f"{s['first_year']}–{s['last_year']}",
            str(s["regions"]),
            str(s["clusters"]),
            f"{s['cells']:,}",
        )
    console.print(table)
    for system in info["region_systems"]:
        console.print(
            f"{system['system']}: {system['regions']} regions, levels {system['levels']}, "
            f"{system['without_geometry']} without geometry",
            highlight=False,
        )
    for line in info["attribution"]:
        console.print(line, highlight=False)
