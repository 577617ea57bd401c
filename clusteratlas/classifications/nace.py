"""NACE Rev. 2 and NACE Rev. 2.1: code lists and the Rev. 2 → Rev. 2.1 class concordance.

Levels follow the official structure: 1 section (``C``), 2 division (``10``), 3 group
(``10.5``), 4 class (``10.51``). Codes are dotted as Eurostat writes them.
Store names: ``NACE_R2`` and ``NACE_R21``.
"""

from __future__ import annotations

from pathlib import Path

from clusteratlas.classifications._io import read_codes_csv
from clusteratlas.classifications.concordance import Concordance
from clusteratlas.classifications.hierarchy import Hierarchy
from clusteratlas.errors import InputError

NACE_R2 = "NACE_R2"
NACE_R21 = "NACE_R21"
LEVEL_NAMES = {1: "section", 2: "division", 3: "group", 4: "class"}

NACE_R2_FILE = "nace_rev2_structure.csv"
NACE_R21_FILE = "nace_rev21_structure_codes_only.csv"
NACE_R2_R21_FILE = "nace_rev2_to_nace_rev21_classes.csv"


def _hierarchy(name: str, path: Path, label_col: str | None) -> Hierarchy:
    frame = read_codes_csv(path, ["code", "level", "parent", *([label_col] if label_col else [])])
    bad = frame[~frame["level"].isin(["1", "2", "3", "4"])]
    if len(bad):
        raise InputError(
            f"level {bad['level'].iloc[0]!r} is not 1-4",
            file=path,
            line=int(bad.index[0]) + 2,
            column="level",
        )
    frame["level"] = frame["level"].astype(int)
    frame["label"] = frame[label_col] if label_col else None
    frame["parent"] = frame["parent"].replace("", None)
    # sections first so that parents precede children in file order
    frame = frame.sort_values("level", kind="stable")
    return Hierarchy.from_frame(name, frame, source=str(path))


def load_nace_rev2(path: str | Path) -> Hierarchy:
    """NACE Rev. 2 from ``nace_rev2_structure.csv`` (columns ``code, level, parent, name``).

    The Eurostat file has 996 codes: 21 sections, 88 divisions, 272 groups, 615 classes.
    """
    return _hierarchy(NACE_R2, Path(path), "name")


def load_nace_rev21(path: str | Path) -> Hierarchy:
    """NACE Rev. 2.1 codes from ``nace_rev21_structure_codes_only.csv`` (no labels):
    22 sections, 87 divisions, 287 groups, 650 classes."""
    return _hierarchy(NACE_R21, Path(path), None)


def load_nace_rev2_to_rev21(path: str | Path) -> Concordance:
    """The NACE Rev. 2 → Rev. 2.1 class table (columns ``nace_rev2, nace_rev21``).

    928 links; all 615 Rev. 2 classes and 650 Rev. 2.1 classes appear, 124 Rev. 2 classes
    split. The table has no weights: converting data across it needs a split rule (see
    :meth:`Concordance.convert`).
    """
    path = Path(path)
    frame = read_codes_csv(path, ["nace_rev2", "nace_rev21"])
    links = frame.rename(columns={"nace_rev2": "source", "nace_rev21": "target"})
    return Concordance(NACE_R2, NACE_R21, links, origin=str(path))
