"""Region levels: which regions are compared with one another.

Percentile cut-offs and the sum-of-regions benchmark are computed within a *level* (regions
of the same type: NUTS 2 with NUTS 2, states with states, MSAs with MSAs). The level comes
from, in order:

* ``level="column"`` (or ``None`` when the panel has one): the panel's ``level`` column, any
  type (``2``, ``"state"``, ``"msa"`` ...);
* ``level="nuts"``: derived from NUTS-like codes — two letters then 0–3 letters or digits — as
  ``len(code) - 2`` (``DE`` → 0, ``DE1`` → 1, ``DE11`` → 2, ``DE111`` → 3). Eurostat
  aggregates that look like codes (``EU28``, ``EA19``, ``EU27_2020``, ``EFTA``, ``EEA``...) and
  codes of other shapes get no level (NULL) and form a group of their own;
* ``level="none"`` (or ``None`` without a ``level`` column): all regions form one group.
"""

from __future__ import annotations

import re

import ibis

from clusteratlas.errors import InputError

LEVEL_CHOICES = ("column", "nuts", "none")

_NUTS = re.compile(r"^[A-Z]{2}[A-Z0-9]{0,3}$")
_AGGREGATE = re.compile(r"^(EU|EA)[0-9]")
_AGGREGATE_NAMES = ("EFTA", "EEA", "EEA30", "EEA31", "EEA28")


def nuts_level(code: str) -> int | None:
    """NUTS level of a code by its length, or ``None`` if it is not NUTS-like.

    Examples
    --------
    >>> [nuts_level(c) for c in ("FR", "FR1", "FR10", "FR101", "EU28", "EFTA", "06075")]
    [0, 1, 2, 3, None, None, None]
    """
    if not _NUTS.match(code) or _AGGREGATE.match(code) or code in _AGGREGATE_NAMES:
        return None
    return len(code) - 2


def nuts_level_expr(region: ibis.StringValue) -> ibis.IntegerValue:
    """The Ibis twin of :func:`nuts_level` (NULL where the code is not NUTS-like)."""
    ok = (
        region.re_search(_NUTS.pattern)
        & ~region.re_search(_AGGREGATE.pattern)
        & ~region.isin(list(_AGGREGATE_NAMES))
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
