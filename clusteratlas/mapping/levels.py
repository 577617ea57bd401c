"""Region levels: which regions are compared with one another.

Percentile cut-offs and the sum-of-regions benchmark are computed within a *level* (regions
of the same type: NUTS 2 with NUTS 2, states with states, MSAs with MSAs). The level comes
from, in order:

* ``level="column"`` (or ``None`` when the panel has one): the panel's ``level`` column, any
  type (``2``, ``"state"``, ``"msa"`` ...);
* ``level="nuts"``: derived from NUTS codes by the rules of
  :mod:`clusteratlas.classifications.nuts_codes` — ``len(code) - 2`` (``DE`` → 0, ``DE1`` → 1,
  ``DE11`` → 2, ``DE111`` → 3). Eurostat aggregates that look like codes (``EU28``, ``EA19``,
  ``EU27_2020``, ``EFTA``, ``EEA``...), "not regionalised" pseudo-regions (``ATXX``) and codes
  of other shapes get no level (NULL) and form a group of their own;
* ``level="none"`` (or ``None`` without a ``level`` column): all regions form one group.
"""

from __future__ import annotations

import ibis

from clusteratlas.classifications.nuts_codes import (
    AGGREGATE_PATTERN,
    NOT_REGIONALISED_PATTERN,
    NUTS_CODE_PATTERN,
    nuts_level,
)
from clusteratlas.errors import InputError

__all__ = ["LEVEL_CHOICES", "nuts_level", "nuts_level_expr", "resolve_level"]

LEVEL_CHOICES = ("column", "nuts", "none")


def nuts_level_expr(region: ibis.StringValue) -> ibis.IntegerValue:
    """The Ibis twin of :func:`~clusteratlas.classifications.nuts_codes.nuts_level` (NULL where
    the code is not a NUTS code), built from the same patterns; the tests check that both
    give the same level for every code of a mixed list."""
    ok = (
        region.re_search(NUTS_CODE_PATTERN)
        & ~region.re_search(AGGREGATE_PATTERN)
        & ~region.re_search(NOT_REGIONALISED_PATTERN)
    )
    return ibis.ifelse(ok, region.length() - 2, ibis.null("int32"))


def resolve_level(level: str | None, has_column: bool) -> str:
    """Turn the ``level`` option into one of ``column``, ``nuts``, ``none``."""
    if level is None:
        return "column" if has_column else "none"
    if level not in LEVEL_CHOICES:
        raise InputError(
            f"level must be one of {', '.join(LEVEL_CHOICES)}, got {level!r}", parameter="level"
        )
    if level == "column" and not has_column:
        raise InputError("level='column' but the panel has no 'level' column", parameter="level")
    return level
