"""``clusteratlas trends | related | complexity | emerging | partners | hotspots``.

Every command reads a *unit panel* the same way:

* ``--panel FILE`` (region, industry, year, employment), optionally summed into clusters with
  ``--clusters FILE`` or ``--scheme NAME`` (``eu-nace2``, ``eocic-emerging``, a scheme file);
* ``--store PATH --scheme NAME`` (clusters of a store scheme; ``--industries`` keeps the
  scheme's industries) with ``--dataset / --where / --measure`` as for ``clusteratlas map``.

Results are written atomically (CSV or Parquet by extension; JSON for ``partners`` and
``hotspots`` when ``--out`` ends in ``.json``) with a ``.provenance.json`` sidecar.
``docs/linkages.md`` defines every column.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer

from clusteratlas.cli.common import console, store_path
from clusteratlas.cli.engine_options import EngineOption, SparkMasterOption
from clusteratlas.cli.option_groups import option_group
from clusteratlas.errors import InputError


def _years(value: str, parameter: str = "--years") -> tuple[int, int]:
    start, sep, end = value.partition(":")
    try:
        years = (int(start), int(end))
    except ValueError:
        years = None
    if not sep or years is None or years[0] >= years[1]:
        raise InputError(f"expected START:END, e.g. 2010:2015, got {value!r}", parameter=parameter)
    return years


def _pairs(items: list[str] | None, parameter: str, number: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise InputError(f"expected NAME=VALUE, got {item!r}", parameter=parameter)
        if number:
            try:
                out[name.strip()] = float(value)
            except ValueError:
                raise InputError(
                    f"{name} must be a number, got {value!r}", parameter=parameter
                ) from None
        else:
            out[name.strip()] = Path(value.strip())
    return out


def _load(
    panel: Path | None,
    clusters: Path | None,
    scheme: str | None,
    store: Path | None,
    industries: bool,
    dataset: str | None,
    where: list[str] | None,
    measure: list[str] | None,
    total_industry: str | None = None,
    backend: Any = None,
    lazy: bool = False,
    years: list[int] | None = None,
) -> tuple[Any, str, dict[str, Any]]:
    """The unit panel, its unit column and the provenance inputs.

    With ``--panel`` the file is read, checked and summed into clusters on ``backend``
    (:func:`clusteratlas.linkages.api.unit_table`); ``lazy`` returns that
    :class:`~clusteratlas.linkages.api.UnitTable` as it is (for expressions run on the engine),
    otherwise the small region × unit × year frame (of ``years``) is collected.
    """
    from clusteratlas.linkages.api import store_unit_panel, unit_table

    if panel is not None:
        if store is not None:
            raise InputError("give --panel or --store, not both", parameter="--store")
        if clusters is not None and scheme is not None:
            raise InputError("give --clusters or --scheme, not both", parameter="--scheme")
        definitions = clusters if clusters is not None else scheme
        ut = unit_table(panel, definitions, total_industry=total_industry, backend=backend)
        inputs = list(ut.inputs)
        if clusters is not None:
            from clusteratlas.fileio import sha256_file

            inputs.append(
                {"role": "definitions", "path": str(clusters), "sha256": sha256_file(clusters)}
            )
        elif scheme is not None:
            inputs.append({"role": "definitions", "scheme": scheme})
        return (ut if lazy else ut.to_pandas(years)), ut.unit, {"inputs": inputs}
    if scheme is None:
        raise InputError(
            "give --panel FILE, or --store PATH with --scheme NAME", parameter="--panel"
        )
    table, unit, prov = store_unit_panel(
        store_path(store),
        scheme,
        clusters=not industries,
        dataset=dataset,
        where=where,
        measures=measure,
    )
    return table, unit, {"store": prov}


def _backend(src: PanelInput, engine: str | None, spark_master: str | None) -> Any:
    """The engine of ``--engine`` for a ``--panel`` input; ``None`` for the store (a DuckDB
    file, read by its own connection), refusing ``--engine spark`` there before any JVM
    starts."""
    from clusteratlas.cli.engine_options import backend_for
    from clusteratlas.engine import engine_name

    name = engine_name(engine)
    if src.panel is None:
        if name != "duckdb":
            raise InputError(
                "the store is a DuckDB file: read it with --engine duckdb, or give --panel "
                "files to Spark",
                parameter="--engine",
            )
        return None
    with console.status(f"starting {name}"):
        return backend_for(name, spark_master)


def _engine(backend: Any) -> str:
    """The engine name for the provenance record (the store is read by DuckDB)."""
    from clusteratlas.engine import engine_of

    return "duckdb" if backend is None else engine_of(backend)


def _record(command: str, source: dict[str, Any], options: dict[str, Any]) -> dict[str, Any]:
    from clusteratlas.store.provenance import build_record

    return build_record(command, options=options, **source)


def _write(frame, out: Path, record: dict[str, Any]) -> None:
    from clusteratlas.mapping.output import write_result

    write_result(frame, out, record)
    console.print(f"wrote {out} ({len(frame):,} rows, + .provenance.json)", highlight=False)


def _write_json(data: dict[str, Any], out: Path, record: dict[str, Any]) -> None:
    from clusteratlas.fileio import write_json_atomic

    write_json_atomic({**data, "provenance": record}, out)
    console.print(f"wrote {out}", highlight=False)


PANEL = typer.Option(None, "--panel", help="Panel file: region, industry, year, employment.")
CLUSTERS = typer.Option(None, "--clusters", help="Cluster definitions file (sums into clusters).")
SCHEME = typer.Option(
    None,
    "--scheme",
    help="Scheme: eu-nace2, eocic-emerging, a file, or a store scheme (with --store).",
)
STORE = typer.Option(None, "--store", help="Store file (with --scheme).")
INDUSTRIES = typer.Option(
    False, "--industries", help="With --store: the scheme's industries, not its clusters."
)
DATASET = typer.Option(None, "--dataset", help="Store dataset to use.")
WHERE = typer.Option(
    None, "--where", help="Keep observations with this dimension, e.g. age=Y15-64."
)
MEASURE = typer.Option(None, "--measure", help="Measure recipe, e.g. employment=THS*1000.")
TOTAL = typer.Option(
    None, "--total-industry", help="Industry code holding region totals (dropped)."
)


@dataclass(frozen=True)
class PanelInput:
    """Where the panel comes from: a file (with cluster definitions or a scheme) or a store."""

    panel: Path | None = PANEL
    clusters: Path | None = CLUSTERS
    scheme: str | None = SCHEME
    store: Path | None = STORE
    industries: bool = INDUSTRIES
    dataset: str | None = DATASET
    where: list[str] | None = WHERE
    measure: list[str] | None = MEASURE
    total_industry: str | None = TOTAL

    def load(
        self, backend: Any = None, *, lazy: bool = False, years: list[int] | None = None
    ) -> tuple[Any, str, dict[str, Any]]:
        """The unit panel, its unit column and the provenance inputs (see :func:`_load`)."""
        return _load(self.panel, self.clusters, self.scheme, self.store, self.industries,
                     self.dataset, self.where, self.measure, self.total_industry,
                     backend, lazy, years)  # fmt: skip


def register(app: typer.Typer) -> None:
    @app.command("complexity")
    @option_group("src", PanelInput)
    def complexity_command(
        out: Path = typer.Option(..., "--out", help="Result: .csv or .parquet."),
        year: list[int] | None = typer.Option(None, "--year", help="Only this year (repeatable)."),
        rca_threshold: float = typer.Option(1.0, "--rca-threshold", help="M = RCA >= this."),
        diagonal: str = typer.Option("one", "--diagonal", help="Proximity diagonal: one|zero."),
        ddof: int = typer.Option(0, "--ddof", help="Std of ECI/PCI/COI: 0 population, 1 sample."),
        density_scale: float = typer.Option(1.0, "--density-scale", help="1 (0-1) or 100."),
        opportunities_out: Path | None = typer.Option(
            None, "--opportunities-out", help="Also write growth opportunities (last year)."
        ),
        region: list[str] | None = typer.Option(
            None, "--region", help="Opportunities of these regions only (repeatable)."
        ),
        engine: str | None = EngineOption,
        spark_master: str | None = SparkMasterOption,
        *,
        src: PanelInput,
    ) -> None:
        """RCA, presence, relatedness density, ECI/PCI, COI/COG per region × industry."""
        from clusteratlas.linkages.api import complexity_table, opportunities_table
        from clusteratlas.linkages.complexity import ComplexityOptions
        from clusteratlas.mapping.output import output_format

        output_format(out)
        if opportunities_out is not None:
            output_format(opportunities_out, "--opportunities-out")
        if diagonal not in ("one", "zero"):
            raise InputError(f"must be one or zero, got {diagonal!r}", parameter="--diagonal")
        opts = ComplexityOptions(rca_threshold, diagonal, ddof, density_scale)
        backend = _backend(src, engine, spark_master)
        with console.status("reading the panel"):
            frame, unit, source = src.load(backend, years=year or None)
        with console.status("computing complexity"):
            table = complexity_table(frame, unit, year=year or None, options=opts)
        options = {"unit": unit, "year": year, **vars(opts), "engine": _engine(backend)}
        _write(table, out, _record("complexity", source, options))
        if opportunities_out is not None:
            last = max(year) if year else None
            opp = opportunities_table(frame, unit, year=last, regions=region or None, options=opts)
            _write(opp, opportunities_out, _record("complexity --opportunities", source, options))

    @app.command("related")
    @option_group("src", PanelInput)
    def related_command(
        out: Path = typer.Option(..., "--out", help="Pairs: .csv or .parquet."),
        method: str = typer.Option("colocation", "--method", help="colocation | proximity."),
        year: int | None = typer.Option(None, "--year", help="Year (default: the last)."),
        transform: str = typer.Option(
            "log", "--transform", help="Co-location: log|level|share|lq|log_nonzero."
        ),
        corr: str = typer.Option("pearson", "--corr", help="Co-location: pearson|spearman."),
        aggregate: str = typer.Option(
            "sum",
            "--aggregate",
            help="With clusters: sum (cluster employment) or bcr (mean of industry pairs).",
        ),
        links: list[str] | None = typer.Option(
            None, "--links", help="User link matrix NAME=FILE (a,b,value CSV; repeatable)."
        ),
        weight: list[str] | None = typer.Option(
            None, "--weight", help="Weight of a matrix, NAME=W (default 1 each)."
        ),
        engine: str | None = EngineOption,
        spark_master: str | None = SparkMasterOption,
        *,
        src: PanelInput,
    ) -> None:
        """Relatedness between industries or clusters, and the related-clusters network."""
        from clusteratlas.linkages.api import definitions_frame, related_pairs
        from clusteratlas.mapping.output import output_format

        output_format(out)
        if aggregate not in ("sum", "bcr"):
            raise InputError(f"must be sum or bcr, got {aggregate!r}", parameter="--aggregate")
        defs = None
        src_in = src
        if aggregate == "bcr":
            if src.clusters is None and src.scheme is None:
                raise InputError(
                    "--aggregate bcr needs --clusters or --scheme", parameter="--aggregate"
                )
            defs = definitions_frame(src.clusters if src.clusters is not None else src.scheme)
            scheme_in = None if src.store is None else src.scheme
            src_in = dataclasses.replace(src, clusters=None, scheme=scheme_in, industries=True)
        backend = _backend(src_in, engine, spark_master)
        with console.status("reading the panel"):
            if src_in.panel is not None:  # only the year used comes back from the engine
                ut, unit, source = src_in.load(backend, lazy=True)
                frame = ut.to_pandas([year if year is not None else max(ut.years())])
            else:
                frame, unit, source = src_in.load()
        with console.status(f"computing {method} relatedness"):
            pairs = related_pairs(
                frame,
                unit,
                method=method,
                year=year,
                transform=transform,
                corr=corr,
                links=_pairs(links, "--links", False),
                weights=_pairs(weight, "--weight", True),
                definitions=defs,
            )
        options = {
            "method": method,
            "unit": unit,
            "year": year,
            "transform": transform,
            "corr": corr,
            "aggregate": aggregate,
            "links": links,
            "weights": weight,
            "engine": _engine(backend),
        }
        _write(pairs, out, _record("related", source, options))
        n = pairs["link"].value_counts()
        console.print(
            f"{len(pairs):,} pairs: {n.get('strong', 0)} strong, "
            f"{n.get('weak', 0)} weak links kept",
            highlight=False,
        )

    @app.command("trends")
    @option_group("src", PanelInput)
    def trends_command(
        years: str = typer.Option(..., "--years", help="START:END, e.g. 2010:2015."),
        out: Path = typer.Option(..., "--out", help="Shift-share table: .csv or .parquet."),
        portfolio_out: Path | None = typer.Option(
            None, "--portfolio-out", help="Also write the portfolio table."
        ),
        dynamic_out: Path | None = typer.Option(
            None, "--dynamic-out", help="Also write dynamic shift-share."
        ),
        portfolio_measure: str = typer.Option("lq", "--portfolio-measure", help="lq | share."),
        engine: str | None = EngineOption,
        spark_master: str | None = SparkMasterOption,
        *,
        src: PanelInput,
    ) -> None:
        """Job creation vs the benchmark, shift-share (classic, Esteban-Marquillas, dynamic)
        and the cluster portfolio with its quadrants."""
        from clusteratlas.linkages.api import trends_tables
        from clusteratlas.mapping.output import output_format

        start, end = _years(years)
        for path, name in (
            (out, "--out"),
            (portfolio_out, "--portfolio-out"),
            (dynamic_out, "--dynamic-out"),
        ):
            if path is not None:
                output_format(path, name)
        backend = _backend(src, engine, spark_master)
        with console.status("reading the panel"):
            panel, unit, source = src.load(backend, lazy=True)
        with console.status("shift-share and portfolio"):
            tables = trends_tables(panel, unit, start, end, measure=portfolio_measure)
        options = {
            "unit": unit,
            "years": [start, end],
            "portfolio_measure": portfolio_measure,
            "engine": _engine(backend),
        }
        _write(tables["shift_share"], out, _record("trends", source, options))
        for key, path in (("portfolio", portfolio_out), ("dynamic", dynamic_out)):
            if path is not None:
                _write(tables[key], path, _record(f"trends {key}", source, options))

    @app.command("emerging")
    def emerging_command(
        years: str = typer.Option(..., "--years", help="START:END, e.g. 2010:2015."),
        out: Path = typer.Option(..., "--out", help="Result: .csv or .parquet."),
        panel: Path | None = PANEL,
        clusters: Path | None = CLUSTERS,
        scheme: str | None = typer.Option(
            None, "--scheme", help="Default with --panel: eocic-emerging (NACE Rev. 2 classes)."
        ),
        store: Path | None = STORE,
        industries: bool = INDUSTRIES,
        dataset: str | None = DATASET,
        where: list[str] | None = WHERE,
        measure: list[str] | None = MEASURE,
        total_industry: str | None = TOTAL,
        rising_quantile: float = typer.Option(0.9, "--rising-quantile"),
        density_quantile: float = typer.Option(0.75, "--density-quantile"),
    ) -> None:
        """Emerging specialisations: new LQ >= 1 entries, fast-rising LQ, high density."""
        from clusteratlas.linkages.emerging import SCHEME as EMERGING
        from clusteratlas.linkages.emerging import emerging_specialisations
        from clusteratlas.mapping.output import output_format

        start, end = _years(years)
        output_format(out)
        for value, name in (
            (rising_quantile, "--rising-quantile"),
            (density_quantile, "--density-quantile"),
        ):
            if not 0 < value < 1:
                raise InputError(f"must be in (0, 1), got {value}", parameter=name)
        if panel is not None and clusters is None and scheme is None:
            scheme = EMERGING
        with console.status("reading the panel"):
            frame, unit, source = _load(
                panel, clusters, scheme, store, industries, dataset, where, measure, total_industry
            )
        got = emerging_specialisations(
            frame,
            start,
            end,
            unit=unit,
            rising_quantile=rising_quantile,
            density_quantile=density_quantile,
        )
        options = {
            "unit": unit,
            "scheme": scheme,
            "years": [start, end],
            "rising_quantile": rising_quantile,
            "density_quantile": density_quantile,
        }
        _write(got, out, _record("emerging", source, options))

    @app.command("partners")
    @option_group("src", PanelInput)
    def partners_command(
        region: list[str] = typer.Option(..., "--region", help="Region; repeat for a partnership."),
        out: Path = typer.Option(..., "--out", help=".csv, .parquet or .json."),
        cluster: str | None = typer.Option(
            None, "--cluster", help="Only partners specialised in it."
        ),
        year: int | None = typer.Option(None, "--year", help="Year (default: the last)."),
        top: int = typer.Option(10, "--top", help="Partners of each kind."),
        *,
        src: PanelInput,
    ) -> None:
        """Similar and complementary regions in other countries, with reasons."""
        import pandas as pd

        from clusteratlas.linkages.matrix import year_matrices
        from clusteratlas.linkages.partners import PartnerFinder

        is_json = out.suffix.lower() == ".json"
        if not is_json:
            from clusteratlas.mapping.output import output_format

            output_format(out)
        with console.status("reading the panel"):
            frame, unit, source = src.load()
        y = year if year is not None else int(frame["year"].max())
        ym = next(year_matrices(frame, unit=unit, years=[y]))
        finder = PartnerFinder(ym.values, ym.regions, ym.units)
        options = {"unit": unit, "year": y, "cluster": cluster, "top": top, "regions": region}
        record = _record("partners", source, options)
        if len(region) > 1:
            result = finder.partnership(region, top=top)
            if is_json:
                _write_json(result, out, record)
            else:
                _write(pd.DataFrame(result["candidates"]), out, record)
            console.print(
                f"coverage {result['coverage']:.0%} of {len(result['needed'])} needed capabilities",
                highlight=False,
            )
            return
        parts = [
            finder.similar(region[0], cluster=cluster, top=top),
            finder.complementary(region[0], cluster=cluster, top=top),
        ]
        table = pd.concat(parts, ignore_index=True)
        table.insert(1, "year", y)
        if is_json:
            _write_json({"partners": table.to_dict(orient="records")}, out, record)
        else:
            _write(table, out, record)

    @app.command("hotspots")
    @option_group("src", PanelInput)
    def hotspots_command(
        cluster: str = typer.Option(..., "--cluster", help="Cluster or industry to map."),
        geometry: Path = typer.Option(..., "--geometry", help="GeoJSON (.gz) of the regions."),
        out: Path = typer.Option(..., "--out", help=".csv, .parquet or .json."),
        year: int | None = typer.Option(None, "--year", help="Year (default: the last)."),
        level: int | None = typer.Option(None, "--level", help="Keep features of this LEVL_CODE."),
        id_field: str = typer.Option("NUTS_ID", "--id-field", help="Region id property."),
        value: str = typer.Option("lq", "--value", help="lq | employment."),
        permutations: int = typer.Option(999, "--permutations"),
        seed: int = typer.Option(12345, "--seed"),
        alpha: float = typer.Option(0.05, "--alpha"),
        islands: str = typer.Option("nearest", "--islands", help="nearest | drop."),
        *,
        src: PanelInput,
    ) -> None:
        """Cross-border hot spots of a cluster by local Moran's I (LISA)."""
        import pandas as pd

        from clusteratlas.linkages.complexity import rca
        from clusteratlas.linkages.hotspots import lisa_hotspots, read_geometries
        from clusteratlas.linkages.matrix import year_matrices

        if value not in ("lq", "employment"):
            raise InputError(f"must be lq or employment, got {value!r}", parameter="--value")
        with console.status("reading the panel"):
            frame, unit, source = src.load()
        y = year if year is not None else int(frame["year"].max())
        ym = next(year_matrices(frame, unit=unit, years=[y]))
        where_unit = [i for i, u in enumerate(ym.units) if u == cluster]
        if not where_unit:
            raise InputError(f"no {unit} {cluster!r} in {y}", parameter="--cluster")
        j = where_unit[0]
        v = rca(ym.values)[:, j] if value == "lq" else ym.values[:, j]
        geoms = read_geometries(geometry, id_field=id_field, level=level)
        with console.status("local Moran's I"):
            res = lisa_hotspots(
                pd.Series(v, index=ym.regions),
                geoms,
                permutations=permutations,
                seed=seed,
                alpha=alpha,
                islands=islands,
            )
        options = {
            "unit": unit,
            "cluster": cluster,
            "year": y,
            "value": value,
            "permutations": permutations,
            "seed": seed,
            "alpha": alpha,
            "islands": islands,
            "geometry": str(geometry),
        }
        record = _record("hotspots", source, options)
        if out.suffix.lower() == ".json":
            _write_json(res.as_dict(), out, record)
        else:
            _write(res.table, out, record)
        cross = sum(z["cross_border"] for z in res.zones)
        console.print(
            f"{(res.table.label == 'HH').sum()} hot-spot regions in "
            f"{len(res.zones)} zones ({cross} cross-border)",
            highlight=False,
        )
