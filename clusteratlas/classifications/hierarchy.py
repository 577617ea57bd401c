"""A generic code hierarchy (NACE, NAICS, ISIC, or a user's own) with navigation and roll-up.

A :class:`Hierarchy` holds the codes of one classification, each with its parent, level and
label. It answers tree questions (parent, children, ancestors, descendants, codes at a level)
and rolls data up from detailed codes to a coarser level by summing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from clusteratlas.errors import InputError


def _blank(value: object) -> bool:
    """None, '' or a pandas/NumPy missing value."""
    return value is None or value == "" or (isinstance(value, float) and value != value)


@dataclass(frozen=True)
class Code:
    """One code of a classification."""

    code: str
    parent: str | None
    level: int
    label: str | None = None


class Hierarchy:
    """The codes of one classification as a tree (a forest: sections/sectors are the roots).

    Parameters
    ----------
    classification:
        Its name as used in the store, e.g. ``'NACE_R2'``.
    codes:
        :class:`Code` items, or ``(code, parent, level, label)`` tuples. A parent must be one
        of the codes (or ``None`` for a root), and a child's level must be deeper than its
        parent's.
    source:
        File the codes came from, named in error messages.

    Examples
    --------
    >>> h = Hierarchy("toy", [("A", None, 1, "All"), ("A1", "A", 2, "One"), ("A2", "A", 2, "Two")])
    >>> h.children("A"), h.parent("A2"), h.codes_at(2)
    (['A1', 'A2'], 'A', ['A1', 'A2'])
    """

    def __init__(
        self,
        classification: str,
        codes: Iterable[Code | tuple[str, str | None, int, str | None]],
        *,
        source: str | None = None,
    ) -> None:
        self.classification = classification
        self.source = source
        self._codes: dict[str, Code] = {}
        for item in codes:
            c = item if isinstance(item, Code) else Code(*item)
            parent = None if _blank(c.parent) else c.parent
            c = Code(str(c.code), None if parent is None else str(parent), int(c.level), c.label)
            if c.code in self._codes:
                raise InputError(f"code {c.code!r} appears twice in {classification}", file=source)
            self._codes[c.code] = c
        self._children: dict[str | None, list[str]] = {}
        for c in self._codes.values():
            if c.parent is not None:
                p = self._codes.get(c.parent)
                if p is None:
                    raise InputError(
                        f"code {c.code!r} has parent {c.parent!r}, which is not a "
                        f"{classification} code",
                        file=source,
                    )
                if p.level >= c.level:
                    raise InputError(
                        f"code {c.code!r} (level {c.level}) is not deeper than its parent "
                        f"{p.code!r} (level {p.level})",
                        file=source,
                    )
            self._children.setdefault(c.parent, []).append(c.code)

    # -- construction ----------------------------------------------------------------------
    @classmethod
    def from_frame(
        cls, classification: str, frame: pd.DataFrame, *, source: str | None = None
    ) -> Hierarchy:
        """Build from a frame with columns ``code, parent, level`` and optionally ``label``."""
        label = frame["label"] if "label" in frame.columns else [None] * len(frame)
        return cls(
            classification,
            zip(frame["code"], frame["parent"], frame["level"], label, strict=True),
            source=source,
        )

    def to_frame(self) -> pd.DataFrame:
        """The codes in the store's ``industries`` columns
        (``classification, code, parent, level, label``), in file order."""
        return pd.DataFrame(
            {
                "classification": self.classification,
                "code": [c.code for c in self._codes.values()],
                "parent": [c.parent for c in self._codes.values()],
                "level": [c.level for c in self._codes.values()],
                "label": [c.label for c in self._codes.values()],
            }
        )

    # -- look-up ---------------------------------------------------------------------------
    def __contains__(self, code: object) -> bool:
        return code in self._codes

    def __len__(self) -> int:
        return len(self._codes)

    def __iter__(self) -> Iterator[str]:
        return iter(self._codes)

    def __repr__(self) -> str:
        counts = ", ".join(f"L{lv}={len(self.codes_at(lv))}" for lv in self.levels)
        return f"Hierarchy({self.classification!r}, {len(self)} codes: {counts})"

    def _get(self, code: str) -> Code:
        try:
            return self._codes[code]
        except KeyError:
            raise InputError(
                f"{code!r} is not a {self.classification} code", parameter="code"
            ) from None

    def get(self, code: str) -> Code:
        """The :class:`Code` record of ``code`` (InputError if unknown)."""
        return self._get(code)

    def label(self, code: str) -> str | None:
        return self._get(code).label

    def parent(self, code: str) -> str | None:
        return self._get(code).parent

    def level_of(self, code: str) -> int:
        return self._get(code).level

    @property
    def levels(self) -> list[int]:
        """The levels present, coarsest first."""
        return sorted({c.level for c in self._codes.values()})

    def codes_at(self, level: int) -> list[str]:
        """All codes at ``level``, in file order."""
        return [c.code for c in self._codes.values() if c.level == level]

    def roots(self) -> list[str]:
        return list(self._children.get(None, []))

    def children(self, code: str) -> list[str]:
        self._get(code)
        return list(self._children.get(code, []))

    def ancestors(self, code: str) -> list[str]:
        """Parent, grandparent, … up to the root (nearest first)."""
        out = []
        parent = self._get(code).parent
        while parent is not None:
            out.append(parent)
            parent = self._codes[parent].parent
        return out

    def descendants(self, code: str) -> list[str]:
        """All codes below ``code``, depth first in file order."""
        out: list[str] = []
        stack = list(reversed(self.children(code)))
        while stack:
            c = stack.pop()
            out.append(c)
            stack.extend(reversed(self._children.get(c, [])))
        return out

    def leaves(self) -> list[str]:
        """Codes without children (e.g. the NACE classes)."""
        return [c for c in self._codes if c not in self._children]

    def ancestor_at(self, code: str, level: int) -> str | None:
        """The code's ancestor at ``level`` (the code itself if already there).

        ``None`` when the code is coarser than ``level`` or has no ancestor at that level.
        """
        c = self._get(code)
        while c.level > level and c.parent is not None:
            c = self._codes[c.parent]
        return c.code if c.level == level else None

    # -- roll-up ---------------------------------------------------------------------------
    def mapping_to_level(self, level: int, codes: Sequence[str] | None = None) -> pd.DataFrame:
        """``code → ancestor`` at ``level`` for every code at or below it (columns
        ``code, ancestor``). Useful as a join table for Ibis or SQL roll-ups."""
        pool = self._codes if codes is None else codes
        pairs = [(c, self.ancestor_at(c, level)) for c in pool if self._get(c).level >= level]
        return pd.DataFrame(
            [(c, a) for c, a in pairs if a is not None], columns=["code", "ancestor"]
        )

    def roll_up(
        self,
        frame: pd.DataFrame,
        code_col: str,
        value_cols: str | Sequence[str],
        to_level: int,
        *,
        by: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        """Sum values from detailed codes up to their ancestors at ``to_level``.

        .. math:: Y_{g,a} = \\sum_{i:\\ \\mathrm{anc}(i)=a} X_{g,i}

        where ``g`` are the other key columns (``by``), ``i`` the codes in ``code_col`` and
        ``anc(i)`` the ancestor of ``i`` at ``to_level``. Missing values are skipped; a group
        whose values are all missing stays missing (NaN), never 0.

        Parameters
        ----------
        frame:
            Data with one code per row.
        code_col:
            Column holding codes of this hierarchy at ``to_level`` or deeper.
        value_cols:
            Column(s) to sum.
        to_level:
            Target level (e.g. 2 = NACE division).
        by:
            Other grouping columns; default: every column that is neither ``code_col`` nor a
            value column.

        Returns
        -------
        pandas.DataFrame
            ``by`` columns, ``code_col`` (now ancestor codes) and the summed values.

        Raises
        ------
        InputError
            Unknown codes, codes coarser than ``to_level``, or a frame holding both a code and
            one of its ancestors (the sum would count the same jobs twice).

        Examples
        --------
        >>> h = Hierarchy("toy", [("A", None, 1, ""), ("A1", "A", 2, ""), ("A2", "A", 2, "")])
        >>> df = pd.DataFrame({"code": ["A1", "A2"], "emp": [3.0, 4.0]})
        >>> h.roll_up(df, "code", "emp", 1)
          code  emp
        0    A  7.0
        """
        values = [value_cols] if isinstance(value_cols, str) else list(value_cols)
        for col in [code_col, *values, *(by or [])]:
            if col not in frame.columns:
                raise InputError("no such column in the frame", column=col)
        if to_level not in self.levels:
            raise InputError(
                f"level {to_level} is not one of {self.levels} of {self.classification}",
                parameter="to_level",
            )
        keys = list(by) if by is not None else [c for c in frame.columns if c not in values]
        keys = [c for c in keys if c != code_col]
        codes = frame[code_col].astype(str).unique().tolist()
        present = set(codes)
        for code in codes:
            if code not in self._codes:
                raise InputError(f"{code!r} is not a {self.classification} code", column=code_col)
            if self._codes[code].level < to_level:
                raise InputError(
                    f"{code!r} is at level {self._codes[code].level}, coarser than the target "
                    f"level {to_level}",
                    column=code_col,
                )
            clash = present.intersection(self.ancestors(code))
            if clash:
                raise InputError(
                    f"the frame holds both {code!r} and its ancestor {sorted(clash)[0]!r}; "
                    "rolling up would count them twice",
                    column=code_col,
                )
        mapping = {c: self.ancestor_at(c, to_level) for c in codes}
        out = frame[[*keys, code_col, *values]].copy()
        out[code_col] = out[code_col].astype(str).map(mapping)
        grouped = out.groupby([*keys, code_col], sort=True, dropna=False)[values]
        return grouped.sum(min_count=1).reset_index()

    def roll_up_table(
        self, table: Any, code_col: str, value_cols: str | Sequence[str], to_level: int
    ) -> Any:
        """The same roll-up as an Ibis expression over ``table`` (any backend).

        Codes without an ancestor at ``to_level`` (unknown or coarser) are dropped by the
        inner join; check them with :meth:`roll_up` on a sample if in doubt.
        """
        import ibis

        values = [value_cols] if isinstance(value_cols, str) else list(value_cols)
        link = ibis.memtable(self.mapping_to_level(to_level))
        keys = [c for c in table.columns if c not in (code_col, *values)]
        joined = table.join(link, table[code_col] == link["code"])
        return (
            joined.group_by([*keys, joined["ancestor"].name(code_col)])
            .aggregate(**{v: joined[v].sum() for v in values})
            .order_by([*keys, code_col])
        )
