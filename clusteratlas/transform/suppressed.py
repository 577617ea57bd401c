"""Filling suppressed and confidential cells: the ECO parent-residual split, CBP midpoints.

Statistical offices withhold cells that would disclose a single firm (Eurostat flag ``c``,
value ``:``; County Business Patterns employment set to 0 with an employment-size flag).
Cluster mapping sums detailed industries into clusters, so a withheld cell either drops out
(an understatement) or is estimated. Three methods, each a small pure function:

``eco``
    The European Cluster Observatory's industry-splitting (clusterobservatory.eu, "data
    processing", page id=48; research notes §A.2): a missing detailed cell receives an equal
    share of what its nearest published parent leaves unexplained.
``cbp``
    The U.S. Cluster Mapping Project's CBP rule (``clustermapping/cmp``, ``naics_reducer.js``;
    research notes §B.4): a suppressed employment cell receives the midpoint of its published
    employment-size range.
``none``
    Leave the gaps (the default everywhere else in Cluster Atlas: NULL stays NULL).

Every filled cell keeps its original flag and gets an ``imputed`` note naming the method and
its input (``eco-parent-split:10``, ``cbp-midpoint:B``), so results can always be told apart
from published numbers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from clusteratlas.errors import InputError
from clusteratlas.store.flags import split_flag

METHODS = ("eco", "cbp", "none")
ECO_NOTE = "eco-parent-split"
CBP_NOTE = "cbp-midpoint"

#: County Business Patterns employment-size ranges of the data-suppression flag (``EMPFLAG``
#: in the county/state files up to 2016): letter -> (lowest, highest) employees; M is open.
#: Source: Census CBP record layouts ("EMPFLAG – Data Suppression Flag. This denotes
#: employment size class for data withheld ..."). Not to be confused with the *noise* flags
#: ``EMP_NF`` (G low, H medium, J high noise; D, S withheld), whose letters overlap.
CBP_SIZE_RANGES: dict[str, tuple[int, int | None]] = {
    "A": (0, 19),
    "B": (20, 99),
    "C": (100, 249),
    "E": (250, 499),
    "F": (500, 999),
    "G": (1_000, 2_499),
    "H": (2_500, 4_999),
    "I": (5_000, 9_999),
    "J": (10_000, 24_999),
    "K": (25_000, 49_999),
    "L": (50_000, 99_999),
    "M": (100_000, None),
}
#: The values the CMP adds for each flag: the range midpoints rounded to a round number
#: (A 0–19 -> 10, B 20–99 -> 60, …); M (100,000 or more) gets its lower bound.
CBP_MIDPOINTS: dict[str, int] = {
    "A": 10,
    "B": 60,
    "C": 175,
    "E": 375,
    "F": 750,
    "G": 1_750,
    "H": 3_750,
    "I": 7_500,
    "J": 17_500,
    "K": 37_500,
    "L": 75_000,
    "M": 100_000,
}


@dataclass(frozen=True)
class Split:
    """One cell filled by :func:`eco_parent_split`."""

    value: float
    parent: str
    residual: float  # parent value minus the known descendants, before flooring at 0
    shares: int  # number of missing cells sharing the residual


def _first_known_ancestor(code: str, parents: Mapping[str, str | None], known) -> str | None:
    seen = set()
    p = parents.get(code)
    while p is not None and p not in known:
        if p in seen:  # a cycle in a user's parent map
            raise InputError(f"the industry hierarchy has a cycle at {p!r}", parameter="hierarchy")
        seen.add(p)
        p = parents.get(p)
    return p


def eco_parent_split(
    values: Mapping[str, float | None],
    parents: Mapping[str, str | None],
    missing: Iterable[str],
) -> dict[str, Split]:
    """The ECO split for one region, year and measure.

    For each missing cell ``L``: take ``P``, the nearest ancestor with a value. ``L`` shares
    with every other missing cell whose nearest valued ancestor is also ``P``:

    .. math:: \\hat x_L = \\frac{\\max\\left(0,\\; x_P - \\sum_{K \\in \\mathcal K(P)} x_K\\right)}
              {|\\mathcal M(P)|}

    where :math:`\\mathcal K(P)` are the valued descendants of ``P`` with no valued code
    between them and ``P`` (so nothing is counted twice) and :math:`\\mathcal M(P)` the missing
    cells assigned to ``P``. A negative residual (published parts exceeding the published
    parent, e.g. rounding) is floored at 0 and reported in :attr:`Split.residual`. A missing
    cell with no valued ancestor is left out (stays blank).

    Parameters
    ----------
    values:
        Published values by code (``None``/NaN = not published).
    parents:
        Parent of every code (``None`` for a root), e.g. NACE class → group → division →
        section.
    missing:
        The cells to fill (usually the leaves without a value).

    Returns
    -------
    dict
        ``code -> Split`` for every cell filled.

    References
    ----------
    European Cluster Observatory, "Data processing" (clusterobservatory.eu, id=48).

    Examples
    --------
    Division 10 = 100; group 10.1 = 40 is published, 10.2 and 10.3 are not:

    >>> parents = {"10.1": "10", "10.2": "10", "10.3": "10", "10": "C"}
    >>> out = eco_parent_split({"10": 100, "10.1": 40}, parents, ["10.2", "10.3"])
    >>> {k: (v.value, v.parent) for k, v in out.items()}
    {'10.2': (30.0, '10'), '10.3': (30.0, '10')}
    """
    known = {c: float(v) for c, v in values.items() if v is not None and v == v}  # NaN != NaN
    groups: dict[str, list[str]] = {}
    for code in missing:
        if code in known:
            continue
        p = _first_known_ancestor(code, parents, known)
        if p is not None:
            groups.setdefault(p, []).append(code)
    if not groups:
        return {}
    covered: dict[str, float] = {}
    for code, v in known.items():
        p = _first_known_ancestor(code, parents, known)
        if p in groups:
            covered[p] = covered.get(p, 0.0) + v
    out: dict[str, Split] = {}
    for p, cells in groups.items():
        residual = known[p] - covered.get(p, 0.0)
        share = max(residual, 0.0) / len(cells)
        for c in sorted(set(cells)):
            out[c] = Split(share, p, residual, len(set(cells)))
    return out


def cbp_midpoint(reported: float | None, flag: str | None) -> float | None:
    """CMP's imputed employment of one CBP cell: ``reported + v(flag)``.

    ``v`` is :data:`CBP_MIDPOINTS` for the employment-size (suppression) flag ``A``–``M``;
    the reported value of a suppressed cell is 0 (or missing, taken as 0). Any other flag
    (noise flags, ``D``, ``S``) or none: the reported value is returned unchanged.

    Examples
    --------
    >>> cbp_midpoint(0, "B"), cbp_midpoint(None, "M"), cbp_midpoint(1234, None)
    (60.0, 100000.0, 1234.0)
    """
    letter = (flag or "").strip()
    base = 0.0 if reported is None or pd.isna(reported) else float(reported)
    if letter in CBP_MIDPOINTS:
        return base + CBP_MIDPOINTS[letter]
    return None if reported is None or pd.isna(reported) else base


def eurostat_nace_parents(parents: Mapping[str, str | None]) -> dict[str, str | None]:
    """The same NACE tree in Eurostat's dissemination codes (``'C10'``, ``'C101'``, ``'C1011'``).

    Eurostat tables write NACE divisions, groups and classes with the section letter and no
    dot; the classification files write them dotted (``'10'``, ``'10.1'``, ``'10.11'``).

    >>> eurostat_nace_parents({"C": None, "10": "C", "10.1": "10", "10.11": "10.1"})
    {'C': None, 'C10': 'C', 'C101': 'C10', 'C1011': 'C101'}
    """

    def section(code: str) -> str:
        seen = set()
        while parents.get(code) is not None and code not in seen:
            seen.add(code)
            code = parents[code]  # type: ignore[assignment]
        return code

    def es(code: str | None) -> str | None:
        if not isinstance(code, str) or not code[:1].isdigit():
            return code if isinstance(code, str) else None
        return section(code) + code.replace(".", "")

    return {es(c): es(p) for c, p in parents.items()}  # type: ignore[misc]


def _leaves(codes: Iterable[str], parents: Mapping[str, str | None]) -> set[str]:
    """Codes with no child among ``codes``."""
    codes = set(codes)
    has_child = {parents.get(c) for c in codes}
    return codes - has_child


def impute_eco(
    frame: pd.DataFrame,
    parents: Mapping[str, str | None],
    *,
    keys: list[str],
    industry: str = "industry",
    value: str = "value",
    flag: str = "flag",
    missing_flags: str = "c",
) -> pd.DataFrame:
    """Apply :func:`eco_parent_split` to each group of ``keys`` (e.g. region, year, measure).

    A cell is missing when its value is NULL or its source flag contains one of
    ``missing_flags`` (Eurostat ``c`` = confidential). The cells filled are the missing
    *leaves*: codes of the frame with no child code in the frame (so a table published down
    to NACE groups is split at group level). Adds column ``imputed``.
    """
    for col in (industry, value, *keys):
        if col not in frame.columns:
            raise InputError(f"the observations have no {col!r} column", column=col)
    out = frame.copy()
    out["imputed"] = pd.Series([None] * len(out), index=out.index, dtype=object)
    flags = out[flag] if flag in out.columns else pd.Series(None, index=out.index)
    heads = flags.astype("string").fillna("").str.split("|", n=1).str[0]
    confidential = heads.str.contains(f"[{missing_flags}]", regex=True) if missing_flags else False
    is_missing = out[value].isna() | confidential
    leaves = _leaves(out[industry].astype(str).unique(), parents)
    known_vals = out[value].where(~is_missing)
    work = pd.DataFrame(
        {"code": out[industry].astype(str), "v": known_vals, "miss": is_missing}, index=out.index
    )
    candidates = work["miss"] & work["code"].isin(leaves)
    if not candidates.any():
        return out
    group_ids = out.groupby(keys, dropna=False, sort=False).ngroup().to_numpy()
    in_touched = np.isin(group_ids, np.unique(group_ids[candidates.to_numpy()]))
    order = np.flatnonzero(in_touched)
    order = order[np.argsort(group_ids[order], kind="stable")]
    g = group_ids[order]
    codes_arr = work["code"].to_numpy()[order]
    v_arr = work["v"].to_numpy(dtype=float)[order]
    todo_arr = candidates.to_numpy()[order]
    idx_arr = out.index.to_numpy()[order]
    starts = np.r_[0, np.flatnonzero(np.diff(g)) + 1]
    ends = np.r_[starts[1:], len(g)]
    idx_filled: list[object] = []
    values_filled: list[float] = []
    notes_filled: list[str] = []
    for a, b in zip(starts, ends, strict=True):
        vals = dict(zip(codes_arr[a:b], v_arr[a:b], strict=True))
        pos = np.flatnonzero(todo_arr[a:b]) + a
        filled = eco_parent_split(vals, parents, codes_arr[pos].tolist())
        for p in pos:
            sp = filled.get(codes_arr[p])
            if sp is None:
                continue
            idx_filled.append(idx_arr[p])
            values_filled.append(sp.value)
            suffix = ":negative-residual" if sp.residual < 0 else ""
            notes_filled.append(f"{ECO_NOTE}:{sp.parent}{suffix}")
    new_values = out[value].astype(float)
    new_values.loc[idx_filled] = values_filled
    out[value] = new_values
    out.loc[idx_filled, "imputed"] = notes_filled
    return out


def impute_cbp(
    frame: pd.DataFrame,
    *,
    value: str = "value",
    flag: str = "flag",
    measure: str = "measure",
    measures: Iterable[str] = ("employment",),
) -> pd.DataFrame:
    """Apply :func:`cbp_midpoint` to the employment rows of a frame; adds ``imputed``."""
    for col in (value, flag):
        if col not in frame.columns:
            raise InputError(f"the observations have no {col!r} column", column=col)
    out = frame.copy()
    rows = out[measure].isin(set(measures)) if measure in out.columns else True
    letters = out[flag].map(lambda f: (split_flag(f)[0] or "").strip())
    hit = letters.isin(set(CBP_MIDPOINTS)) & rows
    add = letters.map(CBP_MIDPOINTS).astype(float)
    base = out[value].astype(float).fillna(0.0)
    out[value] = np.where(hit, base + add, out[value].astype(float))
    notes = [f"{CBP_NOTE}:{x}" if h else None for x, h in zip(letters, hit, strict=True)]
    out["imputed"] = pd.Series(notes, index=out.index, dtype=object)
    return out


def impute_frame(
    frame: pd.DataFrame,
    method: str,
    *,
    parents: Mapping[str, str | None] | None = None,
    keys: list[str] | None = None,
    **options: object,
) -> pd.DataFrame:
    """Dispatch to :func:`impute_eco`, :func:`impute_cbp` or nothing (``'none'``)."""
    if method not in METHODS:
        raise InputError(
            f"unknown method {method!r} (expected {', '.join(METHODS)})", parameter="--method"
        )
    if method == "none":
        return frame.assign(imputed=pd.Series([None] * len(frame), index=frame.index, dtype=object))
    if method == "cbp":
        return impute_cbp(frame, **options)  # type: ignore[arg-type]
    if parents is None:
        raise InputError("the eco method needs the industry hierarchy", parameter="hierarchy")
    return impute_eco(frame, parents, keys=keys or [], **options)  # type: ignore[arg-type]
