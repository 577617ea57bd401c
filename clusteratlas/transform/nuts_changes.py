"""NUTS change tables: our own file format, reading, writing, inverting and chaining.

A change table says how the regions of one NUTS version became those of the next. It is a
CSV file with one row per link between an old and a new code::

    from_version,to_version,level,code_from,code_to,relation,note
    2016,2021,3,HR041,HR050,recode,recoded (reassignment)
    2016,2021,3,NO021,NO020,merge,NO020 = NO021+NO022
    2016,2021,2,HR04,HR05,split,"discontinued; split into new HR02, HR05 and HR06"

``relation`` is one of :data:`RELATIONS`:

``same``
    same code, same territory (listed only to record a renaming; unlisted codes that exist in
    both versions are taken as unchanged).
``recode``
    new code, same territory.
``boundary``
    the successor, but the territory changed (a boundary shift). Values are carried over and
    flagged.
``merge``
    ``code_from`` lies wholly inside ``code_to``. When every link into ``code_to`` is a
    ``merge`` (or one ``recode``/``same``), ``code_to`` is exactly the union of its sources,
    so additive values can be summed.
``split``
    ``code_to`` lies wholly inside ``code_from`` (the old region was split). Never apportioned.
``partial``
    part of ``code_from`` went to ``code_to``; neither contains the other. Never apportioned.
``discontinued``
    ``code_from`` has no successor (``code_to`` empty).
``new``
    ``code_to`` has no predecessor (``code_from`` empty).

``level`` (0–3) and ``note`` may be empty. A table read back in either direction: the inverse
of ``merge`` is ``split`` and of ``discontinued`` is ``new``.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from clusteratlas.classifications.nuts_codes import is_nuts_code, nuts_level
from clusteratlas.errors import InputError
from clusteratlas.fileio import atomic_path

RELATIONS: tuple[str, ...] = (
    "same",
    "recode",
    "boundary",
    "merge",
    "split",
    "partial",
    "discontinued",
    "new",
)
#: Relations under which ``code_from`` goes wholly into ``code_to`` with unchanged territory.
EXACT = frozenset({"same", "recode", "merge"})
_INVERSE = {
    "same": "same",
    "recode": "recode",
    "boundary": "boundary",
    "merge": "split",
    "split": "merge",
    "partial": "partial",
    "discontinued": "new",
    "new": "discontinued",
}
FILE_COLUMNS = ["from_version", "to_version", "level", "code_from", "code_to", "relation", "note"]


@dataclass(frozen=True)
class Change:
    """One link of a change table (see the module docstring for ``relation``)."""

    code_from: str | None
    code_to: str | None
    relation: str
    level: int | None = None
    note: str = ""


@dataclass
class ChangeTable:
    """The changes from NUTS ``from_version`` to ``to_version``.

    ``from_codes``/``to_codes`` are the complete code lists of the two versions when known
    (the official table lists every code); they let the converter tell an unchanged code from
    an unknown one.
    """

    from_version: str
    to_version: str
    changes: list[Change]
    source: str
    from_codes: frozenset[str] | None = None
    to_codes: frozenset[str] | None = None
    _out: dict[str, list[Change]] = field(default_factory=dict, repr=False)
    _in: dict[str, list[Change]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for ch in self.changes:
            if ch.code_from:
                self._out.setdefault(ch.code_from, []).append(ch)
            if ch.code_to:
                self._in.setdefault(ch.code_to, []).append(ch)

    @property
    def label(self) -> str:
        return f"NUTS {self.from_version} → {self.to_version}"

    def outgoing(self, code: str) -> list[Change]:
        """Links that start at an old code."""
        return self._out.get(code, [])

    def incoming(self, code: str) -> list[Change]:
        """Links that end at a new code."""
        return self._in.get(code, [])

    def inverted(self) -> ChangeTable:
        """The same table read from ``to_version`` back to ``from_version``."""
        return ChangeTable(
            self.to_version,
            self.from_version,
            [
                replace(
                    ch, code_from=ch.code_to, code_to=ch.code_from, relation=_INVERSE[ch.relation]
                )
                for ch in self.changes
            ],
            f"{self.source} (inverted)",
            self.to_codes,
            self.from_codes,
        )

    def counts(self) -> dict[str, int]:
        """Number of links per relation."""
        out: dict[str, int] = {}
        for ch in self.changes:
            out[ch.relation] = out.get(ch.relation, 0) + 1
        return out

    def rows(self) -> list[dict[str, object]]:
        """The links as dicts in :data:`FILE_COLUMNS` order."""
        return [
            {
                "from_version": self.from_version,
                "to_version": self.to_version,
                "level": "" if ch.level is None else ch.level,
                "code_from": ch.code_from or "",
                "code_to": ch.code_to or "",
                "relation": ch.relation,
                "note": ch.note,
            }
            for ch in self.changes
        ]


def write_change_table(table: ChangeTable, path: str | Path) -> Path:
    """Write ``table`` in our CSV format (atomically: temp file, then rename)."""
    path = Path(path)
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, FILE_COLUMNS)
        w.writeheader()
        w.writerows(table.rows())
    return path


def read_change_tables(path: str | Path) -> list[ChangeTable]:
    """Read a change-table CSV (our format); one table per (from, to) version pair in it.

    Raises
    ------
    InputError
        naming the file, line and column of the first bad cell.
    """
    path = Path(path)
    if not path.exists():
        raise InputError("no such change-table file", file=path)
    groups: dict[tuple[str, str], list[Change]] = {}
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        header = reader.fieldnames or []
        missing = [c for c in FILE_COLUMNS if c not in header and c not in ("level", "note")]
        if missing:
            raise InputError(f"missing column(s) {', '.join(missing)}", file=path, line=1)
        for lineno, row in enumerate(reader, start=2):
            groups.setdefault(_versions(row, path, lineno), []).append(
                _parse_change(row, path, lineno)
            )
    if not groups:
        raise InputError("the change table has no rows", file=path)
    return [ChangeTable(f, t, chs, str(path)) for (f, t), chs in groups.items()]


def _versions(row: dict[str, str], path: Path, line: int) -> tuple[str, str]:
    out = []
    for col in ("from_version", "to_version"):
        v = (row.get(col) or "").strip()
        if not (len(v) == 4 and v.isdigit()):
            raise InputError(
                f"expected a year like 2016, got {v!r}", file=path, line=line, column=col
            )
        out.append(v)
    if out[0] == out[1]:
        raise InputError(
            "from_version equals to_version", file=path, line=line, column="to_version"
        )
    return out[0], out[1]


def _parse_change(row: dict[str, str], path: Path, line: int) -> Change:
    rel = (row.get("relation") or "").strip()
    if rel not in RELATIONS:
        raise InputError(
            f"unknown relation {rel!r} (expected one of {', '.join(RELATIONS)})",
            file=path,
            line=line,
            column="relation",
        )
    codes = {}
    for col in ("code_from", "code_to"):
        c = (row.get(col) or "").strip()
        if c and not is_nuts_code(c):
            raise InputError(f"{c!r} is not a NUTS code", file=path, line=line, column=col)
        codes[col] = c or None
    need_from = rel != "new"
    need_to = rel != "discontinued"
    for col, need in (("code_from", need_from), ("code_to", need_to)):
        if need and codes[col] is None:
            raise InputError(f"relation {rel!r} needs {col}", file=path, line=line, column=col)
        if not need and codes[col] is not None:
            raise InputError(
                f"relation {rel!r} must leave {col} empty", file=path, line=line, column=col
            )
    lev_text = (row.get("level") or "").strip()
    level: int | None = None
    if lev_text:
        if lev_text not in ("0", "1", "2", "3"):
            raise InputError(
                f"level must be 0-3, got {lev_text!r}", file=path, line=line, column="level"
            )
        level = int(lev_text)
    else:
        level = nuts_level(codes["code_from"] or codes["code_to"] or "")
    if rel == "same" and codes["code_from"] != codes["code_to"]:
        raise InputError(
            "relation 'same' needs equal codes", file=path, line=line, column="relation"
        )
    return Change(codes["code_from"], codes["code_to"], rel, level, (row.get("note") or "").strip())


def find_path(
    tables: Iterable[ChangeTable], from_version: str, to_version: str
) -> list[ChangeTable]:
    """The chain of tables (each usable forwards or inverted) from one version to another.

    Breadth-first over versions, so the shortest chain wins. Raises :class:`InputError`
    (parameter ``--to``) when no chain exists, naming the pairs that are available.
    """
    if from_version == to_version:
        return []
    steps: dict[str, list[ChangeTable]] = {}
    pool = list(tables)
    for t in pool:
        steps.setdefault(t.from_version, []).append(t)
        steps.setdefault(t.to_version, []).append(t.inverted())
    frontier = [(from_version, [])]
    seen = {from_version}
    while frontier:
        nxt = []
        for version, path in frontier:
            for t in steps.get(version, []):
                if t.to_version in seen:
                    continue
                chain = [*path, t]
                if t.to_version == to_version:
                    return chain
                seen.add(t.to_version)
                nxt.append((t.to_version, chain))
        frontier = nxt
    pairs = sorted({f"{t.from_version}↔{t.to_version}" for t in pool}) or ["none"]
    raise InputError(
        f"no NUTS change table leads from {from_version} to {to_version} "
        f"(available: {', '.join(pairs)}; give one with --changes FILE)",
        parameter="--to",
    )


def describe(tables: Sequence[ChangeTable]) -> str:
    """One line per table: pair, source and counts by relation."""
    lines = []
    for t in tables:
        counts = ", ".join(f"{k} {v}" for k, v in sorted(t.counts().items()))
        lines.append(f"{t.label}: {len(t.changes)} links ({counts}) from {t.source}")
    return "\n".join(lines)
