"""Convert observations between NUTS versions with a change table, and report what was done.

What happens to a region's values (per target code, from all the links that end there):

=========================  ==================================================================
links into the new code    action
=========================  ==================================================================
none (code unchanged)      ``unchanged``: copied
one ``same``               ``keep`` (renamed only): copied
one ``recode``             ``recode``: copied under the new code
one ``boundary``           ``boundary``: copied and **flagged** (territory changed)
several exact (``merge``)  ``merge``: **summed** for additive measures when every part has a
                           value (else ``merge-incomplete``, value NULL); for rates, shares
                           and other non-additive measures ``merge-nonadditive``, value NULL
any ``split``/``partial``  ``split``/``partial``: value NULL and flagged, never apportioned
=========================  ==================================================================

Old codes whose only link is ``discontinued`` are dropped. Codes the table does not know are
kept as they are and listed in the report (``kept-target-code`` when they already belong to
the new version, ``kept-unknown`` otherwise, e.g. ``EU28``).

With ``rebuild=True`` a NULL left by a split, a partial change or an incomplete merge is
rebuilt, for additive measures, as the sum of the new region's children when all of them have
a value in the converted data (e.g. NUTS 2021 ``HR05`` from ``HR050`` = ex-``HR041``).

Additivity is the caller's statement (``additive``): counts and money amounts (employment,
population, GDP in EUR) add up over territory; rates, shares, averages and per-head values do
not. :data:`ADDITIVE_MEASURES` is the conservative default for the store's measures.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from clusteratlas.classifications.nuts_codes import nuts_level, parent_code
from clusteratlas.errors import InputError
from clusteratlas.store.flags import merge_flags
from clusteratlas.transform.nuts_changes import EXACT, ChangeTable

#: Measures summed across merged regions by default: the store's tidy-panel measures and
#: Eurostat units that are counts or amounts (not per head, not percentages).
ADDITIVE_MEASURES: frozenset[str] = frozenset(
    {"employment", "establishments", "payroll", "NR", "THS", "THS_PER", "PER"}
    | {"MIO_EUR", "MIO_NAC", "MIO_PPS", "THS_EUR", "MIO_PPS_EU27_2020"}
)
#: Actions after which a value is not the source's own number for that code.
FLAGGED_ACTIONS = frozenset(
    {"boundary", "merge", "merge-incomplete", "merge-nonadditive", "split", "partial"}
    | {"rebuilt-from-children"}
)
_PRIORITY = [
    "unchanged",
    "keep",
    "kept-target-code",
    "recode",
    "merge",
    "rebuilt-from-children",
    "boundary",
    "kept-unknown",
    "merge-incomplete",
    "merge-nonadditive",
    "split",
    "partial",
]
REPORT_COLUMNS = [
    "step",
    "code_from",
    "code_to",
    "change",
    "action",
    "rows_in",
    "rows_out",
    "note",
]
STORE_KEYS = ("dataset", "industry", "year", "measure", "dims")


@dataclass
class Conversion:
    """Converted observations and the change report.

    ``frame`` has the input's columns plus ``nuts_from`` (source code(s), ``+``-joined) and
    ``nuts_action`` (see the module table). ``report`` has :data:`REPORT_COLUMNS`: per link
    used, the rows read (``rows_in``) and the rows written with a value (``rows_out``).
    """

    frame: pd.DataFrame
    report: pd.DataFrame

    def counts(self) -> dict[str, int]:
        """Output rows per action."""
        return self.frame["nuts_action"].value_counts().to_dict()


def _additive_mask(df: pd.DataFrame, additive: bool | Collection[str], measure: str) -> pd.Series:
    if isinstance(additive, bool):
        return pd.Series(additive, index=df.index)
    if measure not in df.columns:
        raise InputError(
            f"a list of additive measures needs a {measure!r} column", parameter="additive"
        )
    return df[measure].isin(set(additive))


def _plan(table: ChangeTable, codes: Sequence[str]) -> tuple[dict, dict]:
    """``source_action[code]`` for codes passed through/dropped, ``targets[T] = (action, [S])``."""
    source_action: dict[str, str] = {}
    targets: dict[str, tuple[str, list[str]]] = {}
    for c in codes:
        out = [ch for ch in table.outgoing(c) if ch.relation != "discontinued"]
        if table.outgoing(c) and not out:
            source_action[c] = "dropped"
            continue
        if not out:
            if table.from_codes is not None and c not in table.from_codes:
                in_target = table.to_codes is not None and c in table.to_codes
                source_action[c] = "kept-target-code" if in_target else "kept-unknown"
            elif table.to_codes is not None and c not in table.to_codes:
                source_action[c] = "dropped"
            else:
                source_action[c] = "unchanged"
            continue
        for ch in out:
            t = ch.code_to
            if t in targets:
                continue
            inc = table.incoming(t)
            rels = {x.relation for x in inc}
            if len(inc) == 1 and rels <= {"same", "recode"}:
                action = "keep" if rels == {"same"} else "recode"
            elif len(inc) == 1 and rels == {"boundary"}:
                action = "boundary"
            elif rels <= EXACT:
                action = "merge"
            elif rels == {"split"}:
                action = "split"
            else:
                action = "partial"
            targets[t] = (action, sorted(x.code_from for x in inc if x.code_from))
    return source_action, targets


def _convert_step(
    df: pd.DataFrame,
    table: ChangeTable,
    *,
    keys: list[str],
    region: str,
    value: str,
    flag: str,
    add: pd.Series,
    rebuild: bool,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    step = f"{table.from_version}->{table.to_version}"
    df = df.assign(_add=add.to_numpy())
    codes = sorted(df[region].unique())
    source_action, targets = _plan(table, codes)
    rows_in = df[region].value_counts().to_dict()
    pieces: list[pd.DataFrame] = []
    report: list[dict] = []

    passing = [c for c, a in source_action.items() if a != "dropped"]
    part = df[df[region].isin(passing)].copy()
    part["nuts_from"] = part[region]
    part["nuts_action"] = part[region].map(source_action)
    pieces.append(part)
    for c, a in source_action.items():
        if a not in ("unchanged",):
            report.append(
                dict(
                    step=step,
                    code_from=c,
                    code_to="" if a == "dropped" else c,
                    change="discontinued" if a == "dropped" else "",
                    action=a,
                    rows_in=rows_in.get(c, 0),
                    note="",
                )
            )
    n_same = sum(rows_in.get(c, 0) for c, a in source_action.items() if a == "unchanged")
    report.append(
        dict(
            step=step,
            code_from="*",
            code_to="*",
            change="",
            action="unchanged",
            rows_in=n_same,
            note="codes in both versions, no change",
        )
    )

    for t, (action, sources) in sorted(targets.items()):
        src = df[df[region].isin(sources)]
        joined = "+".join(sources)
        if action in ("keep", "recode", "boundary"):
            out = src.copy()
        elif action == "merge":
            out = _merge(src, sources, keys, region, value, flag)
        else:
            out = src.drop_duplicates(keys).copy()
            out[value] = np.nan
            out[flag] = None
        out[region] = t
        if action == "merge":
            out["nuts_action"] = out.pop("_merge_action")
        else:
            out["nuts_action"] = action
        out["nuts_from"] = joined
        pieces.append(out)
        for s in sources:
            rel = next(ch.relation for ch in table.incoming(t) if ch.code_from == s)
            note = next(ch.note for ch in table.incoming(t) if ch.code_from == s)
            report.append(
                dict(
                    step=step,
                    code_from=s,
                    code_to=t,
                    change=rel,
                    action=action,
                    rows_in=rows_in.get(s, 0),
                    note=note,
                )
            )

    out = pd.concat(pieces, ignore_index=True)
    out = _resolve_clashes(out, keys, region)
    if rebuild and table.to_codes is not None:
        out = _rebuild(out, table.to_codes, keys, region, value, flag)
    rep = pd.DataFrame(report)
    with_value = out[out[value].notna()]
    got = with_value.groupby([region, "nuts_action"]).size().to_dict()
    rep["rows_out"] = [
        got.get((r.code_to, r.action), 0) if r.code_to not in ("", "*") else 0
        for r in rep.itertuples()
    ]
    rebuilt = out[out["nuts_action"] == "rebuilt-from-children"]
    for t, n in rebuilt.groupby(region).size().items():
        rep.loc[(rep["code_to"] == t), "rows_out"] = int(n)
        rep.loc[(rep["code_to"] == t), "action"] += " (rebuilt from children)"
    rep.loc[rep["action"] == "unchanged", "rows_out"] = int(
        (out["nuts_action"] == "unchanged").sum()
    )
    return out.drop(columns="_add"), rep[REPORT_COLUMNS]


def _merge(src, sources, keys, region, value, flag) -> pd.DataFrame:
    """Sum the parts per key when every part has a value and the measure is additive."""
    g = src.groupby(keys, dropna=False, sort=False)
    agg = g.agg(
        _n=(value, "count"),
        _sum=(value, "sum"),
        _add=("_add", "all"),
        _flag=(flag, lambda s: merge_flags(list(s))),
    ).reset_index()
    first = src.drop_duplicates(keys).drop(columns=[value, flag, "_add"])
    out = first.merge(agg, on=keys, how="left")
    complete = out["_n"] == len(sources)
    out[value] = np.where(complete & out["_add"], out["_sum"], np.nan)
    out[flag] = out["_flag"].where(complete & out["_add"], None)
    out["_merge_action"] = np.where(
        ~out["_add"], "merge-nonadditive", np.where(complete, "merge", "merge-incomplete")
    )
    return out.drop(columns=["_n", "_sum", "_flag"])


def _resolve_clashes(out: pd.DataFrame, keys: list[str], region: str) -> pd.DataFrame:
    """One row per key and region: the most exact action wins (see ``_PRIORITY``)."""
    rank = {a: i for i, a in enumerate(_PRIORITY)}
    out = out.assign(_rank=out["nuts_action"].map(rank).fillna(len(rank)))
    out = out.sort_values("_rank", kind="stable").drop_duplicates([*keys, region])
    return out.drop(columns="_rank").sort_index()


def _rebuild(out, to_codes, keys, region, value, flag) -> pd.DataFrame:
    """Fill NULLs of split/partial/incomplete targets from their children, deepest first."""
    gaps = out["nuts_action"].isin({"split", "partial", "merge-incomplete"}) & out["_add"]
    if not gaps.any():
        return out
    children: dict[str, list[str]] = {}
    for c in to_codes:
        p = parent_code(c)
        if p is not None:
            children.setdefault(p, []).append(c)
    targets = sorted(out.loc[gaps, region].unique(), key=lambda c: -(nuts_level(c) or 0))
    for t in targets:
        kids = children.get(t)
        if not kids:
            continue
        rows = out[out[region].isin(kids) & out[value].notna()]
        if rows.empty:
            continue
        agg = rows.groupby(keys, dropna=False).agg(_n=(value, "count"), _sum=(value, "sum"))
        agg = agg[agg["_n"] == len(kids)].reset_index()
        if agg.empty:
            continue
        mask = (out[region] == t) & out[value].isna() & out["_add"]
        cand = out[mask].reset_index().merge(agg, on=keys, how="inner")
        if cand.empty:
            continue
        idx = cand["index"].to_numpy()
        out.loc[idx, value] = cand["_sum"].to_numpy()
        out.loc[idx, "nuts_action"] = "rebuilt-from-children"
        out.loc[idx, "nuts_from"] = "+".join(sorted(kids))
    return out


def convert_frame(
    frame: pd.DataFrame,
    tables: ChangeTable | Sequence[ChangeTable],
    *,
    additive: bool | Collection[str] = ADDITIVE_MEASURES,
    keys: Sequence[str] | None = None,
    region: str = "region",
    value: str = "value",
    flag: str = "flag",
    measure: str = "measure",
    rebuild: bool = True,
) -> Conversion:
    """Convert a long frame of observations through one or more change tables.

    Parameters
    ----------
    frame:
        One row per observation: a region column, a value column, optionally a flag column,
        and the columns that identify an observation apart from its region (``keys``).
    tables:
        A table, or a chain from :func:`~clusteratlas.transform.nuts_changes.find_path`.
    additive:
        ``True``/``False`` for all rows, or the set of values of ``measure`` that may be
        summed over merged regions.
    keys:
        Columns identifying an observation besides the region. Default: those of
        ``dataset, industry, year, measure, dims`` present, else every other column.

    Examples
    --------
    >>> from clusteratlas.transform.nuts_changes import Change, ChangeTable
    >>> t = ChangeTable("2016", "2021", [Change("NO021", "NO020", "merge"),
    ...                                  Change("NO022", "NO020", "merge")], "example")
    >>> df = pd.DataFrame({"region": ["NO021", "NO022"], "year": 2018,
    ...                    "measure": "employment", "value": [90.0, 85.0]})
    >>> c = convert_frame(df, t)
    >>> c.frame[["region", "value", "nuts_action"]].to_dict("records")
    [{'region': 'NO020', 'value': 175.0, 'nuts_action': 'merge'}]
    """
    chain = [tables] if isinstance(tables, ChangeTable) else list(tables)
    for col in (region, value):
        if col not in frame.columns:
            raise InputError(f"the observations have no {col!r} column", column=col)
    df = frame.copy()
    if flag not in df.columns:
        df[flag] = None
    df[region] = df[region].astype(str).str.strip()
    if keys is None:
        keys = [k for k in STORE_KEYS if k in df.columns] or [
            c for c in df.columns if c not in (region, value, flag)
        ]
    keys = list(keys)
    dup = df.duplicated([*keys, region])
    if dup.any():
        row = df.loc[dup, [*keys, region]].iloc[0].to_dict()
        raise InputError(f"two observations share the key {row}", parameter="keys")
    reports = []
    for t in chain:  # each step reads the previous step's output; the last action is kept
        add = _additive_mask(df, additive, measure)
        df, rep = _convert_step(
            df.drop(columns=["nuts_from", "nuts_action"], errors="ignore"),
            t,
            keys=keys,
            region=region,
            value=value,
            flag=flag,
            add=add,
            rebuild=rebuild,
        )
        reports.append(rep)
    if not chain:
        df["nuts_from"], df["nuts_action"] = df[region], "unchanged"
        reports.append(pd.DataFrame(columns=REPORT_COLUMNS))
    df[flag] = df[flag].astype(object).where(df[flag].notna(), None)
    return Conversion(df.reset_index(drop=True), pd.concat(reports, ignore_index=True))
