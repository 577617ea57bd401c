"""Emerging-industries scheme file, emerging specialisations and growth opportunities."""

from __future__ import annotations

import numpy as np
import pandas as pd

from clusteratlas.linkages.complexity import complexity_year
from clusteratlas.linkages.emerging import (
    EMERGING_INDUSTRIES,
    emerging_scheme,
    emerging_scheme_path,
    emerging_specialisations,
)
from clusteratlas.linkages.opportunities import OpportunityRule, growth_opportunities


def test_scheme_has_the_ten_industries_and_says_what_it_is() -> None:
    s = emerging_scheme()
    assert sorted(s.cluster.unique()) == sorted(EMERGING_INDUSTRIES)
    assert len(EMERGING_INDUSTRIES) == 10
    assert set(s.cluster_type) == {"emerging"}
    assert s.industry.str.fullmatch(r"\d\d\.\d\d").all()  # NACE Rev. 2 classes
    header = emerging_scheme_path().read_text(encoding="utf-8")
    assert "THIS PROJECT'S OWN OPERATIONAL DEFINITIONS" in header
    assert "doi:10.2826/293809" in header
    # overlapping by design: 50.20 (sea freight) is both blue growth and logistics
    both = s[s.industry == "50.20"].cluster.tolist()
    assert sorted(both) == ["blue_growth", "logistical_services"]


def panel() -> pd.DataFrame:
    # 2015: R1 = (a 10, b 45, c 45); 2020: R1 = (a 40, b 30, c 30); R2, R3 steady
    rows = []
    for year, r1 in ((2015, (10, 45, 45)), (2020, (40, 30, 30))):
        for region, emp in (("R1", r1), ("R2", (30, 40, 30)), ("R3", (30, 30, 40))):
            rows += [(region, u, year, e) for u, e in zip("abc", emp, strict=True)]
    return pd.DataFrame(rows, columns=["region", "cluster", "year", "employment"])


def test_new_specialisation_by_hand() -> None:
    """R1 a: 2015 LQ = 0.10 / (70/300) = 0.43; 2020 LQ = 0.40 / (100/300) = 1.2 -> new entry."""
    got = emerging_specialisations(panel(), 2015, 2020)
    row = got[(got.region == "R1") & (got.cluster == "a")].iloc[0]
    assert row.lq_start == np.float64(0.1 / (70 / 300))
    assert abs(row.lq_end - 1.2) < 1e-12
    assert row.new_specialisation and row.fast_rising
    assert "crossed 1" in row.reason
    # nothing else crossed 1 or rose as fast
    assert len(got) == 1


def test_growth_opportunities_are_unspecialised_dense_and_complex() -> None:
    rng = np.random.default_rng(5)
    x = np.exp(rng.normal(0, 1, (30, 12))) * 100
    res = complexity_year(x)
    regions = np.array([f"R{i}" for i in range(30)])
    units = np.array([f"U{j}" for j in range(12)])
    rule = OpportunityRule(density_quantile=0.5, min_pci=-10, top=50)
    for region in ("R0", "R7"):
        got = growth_opportunities(res, regions, units, region, rule)
        i = int(region[1:])
        free = res["m"][i] == 0
        cut = np.quantile(res["density"][i][free], 0.5)
        expected = {units[p] for p in np.flatnonzero(free & (res["density"][i] >= cut))}
        assert set(got.unit) == expected
        assert (got.rca < 1).all()
        assert got.cog.is_monotonic_decreasing
        assert got.reason.str.contains("not specialised yet").all()
