"""The Atlas linkage methods on the Demoland atlas (and the real atlases where the data are).

Every expected value is recomputed here from the atlas's public read methods
(``cluster_regions``, ``region_clusters``, ``geometries``) with numpy / esda directly, never
through the code under test's own data path (``store.atlas_linkages`` + the Atlas cache).
"""

from __future__ import annotations

import esda
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely.geometry

from clusteratlas.atlas.service import Atlas
from clusteratlas.errors import InputError, NotFoundError

LEVEL = 2  # Demoland's level-2 regions: the finest level its cluster table is mapped at


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Atlas:
    from clusteratlas.atlas.build import build_atlas

    path = tmp_path_factory.mktemp("demo-linkages") / "demo.duckdb"
    build_atlas("demo", path)
    atlas = Atlas.open(path)
    yield atlas
    atlas.close()


def matrix(atlas: Atlas, year: int, level: int = LEVEL) -> pd.DataFrame:
    """Region × traded-cluster employment of one level and year, from cluster_regions."""
    cols = {}
    for c in atlas.clusters():
        if c["cluster_type"] != "traded":
            continue
        rows = atlas.cluster_regions(c["cluster"], year=year, level=level)["regions"]
        cols[c["cluster"]] = {r["region"]: r["employment"] or 0.0 for r in rows}
    frame = pd.DataFrame(cols).fillna(0.0)
    return frame.sort_index().sort_index(axis=1)


def rca(x: pd.DataFrame) -> pd.DataFrame:
    x = x.loc[x.sum(axis=1) > 0, x.sum(axis=0) > 0]
    return x.div(x.sum(axis=1), axis=0) / (x.sum(axis=0) / x.to_numpy().sum())


def level2(atlas: Atlas) -> list[str]:
    return [r["code"] for r in atlas.regions(level=LEVEL, per_page=500)["items"]]


# -- opportunities --------------------------------------------------------------------------
def test_opportunities_follow_the_rule_and_the_recomputed_matrices(demo) -> None:
    from clusteratlas.linkages.complexity import complexity_year

    year = demo.info()["years"][-1]
    x = matrix(demo, year)
    res = complexity_year(x.to_numpy())
    regions, units = list(x.index), list(x.columns)
    seen = 0
    for code in level2(demo):
        got = demo.opportunities(code, n=5)
        assert len(got) <= 5
        i = regions.index(code)
        free = res["m"][i] == 0
        cut = np.nanquantile(res["density"][i][free], 0.75)
        cogs = [g["cog"] for g in got]
        assert cogs == sorted(cogs, reverse=True)
        for g in got:
            p = units.index(g["cluster"])
            assert g["rca"] == pytest.approx(res["rca"][i, p], rel=1e-12)
            assert g["rca"] < 1
            assert g["density"] == pytest.approx(res["density"][i, p], rel=1e-12)
            assert g["density"] >= cut
            assert g["pci"] == pytest.approx(res["pci"][p], rel=1e-9)
            assert g["pci"] > 0
            assert g["employment"] == x.loc[code, g["cluster"]]
            assert len(g["reasons"]) == 5 and g["name"]
            # its related specialisations are clusters the region is specialised in
            assert all(res["m"][i, units.index(u)] == 1 for u in g["related"])
            seen += 1
    assert seen > 0  # some region has an opportunity (else the test would test nothing)


def test_opportunities_bad_parameters(demo) -> None:
    code = level2(demo)[0]
    for n in (0, 51):
        with pytest.raises(InputError) as err:
            demo.opportunities(code, n=n)
        assert err.value.parameter == "n"
    with pytest.raises(NotFoundError):
        demo.opportunities("NOPE")
    with pytest.raises(NotFoundError) as err:
        demo.opportunities(code, year=1900)
    assert err.value.parameter == "year"


# -- emerging specialisations ---------------------------------------------------------------
def test_emerging_specialisations_recomputed(demo) -> None:
    years = demo.info()["years"]
    start, end = years[0], years[-1]
    r0, r1 = rca(matrix(demo, start)), rca(matrix(demo, end))
    found = 0
    for code in level2(demo):
        got = demo.emerging(code)
        changes = [g["change"] for g in got]
        assert changes == sorted(changes, reverse=True)
        for g in got:
            a = r0.loc[code, g["cluster"]] if g["cluster"] in r0.columns else 0.0
            b = r1.loc[code, g["cluster"]]
            assert g["lq_start"] == pytest.approx(a, rel=1e-9)
            assert g["lq_end"] == pytest.approx(b, rel=1e-9)
            assert g["change"] == pytest.approx(b - a, rel=1e-9, abs=1e-12)
            if g["kind"] == "new":
                assert g["lq_start"] < 1 <= g["lq_end"]
            else:
                assert g["fast_rising"] and g["change"] > 0
            assert (g["start"], g["end"]) == (start, end) and g["reasons"]
            found += 1
    assert found > 0
    with pytest.raises(InputError) as err:
        demo.emerging(level2(demo)[0], start=end, end=start)
    assert err.value.parameter == "start"


# -- related clusters -----------------------------------------------------------------------
def test_related_network_is_the_colocation_of_the_stored_employment(demo) -> None:
    year = demo.info()["years"][-1]
    x = matrix(demo, year)
    x = x.loc[x.sum(axis=1) > 0, x.sum(axis=0) > 0]
    corr = np.corrcoef(np.log1p(x.to_numpy()).T)
    units = list(x.columns)
    net = demo.related("1")
    assert (net["system"], net["level"], net["year"]) == ("demo", LEVEL, year)
    assert net["nodes"][0]["cluster"] == "1" and net["nodes"][0]["focus"]
    ids = {n["cluster"] for n in net["nodes"]}
    assert len(net["ranked"]) == len(units) - 1
    for r in net["ranked"]:
        assert r["relatedness"] == pytest.approx(corr[units.index("1"), units.index(r["cluster"])])
    rels = [r["relatedness"] for r in net["ranked"]]
    assert rels == sorted(rels, reverse=True)
    # every pair's percentile among the n(n-1)/2 pairs: min(99, floor(100 rank / n))
    iu = np.triu_indices(len(units), 1)
    ranks = pd.Series(corr[iu]).rank().to_numpy()
    pct = {
        frozenset((units[a], units[b])): min(99, int(np.floor(100 * k / len(ranks))))
        for a, b, k in zip(*iu, ranks, strict=True)
    }
    assert net["edges"]
    for e in net["edges"]:
        assert e["a"] in ids and e["b"] in ids
        assert e["percentile"] == pct[frozenset((e["a"], e["b"]))]
        assert (e["strength"] == "strong") == (e["percentile"] >= 90)
    strong = [r["cluster"] for r in net["ranked"] if r["percentile"] >= 90]
    assert set(strong) <= ids


def test_related_local_cluster_and_unknown(demo) -> None:
    local = next(c["cluster"] for c in demo.clusters() if c["cluster_type"] == "local")
    net = demo.related(local)
    assert net["edges"] == [] and len(net["nodes"]) == 1 and "note" in net
    with pytest.raises(NotFoundError):
        demo.related("no-such-cluster")


# -- partners -------------------------------------------------------------------------------
def symmetric(r: pd.DataFrame) -> pd.DataFrame:
    return (r - 1) / (r + 1)


def test_partners_scores_recomputed(demo) -> None:
    from clusteratlas.linkages.complexity import complexity_year

    year = demo.info()["years"][-1]
    x = matrix(demo, year)
    r = rca(x)
    prof = symmetric(r)
    res = complexity_year(x.to_numpy())
    code = level2(demo)[0]
    got = demo.partners(code, n=4)
    assert "one country" in got["method"]  # Demoland is one country: every other region
    assert 0 < len(got["similar"]) <= 4 and got["complementary"]
    a = prof.loc[code].to_numpy()
    for p in got["similar"]:
        assert p["region"] != code
        b = prof.loc[p["region"]].to_numpy()
        assert p["score"] == pytest.approx(a @ b / np.linalg.norm(a) / np.linalg.norm(b))
    scores = [p["score"] for p in got["similar"]]
    assert scores == sorted(scores, reverse=True)
    i = list(x.index).index(code)
    gaps = np.where(res["m"][i] > 0, 0.0, res["density"][i])
    for p in got["complementary"]:
        held = (r.loc[p["region"]] >= 1).to_numpy()
        assert p["score"] == pytest.approx((held * gaps).sum() / gaps.sum())
        assert set(p["adds"]) == {
            u for u, h, g in zip(r.columns, held, gaps, strict=True) if h and g > 0
        }


def test_partners_for_one_cluster_are_specialised_in_it(demo) -> None:
    year = demo.info()["years"][-1]
    r = rca(matrix(demo, year))
    code = level2(demo)[1]
    got = demo.partners(code, cluster="1", n=10)
    for p in got["similar"] + got["complementary"]:
        assert r.loc[p["region"], "1"] >= 1
        assert any(s.startswith("in Aerospace") for s in p["reasons"])
    with pytest.raises(NotFoundError):
        demo.partners(code, cluster="nope")
    local = next(c["cluster"] for c in demo.clusters() if c["cluster_type"] == "local")
    with pytest.raises(InputError) as err:
        demo.partners(code, cluster=local)
    assert err.value.parameter == "cluster"


# -- partnership ----------------------------------------------------------------------------
def test_partnership_recomputed(demo) -> None:
    """Needs, coverage and candidate scores by hand from the density of the recomputed
    matrix: each member needs its non-specialisations with density >= the 75th percentile of
    its non-specialisations' densities (and > 0); a need is covered when a member holds it;
    a candidate's score is sum(w over uncovered needs it holds) / sum(w over uncovered), w the
    highest density of the members needing it."""
    from clusteratlas.linkages.complexity import complexity_year

    year = demo.info()["years"][-1]
    x = matrix(demo, year)
    x = x.loc[x.sum(axis=1) > 0, x.sum(axis=0) > 0]
    res = complexity_year(x.to_numpy())
    m, density = res["m"], np.nan_to_num(res["density"])
    regions, units = list(x.index), list(x.columns)
    codes = level2(demo)
    for members in (codes[:2], codes[1:4], [codes[0], codes[-1]]):
        got = demo.partnership(members, n=50)
        rows = [regions.index(c) for c in members]
        need = np.zeros(len(units))
        for c, i in zip(members, rows, strict=True):
            free = m[i] == 0
            cut = np.quantile(density[i][free], 0.75)
            mine = free & (density[i] >= cut) & (density[i] > 0)
            got_member = next(g for g in got["members"] if g["region"] == c)
            assert set(got_member["needs"]) == {u for u, k in zip(units, mine, strict=True) if k}
            need = np.maximum(need, np.where(mine, density[i], 0.0))
        held = m[rows].max(axis=0) > 0
        needed, covered = need > 0, (need > 0) & held
        assert set(got["needed"]) == {u for u, k in zip(units, needed, strict=True) if k}
        assert set(got["covered"]) == {u for u, k in zip(units, covered, strict=True) if k}
        assert got["coverage"] == pytest.approx(covered.sum() / needed.sum())
        w = np.where(needed & ~held, need, 0.0)
        expected = {
            r: (m[k] * w).sum() / w.sum()
            for k, r in enumerate(regions)
            if r not in members and w.sum() > 0 and (m[k] * w).sum() > 0
        }
        assert {c["region"]: c["score"] for c in got["candidates"]} == pytest.approx(expected)
        rho = symmetric(rca(x)).to_numpy()
        for c in got["candidates"]:
            k = regions.index(c["region"])
            assert c["strength"] == pytest.approx((m[k] * rho[k] * w).sum() / w.sum())
        ranks = [(-round(c["score"], 9), -c["strength"]) for c in got["candidates"]]
        assert ranks == sorted(ranks)  # by share, ties by strength
        for n in got["needs"]:
            j = units.index(n["cluster"])
            assert n["density"] == pytest.approx(need[j])
            assert n["covered_by"] == [c for c, i in zip(members, rows, strict=True) if m[i, j]]


def test_partnership_bad_parameters(demo) -> None:
    codes = level2(demo)
    parent = demo.regions(level=LEVEL, per_page=1)["items"][0]["parent"]
    all_codes = [r["code"] for r in demo.regions(per_page=500)["items"]]
    for bad, words in (
        ([codes[0]], "at least two"),
        ([], "at least two"),
        ([codes[0], codes[0]], "listed twice"),
        (all_codes[:11], "at most 10"),
        ([codes[0], parent], "one system and level"),
    ):
        with pytest.raises(InputError) as err:
            demo.partnership(bad)
        assert err.value.parameter == "regions" and words in err.value.message
    with pytest.raises(NotFoundError) as err:
        demo.partnership([codes[0], "NOPE"])
    assert err.value.parameter == "regions"
    with pytest.raises(InputError) as err:
        demo.partnership(codes[:2], n=0)
    assert err.value.parameter == "n"


# -- hot spots ------------------------------------------------------------------------------
def test_hotspots_equal_esda_on_the_same_weights(demo) -> None:
    from libpysal.weights import fuzzy_contiguity

    from clusteratlas.atlas.linkages import SNAP_DEGREES

    got = demo.hotspot_map("1", permutations=199, seed=3)
    assert got["level"] == LEVEL
    cells = {
        r["region"]: r["lq"]
        for r in demo.cluster_regions("1", level=LEVEL)["regions"]
        if r["lq"] is not None
    }
    feats = demo.geometries("demo", LEVEL)["features"]
    g = gpd.GeoDataFrame(
        {"region": [f["id"] for f in feats]},
        geometry=[shapely.geometry.shape(f["geometry"]) for f in feats],
    ).set_index("region")
    g = g.loc[[c for c in g.index if c in cells]]
    w = fuzzy_contiguity(g, buffering=True, buffer=SNAP_DEGREES)
    assert not w.islands  # Demoland's level-2 regions form one land mass
    w.transform = "r"
    ref = esda.Moran_Local(np.array([cells[c] for c in g.index]), w, permutations=199, seed=3)
    by = {r["region"]: r for r in got["regions"]}
    assert list(by) == list(g.index)
    quads = {1: "HH", 2: "LH", 3: "LL", 4: "HL"}
    for k, code in enumerate(g.index):
        assert by[code]["p_value"] == pytest.approx(ref.p_sim[k])
        assert by[code]["local_i"] == pytest.approx(ref.Is[k])
        want = quads[ref.q[k]] if ref.p_sim[k] <= 0.05 else "ns"
        assert by[code]["quadrant"] == want
    assert demo.hotspots("1", permutations=199, seed=3) == got["regions"]  # seeded: repeatable


def test_hotspots_bad_parameters(demo) -> None:
    for kw, param in (
        ({"permutations": 5}, "permutations"),
        ({"permutations": 10**5}, "permutations"),
        ({"seed": -1}, "seed"),
    ):
        with pytest.raises(InputError) as err:
            demo.hotspots("1", **kw)
        assert err.value.parameter == param
    with pytest.raises(NotFoundError) as err:
        demo.hotspots("1", level=9)
    assert err.value.parameter == "level"
    with pytest.raises(NotFoundError):
        demo.hotspots("1", system="nope")


def test_heavy_parts_are_cached_per_atlas(demo) -> None:
    year = demo.info()["years"][-1]
    demo.opportunities(level2(demo)[0])
    key = ("lk_complexity", "eu-nace2", "demo", LEVEL, year)
    first = demo._cache[key]
    demo.partners(level2(demo)[0])
    assert demo._cache[key] is first  # partners reuse the matrices of opportunities


def test_json_able(demo) -> None:
    import json

    code = level2(demo)[0]
    for value in (
        demo.opportunities(code),
        demo.emerging(code),
        demo.related("1"),
        demo.partners(code),
        demo.partnership(level2(demo)[:3]),
        demo.hotspot_map("1", permutations=99),
    ):
        json.dumps(value, allow_nan=False)
