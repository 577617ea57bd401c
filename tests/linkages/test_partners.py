"""Partner finder: hand-made cases and the ten EOCIC pilot regions on real NUTS 2 data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from clusteratlas.errors import InputError
from clusteratlas.linkages.matrix import year_matrices
from clusteratlas.linkages.partners import PartnerFinder, merge_regions


def toy() -> PartnerFinder:
    # AT1 and DE1 share specialisations in a and b; FR1 holds c and d; AT2 is a same-country twin
    regions = np.array(["AT1", "AT2", "DE1", "FR1", "IT1", "ES1"])
    x = np.array(
        [
            [50, 40, 5, 5],
            [48, 42, 5, 5],
            [45, 45, 5, 5],
            [5, 5, 45, 45],
            [25, 25, 25, 25],
            [40, 10, 45, 5],  # ES1 holds a and c: it links the two groups
        ],
        dtype=float,
    )
    return PartnerFinder(x, regions, np.array(list("abcd")))


def test_similar_excludes_own_country_and_ranks_twin_first() -> None:
    got = toy().similar("AT1")
    assert "AT2" not in set(got.partner)
    assert got.partner.iloc[0] == "DE1"
    assert got.score.is_monotonic_decreasing
    assert "a, b" in got.reason.iloc[0] or "b, a" in got.reason.iloc[0]


def test_complementary_is_share_of_density_weighted_gaps() -> None:
    f = toy()
    got = f.complementary("AT1").set_index("partner")
    gaps = np.where(f.res["m"][0] > 0, 0, f.res["density"][0])
    held_fr = f.res["m"][3]
    assert got.loc["FR1", "score"] == pytest.approx((held_fr @ gaps) / gaps.sum())
    assert gaps.sum() > 0
    assert got.loc["FR1", "score"] == pytest.approx(1.0)  # AT1's only related gap is c
    assert "DE1" not in got.index  # DE1 holds nothing AT1 lacks: not complementary


def test_unknown_region_is_an_input_error() -> None:
    with pytest.raises(InputError, match="--region"):
        toy().similar("XX9")


def test_partnership_coverage() -> None:
    """By hand: AT1's free densities are c 0.13, d 0 -> it needs c; FR1's are a 0.12, b 0 ->
    it needs a. FR1 holds c and AT1 holds a: everything needed is covered."""
    res = toy().partnership(["AT1", "FR1"])
    assert res["needed"] == ["a", "c"]
    assert res["coverage"] == 1.0
    assert res["candidates"] == []  # nothing left to add


# -- real data -------------------------------------------------------------------------------

PILOT_2013 = {  # NUTS 2016 pilot codes -> the NUTS 2013 codes of the 2017 LFS snapshot
    # (Commission Regulation (EU) 2016/2066: FR24 -> FRB0, FR30 -> FRE1, FR22 -> FRE2 recoded;
    # LT00 split into LT01 + LT02, so Lithuania is LT00 here)
    "FRB0": ["FR24"],
    "FRE1": ["FR30"],
    "FRE2": ["FR22"],
    "LT01": ["LT00"],
    "LT02": [],
}


@pytest.fixture(scope="module")
def lfs_2015(shared_file):
    from clusteratlas.sources.eurostat_tsv import read_eurostat_tsv

    d = read_eurostat_tsv(shared_file("eu_employment/lfst_r_lfe2en2_2017snapshot.tsv.gz"))
    d = d[(d.age == "Y15-64") & (d.time.astype(int) == 2015)]
    geo = d.geo.astype(str)
    # NUTS 2 codes only: four characters, not the EU/euro-area aggregates (EU28, EA19, ...)
    d = d[(geo.str.len() == 4) & ~geo.str[:2].isin(["EU", "EA"])]
    # 10 NACE aggregates less TOTAL, NRP (no response) and L (missing for a third of regions)
    d = d[~d.nace_r2.isin(["TOTAL", "NRP", "L"])]
    return pd.DataFrame(
        {
            "region": d.geo.astype(str),
            "industry": d.nace_r2.astype(str),
            "year": 2015,
            "employment": d.value * 1000,
        }
    ).dropna()


@pytest.mark.shared
def test_ten_pilot_regions_get_ranked_partners_with_reasons(lfs_2015) -> None:
    from clusteratlas.scoreboard.edition import EOCIC_PILOT

    assert len(EOCIC_PILOT) == 10
    groups = {
        name: [c for m in members for c in PILOT_2013.get(m, [m])]
        for name, members in EOCIC_PILOT.items()
    }
    have = set(lfs_2015.region)
    for name, members in groups.items():
        assert members and set(members) <= have, name
    panel = merge_regions(lfs_2015, groups)
    ym = next(year_matrices(panel))
    country = {r: r[:2] for r in ym.regions}
    country.update({name: members[0][:2] for name, members in groups.items()})
    finder = PartnerFinder(ym.values, ym.regions, ym.units, country=country)
    for name in EOCIC_PILOT:
        own = country[name]
        for kind in ("similar", "complementary"):
            got = getattr(finder, kind)(name, top=5)
            assert len(got) == 5, (name, kind)
            assert (got.partner_country != own).all()
            assert got.score.is_monotonic_decreasing
            assert got.reason.str.len().gt(20).all()
            nuts2 = got.partner.str.fullmatch(r"[A-Z]{2}[0-9A-Z]{2}")
            assert (nuts2 | got.partner.isin(list(EOCIC_PILOT))).all()
        sim = finder.similar(name, top=5)
        assert sim.score.iloc[0] > 0.5  # the best-matching region is genuinely alike
    both = finder.partnership(["Saxony", "Piemonte"])
    assert both["members"] == ["Saxony", "Piemonte"]
    assert 0 <= both["coverage"] <= 1


def test_partnership_ties_go_to_the_stronger_specialisation() -> None:
    """The docstring's example by hand: A and B need only unit a; C (RCA 3 in a) and D
    (RCA 1.5) both hold it, so both score 1; C's strength (3-1)/(3+1) = 0.5 beats D's
    (1.5-1)/(1.5+1) = 0.2."""
    f = PartnerFinder(np.zeros((4, 2)), np.array(list("ABCD")), np.array(["a", "b"]))
    f.res = {
        "m": np.array([[0, 1], [0, 1], [1, 0], [1, 0]], dtype=float),
        "rca": np.array([[0.5, 1.2], [0.5, 1.2], [3.0, 0.5], [1.5, 0.5]]),
        "density": np.array([[0.4, 1.0], [0.4, 1.0], [0.0, 0.0], [0.0, 0.0]]),
    }
    f.country = np.array(list("ABCD"))
    got = f.partnership(["B", "A"])
    assert got["needed"] == ["a"] and got["uncovered"] == ["a"] and got["coverage"] == 0.0
    assert [c["partner"] for c in got["candidates"]] == ["C", "D"]
    assert [c["score"] for c in got["candidates"]] == [1.0, 1.0]
    assert [c["strength"] for c in got["candidates"]] == pytest.approx([0.5, 0.2])


@settings(max_examples=40, deadline=None)
@given(
    x=arrays(np.float64, (7, 5), elements=st.floats(0, 100, allow_nan=False)).filter(
        lambda a: (a.sum(axis=0) > 0).all() and (a.sum(axis=1) > 0).all()
    )
)
def test_partnership_ranking_property(x) -> None:
    """Candidates are never members, scores are shares in (0, 1] in non-increasing order,
    and equal scores come by non-increasing strength."""
    regions = np.array([f"R{i}" for i in range(7)])
    f = PartnerFinder(x, regions, np.array(list("abcde")), country={r: r for r in regions})
    got = f.partnership(["R0", "R1"])
    cands = got["candidates"]
    assert not {c["partner"] for c in cands} & {"R0", "R1"}
    assert all(0 < c["score"] <= 1 + 1e-12 for c in cands)
    keys = [(-round(c["score"], 12), -c["strength"]) for c in cands]
    assert keys == sorted(keys)
    assert set(got["covered"]) | set(got["uncovered"]) == set(got["needed"])
