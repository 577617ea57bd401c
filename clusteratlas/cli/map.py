"""``clusteratlas map``: the cluster table (LQ, shares, wages, stars, strong clusters).

Two ways in:

* from the store — ``clusteratlas map --scheme SCHEME [--dataset D --where K=V
  --measure employment=SRC*FACTOR] --out FILE``;
* from files — ``clusteratlas map --panel PANEL --clusters DEFINITIONS --out FILE``.

The result is written atomically as CSV or Parquet (by extension) with a
``FILE.provenance.json`` sidecar; ``docs/methodology.md`` defines every column. With
``--save`` the cluster table, region cluster strength and trends also go into the store's
atlas tables (keyed by scheme, region system and year, with the provenance record), where
``clusteratlas serve --store`` reads them (``docs/atlas.md``).

Options follow the CLI conventions (:mod:`clusteratlas.cli.options`): ``--where`` (old
``--filter``), ``--year YYYY`` or ``YYYY-YYYY``, ``--lq-base`` and ``--group-by`` as choices
(``--group-by`` was ``--level``, which now always means a region level; the old spelling is a
hidden alias for one release). Errors from the mapping name Python parameters; the app prints
them as flags through :mod:`clusteratlas.cli.params`.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer

from clusteratlas.cli.common import console, store_path
from clusteratlas.cli.engine_options import EngineOption, SparkMasterOption, backend_for
from clusteratlas.cli.options import (
    FilterAlias,
    LqBase,
    LqBaseOption,
    StoreOption,
    WhereOption,
    YearOption,
    hidden_alias,
    out_file,
    parse_years,
    pick,
    where_filters,
)
from clusteratlas.engine import engine_name
from clusteratlas.errors import InputError
from clusteratlas.mapping.output import output_format, write_result
from clusteratlas.mapping.strength import Thresholds


class Grouping(StrEnum):
    """How regions are grouped for benchmarks and percentile cut-offs."""

    nuts = "nuts"
    none = "none"
    column = "column"


def _thresholds(items: list[str] | None) -> Thresholds:
    values: dict[str, float] = {}
    known = Thresholds().as_dict()
    for item in items or []:
        name, sep, text = item.partition("=")
        name = name.strip().replace("-", "_")
        if not sep or name not in known:
            raise InputError(
                f"expected NAME=VALUE with NAME one of {', '.join(known)}, got {item!r}",
                parameter="--threshold",
            )
        try:
            values[name] = float(text)
        except ValueError:
            raise InputError(
                f"{name} must be a number, got {text!r}", parameter="--threshold"
            ) from None
    return Thresholds(**values)


def _derived_tables(result, span: tuple[int, int] | None, backend=None) -> dict[str, object]:
    """Region cluster strength and (optionally) the trends table, from the cluster table: a
    DataFrame (pandas API, provenance in attrs) or an Ibis table on ``backend`` (such as the
    Parquet the engine wrote)."""
    import ibis

    if not isinstance(result, ibis.Table):
        from clusteratlas.mapping import cluster_strength, trends

        out = {"strength": cluster_strength(result)}
        if span is not None:
            have = set(result["year"].unique())
            missing = [y for y in span if y not in have]
            if missing:
                raise InputError(f"the panel has no year {missing[0]}", parameter="--trends")
            out["trends"] = trends(result, *span)
        return out
    from clusteratlas.mapping.growth import trends_table
    from clusteratlas.mapping.strength import region_cluster_strength

    have = set(result.select("year").distinct().to_pandas()["year"])
    strength = region_cluster_strength(result).order_by("year", "region")
    out = {"strength": backend.to_pandas(strength)}
    if span is not None:
        missing = [y for y in span if y not in have]
        if missing:
            raise InputError(f"the panel has no year {missing[0]}", parameter="--trends")
        out["trends"] = backend.to_pandas(trends_table(result, *span).order_by("region", "cluster"))
    return out


def _parse_trends(value: str | None) -> tuple[int, int] | None:
    """``--trends START:END`` (or ``START-END``, the ``--year`` range spelling)."""
    if value is None:
        return None
    span = parse_years(value, "--trends")
    if span is None or span[0] >= span[1]:
        raise InputError(
            f"expected START:END years with START < END, e.g. 2010:2015, got {value!r}",
            parameter="--trends",
        )
    return span


def _years(value: str | None) -> list[int] | None:
    span = parse_years(value, "--year")
    return None if span is None else list(range(span[0], span[1] + 1))


def _engine_summary(summary: dict, written: list[Path]) -> None:
    years = f"{summary['first_year']}–{summary['last_year']}"
    console.print(
        f"[bold]{summary['cells']:,}[/] cells: {summary['regions']:,} regions × "
        f"{summary['clusters']} clusters, {years}",
        highlight=False,
    )
    console.print(
        f"strong {summary['strong']:,} (strong10 {summary['strong10']:,}); stars 1/2/3: "
        f"{summary['stars1']:,} / {summary['stars2']:,} / {summary['stars3']:,}",
        highlight=False,
    )
    for path in written:
        console.print(f"wrote {path} (+ .provenance.json)", highlight=False)


def _summary(result, written: list[Path]) -> None:
    n_regions = result["region"].nunique()
    n_clusters = result["cluster"].nunique()
    years = sorted(result["year"].unique())
    span = f"{years[0]}–{years[-1]}" if len(years) > 1 else (str(years[0]) if years else "-")
    stars = result["stars"].value_counts().reindex([1, 2, 3], fill_value=0)
    console.print(
        f"[bold]{len(result):,}[/] cells: {n_regions:,} regions × {n_clusters} clusters, {span}",
        highlight=False,
    )
    console.print(
        f"strong {int(result['strong'].sum()):,} (strong10 {int(result['strong10'].sum()):,}); "
        f"stars 1/2/3: {stars[1]:,} / {stars[2]:,} / {stars[3]:,}",
        highlight=False,
    )
    for path in written:
        console.print(f"wrote {path} (+ .provenance.json)", highlight=False)


def _save(result, store, scheme, clusters, region_system) -> tuple[Path, str, str]:
    """``--save``: the results into the store's atlas tables (see docs/atlas.md)."""
    from clusteratlas.atlas.results import save_mapping
    from clusteratlas.store import Store

    provenance = result.attrs.get("provenance", {})
    if region_system is None:
        systems = provenance.get("options", {}).get("region_systems") or []
        if len(systems) > 1:
            raise InputError(
                f"the panel mixes region systems {systems}: give one", parameter="--region-system"
            )
        region_system = systems[0] if systems else "user"
    name = scheme if scheme is not None else Path(clusters).stem
    path = store_path(store)
    with Store(path) as st:
        save_mapping(st, result, scheme=name, region_system=region_system, provenance=provenance)
    return path, name, region_system


def register(app: typer.Typer) -> None:
    @app.command("map")
    def map_command(
        out: Path = out_file("Result file: .csv or .parquet.", required=True),
        store: Path | None = StoreOption,
        scheme: str | None = typer.Option(
            None, "--scheme", help="Cluster scheme in the store.", show_default=False
        ),
        panel: Path | None = typer.Option(
            None,
            "--panel",
            help="Panel file (region, industry, year, employment, ...).",
            show_default=False,
        ),
        clusters: Path | None = typer.Option(
            None, "--clusters", help="Cluster definitions file (with --panel).", show_default=False
        ),
        year: str | None = YearOption,
        lq_base: LqBase = LqBaseOption,
        benchmark: Path | None = typer.Option(
            None,
            "--benchmark",
            help="External benchmark file: cluster, year, employment; a '*' row holds the "
            "all-industry total (needed by --lq-base total when the panel holds industries "
            "outside the scheme).",
            show_default=False,
        ),
        dataset: str | None = typer.Option(
            None, "--dataset", help="Store dataset to use.", show_default=False
        ),
        where: list[str] = WhereOption,
        old_filter: list[str] = FilterAlias,
        measure: list[str] | None = typer.Option(
            None, "--measure", help="Measure recipe, e.g. employment=THS*1000.", show_default=False
        ),
        total_industry: str | None = typer.Option(
            None,
            "--total-industry",
            help="Industry code holding region totals (e.g. TOTAL).",
            show_default=False,
        ),
        group_by: Grouping | None = typer.Option(
            None,
            "--group-by",
            help="How regions are grouped for benchmarks and percentiles: nuts (NUTS level), "
            "none (one group) or column (the panel's level column). Default: automatic.",
            case_sensitive=False,
            show_default=False,
        ),
        old_level: Grouping | None = hidden_alias("--level", case_sensitive=False),
        threshold: list[str] | None = typer.Option(
            None,
            "--threshold",
            help="Override a threshold, e.g. star_lq=1.5 (repeatable).",
            show_default=False,
        ),
        strength_out: Path | None = typer.Option(
            None,
            "--strength-out",
            help="Also write region cluster strength to this file.",
            show_default=False,
        ),
        trends_years: str | None = typer.Option(
            None,
            "--trends",
            help="Years START:END for the trends table (with --trends-out).",
            show_default=False,
        ),
        trends_out: Path | None = typer.Option(
            None,
            "--trends-out",
            help="Write growth, LQ change and shift-share to this file.",
            show_default=False,
        ),
        save: bool = typer.Option(
            False,
            "--save",
            help="Also save the cluster table, strength and trends (first to last year) "
            "into the store's atlas tables, keyed by scheme, region system and year.",
        ),
        region_system: str | None = typer.Option(
            None,
            "--region-system",
            help="With --save: the region system to file the results under (default: the "
            "dataset's, or 'user' for --panel).",
        ),
        microdata: bool | None = typer.Option(
            None,
            "--microdata/--no-microdata",
            help="--panel holds establishment records (region, industry, year, employment"
            "[, establishment_id, payroll]) to aggregate; default: when it has establishment_id.",
            show_default=False,
        ),
        engine: str | None = EngineOption,
        spark_master: str | None = SparkMasterOption,
    ) -> None:
        """Map clusters: employment, LQ, shares, wages, stars and strong flags per region."""
        from clusteratlas.mapping.api import map_panel, map_store

        output_format(out, "--out")
        if strength_out is not None:
            output_format(strength_out, "--strength-out")
        span = _parse_trends(trends_years)
        if (span is None) != (trends_out is None):
            raise InputError("--trends and --trends-out go together", parameter="--trends")
        if trends_out is not None:
            output_format(trends_out, "--trends-out")
        level = pick(group_by, old_level, new_name="--group-by", old_name="--level")
        where_items = where_filters(where, old_filter)
        options = dict(
            year=_years(year),
            lq_base=lq_base,
            benchmark=benchmark,
            thresholds=_thresholds(threshold),
            level=level,
            total_industry=total_industry,
        )
        with console.status("mapping clusters") as spinner:

            def status(message: str) -> None:
                spinner.update(message)

            if panel is not None or clusters is not None:
                if panel is None or clusters is None:
                    missing = "--clusters" if panel is not None else "--panel"
                    raise InputError("--panel and --clusters go together", parameter=missing)
                if scheme is not None or dataset is not None or where_items or measure:
                    raise InputError(
                        "--scheme/--dataset/--where/--measure read the store; with --panel "
                        "the definitions come from --clusters",
                        parameter="--scheme",
                    )
                status(f"starting {engine_name(engine)}")
                backend = backend_for(engine, spark_master)
                if output_format(out, "--out") == "parquet":  # the engine writes it
                    _map_to_parquet(
                        panel,
                        clusters,
                        out,
                        backend,
                        options,
                        microdata,
                        span,
                        status,
                        strength_out,
                        trends_out,
                    )
                    return
                result = map_panel(
                    panel,
                    clusters,
                    status=status,
                    backend=backend,
                    microdata=microdata,
                    **options,
                )
            else:
                if engine_name(engine) != "duckdb":
                    raise InputError(
                        "the store is a DuckDB file: map it with --engine duckdb, or map "
                        "--panel files on Spark",
                        parameter="--engine",
                    )
                if microdata:
                    raise InputError("--microdata goes with --panel", parameter="--microdata")
                if scheme is None:
                    raise InputError(
                        "give --scheme (store) or --panel and --clusters (files)",
                        parameter="--scheme",
                    )
                result = map_store(
                    store_path(store),
                    scheme,
                    dataset=dataset,
                    where=where_items,
                    measures=measure,
                    status=status,
                    **options,
                )
            derived = {}
            if strength_out is not None or trends_out is not None:
                status("region cluster strength and trends")
                derived = _derived_tables(result, span)  # errors before anything is written
            status(f"writing {out}")
            write_result(result, out, result.attrs.get("provenance", {}))
            written = [out]
            for key, path in (("strength", strength_out), ("trends", trends_out)):
                if path is not None:
                    frame = derived[key]
                    write_result(frame, path, frame.attrs.get("provenance", {}))
                    written.append(path)
        if save:
            saved = _save(result, store, scheme, clusters, region_system)
            console.print(
                f"saved into the atlas tables of {saved[0]} as {saved[1]} / {saved[2]}",
                highlight=False,
            )
        _summary(result, written)

    def _map_to_parquet(
        panel, clusters, out, backend, options, microdata, span, status, strength_out, trends_out
    ) -> None:
        from clusteratlas.engine import read_parquet
        from clusteratlas.mapping.engine_output import map_panel_to_parquet

        record = map_panel_to_parquet(
            panel, clusters, out, backend=backend, microdata=microdata, status=status, **options
        )
        written = [out]
        if strength_out is not None or trends_out is not None:
            status("region cluster strength and trends")
            derived = _derived_tables(read_parquet(backend, out), span, backend)
            for key, path in (("strength", strength_out), ("trends", trends_out)):
                if path is not None:
                    extra = {"table": key, "trends": list(span) if key == "trends" else None}
                    write_result(derived[key], path, {**record, **extra})
                    written.append(path)
        _engine_summary(record["summary"], written)
