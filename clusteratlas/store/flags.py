"""The store's ``flag`` column: source flags and the notes transformations add.

Eurostat cells: a number (or ``:`` for missing) followed by optional flag letters.

Eurostat's TSV files (the classic bulk download and the 2023+ SDMX-TSV) write each
observation as one text cell::

    '12.3 e'   -> value 12.3, flag 'e' (estimated)
    '4.0 bu'   -> value 4.0, flags 'b' and 'u' (break in series, low reliability)
    ':'        -> missing, no flag
    ': c'      -> missing because confidential

:func:`parse_cell` reads one cell; :func:`parse_cells` reads a whole column at once with
Arrow's vectorised regular expressions (no Python loop per cell), which is what the TSV reader
uses. A missing value is ``None``/NaN, never 0.

Flags are kept exactly as published (letters in their published order, e.g. ``'bep'``).
Their meanings are in :data:`FLAG_MEANINGS` (Eurostat, "Statistical codes and flags",
https://ec.europa.eu/eurostat/data/database/information, and the code list ``OBS_FLAG``).

Notes added by transformations
------------------------------

Notes that a transformation adds to an observation's ``flag`` without losing the source flag.

The store's ``flag`` column holds the source's own flags (Eurostat letters such as ``'e'`` or
``'bep'``, Census ``'D'``, ...). A transformation that changes or creates a value appends a
note after a ``|``::

    'c|imputed=eco-parent-split:10'     confidential at source, filled by the ECO split
    '|nuts=merge:NO021+NO022'           no source flag; summed from two NUTS 2016 regions
    'e|nuts=boundary:BE221'             estimated at source; carried over a boundary change

So ``split_flag(flag)[0]`` is always the source flag as published.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

#: Eurostat flag letters and the missing-value marker, with their published meanings.
FLAG_MEANINGS: dict[str, str] = {
    ":": "not available (missing value)",
    "b": "break in time series",
    "c": "confidential",
    "d": "definition differs (see metadata)",
    "e": "estimated",
    "f": "forecast",
    "i": "see metadata (phased out; found in older files)",
    "n": "not significant",
    "p": "provisional",
    "r": "revised",
    "s": "Eurostat estimate (phased out; found in older files)",
    "u": "low reliability",
    "z": "not applicable",
}

FLAG_LETTERS = "".join(k for k in FLAG_MEANINGS if k != ":")

# A cell: optional blanks, ':' or a decimal number, optional blanks, flag letters, blanks.
# Scientific notation is not used by Eurostat and is not accepted (it would make '1e' ambiguous).
CELL_PATTERN = (
    r"^[ \t]*(?P<number>:|[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))[ \t]*"
    rf"(?P<flag>[{FLAG_LETTERS}]*)[ \t]*$"
)
_CELL = re.compile(CELL_PATTERN)


class CellError(ValueError):
    """A cell that is not a Eurostat value; ``index`` is its position in the parsed column."""

    def __init__(self, text: str | None, index: int | None = None) -> None:
        self.text = text
        self.index = index
        super().__init__(f"not a Eurostat value: {text!r} (expected a number or ':' and flags)")


def parse_cell(text: str) -> tuple[float | None, str | None]:
    """Parse one Eurostat cell into ``(value, flag)``.

    Parameters
    ----------
    text:
        The cell as published, e.g. ``'12.3 e'``, ``'12.3'``, ``':'``, ``': c'``, ``'4.0 bu'``.
        Blanks around and between the parts are tolerated.

    Returns
    -------
    tuple
        ``value`` is a float or ``None`` for ``:`` (missing, never 0); ``flag`` is the string of
        flag letters as published or ``None`` when there is none.

    Raises
    ------
    CellError
        (a :class:`ValueError`) when the text is not a number or ``:`` followed by known flag
        letters (the TSV reader turns this into an :class:`~clusteratlas.errors.InputError`
        naming file, line and column).

    Examples
    --------
    >>> parse_cell("12.3 e")
    (12.3, 'e')
    >>> parse_cell(": c")
    (None, 'c')
    >>> parse_cell(" 4.0 bu ")
    (4.0, 'bu')
    """
    match = _CELL.match(text)
    if match is None:
        raise CellError(text)
    number, flag = match.group("number"), match.group("flag")
    value = None if number == ":" else float(number)
    return value, (flag or None)


def parse_cells(cells: pa.Array | Sequence[str] | np.ndarray) -> tuple[np.ndarray, pa.Array]:
    """Parse a column of Eurostat cells at once (vectorised, Arrow regular expressions).

    Parameters
    ----------
    cells:
        Cell texts (an Arrow string array or chunked array, a list, or a numpy array of str).
        Nulls are treated as invalid cells.

    Returns
    -------
    values : numpy.ndarray of float64
        NaN where the cell is ``:`` (missing).
    flags : pyarrow.StringArray
        Flag letters as published; null where the cell has no flag.

    Raises
    ------
    CellError
        (a :class:`ValueError`) for the first cell that is not valid; ``text`` and ``index``
        say which.

    Examples
    --------
    >>> values, flags = parse_cells(["12.3 e", ":", ": c", "7"])
    >>> values.tolist()[0], flags.to_pylist()
    (12.3, ['e', None, 'c', None])
    """
    values, flag = _split_cells(cells)
    flags = pc.if_else(pc.equal(flag, ""), None, flag)
    if isinstance(flags, pa.ChunkedArray):
        flags = flags.combine_chunks()
    return values, flags


def parse_cells_objects(
    cells: pa.Array | pa.ChunkedArray | Sequence[str] | np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`parse_cells`, with the flags as a numpy object array (str, or ``None``).

    The object array is built by indexing a small table of the distinct flags, so no Python
    string is created per cell.
    """
    values, flag = _split_cells(cells)
    if isinstance(flag, pa.ChunkedArray):
        flag = flag.combine_chunks()
    encoded = flag.dictionary_encode()
    lookup = np.array([f or None for f in encoded.dictionary.to_pylist()], dtype=object)
    codes = encoded.indices.to_numpy(zero_copy_only=False)
    return values, lookup[codes] if len(lookup) else np.empty(0, dtype=object)


def _split_cells(cells) -> tuple[np.ndarray, pa.Array | pa.ChunkedArray]:
    """Values (NaN for ':') and flag text ('' for none), fast path first."""
    arr = cells if isinstance(cells, pa.Array | pa.ChunkedArray) else pa.array(cells, pa.string())
    if arr.null_count == 0:
        parsed = _parse_fast(arr)
        if parsed is not None:
            return parsed
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    # Slow path, only for a column with a bad cell: the full pattern finds the first one.
    parts = pc.extract_regex(arr, CELL_PATTERN)
    bad = invalid_positions(parts)
    if bad.size:
        i = int(bad[0])
        raise CellError(arr[i].as_py(), i)
    number = parts.field("number")
    values = pc.cast(pc.if_else(pc.equal(number, ":"), None, number), pa.float64())
    return values.to_numpy(zero_copy_only=False), parts.field("flag")


_BLANKS = " \t"
_NUMBER_CHARS = "0123456789.:+-" + _BLANKS


def _parse_fast(arr: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, pa.Array] | None:
    """Trim-and-cast parse (about 4x faster than the regular expression), or ``None``.

    The number is what is left after trimming flag letters and blanks on the right (and
    blanks on the left); the flags are what is left after trimming number characters and
    blanks on the left, and blanks on the right. The cell is valid exactly when the number is
    ``:`` or casts to a float, and the flags hold only flag letters; when anything fails,
    ``None`` sends the caller to the regular expression, which names the bad cell.
    """
    # ASCII kernels (byte-wise) are enough: a non-ASCII byte is never trimmed, so it stays in
    # the number or the flags and fails the checks below.
    number = pc.ascii_rtrim(arr, FLAG_LETTERS + _BLANKS)
    flag = pc.ascii_rtrim_whitespace(pc.ascii_ltrim(arr, _NUMBER_CHARS))
    if pc.sum(pc.binary_length(pc.ascii_ltrim(flag, FLAG_LETTERS))).as_py():
        return None
    # Arrow's float parser also takes 'inf', 'nan' and '1e5'; none of these survives the trims
    # above (their letters end up in ``flag`` and fail the check), so it sees only decimals.
    for attempt in range(2):
        try:
            values = pc.cast(pc.if_else(pc.equal(number, ":"), None, number), pa.float64())
            break
        except pa.ArrowInvalid:
            if attempt:
                return None
            number = pc.ascii_ltrim_whitespace(number)  # leading blanks are rare: trim lazily
    return values.to_numpy(zero_copy_only=False), flag


def invalid_positions(parts: pa.StructArray) -> np.ndarray:
    """Positions where :func:`pyarrow.compute.extract_regex` found no match (null rows)."""
    if parts.null_count == 0:
        return np.empty(0, dtype=np.int64)
    return np.flatnonzero(pc.is_null(parts).to_numpy(zero_copy_only=False))


def describe_flag(flag: str | None) -> str:
    """Plain-words meaning of a flag string, e.g. ``'bu'`` -> ``'break in time series; low
    reliability'``; unknown letters are named as such."""
    if not flag:
        return ""
    return "; ".join(FLAG_MEANINGS.get(ch, f"unknown flag {ch!r}") for ch in flag)


# Notes added by transformations (the part after ``|``).

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
