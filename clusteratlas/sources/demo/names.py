"""Fictional, deterministic place names for Demoland.

Names are built from syllables drawn with a seeded generator, so the same seed always gives
the same names. They are meant to read like plausible European place names without being real
ones; every name is checked for uniqueness within one atlas.
"""

from __future__ import annotations

import numpy as np

_ONSETS = (
    *("b", "br", "d", "dr", "f", "fr", "g", "gr", "h", "k", "kr", "l", "m", "n", "p", "pr"),
    *("r", "s", "sk", "st", "t", "tr", "v", "w", "z", "bl", "fl", "gl", "kl", "pl", "sl"),
    *("sn", "sp", "th", "vr"),
)
_VOWELS = ("a", "e", "i", "o", "u", "a", "e", "o", "a", "e", "au", "ei")
_CODAS = ("", "", "", "", "n", "r", "l", "s", "m", "nd", "rn", "rk", "nt")

_MACRO_SUFFIXES = ("land", "mark", "ia", "ovia", "eria")
_REGION_SUFFIXES = ("ia", "shire", "vale", "dal", "gau", "ona", "aria", "ene")
_TOWN_SUFFIXES = ("stad", "holm", "burg", "ford", "by", "heim", "wick", "ova", "ec", "ton")
_MACRO_PREFIXES = ("North", "South", "East", "West", "Upper", "Lower", "Central", "Coastal")


def _stem(root: str) -> str:
    """``root`` without a final vowel, so that a vowel-initial suffix joins smoothly."""
    return root[:-1] if len(root) > 3 and root[-1] in "aeiou" else root


def _root(rng: np.random.Generator, syllables: int) -> str:
    parts = []
    for k in range(syllables):
        onset = _ONSETS[rng.integers(len(_ONSETS))]
        vowel = _VOWELS[rng.integers(len(_VOWELS))]
        coda = _CODAS[rng.integers(len(_CODAS))] if k == syllables - 1 else ""
        parts.append(onset + vowel + coda)
    return "".join(parts).capitalize()


def fictional_names(rng: np.random.Generator, n: int, level: int) -> list[str]:
    """Return ``n`` distinct fictional names for regions of NUTS-like ``level`` (1, 2 or 3).

    Level-1 names read like macro regions ("Upper Dravmark"), level-2 like provinces
    ("Keloria"), level-3 like districts named after their main town ("Brenstad").

    Examples
    --------
    >>> names = fictional_names(np.random.default_rng(1), 3, 3)
    >>> len(set(names)) == 3
    True
    """
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < n:
        if level <= 1:
            base = _stem(_root(rng, 2)) + _MACRO_SUFFIXES[rng.integers(5)]
            name = f"{_MACRO_PREFIXES[rng.integers(len(_MACRO_PREFIXES))]} {base}"
        elif level == 2:
            suffix = _REGION_SUFFIXES[rng.integers(len(_REGION_SUFFIXES))]
            name = _stem(_root(rng, 2)) + suffix
        else:
            suffix = _TOWN_SUFFIXES[rng.integers(len(_TOWN_SUFFIXES))]
            name = _root(rng, int(rng.integers(1, 3))) + suffix
        if name not in seen:
            seen.add(name)
            names.append(name)
    return names
