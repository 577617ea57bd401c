"""NAICS: the 2012 code list and the Census Bureau concordances to ISIC Rev. 4 and between
NAICS vintages.

Levels are the number of digits: 2 sector, 3 subsector, 4 industry group, 5 NAICS industry,
6 national industry. Three sectors are ranges of 2-digit codes (``31-33`` Manufacturing,
``44-45`` Retail Trade, ``48-49`` Transportation and Warehousing); their subsectors
(``311``, ``441``, ``481`` …) hang under the range. Store names: ``NAICS2012``, ``NAICS2017``.
"""

from __future__ import annotations

from pathlib import Path

from clusteratlas.classifications._io import read_codes_csv
from clusteratlas.classifications.concordance import Concordance
from clusteratlas.classifications.hierarchy import Code, Hierarchy
from clusteratlas.errors import InputError

NAICS2012 = "NAICS2012"
NAICS2017 = "NAICS2017"
ISIC4 = "ISIC4"

NAICS2012_FILE = "naics2012_codes_titles.csv"
NAICS2012_ISIC4_FILE = "naics2012_to_isic4_census.csv"
NAICS2017_ISIC4_FILE = "naics2017_to_isic4_census.csv"
NAICS2017_NAICS2012_FILE = "naics2017_to_naics2012_census.csv"


def sector_of(code: str, sectors: list[str]) -> str | None:
    """The sector (``'31-33'`` or ``'54'``) holding a code of 3+ digits.

    >>> sector_of("336411", ["31-33", "54"])
    '31-33'
    """
    two = int(code[:2])
    for s in sectors:
        lo, _, hi = s.partition("-")
        if int(lo) <= two <= int(hi or lo):
            return s
    return None


def load_naics2012(path: str | Path) -> Hierarchy:
    """NAICS 2012 from the Census titles file (``naics2012, short_title, full_title``).

    2,229 codes: 18 sectors, 100 subsectors, 313 industry groups, 715 NAICS industries,
    1,083 national industries. Labels are the full titles.
    """
    path = Path(path)
    frame = read_codes_csv(path, ["naics2012", "full_title"])
    codes = frame["naics2012"].tolist()
    present = set(codes)
    sectors = [c for c in codes if len(c) == 2 or "-" in c]
    out: list[Code] = []
    for line, (code, title) in enumerate(zip(codes, frame["full_title"], strict=True), start=2):
        if code in sectors:
            out.append(Code(code, None, 2, title))
            continue
        if not code.isdigit() or not 3 <= len(code) <= 6:
            raise InputError(
                f"{code!r} is not a NAICS code", file=path, line=line, column="naics2012"
            )
        parent = next((code[:k] for k in range(len(code) - 1, 2, -1) if code[:k] in present), None)
        if parent is None:
            parent = sector_of(code, sectors)
        if parent is None:
            raise InputError(
                f"{code!r} falls in no sector of the file", file=path, line=line, column="naics2012"
            )
        out.append(Code(code, parent, len(code), title))
    return Hierarchy(NAICS2012, out, source=str(path))


def _concordance(
    path: Path, src_col: str, tgt_col: str, source: str, target: str, extra: dict[str, str]
) -> Concordance:
    frame = read_codes_csv(path, [src_col, tgt_col])
    frame = frame[(frame[src_col] != "0") & (frame[src_col] != "")]
    cols = {src_col: "source", tgt_col: "target", **extra}
    links = frame[[c for c in cols if c in frame.columns]].rename(columns=cols)
    return Concordance(source, target, links, origin=str(path))


def load_naics_to_isic4(path: str | Path, vintage: str = NAICS2012) -> Concordance:
    """Census NAICS → ISIC Rev. 4 concordance (``vintage`` ``'NAICS2012'`` or ``'NAICS2017'``).

    The household rows (NAICS ``0`` → ISIC 9810/9820) are dropped. Link attributes kept:
    ``notes`` and, for 2017, ``part_of_naics``/``part_of_isic`` (``*`` = the link covers part
    of the code). A few ISIC targets are group-level (``012X``, ``014X``, ``331X``): the
    Census links the NAICS industry to a whole ISIC group.

    NAICS 2012 → ISIC 4 has 1,663 links from 1,065 NAICS codes.
    """
    path = Path(path)
    col = "naics2012" if vintage == NAICS2012 else "naics2017"
    if vintage not in (NAICS2012, NAICS2017):
        raise InputError(f"unknown NAICS vintage {vintage!r}", parameter="vintage")
    extra = {
        "notes": "notes",
        "part_of_naics2017": "part_of_naics",
        "part_of_isic4": "part_of_isic",
    }
    return _concordance(path, col, "isic4", vintage, ISIC4, extra)


def load_naics2017_to_naics2012(path: str | Path) -> Concordance:
    """Census NAICS 2017 → NAICS 2012 (1,069 links), to bridge CBP 2017+ data to the CMP's
    NAICS 2012 cluster definitions."""
    return _concordance(
        Path(path),
        "naics2017",
        "naics2012",
        NAICS2017,
        NAICS2012,
        {"naics2012_title_piece": "title_piece"},
    )
