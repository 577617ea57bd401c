"""Fixtures of the atlas tests: a tiny hand-made atlas whose every number is known."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

SQUARE = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}


def tiny_cells() -> pd.DataFrame:
    """Two regions (R1, R2) × three clusters × two years, values chosen by hand.

    c1 and c2 are traded, c3 local. R1: c1 LQ 1.5 → 2.0 (rising), c2 LQ 1.2 → 1.1 (mature);
    R2: c1 LQ 0.5 → 0.8 (emerging), c2 0.9 → 0.7 (declining).
    """
    rows = []
    values = {
        ("R1", "c1"): (100, 150, 1.5, 2.0),
        ("R1", "c2"): (50, 40, 1.2, 1.1),
        ("R1", "c3"): (30, 30, 1.0, 1.0),
        ("R2", "c1"): (10, 20, 0.5, 0.8),
        ("R2", "c2"): (200, 100, 0.9, 0.7),
        ("R2", "c3"): (60, 60, 1.0, 1.0),
    }
    names = {"c1": "Alpha", "c2": "Beta", "c3": "Local gamma"}
    kinds = {"c1": "traded", "c2": "traded", "c3": "local"}
    for (region, cluster), (e0, e1, lq0, lq1) in values.items():
        for year, emp, lq in ((2010, e0, lq0), (2020, e1, lq1)):
            rows.append(
                {
                    "region": region,
                    "cluster": cluster,
                    "year": year,
                    "employment": float(emp),
                    "establishments": 1.0,
                    "payroll": float(emp) * 10,
                    "wage": 10.0,
                    "lq": lq,
                    "region_share": 0.1,
                    "benchmark_share": 0.2,
                    "stars": 1 if lq >= 2 else 0,
                    "star_size": False,
                    "star_specialisation": lq >= 2,
                    "star_productivity": False,
                    "strong": lq >= 1.5 and kinds[cluster] == "traded",
                    "strong10": False,
                    "cluster_name": names[cluster],
                    "cluster_type": kinds[cluster],
                    "level": 2,
                    "universe": "total",
                    "region_employment": 1000.0,
                    "benchmark_employment": 500.0,
                    "benchmark_universe_employment": 5000.0,
                }
            )
    return pd.DataFrame(rows)


def make_tiny_atlas(path: Path) -> Path:
    """Write the tiny atlas: systems A (R1, R2 with a polygon for R1 only) and B (R1)."""
    from clusteratlas.atlas.results import save_mapping
    from clusteratlas.store import Store
    from clusteratlas.store.atlas import save_info, save_regions

    with Store(path) as st:
        cells = tiny_cells()
        save_mapping(st, cells, scheme="s", region_system="A", provenance={"source": "hand"})
        save_mapping(
            st,
            cells[cells.region == "R1"],
            scheme="s",
            region_system="B",
            provenance={"source": "hand"},
        )
        regions = pd.DataFrame(
            {
                "system": ["A", "A", "B"],
                "code": ["R1", "R2", "R1"],
                "name": ["Rone", "Rtwo", "Rone of B"],
                "level": [2, 2, 2],
                "parent": [None, None, None],
                "country": ["XX", "XX", "XX"],
                "has_geometry": [True, False, False],
            }
        )
        geo = pd.DataFrame(
            {"system": ["A"], "code": ["R1"], "level": [2], "geometry": [json.dumps(SQUARE)]}
        )
        save_regions(st.con, regions, geo)
        save_info(st.con, {"title": "tiny", "default_scheme": "s", "default_system": "A"})
    return path


@pytest.fixture(scope="session")
def tiny_atlas(tmp_path_factory) -> Path:
    return make_tiny_atlas(tmp_path_factory.mktemp("tiny") / "tiny.duckdb")
