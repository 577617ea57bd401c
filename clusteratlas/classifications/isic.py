"""ISIC Rev. 4: the code list, and its class-level correspondence with NACE Rev. 2.

ISIC codes are undotted (``0111``). Levels: 1 section, 2 division, 3 group, 4 class. The file
lists codes in order, each division after its section, so a division's section is the last
section above it; groups and classes hang under their code prefix.

NACE Rev. 2 is the European subdivision of ISIC Rev. 4: both share sections and divisions,
and every NACE class lies inside exactly one ISIC class. Codes do **not** tell which one below
the division — ``01.42`` (other cattle) sits in ISIC ``0141`` (cattle), while ISIC ``0142`` is
horses; NACE ``10.73`` (pasta) is ISIC ``1074``, and ISIC ``1073`` is cocoa. No official
class-level table ships with the shared data, so :func:`isic4_nace2_classes` rebuilds it from
the titles with rules listed in its docstring, then applies the project's reviewed
corrections (``data/isic4_nace2_corrections.csv``).
"""

from __future__ import annotations

import csv
import re
from importlib import resources
from pathlib import Path

import pandas as pd

from clusteratlas.classifications._io import read_codes_csv
from clusteratlas.classifications.concordance import Concordance
from clusteratlas.classifications.hierarchy import Code, Hierarchy
from clusteratlas.errors import InputError

ISIC4 = "ISIC4"
ISIC4_FILE = "isic_rev4_structure.csv"
CORRECTIONS_NAME = "isic4_nace2_corrections.csv"

# Words that carry no meaning for telling classes apart.
# fmt: off
_STOP = frozenset({
    "of", "and", "the", "for", "in", "on", "or", "by", "with", "n", "e", "c", "nec", "other",
    "related", "activities", "activity", "manufacture", "except", "similar", "products",
    "production", "specialized", "stores", "wholesale", "retail", "sale",
})
# fmt: on


def load_isic4(path: str | Path) -> Hierarchy:
    """ISIC Rev. 4 from ``isic_rev4_structure.csv`` (``code, level, name``): 21 sections,
    88 divisions, 238 groups, 419 classes."""
    path = Path(path)
    frame = read_codes_csv(path, ["code", "level", "name"])
    out: list[Code] = []
    section: str | None = None
    for line, (code, level, name) in enumerate(
        zip(frame["code"], frame["level"], frame["name"], strict=True), start=2
    ):
        expected = {"1": code.isalpha() and len(code) == 1, "2": len(code) == 2}
        expected.update({"3": len(code) == 3, "4": len(code) == 4})
        if level not in expected or not expected[level]:
            raise InputError(
                f"code {code!r} does not fit level {level!r}", file=path, line=line, column="level"
            )
        lv = int(level)
        if lv == 1:
            section = code
            parent = None
        elif lv == 2:
            if section is None:
                raise InputError("division before any section", file=path, line=line)
            parent = section
        else:
            parent = code[: lv - 1]
        out.append(Code(code, parent, lv, name))
    return Hierarchy(ISIC4, out, source=str(path))


# -- ISIC4 <-> NACE Rev. 2 at class level ------------------------------------------------------
def normalise_title(title: str) -> str:
    """Lower-case a title, spell -ise as -ize, drop punctuation: titles of the two
    classifications differ in exactly these ways when they mean the same thing.

    >>> normalise_title("Mining of chemical and fertiliser minerals")
    'mining of chemical and fertilizer minerals'
    """
    s = title.lower().replace("n.e.c.", "nec")
    s = re.sub(r"is(e|ed|er|ers|es|ing|ation|ations)\b", r"iz\1", s)
    s = s.replace("specialised", "specialized")
    return re.sub(r"[^a-z0-9]+", " ", s).strip()


def title_similarity(a: str, b: str) -> float:
    """Jaccard similarity of the content words of two titles (words cut to 5 letters).

    .. math:: J(a, b) = |W_a \\cap W_b| / |W_a \\cup W_b|

    >>> round(title_similarity("Casting of light metals", "Casting of non-ferrous metals"), 2)
    0.4
    """
    wa = {w[:5] for w in normalise_title(a).split() if w not in _STOP and len(w) > 2}
    wb = {w[:5] for w in normalise_title(b).split() if w not in _STOP and len(w) > 2}
    if not wa or not wb:
        return 0.0
    return len(wa & wb) / len(wa | wb)


def corrections_path() -> Path:
    """The packaged corrections file."""
    return Path(str(resources.files("clusteratlas.classifications") / "data" / CORRECTIONS_NAME))


def read_corrections(path: str | Path | None = None) -> pd.DataFrame:
    """The reviewed corrections (``nace_r2, isic4, note``); default: the packaged file."""
    path = corrections_path() if path is None else Path(path)
    if not path.is_file():
        raise InputError("corrections file not found", file=path)
    content = path.read_text(encoding="utf-8")
    origin = str(path)
    lines = [ln for ln in content.splitlines() if ln.strip() and not ln.startswith("#")]
    rows = list(csv.DictReader(lines))
    frame = pd.DataFrame(rows, columns=["nace_r2", "isic4", "note"])
    frame.attrs["origin"] = origin
    return frame


def isic4_nace2_classes(
    isic: Hierarchy, nace: Hierarchy, corrections: str | Path | None = None
) -> Concordance:
    """ISIC Rev. 4 class → NACE Rev. 2 classes, one ISIC parent per NACE class.

    For each NACE class, within its division (identical in both classifications):

    1. ``class-title``: the ISIC class with the same (normalised) title;
    2. ``group-title``: else the ISIC class titled like the NACE *group* (NACE split one
       ISIC class into a group, e.g. NACE 10.5 dairy = ISIC 1050);
    3. ``similar``: else the ISIC class with the most similar title (Jaccard of content
       words of the class title, plus half that of the group title), looking only inside
       the ISIC group titled like the NACE group when there is one, else in the division;
       ties go to the highest code (the residual "other … n.e.c." class comes last);
    4. ``corrected``: the reviewed corrections file overrides any of the above.

    Returns a :class:`Concordance` ISIC4 → NACE_R2 with link attributes ``basis`` and
    ``score`` (the similarity for ``similar``, 1 otherwise).
    """
    fixes = read_corrections(corrections)
    fix = dict(zip(fixes["nace_r2"], fixes["isic4"], strict=True))
    for code, target in fix.items():
        if code not in nace or target not in isic:
            raise InputError(
                f"correction {code} -> {target} names an unknown code",
                file=fixes.attrs["origin"],
            )
    i_classes = isic.codes_at(4)
    i_groups = isic.codes_at(3)
    i_title = {c: normalise_title(isic.label(c) or "") for c in isic}
    rows = []
    for c in nace.codes_at(4):
        group = nace.parent(c)
        div = c[:2]
        title = normalise_title(nace.label(c) or "")
        gtitle = normalise_title(nace.label(group) or "")
        in_div = [x for x in i_classes if x[:2] == div]
        same = [x for x in in_div if i_title[x] == title]
        same_group = [x for x in in_div if i_title[x] == gtitle]
        if len(same) == 1:
            target, basis, score = same[0], "class-title", 1.0
        elif len(same_group) == 1:
            target, basis, score = same_group[0], "group-title", 1.0
        else:
            g = [x for x in i_groups if x[:2] == div and i_title[x] == gtitle]
            pool = [x for x in in_div if x[:3] == g[0]] if g else in_div
            scored = [
                (
                    title_similarity(nace.label(c) or "", isic.label(x) or "")
                    + 0.5 * title_similarity(nace.label(group) or "", isic.label(x) or ""),
                    x,
                )
                for x in pool
            ]
            score, target = max(scored)  # ties: the highest code, i.e. the residual class
            basis = "similar"
        if c in fix:
            target, basis, score = fix[c], "corrected", 1.0
        rows.append((target, c, basis, round(score, 4)))
    links = pd.DataFrame(rows, columns=["source", "target", "basis", "score"])
    return Concordance(ISIC4, "NACE_R2", links, origin="clusteratlas isic4_nace2_classes")
