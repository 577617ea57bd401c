"""``clusteratlas stress-test --answers FILE``: the cluster-policy stress test from the shell.

The answers file is YAML (or JSON) read by the project's YAML reader::

    programme: Example cluster programme (fictional)
    region: XD1              # optional: the region's scoreboard is shown beside the answers
    title: Mid-term review   # optional
    example: true            # optional: label the report as an example
    answers:
      strategy.vision: 3     # a value of the question's scale, or na
      strategy.ownership: na

Prints a table of theme scores with traffic lights; ``--out`` writes the report as HTML,
PDF or JSON (by the file's extension); ``--save`` stores the assessment in the application
database (``--db URL``, default beside the store) and prints its resume token.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from clusteratlas.cli.common import StoreOption, console, store_path
from clusteratlas.cli.options import out_file
from clusteratlas.errors import InputError

LIGHT_STYLE = {"red": "bold red", "amber": "bold yellow", "green": "bold green"}
OUT_SUFFIXES = (".html", ".pdf", ".json")
ANSWER_KEYS = {"programme", "region", "title", "example", "answers"}


def read_answers(path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(details, answers)`` of an answers file; errors name the file and the line."""
    from clusteratlas.yamlfile import line_of, plain, read_yaml_file

    raw = read_yaml_file(path)
    if not isinstance(raw, Mapping):
        raise InputError("an answers file is a mapping with an 'answers' key", file=path, line=1)
    for key in raw:
        if key not in ANSWER_KEYS:
            raise InputError(
                f"unknown key (keys: {', '.join(sorted(ANSWER_KEYS))})",
                file=path,
                line=getattr(raw, "key_lines", {}).get(key),
                column=key,
            )
    answers = raw.get("answers")
    if not isinstance(answers, Mapping):
        raise InputError("'answers' must be a mapping of question id to answer", file=path,
                         line=line_of(raw, ["answers"]))  # fmt: skip
    details = {k: plain(raw.get(k)) or "" for k in ("programme", "region", "title")}
    details["example"] = str(raw.get("example") or "").lower() in ("true", "yes", "1")
    details["lines"] = {str(k): line_of(raw, ["answers", k]) for k in answers}
    return details, {str(k): plain(v) for k, v in answers.items()}


def _lines_error(path: Path, lines: dict[str, int | None], errors: dict[str, str]) -> InputError:
    text = "\n".join(
        f"{path}, line {lines.get(k) or '?'}, question {k!r}: {v}" for k, v in errors.items()
    )
    return InputError(text)


def _table(data: dict[str, Any]) -> Table:
    r = data["result"]
    table = Table(title=f"Stress test: {r['questionnaire']} {r['version']}")
    table.add_column("Theme")
    table.add_column("Score", justify="right")
    table.add_column("Light")
    table.add_column("Scored", justify="right")
    table.add_column("Others' median", justify="right")
    medians = {c["theme"]: c["median"] for c in data["comparison"]}
    for t in r["themes"]:
        light = t["light"]
        table.add_row(
            t["title"],
            "–" if t["score"] is None else f"{t['score']:.0f}",
            f"[{LIGHT_STYLE[light]}]● {light}[/]" if light else "no score",
            f"{t['answered']}/{t['total']}",
            "–" if medians.get(t["theme"]) is None else f"{medians[t['theme']]:.0f}",
        )
    table.add_section()
    table.add_row(
        "Overall",
        f"{r['overall']:.0f}",
        f"[{LIGHT_STYLE[r['light']]}]● {r['light']}[/]",
        f"{r['answered']}/{r['total']}",
        "",
    )
    return table


def register(app: typer.Typer) -> None:
    @app.command("stress-test")
    def stress_test(
        answers: Path = typer.Option(
            ..., "--answers", help="Answers file (YAML or JSON).", show_default=False
        ),
        questionnaire: Path | None = typer.Option(
            None,
            "--questionnaire",
            help="Questionnaire file (default: the project's packaged questionnaire).",
            show_default=False,
        ),
        out: Path | None = out_file("Write the report: FILE.html, FILE.pdf or FILE.json."),
        db: str | None = typer.Option(
            None,
            "--db",
            help="Application database URL for --save (default: beside the store, or "
            "$CLUSTERATLAS_DB).",
            show_default=False,
        ),
        save: bool = typer.Option(
            False,
            "--save",
            help="Save the assessment (complete when every question has an "
            "answer) and print its resume token.",
        ),
        store: Path | None = StoreOption,
    ) -> None:
        """Score a stress-test self-assessment: theme scores, traffic lights and advice."""
        from clusteratlas.policy import AnswerErrors, load_questionnaire, score_answers
        from clusteratlas.web.stress_report import (
            build_results,
            report_html,
            report_pdf,
            results_for_token,
            scoreboard_beside,
        )

        if out is not None and out.suffix.lower() not in OUT_SUFFIXES:
            raise InputError("must end in .html, .pdf or .json", parameter="--out")
        if db and not save:
            raise InputError("--db is used with --save", parameter="--db")
        q = load_questionnaire(questionnaire)
        details, given = read_answers(answers)
        try:
            result = score_answers(q, given)
        except AnswerErrors as exc:
            raise _lines_error(answers, details["lines"], exc.errors) from None
        atlas = None
        store_file = store_path(store)
        atlas_note = None
        if details["region"] and store_file.is_file():
            from clusteratlas.atlas.service import Atlas
            from clusteratlas.errors import ClusterAtlasError

            try:
                atlas = Atlas.open(store_file)
            except ClusterAtlasError as exc:  # the store is not an atlas: no scoreboard
                atlas_note = f"No scoreboard: {store_file} is not an atlas ({exc})."
        meta = {
            "programme": details["programme"] or answers.stem,
            "region": details["region"] or None,
            "title": details["title"],
            "example": details["example"],
            "status": "not saved",
        }
        if save:
            from clusteratlas.appdb import assessments as asm
            from clusteratlas.appdb import default_url, open_database
            from clusteratlas.policy import check_answers

            database = open_database(db or default_url(store_file))
            a, token = asm.start(
                database,
                programme=meta["programme"],
                region=details["region"],
                title=details["title"],
                questionnaire=q.id,
                version=q.version,
                answers=check_answers(q, given),
                example=details["example"],
            )
            if result.complete:
                asm.complete(database, token, result.to_json())
            data = results_for_token(atlas, database, q, token)
            database.dispose()
        else:
            data = build_results(
                q, given, assessment=meta, scoreboard=scoreboard_beside(atlas, meta["region"])
            )
        if atlas_note and not data["scoreboard"]["available"]:
            data["scoreboard"]["note"] = atlas_note
        console.print(_table(data))
        for t in data["result"]["themes"]:
            if t["light"] in ("red", "amber") and t["advice"]:
                console.print(f"[bold]{t['title']}[/]: {t['advice'][0]}")
        sb = data["scoreboard"]
        if sb["available"]:
            rank = (
                f", rank {sb['overall_rank']:.0f} of {sb['n_regions']}"
                if sb["overall_rank"]
                else ""
            )
            console.print(
                f"Scoreboard beside the answers ({sb['edition']} {sb['year']}): {sb['name']} "
                f"({sb['region']}) {sb['overall']:.0f}{rank}; strengths: "
                f"{'; '.join(sb['strengths']) or '–'}; bottlenecks: "
                f"{'; '.join(sb['bottlenecks']) or '–'}."
            )
        elif meta["region"]:
            console.print(sb["note"])
        qinfo = data["questionnaire"]
        console.print(
            f"Questionnaire {qinfo['id']} {qinfo['version']} ({qinfo['source']}). "
            "Self-assessment: the scores are the answers given, not official statistics."
        )
        agg = data.get("aggregate")
        if agg is not None and not agg["shown"]:
            console.print(
                f"Comparison with other programmes withheld: fewer than {agg['min_n']} others."
            )
        if out is not None:
            from clusteratlas.fileio import atomic_path, write_text_atomic

            suffix = out.suffix.lower()
            if suffix == ".json":
                write_text_atomic(json.dumps(data, indent=2, default=str) + "\n", out)
            elif suffix == ".html":
                write_text_atomic(report_html(data, standalone=True), out)
            else:
                body = report_pdf(data)
                with atomic_path(out) as tmp:
                    tmp.write_bytes(body)
            console.print(f"Wrote {out}")
        if save:
            status = "complete" if result.complete else "draft (some questions unanswered)"
            console.print(f"Saved assessment {a['id']} ({status}); resume token: {token}")
            console.print(f"Resume in the web app: /stress-test/a/{token}")
