"""Interoperability with COINr (the JRC's composite-indicator package for R).

* :func:`framework_from_coinr_meta` turns COINr's indicator metadata (``IndCode``,
  ``Direction``, ``IndWeight``, ``Denominator``, ``IndUnit``, ``Target``, ``Agg1..AggN``) and
  aggregate metadata (``AgLevel``, ``Code``, ``Name``, ``Weight``) into a :class:`Framework`.
* :func:`coinr_wide_to_long` turns COINr's wide ``iData``-like table (one row per unit,
  indicators, denominators ``Den_*`` and groups ``Group_*`` as columns) into the scoreboard's
  long data, denominators and groups.

Reference: Becker, W. et al. (2022) "COINr: An R package for developing composite
indicators", *Journal of Open Source Software* 7(78), 4567.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pandas as pd

from clusteratlas.errors import InputError
from clusteratlas.scoreboard.framework import Framework, framework_from_parent_table

UNIT_COLUMNS = ("UnitCode", "UnitName", "Year")


def framework_from_coinr_meta(
    indicator_meta: str | Path, aggregate_meta: str | Path, name: str | None = None
) -> Framework:
    """Build a framework from COINr's indicator and aggregate metadata CSVs.

    ``Agg1`` is the indicator's parent, ``Agg2`` the grand-parent and so on; the highest
    aggregate level must hold a single node (the index). Weights, directions, denominators,
    units and targets are carried over.
    """
    ind = pd.read_csv(indicator_meta)
    agg = pd.read_csv(aggregate_meta)
    for col in ("IndCode", "Direction", "Agg1"):
        if col not in ind.columns:
            raise InputError(f"missing column {col!r}", file=indicator_meta, line=1)
    for col in ("AgLevel", "Code", "Name"):
        if col not in agg.columns:
            raise InputError(f"missing column {col!r}", file=aggregate_meta, line=1)
    agg_cols = sorted(
        (c for c in ind.columns if c.startswith("Agg") and c[3:].isdigit()),
        key=lambda c: int(c[3:]),
    )
    rows: list[dict] = []
    parent_of: dict[str, str | None] = {}
    for i, r in ind.iterrows():
        chain = [r[c] for c in agg_cols if isinstance(r[c], str) and r[c]]
        if not chain:
            raise InputError(
                "indicator without parent", file=indicator_meta, line=int(i) + 2, column="Agg1"
            )
        for child, parent in itertools.pairwise(chain):
            if parent_of.setdefault(child, parent) != parent:
                raise InputError(
                    f"aggregate {child!r} has two parents ({parent_of[child]!r}, {parent!r})",
                    file=indicator_meta,
                    line=int(i) + 2,
                )
        parent_of.setdefault(chain[-1], None)
        row = {
            "code": str(r["IndCode"]),
            "name": str(r.get("IndName", r["IndCode"])),
            "parent": chain[0],
            "direction": int(r["Direction"]),
            "weight": float(r.get("IndWeight", 1.0)),
        }
        if isinstance(r.get("Denominator"), str) and r["Denominator"]:
            row["denominator"] = r["Denominator"]
        if isinstance(r.get("IndUnit"), str):
            row["unit"] = r["IndUnit"]
        if pd.notna(r.get("Target", float("nan"))):
            row["target"] = float(r["Target"])
        rows.append(row)
    meta = {str(r["Code"]): r for _, r in agg.iterrows()}
    for code, parent in parent_of.items():
        if code not in meta:
            raise InputError(
                f"aggregate {code!r} is not in the aggregate metadata", file=aggregate_meta
            )
        m = meta[code]
        rows.append(
            {
                "code": code,
                "name": str(m["Name"]),
                "parent": parent,
                "weight": float(m["Weight"]) if "Weight" in m and pd.notna(m["Weight"]) else 1.0,
            }
        )
    fw = framework_from_parent_table(rows, name=name or "COINr framework", file=indicator_meta)
    if name:
        fw.name = fw.root.name = name
    return fw


def coinr_wide_to_long(path: str | Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """COINr wide unit data → ``(data, denominators, groups)`` long tables.

    Columns ``Den_*`` become denominators, ``Group_*`` become groups (``region, group,
    variable``), the remaining numeric columns indicators. ``UnitCode`` is the region and
    ``Year`` the year.
    """
    wide = pd.read_csv(path)
    for col in ("UnitCode", "Year"):
        if col not in wide.columns:
            raise InputError(f"missing column {col!r}", file=path, line=1)
    wide["Year"] = wide["Year"].astype(int)
    den_cols = [c for c in wide.columns if c.startswith("Den_")]
    grp_cols = [c for c in wide.columns if c.startswith("Group_")]
    ind_cols = [c for c in wide.columns if c not in (*UNIT_COLUMNS, *den_cols, *grp_cols)]

    def melt(cols: list[str], key: str) -> pd.DataFrame:
        long = wide.melt(
            id_vars=["UnitCode", "Year"], value_vars=cols, var_name=key, value_name="value"
        )
        long = long.rename(columns={"UnitCode": "region", "Year": "year"})
        long["value"] = long["value"].astype(float)
        return long[["region", "year", key, "value"]]

    groups = wide.melt(
        id_vars=["UnitCode"], value_vars=grp_cols, var_name="variable", value_name="group"
    )
    groups = groups.rename(columns={"UnitCode": "region"})[["region", "group", "variable"]]
    return melt(ind_cols, "indicator"), melt(den_cols, "denominator"), groups
