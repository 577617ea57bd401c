"""``clusteratlas scoreboard``: score regions on a composite-indicator framework.

    clusteratlas scoreboard --framework FILE.yaml --data FILE.csv --out scores.csv
        [--year Y] [--denominators FILE] [--groups FILE] [--impute ...] [--treat ...]
        [--normalise ...] [--aggregate ...] [--peers R1,R2] [--uncertainty N]
        [--strengths REGION] [--report coverage] [--edition open-data [--edition-data DIR]]

Writes ``scores.csv`` (``region, year, node, level, score, rank`` [+ rank bands]) and
``scores.provenance.json`` (the pipeline log), both atomically.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from clusteratlas.cli.common import console
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
        year: int | None = typer.Option(
            None, "--year", help="Score this year only (default: every year in the data)."
        ),
        denominators: Path | None = typer.Option(
            None, "--denominators", help="CSV: region, year, denominator, value."
        ),
        groups: Path | None = typer.Option(
            None, "--groups", help="CSV: region, group (for group imputation)."
        ),
        impute: str = typer.Option(
            "none",
            "--impute",
            help="none|mean|median|group-mean|group-median|panel-last|panel-linear",
        ),
        max_gap: int | None = typer.Option(
            None, "--max-gap", help="Panel imputation: at most this many years."
        ),
        treat: str = typer.Option(
            "none",
            "--treat",
            help="none|coinr (winsorise, else log)|ris (cap ±3 SD, power if skew > 1)",
        ),
        winmax: int = typer.Option(
            5, "--winmax", help="COINr treatment: at most this many points winsorised."
        ),
        normalise: str = typer.Option(
            "minmax",
            "--normalise",
            help="minmax|zscore|rank|prank|borda|fracmax|dist2max|dist2ref|dist2target|goalposts|none",
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
        weights: str = typer.Option(
            "given", "--weights", help="given|balanced (correlation-balanced)"
        ),
        aggregate: str | None = typer.Option(
            None,
            "--aggregate",
            help="arithmetic|geometric|harmonic|generalised|copeland for nodes that name none.",
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
        report: str | None = typer.Option(
            None, "--report", help="coverage: print indicators per dimension, regions and years."
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
        edition_out: Path | None = typer.Option(
            None, "--edition-out", help="Write the edition's framework, data and reports here."
        ),
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
        seed: int = typer.Option(1, "--seed"),
    ) -> None:
        """Score regions on a framework: pipeline, ranks, strengths/bottlenecks, uncertainty."""
        from clusteratlas.scoreboard import api, reading, results
        from clusteratlas.scoreboard.framework import load_framework
        from clusteratlas.scoreboard.pipeline import ScoreboardData
        from clusteratlas.scoreboard.tables import (
            parse_region_list,
            read_structure_csv,
            write_csv_atomic,
        )

        structure_table = read_structure_csv(structure) if structure is not None else None
        structure_weights: dict[str, float] | None = None
        member_weights: dict[str, float] | None = None
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
            if year is None:
                year = ed.year
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
            sd = ScoreboardData.from_files(data, denominators, groups)

        if report is not None and report != "coverage":
            raise InputError(
                f"unknown report {report!r}; available: coverage", parameter="--report"
            )
        if report == "coverage":
            from clusteratlas.scoreboard.coverage import coverage_report

            cov = coverage if coverage is not None else coverage_report(fw, sd)
            shown = cov.assign(
                data=cov["with_data"].astype(str) + "/" + cov["indicators"].astype(str)
            )
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
        if out is None and strengths is None and joint is None:
            if report is None and edition_out is None:
                raise InputError(
                    "give --out FILE.csv (or --strengths REGION / --joint / --report coverage)",
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
                year=year,
                uncertainty=uncertainty,
                sensitivity=sensitivity,
                seed=seed,
                progress=lambda n: progress.advance(task, n),
                impute=impute,
                max_gap=max_gap,
                treat=treat,
                winmax=winmax,
                normalise=normalise,
                normalise_range=_range(range_),
                normalise_scope="global" if global_ else "year",
                reference=reference,
                weights=weights,
                aggregate=aggregate,
                min_share=min_share,
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
        yr = (
            year
            if year is not None
            else int(res.run.aggregated.index.get_level_values("year").max())
        )
        table = res.run.aggregated.xs(yr, level="year")
        if strengths is not None:
            rd = reading.read_region(
                table,
                res.run.framework,
                strengths,
                peers=parse_region_list(peers, "--peers", results.MAX_USER_PEERS),
                structure=structure_table,
                weights=structure_weights,
                member_weights=member_weights,
                top=top,
            )
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
        if joint is not None:
            matrix, peer_map, left_out = reading.joint_challenges_for(
                table,
                res.run.framework,
                reading.parse_entities(joint),
                structure=structure_table,
                weights=structure_weights,
                member_weights=member_weights,
            )
            console.print(
                f"[bold]joint challenges {yr}[/] (B = bottleneck, S = strength, each vs own peers)"
            )
            shown = matrix.drop(columns=["name", "level"]).replace("", "·")
            console.print(shown.to_string(index=False), soft_wrap=True, highlight=False)
            for label, used in peer_map.items():
                console.print(
                    f"  peers of {label}: {', '.join(used)}", soft_wrap=True, highlight=False
                )
            if left_out:
                console.print(f"not scored (no data): {', '.join(left_out)}")
            if joint_out is not None:
                write_csv_atomic(matrix, joint_out)
                console.print(f"wrote {joint_out}")
