"""``clusteratlas classifications load|show``: industry classifications and NUTS code lists."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import BarColumn, Progress, TextColumn
from rich.table import Table

from clusteratlas.cli.common import StoreOption, console, store_path
from clusteratlas.cli.schemes import SharedOption, _shared
from clusteratlas.errors import InputError

READERS = ("NACE_R2", "NACE_R21", "NAICS2012", "ISIC4", "NUTS2016", "NUTS2021", "NUTS2024")


def _hierarchy(name: str, shared: Path | None, store: Path | None):
    """The hierarchy of ``name`` from the store if it holds it, else from the official files
    under ``--shared``, else from the reference data shipped with the package."""
    from clusteratlas.classifications import isic, nace, naics, nuts, reference
    from clusteratlas.classifications.loading import hierarchy_from_store

    path = store_path(store)
    if path.exists() and not name.startswith("NUTS"):
        from clusteratlas.store import Store

        with Store(path, read_only=True) as s:
            found = hierarchy_from_store(s, name)
        if found is not None:
            return found
    if shared is None:
        if name not in READERS:
            raise InputError(
                f"unknown classification {name!r} (known: {', '.join(READERS)})",
                parameter="CLASSIFICATION",
            )
        if name.startswith("NUTS"):
            return nuts.nuts_hierarchy(reference.nuts_regions(name))
        return reference.hierarchy(name)
    folder = _shared(shared)
    files = {
        "NACE_R2": lambda: nace.load_nace_rev2(folder / "classifications" / nace.NACE_R2_FILE),
        "NACE_R21": lambda: nace.load_nace_rev21(folder / "classifications" / nace.NACE_R21_FILE),
        "NAICS2012": lambda: naics.load_naics2012(
            folder / "classifications" / naics.NAICS2012_FILE
        ),
        "ISIC4": lambda: isic.load_isic4(folder / "classifications" / isic.ISIC4_FILE),
    }
    for version in nuts.VERSIONS:
        files[f"NUTS{version}"] = lambda v=version: nuts.nuts_hierarchy(
            nuts.load_nuts(v, folder / "nuts")
        )
    if name not in files:
        raise InputError(
            f"unknown classification {name!r} (known: {', '.join(READERS)})",
            parameter="CLASSIFICATION",
        )
    return files[name]()


def register(app: typer.Typer) -> None:
    group = typer.Typer(
        help="Industry classifications (NACE, NAICS, ISIC) and NUTS code lists.",
        no_args_is_help=True,
    )
    app.add_typer(group, name="classifications")

    @group.command("load")
    def load_command(shared: Path | None = SharedOption, store: Path | None = StoreOption) -> None:
        """Load NACE Rev. 2/2.1, NAICS 2012, ISIC Rev. 4 and NUTS 2016/2021/2024 into the store."""
        from clusteratlas.classifications.loading import load_all
        from clusteratlas.store import Store

        folder = _shared(shared) if shared is not None else None  # None: packaged lists
        with (
            Store(store_path(store)) as s,
            Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                TextColumn("{task.completed}/{task.total}"),
                console=console,
            ) as progress,
        ):
            task = progress.add_task("code lists", total=None)

            def step(name: str, index: int, total: int) -> None:
                progress.update(task, description=f"loading {name}", completed=index, total=total)

            result = load_all(s, folder, on_step=step)
            progress.update(task, description="code lists", completed=progress.tasks[0].total)
        t = Table(title=f"code lists loaded into {store_path(store)}")
        t.add_column("list")
        t.add_column("rows", justify="right")
        for name, rows in result["loaded"].items():
            t.add_row(name, f"{rows:,}")
        console.print(t)
        for name, files in result["missing"].items():
            console.print(
                f"skipped {name}: none of {', '.join(files)} in {folder}", highlight=False
            )
        if folder is None:
            console.print(
                "from the reference data shipped with clusteratlas (see docs/classifications.md)",
                highlight=False,
            )

    @group.command("show")
    def show_command(
        classification: str = typer.Argument(..., help=f"One of {', '.join(READERS)}."),
        code: str = typer.Argument(..., help="A code, e.g. 10.51, 336411, 1050, DE11."),
        shared: Path | None = SharedOption,
        store: Path | None = StoreOption,
    ) -> None:
        """A code's label, level, parent, ancestors and children."""
        h = _hierarchy(classification.upper(), shared, store)
        item = h.get(code)
        t = Table(title=f"{h.classification} {code}", show_header=False)
        t.add_column("field", style="bold")
        t.add_column("value", overflow="fold")
        t.add_row("label", item.label or "")
        t.add_row("level", str(item.level))
        parent = item.parent
        t.add_row("parent", f"{parent} {h.label(parent) or ''}" if parent else "(none)")
        path = " > ".join(reversed(h.ancestors(code)))
        t.add_row("path", path or "(top)")
        children = h.children(code)
        t.add_row(
            f"children ({len(children)})",
            "\n".join(f"{c} {h.label(c) or ''}" for c in children) or "(none)",
        )
        console.print(t)
