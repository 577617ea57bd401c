"""Errors that users see.

Every error caused by bad input names *where* the problem is (file, line, column, parameter)
so that it can be printed as a single line by the CLI.
"""

from __future__ import annotations

from pathlib import Path


class ClusterAtlasError(Exception):
    """Base class for errors the CLI prints as one line (no traceback)."""


class InputError(ClusterAtlasError):
    """Bad user input: a file, a row, a column, a URL, a parameter.

    Parameters
    ----------
    message:
        What is wrong, in plain words.
    file, line, column, parameter:
        Where it is. ``line`` is 1-based and counts the header as line 1.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        line: int | None = None,
        column: str | None = None,
        parameter: str | None = None,
    ) -> None:
        self.message = message
        self.file = str(file) if file is not None else None
        self.line = line
        self.column = column
        self.parameter = parameter
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = []
        if self.file is not None:
            where.append(self.file)
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        if self.parameter is not None:
            where.append(f"parameter {self.parameter}")
        prefix = ", ".join(where)
        return f"{prefix}: {self.message}" if prefix else self.message


class NotFoundError(ClusterAtlasError):
    """Something asked for by code (a region, cluster, scheme, year) is not there.

    The web layer answers it with HTTP 404; ``parameter`` names what was looked up.
    """

    def __init__(self, message: str, *, parameter: str | None = None) -> None:
        self.message = message
        self.parameter = parameter
        super().__init__(message)


class StoreError(ClusterAtlasError):
    """The store is missing, locked, or does not hold what was asked for."""


class FetchError(ClusterAtlasError):
    """A remote source could not be reached or answered with something unusable."""


class ConflictError(ClusterAtlasError):
    """The request is valid but conflicts with the records' state (HTTP 409): a duplicate
    registration, registration closed, a stale edit."""
