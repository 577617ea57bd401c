"""Notes that a transformation adds to an observation's ``flag`` without losing the source flag.

The store's ``flag`` column holds the source's own flags (Eurostat letters such as ``'e'`` or
``'bep'``, Census ``'D'``, ...). A transformation that changes or creates a value appends a
note after a ``|``::

    'c|imputed=eco-parent-split:10'     confidential at source, filled by the ECO split
    '|nuts=merge:NO021+NO022'           no source flag; summed from two NUTS 2016 regions
    'e|nuts=boundary:BE221'             estimated at source; carried over a boundary change

So ``split_flag(flag)[0]`` is always the source flag as published.
"""

from __future__ import annotations

import pandas as pd

SEP = "|"


def annotate(flag: str | None, note: str | None) -> str | None:
    """Append ``note`` to ``flag`` (``None`` note: unchanged).

    >>> annotate("e", "nuts=boundary:BE221"), annotate(None, "imputed=cbp-midpoint:B")
    ('e|nuts=boundary:BE221', '|imputed=cbp-midpoint:B')
    """
    if not note:
        return flag
    return f"{flag or ''}{SEP}{note}"


def annotate_series(flags: pd.Series, notes: pd.Series) -> pd.Series:
    """Vectorised :func:`annotate` (rows whose note is null or empty keep their flag)."""
    has = notes.notna() & (notes.astype("string").fillna("") != "")
    base = flags.astype("object").where(flags.notna(), "")
    out = flags.astype("object").copy()
    out[has] = base[has].astype(str) + SEP + notes[has].astype(str)
    return out.where(out.notna(), None)


def split_flag(flag: str | None) -> tuple[str | None, list[str]]:
    """The source flag and the list of notes.

    >>> split_flag("c|imputed=eco-parent-split:10")
    ('c', ['imputed=eco-parent-split:10'])
    """
    if flag is None or (isinstance(flag, float) and pd.isna(flag)):
        return None, []
    head, *notes = str(flag).split(SEP)
    return (head or None), notes


def merge_flags(flags: list[str | None]) -> str | None:
    """The source flags of several cells combined (distinct letters/tokens, in order seen).

    >>> merge_flags(["e", None, "bp", "e"])
    'ebp'
    """
    seen: list[str] = []
    for f in flags:
        head, _ = split_flag(f)
        for ch in head or "":
            if ch not in seen:
                seen.append(ch)
    return "".join(seen) or None
