"""NUTS code rules: the one place that says what a NUTS code is, its level and its parent.

A NUTS code is two letters (the country) followed by one character per level: ``DE`` (level 0),
``DE1`` (1), ``DE11`` (2), ``DE111`` (3). A code's parent is the code minus its last character.
Extra-Regio units (``DEZ``, ``DEZZ``, ``DEZZZ``) exist in every version for every country.

Codes that have the shape but are **not** NUTS codes, so :func:`nuts_level` is ``None``:

* Eurostat aggregates: anything starting ``EU`` or ``EA`` (``EU28``, ``EU27_2020``, ``EA19``;
  neither is an ISO country prefix) and ``EFTA``, ``EEA``, ``EEA28``...;
* the "not regionalised" pseudo-regions ``xxX``, ``xxXX``, ``xxXXX`` of older tables (``ATXX``:
  values that could not be assigned to a region of Austria). They are no territorial unit, so
  they must not be ranked against regions or summed into a level's benchmark.

The official NUTS 2016, 2021 and 2024 lists in shared data contain none of these codes and
their Extra-Regio units are exactly the ``xxZ…`` codes (checked by the tests). The mapping's
region levels (:mod:`clusteratlas.mapping.levels`) use these rules, as Ibis expressions built
from the same patterns (:data:`NUTS_CODE_PATTERN`, :data:`AGGREGATE_PATTERN`,
:data:`NOT_REGIONALISED_PATTERN`).

The code lists per version are :mod:`clusteratlas.classifications.nuts_lists`.
"""

from __future__ import annotations

import re

NUTS_VERSIONS: tuple[str, ...] = ("2013", "2016", "2021", "2024")

#: The shape of a NUTS code: two capital letters, then up to three letters or digits.
NUTS_CODE_PATTERN = r"^[A-Z]{2}[0-9A-Z]{0,3}$"
#: Eurostat aggregates of that shape (EU…, EA…, EFTA, EEA…): not NUTS codes.
AGGREGATE_PATTERN = r"^(?:EU|EA|EFTA$|EEA[0-9]*$)"
#: Eurostat's "not regionalised" pseudo-regions (``ATX``, ``ATXX``, ``ATXXX``): not NUTS codes.
NOT_REGIONALISED_PATTERN = r"^[A-Z]{2}X{1,3}$"
#: Extra-Regio units (``DEZ``, ``DEZZ``, ``DEZZZ``): NUTS codes without a territory.
EXTRA_REGIO_PATTERN = r"^[A-Z]{2}Z{1,3}$"

_NUTS_CODE = re.compile(NUTS_CODE_PATTERN)
_AGGREGATE = re.compile(AGGREGATE_PATTERN)
_EXTRA_REGIO = re.compile(EXTRA_REGIO_PATTERN)
_NOT_REGIONALISED = re.compile(NOT_REGIONALISED_PATTERN)


def is_nuts_code(code: str) -> bool:
    """True if ``code`` is a NUTS code: the shape (2 letters + up to 3 characters), but not a
    Eurostat aggregate (``EU28``, ``EA19``, ``EFTA``, ``EEA``) nor a "not regionalised"
    pseudo-region (``ATXX``).

    >>> [is_nuts_code(c) for c in ("DE11", "DEZZ", "EU27_2020", "EU28", "EFTA", "ATXX")]
    [True, True, False, False, False, False]
    """
    return (
        bool(_NUTS_CODE.match(code))
        and not _AGGREGATE.match(code)
        and not _NOT_REGIONALISED.match(code)
    )


def is_extra_regio(code: str) -> bool:
    """True for Extra-Regio units (``xxZ``, ``xxZZ``, ``xxZZZ``)."""
    return bool(_EXTRA_REGIO.match(code))


def nuts_level(code: str) -> int | None:
    """The NUTS level of a code (0–3) from its length, or ``None`` if it is not a NUTS code
    (see :func:`is_nuts_code`; the module docstring says why aggregates and ``xxXX`` are not).

    >>> nuts_level("DE"), nuts_level("DE1"), nuts_level("DE11"), nuts_level("DE111")
    (0, 1, 2, 3)
    >>> [nuts_level(c) for c in ("EU28", "EA19", "EFTA", "ATXX", "06075", "DEZZ")]
    [None, None, None, None, None, 2]
    """
    return len(code) - 2 if is_nuts_code(code) else None


#: The one place where a code's parent is not its prefix: Northern Ireland's level-3 regions
#: UKN10…UKN16 of NUTS 2016 belong to UKN0 (NUTS 2021 recoded them UKN0A…UKN0G).
_PARENT_EXCEPTIONS = {"UKN1": "UKN0"}


def parent_code(code: str) -> str | None:
    """The parent of a NUTS code: the code minus its last character (``None`` for a country).

    >>> parent_code("DE111"), parent_code("UKN10"), parent_code("DE")
    ('DE11', 'UKN0', None)
    """
    if len(code) <= 2:
        return None
    return _PARENT_EXCEPTIONS.get(code[:-1], code[:-1])


def ancestor_at(code: str, level: int) -> str | None:
    """The ancestor of ``code`` at ``level`` (the code itself if it is at that level)."""
    lev = nuts_level(code)
    if lev is None or lev < level:
        return None
    while lev > level:
        code = parent_code(code)  # type: ignore[assignment]
        lev -= 1
    return code
