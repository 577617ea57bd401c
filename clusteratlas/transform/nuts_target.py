"""Putting a long frame of NUTS 2 values on one NUTS version, reporting every code dropped.

:func:`to_nuts_version` keeps one NUTS version:

* codes of the target version are kept as they are;
* codes of another version go through the NUTS change tables available
  (:func:`clusteratlas.transform.nuts_store.available_tables`): only a same-territory link
  (``same``/``recode``) carries a value over — the indicators are rates and shares, which are
  never summed or apportioned across merged or split regions;
* everything else (other-version codes without an exact link, ``XX`` "not regionalised"
  codes, Extra-Regio ``ZZ`` codes, aggregates such as ``EU28``) is dropped and **reported**
  with the reason.

Used by the scoreboard's open-data edition (:mod:`clusteratlas.scoreboard.edition`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from clusteratlas.classifications.nuts_lists import shared_code_lists
from clusteratlas.errors import InputError
from clusteratlas.transform.nuts_changes import ChangeTable, find_path
from clusteratlas.transform.nuts_store import available_tables
from clusteratlas.transform.nuts_versions import convert_frame

REPORT_COLUMNS = ["source", "indicator", "code", "rows", "action", "reason"]


@dataclass(frozen=True)
class NutsContext:
    """Level-2 code lists per NUTS version and the change tables available (read once)."""

    level2: dict[str, frozenset[str]]
    tables: tuple[ChangeTable, ...]

    @classmethod
    def load(cls, data_dir: Path | None = None) -> NutsContext:
        lists = shared_code_lists(data_dir)
        level2 = {v: frozenset(c for c in cl.codes if len(c) == 4) for v, cl in lists.items()}
        return cls(level2, tuple(available_tables(data_dir=data_dir)))


def _reason(code: str, level2: Mapping[str, frozenset[str]], target: str, tried: set[str]) -> str:
    if code[2:] and code[2:].strip("X") == "":
        return "not regionalised (XX)"
    if code[2:] and code[2:].strip("Z") == "":
        return "Extra-Regio (ZZ)"
    found = [v for v, codes in sorted(level2.items()) if v != target and code in codes]
    if code.startswith(("EU", "EA", "EEA", "EFTA")) or len(code) != 4 or not code[:2].isalpha():
        return "aggregate (not a NUTS 2 region)"
    if not found:
        return f"NUTS 2 code of none of the versions {', '.join(sorted(level2))} (older code?)"
    if any(v in tried for v in found):
        return f"NUTS {'/'.join(found)} code without a same-territory NUTS {target} equivalent"
    return f"NUTS {'/'.join(found)} code: no change table to NUTS {target} available"


def to_nuts_version(
    frame: pd.DataFrame,
    target: str = "2016",
    source_versions: tuple[str, ...] = ("2021", "2013"),
    *,
    label: str = "",
    context: NutsContext | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Keep the rows on NUTS ``target`` level-2 codes, converting exact recodes from other versions.

    Returns ``(frame, report)``; the report has one row per dropped or converted code
    (:data:`REPORT_COLUMNS` without ``indicator``).
    """
    ctx = context or NutsContext.load()
    if target not in ctx.level2:
        raise InputError(f"no NUTS {target} code list in the shared data", parameter="nuts_version")
    keep = frame["region"].isin(ctx.level2[target])
    out, rows, tried = [frame[keep]], [], set()
    rest = frame[~keep]
    for version in source_versions:
        if version == target or rest.empty or version not in ctx.level2:
            continue
        part = rest[rest["region"].isin(ctx.level2[version])]
        if part.empty:
            continue
        try:
            chain = find_path(ctx.tables, version, target)
        except InputError:
            continue
        tried.add(version)
        conv = convert_frame(part.assign(flag=None), chain, additive=False, keys=["year"])
        ok = conv.frame["nuts_action"].isin({"recode", "keep"}) & conv.frame["value"].notna()
        ok &= conv.frame["region"].isin(ctx.level2[target])
        good = conv.frame[ok]
        out.append(good[["region", "year", "value"]])
        for src, n in good.groupby("nuts_from").size().items():
            rows.append(
                {
                    "source": label,
                    "code": src,
                    "rows": int(n),
                    "action": "converted",
                    "reason": f"NUTS {version} → {target}: same territory",
                }
            )
        rest = rest[~rest["region"].isin(set(good["nuts_from"]))]
    for code, n in rest.groupby("region").size().items():
        rows.append(
            {
                "source": label,
                "code": code,
                "rows": int(n),
                "action": "dropped",
                "reason": _reason(str(code), ctx.level2, target, tried),
            }
        )
    kept = pd.concat(out, ignore_index=True).drop_duplicates(["region", "year"], keep="first")
    return kept, pd.DataFrame(rows, columns=[c for c in REPORT_COLUMNS if c != "indicator"])
