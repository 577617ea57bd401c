"""``clusteratlas fetch eurostat …``, ``data show`` and ``cache list|verify|clear``.

``fetch eurostat DATASET`` downloads a Eurostat table (through the cache), parses it into the
tidy table and loads it into the store with provenance; ``fetch eurostat-clusters`` and
``fetch eurostat-scoreboard`` run the packaged recipes. ``data show`` rebuilds the tidy table
of a loaded dataset; ``cache`` inspects and repairs the download cache.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import typer
from rich.table import Table

from clusteratlas.cli.common import StoreOption, console, err_console, store_path
from clusteratlas.cli.option_groups import option_group
from clusteratlas.cli.options import (
    CacheOption,
    FilterAlias,
    NutsVersion,
    NutsVersionOption,
    OfflineOption,
    OutputFormat,
    OutputFormatOption,
    RefreshOption,
    RegionSystemAlias,
    RetriesOption,
    WhereOption,
    hidden_alias,
    pick,
    region_system,
    timeout_option,
    where_filters,
)
from clusteratlas.sources.cache import Cache
from clusteratlas.sources.eurostat_api import parse_filters
from clusteratlas.sources.eurostat_fetch import open_api
from clusteratlas.store.flags import describe_flag


class Via(StrEnum):
    """How a table is delivered (``fetch eurostat --via``)."""

    tsv = "tsv"
    csv = "csv"
    xml = "xml"
    json = "json"
    csv3 = "csv3"


BaseUrlOption = typer.Option(
    None,
    "--base-url",
    help="Eurostat host (default https://ec.europa.eu, or $CLUSTERATLAS_EUROSTAT_URL); a mirror "
    "or test server serving the same /eurostat/api/dissemination/... paths.",
    show_default=False,
)
TimeoutOption = timeout_option(60.0)
BackoffOption = typer.Option(
    0.5,
    "--backoff",
    help="Seconds of the first retry's backoff ceiling; it doubles per retry (capped at 30 s), "
    "each wait drawn at random below it. Retry-After from the server takes precedence.",
)


@dataclass(frozen=True)
class EurostatAccess:
    """How Eurostat is reached, and which store and NUTS version a table is loaded with."""

    base_url: str | None = BaseUrlOption
    store: Path | None = StoreOption
    offline: bool = OfflineOption
    refresh: bool = RefreshOption
    cache: Path | None = CacheOption
    nuts_version: NutsVersion | None = NutsVersionOption
    old_region_system: str | None = RegionSystemAlias
    timeout: float = TimeoutOption
    retries: int = RetriesOption
    backoff: float = BackoffOption

    def api(self):
        """The Eurostat API client, open for a ``with`` block."""
        return open_api(self.base_url, self.cache, offline=self.offline, refresh=self.refresh,
                        timeout=self.timeout, retries=self.retries,
                        backoff=self.backoff)  # fmt: skip

    @property
    def region_system(self) -> str | None:
        return region_system(self.nuts_version, self.old_region_system)


def _report_table(r) -> Table:
    t = Table(title=f"{r.dataset} loaded — Source: Eurostat", show_header=False)
    t.add_column("what", style="bold")
    t.add_column("value", overflow="fold")
    years = f"{r.years[0]}-{r.years[1]}" if r.years else ""
    rows = [
        ("title", r.title or ""),
        ("observations", f"{r.rows:,} (of {r.cells:,} cells parsed)"),
        ("missing (':')", f"{r.missing:,} stored as NULL"),
        ("flagged", f"{r.flagged:,}"),
        ("years", years),
        ("regions", f"{r.regions:,} ({r.region_system})"),
        ("industries", r.classification or "none"),
        ("last update", r.last_update or "unknown"),
        ("source", r.url),
        ("sha256", r.sha256),
        ("download", "served from cache" if r.from_cache else "downloaded"),
        ("load id", r.load_id),
    ]
    for k, v in rows:
        t.add_row(k, v)
    return t


def _flags_table(reports: list) -> Table | None:
    counts: dict[str, int] = {}
    for r in reports:
        for f, n in r.flags.items():
            counts[f] = counts.get(f, 0) + n
    if not counts:
        return None
    t = Table(title="flags")
    t.add_column("flag")
    t.add_column("cells", justify="right")
    t.add_column("meaning")
    for f, n in sorted(counts.items(), key=lambda kv: -kv[1]):
        t.add_row(f, f"{n:,}", describe_flag(f))
    return t


def _print_reports(reports: list) -> None:
    for r in reports:
        console.print(_report_table(r))
        for w in r.warnings:
            err_console.print(f"[yellow]note:[/] {w}", highlight=False, soft_wrap=True)
    flags = _flags_table(reports)
    if flags is not None:
        console.print(flags)


def register_fetch(group: typer.Typer) -> None:
    """Commands under ``clusteratlas fetch``."""

    @group.command("eurostat")
    @option_group("access", EurostatAccess)
    def fetch_eurostat(
        dataset: str = typer.Argument(
            ..., metavar="CODE", help="Eurostat dataset code, e.g. lfst_r_lfe2en2."
        ),
        where: list[str] = WhereOption,
        old_filter: list[str] = FilterAlias,
        via: Via | None = typer.Option(
            None,
            "--via",
            help="tsv (default): whole table as SDMX-TSV (bulk); csv: SDMX-CSV; xml: SDMX-ML; "
            "json: JSON-stat from the statistics API and csv3: SDMX-CSV 2.0 from the SDMX 3.0 "
            "API, both with --where sent to Eurostat (the others filter after download).",
            show_default=False,
        ),
        old_format: Via | None = hidden_alias("--format"),
        *,
        access: EurostatAccess,
    ) -> None:
        """Download a Eurostat table into the store (values, ':' as NULL, flags, provenance)."""
        from clusteratlas.sources.eurostat_load import load_eurostat
        from clusteratlas.store import Store

        fmt = (pick(via, old_format, new_name="--via", old_name="--format") or Via.tsv).value
        system = access.region_system
        parsed = parse_filters(where_filters(where, old_filter))
        with access.api() as api:
            # no spinner here: big downloads draw their own progress bar (sources.http)
            err_console.print(f"fetching {dataset} ({fmt})…", highlight=False)
            data = api.fetch(dataset, fmt=fmt, filters=parsed)
            with (
                err_console.status(f"loading {len(data.frame):,} cells…"),
                Store(store_path(access.store)) as s,
            ):
                report = load_eurostat(s, data, region_system=system)
        _print_reports([report])

    def _recipe_command(name: str) -> None:
        @group.command(name)
        @option_group("access", EurostatAccess)
        def run(access: EurostatAccess) -> None:
            from clusteratlas.sources.recipes import load_recipes, run_recipe
            from clusteratlas.store import Store

            system = access.region_system
            recipe = load_recipes()[name]
            total = len(recipe.datasets)
            done: list[str] = []

            def announce(item) -> None:
                done.append(item.code)
                err_console.print(f"[{len(done)}/{total}] {item.code} …", highlight=False)

            with access.api() as api, Store(store_path(access.store)) as s:
                result = run_recipe(recipe, api, s, region_system=system,
                                    on_dataset=announce)  # fmt: skip
            if result.loaded:
                _print_reports(result.loaded)
            for code, msg in result.failed:
                err_console.print(f"[red]failed:[/] {code}: {msg}", highlight=False,
                                  soft_wrap=True)  # fmt: skip
            if result.failed:
                raise SystemExit(1 if result.loaded else 2)  # (typer.Exit codes are lost by main)

        try:
            codes = ", ".join(d.code for d in _recipe_datasets(name))
        except Exception:  # a broken recipe file must not break the whole CLI
            codes = "see the recipe file"
        run.__doc__ = (
            f"Run the '{name}' recipe: {codes} (clusteratlas/sources/eurostat_recipes.yaml)."
        )

    _recipe_command("eurostat-clusters")
    _recipe_command("eurostat-scoreboard")


def _recipe_datasets(name: str) -> list:
    from clusteratlas.sources.recipes import load_recipes

    return list(load_recipes()[name].datasets)


def register(app: typer.Typer) -> None:
    """Top-level ``data`` and ``cache`` groups."""
    data = typer.Typer(help="Look at loaded tables in their original shape.",
                       no_args_is_help=True)  # fmt: skip
    app.add_typer(data, name="data")

    @data.command("show")
    def show(
        dataset: str = typer.Argument(..., help="Dataset code, e.g. lfst_r_lfe2en2."),
        store: Path | None = StoreOption,
        where: list[str] = WhereOption,
        old_filter: list[str] = FilterAlias,
        fmt: OutputFormat = OutputFormatOption,
        out: Path | None = typer.Option(None, "--out", help="Write the table to this file."),
        limit: int = typer.Option(40, "--limit", help="Rows shown on screen."),
    ) -> None:
        """The tidy table of a Eurostat dataset: one column per dimension, time, value, flag."""
        from clusteratlas.sources.eurostat_load import tidy_from_store
        from clusteratlas.store import Store
        from clusteratlas.store.provenance import build_record, store_datasets, write_output

        filters = parse_filters(where_filters(where, old_filter))
        with Store(store_path(store), read_only=True) as s:
            frame = tidy_from_store(s, dataset.lower(), filters)
            datasets = store_datasets(s, dataset.lower()) if out is not None else []
        if out is not None:
            record = build_record(
                "data show",
                options={"store": str(store_path(store)), "dataset": dataset.lower(),
                         "where": filters},
                datasets=datasets,
                classifications=[d["classification"] for d in datasets if d.get("classification")],
                nuts_versions=[d["region_system"] for d in datasets
                               if str(d.get("region_system") or "").startswith("NUTS")],
            )  # fmt: skip
            write_output(frame, out, record, fmt=fmt.value)
            err_console.print(f"wrote {len(frame):,} rows to {out} (+ .provenance.json)")
            return
        t = Table(title=f"{dataset} ({len(frame):,} rows) — Source: Eurostat")
        for c in frame.columns:
            t.add_column(c, justify="right" if c == "value" else "left")
        for row in frame.head(limit).itertuples(index=False):
            t.add_row(*["" if v is None or v != v else str(v) for v in row])
        console.print(t)
        if len(frame) > limit:
            console.print(f"… {len(frame) - limit:,} more rows (use --out FILE for all)")

    cache_app = typer.Typer(help="Inspect and repair the download cache.", no_args_is_help=True)
    app.add_typer(cache_app, name="cache")

    @cache_app.command("list")
    def cache_list(dataset: str | None = typer.Option(None, "--dataset"),
                   cache: Path | None = CacheOption) -> None:  # fmt: skip
        """Cached downloads: dataset, size, retrieved, source stamp, URL."""
        c = Cache(cache)
        t = Table(title=f"cache {c.root}")
        for col in ("dataset", "size", "retrieved", "source updated", "sha256", "url"):
            t.add_column(col, overflow="fold", no_wrap=col in ("dataset", "size", "sha256"),
                         justify="right" if col == "size" else "left")  # fmt: skip
        entries = c.entries(dataset)
        for e in entries:
            t.add_row(e.dataset, f"{e.size:,}", e.retrieved_at, e.source_updated or "",
                      e.sha256[:12], e.full_url)  # fmt: skip
        console.print(t)
        console.print(f"{len(entries)} entries, {sum(e.size for e in entries):,} bytes")

    @cache_app.command("verify")
    def cache_verify(dataset: str | None = typer.Option(None, "--dataset"),
                     cache: Path | None = CacheOption) -> None:  # fmt: skip
        """Re-hash every cached file (and check gzip CRCs); exit 1 if any is damaged."""
        results = Cache(cache).verify_all(dataset)
        bad = [(e, p) for e, p in results if p]
        for _e, problem in bad:
            err_console.print(f"[red]damaged:[/] {problem}", highlight=False, soft_wrap=True)
        console.print(f"{len(results) - len(bad)} of {len(results)} cached files intact")
        if bad:
            console.print("run 'clusteratlas cache clear --dataset D' or fetch with --refresh")
            raise SystemExit(1)

    @cache_app.command("clear")
    def cache_clear(dataset: str | None = typer.Option(None, "--dataset"),
                    cache: Path | None = CacheOption) -> None:  # fmt: skip
        """Remove cached downloads (of one dataset, or all)."""
        n = Cache(cache).clear(dataset)
        console.print(f"removed {n} cache entr{'y' if n == 1 else 'ies'}")
