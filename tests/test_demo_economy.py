"""Demoland's synthetic economy: determinism, heavy tails, agglomeration, trends, secrecy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from clusteratlas.errors import InputError
from clusteratlas.sources.demo import DemoOptions, generate_demo
from clusteratlas.sources.demo.economy import aggregate
from clusteratlas.sources.demo.sectors import SECTION_PROFILES, nace_section, section_profile
from clusteratlas.sources.demo.store_frames import industries_from_scheme


@pytest.fixture(scope="module")
def scheme() -> pd.DataFrame:
    from clusteratlas.classifications.schemes import get_scheme

    return get_scheme("eu-nace2")


@pytest.fixture(scope="module")
def demo(scheme):
    return generate_demo(DemoOptions(seed=7, years=6, regions=40, with_level3=True), scheme)


def test_same_seed_same_data_other_seed_other_data(scheme):
    options = DemoOptions(seed=3, years=3, regions=8)
    a, b = generate_demo(options, scheme), generate_demo(options, scheme)
    pd.testing.assert_frame_equal(a.panel, b.panel)
    assert a.geography.regions.equals(b.geography.regions)
    c = generate_demo(DemoOptions(seed=4, years=3, regions=8), scheme)
    assert not a.panel["employment"].equals(c.panel["employment"])


def test_more_years_keep_the_same_map(scheme):
    short = generate_demo(DemoOptions(seed=3, years=3, regions=8), scheme)
    long = generate_demo(DemoOptions(seed=3, years=5, regions=8), scheme)
    assert short.geography.regions.equals(long.geography.regions)


def test_industries_are_real_nace_classes_of_the_scheme(demo, scheme):
    codes = set(demo.panel["industry"])
    assert codes <= set(scheme["industry"])
    assert all(nace_section(c) is not None for c in codes)
    assert len(codes) > 500  # nearly every class of the scheme is present somewhere


def test_industries_from_scheme_takes_the_heaviest_non_emerging_cluster():
    s = pd.DataFrame(
        {
            "industry": ["10.11", "10.11", "10.11", "20.11"],
            "cluster": ["A", "B", "E", "B"],
            "cluster_type": ["traded", "local", "emerging", "local"],
            "weight": [0.3, 0.7, 1.0, 1.0],
        }
    )
    out = industries_from_scheme(s)
    assert out.to_dict("list") == {
        "industry": ["10.11", "20.11"],
        "cluster": ["B", "B"],
        "cluster_type": ["local", "local"],
    }


def test_region_sizes_are_heavy_tailed(demo):
    emp = np.sort(demo.economy.employment[:, :, -1].sum(axis=1))[::-1]
    top = emp[: max(1, len(emp) // 10)].sum() / emp.sum()
    assert top > 0.25  # lognormal(sigma=1) gives ~40% in expectation; 10% would be uniform
    assert emp[0] / np.median(emp) > 4


def test_levels_add_up(demo):
    geo, eco = demo.geography, demo.economy
    codes2, (emp2, _, _) = aggregate(eco, geo, 2)
    parent = dict(zip(geo.regions["code"], geo.regions["parent"], strict=True))
    for j, code in enumerate(codes2):
        kids = [i for i, c in enumerate(eco.regions) if parent[c] == code]
        assert np.array_equal(emp2[j], eco.employment[kids].sum(axis=0))
    _, (emp0, _, _) = aggregate(eco, geo, 0)
    assert emp0.sum() == eco.employment.sum()
    # published, unsuppressed level-2 cells equal the sum of their level-3 parts
    p = demo.panel
    l2 = p[(p["level"] == 2) & ~p["confidential"]].head(200)
    for row in l2.itertuples():
        j, i = codes2.index(row.region), eco.industries.index(row.industry)
        t = eco.years.index(row.year)
        assert row.employment == emp2[j, i, t]


def test_confidential_cells_follow_the_threshold_rule(demo):
    p = demo.panel
    assert (p["confidential"] == (p["establishments"] < 3)).all()
    assert p.loc[p["confidential"], ["employment", "payroll"]].isna().all().all()
    assert p.loc[~p["confidential"], ["employment", "payroll"]].notna().all().all()
    published = p[p["level"] <= 2]
    share = published["confidential"].mean()
    assert 0.01 < share < 0.10  # a few percent, as in Eurostat regional statistics
    assert demo.confidential_share(3) > demo.confidential_share(2)  # finer cells, more secrecy


def test_counts_are_consistent(demo):
    eco = demo.economy
    assert (eco.establishments <= eco.employment).all()
    assert ((eco.employment > 0) <= (eco.establishments > 0)).all()
    p = demo.panel.dropna(subset=["payroll"])
    wage = p["payroll"] / p["employment"]
    assert wage.between(5_000, 200_000).all()
    assert 25_000 < np.average(wage, weights=p["employment"]) < 50_000


def test_specialisations_are_shared_by_neighbours(demo):
    """LQs of traded clusters correlate more between neighbours than between random pairs."""
    eco, geo = demo.economy, demo.geography
    emp = eco.employment[:, :, -1].astype(float)
    share = emp / emp.sum(axis=1, keepdims=True)
    lq = np.log((share + 1e-9) / (emp.sum(axis=0) / emp.sum()))
    lq -= lq.mean(axis=0)

    def corr(pairs):
        return np.mean([np.corrcoef(lq[a], lq[b])[0, 1] for a, b in pairs])

    rng = np.random.default_rng(0)
    n = emp.shape[0]
    random_pairs = [tuple(rng.choice(n, 2, replace=False)) for _ in range(len(geo.adjacency))]
    assert corr(geo.adjacency) > corr(random_pairs) + 0.02


def test_hospitality_drops_in_2020(scheme):
    d = generate_demo(DemoOptions(seed=5, years=6, regions=8), scheme)  # 2019-2024
    eco = d.economy
    hosp = [i for i, c in enumerate(eco.industries) if nace_section(c) == "I"]
    total = eco.employment[:, hosp, :].sum(axis=(0, 1))
    y = eco.years
    assert total[y.index(2020)] < 0.9 * total[y.index(2019)]
    assert total[y.index(2022)] > total[y.index(2020)]


def test_section_profiles():
    assert sum(v[2] for v in SECTION_PROFILES.values()) == pytest.approx(100)
    assert section_profile("35.11")[0] == "D" and section_profile("35.11")[2] > 1.2
    assert section_profile("C10.11")[0] == "C"
    assert section_profile("zz")[0] == "?"


@pytest.mark.parametrize(
    ("options", "parameter"),
    [
        (DemoOptions(years=1), "years"),
        (DemoOptions(regions=2), "regions"),
        (DemoOptions(seed=-1), "seed"),
    ],
)
def test_bad_options_name_the_parameter(options, parameter, scheme):
    with pytest.raises(InputError) as err:
        generate_demo(options, scheme)
    assert err.value.parameter == parameter
