"""``clusteratlas schemes list|show|load|derive``: cluster schemes (industry → cluster)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from clusteratlas.cli.common import StoreOption, console, store_path
from clusteratlas.errors import InputError

SharedOption = typer.Option(
    None,
    "--shared",
    help="Folder of the official files (classifications/, clusters/, nuts/) to read instead "
    "of the reference data shipped with the package.",
    show_default=False,
)


def _shared(value: Path | None) -> Path:
    """The folder of official files a command needs (``--shared``, else
    ``$CLUSTERATLAS_SHARED_DATA``); never a guessed ``../shared/data``."""
    from clusteratlas.paths import shared_data_dir

    folder = value if value is not None else shared_data_dir()
    if folder is None or not Path(folder).is_dir():
        raise InputError(
            f"no shared data folder {'at ' + str(value) if value else 'found'}; give --shared DIR",
            parameter="--shared",
        )
    return Path(folder)


def _print_derivation(summary: dict) -> None:
    from clusteratlas.classifications.derive import RULES

    t = Table(title="derived scheme eu-nace2 (NACE Rev. 2)")
    t.add_column("decided at")
    t.add_column("NACE classes", justify="right")
    t.add_column("ambiguous", justify="right")
    t.add_column("links", justify="right")
    t.add_column("share of links", justify="right")
    for r in RULES:
        t.add_row(
            r,
            str(summary["classes_by_rule"][r]),
            str(summary["ambiguous_by_rule"][r]),
            f"{summary['links_by_rule'][r]:,}",
            f"{summary['link_share_by_rule'][r]:.1%}",
        )
    console.print(t)
    console.print(
        f"{summary['assigned']} of {summary['nace_classes']} classes assigned "
        f"({summary['traded_classes']} to {summary['traded_clusters']} traded clusters, "
        f"{summary['local_classes']} to {summary['local_clusters']} local); "
        f"{summary['ambiguous']} ambiguous, {summary['decided_by_majority']} of them by a "
        f"majority; mean link share {summary['mean_link_share']:.2f}",
        highlight=False,
    )
    if summary["unassigned"]:
        console.print(
            f"left out: {', '.join(summary['unassigned'])} (sections outside the CMP or no link)",
            highlight=False,
        )


def register(app: typer.Typer) -> None:
    group = typer.Typer(
        help="Cluster schemes: built-in (eu-nace2, uscmp-naics2012) or your own file.",
        no_args_is_help=True,
    )
    app.add_typer(group, name="schemes")

    @group.command("list")
    def list_command(store: Path | None = StoreOption) -> None:
        """Built-in schemes, and the schemes loaded into the store (if it exists)."""
        from clusteratlas.classifications.schemes import available_schemes

        t = Table(title="built-in schemes")
        for col in ("name", "classification", "description", "source"):
            t.add_column(col, overflow="fold")
        for row in available_schemes().itertuples(index=False):
            t.add_row(*row)
        console.print(t)
        path = store_path(store)
        if path.exists():
            from clusteratlas.store import Store
            from clusteratlas.store.queries import scheme_summary

            with Store(path, read_only=True) as s:
                df = scheme_summary(s)
            t2 = Table(title=f"schemes in {path}")
            for col in df.columns:
                t2.add_column(col)
            for row in df.itertuples(index=False):
                t2.add_row(*[str(v) for v in row])
            console.print(t2 if len(df) else f"no scheme loaded in {path}", highlight=False)

    @group.command("show")
    def show_command(
        name: str = typer.Argument(..., help="Built-in name, store scheme or scheme file."),
        cluster: str | None = typer.Option(None, "--cluster", help="List this cluster's members."),
        shared: Path | None = SharedOption,
        store: Path | None = StoreOption,
    ) -> None:
        """Clusters of a scheme (code, name, type, members); with --cluster, its industries."""
        from clusteratlas.classifications.schemes import get_scheme

        path = store_path(store)
        if path.exists():
            from clusteratlas.store import Store

            with Store(path, read_only=True) as s:
                frame = get_scheme(name, shared_dir=shared, store=s, keep_extra=True)
        else:
            frame = get_scheme(name, shared_dir=shared, keep_extra=True)
        if cluster is not None:
            members = frame[frame["cluster"] == cluster]
            if members.empty:
                raise InputError(f"no cluster {cluster!r} in {name}", parameter="--cluster")
            t = Table(title=f"{name}: {cluster} {members['cluster_name'].iloc[0]}")
            cols = [c for c in members.columns if c not in ("cluster", "cluster_name")]
            for col in cols:
                t.add_column(col, overflow="fold")
            for row in members[cols].itertuples(index=False):
                t.add_row(*[str(v) for v in row])
            console.print(t)
            return
        summary = (
            frame.groupby(["cluster", "cluster_name", "cluster_type"], sort=False)
            .agg(industries=("industry", "nunique"), weight=("weight", "sum"))
            .reset_index()
        )
        t = Table(title=f"{name}: {len(summary)} clusters, {len(frame)} memberships")
        for col in ("cluster", "cluster_name", "cluster_type", "industries", "weight"):
            t.add_column(col, justify="right" if col in ("industries", "weight") else "left")
        for row in summary.itertuples(index=False):
            t.add_row(row[0], row[1], row[2], str(row[3]), f"{row[4]:g}")
        console.print(t)

    @group.command("load")
    def load_command(
        name_or_file: str = typer.Argument(..., help="eu-nace2, uscmp-naics2012, or a file."),
        as_name: str | None = typer.Option(None, "--as", help="Name in the store."),
        shared: Path | None = SharedOption,
        store: Path | None = StoreOption,
    ) -> None:
        """Load a scheme into the store (replaces a scheme of the same name)."""
        from clusteratlas.classifications.schemes import load_scheme_into_store
        from clusteratlas.store import Store

        with Store(store_path(store)) as s:
            name, rows = load_scheme_into_store(
                s, name_or_file, scheme_name=as_name, shared_dir=shared
            )
        console.print(f"loaded scheme {name}: {rows:,} rows into {store_path(store)}")

    @group.command("derive")
    def derive_command(
        out: Path | None = typer.Option(
            None, "--out", help="Write the scheme here (e.g. the packaged eu_nace2_clusters.csv)."
        ),
        report: Path | None = typer.Option(
            None, "--report", help="Write ambiguous and unassigned NACE classes here (CSV)."
        ),
        fractional: bool = typer.Option(
            False, "--fractional", help="Split classes over clusters in proportion to votes."
        ),
        count_links: bool = typer.Option(
            False, "--count-links", help="Count every link as 1 (default: 1/ISIC classes)."
        ),
        shared: Path | None = SharedOption,
    ) -> None:
        """Derive the CMP clusters on NACE Rev. 2 from the US definitions (docs/schemes.md)."""
        from rich.progress import Progress

        from clusteratlas.classifications.derive import derive_eu_scheme
        from clusteratlas.classifications.derive_output import write_report, write_scheme

        folder = _shared(shared)
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("deriving NAICS → ISIC → NACE links", total=None)
            result = derive_eu_scheme(folder, fractional=fractional, weighted=not count_links)
            progress.update(task, completed=1, total=1)
        _print_derivation(result.summary)
        if out is not None:
            write_scheme(result, out)
            console.print(f"wrote {out} ({len(result.scheme):,} rows)", highlight=False)
        if report is not None:
            write_report(result, report)
            console.print(f"wrote {report} ({len(result.report):,} rows)", highlight=False)
        if out is None and report is None:
            console.print("nothing written (give --out and/or --report)", highlight=False)
