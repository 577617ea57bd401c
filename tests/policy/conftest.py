"""Fixtures of the policy tests: the in-process CLI runner (as in the linkages tests)."""

from __future__ import annotations

import sys
from collections.abc import Callable

import pytest


@pytest.fixture()
def run_cli(capsys) -> Callable[..., tuple[int, str, str]]:
    """Run ``clusteratlas ARGS...`` in-process; return (exit code, stdout, stderr)."""
    from clusteratlas.cli.app import main

    def run(*args: object) -> tuple[int, str, str]:
        old = sys.argv
        sys.argv = ["clusteratlas", *map(str, args)]
        try:
            main()
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        finally:
            sys.argv = old
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run
