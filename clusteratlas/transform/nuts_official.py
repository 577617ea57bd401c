"""Derive our change table (:mod:`~clusteratlas.transform.nuts_changes`) from Eurostat's.

Eurostat publishes each NUTS amendment as a workbook (e.g. ``NUTS2021.xlsx``) whose sheet
"Changes detailed NUTS 2016-2021" lists every region of both versions with a change code
(1 renamed, 2 recoded, 3 boundary change + recode, 4 boundary change + recode + rename,
5 discontinued, 6 new; blank = unchanged) and a free-text comment, and whose sheets
"Changes NUTS-1/2/3" add explanations such as ``NO082 = NO012+NO031+NO032``. The real sheets
are in ``shared/data/nuts`` as CSV; they are read at run time, never copied.

How links are derived
---------------------
Level 3 (the building blocks):

* rows with both codes: change 1 → ``same`` (renamed), 2 → ``recode``, 3/4 → ``boundary``
  (``partial`` when the comment says the new region is made of a *part of* the old one);
* equations in the explanations (``T = A + B``, same level only) → exact ``recode``/``merge``;
* codes named in a comment: an old code named on a new region's row → ``merge`` into it
  (``partial`` when the comment speaks of parts); a new code named on an old region's row →
  ``split`` ("split into"), ``merge`` ("now part of") or ``partial`` (e.g. "lost small part to");
* when two rules disagree, an equation wins, otherwise the most cautious relation
  (partial > split > boundary > merge > recode > same).

Levels 0–2 are then derived from level 3, so they are consistent with it: level-3 links are
grouped into connected "atoms" (sets of old and new level-3 regions covering the same
territory). An old region ``S`` lies wholly inside a new region ``T`` when every atom touching
``S`` ends inside ``T``, and vice versa; this gives ``same``/``recode`` (both ways), ``merge``,
``split`` or ``partial``. A boundary change that Eurostat records at the upper level (change 3/4)
is kept as ``boundary`` when the atoms alone would call the pair unchanged.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from pathlib import Path

from clusteratlas.classifications._io import read_text
from clusteratlas.classifications.nuts_codes import ancestor_at, is_nuts_code, nuts_level
from clusteratlas.errors import InputError
from clusteratlas.transform.nuts_changes import Change, ChangeTable

DETAILED_2016_2021 = "nuts/NUTS_changes_2016_2021_detailed.csv"
BY_LEVEL_2016_2021 = "nuts/NUTS_changes_2016_2021_by_level.csv"

_CODE = r"[A-Z]{2}[0-9A-Z]{1,3}"
_MENTION = re.compile(rf"(?<![A-Z0-9])(?:ex-)?({_CODE})(?![A-Z0-9])")
_EQUATION = re.compile(rf"({_CODE})\s*=\s*((?:ex-)?{_CODE}(?:\s*\+\s*(?:ex-)?{_CODE})*)")
_CAUTION = ["same", "recode", "merge", "boundary", "split", "partial"]


def official_change_table(data_dir: Path | None = None) -> ChangeTable | None:
    """The NUTS 2016→2021 table derived from Eurostat's official sheets: those shipped with
    the package, or, given ``data_dir``, the CSVs under it (``None`` when absent there)."""
    if data_dir is None:
        from clusteratlas.classifications import reference

        return derive_from_official(
            reference.reference_file("NUTS_CHANGES_2016_2021"),
            reference.reference_file("NUTS_CHANGES_2016_2021_BY_LEVEL"),
        )
    detailed = Path(data_dir) / DETAILED_2016_2021
    if not detailed.exists():
        return None
    by_level = Path(data_dir) / BY_LEVEL_2016_2021
    return derive_from_official(detailed, by_level if by_level.exists() else None)


def _read(path: Path, required: Iterable[str]) -> list[dict[str, str]]:
    reader = csv.DictReader(io.StringIO(read_text(path), newline=""))  # .gz gunzipped
    missing = [c for c in required if c not in (reader.fieldnames or [])]
    if missing:
        raise InputError(f"missing column(s) {', '.join(missing)}", file=path, line=1)
    return list(reader)


def _code(text: str | None) -> str | None:
    s = (text or "").strip()
    return s if s and is_nuts_code(s) else None


def derive_from_official(
    detailed: str | Path,
    by_level: str | Path | None = None,
    *,
    from_version: str = "2016",
    to_version: str = "2021",
) -> ChangeTable:
    """Build a :class:`ChangeTable` from Eurostat's "changes detailed" sheet (as CSV).

    Parameters
    ----------
    detailed:
        CSV with columns ``code_<from>, code_<to>, change_code, change_comment``.
    by_level:
        Optional CSV of the "Changes NUTS-1/2/3" sheets (columns ``code_<from>, code_<to>,
        explanation``); its equations make merges exact.
    """
    cf_col, ct_col = f"code_{from_version}", f"code_{to_version}"
    rows = _read(Path(detailed), [cf_col, ct_col, "change_code", "change_comment"])
    explain: dict[tuple[str | None, str | None], str] = {}
    if by_level is not None:
        for r in _read(Path(by_level), [cf_col, ct_col, "explanation"]):
            key = (_code(r[cf_col]), _code(r[ct_col]))
            if (r.get("explanation") or "").strip():
                explain[key] = r["explanation"].strip()
    recs = []
    for r in rows:
        cf, ct = _code(r[cf_col]), _code(r[ct_col])
        if cf is None and ct is None:
            continue
        note = " ".join((r.get("change_comment") or "").replace("\xa0", " ").split())
        text = f"{note} {explain.get((cf, ct), '')}".strip()
        recs.append((cf, ct, (r.get("change_code") or "").strip(), note, text))
    from_codes = frozenset(cf for cf, *_ in recs if cf)
    to_codes = frozenset(ct for _, ct, *_ in recs if ct)

    links = _level3_links(recs, from_codes, to_codes)
    changes = [Change(f, t, rel, 3, note) for (f, t), (rel, note) in sorted(links.items())]
    changes += _ends(links, from_codes, to_codes, level=3)
    changes += _upper_levels(links, recs, from_codes, to_codes)
    changes.sort(key=lambda c: (c.level or 0, c.code_from or c.code_to or "", c.code_to or ""))
    return ChangeTable(
        from_version, to_version, changes, str(detailed), from_codes=from_codes, to_codes=to_codes
    )


def _level3_links(recs, from_codes, to_codes) -> dict[tuple[str, str], tuple[str, str]]:
    """``(code_from, code_to) -> (relation, note)`` for level 3."""
    exact: dict[tuple[str, str], tuple[str, str]] = {}
    found: dict[tuple[str, str], list[tuple[str, str]]] = {}

    def add(f: str, t: str, rel: str, note: str) -> None:
        found.setdefault((f, t), []).append((rel, note))

    for cf, ct, cc, note, text in recs:
        if nuts_level(cf or ct or "") != 3:
            continue
        low = text.lower()
        for m in _EQUATION.finditer(text):
            target = m.group(1)
            parts = [p.strip().removeprefix("ex-") for p in m.group(2).split("+")]
            same_level = all(nuts_level(p) == nuts_level(target) for p in parts)
            if target in to_codes and all(p in from_codes for p in parts) and same_level:
                rel = "merge" if len(parts) > 1 else "same" if parts[0] == target else "recode"
                for p in parts:
                    exact[(p, target)] = (rel, note or m.group(0))
        if cf and ct:
            if cc in ("3", "4"):
                part_of_old = re.search(rf"parts? of (?:ex-)?{cf}(?![A-Z0-9])", text)
                add(cf, ct, "partial" if part_of_old else "boundary", note)
            elif cc == "2" or cf != ct:
                add(cf, ct, "recode", note)
            elif cc == "1":
                add(cf, ct, "same", note or "renamed")
        for m in _MENTION.finditer(text):
            code = m.group(1)
            if code in (cf, ct) or nuts_level(code) != 3:
                continue
            old_only = code in from_codes and code not in to_codes
            new_only = code in to_codes and code not in from_codes
            if old_only and ct:
                add(code, ct, "partial" if "part" in low else "merge", note)
            elif new_only and cf:
                if "split" in low:
                    rel = "split"
                elif "now part of" in low:
                    rel = "merge"
                else:
                    rel = "partial"
                add(cf, code, rel, note)
    links: dict[tuple[str, str], tuple[str, str]] = {}
    for key, cands in found.items():
        rel = max((r for r, _ in cands), key=_CAUTION.index)
        links[key] = (rel, next(n for r, n in cands if r == rel))
    links.update(exact)
    return links


def _ends(links, from_codes, to_codes, level: int) -> list[Change]:
    """``discontinued``/``new`` for codes at ``level`` that only one version has, unlinked."""
    linked_from = {f for f, _ in links}
    linked_to = {t for _, t in links}
    out = [
        Change(c, None, "discontinued", level, "no successor in the table")
        for c in sorted(from_codes - to_codes)
        if nuts_level(c) == level and c not in linked_from
    ]
    out += [
        Change(None, c, "new", level, "no predecessor in the table")
        for c in sorted(to_codes - from_codes)
        if nuts_level(c) == level and c not in linked_to
    ]
    return out


def _atoms(links, from_codes, to_codes) -> list[tuple[set[str], set[str]]]:
    """Connected groups of level-3 old/new codes (unchanged codes link to themselves)."""
    parent: dict[tuple[str, str], tuple[str, str]] = {}

    def find(x):
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(a, b):
        parent[find(a)] = find(b)

    l3_from = {c for c in from_codes if nuts_level(c) == 3}
    l3_to = {c for c in to_codes if nuts_level(c) == 3}
    for c in l3_from:
        find(("f", c))
    for c in l3_to:
        find(("t", c))
    linked = {f for f, _ in links} | {t for _, t in links}
    for f, t in links:
        union(("f", f), ("t", t))
    for c in l3_from & l3_to:
        if c not in linked:
            union(("f", c), ("t", c))
    groups: dict[tuple[str, str], tuple[set[str], set[str]]] = {}
    for node in list(parent):
        side, code = node
        g = groups.setdefault(find(node), (set(), set()))
        g[0 if side == "f" else 1].add(code)
    return list(groups.values())


def _upper_levels(links, recs, from_codes, to_codes) -> list[Change]:
    """Links at levels 0–2 derived from the level-3 atoms."""
    atoms = _atoms(links, from_codes, to_codes)
    official = {(cf, ct): (cc, note) for cf, ct, cc, note, _ in recs}
    notes_from = {cf: note for cf, ct, cc, note, _ in recs if cf and note}
    notes_to = {ct: note for cf, ct, cc, note, _ in recs if ct and note}
    out: list[Change] = []
    for level in (2, 1, 0):
        touch_from: dict[str, list[int]] = {}
        touch_to: dict[str, list[int]] = {}
        srcs, tgts = [], []
        for i, (af, at) in enumerate(atoms):
            s = {ancestor_at(c, level) for c in af}
            t = {ancestor_at(c, level) for c in at}
            srcs.append(s)
            tgts.append(t)
            for c in s:
                touch_from.setdefault(c, []).append(i)
            for c in t:
                touch_to.setdefault(c, []).append(i)
        pairs = {(s, t) for i in range(len(atoms)) for s in srcs[i] for t in tgts[i]}
        for s, t in sorted(pairs):
            inside_t = all(tgts[i] == {t} for i in touch_from[s])
            inside_s = all(srcs[i] == {s} for i in touch_to[t])
            cc, onote = official.get((s, t), ("", ""))
            if s == t and not (inside_t and inside_s):
                rel = "boundary"  # same code, territory gained or lost
            elif inside_t and inside_s:
                if cc in ("3", "4"):
                    rel = "boundary"
                elif s != t:
                    rel = "recode"
                elif cc == "1":
                    rel = "same"
                else:
                    continue
            elif inside_t:
                rel = "merge"
            elif inside_s:
                rel = "split"
            else:
                rel = "partial"
            note = onote or "; ".join(
                f"{code}: {n}" for code, n in ((s, notes_from.get(s)), (t, notes_to.get(t))) if n
            )
            out.append(Change(s, t, rel, level, note or "derived from the level-3 changes"))
        level_from = {c for c in from_codes if nuts_level(c) == level}
        level_to = {c for c in to_codes if nuts_level(c) == level}
        out += [
            Change(c, None, "discontinued", level, notes_from.get(c, "no successor"))
            for c in sorted(level_from - level_to)
            if c not in touch_from
        ]
        out += [
            Change(None, c, "new", level, notes_to.get(c, "no predecessor"))
            for c in sorted(level_to - level_from)
            if not any(t == c for _, t in pairs)
        ]
    return out
