"""Bridging CBP data coded in NAICS 2017 to NAICS 2012 with the Census concordance.

The U.S. Cluster Mapping Project's cluster definitions are in NAICS 2012, while CBP is coded
in NAICS 2017 from reference year 2017. The Census Bureau's "2017 NAICS to 2012 NAICS"
concordance (``classifications/naics2017_to_naics2012_census.csv`` in shared data; read at
run time with :func:`clusteratlas.classifications.naics.load_naics2017_to_naics2012`) links
the 6-digit codes:

* one 2017 code → one 2012 code: the value moves to the 2012 code;
* several 2017 codes → one 2012 code: the values are summed (a NULL part makes the sum NULL);
* one 2017 code → several 2012 codes (9 codes, e.g. 211130 → 211111, 211112): the table has
  no weights, so the value is split **equally** and every piece carries the note
  ``naics=split-equal:211130/2``. Totals are preserved; the detail is an assumption.

``'00'`` (all industries) and the 2-digit sectors, identical in both vintages, pass through.
3- to 5-digit aggregates are dropped (their 2012 equivalents can be rebuilt from the 6-digit
codes); so are 6-digit codes without a link. Both are counted in the report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from clusteratlas.store.flags import annotate, merge_flags, split_flag

CONCORDANCE_FILE = "classifications/naics2017_to_naics2012_census.csv"


@dataclass
class BridgeReport:
    """Row counts of :func:`bridge_to_naics2012` (observations, all measures)."""

    passed: int = 0
    relabelled: int = 0
    split: int = 0
    merged_into: int = 0
    dropped_aggregates: int = 0
    unlinked: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.passed} passed through, {self.relabelled} recoded 1:1, {self.split} split "
            f"equally, {self.merged_into} summed from several codes, "
            f"{self.dropped_aggregates} 3-5 digit aggregates dropped, "
            f"{len(self.unlinked)} unlinked codes dropped"
        )


def concordance_links(path: str | Path | None = None) -> pd.DataFrame:
    """``source`` (NAICS 2017), ``target`` (NAICS 2012) links from the Census table: the one
    shipped with the package (``NAICS2017_NAICS2012``), or the official CSV at ``path``."""
    from clusteratlas.classifications.naics import load_naics2017_to_naics2012
    from clusteratlas.classifications.reference import concordance

    if path is None:
        return concordance("NAICS2017_NAICS2012").links[["source", "target"]]
    return load_naics2017_to_naics2012(path).links[["source", "target"]]


def bridge_to_naics2012(
    frame: pd.DataFrame, links: pd.DataFrame
) -> tuple[pd.DataFrame, BridgeReport]:
    """Re-code observations from NAICS 2017 to NAICS 2012 (see the module docstring).

    ``frame`` has ``region, industry, year, measure, value, flag``.

    Examples
    --------
    >>> links = pd.DataFrame({"source": ["211120", "211130", "211130"],
    ...                       "target": ["211111", "211111", "211112"]})
    >>> df = pd.DataFrame({"region": "48", "industry": ["211120", "211130"], "year": 2018,
    ...                    "measure": "employment", "value": [100.0, 40.0], "flag": None})
    >>> out, rep = bridge_to_naics2012(df, links)
    >>> out[["industry", "value"]].to_dict("records")
    [{'industry': '211111', 'value': 120.0}, {'industry': '211112', 'value': 20.0}]
    """
    rep = BridgeReport()
    code = frame["industry"].astype(str)
    keep = (code == "00") | (code.str.len() == 2) | code.str.contains("-", regex=False)
    six = code.str.len() == 6
    rep.passed = int(keep.sum())
    rep.dropped_aggregates = int((~keep & ~six).sum())
    passed = frame[keep]
    detail = frame[six]
    n_targets = links.groupby("source")["target"].transform("size")
    links = links.assign(n=n_targets.to_numpy())
    joined = detail.merge(links, left_on="industry", right_on="source", how="left")
    unlinked = joined["target"].isna()
    rep.unlinked = sorted(joined.loc[unlinked, "industry"].unique())
    joined = joined[~unlinked]
    splitting = joined["n"] > 1
    rep.split = int(splitting.sum())
    joined["value"] = np.where(splitting, joined["value"] / joined["n"], joined["value"])
    notes = "naics=split-equal:" + joined["industry"] + "/" + joined["n"].astype(int).astype(str)
    joined["flag"] = [
        annotate(f, n) if s else f for f, n, s in zip(joined["flag"], notes, splitting, strict=True)
    ]
    joined["from"] = joined["industry"]
    joined["industry"] = joined["target"]
    keys = ["region", "industry", "year", "measure"]
    sizes = joined.groupby(keys)["from"].transform("size")
    rep.merged_into = int((sizes > 1).sum())
    rep.relabelled = int(((sizes == 1) & ~splitting).sum())
    summed = (
        joined.groupby(keys, sort=False)
        .agg(
            value=("value", lambda v: v.sum() if v.notna().all() else np.nan),
            flag=("flag", _combine_flags),
            n=("from", "size"),
            sources=("from", lambda s: "+".join(sorted(set(s)))),
        )
        .reset_index()
    )
    summed["flag"] = [
        annotate(f, f"naics=sum:{src}") if n > 1 else f
        for f, n, src in zip(summed["flag"], summed["n"], summed["sources"], strict=True)
    ]
    out = pd.concat([passed, summed[[*keys, "value", "flag"]]], ignore_index=True)
    return out, rep


def _combine_flags(flags: pd.Series) -> str | None:
    """Source flags merged; notes kept once each."""
    items = [f for f in flags if isinstance(f, str)]
    if len(items) <= 1:
        return items[0] if items else None
    head = merge_flags(items)
    notes: list[str] = []
    for f in items:
        for n in split_flag(f)[1]:
            if n not in notes:
                notes.append(n)
    out = head
    for n in notes:
        out = annotate(out, n)
    return out
