"""Concordances: many-to-many links between the codes of two classifications.

A :class:`Concordance` is a table of ``(source, target)`` links plus any attributes the
publisher gives (notes, "partial" flags). It answers look-ups both ways, summarises how codes
split and merge, composes with another concordance, and converts data when the rule for
splitting a source code is made explicit.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from clusteratlas.errors import InputError


class Concordance:
    """Links from codes of ``source`` to codes of ``target`` (e.g. NAICS2012 → ISIC4).

    Parameters
    ----------
    source, target:
        Classification names, e.g. ``'NAICS2012'`` and ``'ISIC4'``.
    links:
        Frame with string columns ``source`` and ``target`` and any further attribute
        columns. Duplicate links are dropped.
    origin:
        Where the links came from (file, publisher), kept for provenance.

    Examples
    --------
    >>> links = pd.DataFrame({"source": ["a", "a", "b"], "target": ["X", "Y", "Y"]})
    >>> c = Concordance("S", "T", links)
    >>> c.targets("a"), c.sources("Y"), c.summary()["split_sources"]
    (['X', 'Y'], ['a', 'b'], 1)
    """

    def __init__(
        self, source: str, target: str, links: pd.DataFrame, *, origin: str | None = None
    ) -> None:
        for col in ("source", "target"):
            if col not in links.columns:
                raise InputError("a concordance needs this column", file=origin, column=col)
        frame = links.copy()
        frame["source"] = frame["source"].astype(str)
        frame["target"] = frame["target"].astype(str)
        self.source = source
        self.target = target
        self.origin = origin
        self._links = frame.drop_duplicates(["source", "target"]).reset_index(drop=True)
        self._by_source = self._links.groupby("source", sort=False)["target"].agg(list).to_dict()
        self._by_target = self._links.groupby("target", sort=False)["source"].agg(list).to_dict()

    def __repr__(self) -> str:
        s = self.summary()
        return (
            f"Concordance({self.source}→{self.target}: {s['links']} links, "
            f"{s['sources']} sources, {s['targets']} targets)"
        )

    def __len__(self) -> int:
        return len(self._links)

    @property
    def links(self) -> pd.DataFrame:
        """The link table (a copy)."""
        return self._links.copy()

    @property
    def source_codes(self) -> list[str]:
        return list(self._by_source)

    @property
    def target_codes(self) -> list[str]:
        return list(self._by_target)

    def targets(self, code: str) -> list[str]:
        """Target codes linked to source ``code`` (empty if none)."""
        return list(self._by_source.get(str(code), []))

    def sources(self, code: str) -> list[str]:
        """Source codes linked to target ``code`` (empty if none)."""
        return list(self._by_target.get(str(code), []))

    def summary(self) -> dict[str, int]:
        """Counts: links, sources, targets, one-to-one links, split sources (a source with
        several targets) and merged targets (a target with several sources)."""
        n_t = self._links.groupby("source")["target"].transform("size")
        n_s = self._links.groupby("target")["source"].transform("size")
        return {
            "links": len(self._links),
            "sources": len(self._by_source),
            "targets": len(self._by_target),
            "one_to_one": int(((n_t == 1) & (n_s == 1)).sum()),
            "split_sources": sum(1 for v in self._by_source.values() if len(v) > 1),
            "merged_targets": sum(1 for v in self._by_target.values() if len(v) > 1),
        }

    def inverse(self) -> Concordance:
        """The same links read from target to source."""
        flipped = self._links.rename(columns={"source": "target", "target": "source"})
        return Concordance(self.target, self.source, flipped, origin=self.origin)

    def compose(self, other: Concordance) -> Concordance:
        """Chain ``self`` (A→B) with ``other`` (B→C) into A→C (every path is a link)."""
        if other.source != self.target:
            raise InputError(
                f"cannot chain {self.source}→{self.target} with {other.source}→{other.target}",
                parameter="other",
            )
        left = self._links[["source", "target"]].rename(columns={"target": "via"})
        right = other._links[["source", "target"]].rename(columns={"source": "via"})
        joined = left.merge(right, on="via")
        return Concordance(
            self.source,
            other.target,
            joined,
            origin=" + ".join(o for o in (self.origin, other.origin) if o),
        )

    def convert(
        self,
        frame: pd.DataFrame,
        code_col: str,
        value_cols: str | Sequence[str],
        *,
        weight_col: str | None = None,
        split: str = "error",
    ) -> pd.DataFrame:
        """Re-express data coded in ``source`` in ``target`` codes.

        .. math:: Y_{g,t} = \\sum_s w_{s,t} X_{g,s}

        with ``w`` the share of source ``s`` that goes to target ``t``. Where a source code
        has one target, ``w = 1``. Where it splits, the weights must come from ``weight_col``
        (a column of the link table whose values sum to 1 per source) or, with
        ``split='equal'``, be ``1/n`` — an assumption the caller must report.

        Parameters
        ----------
        frame:
            Data with one code per row in ``code_col``; other non-value columns are keys.
        value_cols:
            Additive columns (employment, establishments ...).
        weight_col:
            Link attribute holding ``w``.
        split:
            ``'error'`` (default: refuse to split without weights) or ``'equal'``.

        Raises
        ------
        InputError
            A code with no link, or a split without a stated rule.
        """
        values = [value_cols] if isinstance(value_cols, str) else list(value_cols)
        links = self._links[["source", "target"]].copy()
        n = links.groupby("source")["target"].transform("size")
        if weight_col is not None:
            if weight_col not in self._links.columns:
                raise InputError("no such column in the links", parameter="weight_col")
            links["w"] = self._links[weight_col].astype(float)
        elif split == "equal":
            links["w"] = 1.0 / n
        elif split == "error":
            if (n > 1).any() and frame[code_col].astype(str).isin(links.loc[n > 1, "source"]).any():
                raise InputError(
                    f"some {self.source} codes split over several {self.target} codes; give "
                    "weight_col or split='equal'",
                    parameter="split",
                )
            links["w"] = 1.0
        else:
            raise InputError(f"unknown split rule {split!r}", parameter="split")
        data = frame.assign(**{code_col: frame[code_col].astype(str)})
        unknown = sorted(set(data[code_col]) - set(links["source"]))
        if unknown:
            raise InputError(
                f"{len(unknown)} {self.source} code(s) have no link, e.g. {unknown[0]!r}",
                column=code_col,
            )
        keys = [c for c in data.columns if c not in (code_col, *values)]
        merged = data.merge(links, left_on=code_col, right_on="source")
        for v in values:
            merged[v] = merged[v] * merged["w"]
        merged[code_col] = merged["target"]
        return (
            merged.groupby([*keys, code_col], sort=True, dropna=False)[values]
            .sum(min_count=1)
            .reset_index()
        )

    def to_records(self) -> list[dict[str, Any]]:
        return self._links.to_dict("records")
