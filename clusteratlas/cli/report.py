"""``clusteratlas report region CODE | briefing DIR | joint CODES --store PATH --out FILE``.

Reports (docs/reports.md) are made from an atlas store, as PDF or self-contained HTML (by the
``--out`` suffix). Rendering shows Rich progress; the file is written under a temporary name
and renamed, so an error leaves nothing half-written at ``--out``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from clusteratlas.cli.common import console, store_path
from clusteratlas.cli.options import StoreOption
from clusteratlas.errors import InputError

report_app = typer.Typer(help="Region profiles, policy briefings and joint-challenges reports.")

OutOption = typer.Option(..., "--out", help="Report file: FILE.pdf or FILE.html.")
YearOption = typer.Option(None, "--year", help="Year of the numbers (default: the latest).")


def register(app: typer.Typer) -> None:
    app.add_typer(report_app, name="report")


def _atlas(store: Path | None) -> Any:
    from clusteratlas.atlas.service import Atlas
    from clusteratlas.errors import StoreError

    path = store_path(store)
    try:
        return Atlas.open(path)
    except StoreError as exc:
        raise InputError(str(exc), parameter="--store") from None


def _render(out: Path, make: Callable[[], dict], atlas: Any, options: dict[str, Any]) -> None:
    from clusteratlas.reports.record import report_record
    from clusteratlas.reports.render import output_format, write_report

    output_format(out)  # a wrong suffix fails before any work
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("reading the atlas and drawing charts and maps", total=None)
        context = make()

        def step(what: str) -> None:
            progress.update(task, description=what)

        record = report_record(context, atlas.path, options)
        path = write_report(context, out, step=step, provenance=record)
    console.print(f"wrote {path} ({path.stat().st_size:,} bytes)", highlight=False, soft_wrap=True)


@report_app.command("region")
def region_command(
    code: str = typer.Argument(..., help="Region code, e.g. ES13 or 06 (a US state)."),
    store: Path | None = StoreOption,
    out: Path = OutOption,
    year: int | None = YearOption,
    start: int | None = typer.Option(None, "--start", help="First year of the portfolio."),
    scheme: str | None = typer.Option(None, "--scheme", help="Cluster scheme of the atlas."),
    system: str | None = typer.Option(None, "--system", help="Region system, e.g. NUTS2013."),
) -> None:
    """A region profile: key figures, portfolio, strong clusters, trends, scoreboard, map."""
    from clusteratlas.reports.profile import region_profile_context

    atlas = _atlas(store)
    _render(
        out,
        lambda: region_profile_context(
            atlas, code, year=year, start=start, scheme=scheme, system=system
        ),
        atlas,
        {"code": code, "year": year, "start": start, "scheme": scheme, "system": system},
    )


@report_app.command("briefing")
def briefing_command(
    folder: Path = typer.Argument(..., help="Briefing folder (briefing.yaml + Markdown files)."),
    store: Path | None = StoreOption,
    out: Path = OutOption,
) -> None:
    """A policy briefing: the folder's findings, recommendations and action plan, with the
    region's profile read live from the atlas."""
    from clusteratlas.reports.briefing import briefing_from_folder, read_briefing_folder

    read_briefing_folder(folder)  # check the words before opening the atlas
    atlas = _atlas(store)
    _render(out, lambda: briefing_from_folder(atlas, folder), atlas, {"folder": str(folder)})


def read_weaknesses(path: Path) -> dict[str, list[dict]]:
    """``region -> [theme results]`` from a JSON or YAML file (see docs/reports.md)."""
    from clusteratlas.yamlfile import plain, read_yaml_file

    if path.suffix.lower() == ".json":
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InputError(f"cannot read JSON ({exc})", file=path) from None
    else:
        data = plain(read_yaml_file(path))
    if not isinstance(data, dict) or not all(isinstance(v, list) for v in data.values()):
        raise InputError("expected a mapping of region -> list of theme results", file=path)
    out = {}
    for region, items in data.items():
        rows = []
        for item in items:
            if not isinstance(item, dict):
                raise InputError(f"{region}: each theme result is a mapping", file=path)
            row = dict(item)
            if row.get("score") is not None:
                try:
                    row["score"] = float(row["score"])
                except (TypeError, ValueError):
                    raise InputError(
                        f"{region}: score {row['score']!r} is not a number", file=path
                    ) from None
            rows.append(row)
        out[str(region)] = rows
    return out


def db_weaknesses(url: str, entities: dict[str, list[str]]) -> dict[str, list[dict]]:
    """The latest completed stress test of each entity from the application database."""
    try:
        from clusteratlas.appdb.assessments import theme_results_by_region
    except ModuleNotFoundError:
        raise InputError(
            "this installation has no stress-test storage (clusteratlas.appdb.assessments)",
            parameter="--db",
        ) from None
    from clusteratlas.appdb import open_database
    from clusteratlas.reports.joint import pick_weaknesses

    codes = list(dict.fromkeys([*entities, *(m for ms in entities.values() for m in ms)]))
    return pick_weaknesses(entities, theme_results_by_region(open_database(url), codes))


@report_app.command("joint")
def joint_command(
    codes: str = typer.Argument(
        ...,
        help="Comma-separated regions: CODE, A+B or Name=A+B each; or eocic-pilot.",
    ),
    store: Path | None = StoreOption,
    out: Path = OutOption,
    year: int | None = typer.Option(None, "--year", help="Scoreboard year (default: latest)."),
    weaknesses: Path | None = typer.Option(
        None,
        "--weaknesses",
        help="JSON/YAML file: region -> stress-test theme results (theme, title, score, light).",
    ),
    title: str | None = typer.Option(None, "--title", help="Title of the report."),
    db: str | None = typer.Option(
        None,
        "--db",
        help="Application database URL: take each region's latest completed stress test "
        "from it (instead of --weaknesses).",
    ),
) -> None:
    """Joint challenges: shared bottlenecks (scoreboard), shared stress-test weaknesses and
    shared strong clusters of several regions."""
    from clusteratlas.reports.joint import joint_context
    from clusteratlas.scoreboard.reading import parse_entities

    entities = parse_entities(codes, parameter="CODES")
    if weaknesses is not None and db is not None:
        raise InputError("give --weaknesses or --db, not both", parameter="--db")
    weak = read_weaknesses(weaknesses) if weaknesses is not None else None
    if db is not None:
        weak = db_weaknesses(db, entities)
    if codes.strip().lower() == "eocic-pilot" and title is None:
        title = "Joint challenges of the ten EOCIC pilot regions"
    atlas = _atlas(store)
    _render(
        out,
        lambda: joint_context(atlas, entities, weaknesses=weak, year=year, title=title),
        atlas,
        {
            "entities": entities,
            "year": year,
            "weaknesses": str(weaknesses) if weaknesses else None,
            "db": "given" if db else None,  # a URL may hold a password: never recorded
        },
    )
