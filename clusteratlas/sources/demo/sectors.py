"""Rough sector profiles used to make Demoland's synthetic economy look plausible.

Each NACE Rev.2 section gets a typical establishment size (persons employed per unit), a wage
level relative to the all-economy average and a share of total employment. The numbers are
rounded orders of magnitude in the spirit of Eurostat's Structural Business Statistics and the
Labour Force Survey for the EU as a whole (manufacturing, trade and health are the largest
employers; energy and finance pay well above average and have large units; hospitality and
retail pay below average and have small units). They are illustrative only and make no claim
about any real country.
"""

from __future__ import annotations

import re

# section: (persons per establishment, wage relative to the average, % of all employment)
SECTION_PROFILES: dict[str, tuple[float, float, float]] = {
    "A": (2.0, 0.60, 4.3),
    "B": (25.0, 1.30, 0.3),
    "C": (12.0, 1.05, 16.3),
    "D": (20.0, 1.60, 0.6),
    "E": (15.0, 1.00, 0.8),
    "F": (3.5, 0.90, 6.8),
    "G": (4.0, 0.80, 14.25),
    "H": (7.0, 0.95, 5.3),
    "I": (5.0, 0.55, 4.8),
    "J": (5.0, 1.50, 3.1),
    "K": (8.0, 1.70, 2.6),
    "L": (2.0, 1.00, 1.0),
    "M": (2.5, 1.25, 5.6),
    "N": (7.0, 0.75, 4.4),
    "O": (40.0, 1.10, 6.8),
    "P": (12.0, 1.00, 7.4),
    "Q": (8.0, 0.95, 11.0),
    "R": (3.0, 0.75, 1.7),
    "S": (2.0, 0.70, 2.3),
    "T": (1.5, 0.50, 0.6),
    "U": (20.0, 1.20, 0.05),
}
URBAN_SECTIONS = frozenset("JKLM")  # concentrate in large regions
PANDEMIC_SECTIONS = frozenset("INR")  # hit hardest in 2020

# NACE Rev.2 division ranges of each section (divisions are the first two digits of a class)
_SECTION_DIVISIONS = (
    ("A", 1, 3),
    ("B", 5, 9),
    ("C", 10, 33),
    ("D", 35, 35),
    ("E", 36, 39),
    ("F", 41, 43),
    ("G", 45, 47),
    ("H", 49, 53),
    ("I", 55, 56),
    ("J", 58, 63),
    ("K", 64, 66),
    ("L", 68, 68),
    ("M", 69, 75),
    ("N", 77, 82),
    ("O", 84, 84),
    ("P", 85, 85),
    ("Q", 86, 88),
    ("R", 90, 93),
    ("S", 94, 96),
    ("T", 97, 98),
    ("U", 99, 99),
)


def nace_section(code: str) -> str | None:
    """The NACE Rev.2 section letter of a class/group/division code, or ``None``.

    Accepts ``'10.11'``, ``'1011'``, ``'C10.11'`` and ``'C1011'``.

    Examples
    --------
    >>> nace_section("C10.11"), nace_section("62.01"), nace_section("xx")
    ('C', 'J', None)
    """
    digits = re.sub(r"[^0-9]", "", code)
    if len(digits) < 2:
        return None
    division = int(digits[:2])
    for section, lo, hi in _SECTION_DIVISIONS:
        if lo <= division <= hi:
            return section
    return None


def section_profile(code: str) -> tuple[str, float, float, float]:
    """``(section, persons per establishment, relative wage, % of employment)`` of a code.

    Unknown codes get average values and a 1% share.
    """
    section = nace_section(code) or "?"
    size, wage, share = SECTION_PROFILES.get(section, (10.0, 1.0, 1.0))
    return section, size, wage, share
