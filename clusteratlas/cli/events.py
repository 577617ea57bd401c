"""``clusteratlas events …`` and ``clusteratlas users …``: the application database from the shell.

The database is ``--db URL`` (SQLite file or ``postgresql://...``), by default the one beside
the store (``clusteratlas.appdb.default_url``), the same one ``clusteratlas serve`` uses.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path

import pandas as pd
import typer
from rich.table import Table

from clusteratlas.cli.common import StoreOption, console, store_path

DbOption = typer.Option(
    None,
    "--db",
    help="Application database URL: sqlite:///FILE or postgresql://... (default: beside the "
    "store, or $CLUSTERATLAS_DB).",
    show_default=False,
)


class EventKind(StrEnum):
    conference = "conference"
    partnership_meeting = "partnership-meeting"
    cluster_week = "cluster-week"
    workshop = "workshop"
    webinar = "webinar"


class Role(StrEnum):
    editor = "editor"
    admin = "admin"


def open_db(db: str | None, store: Path | None):
    from clusteratlas.appdb import default_url, open_database

    return open_database(db or default_url(store_path(store)))


def register(app: typer.Typer) -> None:
    events = typer.Typer(
        help="Events and registrations (application database).", no_args_is_help=True
    )
    users = typer.Typer(help="Editor accounts (application database).", no_args_is_help=True)
    app.add_typer(events, name="events")
    app.add_typer(users, name="users")

    @events.command("add")
    def add(
        title: str = typer.Option(..., "--title", help="Title of the event."),
        capacity: int = typer.Option(..., "--capacity", help="Seats (confirmed registrations)."),
        deadline: str = typer.Option(..., "--deadline", help="Registration deadline, ISO 8601."),
        opens: str | None = typer.Option(None, "--opens", help="Registration opens, ISO 8601."),
        kind: EventKind = typer.Option(EventKind.conference, "--kind"),
        starts: str | None = typer.Option(None, "--starts", help="Start, ISO 8601."),
        ends: str | None = typer.Option(None, "--ends", help="End, ISO 8601."),
        place: str = typer.Option("", "--place"),
        country: str = typer.Option("", "--country", help="ISO 3166-1 alpha-2 code."),
        online: bool = typer.Option(False, "--online"),
        parent: int | None = typer.Option(None, "--parent", help="Id of the cluster week."),
        retention_days: int = typer.Option(
            30, "--retention-days", help="Personal data kept this long after the end."
        ),
        db: str | None = DbOption,
        store: Path | None = StoreOption,
        as_json: bool = typer.Option(False, "--json", help='Print {"id": ...} as JSON.'),
    ) -> None:
        """Create an event and print it."""
        from clusteratlas.appdb import events as ev

        out = ev.create_event(
            open_db(db, store),
            title=title,
            capacity=capacity,
            deadline=deadline,
            opens_at=opens,
            kind=kind.value,
            starts_at=starts,
            ends_at=ends,
            place=place,
            country=country,
            online=online,
            parent_id=parent,
            retention_days=retention_days,
        )
        if as_json:
            typer.echo(json.dumps(out))
        else:
            console.print(
                f"event [bold]{out['id']}[/]: {out['title']} — {out['capacity']} seats, "
                f"registration until {out['deadline']}"
            )

    @events.command("list")
    def list_(
        db: str | None = DbOption,
        store: Path | None = StoreOption,
        as_json: bool = typer.Option(False, "--json"),
    ) -> None:
        """Every event with its counts."""
        from clusteratlas.appdb import events as ev

        rows = ev.list_events(open_db(db, store))
        if as_json:
            typer.echo(json.dumps(rows))
            return
        t = Table(title="events")
        for col in ("id", "title", "kind", "capacity", "confirmed", "waitlisted", "registration"):
            t.add_column(col)
        for r in rows:
            t.add_row(
                *(
                    str(r[c])
                    for c in (
                        "id",
                        "title",
                        "kind",
                        "capacity",
                        "confirmed",
                        "waitlisted",
                        "registration",
                    )
                )
            )
        console.print(t)

    @events.command("attendees")
    def attendees(
        event_id: int = typer.Argument(..., help="Event id."),
        out: Path = typer.Option(..., "--out", help="CSV file to write (personal data!)."),
        db: str | None = DbOption,
        store: Path | None = StoreOption,
    ) -> None:
        """Export an event's registrations with personal data (for the organisers)."""
        from clusteratlas.appdb import events as ev
        from clusteratlas.fileio import write_frame_atomic

        rows = ev.attendees(open_db(db, store), event_id)
        write_frame_atomic(pd.DataFrame(rows), out)
        console.print(f"{len(rows)} registrations written to {out}")

    @events.command("retention")
    def retention(db: str | None = DbOption, store: Path | None = StoreOption) -> None:
        """Remove personal data of events past their retention period (counts are kept)."""
        from clusteratlas.appdb import events as ev

        out = ev.apply_retention(open_db(db, store), actor="cli")
        console.print(
            f"{len(out['events'])} events purged, {out['registrations']} registrations erased"
        )

    @events.command("export-person")
    def export_person(
        email: str, db: str | None = DbOption, store: Path | None = StoreOption
    ) -> None:
        """Print everything held about one email address as JSON (access request)."""
        from clusteratlas.appdb import events as ev

        typer.echo(json.dumps(ev.export_person(open_db(db, store), email, actor="cli"), indent=2))

    @events.command("erase-person")
    def erase_person(
        email: str, db: str | None = DbOption, store: Path | None = StoreOption
    ) -> None:
        """Erase one person's personal data from every registration (counts are kept)."""
        from clusteratlas.appdb import events as ev

        n = ev.erase_person(open_db(db, store), email, actor="cli")
        console.print(f"personal data erased from {n} registrations")

    @users.command("add")
    def add_user(
        email: str = typer.Option(..., "--email"),
        role: Role = typer.Option(Role.editor, "--role"),
        name: str = typer.Option("", "--name"),
        password: str = typer.Option(
            ...,
            "--password",
            prompt=True,
            hide_input=True,
            confirmation_prompt=True,
            envvar="CLUSTERATLAS_NEW_PASSWORD",
            help="At least 12 characters (prompted when omitted).",
        ),
        db: str | None = DbOption,
        store: Path | None = StoreOption,
        as_json: bool = typer.Option(False, "--json"),
    ) -> None:
        """Create an editor or admin account."""
        from clusteratlas.appdb.accounts import add_user as add

        out = add(open_db(db, store), email=email, password=password, role=role.value, name=name)
        typer.echo(json.dumps(out)) if as_json else console.print(
            f"{out['role']} account {out['id']} for {out['email']}"
        )
