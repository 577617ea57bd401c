"""Coverage report: what the data actually cover, dimension by dimension.

For every dimension (and the index): the indicators the framework names, how many have data,
how many regions have at least one / all of them, and the years. Dimensions marked
``covered: false`` are reported as ``NOT COVERED`` with their note, never filled.
"""

from __future__ import annotations

import pandas as pd

from clusteratlas.scoreboard.framework import Framework
from clusteratlas.scoreboard.tables import ScoreboardData


def _years(v: pd.DataFrame) -> str:
    if v.empty:
        return ""
    ys = sorted(set(v["year"]))
    return f"{ys[0]}–{ys[-1]}" if len(ys) > 1 else str(ys[0])


def coverage_report(
    framework: Framework, data: ScoreboardData, year: int | None = None
) -> pd.DataFrame:
    """One row per dimension plus a total row.

    Columns: ``dimension, name, status, indicators, with_data, regions_any, regions_all,
    years, note``. ``regions_any``/``regions_all`` count regions with at least one / every
    indicator of the dimension in ``year`` (default: the latest year of the data).
    """
    v = data.values[data.values["value"].notna()]
    year = int(v["year"].max()) if year is None and not v.empty else year
    rows = []
    for dim in framework.root.children:
        codes = [n.code for n in dim.walk() if n.is_indicator]
        if not dim.covered or not codes:
            rows.append(
                {
                    "dimension": dim.code,
                    "name": dim.name,
                    "status": "NOT COVERED",
                    "indicators": 0,
                    "with_data": 0,
                    "regions_any": 0,
                    "regions_all": 0,
                    "years": "",
                    "note": dim.note or "",
                }
            )
            continue
        part = v[v["indicator"].isin(codes)]
        in_year = part[part["year"] == year]
        per_region = in_year.groupby("region")["indicator"].nunique()
        have = part["indicator"].nunique()
        rows.append(
            {
                "dimension": dim.code,
                "name": dim.name,
                "status": "covered" if have == len(codes) else "partly covered",
                "indicators": len(codes),
                "with_data": int(have),
                "regions_any": int((per_region > 0).sum()),
                "regions_all": int((per_region == len(codes)).sum()),
                "years": _years(part),
                "note": dim.note or "",
            }
        )
    all_codes = [n.code for n in framework.indicators if n.covered]
    part = v[v["indicator"].isin(all_codes)]
    per_region = part[part["year"] == year].groupby("region")["indicator"].nunique()
    rows.append(
        {
            "dimension": framework.root.code,
            "name": f"all dimensions ({year})",
            "status": "",
            "indicators": len(all_codes),
            "with_data": int(part["indicator"].nunique()),
            "regions_any": int((per_region > 0).sum()),
            "regions_all": int((per_region == len(all_codes)).sum()),
            "years": _years(part),
            "note": f"{sum(r['status'] == 'NOT COVERED' for r in rows)} dimension(s) not covered",
        }
    )
    return pd.DataFrame(rows)
