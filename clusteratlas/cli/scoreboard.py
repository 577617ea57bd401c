"""``clusteratlas scoreboard``: score regions on a composite-indicator framework.

    clusteratlas scoreboard --framework FILE.yaml --data FILE.csv --out scores.csv
        [--year Y|Y1-Y2] [--denominators FILE] [--groups FILE] [--impute ...] [--treat ...]
        [--normalise ...] [--aggregate ... [--power P]] [--peers R1,R2] [--uncertainty N]
        [--strengths REGION] [--coverage] [--report FILE]
        [--edition open-data [--edition-data DIR] [--edition-out-dir DIR]]
        [--engine duckdb|spark [--spark-master URL]]

Writes ``scores.csv`` (``region, year, node, level, score, rank`` [+ rank bands]) and
``scores.csv.provenance.json`` (the provenance record with the pipeline log), both atomically.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from clusteratlas.cli.common import console, err_console
from clusteratlas.cli.engine_options import EngineOption, SparkMasterOption, backend_for
from clusteratlas.cli.options import (
    AggregateChoice,
    ImputeChoice,
    NormaliseChoice,
    TreatChoice,
    WeightsChoice,
    hidden_alias,
    parse_years,
    pick,
)
from clusteratlas.engine import engine_name
from clusteratlas.errors import InputError


def _range(text: str) -> tuple[float, float]:
    try:
        lo, hi = (float(v) for v in text.split(","))
    except ValueError:
        raise InputError(
            f"expected LO,HI (e.g. 1,100), got {text!r}", parameter="--range"
        ) from None
    return lo, hi


def _print_frame(
    title: str, frame: pd.DataFrame, columns: list[str], no_wrap: tuple[str, ...] = ("flag",)
) -> None:
    t = Table(title=title)
    for c in columns:
        t.add_column(c, overflow="fold", no_wrap=c in no_wrap)
    for row in frame[columns].itertuples(index=False):
        t.add_row(
            *["" if pd.isna(v) else (f"{v:.4g}" if isinstance(v, float) else str(v)) for v in row]
        )
    console.print(t)


def _coverage(fw, sd, coverage, report: Path | None) -> None:
    from clusteratlas.scoreboard.coverage import coverage_report
    from clusteratlas.scoreboard.tables import write_csv_atomic

    cov = coverage if coverage is not None else coverage_report(fw, sd)
    shown = cov.assign(data=cov["with_data"].astype(str) + "/" + cov["indicators"].astype(str))
    years_col = "reference_years" if "reference_years" in cov.columns else "years"
    shown[years_col] = shown[years_col].fillna("")
    _print_frame(
        f"coverage of {fw.name}",
        shown,
        ["dimension", "name", "status", "data", "regions_any", "regions_all", years_col],
        no_wrap=("dimension", "status", years_col),
    )
    for row in cov[cov["note"] != ""].itertuples(index=False):
        console.print(f"  {row.dimension}: {row.note}", soft_wrap=True, highlight=False)
    if report is not None:
        write_csv_atomic(cov, report)
        console.print(f"wrote {report}")


def _print_strengths(rd, yr: int, top: int) -> None:
    who = f"[bold]{rd.label}[/] ({'+'.join(rd.members)}) {yr}"
    console.print(f"{who}, peers {rd.peers_source}: {', '.join(rd.peers)}")
    _print_frame(
        "strengths and bottlenecks (relative score = 100 × score / peers' mean)",
        rd.flags[rd.flags["flag"] != ""],
        ["flag", "level", "node", "name", "score", "peer_mean", "relative", "reason"],
    )
    _print_frame(
        f"top-{top} / bottom-{top} indicators by rank among all regions",
        rd.top_bottom,
        ["side", "node", "name", "score", "rank", "of"],
    )


def _print_joint(res, joint: str, joint_out: Path | None, yr: int) -> None:
    from clusteratlas.scoreboard import reading
    from clusteratlas.scoreboard.tables import write_csv_atomic

    matrix, peer_map, left_out = reading.joint_challenges_for(
        res.table(yr),
        res.run.framework,
        reading.parse_entities(joint),
        structure=res.structure,
        weights=res.structure_weights,
        member_weights=res.member_weights,
    )
    console.print(
        f"[bold]joint challenges {yr}[/] (B = bottleneck, S = strength, each vs own peers)"
    )
    shown = matrix.drop(columns=["name", "level"]).replace("", "·")
    console.print(shown.to_string(index=False), soft_wrap=True, highlight=False)
    for label, used in peer_map.items():
        console.print(f"  peers of {label}: {', '.join(used)}", soft_wrap=True, highlight=False)
    if left_out:
        console.print(f"not scored (no data): {', '.join(left_out)}")
    if joint_out is not None:
        write_csv_atomic(matrix, joint_out)
        console.print(f"wrote {joint_out}")


def register(app: typer.Typer) -> None:
    @app.command("scoreboard")
    def scoreboard(
        framework: Path | None = typer.Option(
            None,
            "--framework",
            help="Framework YAML (index → dimensions → sub-dimensions → indicators).",
        ),
        data: Path | None = typer.Option(
            None, "--data", help="CSV: region, year, indicator, value."
        ),
        out: Path | None = typer.Option(
            None,
            "--out",
            help="Scores CSV to write (a .provenance.json sidecar is written beside it).",
        ),
        year: str | None = typer.Option(
            None, "--year", help="Score these years only: YYYY or YYYY-YYYY (default: all)."
        ),
        denominators: Path | None = typer.Option(
            None, "--denominators", help="CSV: region, year, denominator, value."
        ),
        groups: Path | None = typer.Option(
            None, "--groups", help="CSV: region, group (for group imputation)."
        ),
        impute: ImputeChoice = typer.Option(ImputeChoice.none, "--impute", help="Imputation."),
        max_gap: int | None = typer.Option(
            None, "--max-gap", help="Panel imputation: at most this many years."
        ),
        treat: TreatChoice = typer.Option(
            TreatChoice.none,
            "--treat",
            help="Outliers: none, coinr (winsorise, else log), ris (cap ±3 SD, power if skew > 1).",
        ),
        winmax: int = typer.Option(
            5, "--winmax", help="COINr treatment: at most this many points winsorised."
        ),
        normalise: NormaliseChoice = typer.Option(
            NormaliseChoice.minmax, "--normalise", help="Normalisation."
        ),
        range_: str = typer.Option(
            "0,100", "--range", help="Output range LO,HI of bounded normalisations."
        ),
        global_: bool = typer.Option(
            False, "--global", help="Normalise over all years pooled (comparable over time)."
        ),
        reference: str | None = typer.Option(
            None, "--reference", help="Reference region for dist2ref."
        ),
        weights: WeightsChoice = typer.Option(
            WeightsChoice.given, "--weights", help="given, or balanced (correlation-balanced)."
        ),
        aggregate: AggregateChoice | None = typer.Option(
            None, "--aggregate", help="Aggregation of nodes that name none (see --override)."
        ),
        power: float | None = typer.Option(
            None, "--power", help="Exponent p of --aggregate generalised (2: quadratic mean)."
        ),
        override: bool = typer.Option(
            False, "--override", help="Apply --aggregate to every node, whatever it names."
        ),
        min_share: float = typer.Option(
            0.5, "--min-share", help="Share of a node's children needed to score it."
        ),
        peers: str | None = typer.Option(
            None, "--peers", help="Up to 10 peer regions R1,R2,... (default: structurally similar)."
        ),
        structure: Path | None = typer.Option(
            None, "--structure", help="CSV: region + structural variables for default peers."
        ),
        strengths: str | None = typer.Option(
            None, "--strengths", help="Print strengths and bottlenecks of REGION."
        ),
        top: int = typer.Option(5, "--top", help="Top-N / bottom-N list length."),
        coverage_flag: bool = typer.Option(
            False, "--coverage", help="Print indicators per dimension, regions and years."
        ),
        report: Path | None = typer.Option(
            None, "--report", help="Write the coverage report to this CSV (implies --coverage)."
        ),
        edition: str | None = typer.Option(
            None,
            "--edition",
            help="open-data: build the open-data edition (framework + data) from shared data.",
        ),
        edition_data: Path | None = typer.Option(
            None, "--edition-data", help="Folder of the shared data (default ../shared/data)."
        ),
        edition_clusters: Path | None = typer.Option(
            None,
            "--edition-clusters",
            help="Cluster-mapping output (region, year, value: share of employment in strong "
            "clusters) to score 'Entrepreneurial conditions' in the open-data edition.",
        ),
        edition_out_dir: Path | None = typer.Option(
            None, "--edition-out-dir", help="Write the edition's framework, data and reports here."
        ),
        edition_out_old: Path | None = hidden_alias("--edition-out"),
        joint: str | None = typer.Option(
            None,
            "--joint",
            help="Joint-challenges matrix of regions: eocic-pilot, or Name=A+B,C,... "
            "(each against its default peers).",
        ),
        joint_out: Path | None = typer.Option(None, "--joint-out", help="Write the matrix as CSV."),
        uncertainty: int = typer.Option(
            0,
            "--uncertainty",
            help="Monte Carlo draws over the method choices (adds rank_p05/median/p95).",
        ),
        sensitivity: int = typer.Option(
            0, "--sensitivity", help="Saltelli base samples for Sobol indices of each choice."
        ),
        seed: int = typer.Option(1, "--seed", help="Random seed of --uncertainty/--sensitivity."),
        engine: str | None = EngineOption,
        spark_master: str | None = SparkMasterOption,
    ) -> None:
        """Score regions on a framework: pipeline, ranks, strengths/bottlenecks, uncertainty."""
        from clusteratlas.scoreboard import api, results
        from clusteratlas.scoreboard.framework import load_framework
        from clusteratlas.scoreboard.tables import parse_region_list

        edition_out = pick(
            edition_out_dir, edition_out_old, new_name="--edition-out-dir", old_name="--edition-out"
        )
        if report is not None and report.suffix == "" and report.name == "coverage":
            # the old spelling --report coverage (a kind of report, not a file)
            err_console.print("note: --report coverage is now --coverage", highlight=False)
            report, coverage_flag = None, True
        span = parse_years(year)
        structure_weights: dict[str, float] | None = None
        member_weights: dict[str, float] | None = None
        structure_table = structure
        coverage = None
        if edition is not None:
            if edition != "open-data":
                raise InputError(
                    f"unknown edition {edition!r}; available: open-data", parameter="--edition"
                )
            from clusteratlas.scoreboard.edition import STRUCTURE_WEIGHTS, build_open_data_edition

            ed = build_open_data_edition(edition_data, clusters=edition_clusters)
            fw, sd, coverage = ed.framework, ed.data, ed.coverage
            if structure_table is None:
                structure_table, structure_weights = ed.structure, STRUCTURE_WEIGHTS
            member_weights = ed.population.to_dict()
            if span is None:
                span = (ed.year, ed.year)
            if edition_out is not None:
                written = ed.write(edition_out)
                console.print(f"wrote the edition to {edition_out} ({len(written)} files)")
        else:
            if framework is None or data is None:
                raise InputError(
                    "--framework and --data are required (or --edition open-data)",
                    parameter="--framework",
                )
            fw = load_framework(framework)
            with console.status(f"reading the data ({engine_name(engine)})"):
                sd = api.score_data(
                    fw, data, denominators, groups, backend=backend_for(engine, spark_master)
                )

        if coverage_flag or report is not None:
            _coverage(fw, sd, coverage, report)
        if out is None and strengths is None and joint is None:
            if not (coverage_flag or report is not None or edition_out is not None):
                raise InputError(
                    "give --out FILE.csv (or --strengths REGION / --joint / --coverage)",
                    parameter="--out",
                )
            return

        progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        with progress:
            task = progress.add_task(
                "Monte Carlo draws", total=uncertainty or 1, visible=uncertainty > 0
            )
            res = api.score(
                fw,
                sd,
                year=span,
                uncertainty=uncertainty,
                sensitivity=sensitivity,
                seed=seed,
                progress=lambda n: progress.advance(task, n),
                impute=impute.value,
                max_gap=max_gap,
                treat=treat.value,
                winmax=winmax,
                normalise=normalise.value,
                normalise_range=_range(range_),
                normalise_scope="global" if global_ else "year",
                reference=reference,
                weights=weights.value,
                aggregate=aggregate.value if aggregate is not None else None,
                power=power,
                override=override,
                min_share=min_share,
                structure=structure_table,
                structure_weights=structure_weights,
                member_weights=member_weights,
            )
        if out is not None:
            side = res.write(out)
            console.print(f"wrote {out} ({len(res.scores):,} rows) and {side}")
        if res.sensitivity is not None:
            _print_frame(
                "Sobol indices on the mean absolute rank shift of the index",
                res.sensitivity,
                ["factor", "first_order", "total", "total_p05", "total_p95"],
            )
        yr = res.year
        if strengths is not None:
            chosen = parse_region_list(peers, "--peers", results.MAX_USER_PEERS)
            _print_strengths(res.reading(strengths, chosen or None, year=yr, top=top), yr, top)
        if joint is not None:
            _print_joint(res, joint, joint_out, yr)
