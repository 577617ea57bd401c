"""Typer options and enums shared by every verb: one spelling, one meaning per concept.

The conventions (docs/cli.md has the full table):

- ``--where DIM=VALUE`` (repeatable) filters on a dimension; ``--filter`` is a hidden alias.
- ``--nuts-version 2021`` names a NUTS version (``NUTS2021`` is accepted too: the app's
  token normaliser, :func:`normalise_token`, folds it to ``2021`` before the choice check).
- ``--out FILE`` is an output *file*; ``--out-dir DIR`` an output *folder*.
- ``--format`` is the output file format; ``--year`` selects years (``2020`` or ``2015-2020``);
  ``--level`` is a region level; ``--store PATH`` the store; ``--report FILE`` a report file.

Old spellings are declared with :func:`hidden_alias` as separate hidden options and merged by
:func:`pick`, so ``--help`` shows only the new names while old scripts keep working for one
release.
"""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

import typer

from clusteratlas.errors import InputError

T = TypeVar("T")


class NutsVersion(StrEnum):
    """A NUTS version, written as its year (2003 and 2006 for GISCO's older boundaries)."""

    v2003 = "2003"
    v2006 = "2006"
    v2010 = "2010"
    v2013 = "2013"
    v2016 = "2016"
    v2021 = "2021"
    v2024 = "2024"

    @property
    def region_system(self) -> str:
        """The store's name for it, e.g. ``NUTS2021``."""
        return f"NUTS{self.value}"


class OutputFormat(StrEnum):
    """Output file format of tables."""

    csv = "csv"
    parquet = "parquet"


class LqBase(StrEnum):
    """Universe of location quotients: all industries (EU) or traded clusters (CMP)."""

    total = "total"
    traded = "traded"


class ImputeChoice(StrEnum):
    """``scoreboard --impute`` (= ``scoreboard.api.ImputeMethod``)."""

    none = "none"
    mean = "mean"
    median = "median"
    group_mean = "group-mean"
    group_median = "group-median"
    panel_last = "panel-last"
    panel_linear = "panel-linear"


class TreatChoice(StrEnum):
    """``scoreboard --treat``: none, COINr (winsorise, else log), RIS (cap ±3 SD, power)."""

    none = "none"
    coinr = "coinr"
    ris = "ris"


class NormaliseChoice(StrEnum):
    """``scoreboard --normalise`` (= ``scoreboard.api.NormaliseMethod``)."""

    minmax = "minmax"
    zscore = "zscore"
    rank = "rank"
    prank = "prank"
    borda = "borda"
    fracmax = "fracmax"
    dist2max = "dist2max"
    dist2ref = "dist2ref"
    dist2target = "dist2target"
    goalposts = "goalposts"
    none = "none"


class WeightsChoice(StrEnum):
    """``scoreboard --weights``: as given, or correlation-balanced."""

    given = "given"
    balanced = "balanced"


class AggregateChoice(StrEnum):
    """``scoreboard --aggregate`` (``generalised`` takes ``--power``)."""

    arithmetic = "arithmetic"
    geometric = "geometric"
    harmonic = "harmonic"
    generalised = "generalised"
    copeland = "copeland"


_NUTS_TOKEN = re.compile(r"(?i)nuts[-_ ]?(\d{4})")


def normalise_token(token: str) -> str:
    """Fold ``NUTS2021`` / ``nuts-2021`` into ``2021``; leave every other token alone.

    Installed as the app's ``token_normalize_func``, so every ``NutsVersion`` choice accepts
    both spellings.

    >>> normalise_token("NUTS2021"), normalise_token("nuts_2016"), normalise_token("--year")
    ('2021', '2016', '--year')
    """
    match = _NUTS_TOKEN.fullmatch(token)
    return match.group(1) if match else token


def nuts_version(value: str | int | NutsVersion | None, parameter: str) -> NutsVersion | None:
    """Parse a NUTS version written ``2021``, ``NUTS2021`` or as a :class:`NutsVersion`.

    >>> nuts_version("NUTS2016", "to").value
    '2016'
    """
    if value is None or isinstance(value, NutsVersion):
        return value
    text = normalise_token(str(value).strip())
    try:
        return NutsVersion(text)
    except ValueError:
        choices = ", ".join(v.value for v in NutsVersion)
        raise InputError(f"must be one of {choices}, got {value!r}", parameter=parameter) from None


_YEAR_RANGE = re.compile(r"\s*(\d{4})\s*(?:[-:]\s*(\d{4})\s*)?")


def parse_years(text: str | None, parameter: str = "--year") -> tuple[int, int] | None:
    """A ``--year`` value: one year ``2020`` or an inclusive range ``2015-2020``.

    >>> parse_years("2020"), parse_years("2015-2020"), parse_years(None)
    ((2020, 2020), (2015, 2020), None)
    """
    if text is None:
        return None
    match = _YEAR_RANGE.fullmatch(str(text))
    if not match:
        raise InputError(f"expected YYYY or YYYY-YYYY, got {text!r}", parameter=parameter)
    start = int(match.group(1))
    end = int(match.group(2) or start)
    if end < start:
        raise InputError(f"range ends before it starts: {text!r}", parameter=parameter)
    return start, end


def single_year(text: str | None, parameter: str = "--year") -> int | None:
    """A ``--year`` value on a verb that works on one year: a range is refused."""
    span = parse_years(text, parameter)
    if span is None:
        return None
    if span[0] != span[1]:
        raise InputError(f"this verb takes one year, got {text!r}", parameter=parameter)
    return span[0]


def hidden_alias(name: str, default: Any = None, **kwargs: Any) -> Any:
    """A hidden option kept for one release under an old spelling (see :func:`pick`)."""
    return typer.Option(default, name, hidden=True, show_default=False, **kwargs)


def pick(new: T, old: T | None, *, new_name: str, old_name: str, default: Any = None) -> T:
    """The value of an option given by its new or its old (hidden) spelling, not both.

    >>> pick(None, "x", new_name="--out-dir", old_name="--out")
    'x'
    """
    old_given = old is not None and old != [] and old != default
    new_given = new is not None and new != [] and new != default
    if old_given and new_given:
        raise InputError(f"give {new_name} only ({old_name} is its old name)", parameter=new_name)
    if isinstance(new, list) and isinstance(old, list):
        return new or old  # type: ignore[return-value]
    return old if old_given else new  # type: ignore[return-value]


StoreOption = typer.Option(
    None,
    "--store",
    help="DuckDB store file (default: the user data dir, or $CLUSTERATLAS_STORE).",
    show_default=False,
)
WhereOption = typer.Option(
    [],
    "--where",
    help="Keep only DIM=CODE[,CODE…] (repeatable), e.g. geo=AT1,AT2 or age=Y15-64.",
    show_default=False,
)
FilterAlias = hidden_alias("--filter", [])
NutsVersionOption = typer.Option(
    None,
    "--nuts-version",
    help="NUTS version of the region codes (2003 … 2024; NUTS2021 also accepted). "
    "Default: detected from the codes.",
    case_sensitive=False,
    show_default=False,
)
RegionSystemAlias = hidden_alias("--region-system")
OutputFormatOption = typer.Option(
    OutputFormat.csv, "--format", help="Output file format.", case_sensitive=False
)
YearOption = typer.Option(
    None, "--year", help="Only these years: YYYY or YYYY-YYYY.", show_default=False
)
LqBaseOption = typer.Option(
    LqBase.total,
    "--lq-base",
    help="total (EU: all industries) or traded (CMP universes).",
    case_sensitive=False,
)


CacheOption = typer.Option(
    None,
    "--cache",
    help="Download cache folder (default: the user cache dir, or $CLUSTERATLAS_CACHE).",
    show_default=False,
)
OfflineOption = typer.Option(
    False, "--offline", help="Use only the download cache; fail if a file is not cached."
)
RefreshOption = typer.Option(
    False, "--refresh", help="Download again even if the cached copy is current."
)
RetriesOption = typer.Option(5, "--retries", help="Attempts per request (with backoff).")


def timeout_option(seconds: float) -> Any:
    """``--timeout S``: the read timeout of downloads."""
    return typer.Option(seconds, "--timeout", help="Read timeout in seconds.")


def out_file(help: str = "Output file.", required: bool = False) -> Any:
    """``--out FILE``: always a file."""
    return typer.Option(... if required else None, "--out", help=help, show_default=False)


def out_dir(help: str = "Output folder.", default: Path | None = None) -> Any:
    """``--out-dir DIR``: always a folder."""
    return typer.Option(default, "--out-dir", help=help, show_default=default is not None)


def report_file(help: str = "Write the report to this file.") -> Any:
    """``--report FILE``: a report file written."""
    return typer.Option(None, "--report", help=help, show_default=False)


def where_filters(where: list[str] | None, old_filter: list[str] | None = None) -> list[str]:
    """``--where`` values, with the hidden ``--filter`` alias merged in."""
    return list(where or []) + list(old_filter or [])


def region_system(
    version: NutsVersion | None, old: str | None, *, new_name: str = "--nuts-version"
) -> str | None:
    """The store's region system (``NUTS2021``) from ``--nuts-version`` or its old alias."""
    if version is not None and old is not None:
        raise InputError(f"give {new_name} only (--region-system is its old name)",
                         parameter=new_name)  # fmt: skip
    if old is not None:
        parsed = nuts_version(old, "--region-system")
        return parsed.region_system if parsed is not None else None
    return version.region_system if version is not None else None
