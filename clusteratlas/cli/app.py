"""The ``clusteratlas`` command: a thin Typer shell over the Python API.

Each group of verbs lives in its own module with a ``register(app)`` function; this module
only wires them together and turns :class:`~clusteratlas.errors.ClusterAtlasError` into a
one-line message and exit code 2.
"""

from __future__ import annotations

import importlib
import sys

import typer
from rich.console import Console

from clusteratlas import __version__
from clusteratlas.cli.options import normalise_token
from clusteratlas.cli.params import flag_for
from clusteratlas.errors import ClusterAtlasError, InputError

app = typer.Typer(
    name="clusteratlas",
    help="Cluster Atlas: an open observatory for industrial clusters and industrial change.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    # NUTS2021 and 2021 name the same --nuts-version choice (see cli.options).
    context_settings={"token_normalize_func": normalise_token},
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"clusteratlas {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False,
        "--version",
        help="Print the version and exit.",
        is_eager=True,
        callback=_print_version,
    ),
) -> None:
    """Cluster Atlas: an open observatory for industrial clusters and industrial change."""


# One module per group of verbs; each exposes register(app).
COMMAND_MODULES = [
    "clusteratlas.cli.ingest",  # ingest FILE...
    "clusteratlas.cli.schemes",  # schemes list|load|derive|show
    "clusteratlas.cli.classify",  # classifications ...
    "clusteratlas.cli.map",  # map
    "clusteratlas.cli.demo",  # demo
    "clusteratlas.cli.store",  # store info|datasets|provenance
    "clusteratlas.cli.fetch",  # fetch eurostat|gisco|census ..., data show, cache ...
    "clusteratlas.cli.nuts",  # nuts detect|convert
    "clusteratlas.cli.impute",  # impute --method eco|cbp|none
    "clusteratlas.cli.scoreboard",  # scoreboard
    "clusteratlas.cli.atlas",  # atlas build|info
    "clusteratlas.cli.serve",  # serve --demo | --store PATH
    "clusteratlas.cli.events",  # events add|list|attendees|retention, users add
    "clusteratlas.cli.linkages",  # trends, related, complexity, emerging, partners, hotspots
    "clusteratlas.cli.stress_test",  # stress-test --answers FILE
    "clusteratlas.cli.report",  # report region CODE | briefing DIR | joint CODES
]

err_console = Console(stderr=True)


def _register_all(target: typer.Typer, modules: list[str]) -> None:
    """Register every verb group; a module that fails to import stops the program.

    A missing verb must never pass silently (an install without an extra, a broken import):
    the error names the module and what it could not import.
    """
    for name in modules:
        try:
            module = importlib.import_module(name)
        except ImportError as exc:
            raise ImportError(
                f"clusteratlas: command module {name} failed to import: {exc}"
            ) from exc
        module.register(target)


_register_all(app, COMMAND_MODULES)


def main() -> None:
    """Entry point: run the app, printing user errors as one line (exit status 2)."""
    try:
        code = app(standalone_mode=False)
    except ClusterAtlasError as exc:
        if isinstance(exc, InputError):
            # analytics name their Python parameter; the CLI user reads the flag
            command = next((a for a in sys.argv[1:] if not a.startswith("-")), None)
            exc.parameter = flag_for(exc.parameter, command)
        err_console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        sys.exit(2)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        err_console.print("aborted")
        sys.exit(1)
    except Exception as exc:
        # Usage errors: click's ClickException (typer < 0.20) or typer's bundled copy; both
        # know how to show themselves and carry an exit code.
        if hasattr(exc, "show") and hasattr(exc, "exit_code"):
            exc.show()
            sys.exit(exc.exit_code)
        raise
    # Without standalone mode, click returns the code of ctx.exit()/typer.Exit instead of
    # exiting: pass it on.
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
